/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI hooks: each runs as its own process with the container's state JSON
 * on stdin, exactly its env, and its timeout. The caller picks the
 * namespaces by where it calls this: the runtime for prestart,
 * createRuntime, poststart and poststop, the container's init (before
 * pivot_root, then before exec) for createContainer and startContainer.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"
#include "oci/config.h"

/*
 * Runs the hooks of list in order and stops at the first that fails (exit
 * status not 0, killed, timed out, not executable), with an error naming
 * it: "hooks.prestart[1] /usr/bin/x: exited with status 3". Stdin is a
 * socket, so a hook that does not read it costs the runtime no SIGPIPE.
 */
int sbx_hooks_run(const struct sbx_hook_list *list, enum sbx_hook_kind kind, const char *state_json,
		  struct sbx_error *err);
/*
 * Runs every hook of list; a failure is a warning and the next hook runs
 * (poststart, poststop). Returns how many failed.
 */
int sbx_hooks_run_all(const struct sbx_hook_list *list, enum sbx_hook_kind kind, const char *state_json);

/* The state a hook reads for a container of cfg (malloc'd JSON); id NULL: "sbxctr". */
char *sbx_hooks_state(const struct sbx_config *cfg, const char *id, pid_t pid, int status);

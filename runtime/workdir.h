/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The staged workdir: a size-capped tmpfs that the runtime mounts in its own
 * private mount namespace, fills (--copy-in), lends to the sandbox as its
 * workdir (a bind mount), and reads back after the run (--copy-out) without
 * trusting anything the program planted there. Because the mount lives only
 * in the runtime's mount namespace, it disappears with the runtime, even
 * when the runtime is killed with SIGKILL.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/config.h"
#include "core/error.h"

/*
 * Moves the calling process into a private mount namespace (once per
 * process, before any staged workdir). Cheap; idempotent per call site.
 */
int sbx_runtime_private_mounts(struct sbx_error *err);

struct sbx_stage {
	char *path; /* host path of the tmpfs, in the runtime's mount namespace */
	bool mounted;
	uid_t uid; /* host ids that own the workdir: the sandbox user, mapped */
	gid_t gid;
};

/* True when cfg needs a staged workdir (copy-in or copy-out). */
bool sbx_stage_needed(const struct sbx_config *cfg);

int sbx_stage_create(const struct sbx_config *cfg, unsigned slot, uid_t uid, gid_t gid, struct sbx_stage *ret,
		     struct sbx_error *err);
/* Copies every --copy-in source (file or tree) into the stage. */
int sbx_stage_copy_in(struct sbx_stage *st, const struct sbx_config *cfg, struct sbx_error *err);

/* Outcome of one --copy-out. */
struct sbx_copy_result {
	bool ok;
	uint64_t bytes;
	char error[256];
};

/*
 * Copies each --copy-out file from the stage to the host. Only regular files
 * with one link and at most copy_out_max bytes, reached without following
 * any symlink or leaving the stage; anything else fails that one copy. The
 * copy is 0644 plus the execute bits of the original.
 * ret must have room for cfg->io.n_copy_out results.
 */
void sbx_stage_copy_out(struct sbx_stage *st, const struct sbx_config *cfg, struct sbx_copy_result *ret);
void sbx_stage_destroy(struct sbx_stage *st);

/* Parses "HOST:PATH" (copy-in) or "PATH:HOST" (copy-out) into c. */
int sbx_copy_parse(const char *arg, bool out, struct sbx_copy *c, struct sbx_error *err);
/* The rule for the workdir side of a copy: non-empty and no ".." anywhere (the copy itself also resolves beneath). */
bool sbx_copy_inside_ok(const char *inside);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the lifecycle's files share (container.c: create, start, state,
 * kill, delete, list; engine.c: ps, pause, resume, update, events;
 * container_exec.c: exec): one container opened from its state directory.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"
#include "oci/config.h"
#include "oci/state.h"
#include "runtime/container.h"

/* One container, opened (and, for the verbs that change it, locked). */
struct ctr {
	const char *id;
	int root_fd;
	int dir_fd;
	struct sbx_oci_state st;
	int pidfd; /* the live init, -1 when stopped */
};

/*
 * Opens container id. lock: flock(LOCK_EX), waiting for other verbs (a
 * mutating verb); otherwise read without a lock. ENOENT -> "does not exist".
 * The status is refreshed: running, paused (its cgroup is frozen), created
 * or stopped (the init is gone).
 */
int sbx_ctr_open(const struct sbx_container_opts *g, const char *id, bool lock, struct ctr *c,
		 struct sbx_error *err);
void sbx_ctr_close(struct ctr *c);
/* "cannot VERB container "ID": it is STATUS" */
int sbx_ctr_status_error(const struct ctr *c, const char *verb, struct sbx_error *err);
/* A pidfd of the recorded init if it still runs (pid and start time match), else -1. */
int sbx_ctr_find_init(const struct sbx_oci_state *st);
/* Waits until the process of pidfd has exited; -ETIMEDOUT after ms. */
int sbx_ctr_wait_gone(int pidfd, int ms);
/* The hooks of the config.json kept at create, or NULL (with a warning). */
struct sbx_config *sbx_ctr_kept_config(const struct ctr *c);
/*
 * The whole config.json kept at create, resolved against the bundle and
 * with the container's policy applied again: what the container runs with.
 */
int sbx_ctr_config(const struct ctr *c, struct sbx_config **ret, struct sbx_error *err);
int sbx_ctr_connect_unix(const char *path, int type, const char *what, struct sbx_error *err);
/* A pidfd of pid, as one SCM_RIGHTS message to the unix socket at path. */
int sbx_ctr_send_pidfd(const char *path, pid_t pid, struct sbx_error *err);
/* The bare pid, no newline, replaced whole. */
int sbx_ctr_write_pid_file(const char *path, pid_t pid, struct sbx_error *err);

/*
 * The container's processes (host pids, sorted): its cgroup's; without a
 * cgroup, those of its init's pid namespace and the namespaces below it;
 * the init alone when it shares our pid namespace. *ret malloc'd.
 */
int sbx_ctr_pids(const struct ctr *c, pid_t **ret, size_t *ret_n, struct sbx_error *err);
/* sig to every process of sbx_ctr_pids() but the init (kill --all; the caller signals the init). */
int sbx_ctr_kill_all(const struct ctr *c, int sig, struct sbx_error *err);

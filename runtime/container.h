/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI lifecycle (runtime-spec runtime.md): create, start, state, kill,
 * delete, list, on containers kept under a state root (--root, default
 * /run/sbxctr). Each container is one directory <root>/<id> holding:
 *
 *   state.json   the OCI state plus sbxctr's own fields (oci/state.h),
 *                always replaced whole (written aside, then renamed);
 *   config.json  the bundle's config as it was at create (for poststop);
 *   start        the socket the created init accepts `start` on.
 *
 * The directory itself is the lock: every verb that changes a container
 * holds flock(LOCK_EX) on it, so verbs on one container run one at a time;
 * `state` and `list` only read (state.json is never half-written) and never
 * wait. `create` holds the lock from mkdir to the end, so a container still
 * "creating" whose lock is free was left by a create that died: the next
 * verb that meets it removes it, killing its init.
 *
 * The init is found by pid and start time (/proc/PID/stat), checked again
 * after pidfd_open(): a pid reused by another process is never signalled,
 * and a dead (or zombie) init makes the container "stopped".
 *
 * Process model: the init is a child of `sbxctr create` and outlives it
 * (no death signal once created): the caller reaps it, as conmon and
 * containerd's shim, subreapers, do. No sbxctr process supervises it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "oci/config.h"
#include "oci/state.h"

/* What the global flags say (cli/global.c). */
struct sbx_container_opts {
	const char *root;	/* --root; NULL: /run/sbxctr */
	enum sbx_policy policy; /* --policy, else SBXCTR_POLICY, else hardened (the annotation wins) */
	int cgroup_mode;	/* -1: the config's; else an enum sbx_cgroup_mode (--cgroup-manager=disabled: off) */
	bool systemd_cgroup;	/* --systemd-cgroup, --cgroup-manager=systemd */
};

struct sbx_create_opts {
	const char *id;
	const char *bundle;	    /* NULL: "." */
	const char *pid_file;	    /* NULL: none */
	const char *console_socket; /* the pty master goes there (process.terminal) */
	const char *pidfd_socket;   /* a pidfd of the init goes there */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
};

#define SBX_CONTAINER_ROOT "/run/sbxctr"

int sbx_container_create(const struct sbx_container_opts *g, const struct sbx_create_opts *o, struct sbx_error *err);
int sbx_container_start(const struct sbx_container_opts *g, const char *id, struct sbx_error *err);
/* The OCI state as pretty JSON (malloc'd). */
int sbx_container_state(const struct sbx_container_opts *g, const char *id, char **ret_json, struct sbx_error *err);
/* all: every process of the container, not only its init. */
int sbx_container_kill(const struct sbx_container_opts *g, const char *id, int sig, bool all, struct sbx_error *err);
/* force: kill a created or running container first (else that is an error). */
int sbx_container_delete(const struct sbx_container_opts *g, const char *id, bool force, struct sbx_error *err);
/* Every container under the root, by id; removes the leftovers of dead creates. */
int sbx_container_list(const struct sbx_container_opts *g, struct sbx_oci_state **ret, size_t *ret_n,
		       struct sbx_error *err);

/*
 * The verbs engines call on a running container (runtime/engine.c).
 * ps: its processes (host pids, sorted): its cgroup's, else its pid
 * namespace's. pause/resume: the cgroup v2 freezer (a container without a
 * cgroup cannot be paused). update: res written into the live cgroup, as
 * create would have written it.
 */
int sbx_container_pids(const struct sbx_container_opts *g, const char *id, pid_t **ret, size_t *ret_n,
		       struct sbx_error *err);
int sbx_container_pause(const struct sbx_container_opts *g, const char *id, struct sbx_error *err);
int sbx_container_resume(const struct sbx_container_opts *g, const char *id, struct sbx_error *err);
struct sbx_resources;
int sbx_container_update(const struct sbx_container_opts *g, const char *id, const struct sbx_resources *res,
			 struct sbx_error *err);

/*
 * events: a running container watched until its init exits. stats reads
 * its cgroup (runc's "stats" event); wait returns after at most ms with
 * what happened first.
 */
struct sbx_container_watch;
struct sbx_cgroup_live_stats;
enum sbx_watch_event {
	SBX_WATCH_TIMEOUT = 0,
	SBX_WATCH_OOM,	  /* memory.events "oom_kill" went up: a process was killed */
	SBX_WATCH_EXITED, /* the init is gone */
};
int sbx_container_watch_open(const struct sbx_container_opts *g, const char *id, struct sbx_container_watch **ret,
			     struct sbx_error *err);
int sbx_container_watch_stats(struct sbx_container_watch *w, struct sbx_cgroup_live_stats *ret,
			      struct sbx_error *err);
int sbx_container_watch_wait(struct sbx_container_watch *w, int ms, struct sbx_error *err);
void sbx_container_watch_free(struct sbx_container_watch *w);
static inline void sbx_container_watch_freep(struct sbx_container_watch **w)
{
	sbx_container_watch_free(*w);
}

/*
 * exec: a process started in running container id (runtime/container_exec.c):
 * every namespace of its init that is not ours (its own user and mount
 * namespaces included), its cgroup, the process's rlimits, user, cwd, env,
 * capabilities, no_new_privs (always under hardened) and the container's
 * seccomp filter (a process object's own "seccomp" is stacked under it
 * under hardened, replaces it under exact). Without detach it waits and
 * *ret_status is the process's status (128+N for signal N).
 */
struct sbx_exec_opts {
	const char *id;
	const char *process_file; /* --process: an OCI process object */
	char *const *argv;	  /* else the command, with the container's process around it */
	char *const *env;	  /* --env K=V, over the process's */
	const char *cwd;
	bool has_user;
	uint32_t uid, gid;
	const uint32_t *additional_gids;
	size_t n_additional_gids;
	char *const *caps; /* --cap: added to every set */
	bool no_new_privs;
	bool tty;		    /* a terminal from the container's devpts */
	const char *console_socket; /* its master goes there */
	const char *pidfd_socket;
	const char *pid_file;
	bool detach;
	int preserve_fds;
};
int sbx_container_exec(const struct sbx_container_opts *g, const struct sbx_exec_opts *o, int *ret_status,
		       struct sbx_error *err);

/* "KILL", "SIGKILL", "9" -> 9; -1 when unknown. */
int sbx_signal_parse(const char *s);

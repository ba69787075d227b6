/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 for sandboxes: the parent cgroup, one cgroup per sandbox with
 * every limit written before the program joins (clone3 CLONE_INTO_CGROUP),
 * accounting, teardown and the sweep of cgroups whose runtime died.
 *
 * How the runtime uses it, per run:
 *
 *   root = sbx_cgroup_root_open(&{mode, parent})        once per process
 *   sbx_cgroup_sweep(root)                                once, at start
 *   sbx_cgroup_plan(res, &{mode, root_usable, root_controllers, ...}, &plan)
 *   if plan->use_cgroup:
 *       sbx_cgroup_create(root, plan, label, &cg)         limits are written here
 *       clone3({.flags = CLONE_INTO_CGROUP | ..., .cgroup = sbx_cgroup_fd(cg)})
 *   else: apply plan->fallback.rlimits in the child before exec
 *   ... while it runs: sbx_cgroup_poll(cg) now and then (only needed
 *       where memory.peak / pids.peak are missing), sbx_cgroup_cpu_usage()
 *       for a CPU-time limit over the whole tree ...
 *   after the sandbox's init was reaped:
 *       sbx_cgroup_stats(cg, &st)     CPU, peak memory, OOM kills, pids
 *       sbx_cgroup_destroy(cg, ms)    kill what is left, wait, rmdir, free
 *   or, off the critical path: sbx_cgroup_kill(cg), poll() on
 *       sbx_cgroup_events_fd(cg) for POLLPRI, sbx_cgroup_try_remove(cg)
 *       until it returns 1, then sbx_cgroup_free(cg).
 *
 * Ownership: each sandbox cgroup is named "sbx-<runtime pid>-<seq>[-label]"
 * and its runtime holds an exclusive flock(2) on the cgroup's directory for
 * as long as the cgroup is in use (the descriptor sbx_cgroup_fd() returns,
 * O_CLOEXEC). The kernel drops the lock when the runtime dies, however it
 * dies, so the sweep destroys exactly the cgroups whose runtime is gone: no
 * pid reuse or pid-namespace ambiguity, no state file. The sweep only ever
 * touches "sbx-*" (and empty "sbxrt-*", see below) directories directly
 * under the parent.
 *
 * The parent (sbx_cgroup_root_open): --cgroup-parent PATH ("/a/b" from the
 * cgroup2 root, "a/b" below the runtime's own cgroup), else "<own>/sbxctr".
 * Controllers are enabled in cgroup.subtree_control from the runtime's own
 * cgroup (or the root, for an absolute PATH) down to the parent; cgroups
 * above that are only read, never written. cgroup v2 forbids enabling
 * controllers in a non-root cgroup that holds processes. When the runtime's
 * own cgroup holds only the runtime itself (systemd-run --scope, a container
 * whose init is sbxctr), the runtime moves itself into the leaf
 * "<parent>/sbxrt-<pid>" first, as systemd's delegation rules ask of a
 * delegated subtree's owner and as container inits do; if other processes
 * share the cgroup, they are not moved (they are not ours) and cgroups are
 * unusable there, with a message that says so. crun's cgroupfs manager
 * instead writes at an absolute path from the root, which is what an
 * absolute --cgroup-parent gives.
 *
 * Hosts in cgroup v1 or hybrid mode (a v1 hierarchy with controllers is
 * mounted) have no usable cgroups: nothing is created or written anywhere.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/limits.h"
#include "core/error.h"

#define SBX_CGROUP_PREFIX "sbx-"
#define SBX_CGROUP_RUNTIME_PREFIX "sbxrt-"
#define SBX_CGROUP_DEFAULT_PARENT "sbxctr"

struct sbx_cgroup_root;
struct sbx_cgroup;

struct sbx_cgroup_root_opts {
	enum sbx_cgroup_mode mode;
	const char *parent;   /* --cgroup-parent; NULL: "<own cgroup>/sbxctr" */
	unsigned controllers; /* to enable for the sandboxes; 0: SBX_CG_SANDBOX */
	/*
	 * Allow moving the calling process into "<parent>/sbxrt-<pid>" when
	 * that is the only way to enable controllers (see above). Default on;
	 * tests that only plan turn it off.
	 */
	bool no_move_self;
};

/*
 * Finds the cgroup2 mount and the runtime's own cgroup, creates the parent
 * and enables controllers down to it. When cgroups are unusable (mode off,
 * v1/hybrid host, no permission, other processes in the own cgroup...) it
 * still succeeds with sbx_cgroup_root_usable() false and a reason, except in
 * mode required, where that is the error. *ret is always set on success.
 */
int sbx_cgroup_root_open(const struct sbx_cgroup_root_opts *opts, struct sbx_cgroup_root **ret,
			 struct sbx_error *err);
void sbx_cgroup_root_free(struct sbx_cgroup_root *root);
static inline void sbx_cgroup_root_freep(struct sbx_cgroup_root **r)
{
	sbx_cgroup_root_free(*r);
}
bool sbx_cgroup_root_usable(const struct sbx_cgroup_root *root);
/* Why cgroups are unusable ("" when usable). */
const char *sbx_cgroup_root_reason(const struct sbx_cgroup_root *root);
/* Controllers enabled for the sandboxes (the parent's cgroup.subtree_control); 0 when unusable. */
unsigned sbx_cgroup_root_controllers(const struct sbx_cgroup_root *root);
/* The parent directory ("/sys/fs/cgroup/sbxctr"); NULL when unusable. */
const char *sbx_cgroup_root_parent(const struct sbx_cgroup_root *root);
/* Fills the plan options from the root (mode, usable, available, reason, parent). */
void sbx_cgroup_root_plan_opts(const struct sbx_cgroup_root *root,
			       struct sbx_cgroup_plan_opts *ret);

/*
 * Read-only check, for tests and diagnostics: is there a cgroup v2 hierarchy
 * (no v1 controllers mounted) whose cgroup.controllers, at the caller's own
 * cgroup, includes every controller in need? Returns 1 (and the controllers
 * offered), 0 with a reason, or -errno. Writes nothing.
 */
int sbx_cgroup_probe(unsigned need, unsigned *ret_controllers, char *reason, size_t reason_size);

/*
 * Creates the sandbox cgroup under root's parent and applies every write of
 * plan (which must come from sbx_cgroup_plan() with root's options and have
 * use_cgroup set). On failure nothing is left behind. label (may be NULL)
 * is appended to the name: [A-Za-z0-9_.:@-], at most 64 bytes.
 */
int sbx_cgroup_create(struct sbx_cgroup_root *root, const struct sbx_cgroup_plan *plan,
		      const char *label, struct sbx_cgroup **ret, struct sbx_error *err);

/*
 * The OCI lifecycle's cgroup: exactly "<parent>/<name>" (linux.cgroupsPath,
 * or "oci-<id>"), created if missing, with plan's writes; it is never swept
 * (not an "sbx-" name) and outlives the runtime: `sbxctr delete` removes it
 * with sbx_cgroup_open() + sbx_cgroup_destroy().
 */
int sbx_cgroup_create_named(struct sbx_cgroup_root *root, const struct sbx_cgroup_plan *plan, const char *name,
			    struct sbx_cgroup **ret, struct sbx_error *err);
/*
 * Writes plan's limits into an existing cgroup (`sbxctr update` on a live
 * container): in the plan's order, stopping at the first failure, whose
 * error names the file and the value.
 */
int sbx_cgroup_apply(struct sbx_cgroup *cg, const struct sbx_cgroup_plan *plan, struct sbx_error *err);
/* An existing cgroup directory (absolute path), to kill, wait for and remove. */
int sbx_cgroup_open(const char *path, struct sbx_cgroup **ret, struct sbx_error *err);
/* The runtime's own cgroup directory in the cgroup2 mount ("" -> -ENOENT); malloc'd in *ret. */
int sbx_cgroup_own_dir(char **ret);

/*
 * The cgroup's directory descriptor (O_RDONLY | O_DIRECTORY | O_CLOEXEC):
 * clone_args.cgroup for CLONE_INTO_CGROUP. It also carries the ownership
 * lock, so the sandbox must not keep it: O_CLOEXEC (and the child's
 * close_range) take care of that. Owned by cg.
 */
int sbx_cgroup_fd(const struct sbx_cgroup *cg);
/* "/sys/fs/cgroup/sbxctr/sbx-123-1" and "sbx-123-1". */
const char *sbx_cgroup_path(const struct sbx_cgroup *cg);
const char *sbx_cgroup_name(const struct sbx_cgroup *cg);

struct sbx_cgroup_stats {
	/* cpu.stat: always present in cgroup v2, whole tree, µs */
	uint64_t cpu_usage_us, cpu_user_us, cpu_system_us;
	uint64_t cpu_nr_throttled, cpu_throttled_us; /* with the cpu controller, else 0 */
	bool has_memory;			     /* the memory controller is enabled */
	uint64_t memory_current;		     /* bytes */
	uint64_t memory_peak;			     /* bytes: memory.peak, or the polled maximum */
	bool memory_peak_polled;		     /* memory.peak is missing (kernel < 5.19) */
	uint64_t memory_max_events;		     /* memory.events "max": usage hit memory.max */
	uint64_t oom_events;			     /* memory.events "oom" */
	uint64_t oom_kills;    /* memory.events "oom_kill": this cgroup = this run */
	uint64_t swap_current; /* memory.swap.current, 0 when absent */
	bool has_pids;
	uint64_t pids_current;
	uint64_t pids_peak; /* pids.peak, or the polled maximum */
	bool pids_peak_polled;
	uint64_t pids_max_events; /* pids.events "max": forks refused by pids.max */
};

/* Reads the accounting; valid until the cgroup is removed (read it after the program exits). */
int sbx_cgroup_stats(struct sbx_cgroup *cg, struct sbx_cgroup_stats *ret, struct sbx_error *err);
/*
 * Samples memory.current and pids.current into the polled peaks, where the
 * kernel lacks memory.peak / pids.peak (a no-op otherwise). Cheap; call it
 * from the runtime's wait loop. Returns 0 or -errno.
 */
int sbx_cgroup_poll(struct sbx_cgroup *cg);
/* cpu.stat usage_usec alone, for a CPU-time limit over the whole tree. */
int sbx_cgroup_cpu_usage(struct sbx_cgroup *cg, uint64_t *ret_us);

/*
 * fn(pid, ud) for each process in the cgroup open at dirfd and its
 * descendants; -errno when dirfd's own cgroup.procs cannot be read.
 */
int sbx_cgroup_walk_pids(int dirfd, int (*fn)(pid_t pid, void *ud), void *ud);

/*
 * SIGKILLs every process in the cgroup (and below) without waiting:
 * cgroup.kill (5.14+), else freeze, kill each pid, thaw.
 */
int sbx_cgroup_kill(struct sbx_cgroup *cg, struct sbx_error *err);
/* The freeze-and-kill fallback itself, exposed for tests. */
int sbx_cgroup_kill_frozen(struct sbx_cgroup *cg, struct sbx_error *err);
/* 1 when live processes remain (cgroup.events "populated"), 0 when empty, -errno. */
int sbx_cgroup_populated(struct sbx_cgroup *cg);
/* cgroup.events, opened on first use: poll() reports POLLPRI when "populated" changes. */
int sbx_cgroup_events_fd(struct sbx_cgroup *cg);
/* Waits for "populated 0" (poll on cgroup.events); -ETIMEDOUT after timeout_ms. */
int sbx_cgroup_wait_empty(struct sbx_cgroup *cg, int timeout_ms, struct sbx_error *err);
/*
 * Non-blocking removal step: 1 when the cgroup (and any child cgroups) are
 * removed, 0 when processes remain (poll sbx_cgroup_events_fd() and call
 * again), -errno on error.
 */
int sbx_cgroup_try_remove(struct sbx_cgroup *cg, struct sbx_error *err);
/*
 * kill + wait_empty(timeout_ms) + remove + free, in one. Always frees cg; on
 * an error the directory stays for a later sweep.
 */
int sbx_cgroup_destroy(struct sbx_cgroup *cg, int timeout_ms, struct sbx_error *err);
/* Frees cg and releases the lock without removing anything (the sweep removes it later). */
void sbx_cgroup_free(struct sbx_cgroup *cg);
static inline void sbx_cgroup_freep(struct sbx_cgroup **c)
{
	sbx_cgroup_free(*c);
}

/*
 * Destroys every "sbx-*" cgroup under root's parent whose lock is free (its
 * runtime is gone): kills its processes, waits up to timeout_ms for each,
 * removes it; and removes empty "sbxrt-*" leaves. Touches nothing else.
 * Returns 0 (the number removed in *ret_removed, may be NULL) or the first
 * error after trying all of them.
 */
int sbx_cgroup_sweep(struct sbx_cgroup_root *root, int timeout_ms, unsigned *ret_removed,
		     struct sbx_error *err);

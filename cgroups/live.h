/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A live container's cgroup, for the verbs engines call while it runs:
 * pause and resume (the cgroup v2 freezer), ps (the pids in it), events
 * (its accounting as runc reports it, and memory.events for OOM kills).
 * The cgroup is one opened with sbx_cgroup_open(); update writes a plan
 * with sbx_cgroup_apply() (cgroups/cgroup.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroup.h"
#include "core/error.h"

/*
 * cgroup.freeze: freeze (1) or thaw (0), then wait until cgroup.events
 * says "frozen" matches, at most timeout_ms (a task in an uninterruptible
 * sleep delays a freeze). -ENOTSUP where the kernel has no v2 freezer.
 */
int sbx_cgroup_freeze(struct sbx_cgroup *cg, bool freeze, int timeout_ms, struct sbx_error *err);
/* Whether cgroup.freeze asks for frozen: 1, 0, or -errno. */
int sbx_cgroup_frozen(struct sbx_cgroup *cg);

/*
 * Every pid in the cgroup and its descendants (cgroup.procs), sorted,
 * without duplicates; *ret malloc'd (NULL when there is none).
 */
int sbx_cgroup_pids(struct sbx_cgroup *cg, pid_t **ret, size_t *ret_n, struct sbx_error *err);

/* What runc's `events` reports for a container, from cgroup v2 files. */
struct sbx_cgroup_live_stats {
	uint64_t cpu_usage_us, cpu_user_us, cpu_system_us;
	uint64_t cpu_periods, cpu_throttled_periods, cpu_throttled_us;
	bool has_memory;
	uint64_t memory_usage, memory_max, memory_peak; /* memory_max UINT64_MAX: none */
	uint64_t swap_usage, swap_max;
	uint64_t memory_failcnt; /* memory.events "max" */
	uint64_t oom_kills;	 /* memory.events "oom_kill" */
	/* memory.stat's fields as they are (runc's "raw"), up to this many */
	char stat_keys[48][32];
	uint64_t stat_values[48];
	size_t n_stat;
	bool has_pids;
	uint64_t pids_current, pids_max; /* UINT64_MAX: none */
};

int sbx_cgroup_live_stats(struct sbx_cgroup *cg, struct sbx_cgroup_live_stats *ret, struct sbx_error *err);

/*
 * memory.events opened for poll(): the kernel reports POLLPRI when a
 * counter changes (the OOM kills in sbx_cgroup_live_stats). -errno, or
 * -ENOENT without the memory controller.
 */
int sbx_cgroup_memory_events_fd(struct sbx_cgroup *cg);

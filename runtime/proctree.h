/* SPDX-License-Identifier: Apache-2.0 */
/* CPU time of a process tree from /proc, for hosts without a cgroup cpu controller. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/*
 * Sums user and system time (own and reaped children's) of root and every live
 * descendant, walking /proc/<pid>/task/<tid>/children. Each process's own
 * time is exact (its CPUCLOCK_SCHED clock); what it reaped comes from
 * /proc/PID/stat in clock ticks (10 ms each). kill_sig > 0 is sent to every
 * descendant as it is found (after its time was read), not to root: a pid
 * read from its parent's children a moment before, which the kernel hands
 * out again only after wrapping around pid_max. Returns 0 or -errno (root
 * is gone).
 */
int sbx_proctree_cpu(pid_t root, int kill_sig, uint64_t *ret_user_us, uint64_t *ret_sys_us);
/* The same, and root's own time (not what it reaped) in *ret_root_us. */
int sbx_proctree_cpu_root(pid_t root, int kill_sig, uint64_t *ret_user_us, uint64_t *ret_sys_us,
			  uint64_t *ret_root_us);

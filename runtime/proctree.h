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

/*
 * A CPU clock of a process tree that is up to date at every read: a perf
 * task-clock counter on pid, inherited by every thread and process it forks
 * from then on (exited ones included). The process clock above, /proc and
 * cgroup cpu.stat all lag a task that is running on another CPU by up to a
 * scheduler tick (4 ms at HZ=250); a read of this counter brings running
 * tasks' figures up to date first. It is not the same clock, though: it
 * also counts interrupt time and what a hypervisor stole (runtime/supervise.c
 * says how the CPU limit uses it). User-only counting (exclude_kernel) is
 * asked for so that an ordinary user may open it (perf_event_paranoid 2):
 * a task clock counts time in the kernel all the same. Returns the fd or
 * -errno (perf events compiled out, perf_event_paranoid 3, a container's
 * seccomp filter): the caller falls back to the sources above.
 */
int sbx_proctree_clock_open(pid_t pid);
/* The counter's total in microseconds; 0 or -errno. */
int sbx_proctree_clock_read(int fd, uint64_t *ret_us);

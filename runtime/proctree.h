/* SPDX-License-Identifier: Apache-2.0 */
/* CPU time of a process tree from /proc, for hosts without a cgroup cpu controller. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/*
 * Sums user and system time (own and reaped children's) of root and every live
 * descendant, walking /proc/<pid>/task/<tid>/children. Resolution is the
 * clock tick (10 ms). Returns 0 or -errno (root is gone).
 */
int sbx_proctree_cpu(pid_t root, uint64_t *ret_user_us, uint64_t *ret_sys_us);

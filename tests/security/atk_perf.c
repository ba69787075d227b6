/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_perf: perf_event_open, a side channel on the host (CPU-wide counters,
 * kernel sampling, tracepoints) and a frequent exploit target. System-wide
 * and kernel events need CAP_PERFMON (EACCES under perf_event_paranoid >=
 * 1); counting our own user-space work is allowed by the kernel at
 * paranoid 2, so only the default seccomp profile (EPERM) stops the whole
 * interface, as Docker's profile does.
 */
#include "atk.h"

#include <linux/perf_event.h>
#include <sys/syscall.h>

static long perf_open(uint32_t type, uint64_t config, int pid, int cpu, bool exclude_kernel)
{
	struct perf_event_attr a = {.type = type, .size = sizeof(a), .config = config, .disabled = 1,
				    .exclude_kernel = exclude_kernel, .exclude_hv = 1};
	return syscall(SYS_perf_event_open, &a, pid, cpu, -1, 0);
}

int main(void)
{
	char v[16] = "?";
	atk_read_file("/proc/sys/kernel/perf_event_paranoid", v, sizeof(v));
	atk_note("kernel.perf_event_paranoid = %.*s", (int)strcspn(v, "\n"), v);
	ATK_EXPECT_ERR_FD("perf_event_open(cpu-clock, this process, user only)",
			  perf_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 0, -1, true), EPERM, EACCES);
	ATK_EXPECT_ERR_FD("perf_event_open(instructions, this process, user only)",
			  perf_open(PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, 0, -1, true), EPERM, EACCES, ENOENT,
			  EOPNOTSUPP);
	ATK_EXPECT_ERR_FD("perf_event_open(cpu-clock, this process, with kernel)",
			  perf_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 0, -1, false), EPERM, EACCES);
	ATK_EXPECT_ERR_FD("perf_event_open(cpu-clock, all processes on CPU 0)",
			  perf_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, -1, 0, true), EPERM, EACCES);
	ATK_EXPECT_ERR_FD("perf_event_open(tracepoint 1)", perf_open(PERF_TYPE_TRACEPOINT, 1, 0, -1, false), EPERM,
			  EACCES, ENOENT);
	ATK_EXPECT_ERR_FD("perf_event_open(breakpoint)", perf_open(PERF_TYPE_BREAKPOINT, 0, 0, -1, true), EPERM, EACCES,
			  EINVAL);
	return atk_finish("atk_perf");
}

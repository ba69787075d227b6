/* SPDX-License-Identifier: Apache-2.0 */
/*
 * System calls that never touch errno (they return -errno), for code that
 * runs on thread-local storage it shares with another task: the donor
 * thread and the sandbox child (runtime/spawn.h), and the freestanding
 * --init stub (runtime/init_stub.c), which has no libc at all.
 */
#pragma once

#if defined(__x86_64__)
static inline long sbx_rawsys6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#else
#include <errno.h>
#include <unistd.h>
/* only the fork-style spawn exists here (spawn.h), where errno is private anyway */
static inline long sbx_rawsys6(long n, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(n, a, b, c, d, e, f);
	return r < 0 ? -errno : r;
}
#endif

#define sbx_rawsys(n, a, b, c) sbx_rawsys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

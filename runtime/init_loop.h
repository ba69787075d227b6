/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The --init reaper's loop, shared by the sandbox child (where it runs on a
 * private copy of the runtime's memory, in builds without the stub) and the
 * freestanding stub (runtime/init-stub/init_stub.c, see runtime/spawn.h).
 * Raw system calls only, no libc: the stub has none.
 *
 * Every signal is blocked on entry (and stays so); the forwarded ones,
 * SIGCHLD and SBX_INIT_SIG_END are taken with rt_sigtimedwait, so there is
 * no handler and no global. When the program ends (or the runtime sends
 * SBX_INIT_SIG_END), pid 1 kills every other process of the sandbox and
 * reaps them all before it exits: waiting for a process is what adds its
 * CPU time and peak memory to the waiter's children's rusage, and a process
 * the kernel kills when pid 1 exits is reaped by nobody, its usage lost.
 * The report (struct sbx_init_report) goes to status_fd; pid 1 then exits
 * with the program's code (or 128 + its signal), which ends the namespace.
 */
#pragma once

#include "core/rawsys.h"
#include "runtime/handoff.h"

#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define SBX_INIT_SIGBIT(s) (1ULL << ((s) - 1))
/* how long the last reaping may wait without progress: a process pid 1 may not kill is left to the kernel */
#define SBX_INIT_REAP_WAIT_S 2

__attribute__((noreturn)) static inline void sbx_init_exit(long code)
{
	for (;;)
		sbx_rawsys(SYS_exit_group, code, 0, 0);
}

static inline uint64_t sbx_init_tv_us(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

/*
 * Kills and reaps every process left, then reports and exits. have says
 * whether the program's status is known already; else it comes from its
 * reaping (a SIGKILL of ours).
 */
__attribute__((noreturn)) static inline void sbx_init_end(int status_fd, int prog, int have, int status)
{
	const uint64_t chld = SBX_INIT_SIGBIT(SIGCHLD);
	int killed = 0;
	for (;;) {
		int st = 0;
		long r = sbx_rawsys6(SYS_wait4, -1, (long)&st, WNOHANG | __WALL, 0, 0, 0);
		if (r > 0) {
			if (r == prog && !have) {
				status = st;
				have = 1;
			}
			continue;
		}
		/* no child at all: every process of the namespace descends from us, so none is left */
		if (r == -ECHILD)
			break;
		if (r == 0 && !killed) {
			/* once: a process forks only while it has no fatal signal pending */
			sbx_rawsys(SYS_kill, -1, SIGKILL, 0);
			killed = 1;
			continue;
		}
		struct timespec ts = {.tv_sec = SBX_INIT_REAP_WAIT_S};
		long sig = sbx_rawsys6(SYS_rt_sigtimedwait, (long)&chld, 0, (long)&ts, sizeof(chld), 0, 0);
		if (sig == -EAGAIN)
			break;
	}
	struct sbx_init_report rep = {.status = have ? status : SIGKILL};
	struct rusage ru = {0};
	if (sbx_rawsys(SYS_getrusage, RUSAGE_CHILDREN, &ru, 0) == 0) {
		rep.utime_us = sbx_init_tv_us(&ru.ru_utime);
		rep.stime_us = sbx_init_tv_us(&ru.ru_stime);
		rep.maxrss_kib = (uint64_t)ru.ru_maxrss;
	}
	sbx_rawsys(SYS_write, status_fd, &rep, sizeof(rep));
	sbx_init_exit(WIFEXITED(rep.status) ? WEXITSTATUS(rep.status) : 128 + WTERMSIG(rep.status));
}

__attribute__((noreturn)) static inline void sbx_init_loop(int status_fd, int prog)
{
	/* the kernel's sigset_t: one 64-bit word on every architecture we build for */
	const uint64_t taken = SBX_INIT_SIGBIT(SIGCHLD) | SBX_INIT_SIGBIT(SIGHUP) | SBX_INIT_SIGBIT(SIGINT) |
			       SBX_INIT_SIGBIT(SIGQUIT) | SBX_INIT_SIGBIT(SIGTERM) | SBX_INIT_SIGBIT(SIGUSR1) |
			       SBX_INIT_SIGBIT(SIGUSR2) | SBX_INIT_SIGBIT(SIGCONT) | SBX_INIT_SIGBIT(SIGWINCH) |
			       SBX_INIT_SIGBIT(SBX_INIT_SIG_END);
	/* the program must not be able to ptrace its way into the status pipe */
	sbx_rawsys6(SYS_prctl, 4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0, 0);
	for (;;) {
		long sig = sbx_rawsys6(SYS_rt_sigtimedwait, (long)&taken, 0, 0, sizeof(taken), 0, 0);
		if (sig < 0)
			continue; /* EINTR: stopped and continued */
		if (sig == SBX_INIT_SIG_END)
			sbx_init_end(status_fd, prog, 0, 0);
		if (sig != SIGCHLD) {
			sbx_rawsys(SYS_kill, prog, sig, 0);
			continue;
		}
		/* one SIGCHLD may stand for several exits: reap them all */
		for (;;) {
			int status = 0;
			long r = sbx_rawsys6(SYS_wait4, -1, (long)&status, WNOHANG | __WALL, 0, 0, 0);
			if (r <= 0)
				break;
			if (r == prog)
				sbx_init_end(status_fd, prog, 1, status);
			/* a reparented orphan: reaped (its usage is ours now), nothing else to do */
		}
	}
}

/*
 * pid 1 of a sandbox that has no program of its own (a session's, which
 * programs join through sbx_sandbox_exec): it keeps the namespaces alive
 * and reaps whatever is reparented to it. Every signal stays blocked and
 * only SIGCHLD is taken, so nothing inside can make it exit: only a
 * SIGKILL from the runtime, outside the pid namespace, ends it.
 */
__attribute__((noreturn)) static inline void sbx_init_idle(void)
{
	uint64_t all = ~0ULL;
	const uint64_t taken = SBX_INIT_SIGBIT(SIGCHLD);
	sbx_rawsys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, sizeof(all), 0, 0);
	sbx_rawsys6(SYS_prctl, 4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0, 0);
	for (;;) {
		if (sbx_rawsys6(SYS_rt_sigtimedwait, (long)&taken, 0, 0, sizeof(taken), 0, 0) != SIGCHLD)
			continue;
		int status;
		while (sbx_rawsys6(SYS_wait4, -1, (long)&status, WNOHANG, 0, 0, 0) > 0)
			;
	}
}


/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The --init reaper's loop, shared by the sandbox child (where it runs on a
 * private copy of the runtime's memory) and the freestanding stub it execs
 * where the child shares the runtime's memory (runtime/init_stub.c, see
 * runtime/spawn.h). Raw system calls only, no libc: the stub has none.
 *
 * Every signal is blocked on entry (and stays so); the forwarded ones and
 * SIGCHLD are taken with rt_sigtimedwait, so there is no handler and no
 * global. The program's wait status goes to status_fd; every other child
 * (a reparented orphan) is just reaped. pid 1 then exits with the program's
 * code (or 128 + its signal), which ends the pid namespace.
 */
#pragma once

#include "core/rawsys.h"

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define SBX_INIT_SIGBIT(s) (1ULL << ((s) - 1))

__attribute__((noreturn)) static inline void sbx_init_exit(long code)
{
	for (;;)
		sbx_rawsys(SYS_exit_group, code, 0, 0);
}

__attribute__((noreturn)) static inline void sbx_init_loop(int status_fd, int prog)
{
	/* the kernel's sigset_t: one 64-bit word on every architecture we build for */
	const uint64_t taken = SBX_INIT_SIGBIT(SIGCHLD) | SBX_INIT_SIGBIT(SIGHUP) | SBX_INIT_SIGBIT(SIGINT) |
			       SBX_INIT_SIGBIT(SIGQUIT) | SBX_INIT_SIGBIT(SIGTERM) | SBX_INIT_SIGBIT(SIGUSR1) |
			       SBX_INIT_SIGBIT(SIGUSR2) | SBX_INIT_SIGBIT(SIGCONT) | SBX_INIT_SIGBIT(SIGWINCH);
	/* the program must not be able to ptrace its way into the status pipe */
	sbx_rawsys6(SYS_prctl, 4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0, 0);
	for (;;) {
		long sig = sbx_rawsys6(SYS_rt_sigtimedwait, (long)&taken, 0, 0, sizeof(taken), 0, 0);
		if (sig < 0)
			continue; /* EINTR: stopped and continued */
		if (sig != SIGCHLD) {
			sbx_rawsys(SYS_kill, prog, sig, 0);
			continue;
		}
		/* one SIGCHLD may stand for several exits: reap them all */
		for (;;) {
			int status = 0;
			long r = sbx_rawsys6(SYS_wait4, -1, (long)&status, WNOHANG, 0, 0, 0);
			if (r <= 0)
				break;
			if (r != prog)
				continue; /* a reparented orphan: reaped, nothing else to do */
			sbx_rawsys(SYS_write, status_fd, &status, sizeof(status));
			sbx_init_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
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


/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_signal: signal processes outside the sandbox. kill(-1) reaches only
 * our own pid namespace (proved by a child of ours dying from it); host
 * pids given by the driver (the runtime, the driver, a canary running with
 * the sandbox's own host uid, which permission checks alone would not
 * protect) are ESRCH for kill, kill of their process group, tgkill,
 * rt_sigqueueinfo, pidfd_open and F_SETOWN (SIGIO/SIGURG delivery). The
 * driver checks afterwards that every target is alive.
 * Usage: atk_signal [HOST_PID...]
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	/* a process of ours that kill(-1) must reach: proof that the call did run */
	pid_t child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	if (child < 0)
		return atk_setup("fork: %s", atk_errname(errno)), atk_finish("atk_signal");
	usleep(20 * 1000);
	if (kill(-1, SIGKILL) < 0)
		atk_note("kill(-1, SIGKILL): %s", atk_errname(errno));
	int st;
	if (waitpid(child, &st, 0) == child && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		atk_ok("kill(-1, SIGKILL) ran: it killed our own child, and only the driver can tell what else");
	else
		atk_setup("kill(-1, SIGKILL) did not kill our own child");

	char what[160];
	for (int a = 1; a < argc; a++) {
		pid_t pid = (pid_t)atk_num(argv[a]);
		snprintf(what, sizeof(what), "kill(host pid %d, SIGKILL)", pid);
		ATK_EXPECT_ERR(what, kill(pid, SIGKILL), ESRCH);
		snprintf(what, sizeof(what), "kill(-%d, SIGKILL) (its process group)", pid);
		ATK_EXPECT_ERR(what, kill(-pid, SIGKILL), ESRCH);
		snprintf(what, sizeof(what), "tgkill(%d, %d, SIGKILL)", pid, pid);
		ATK_EXPECT_ERR(what, syscall(SYS_tgkill, pid, pid, SIGKILL), ESRCH);
		siginfo_t si = {.si_signo = SIGKILL, .si_code = SI_QUEUE};
		snprintf(what, sizeof(what), "rt_sigqueueinfo(%d, SIGKILL)", pid);
		ATK_EXPECT_ERR(what, syscall(SYS_rt_sigqueueinfo, pid, SIGKILL, &si), ESRCH);
		snprintf(what, sizeof(what), "pidfd_open(%d) for pidfd_send_signal", pid);
		int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
		int e = errno;
		if (pfd >= 0) {
			atk_hole("%s: opened", what);
			ATK_EXPECT_ERR("pidfd_send_signal(SIGKILL)", syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0),
				       EPERM);
			close(pfd);
		} else {
			ATK_EXPECT_ERR(what, (errno = e, pfd), ESRCH);
		}
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) == 0) {
			snprintf(what, sizeof(what), "fcntl(F_SETOWN, %d) (SIGIO to a host pid)", pid);
			ATK_EXPECT_ERR(what, fcntl(fds[0], F_SETOWN, pid), ESRCH);
			snprintf(what, sizeof(what), "fcntl(F_SETOWN, -%d) (SIGIO to a host group)", pid);
			ATK_EXPECT_ERR(what, fcntl(fds[0], F_SETOWN, -pid), ESRCH);
			close(fds[0]);
			close(fds[1]);
		}
	}
	/* our parent is outside the namespace: getppid() is 0, nothing to aim at */
	if (getppid() != 0 && getpid() == 1)
		atk_hole("getppid() = %d: the runtime is visible", getppid());
	else
		atk_ok("getppid() = %d: the runtime is not in our pid namespace", getppid());
	return atk_finish("atk_signal");
}

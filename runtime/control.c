/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bottom of runtime/'s sandbox modules: what a running sandbox can be
 * asked (pid, slot) and told (a signal, a kill with its reason), and the
 * clocks. scmon.c and supervise.c build on it; sandbox.c on those. Nothing
 * here calls back up, so the three form a chain, not a circle.
 */
#include "core/cleanup.h"
#include "core/util.h"
#include "runtime/proctree.h"
#include "runtime/sandbox-internal.h"

#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

const char *sbx_reason_name(enum sbx_reason r)
{
	static const char *const names[] = {"none",   "cpu-time", "wall-time", "memory",
					    "output", "pids",	  "seccomp",   "internal"};
	return (unsigned)r < SBX_ARRAY_SIZE(names) ? names[r] : "internal";
}

void sbx_forwarded_signals(sigset_t *set)
{
	sigemptyset(set);
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(sigs); i++)
		sigaddset(set, sigs[i]);
}

uint64_t sbx_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t sbx_elapsed_us(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t d = (int64_t)(now.tv_sec - since->tv_sec) * 1000000 + (now.tv_nsec - since->tv_nsec) / 1000;
	return d > 0 ? (uint64_t)d : 0;
}

const struct sbx_config *sbx_sandbox_config(const struct sbx_sandbox *sb)
{
	return sb->cfg;
}

pid_t sbx_sandbox_pid(const struct sbx_sandbox *sb)
{
	return sb->pid;
}

unsigned sbx_sandbox_slot(const struct sbx_sandbox *sb)
{
	return sb->slot.n;
}

int sbx_sandbox_signal(struct sbx_sandbox *sb, int sig)
{
	if (!sb->started || sb->reaped)
		return -ESRCH;
	if (syscall(SYS_pidfd_send_signal, sb->pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

void sbx_sandbox_kill(struct sbx_sandbox *sb, enum sbx_reason reason)
{
	if (!sb->killed) {
		sb->killed = true;
		sb->kill_reason = reason;
		if (!sb->cg && !sb->reaped)
			sbx_proctree_cpu(sb->pid, &sb->kill_user_us, &sb->kill_sys_us);
	}
	if (!sb->reaped)
		sbx_sandbox_signal(sb, SIGKILL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bottom of runtime/'s sandbox modules: what a running sandbox can be
 * asked (pid, slot) and told (a signal, a kill with its reason), and the
 * clocks. scmon.c and supervise.c build on it; sandbox.c on those. Nothing
 * here calls back up, so the three form a chain, not a circle.
 */
#include "core/cleanup.h"
#include "core/util.h"
#include "core/log.h"
#include "runtime/proctree.h"
#include "runtime/sandbox-internal.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
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

/* a pid 1 asked to end the run (SBX_INIT_SIG_END) is killed outright after this */
#define INIT_END_GRACE_US 500000

int sbx_arm_timer(int tfd, uint64_t us)
{
	struct itimerspec its = {.it_value = {.tv_sec = (time_t)(us / 1000000),
					      .tv_nsec = (long)(us % 1000000) * 1000}};
	if (us == 0)
		its.it_value.tv_nsec = 1;
	return timerfd_settime(tfd, 0, &its, NULL) < 0 ? -errno : 0;
}

/*
 * Ending a run. With a cgroup, killing pid 1 is enough: the kernel kills the
 * namespace and the cgroup has counted everything. Without one, a process
 * the kernel kills with pid 1 is reaped by nobody and its CPU and memory
 * are lost. So with --init every other process is killed at once (found
 * in /proc while their time is sampled) and pid 1, the init, reaps them
 * and reports; SBX_INIT_SIG_END asks it to kill what the walk missed, and
 * pid 1 is killed outright only if it has not exited in INIT_END_GRACE_US.
 * The /proc sample is what is left when there is no init to report.
 */
void sbx_sandbox_kill(struct sbx_sandbox *sb, enum sbx_reason reason)
{
	bool collect = sb->cfg->init && !sb->cg && sb->kill_tfd >= 0;
	if (!sb->killed) {
		sb->killed = true;
		sb->kill_reason = reason;
		if (!sb->cg && !sb->reaped)
			sbx_proctree_cpu(sb->pid, collect ? SIGKILL : 0, &sb->kill_user_us, &sb->kill_sys_us);
	}
	if (sb->reaped || sb->init_ending)
		return;
	if (collect && sbx_sandbox_signal(sb, SBX_INIT_SIG_END) == 0 &&
	    sbx_arm_timer(sb->kill_tfd, INIT_END_GRACE_US) == 0) {
		sb->init_ending = true;
		return;
	}
	/*
	 * With --init the program dies only once pid 1 is on its way out; the
	 * cgroup's own kill (cgroup.kill) reaches every process at once.
	 */
	struct sbx_error e = {0};
	if (sb->cg && sb->cfg->init && sbx_cgroup_kill(sb->cg, &e) < 0)
		sbx_debug("ending the run: %s", e.msg);
	sbx_sandbox_signal(sb, SIGKILL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Supervision of a running sandbox: forwarded signals, wall-clock and CPU
 * limits, captured output with per-stream caps, and the final result.
 */
#include "core/cleanup.h"
#include "core/log.h"
#include "runtime/proctree.h"
#include "runtime/sandbox-internal.h"
#include "core/util.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Never poll the CPU usage more often than this: about the most a
 * single-threaded program can overrun its limit before the kill. The
 * exact clock (sbx_proctree_clock_open) allows a short interval; the other
 * sources lag a running task by up to a scheduler tick anyway.
 */
#define CPU_POLL_MIN_US 100
#define CPU_POLL_MIN_LAGGING_US 500
/* how long an --init may take to kill and reap the tree before pid 1 is killed outright */

int sbx_supervise_prepare(struct sbx_sandbox *sb, struct sbx_error *err)
{
	const struct sbx_config *cfg = sb->cfg;
	const struct sbx_io *io = &cfg->io;
	/* the wall and CPU timers are made by sbx_sandbox_arm(): a parked sandbox learns its limits with its release */
	if (cfg->init && !sb->cg) {
		sb->kill_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (sb->kill_tfd < 0)
			return sbx_err_sys(err, "timerfd");
	}
	/* stdin */
	if (io->has_fd[0]) {
		sb->child_stdio[0] = fcntl(io->fd[0], F_DUPFD_CLOEXEC, 3);
		if (sb->child_stdio[0] < 0)
			return sbx_err_sys(err, "stdin fd %d", io->fd[0]);
	} else if (io->stdin_path) {
		sb->child_stdio[0] = open(io->stdin_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (sb->child_stdio[0] < 0)
			return sbx_err_sys(err, "--stdin %s", io->stdin_path);
	} else if (!io->inherit_stdin) {
		sb->child_stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (sb->child_stdio[0] < 0)
			return sbx_err_sys(err, "/dev/null");
	}
	/* stdout, stderr: a file, a capture pipe, or the caller's own fd */
	const char *paths[2] = {io->stdout_path, io->stderr_path};
	for (int i = 0; i < 2; i++) {
		if (i == 1 && io->stderr_to_stdout) {
			sb->child_stdio[2] = sb->child_stdio[1];
			break;
		}
		int sink = i + 1;
		bool close_sink = false;
		if (io->has_fd[i + 1]) {
			/* the embedding program's fd: a duplicate, so that ours can be closed */
			sink = fcntl(io->fd[i + 1], F_DUPFD_CLOEXEC, 3);
			if (sink < 0)
				return sbx_err_sys(err, "%s fd %d", i ? "stderr" : "stdout", io->fd[i + 1]);
			close_sink = true;
		} else if (paths[i]) {
			sink = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
			if (sink < 0)
				return sbx_err_sys(err, "--%s %s", i ? "stderr" : "stdout", paths[i]);
			close_sink = true;
		}
		if (!io->capture) {
			if (close_sink)
				sb->child_stdio[i + 1] = sink; /* the program writes the file directly */
			continue;
		}
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			if (close_sink)
				close(sink);
			return sbx_err_sys(err, "pipe");
		}
		/* big pipes: fewer wake-ups for chatty programs */
		fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		sb->out[i].rd = p[0];
		sb->out[i].sink = sink;
		sb->out[i].close_sink = close_sink;
		sb->child_stdio[i + 1] = p[1];
		sb->res.out[i].captured = true;
	}
	return 0;
}

/* Reads what the program wrote; forwards at most the cap; a cap overrun ends the run. */
static void drain_stream(struct sbx_sandbox *sb, int i)
{
	struct sbx_stream *s = &sb->out[i];
	const struct sbx_run_limits *lim = &sb->limits;
	char buf[65536];
	for (;;) {
		ssize_t n = read(s->rd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(s->rd);
			s->rd = -1;
			return;
		}
		size_t keep = (size_t)n;
		if (lim->has_output_limit && s->bytes + keep > lim->output_limit) {
			keep = (size_t)(lim->output_limit - s->bytes);
			s->truncated = true;
		}
		/* a sink that fails (closed terminal, full disk) must not stop the run */
		if (keep > 0)
			sbx_write_all(s->sink, buf, keep);
		s->bytes += keep;
		if (s->truncated) {
			sbx_sandbox_kill(sb, SBX_REASON_OUTPUT);
			/* keep reading (and discarding) so that the writer is not stuck before it dies */
		}
	}
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/*
 * CPU limit: instead of polling at a fixed rate, check again at the earliest
 * moment the limit could be reached, i.e. when the remaining budget would be
 * used by every usable CPU running flat out. The last checks are
 * CPU_POLL_MIN_US apart.
 *
 * The kernel's own figures (cgroup cpu.stat, the process clocks and /proc
 * under it: what the result reports) lag a task that is running on another
 * CPU until that CPU's next tick (4 ms at HZ=250) or context switch; alone,
 * they make the kill land 2 ms late on average. The tree's perf task clock
 * (sbx_proctree_clock_open) is exact at every read, but it also counts the
 * time a hypervisor stole from the task and interrupt time, which the
 * kernel's figures leave out: killing on it alone kills early on a busy VM
 * (0.7 % early was seen here). So the kernel's figure decides, brought up
 * to date by the perf clock: the figure last moved at a tick, when it was
 * exact, and what the perf clock counted since then is added, less a
 * margin for what it may have counted in excess over so short a time.
 */
#define CPU_MARK_MAX_AGE_US 12000 /* at most a few ticks: beyond that, steal could add up */
#define CPU_MARK_MARGIN_US 250
#define CPU_POLL_FINAL_US 200

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void check_cpu(struct sbx_sandbox *sb)
{
	uint64_t tfd_exp;
	ssize_t rr = read(sb->cpu_tfd, &tfd_exp, sizeof(tfd_exp));
	(void)rr;
	if (sb->reaped)
		return;
	uint64_t used = 0, limit = sb->limits.cpu_time_us;
	/* the sandbox child's set-up before execve is not the program's (struct sbx_handoff) */
	uint64_t setup = sb->handoff ? sb->handoff->setup_utime_us + sb->handoff->setup_stime_us : 0;
	/* the cgroup counts every process of the run exactly; /proc is the fallback */
	if (sb->cg) {
		sbx_cgroup_poll(sb->cg);
		if (sbx_cgroup_cpu_usage(sb->cg, &used) < 0)
			return;
	} else {
		uint64_t u, sy, own;
		if (sbx_proctree_cpu_root(sb->pid, 0, &u, &sy, &own) < 0)
			return; /* exiting: the final accounting decides */
		used = u + sy;
		/* --init's report counts what it reaped, not itself: neither does the limit */
		if (sb->cfg->init)
			setup = own;
	}
	used = sub0(used, setup);
	uint64_t clock, now = now_ns() / 1000u;
	bool exact = sb->cpu_clock_fd >= 0 && sbx_proctree_clock_read(sb->cpu_clock_fd, &clock) == 0;
	if (exact) {
		if (!sb->cpu_mark.valid || used != sb->cpu_mark.used_us) {
			sb->cpu_mark.valid = true;
			sb->cpu_mark.used_us = used;
			sb->cpu_mark.clock_us = clock;
			sb->cpu_mark.at_us = now;
		} else if (now - sb->cpu_mark.at_us <= CPU_MARK_MAX_AGE_US) {
			uint64_t est = sub0(used + sub0(clock, sb->cpu_mark.clock_us), CPU_MARK_MARGIN_US);
			used = est > used ? est : used;
		}
	}
	if (used >= limit) {
		sb->cpu_floor_us = used;
		sbx_sandbox_kill(sb, SBX_REASON_CPU_TIME);
		return;
	}
	uint64_t next = (limit - used) / sbx_usable_cpus();
	/*
	 * The figure moved at a tick somewhere since the last check, and the
	 * mark takes the perf clock of now: what ran in between is not
	 * counted. Over the last ticks before the limit, checks come often
	 * enough to keep that small.
	 */
	if (exact && next <= CPU_MARK_MAX_AGE_US && next > CPU_POLL_FINAL_US)
		next = CPU_POLL_FINAL_US;
	uint64_t min = exact ? CPU_POLL_MIN_US : CPU_POLL_MIN_LAGGING_US;
	sbx_arm_timer(sb->cpu_tfd, next < min ? min : next);
}

/* The rusage of pid 1 includes every descendant it waited for. */
static int reap_with_rusage(struct sbx_sandbox *sb, siginfo_t *si, struct rusage *ru)
{
	memset(si, 0, sizeof(*si));
	for (;;) {
		if (syscall(SYS_waitid, P_PIDFD, sb->pidfd, si, WEXITED | WNOHANG, ru) == 0)
			break;
		if (errno != EINTR)
			return -errno;
	}
	if (si->si_pid == 0)
		return 0;
	sb->reaped = true;
	sb->end_ns = now_ns();
	return 1;
}

static uint64_t tv_us(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

/* The init's last words: its report, and the cgroup's figures before pid 1's own exit. */
static void take_init_report(struct sbx_sandbox *sb)
{
	if (sb->have_init_rep || sb->status_rd < 0)
		return;
	ssize_t n = read(sb->status_rd, &sb->init_rep, sizeof(sb->init_rep));
	/* EOF without a report: pid 1 died before it could write one */
	sb->have_init_rep = n == (ssize_t)sizeof(sb->init_rep);
	if (!sb->have_init_rep) {
		close(sb->status_rd);
		sb->status_rd = -1;
		return;
	}
	struct sbx_error e = {0};
	sb->have_end_stats = sb->cg && sbx_cgroup_stats(sb->cg, &sb->end_stats, &e) == 0;
}

/*
 * CPU time of the run. The sandbox child's own set-up before execve (its
 * rusage, left in the shared page) is in pid 1's rusage and in the cgroup,
 * and it is not the program's: it is subtracted. With a cgroup: the precise
 * usage_usec of the whole tree, split by cpu.stat's user/system, which are
 * only tick samples. Without, with --init: what the init reaped, which is
 * every process but itself (rep). Without either: pid 1's rusage (it
 * includes every descendant it waited for) or, when we killed the run, the
 * last /proc sample if larger (what pid 1 never reaped is missing from its
 * rusage).
 */
static void account_cpu(struct sbx_sandbox *sb, const struct rusage *ru, const struct sbx_cgroup_stats *st,
			const struct sbx_init_report *rep)
{
	struct sbx_result *res = &sb->res;
	uint64_t su = sb->handoff ? sb->handoff->setup_utime_us : 0;
	uint64_t ss = sb->handoff ? sb->handoff->setup_stime_us : 0;
	res->has_cpu = true;
	if (st) {
		uint64_t total = sub0(st->cpu_usage_us, su + ss);
		uint64_t parts = st->cpu_user_us + st->cpu_system_us;
		res->cpu_user_us = parts ? (uint64_t)((double)total * (double)st->cpu_user_us / (double)parts) : total;
		res->cpu_sys_us = total - res->cpu_user_us;
		return;
	}
	if (rep) {
		res->cpu_user_us = rep->utime_us;
		res->cpu_sys_us = rep->stime_us;
		return;
	}
	uint64_t u = tv_us(&ru->ru_utime), s = tv_us(&ru->ru_stime);
	if (sb->kill_user_us + sb->kill_sys_us > u + s) {
		u = sb->kill_user_us;
		s = sb->kill_sys_us;
	}
	res->cpu_user_us = sub0(u, su);
	res->cpu_sys_us = sub0(s, ss);
	/* the sample lags running processes (check_cpu), and the ones pid 1 never reaped count nowhere else */
	if (res->cpu_user_us + res->cpu_sys_us < sb->cpu_floor_us)
		res->cpu_user_us = sb->cpu_floor_us - res->cpu_sys_us;
}

static void set_status(struct sbx_result *res, bool exited, int code)
{
	res->exited = exited;
	if (exited)
		res->exit_code = code;
	else
		res->signal = code;
}

static void finish_result(struct sbx_sandbox *sb, const siginfo_t *si, const struct rusage *ru)
{
	struct sbx_result *res = &sb->res;
	/* from the end of the set-up, measured by the child where its set-up CPU was (struct sbx_handoff) */
	uint64_t t0 = sb->handoff ? sb->handoff->setup_end_ns : 0;
	uint64_t created = (uint64_t)sb->t_create.tv_sec * 1000000000u + (uint64_t)sb->t_create.tv_nsec;
	if (!t0 || t0 < created)
		t0 = created;
	uint64_t end = sb->end_ns ? sb->end_ns : now_ns();
	res->wall_us = sub0(end, t0) / 1000;
	res->setup_us = (t0 - created) / 1000;
	/* with --init, our init reports the program's own status and the usage of all it reaped */
	take_init_report(sb);
	bool have_rep = sb->have_init_rep;
	const struct sbx_init_report rep = sb->init_rep;
	if (have_rep)
		set_status(res, WIFEXITED(rep.status), WIFEXITED(rep.status) ? WEXITSTATUS(rep.status)
									  : WTERMSIG(rep.status));
	else
		set_status(res, si->si_code == CLD_EXITED, si->si_status);
	for (int i = 0; i < 2; i++) {
		res->out[i].bytes = sb->out[i].bytes;
		res->out[i].truncated = sb->out[i].truncated;
	}
	struct sbx_cgroup_stats st = {0};
	struct sbx_error e = {0};
	bool have_cg = sb->cg && sbx_cgroup_stats(sb->cg, &st, &e) == 0;
	if (sb->cg && !have_cg)
		sbx_warn("cgroup accounting: %s", e.msg);
	/* CPU as it was when the tree was gone, before pid 1 tore the namespaces down */
	if (have_cg && sb->have_end_stats) {
		st.cpu_usage_us = sb->end_stats.cpu_usage_us;
		st.cpu_user_us = sb->end_stats.cpu_user_us;
		st.cpu_system_us = sb->end_stats.cpu_system_us;
	}
	account_cpu(sb, ru, have_cg ? &st : NULL, have_rep ? &rep : NULL);
	res->has_memory = true;
	if (have_cg && st.has_memory) {
		res->peak_memory_bytes = st.memory_peak;
		res->oom_kills = st.oom_kills;
	} else if (have_rep) {
		/* the largest process the init reaped (KiB): pid 1's own is the runtime's set-up */
		res->peak_memory_bytes = rep.maxrss_kib * 1024u;
	} else {
		/* ru_maxrss is the largest single process (KiB), the best /proc-less figure */
		res->peak_memory_bytes = (uint64_t)ru->ru_maxrss * 1024u;
	}
	res->reason = SBX_REASON_NONE;
	if (sb->killed)
		res->reason = sb->kill_reason;
	/* the kernel's OOM killer acted inside the run: that is the verdict */
	if (res->oom_kills > 0 && (res->reason == SBX_REASON_NONE || res->reason == SBX_REASON_WALL_TIME) &&
	    !(res->exited && res->exit_code == 0))
		res->reason = SBX_REASON_MEMORY;
	/* forks were refused by pids.max and the run did not succeed: a fork bomb, typically */
	if (have_cg && st.pids_max_events > 0 &&
	    (res->reason == SBX_REASON_NONE || res->reason == SBX_REASON_WALL_TIME) &&
	    !(res->exited && res->exit_code == 0))
		res->reason = SBX_REASON_PIDS;
	/* reported like the kernel's own seccomp kill: by SIGSYS */
	if (res->reason == SBX_REASON_SECCOMP && !res->exited)
		res->signal = SIGSYS;
	/*
	 * --seccomp-kill exact: the kernel killed without asking anyone, so
	 * only its mark is left: the program died of SIGSYS under a profile
	 * that kills. The syscall is not known (seccomp_unknown); a thread the
	 * profile killed in a program that went on leaves no mark at all.
	 */
	if (sb->cfg->seccomp_kill_exact && sb->seccomp && sb->seccomp->kills && !res->exited && res->signal == SIGSYS &&
	    res->reason == SBX_REASON_NONE) {
		res->reason = SBX_REASON_SECCOMP;
		res->seccomp_kill = true;
		res->seccomp_unknown = true;
	}
	/*
	 * More CPU than allowed is a time-limit verdict even when the program
	 * ended before the kill landed (or the RLIMIT_CPU backstop got it), as
	 * judges count it.
	 */
	uint64_t cpu = res->cpu_user_us + res->cpu_sys_us;
	if ((res->reason == SBX_REASON_NONE || res->reason == SBX_REASON_WALL_TIME) && sb->limits.cpu_time_us &&
	    cpu >= sb->limits.cpu_time_us)
		res->reason = SBX_REASON_CPU_TIME;
}

int sbx_sandbox_arm(struct sbx_sandbox *sb, struct sbx_error *err)
{
	const struct sbx_run_limits *lim = &sb->limits;
	/* once: a wait that was cancelled and resumed must not restart the limits' clocks */
	if (sb->armed)
		return 0;
	sb->armed = true;
	/* made here, not at start: a parked sandbox learns its limits only with its release */
	if (lim->wall_time_us && sb->wall_tfd < 0 &&
	    (sb->wall_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) < 0)
		return sbx_err_sys(err, "timerfd");
	if (lim->cpu_time_us && sb->cpu_tfd < 0 &&
	    (sb->cpu_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) < 0)
		return sbx_err_sys(err, "timerfd");
	if (lim->wall_time_us && sbx_arm_timer(sb->wall_tfd, lim->wall_time_us) < 0)
		return sbx_err_sys(err, "timerfd_settime");
	if (lim->cpu_time_us && sbx_arm_timer(sb->cpu_tfd, lim->cpu_time_us / sbx_usable_cpus()) < 0)
		return sbx_err_sys(err, "timerfd_settime");
	return 0;
}

/* Poll sources, in a fixed order: the index in this array is the event kind. */
enum { SRC_PID, SRC_WALL, SRC_CPU, SRC_OUT, SRC_ERR, SRC_SECCOMP, SRC_KILL, SRC_INIT, SRC_PTY, SRC_TTYIN, SRC__COUNT };

static bool relaying(const struct sbx_sandbox *sb)
{
	return sb->console.master >= 0 && sb->console.out_fd >= 0;
}

static void sources(const struct sbx_sandbox *sb, int fds[SRC__COUNT])
{
	fds[SRC_PID] = sb->reaped ? -1 : sb->pidfd;
	fds[SRC_WALL] = sb->wall_tfd;
	fds[SRC_CPU] = sb->cpu_tfd;
	fds[SRC_OUT] = sb->out[0].rd;
	fds[SRC_ERR] = sb->out[1].rd;
	fds[SRC_SECCOMP] = sb->listener;
	fds[SRC_KILL] = sb->init_ending && !sb->reaped ? sb->kill_tfd : -1;
	fds[SRC_INIT] = sb->have_init_rep ? -1 : sb->status_rd;
	fds[SRC_PTY] = relaying(sb) ? sb->console.master : -1;
	fds[SRC_TTYIN] = relaying(sb) && !sb->reaped ? sb->console.in_fd : -1;
}

/*
 * `run -t`: what the program writes to its terminal goes to the caller's
 * output; the master reads EIO once every slave is closed, i.e. the
 * sandbox is gone, which ends the relay.
 */
static void relay_pty(struct sbx_sandbox *sb)
{
	char buf[16384];
	for (;;) {
		ssize_t n = read(sb->console.master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(sb->console.master);
			sb->console.master = -1;
			return;
		}
		sbx_write_all(sb->console.out_fd, buf, (size_t)n);
	}
}

/* The caller's keystrokes to the program's terminal; at EOF, the terminal's EOF character. */
static void relay_input(struct sbx_sandbox *sb)
{
	char buf[4096];
	ssize_t n = read(sb->console.in_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		struct termios t;
		char eof = 4; /* ^D */
		if (tcgetattr(sb->console.master, &t) == 0)
			eof = (char)t.c_cc[VEOF];
		sbx_write_all(sb->console.master, &eof, 1);
		sb->console.in_fd = -1;
		return;
	}
	sbx_write_all(sb->console.master, buf, (size_t)n);
}

void sbx_sandbox_console_resize(struct sbx_sandbox *sb)
{
	struct winsize ws;
	if (sb->console.master >= 0 && sb->console.in_fd >= 0 && ioctl(sb->console.in_fd, TIOCGWINSZ, &ws) == 0)
		ioctl(sb->console.master, TIOCSWINSZ, &ws);
}


size_t sbx_sandbox_poll_prepare(struct sbx_sandbox *sb, struct pollfd *pfd)
{
	int fds[SRC__COUNT];
	sources(sb, fds);
	size_t n = 0;
	for (int k = 0; k < SRC__COUNT; k++)
		if (fds[k] >= 0)
			pfd[n++] = (struct pollfd){.fd = fds[k], .events = POLLIN};
	return n;
}

int sbx_sandbox_poll_timeout_ms(const struct sbx_sandbox *sb)
{
	/*
	 * Once pid 1 is gone every process of its pid namespace is gone and
	 * the pipes reach EOF; the timeout only matters for a sandbox that
	 * shares a pid namespace, where a survivor could hold them open.
	 */
	return sb->reaped ? 2000 : -1;
}

/* Dispatches one ready source. */
static int dispatch(struct sbx_sandbox *sb, int kind, struct sbx_error *err)
{
	switch (kind) {
	case SRC_PID: {
		int r = reap_with_rusage(sb, &sb->si, &sb->ru);
		if (r < 0)
			return sbx_err_errno(err, r, "waitid");
		break;
	}
	case SRC_WALL:
		sbx_sandbox_kill(sb, SBX_REASON_WALL_TIME);
		close(sb->wall_tfd);
		sb->wall_tfd = -1;
		break;
	case SRC_CPU:
		check_cpu(sb);
		break;
	case SRC_SECCOMP:
		sbx_scmon_violation(sb);
		break;
	case SRC_INIT:
		take_init_report(sb);
		break;
	case SRC_KILL:
		/* the init did not finish in time: the kernel ends the namespace, /proc's sample counts */
		close(sb->kill_tfd);
		sb->kill_tfd = -1;
		if (!sb->reaped)
			sbx_sandbox_signal(sb, SIGKILL);
		break;
	case SRC_PTY:
		relay_pty(sb);
		break;
	case SRC_TTYIN:
		relay_input(sb);
		break;
	default:
		drain_stream(sb, kind - SRC_OUT);
		break;
	}
	return 0;
}

int sbx_sandbox_poll_dispatch(struct sbx_sandbox *sb, const struct pollfd *pfd, size_t n, struct sbx_error *err)
{
	int fds[SRC__COUNT];
	sources(sb, fds);
	for (size_t i = 0; i < n; i++) {
		if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		/*
		 * A listener with no filtered task left only hangs up; reading it
		 * then would block for ever on older kernels (6.1), so it is closed.
		 */
		if (pfd[i].fd == sb->listener && !(pfd[i].revents & POLLIN)) {
			close(sb->listener);
			sb->listener = -1;
			continue;
		}
		for (int k = 0; k < SRC__COUNT; k++) {
			if (fds[k] == pfd[i].fd) {
				int r = dispatch(sb, k, err);
				if (r < 0)
					return r;
				break;
			}
		}
	}
	return sbx_sandbox_finished(sb);
}

void sbx_sandbox_poll_timeout(struct sbx_sandbox *sb)
{
	if (!sb->reaped)
		return;
	for (int i = 0; i < 2; i++) {
		if (sb->out[i].rd >= 0) {
			close(sb->out[i].rd);
			sb->out[i].rd = -1;
		}
	}
	if (relaying(sb)) {
		close(sb->console.master);
		sb->console.master = -1;
	}
}

bool sbx_sandbox_finished(const struct sbx_sandbox *sb)
{
	return sb->reaped && sb->out[0].rd < 0 && sb->out[1].rd < 0 && !relaying(sb);
}

int sbx_sandbox_result(struct sbx_sandbox *sb, struct sbx_result *ret)
{
	if (!sbx_sandbox_finished(sb))
		return -EBUSY;
	if (!sb->result_done) {
		finish_result(sb, &sb->si, &sb->ru);
		if (sbx_stage_ready(&sb->stage) && sb->cfg->io.n_copy_out) {
			sb->res.copy_out = sbx_xcalloc(sb->cfg->io.n_copy_out, sizeof(struct sbx_copy_result));
			sb->res.n_copy_out = sb->cfg->io.n_copy_out;
			sbx_stage_copy_out(&sb->stage, sb->cfg, sb->res.copy_out);
		}
		sb->result_done = true;
	}
	*ret = sb->res;
	return 0;
}

int sbx_sandbox_wait_stop(struct sbx_sandbox *sb, int sigfd, const struct pollfd *stop, size_t n_stop,
			  struct sbx_error *err)
{
	int r = sbx_sandbox_arm(sb, err);
	if (r < 0)
		return r;
	if (n_stop > SBX_SANDBOX_STOPFDS)
		return sbx_err_set(err, EINVAL, "too many stop fds");
	while (!sbx_sandbox_finished(sb)) {
		struct pollfd pfd[SBX_SANDBOX_POLLFDS + SBX_SANDBOX_STOPFDS + 1];
		size_t n = sbx_sandbox_poll_prepare(sb, pfd);
		size_t own = n;
		for (size_t i = 0; i < n_stop; i++)
			pfd[n++] = stop[i];
		if (sigfd >= 0)
			pfd[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
		int pr = poll(pfd, n, sbx_sandbox_poll_timeout_ms(sb));
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return sbx_err_sys(err, "poll");
		}
		if (pr == 0) {
			sbx_sandbox_poll_timeout(sb);
			continue;
		}
		for (size_t i = own; i < own + n_stop; i++)
			if (pfd[i].revents)
				return -ECANCELED;
		if (sigfd >= 0 && (pfd[n - 1].revents & POLLIN)) {
			struct signalfd_siginfo ssi;
			if (read(sigfd, &ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi)) {
				if (ssi.ssi_signo == SIGWINCH)
					sbx_sandbox_console_resize(sb);
				else
					sbx_sandbox_signal(sb, (int)ssi.ssi_signo);
			}
		}
		if ((r = sbx_sandbox_poll_dispatch(sb, pfd, own, err)) < 0)
			return r;
	}
	return 0;
}

int sbx_sandbox_wait_until(struct sbx_sandbox *sb, int sigfd, int stop_fd, struct sbx_result *ret,
			   struct sbx_error *err)
{
	struct pollfd stop = {.fd = stop_fd, .events = POLLIN};
	int r = sbx_sandbox_wait_stop(sb, sigfd, &stop, stop_fd >= 0 ? 1 : 0, err);
	if (r < 0)
		return r;
	return ret ? sbx_sandbox_result(sb, ret) : 0;
}

int sbx_sandbox_wait(struct sbx_sandbox *sb, int sigfd, struct sbx_result *ret, struct sbx_error *err)
{
	return sbx_sandbox_wait_until(sb, sigfd, -1, ret, err);
}

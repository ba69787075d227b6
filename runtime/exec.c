/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbx_sandbox_exec(): a program started inside a running sandbox.
 *
 * Three processes, each short-lived but the last:
 *
 *   M   cloned from us (a copy of our memory, born in the sandbox's cgroup),
 *       joins every namespace of the sandbox's pid 1 with one
 *       setns(pidfd, ...) (user and mount included; the pid namespace only
 *       for its children), clones P1 and exits;
 *   P1  in the sandbox's pid namespace, clones P2 into a new pid namespace
 *       below it and exits (a process cannot create a pid namespace for
 *       its children once setns() has chosen theirs: hence P1);
 *   P2  pid 1 of that namespace, takes the sandbox's identity, rlimits,
 *       capabilities, no_new_privs and filter, and execs the program.
 *
 * P1 and P2 are cloned with CLONE_PARENT, so both are our children: we reap
 * them, P2 with its rusage, and P2's death signal is tied to our thread.
 * Their pidfds reach us over a socket (SCM_RIGHTS). P2 reports set-up
 * errors, the seccomp hand-off and its execve over the sync socket exactly
 * as a sandbox's child does, and the handle is a struct sbx_sandbox, so the
 * whole supervision (limits, capture, seccomp violations, result) is the
 * sandbox's own. Killing P2 ends everything the program started: they live
 * in its pid namespace.
 *
 * M, P1 and P2 are copies of a possibly multi-threaded process: like the
 * sandbox child they never allocate and use only what child.c does.
 */
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "runtime/sandbox-internal.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* on the pid socket: the two arrive in any order (M and P1 run at once) */
enum { MSG_PIDFD_P1 = 100, MSG_PIDFD_P2 };

/* What M, P1 and P2 work from (their copy of our stack frame). */
struct exec_ctx {
	struct sbx_sandbox *sb; /* the running sandbox */
	struct sbx_sandbox *x;	/* the exec's handle */
	int target_pidfd;	/* the sandbox's pid 1 */
	int ns_flags;		/* the namespaces to join */
	int pid_sock;		/* M and P1 send pidfds (or errors) on it */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* One message on the pid socket, with fd (or -1) passed along; allocation-free. */
static void send_pidfd(int sock, uint32_t type, int fd, const struct sbx_error *err)
{
	struct sbx_msg m = {.type = err ? SBX_MSG_ERROR : type};
	if (err)
		m.err = *err;
	sbx_send_fd(sock, &m, sizeof(m), fd);
}

__attribute__((noreturn)) static void fail_to(int sock, struct sbx_error *err)
{
	send_pidfd(sock, 0, -1, err);
	_exit(SBX_EXIT_FAILURE);
}

/* P2: the program's own set-up, in the order of the sandbox child's (child.c). */
__attribute__((noreturn)) static void exec_program(struct exec_ctx *c)
{
	struct sbx_sandbox *x = c->x;
	const struct sbx_process *p = &x->cfg->process;
	struct sbx_error err = {0};
	char path[4096];
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(SBX_EXIT_FAILURE);
	close(c->pid_sock);
	close(x->sync_fd);
	sbx_child_reset_signals();
	if (sbx_child_stdio(x, &err) < 0)
		sbx_child_fail(x, &err);
	/* root of the sandbox's user namespace first: the identity below is taken from there */
	if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0) {
		sbx_err_sys(&err, "becoming root in the sandbox's user namespace");
		sbx_child_fail(x, &err);
	}
	if (sbx_child_rlimits(c->sb, &err) < 0 || sbx_child_cpu_backstop(x->limits.cpu_time_us, &err) < 0)
		sbx_child_fail(x, &err);
	if (chdir(p->cwd ? p->cwd : "/") < 0) {
		sbx_err_sys(&err, "cwd \"%s\"", p->cwd ? p->cwd : "/");
		sbx_child_fail(x, &err);
	}
	if (sbx_find_program(p->args[0], p->env, path, sizeof(path), &err) < 0 ||
	    sbx_caps_apply_identity(p, &x->caps, &err) < 0)
		sbx_child_fail(x, &err);
	/* dumpable again for the seccomp hand-off, as a sandbox's child is (child.c says why) */
	if (c->sb->id && c->sb->id->rootless && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) {
		sbx_err_sys(&err, "PR_SET_DUMPABLE");
		sbx_child_fail(x, &err);
	}
	if (p->has_umask)
		umask(p->umask);
	if (sbx_child_last_steps(x, &err) < 0)
		sbx_child_fail(x, &err);
	sbx_child_setup_sample(x);
	sbx_child_exec(x, path, p->args, p->env);
}

/* clone3 with CLONE_PARENT: the new process is our caller's child, like us. */
static long clone_sibling(uint64_t flags, int *pidfd)
{
	struct clone_args a = {.flags = flags | CLONE_PARENT | CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)pidfd};
	return syscall(SYS_clone3, &a, sizeof(a));
}

/* P1: in the sandbox's pid namespace; P2 gets one of its own below it. */
__attribute__((noreturn)) static void exec_p1(struct exec_ctx *c)
{
	struct sbx_error err = {0};
	int pidfd = -1;
	long pid = clone_sibling(CLONE_NEWPID, &pidfd);
	if (pid < 0) {
		sbx_err_sys(&err, "exec: a pid namespace for the program");
		fail_to(c->pid_sock, &err);
	}
	if (pid == 0)
		exec_program(c);
	send_pidfd(c->pid_sock, MSG_PIDFD_P2, pidfd, NULL);
	_exit(0);
}

/* M: joins the sandbox. */
__attribute__((noreturn)) static void exec_middle(struct exec_ctx *c)
{
	struct sbx_error err = {0};
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(SBX_EXIT_FAILURE);
	if (setns(c->target_pidfd, c->ns_flags) < 0) {
		sbx_err_sys(&err, "exec: joining the sandbox's namespaces");
		fail_to(c->pid_sock, &err);
	}
	int pidfd = -1;
	long pid = clone_sibling(0, &pidfd);
	if (pid < 0) {
		sbx_err_sys(&err, "exec: clone3 in the sandbox");
		fail_to(c->pid_sock, &err);
	}
	if (pid == 0)
		exec_p1(c);
	send_pidfd(c->pid_sock, MSG_PIDFD_P1, pidfd, NULL);
	_exit(0);
}

/* Receives one pidfd from M or P1 (or their error); *ret_type says whose child it is. */
static int recv_pidfd(int sock, uint32_t *ret_type, struct sbx_error *err)
{
	struct sbx_msg m = {0};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	int fd = -1;
	for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (n == (ssize_t)sizeof(m) && (m.type == MSG_PIDFD_P1 || m.type == MSG_PIDFD_P2) && fd >= 0) {
		*ret_type = m.type;
		return fd;
	}
	if (fd >= 0)
		close(fd);
	if (n == (ssize_t)sizeof(m) && m.type == SBX_MSG_ERROR) {
		*err = m.err;
		err->msg[sizeof(err->msg) - 1] = '\0';
		return -(err->code > 0 ? err->code : EIO);
	}
	return sbx_err_set(err, EPROTO, "exec: the sandbox's helper process died");
}

static void reap_pidfd(int pidfd)
{
	siginfo_t si;
	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
		;
}

/* The pid a pidfd refers to, in our pid namespace (its fdinfo's "Pid:"). */
static pid_t pidfd_pid(int pidfd)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if (sbx_read_file_at(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return -1;
	const char *p = strstr(buf, "\nPid:");
	if (!p)
		return -1;
	char *end;
	long pid = strtol(p + 5, &end, 10);
	return pid > 0 && pid <= INT32_MAX && (*end == '\n' || !*end) ? (pid_t)pid : -1;
}

bool sbx_sandbox_alive(struct sbx_sandbox *sb)
{
	if (!sb->started || sb->reaped || sb->pidfd < 0)
		return false;
	struct pollfd p = {.fd = sb->pidfd, .events = POLLIN};
	return poll(&p, 1, 0) == 0;
}

/*
 * The exec's config: the sandbox's, shallow, with the program, its stdio
 * and its limits replaced. Lives as long as the handle, which frees it with
 * free() only (everything it points to is the sandbox's or spec's caller's).
 */
static struct sbx_config *exec_config(const struct sbx_config *base, const struct sbx_exec_spec *spec)
{
	struct sbx_config *c = sbx_xmalloc(sizeof(*c));
	*c = *base;
	c->process.args = (char **)spec->argv;
	if (spec->env)
		c->process.env = (char **)spec->env;
	if (spec->cwd)
		c->process.cwd = (char *)spec->cwd;
	if (spec->has_user) {
		c->process.uid = spec->uid;
		c->process.gid = spec->gid;
	}
	c->init = false;
	c->preserve_fds = 0;
	c->limits = spec->limits;
	memset(&c->io, 0, sizeof(c->io));
	c->io.capture = spec->capture;
	c->io.stderr_to_stdout = spec->stderr_to_stdout;
	static char devnull[] = "/dev/null";
	for (int i = 0; i < 3; i++) {
		if (spec->stdio[i] >= 0) {
			c->io.has_fd[i] = true;
			c->io.fd[i] = spec->stdio[i];
		}
	}
	if (!c->io.has_fd[0])
		c->io.stdin_path = devnull;
	if (!c->io.has_fd[1])
		c->io.stdout_path = devnull;
	if (!c->io.has_fd[2])
		c->io.stderr_path = devnull;
	return c;
}

int sbx_sandbox_exec(struct sbx_sandbox *sb, const struct sbx_exec_spec *spec, struct sbx_sandbox **ret,
		     struct sbx_error *err)
{
	int r;
	if (!spec->argv || !spec->argv[0] || !spec->argv[0][0])
		return sbx_err_set(err, EINVAL, "exec: argv: the command is missing");
	if (sb->held || !sbx_sandbox_alive(sb))
		return sbx_err_set(err, ESRCH, "exec: the sandbox is not running");
	struct sbx_config *xc = exec_config(sb->cfg, spec);
	_cleanup_(sbx_sandbox_freep) struct sbx_sandbox *x = sbx_sandbox_alloc(xc);
	x->exec_cfg = xc;
	x->seccomp = spec->seccomp ? (struct sbx_seccomp_plan *)spec->seccomp : sb->seccomp;
	x->seccomp_lent = true;
	x->clone_flags = sb->clone_flags;
	if ((r = sbx_caps_prepare(&xc->process, &x->caps, err)) < 0 || (r = sbx_supervise_prepare(x, err)) < 0)
		return r;
	x->caps.keep_groups = sb->caps.keep_groups; /* setgroups is the sandbox's to allow (its identity plan) */
	x->handoff = mmap(NULL, sizeof(*x->handoff), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (x->handoff == MAP_FAILED) {
		x->handoff = NULL;
		return sbx_err_sys(err, "mmap");
	}
	x->handoff_size = sizeof(*x->handoff);
	int sp[2], ps[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return sbx_err_sys(err, "socketpair");
	x->sync_fd = sp[0];
	x->child_fd = sp[1];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ps) < 0)
		return sbx_err_sys(err, "socketpair");
	_cleanup_close_ int pid_rd = ps[0];
	struct exec_ctx c = {.sb = sb, .x = x, .target_pidfd = sb->pidfd, .ns_flags = sbx_ns_to_join(sb->pid),
			     .pid_sock = ps[1]};
	if (!(c.ns_flags & CLONE_NEWUSER)) {
		close(ps[1]);
		return sbx_err_set(err, EINVAL, "exec: the sandbox has no user namespace of its own");
	}
	_cleanup_close_ int m_pidfd = -1;
	struct clone_args a = {.flags = CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&m_pidfd, .exit_signal = SIGCHLD};
	if (sb->cg) {
		/* born in the sandbox's cgroup: its limits hold the program from its first instruction */
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)sbx_cgroup_fd(sb->cg);
	}
	long pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		exec_middle(&c);
	close(ps[1]);
	if (pid < 0)
		return sbx_err_sys(err, "exec: clone3");
	close_fd(&x->child_fd);
	for (int i = 0; i < 3; i++) {
		if (i == 2 && x->child_stdio[2] == x->child_stdio[1])
			x->child_stdio[2] = -1;
		close_fd(&x->child_stdio[i]);
	}
	/* P1's pidfd (from M) and P2's (from P1), in either order; M and P1 are reaped at once */
	int fds[2] = {-1, -1}, r2 = 0;
	for (int k = 0; k < 2 && r2 >= 0; k++) {
		uint32_t type = 0;
		int fd = recv_pidfd(pid_rd, &type, err);
		unsigned k_fd = type == MSG_PIDFD_P2 ? 1 : 0;
		if (fd < 0)
			r2 = fd;
		else if (fds[k_fd] >= 0)
			close(fd), r2 = sbx_err_set(err, EPROTO, "exec: a helper process sent twice");
		else
			fds[k_fd] = fd;
		if (k == 0)
			reap_pidfd(m_pidfd);
	}
	if (fds[0] >= 0) {
		reap_pidfd(fds[0]);
		close(fds[0]);
	}
	if (r2 < 0) {
		if (fds[1] >= 0) {
			/* P2 exists but we give up on it: it must not run */
			syscall(SYS_pidfd_send_signal, fds[1], SIGKILL, NULL, 0);
			reap_pidfd(fds[1]);
			close(fds[1]);
		}
		return r2;
	}
	int p2 = fds[1];
	x->pidfd = p2;
	x->pid = pidfd_pid(p2);
	x->started = true;
	if ((r = sbx_sandbox_wait_setup(x, err)) < 0)
		return r;
	close_fd(&x->sync_fd);
	*ret = TAKE_PTR(x);
	return 0;
}

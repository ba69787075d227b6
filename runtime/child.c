/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox child: runs after clone3() inside the new namespaces, sets
 * everything up in a fixed order and execs the program. Every failure is
 * sent to the parent as a struct sbx_error and the child exits; nothing
 * here may print.
 *
 * The child shares the runtime's memory until its execve (runtime/spawn.h):
 * sb is its private copy, and nothing reached from here may allocate, use
 * stdio, write a global or call a libc function that acts on all threads
 * (setuid & co. are raw syscalls).
 */
#include "oci/state.h"
#include "rootfs/mount.h"
#include "runtime/caps.h"
#include "runtime/hooks.h"
#include "core/cleanup.h"
#include "runtime/init_loop.h"
#include "core/rawsys.h"
#include "runtime/sandbox-internal.h"
#include "core/util.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void sbx_child_fail(struct sbx_sandbox *sb, const struct sbx_error *err)
{
	struct sbx_msg m = {.type = SBX_MSG_ERROR, .err = *err};
	/* best effort: if this fails the parent still sees our exit status */
	ssize_t n = send(sb->child_fd, &m, sizeof(m), MSG_NOSIGNAL);
	(void)n;
	_exit(sbx_err_exit_status(err));
}

/* Waits for one message of type from the parent; anything else means it failed or died. */
static void expect_msg(struct sbx_sandbox *sb, uint32_t type, struct sbx_msg *m)
{
	for (;;) {
		ssize_t n;
		do
			n = recv(sb->child_fd, m, sizeof(*m), 0);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(*m))
			_exit(SBX_EXIT_FAILURE); /* the parent reports why, or is gone */
		/* the parent sends NET_READY whenever the network is up, which may be before what we wait for */
		if (m->type == SBX_MSG_NET_READY && type != SBX_MSG_NET_READY) {
			sb->net_ready = true;
			continue;
		}
		if (m->type != type)
			_exit(SBX_EXIT_FAILURE);
		return;
	}
}

static int send_type(struct sbx_sandbox *sb, uint32_t type, struct sbx_error *err)
{
	struct sbx_msg m = {.type = type};
	if (send(sb->child_fd, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return sbx_err_sys(err, "sync socket");
	return 0;
}

/*
 * The embedding program's passed fds become 3, 4, ... (they work like
 * --preserve-fds from there). Their duplicates, and our own fds still
 * needed after this (the sync socket, the init's status pipe and stub), may
 * be anywhere, the target range included: everything is first moved above
 * it, then the passed fds are put in place (dup2 closes whatever was
 * there: only copies and close-on-exec fds). No allocation: stack arrays.
 */
static int place_passed_fds(struct sbx_sandbox *sb, struct sbx_error *err)
{
	int n = (int)sb->n_pass_fds;
	if (n == 0)
		return 0;
	int *own[] = {&sb->child_fd, &sb->status_wr, &sb->init_stub_fd, &sb->handoff_fd, &sb->oci.console_fd,
		      &sb->oci.start_fd};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(own); i++) {
		if (*own[i] >= 3 && *own[i] < 3 + n) {
			int fd = fcntl(*own[i], F_DUPFD_CLOEXEC, 3 + n);
			if (fd < 0)
				return sbx_err_sys(err, "moving fd %d", *own[i]);
			*own[i] = fd;
		}
	}
	int tmp[SBX_PASS_FDS_MAX];
	for (int i = 0; i < n; i++) {
		tmp[i] = fcntl(sb->pass_fds[i], F_DUPFD_CLOEXEC, 3 + n);
		if (tmp[i] < 0)
			return sbx_err_sys(err, "passed fd %d", i + 3);
	}
	for (int i = 0; i < n; i++) {
		if (dup2(tmp[i], 3 + i) < 0)
			return sbx_err_sys(err, "passed fd %d", i + 3);
		close(tmp[i]);
	}
	return 0;
}

/*
 * process.terminal: a pty of the container's own devpts (after pivot_root,
 * so /dev/ptmx is the container's). The master goes to --console-socket
 * (one message: the fd, and the pty's name as data, as runc sends it) or to
 * the parent, which relays it to its caller's terminal; the slave becomes
 * stdio, and the controlling terminal once we have a session.
 */
static int setup_pty(struct sbx_sandbox *sb, struct sbx_error *err)
{
	const struct sbx_process *p = &sb->cfg->process;
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return sbx_err_sys(err, "process.terminal: opening /dev/ptmx (is devpts mounted on /dev/pts?)");
	int unlock = 0, n = -1;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		return sbx_err_sys(err, "process.terminal: unlocking the pty");
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return sbx_err_sys(err, "process.terminal: opening the pty's slave");
	/* the process's own terminal (a failure only leaves it root's, which it can still use) */
	if (fchown(slave, p->uid, p->gid) < 0)
		errno = 0;
	char name[32];
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	int r;
	if (sb->oci.console_fd >= 0) {
		r = sbx_send_fd(sb->oci.console_fd, name, strlen(name), master);
		if (r < 0)
			return sbx_err_errno(err, r, "--console-socket: sending the pty master");
		close(sb->oci.console_fd);
		sb->oci.console_fd = -1;
	} else {
		struct sbx_msg m = {.type = SBX_MSG_PTY};
		if ((r = sbx_send_fd(sb->child_fd, &m, sizeof(m), master)) < 0)
			return sbx_err_errno(err, r, "process.terminal: sending the pty master");
	}
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return sbx_err_sys(err, "process.terminal: the pty as fd %d", i);
	return 0;
}

static int child_hooks(struct sbx_sandbox *sb, enum sbx_hook_kind kind, struct sbx_error *err)
{
	if (!sb->cfg->hooks[kind].n)
		return 0;
	/* allocates: only where the child has its own copy of our memory (sandbox.c) */
	_cleanup_free_ char *state = sbx_hooks_state(sb->cfg, sb->oci.id, sb->host_pid, SBX_OCI_CREATED);
	return sbx_hooks_run(&sb->cfg->hooks[kind], kind, state, err);
}

/* Puts the runtime-chosen fds (files, pipes, /dev/null) on 0, 1, 2. */
int sbx_child_stdio(struct sbx_sandbox *sb, struct sbx_error *err)
{
	for (int i = 0; i < 3; i++) {
		if (sb->child_stdio[i] < 0)
			continue;
		if (dup2(sb->child_stdio[i], i) < 0)
			return sbx_err_sys(err, "stdio fd %d", i);
	}
	return 0;
}

static int set_rlimits(const struct sbx_process *p, struct sbx_error *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0) {
			struct rlimit cur;
			getrlimit(p->rlimits[i].resource, &cur);
			if (errno == EPERM && rl.rlim_max > cur.rlim_max)
				return sbx_err_sys(err, "process.rlimits[%zu]: hard limit %llu is above the current "
						   "%llu (raising it needs CAP_SYS_RESOURCE)", i,
						   (unsigned long long)rl.rlim_max, (unsigned long long)cur.rlim_max);
			return sbx_err_sys(err, "process.rlimits[%zu]", i);
		}
	}
	return 0;
}

int sbx_child_rlimits(const struct sbx_sandbox *sb, struct sbx_error *err)
{
	int r = set_rlimits(&sb->cfg->process, err);
	if (r < 0)
		return r;
	/* limits cgroups cannot enforce here, when the plan says best-effort */
	const struct sbx_cgroup_fallback *fb = sb->cg_plan ? &sb->cg_plan->fallback : NULL;
	for (size_t i = 0; fb && i < fb->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = fb->rlimits[i].soft, .rlim_max = fb->rlimits[i].hard};
		if (setrlimit(fb->rlimits[i].resource, &rl) < 0)
			return sbx_err_sys(err, "fallback rlimit %d for an unenforced cgroup limit", fb->rlimits[i].resource);
	}
	return 0;
}

int sbx_child_cpu_backstop(uint64_t cpu_time_us, struct sbx_error *err)
{
	if (!cpu_time_us)
		return 0;
	/*
	 * A per-process backstop behind the supervisor's tree-wide limit:
	 * SIGXCPU one second after the limit, SIGKILL a second later.
	 */
	rlim_t s = (rlim_t)((cpu_time_us + 999999) / 1000000 + 1);
	struct rlimit rl = {.rlim_cur = s, .rlim_max = s + 1};
	struct rlimit cur;
	if (getrlimit(RLIMIT_CPU, &cur) == 0 && cur.rlim_max < rl.rlim_max)
		rl.rlim_max = cur.rlim_max, rl.rlim_cur = cur.rlim_max < s ? cur.rlim_max : s;
	if (setrlimit(RLIMIT_CPU, &rl) < 0)
		return sbx_err_sys(err, "RLIMIT_CPU for --time");
	return 0;
}

/*
 * The very last step before execve: the filter, with its listener (kill
 * reports, or the profile's agent) handed to the parent (struct
 * sbx_handoff, SBX_MSG_LISTENER): only the hand-off, close-on-exec and
 * execve itself run under it.
 */
static void load_seccomp(struct sbx_sandbox *sb)
{
	const struct sbx_seccomp_plan *sc = sb->seccomp;
	struct sbx_error err = {0};
	int r;
	if (!sc || sc->none)
		return;
	/* with a listener (the kill reports' or the profile's agent's): it is handed over too */
	bool listener = sc->report || sc->has_notify;
	if (listener) {
		struct sbx_msg m = {.type = SBX_MSG_SECCOMP_FD};
		if (send(sb->child_fd, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
			sbx_err_sys(&err, "seccomp: sync socket");
			sbx_child_fail(sb, &err);
		}
	}
	int lfd = -1;
	r = sbx_seccomp_prog_load(sc->main, listener ? &lfd : NULL);
	if (r < 0) {
		sbx_err_errno(&err, r, "seccomp: loading %s", sb->cfg->seccomp_doc ? sb->cfg->seccomp_doc : "the filter");
		sbx_child_fail(sb, &err);
	}
	if (!listener)
		return;
	sb->handoff->fd = lfd;
	__atomic_store_n(&sb->handoff->state, 1, __ATOMIC_RELEASE);
	/*
	 * The parent, woken, takes the published fd from us while we send it
	 * too and go on: in flight the listener needs no copy of ours (ours
	 * closes at execve), so whichever is quicker, it gets one. Should the
	 * profile stop this send, the parent's copy lets it through (a kill
	 * waits as a notification, which our own steps pass) or we wait for it
	 * (an errno). The futex calls run under the filter too: should it kill
	 * futex, they wait for the listener, which the parent takes by itself
	 * (its wait times out), letting our own calls through.
	 */
	syscall(SYS_futex, &sb->handoff->state, FUTEX_WAKE, 1, NULL, NULL, 0);
	struct sbx_msg l = {.type = SBX_MSG_LISTENER};
	if (sbx_send_fd(sb->child_fd, &l, sizeof(l), lfd) == 0)
		return;
	while (__atomic_load_n(&sb->handoff->state, __ATOMIC_ACQUIRE) != 2)
		syscall(SYS_futex, &sb->handoff->state, FUTEX_WAIT, 1, NULL, NULL, 0);
}

void sbx_child_exec(struct sbx_sandbox *sb, const char *path, char *const *argv, char *const *env)
{
	struct sbx_error err = {0};
	load_seccomp(sb);
	execve(path, argv, env ? env : (char *[]){NULL});
	int e = errno;
	sbx_err_errno(&err, e, "exec \"%s\"", argv[0]);
	err.kind = (e == ENOENT || e == ENOTDIR) ? SBX_ERRK_EXEC_NOENT : SBX_ERRK_EXEC_PERM;
	sbx_child_fail(sb, &err);
}

/* The program (the config's, or a release's): the filter(s), then execve. */
__attribute__((noreturn)) static void do_exec(struct sbx_sandbox *sb, const char *path)
{
	sbx_child_exec(sb, path, sb->exec_argv, sb->exec_env);
}

/*
 * Closes every fd but those in keep (n of them, any order). A parked child
 * must not hold the copies of the runtime's fds it got at the clone (other
 * clients' connections, other sandboxes' pipes and slot locks) for as long
 * as it waits: close-on-exec only takes effect at an execve.
 */
static int close_all_but(int *keep, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	unsigned from = 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned to = i < n ? (unsigned)keep[i] : ~0U;
		if (i < n && keep[i] < 0)
			continue;
		if (to > from && sbx_rawsys(SYS_close_range, from, i < n ? to - 1 : ~0U, 0) < 0)
			return -EBADF;
		from = to + 1;
	}
	return 0;
}

/* Receives the release into sb->release (allocation-free); returns the number of fds received. */
static int recv_release(struct sbx_sandbox *sb, int fds[3], struct sbx_error *err)
{
	struct sbx_release_buf *b = sb->release;
	char cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov[2] = {{.iov_base = &b->hdr, .iov_len = sizeof(b->hdr)},
			       {.iov_base = b->data, .iov_len = SBX_RELEASE_DATA_MAX}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	do
		n = recvmsg(sb->child_fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		_exit(SBX_EXIT_FAILURE); /* the runtime gave up on us, or died */
	int nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k && nfds < 3; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + (size_t)i * sizeof(int), sizeof(int));
	}
	struct sbx_release_msg *h = &b->hdr;
	if ((size_t)n < sizeof(*h) || h->type != SBX_MSG_RELEASE || (size_t)n - sizeof(*h) != h->data_len ||
	    h->data_len > SBX_RELEASE_DATA_MAX || h->cwd_len > h->data_len ||
	    h->argc + (uint64_t)h->envc > SBX_RELEASE_STRINGS_MAX || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return sbx_err_set(err, EPROTO, "release: malformed message");
	return nfds;
}

/* No program (SBX_REL_IDLE): pid 1 only keeps the namespaces alive for sbx_sandbox_exec(). */
__attribute__((noreturn)) static void become_idle(struct sbx_sandbox *sb)
{
	struct sbx_error err = {0};
	/*
	 * pid 1 execs the reaper's freestanding copy: where we share the
	 * runtime's memory, nothing of the sandbox may share its address space
	 * while programs run in it (a memory cgroup OOM kill takes every sharer
	 * along); where we hold a copy, it is the runtime's secrets, and a
	 * user's sbx_sandbox_exec() could not join it (sandbox.c, choose_spawn).
	 */
	if (sb->init_stub_fd >= 0) {
		char *iargv[] = {"sbxctr-init", "idle", NULL};
		char *ienv[] = {NULL};
		long r = sbx_rawsys6(SYS_execveat, sb->init_stub_fd, (long)"", (long)iargv, (long)ienv, AT_EMPTY_PATH, 0);
		sbx_err_errno(&err, (int)-r, "release: the idle pid 1");
		sbx_child_fail(sb, &err);
	}
	/* a copy of the runtime's memory: the loop runs here (EOF tells the parent) */
	close(sb->child_fd);
	sbx_init_idle();
}

/*
 * Parked just before the program starts (sbx_sandbox_set_hold): tells the
 * parent, then waits for the program it is to run (sbx_sandbox_release).
 * Everything is set up already; what a release changes is only what an
 * execve takes anyway (argv, env, cwd, stdio, the CPU backstop). With
 * --init this is pid 1, before it starts the reaper, which then starts the
 * released program. Sets sb->exec_argv, sb->exec_env and the hand-off's
 * exec_path to what to run.
 */
static void hold_and_release(struct sbx_sandbox *sb)
{
	struct sbx_error err = {0};
	int keep[7 + SBX_PASS_FDS_MAX], nk = 0;
	const int own[] = {0, 1, 2, sb->child_fd, sb->init_stub_fd, sb->status_wr, sb->handoff_fd};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(own); i++)
		if (own[i] >= 0)
			keep[nk++] = own[i];
	int passed = sb->n_pass_fds ? (int)sb->n_pass_fds : sb->cfg->preserve_fds;
	for (int fd = 3; fd < 3 + passed && nk < (int)SBX_ARRAY_SIZE(keep); fd++)
		keep[nk++] = fd;
	if (close_all_but(keep, (size_t)nk) < 0) {
		sbx_err_sys(&err, "close_range");
		sbx_child_fail(sb, &err);
	}
	struct sbx_msg m = {.type = SBX_MSG_HELD};
	if (send(sb->child_fd, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		_exit(SBX_EXIT_FAILURE);
	int fds[3] = {-1, -1, -1};
	int nfds = recv_release(sb, fds, &err);
	if (nfds < 0)
		sbx_child_fail(sb, &err);
	struct sbx_release_buf *b = sb->release;
	const struct sbx_release_msg *h = &b->hdr;
	int k = 0;
	static const uint32_t flag[3] = {SBX_REL_STDIN, SBX_REL_STDOUT, SBX_REL_STDERR};
	for (int i = 0; i < 3; i++) {
		if (!(h->flags & flag[i]))
			continue;
		if (k >= nfds || dup2(fds[k], i) < 0) {
			sbx_err_set(&err, EPROTO, "release: stdio fd %d", i);
			sbx_child_fail(sb, &err);
		}
		close(fds[k++]);
	}
	if (h->flags & SBX_REL_IDLE)
		become_idle(sb);
	/* the strings: cwd, then argv, then env, each NUL-terminated */
	b->data[h->data_len] = '\0';
	const char *cwd = h->cwd_len ? b->data : NULL;
	char *p = b->data + h->cwd_len, *end = b->data + h->data_len;
	if (cwd && memchr(b->data, '\0', h->cwd_len) != b->data + h->cwd_len - 1)
		cwd = NULL;
	size_t np = 0;
	for (uint32_t i = 0; i < h->argc + h->envc; i++) {
		char *z = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		if (!z || (cwd == NULL && h->cwd_len)) {
			sbx_err_set(&err, EPROTO, "release: malformed strings");
			sbx_child_fail(sb, &err);
		}
		if (i == h->argc)
			b->ptrs[np++] = NULL;
		b->ptrs[np++] = p;
		p = z + 1;
	}
	if (h->envc == 0)
		b->ptrs[np++] = NULL;
	b->ptrs[np++] = NULL;
	if (h->argc == 0) {
		sbx_err_set(&err, EPROTO, "release: no program");
		sbx_child_fail(sb, &err);
	}
	sb->exec_argv = b->ptrs;
	sb->exec_env = b->ptrs + h->argc + 1;
	if (cwd && chdir(cwd) < 0) {
		sbx_err_sys(&err, "cwd \"%s\"", cwd);
		sbx_child_fail(sb, &err);
	}
	if (sbx_child_cpu_backstop(h->cpu_time_us, &err) < 0 ||
	    sbx_find_program(b->ptrs[0], sb->exec_env, sb->handoff->exec_path, sizeof(sb->handoff->exec_path),
			      &err) < 0)
		sbx_child_fail(sb, &err);
	if (sb->cfg->init && sb->stub_argv) {
		/* the stub's own arguments, then the released program's */
		size_t n = 0;
		for (; n < SBX_STUB_ARGS; n++)
			b->stub_argv[n] = sb->stub_argv[n];
		for (uint32_t i = 0; i < h->argc; i++)
			b->stub_argv[n++] = b->ptrs[i];
		b->stub_argv[n] = NULL;
		sb->stub_argv = b->stub_argv;
	}
}

/*
 * --init: pid 1 stays a tiny reaper that forwards signals to the program,
 * kills and reaps every process when it ends, and reports the program's
 * wait status and the tree's usage to the runtime through status_wr
 * (runtime/init_loop.h). Where the build has the freestanding stub, pid 1
 * execs it (sb->init_stub_fd) and the stub starts the program from its own
 * few pages (runtime/init-stub/init_stub.c); elsewhere pid 1 runs the same
 * loop here, on its private copy of the runtime's memory.
 */
struct spawn_args {
	struct sbx_sandbox *sb;
	const char *path;
	sigset_t mask;
};

static int spawn_program(void *p)
{
	struct spawn_args *a = p;
	/* ours to hand the seccomp listener from (setup() says why); pid 1 is not (run_init) */
	if (a->sb->id->rootless)
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	sigprocmask(SIG_SETMASK, &a->mask, NULL);
	do_exec(a->sb, a->path);
}

__attribute__((noreturn)) static void init_exec_stub(struct sbx_sandbox *sb)
{
	struct sbx_error err = {0};
	/* the descriptors the stub keeps: the program's copies close at its execve */
	const int keep[] = {sb->status_wr, sb->child_fd, sb->handoff_fd};
	long r = 0;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(keep) && r == 0; i++)
		r = sbx_rawsys(SYS_fcntl, keep[i], F_SETFD, 0);
	char *envp[] = {NULL};
	if (r == 0)
		r = sbx_rawsys6(SYS_execveat, sb->init_stub_fd, (long)"", (long)sb->stub_argv,
				(long)(sb->exec_env ? sb->exec_env : envp), AT_EMPTY_PATH, 0);
	sbx_err_errno(&err, (int)-r, "--init: starting the reaper");
	sbx_child_fail(sb, &err);
}

__attribute__((noreturn)) static void run_init(struct sbx_sandbox *sb, const char *path)
{
	struct spawn_args a = {.sb = sb, .path = path};
	struct sbx_error err = {0};
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &a.mask);
	if (sb->init_stub_fd >= 0)
		init_exec_stub(sb);
	/*
	 * Rootless, pid 1 and the program are one uid, and a dumpable pid 1
	 * (the holder of the status pipe) could be traced by the program: pid 1
	 * is non-dumpable from here (the stub is so by its execute-only exec).
	 * The program makes its own memory dumpable for the seccomp hand-off;
	 * where it shares ours (CLONE_VM) that is ours too until its execve,
	 * so ours is made non-dumpable again when it returns.
	 */
	if (sb->id->rootless && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		sbx_err_sys(&err, "--init: PR_SET_DUMPABLE");
		sbx_child_fail(sb, &err);
	}
	/*
	 * The program is started like posix_spawn does it: sharing our memory
	 * on the second stack the parent mapped for it, while we wait
	 * (CLONE_VFORK) until it has exec'd or failed. It touches nothing of
	 * ours but the shared page and its own stack frames.
	 */
#if defined(SBX_SANITIZED)
	/* ASan cannot follow a switch to a stack of our own: a plain fork there */
	pid_t pid = fork();
	if (pid == 0)
		spawn_program(&a);
#else
	pid_t pid = clone(spawn_program, (char *)sb->aux_stack + sb->aux_stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD,
			  &a);
#endif
	if (pid < 0) {
		sbx_err_sys(&err, "--init: starting the program");
		sbx_child_fail(sb, &err);
	}
	if (sb->id->rootless)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* our end goes: the parent sees EOF once the program's copy closes on exec */
	close(sb->child_fd);
	sbx_init_loop(sb->status_wr, pid);
}

void sbx_child_reset_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * Rootless with a staged workdir: the workdir's tmpfs, made by us in our
 * user namespace, is lent to the runtime (SCM_RIGHTS), which fills it as
 * the caller and reads it back after the run (runtime/workdir.h).
 */
static int lend_stage(struct sbx_sandbox *sb, int fd, struct sbx_error *err)
{
	struct sbx_msg m = {.type = SBX_MSG_STAGE};
	ssize_t n = sbx_send_with_fd(sb->child_fd, &m, sizeof(m), fd);
	close(fd);
	if (n != (ssize_t)sizeof(m))
		return sbx_err_sys(err, "workdir: lending it to the runtime");
	return 0;
}

/*
 * The network namespace beside the mounts (sb->net_later). Making one is
 * the most expensive step of a start (about a millisecond of CPU here: lo,
 * its sysctl tables, its sysfs and procfs entries), and nothing before
 * sysfs needs it: a second task of ours, on the second stack and sharing
 * our descriptors, makes it while we mount, and puts it on net_fd, a
 * descriptor we reserved; its exit status is 0 or the errno. Raw system
 * calls: it may share our memory and thread-local storage.
 */
static int net_maker_main(void *arg)
{
	const struct sbx_sandbox *sb = arg;
	long r = sbx_rawsys(SYS_unshare, CLONE_NEWNET, 0, 0);
	if (r == 0) {
		long fd = sbx_rawsys(SYS_openat, AT_FDCWD, "/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		r = fd < 0 ? fd : sbx_rawsys(SYS_dup3, fd, sb->net_fd, O_CLOEXEC);
		if (fd >= 0)
			sbx_rawsys(SYS_close, fd, 0, 0);
	}
	sbx_rawsys(SYS_exit, r < 0 ? -r : 0, 0, 0);
	return 0;
}

static void make_net(struct sbx_sandbox *sb)
{
	struct sbx_error err = {0};
	sb->net_fd = open("/", O_PATH | O_CLOEXEC);
	if (sb->net_fd < 0) {
		sbx_err_sys(&err, "network namespace: a descriptor for it");
		sbx_child_fail(sb, &err);
	}
#if defined(SBX_SANITIZED)
	/* ASan cannot follow a task onto a stack of our own: a fork-style copy sharing our descriptors */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_FILES, 0, NULL, NULL, 0);
	if (pid == 0)
		net_maker_main(sb);
#else
	pid_t pid = clone(net_maker_main, (char *)sb->aux_stack + sb->aux_stack_size, CLONE_VM | CLONE_FILES, sb);
#endif
	if (pid < 0) {
		sbx_err_sys(&err, "network namespace: starting the task that makes it");
		sbx_child_fail(sb, &err);
	}
	sb->net_maker = pid;
	/*
	 * Beside us, not after us: a new task starts on its parent's CPU here
	 * and waits until we block (measured: the gain lost), so it is moved
	 * to the other CPUs we may use, if any.
	 */
	unsigned cpu = 0;
	cpu_set_t set;
	if (syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 && sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    CPU_COUNT(&set) > 1 && cpu < CPU_SETSIZE) {
		CPU_CLR(cpu, &set);
		sched_setaffinity(pid, sizeof(set), &set);
	}
}

/* Waits for the namespace (reaping its maker: the second stack is ours again), joins it, brings lo up. */
static int join_net(void *arg, struct sbx_error *err)
{
	struct sbx_sandbox *sb = arg;
	int st = 0;
	long r;
	while ((r = sbx_rawsys6(SYS_wait4, sb->net_maker, (long)&st, __WALL, 0, 0, 0)) == -EINTR)
		;
	sb->net_maker = 0;
	if (r < 0)
		return sbx_err_errno(err, (int)-r, "network namespace: its maker");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return sbx_err_errno(err, WIFEXITED(st) ? WEXITSTATUS(st) : ECHILD, "network namespace: making it");
	if (setns(sb->net_fd, CLONE_NEWNET) < 0)
		return sbx_err_sys(err, "network namespace: joining it");
	close(sb->net_fd);
	sb->net_fd = -1;
	return sbx_net_setup_sandbox_lo(err);
}

static int setup(struct sbx_sandbox *sb, struct sbx_rootfs_local *local, char *exec_path, size_t exec_size,
		 struct sbx_error *err)
{
	const struct sbx_config *cfg = sb->cfg;
	const struct sbx_process *p = &cfg->process;
	bool exact = cfg->policy == SBX_POLICY_EXACT;
	int r;

	/* a mount namespace joined by path (exact): the rootfs is set up in it, as runc does */
	if (sb->join_fds[SBX_NS_MOUNT] >= 0 && setns(sb->join_fds[SBX_NS_MOUNT], CLONE_NEWNS) < 0)
		return sbx_err_sys(err, "linux.namespaces: joining mount namespace %s", cfg->ns[SBX_NS_MOUNT].path);
	if (!p->terminal && (r = sbx_child_stdio(sb, err)) < 0)
		return r;
	/* maps are written: become root of the new user namespace (uid 0 inside) */
	if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0)
		return sbx_err_sys(err, "becoming root in the user namespace (is uid/gid 0 mapped?)");
	if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return sbx_err_sys(err, "sethostname \"%s\"", cfg->hostname);
	if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
		return sbx_err_sys(err, "setdomainname \"%s\"", cfg->domainname);
	/*
	 * A session keyring of its own, as runc gives every container: without
	 * a user namespace of its own the container would otherwise share the
	 * caller's (root's) keys. Kernels without keyrings say ENOSYS.
	 */
	if ((exact || sb->oci.detach) && !sb->oci.no_new_keyring &&
	    syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		return sbx_err_sys(err, "a session keyring of its own (--no-new-keyring keeps the caller's)");
	/* rootless: nobody outside may enter our network namespace to do it for us */
	if (sb->lo_by_child && !sb->net_later && (r = sbx_net_setup_sandbox_lo(err)) < 0)
		return r;
	if (sb->net_later && local) {
		local->join_net = join_net;
		local->join_net_ctx = sb;
	}
	/*
	 * exact, without a mount namespace: the container shares ours, so
	 * nothing may be mounted; it gets its root by chroot alone.
	 */
	bool own_mounts = (sb->clone_flags & CLONE_NEWNS) || sb->join_fds[SBX_NS_MOUNT] >= 0;
	int stage_fd = -1;
	int rootfd = own_mounts ? sbx_rootfs_mount_all(sb->plan, local, &stage_fd, err)
				: open(sb->plan->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return own_mounts ? rootfd : sbx_err_sys(err, "rootfs %s", sb->plan->root);
	/* no mounts of our own (or no local trees): joined here, before anything runs */
	if (sb->net_later && sb->net_maker && (r = join_net(sb, err)) < 0) {
		close(rootfd);
		return r;
	}
	/* the mounts exist, pivot_root has not happened: the hooks' moment (runtime-spec config.md) */
	if (sb->oci.prepivot) {
		struct sbx_msg m;
		if ((r = send_type(sb, SBX_MSG_HOOKS, err)) < 0) {
			close(rootfd);
			if (stage_fd >= 0)
				close(stage_fd);
			return r;
		}
		/* lo may have come up meanwhile: NET_READY can come first */
		expect_msg(sb, SBX_MSG_HOOKS_DONE, &m);
	}
	if ((r = child_hooks(sb, SBX_HOOK_CREATE_CONTAINER, err)) < 0) {
		close(rootfd);
		if (stage_fd >= 0)
			close(stage_fd);
		return r;
	}
	if (!own_mounts) {
		int e = fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0 ? errno : 0;
		close(rootfd);
		if (e) {
			if (stage_fd >= 0)
				close(stage_fd);
			return sbx_err_errno(err, e, "chroot into %s", sb->plan->root);
		}
	} else if ((r = sbx_rootfs_enter(sb->plan, rootfd, sb->oci.no_pivot, err)) < 0) {
		if (stage_fd >= 0)
			close(stage_fd);
		return r;
	}
	if (stage_fd >= 0) {
		struct sbx_msg m;
		if ((r = lend_stage(sb, stage_fd, err)) < 0)
			return r;
		/* what the runtime wrote there becomes the program's, while we still hold CAP_CHOWN */
		expect_msg(sb, SBX_MSG_STAGE_READY, &m);
		if ((r = sbx_stage_chown(cfg->workdir.path, sb->id->caller_uid_inside, sb->id->caller_gid_inside, p->uid,
					 p->gid, err)) < 0)
			return r;
	}
	if (p->terminal && (r = setup_pty(sb, err)) < 0)
		return r;
	if ((r = sbx_child_rlimits(sb, err)) < 0)
		return r;
	/* a parked child takes the run's CPU limit and its program with the release */
	if (!sb->hold && (r = sbx_child_cpu_backstop(sb->limits.cpu_time_us, err)) < 0)
		return r;
	if (chdir(p->cwd) < 0)
		return sbx_err_sys(err, "process.cwd \"%s\"", p->cwd);
	/* looked up while we still may stat anything: the filter comes later */
	if (!sb->hold && (r = sbx_find_program(p->args[0], p->env, exec_path, exec_size, err)) < 0)
		return r;
	return 0;
}

/* The caller's fds on 3, 4, ... (or --preserve-fds'), kept at execve; every other fd closes there. */
static int fds_for_exec(struct sbx_sandbox *sb, struct sbx_error *err)
{
	int r = place_passed_fds(sb, err);
	if (r < 0)
		return r;
	int keep = sb->n_pass_fds ? (int)sb->n_pass_fds : sb->cfg->preserve_fds;
	for (int fd = 3; fd < 3 + keep; fd++)
		if (fcntl(fd, F_SETFD, 0) < 0)
			return sbx_err_sys(err, "--preserve-fds: fd %d", fd);
	if (syscall(SYS_close_range, 3 + keep, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return sbx_err_sys(err, "close_range");
	return 0;
}

/* After the identity changed (which clears it): the death signal again, and the runtime still there. */
static int rearm_death_signal(struct sbx_sandbox *sb, struct sbx_error *err)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return sbx_err_sys(err, "PR_SET_PDEATHSIG");
	/*
	 * If the runtime died while it was cleared, no signal will come. Its
	 * end of the sync socket is closed then, which a connected SEQPACKET
	 * socket reports as POLLHUP whatever messages are still queued
	 * (getppid() cannot tell: it is 0 across the pid namespace).
	 */
	struct pollfd alive = {.fd = sb->child_fd, .events = POLLIN};
	if (poll(&alive, 1, 0) < 0 || (alive.revents & (POLLHUP | POLLERR)))
		_exit(SBX_EXIT_FAILURE);
	return 0;
}

/*
 * The last steps, after the start signal when created: identity and
 * capabilities, no_new_privs, the session, which descriptors survive exec.
 */
static int setup_final(struct sbx_sandbox *sb, struct sbx_error *err)
{
	const struct sbx_config *cfg = sb->cfg;
	const struct sbx_process *p = &cfg->process;
	int r = fds_for_exec(sb, err);
	if (r < 0)
		return r;
	if (setsid() < 0)
		return sbx_err_sys(err, "setsid");
	if (p->terminal && ioctl(0, TIOCSCTTY, 0) < 0)
		return sbx_err_sys(err, "process.terminal: making the pty the controlling terminal");
	/*
	 * no_new_privs is always set under hardened: the root and every mount
	 * are nosuid, so no setuid bit or file capability could take effect
	 * anyway. Under exact it is the config's; without it a seccomp filter
	 * can only be loaded with CAP_SYS_ADMIN, so it is loaded now, before
	 * the capabilities go (as runc does), and filters the last steps too.
	 */
	bool nnp = p->no_new_privileges || cfg->policy != SBX_POLICY_EXACT;
	if (!nnp && sb->seccomp && !sb->seccomp->none) {
		load_seccomp(sb);
		sb->seccomp = NULL; /* our own copy of the pointer: loaded */
	}
	if ((r = sbx_caps_apply_identity(p, &sb->caps, err)) < 0)
		return r;
	/*
	 * Becoming a subordinate id made our memory non-dumpable, and an
	 * ordinary user's runtime has no CAP_SYS_PTRACE over the initial user
	 * namespace to take the seccomp listener from us (pidfd_getfd) then.
	 * Dumpable again, we are open to the caller's uid (which could trace
	 * the runtime anyway) and to our own slice's, which nothing but this
	 * sandbox's own code runs as before the program's execve.
	 */
	if (sb->id->rootless && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return sbx_err_sys(err, "PR_SET_DUMPABLE");
	if (p->has_umask)
		umask(p->umask);
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sbx_err_sys(err, "PR_SET_NO_NEW_PRIVS");
	if (sb->oci.detach)
		return 0;
	return rearm_death_signal(sb, err);
}

void sbx_child_setup_sample(struct sbx_sandbox *sb)
{
	/* our own CPU so far is set-up, not the program's, and the run's wall time starts now (struct sbx_handoff) */
	struct rusage ru;
	struct timespec now;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		sb->handoff->setup_utime_us = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec;
		sb->handoff->setup_stime_us = (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	sb->handoff->setup_end_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

int sbx_child_last_steps(struct sbx_sandbox *sb, struct sbx_error *err)
{
	/* no_new_privs as under hardened (setup_final) */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sbx_err_sys(err, "PR_SET_NO_NEW_PRIVS");
	if (setsid() < 0)
		return sbx_err_sys(err, "setsid");
	int r = rearm_death_signal(sb, err);
	return r < 0 ? r : fds_for_exec(sb, err);
}

/*
 * create: set up, the init tells the runtime and waits for it to let go
 * (after which the runtime's death no longer kills it), then for `sbxctr
 * start` to connect. Errors from here on go to `start`.
 */
static void wait_for_start(struct sbx_sandbox *sb)
{
	struct sbx_error err = {0};
	struct sbx_msg m;
	if (send_type(sb, SBX_MSG_CREATED, &err) < 0)
		_exit(SBX_EXIT_FAILURE);
	expect_msg(sb, SBX_MSG_DETACH, &m);
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0 || send_type(sb, SBX_MSG_DETACHED, &err) < 0)
		_exit(SBX_EXIT_FAILURE);
	close(sb->child_fd);
	/*
	 * Nothing of create's may stay open while we wait: above all its lock
	 * on the container's directory (a flock belongs to the open file, which
	 * our copy of the descriptor would keep), which start needs. Only
	 * stdio, the preserved fds and the start socket remain.
	 */
	int first = 3 + sb->cfg->preserve_fds, sfd = sb->oci.start_fd;
	if (sfd > first)
		syscall(SYS_close_range, first, sfd - 1, 0);
	syscall(SYS_close_range, sfd >= first ? sfd + 1 : first, ~0U, 0);
	int c;
	do
		c = accept4(sb->oci.start_fd, NULL, NULL, SOCK_CLOEXEC);
	while (c < 0 && errno == EINTR);
	if (c < 0)
		_exit(SBX_EXIT_FAILURE);
	close(sb->oci.start_fd);
	sb->child_fd = c;
}

void sbx_child_main(struct sbx_sandbox *sb)
{
	struct sbx_error err = {0};
	/* first thing: if the runtime is already gone, the read below sees EOF */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(SBX_EXIT_FAILURE);
	close(sb->sync_fd);
	if (sb->status_rd >= 0)
		close(sb->status_rd);
	for (size_t i = 0; sb->has_oci && i < SBX_ARRAY_SIZE(sb->oci.close_fds); i++)
		if (sb->oci.close_fds[i] >= 0)
			close(sb->oci.close_fds[i]);
	sbx_slot_release(&sb->slot);
	sbx_child_reset_signals();
	struct sbx_msg m;
	expect_msg(sb, SBX_MSG_GO, &m);
	sb->host_pid = m.pid;
	if (sb->net_later)
		make_net(sb);

	/*
	 * Rootless: the trees are cloned now, with the caller's own host
	 * credentials, which the maps just written name inside (the overlay's
	 * upper layer needs that), before our identity changes (setup).
	 */
	struct sbx_rootfs_local local;
	if (sb->id->rootless && sbx_rootfs_clone_local(sb->plan, &local, &err) < 0)
		sbx_child_fail(sb, &err);
	/* the shared page: the --init stub starts the program from there */
	char *exec_path = sb->handoff->exec_path;
	if (setup(sb, sb->id->rootless ? &local : NULL, exec_path, sizeof(sb->handoff->exec_path), &err) < 0)
		sbx_child_fail(sb, &err);
	/* the program must find the network ready: the parent set it up meanwhile */
	if (sb->net_ready_msg && !sb->net_ready)
		expect_msg(sb, SBX_MSG_NET_READY, &m);
	if (sb->oci.detach)
		wait_for_start(sb);
	if (child_hooks(sb, SBX_HOOK_START_CONTAINER, &err) < 0 || setup_final(sb, &err) < 0)
		sbx_child_fail(sb, &err);
	if (sb->hold) {
		/* SBX_HOLD_FILTERED (never with --init: sbx_sandbox_start) */
		if (sb->hold_filtered) {
			load_seccomp(sb);
			sb->seccomp = NULL; /* our own copy of the pointer: loaded */
		}
		hold_and_release(sb);
	}
	sbx_child_setup_sample(sb);
	if (sb->cfg->init && !sb->oci.detach)
		run_init(sb, exec_path);
	do_exec(sb, exec_path);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbxctr exec: a process started in a running container, as runc and crun
 * start one. Three processes:
 *
 *   E  `sbxctr exec` itself: finds the init (pid and start time), builds
 *      the process (the container's config, the process object or the
 *      flags), compiles the filter, and clones
 *   M  born in the container's cgroup (CLONE_INTO_CGROUP), which joins every
 *      namespace of the init that is not ours with one setns(pidfd) (its
 *      user and mount namespaces included; the pid namespace for its
 *      children), takes the init's root, clones P with CLONE_PARENT (so
 *      that P is E's child) and exits;
 *   P  in the container's pid namespace: its terminal (from the container's
 *      devpts), root of the container's user namespace, rlimits, cwd,
 *      identity and capabilities, no_new_privs, the filter last, execve.
 *
 * P reports its pid (through M), its terminal and any set-up error on one
 * socket, which closes on execve. Without --detach E waits for P, forwards
 * signals, and exits with P's status; with --detach E writes the pid file
 * and exits, and P is reparented to E's subreaper (conmon, the shim), as
 * the runtime spec's callers expect. P dies with E until it is set up.
 */
#include "cgroups/cgroup.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "oci/policy.h"
#include "profiles/seccomp_runtime.h"
#include "runtime/caps.h"
#include "runtime/container-internal.h"
#include "runtime/sandbox.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

enum { MSG_PID = 1, MSG_PTY, MSG_ERR };

struct exec_msg {
	uint32_t type;
	int32_t pid;
	struct sbx_error err;
};

/* What M and P work from (their copies of E's memory). */
struct exec_ctx {
	const struct sbx_process *proc;
	const struct sbx_caps_prepared *caps;
	const struct sbx_seccomp_plan *seccomp; /* the container's, or NULL */
	const struct sbx_seccomp_plan *extra;	/* the process object's own (stacked, hardened), or NULL */
	int sock;				/* to E; close-on-exec */
	int pidfd, root_fd;
	int ns_flags;
	bool tty, detach;
	int preserve_fds;
};

static void send_msg(int sock, uint32_t type, int32_t pid, const struct sbx_error *err)
{
	struct exec_msg m = {.type = type, .pid = pid};
	if (err)
		m.err = *err;
	(void)!send(sock, &m, sizeof(m), MSG_NOSIGNAL);
}

__attribute__((noreturn)) static void fail(const struct exec_ctx *c, const struct sbx_error *err)
{
	send_msg(c->sock, MSG_ERR, 0, err);
	_exit(SBX_EXIT_FAILURE);
}

static int set_rlimits(const struct sbx_process *p, struct sbx_error *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return sbx_err_sys(err, "process.rlimits[%zu] (%llu/%llu; raising a hard limit needs "
					   "CAP_SYS_RESOURCE)", i, (unsigned long long)rl.rlim_cur,
					   (unsigned long long)rl.rlim_max);
	}
	return 0;
}

/* The terminal, from the container's own devpts: the master goes to E, the slave becomes stdio. */
static int setup_tty(const struct exec_ctx *c, struct sbx_error *err)
{
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return sbx_err_sys(err, "exec --tty: the container's /dev/ptmx");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return sbx_err_sys(err, "exec --tty: unlocking the pty");
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return sbx_err_sys(err, "exec --tty: opening the pty");
	/* the process may run as another user: its terminal is its own, as crun chowns it */
	if (fchown(slave, c->proc->uid, c->proc->gid) < 0)
		sbx_err_clear(err);
	struct exec_msg m = {.type = MSG_PTY};
	if (sbx_send_fd(c->sock, &m, sizeof(m), master) < 0)
		return sbx_err_sys(err, "exec --tty: handing the pty over");
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return sbx_err_sys(err, "exec --tty: the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return sbx_err_sys(err, "exec --tty: stdio");
	return 0;
}

/* The container's filter, then the process object's own: the last thing before execve. */
static void load_filters(const struct exec_ctx *c)
{
	const struct sbx_seccomp_plan *plans[] = {c->seccomp, c->extra};
	for (size_t i = 0; i < 2; i++) {
		int r = plans[i] && !plans[i]->none ? sbx_seccomp_prog_load(plans[i]->main, NULL) : 0;
		if (r < 0) {
			struct sbx_error err = {0};
			sbx_err_errno(&err, r, "seccomp: loading the %s filter", i ? "process's" : "container's");
			fail(c, &err);
		}
	}
}

/* P: in the container's namespaces; its own set-up, in the order of the container's. */
__attribute__((noreturn)) static void exec_program(const struct exec_ctx *c)
{
	const struct sbx_process *p = c->proc;
	struct sbx_error err = {0};
	char path[4096];
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1)
		_exit(SBX_EXIT_FAILURE);
	/* root of the container's user namespace: the identity below is taken from there */
	if ((c->ns_flags & CLONE_NEWUSER) &&
	    (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0)) {
		sbx_err_sys(&err, "becoming root in the container's user namespace");
		fail(c, &err);
	}
	if (c->tty) {
		if (setup_tty(c, &err) < 0)
			fail(c, &err);
	} else if (setsid() < 0 && getpid() != getsid(0)) {
		sbx_err_sys(&err, "setsid");
		fail(c, &err);
	}
	if (set_rlimits(p, &err) < 0)
		fail(c, &err);
	const char *cwd = p->cwd ? p->cwd : "/";
	if (chdir(cwd) < 0) {
		sbx_err_sys(&err, "cwd \"%s\"", cwd);
		fail(c, &err);
	}
	if (sbx_find_program(p->args[0], p->env, path, sizeof(path), &err) < 0)
		fail(c, &err);
	/*
	 * Without no_new_privs (exact only) loading a filter takes
	 * CAP_SYS_ADMIN, which the identity may drop: so it comes first and
	 * filters the last set-up calls too, as crun and runc do.
	 */
	if (!p->no_new_privileges)
		load_filters(c);
	if (sbx_caps_apply_identity(p, c->caps, &err) < 0)
		fail(c, &err);
	umask(p->has_umask ? p->umask : 022);
	/* the identity change cleared the death signal; E must still be there (it waits for us) */
	if (!c->detach && (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1))
		_exit(SBX_EXIT_FAILURE);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		sbx_err_sys(&err, "no_new_privs");
		fail(c, &err);
	}
	/* every fd above the preserved ones closes on exec (ours: the socket to E) */
	if (syscall(SYS_close_range, 3 + c->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		sbx_err_sys(&err, "close_range");
		fail(c, &err);
	}
	if (p->no_new_privileges)
		load_filters(c);
	/* detached: P outlives E, reparented to E's subreaper */
	if (c->detach)
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	execve(path, p->args, p->env ? p->env : (char *[]){NULL});
	int e = errno;
	sbx_err_errno(&err, e, "exec \"%s\"", p->args[0]);
	err.kind = e == ENOENT || e == ENOTDIR ? SBX_ERRK_EXEC_NOENT : SBX_ERRK_EXEC_PERM;
	fail(c, &err);
}

/* M: joins the container and starts P as our caller's child. */
__attribute__((noreturn)) static void exec_middle(const struct exec_ctx *c)
{
	struct sbx_error err = {0};
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1)
		_exit(SBX_EXIT_FAILURE);
	if (c->ns_flags && setns(c->pidfd, c->ns_flags) < 0) {
		sbx_err_sys(&err, "exec: joining the container's namespaces");
		fail(c, &err);
	}
	/* the init's root, which is the mount namespace's own unless it chroot'ed (--no-pivot, exact) */
	if (fchdir(c->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		sbx_err_sys(&err, "exec: the container's root");
		fail(c, &err);
	}
	struct clone_args a = {.flags = CLONE_PARENT};
	long pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid < 0) {
		sbx_err_sys(&err, "exec: clone3 in the container");
		fail(c, &err);
	}
	if (pid == 0)
		exec_program(c);
	send_msg(c->sock, MSG_PID, (int32_t)pid, NULL);
	_exit(0);
}

/* ---- the process: the container's, the process object's, the flags' ------------------ */

static void strv_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; *env && (*env)[i]; i++) {
		if (strncmp((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = sbx_xstrdup(kv);
			return;
		}
	}
	sbx_strv_push(env, kv);
}

static void copy_process(struct sbx_process *dst, const struct sbx_process *src)
{
	*dst = *src;
	dst->args = sbx_strv_copy(src->args);
	dst->env = src->env ? sbx_strv_copy(src->env) : NULL;
	dst->cwd = src->cwd ? sbx_xstrdup(src->cwd) : NULL;
	dst->additional_gids = src->n_additional_gids ? sbx_xcalloc(src->n_additional_gids, sizeof(uint32_t)) : NULL;
	if (dst->additional_gids)
		memcpy(dst->additional_gids, src->additional_gids, src->n_additional_gids * sizeof(uint32_t));
	dst->rlimits = src->n_rlimits ? sbx_xcalloc(src->n_rlimits, sizeof(*src->rlimits)) : NULL;
	if (dst->rlimits)
		memcpy(dst->rlimits, src->rlimits, src->n_rlimits * sizeof(*src->rlimits));
}

/*
 * The process to start: --process FILE (the container's capabilities where
 * it has none, its env merged over none), else the container's process
 * with argv; then the flags. Under hardened no_new_privs stays on.
 */
static int build_process(const struct sbx_config *cfg, const struct sbx_exec_opts *o, struct sbx_process *p,
			 struct json_object **ret_seccomp, struct sbx_error *err)
{
	int r;
	if (o->process_file) {
		_cleanup_free_ char *buf = NULL;
		size_t len;
		if ((r = sbx_read_all(o->process_file, 1u << 20, &buf, &len)) < 0)
			return sbx_err_errno(err, r, "exec: --process %s", o->process_file);
		_cleanup_free_ char *doc = sbx_xasprintf("--process %s", o->process_file);
		bool caps_given;
		if ((r = sbx_process_parse(buf, len, doc, p, &caps_given, ret_seccomp, err)) < 0)
			return r;
		if (!caps_given)
			p->caps = cfg->process.caps;
	} else {
		if (!o->argv || !o->argv[0] || !o->argv[0][0])
			return sbx_err_set(err, EINVAL, "exec: no command given (exec ID -- CMD ARGS, or --process FILE)");
		copy_process(p, &cfg->process);
		sbx_strv_free(p->args);
		p->args = sbx_strv_copy(o->argv);
		p->terminal = false;
	}
	for (size_t i = 0; o->env && o->env[i]; i++) {
		if (!strchr(o->env[i], '=') || o->env[i][0] == '=')
			return sbx_err_set(err, EINVAL, "exec: --env: expected KEY=value, got \"%s\"", o->env[i]);
		strv_set(&p->env, o->env[i]);
	}
	if (o->cwd) {
		if (o->cwd[0] != '/')
			return sbx_err_set(err, EINVAL, "exec: --cwd: \"%s\" is not an absolute path", o->cwd);
		free(p->cwd);
		p->cwd = sbx_xstrdup(o->cwd);
	}
	if (o->has_user) {
		p->uid = o->uid;
		p->gid = o->gid;
	}
	if (o->n_additional_gids) {
		free(p->additional_gids);
		p->additional_gids = sbx_xcalloc(o->n_additional_gids, sizeof(uint32_t));
		memcpy(p->additional_gids, o->additional_gids, o->n_additional_gids * sizeof(uint32_t));
		p->n_additional_gids = o->n_additional_gids;
	}
	for (size_t i = 0; o->caps && o->caps[i]; i++) {
		const char *name = o->caps[i];
		char full[64];
		snprintf(full, sizeof(full), "%s%s", strncasecmp(name, "CAP_", 4) == 0 ? "" : "CAP_", name);
		int cap = sbx_cap_from_name(full);
		if (cap < 0)
			return sbx_err_set(err, EINVAL, "exec: --cap: unknown capability \"%s\"", name);
		uint64_t bit = 1ULL << cap;
		p->caps.bounding |= bit;
		p->caps.effective |= bit;
		p->caps.permitted |= bit;
		p->caps.inheritable |= bit;
		p->caps.ambient |= bit;
	}
	if (o->tty)
		p->terminal = true;
	if (o->no_new_privs || cfg->policy == SBX_POLICY_HARDENED)
		p->no_new_privileges = true;
	return 0;
}

/* ---- E ---------------------------------------------------------------------------- */

/* The container's filter (with the kernel's kills: nobody supervises) and the process object's own. */
static int build_filters(const struct sbx_config *cfg, const struct sbx_process *p, struct json_object *own,
			 struct sbx_seccomp_plan **ret_main, struct sbx_seccomp_plan **ret_extra, struct sbx_error *err)
{
	int r;
	_cleanup_free_ char *file_text = NULL;
	const char *text = cfg->seccomp_json, *doc = cfg->seccomp_doc ? cfg->seccomp_doc : "seccomp profile";
	if (cfg->seccomp_file && !cfg->seccomp_unconfined) {
		if ((r = sbx_read_all(cfg->seccomp_file, 16u << 20, &file_text, &(size_t){0})) < 0)
			return sbx_err_errno(err, r, "seccomp profile %s", cfg->seccomp_file);
		text = file_text;
		doc = cfg->seccomp_file;
	}
	/* exact: the process object's filter replaces the container's; hardened: it is added under it */
	bool replace = own && cfg->policy == SBX_POLICY_EXACT;
	if (text && !cfg->seccomp_unconfined && !replace &&
	    (r = sbx_seccomp_plan_build(doc, text, file_text ? NULL : cfg->seccomp_obj, p->caps.bounding, true,
					ret_main, err)) < 0)
		return r;
	if (own) {
		const char *t = json_object_to_json_string_ext(own, JSON_C_TO_STRING_PLAIN);
		if ((r = sbx_seccomp_plan_build("--process: seccomp", t, own, p->caps.bounding, true, ret_extra, err)) < 0)
			return r;
	}
	return 0;
}

static int recv_msg(int sock, struct exec_msg *m, int *ret_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	*ret_fd = -1;
	for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
	return n < 0 ? -errno : n == (ssize_t)sizeof(*m) ? 1 : 0;
}

/* The pty master to --console-socket, with its name as runc sends it. */
static int hand_console(const char *path, int master, struct sbx_error *err)
{
	_cleanup_close_ int s = sbx_ctr_connect_unix(path, SOCK_STREAM, "--console-socket", err);
	if (s < 0)
		return s;
	unsigned n = 0;
	char name[32] = "/dev/pts/0";
	if (ioctl(master, TIOCGPTN, &n) == 0)
		snprintf(name, sizeof(name), "/dev/pts/%u", n);
	int r = sbx_send_fd(s, name, strlen(name), master);
	return r < 0 ? sbx_err_errno(err, r, "--console-socket %s", path) : 0;
}

/* Waits for P, forwarding the usual signals; its status as a shell reports it. */
static int wait_program(int pidfd, int *ret_status, struct sbx_error *err)
{
	sigset_t set;
	sbx_forwarded_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	_cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return sbx_err_sys(err, "signalfd");
	for (;;) {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return sbx_err_sys(err, "poll");
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				syscall(SYS_pidfd_send_signal, pidfd, (int)si.ssi_signo, NULL, 0);
		}
		if (p[0].revents & POLLIN) {
			siginfo_t si = {0};
			if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
				return sbx_err_sys(err, "waitid");
			*ret_status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
			return 0;
		}
	}
}

struct exec_run {
	const struct sbx_exec_opts *o;
	struct exec_ctx ctx;
	int cgroup_fd;
	int sock; /* E's end */
	pid_t pid;
	int pidfd;
};

/* Clones M, then takes P's pid, its terminal, and its exec (EOF) or error. */
static int launch(struct exec_run *x, struct sbx_error *err)
{
	struct clone_args a = {.exit_signal = SIGCHLD};
	if (x->cgroup_fd >= 0) {
		/* born in the container's cgroup: its limits hold the process from the start */
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)x->cgroup_fd;
	}
	long m = syscall(SYS_clone3, &a, sizeof(a));
	if (m == 0)
		exec_middle(&x->ctx);
	close(x->ctx.sock);
	if (m < 0)
		return sbx_err_sys(err, "exec: clone3");
	_cleanup_close_ int master = -1;
	int r = 0;
	for (;;) {
		struct exec_msg msg;
		int fd;
		int n = recv_msg(x->sock, &msg, &fd);
		if (n <= 0) {
			if (fd >= 0)
				close(fd);
			break; /* EOF: P exec'd (or died, which its status says) */
		}
		if (msg.type == MSG_PID && !x->pid) {
			x->pid = msg.pid;
			x->pidfd = (int)syscall(SYS_pidfd_open, x->pid, 0);
		} else if (msg.type == MSG_PTY && fd >= 0 && master < 0) {
			master = fd;
			continue;
		} else if (msg.type == MSG_ERR) {
			*err = msg.err;
			err->msg[sizeof(err->msg) - 1] = '\0';
			r = -(err->code > 0 ? err->code : EIO);
		}
		if (fd >= 0)
			close(fd);
	}
	waitpid((pid_t)m, NULL, 0);
	if (r == 0 && x->pidfd < 0)
		r = sbx_err_set(err, EPROTO, "exec: the process died before it was set up");
	if (r == 0 && master >= 0 && x->o->console_socket)
		r = hand_console(x->o->console_socket, master, err);
	if (r < 0 && x->pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, x->pidfd, SIGKILL, NULL, 0);
		waitid(P_PIDFD, (id_t)x->pidfd, &(siginfo_t){0}, WEXITED);
	}
	return r;
}

static int exec_in(struct ctr *c, const struct sbx_exec_opts *o, int *ret_status, struct sbx_error *err)
{
	if (c->st.status != SBX_OCI_RUNNING)
		return sbx_ctr_status_error(c, "exec in", err);
	if (o->tty && !o->console_socket)
		return sbx_err_set(err, EINVAL, "exec: --tty needs --console-socket to hand the terminal to");
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	_cleanup_(sbx_process_clear) struct sbx_process proc = {0};
	struct json_object *own = NULL;
	int r = sbx_ctr_config(c, &cfg, err);
	if (r == 0)
		r = build_process(cfg, o, &proc, &own, err);
	_cleanup_(sbx_seccomp_plan_freep) struct sbx_seccomp_plan *main_sc = NULL, *extra_sc = NULL;
	if (r == 0)
		r = build_filters(cfg, &proc, own, &main_sc, &extra_sc, err);
	json_object_put(own);
	if (r < 0)
		return r;
	/* build_process gave a command or an error (said again where the analyzer can see it) */
	if (!proc.args || !proc.args[0])
		return sbx_err_set(err, EINVAL, "exec: no command");
	struct sbx_caps_prepared caps = {0};
	if ((r = sbx_caps_prepare(&proc, &caps, err)) < 0)
		return r;
	_cleanup_close_ int root_fd = -1, cg_fd = -1, sock = -1, pidfd = -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", (int)c->st.pid);
	root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		r = sbx_err_sys(err, "container \"%s\": the root of its init", c->id);
		goto out;
	}
	if (c->st.cgroup && (cg_fd = open(c->st.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = sbx_err_sys(err, "container \"%s\": its cgroup %s", c->id, c->st.cgroup);
		goto out;
	}
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		r = sbx_err_sys(err, "socketpair");
		goto out;
	}
	sock = sp[0];
	struct exec_run x = {
		.o = o,
		.ctx = {.proc = &proc, .caps = &caps, .seccomp = main_sc, .extra = extra_sc, .sock = sp[1],
			.pidfd = c->pidfd, .root_fd = root_fd, .ns_flags = sbx_ns_to_join(c->st.pid), .tty = o->tty,
			.detach = o->detach, .preserve_fds = o->preserve_fds},
		.cgroup_fd = cg_fd,
		.sock = sock,
		.pidfd = -1,
	};
	if ((r = launch(&x, err)) < 0)
		goto out;
	pidfd = x.pidfd;
	/* the caller's handles on the process, then (not detached) its end */
	if ((o->pid_file && (r = sbx_ctr_write_pid_file(o->pid_file, x.pid, err)) < 0) ||
	    (o->pidfd_socket && (r = sbx_ctr_send_pidfd(o->pidfd_socket, x.pid, err)) < 0)) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		goto out;
	}
	sbx_debug("container \"%s\": exec'd %s as pid %d", c->id, proc.args[0], (int)x.pid);
	*ret_status = 0;
	if (!o->detach) {
		/* the container's lock is not held while the process runs */
		sbx_ctr_close(c);
		r = wait_program(pidfd, ret_status, err);
	}
out:
	sbx_caps_prepared_free(&caps);
	return r;
}

int sbx_container_exec(const struct sbx_container_opts *g, const struct sbx_exec_opts *o, int *ret_status,
		       struct sbx_error *err)
{
	struct ctr c;
	int r = sbx_ctr_open(g, o->id, true, &c, err);
	if (r == 0)
		r = exec_in(&c, o, ret_status, err);
	sbx_ctr_close(&c);
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbxctr's shipped profiles (default, compute-only) on the real kernel: real
 * programs (busybox sh, the static probe's compute mode, Python if present)
 * run, and what the profiles claim to block is blocked. Then violation
 * reporting: the split-notify pair delivers would-be kills to a supervisor
 * that names the syscall, from the main thread, a second thread and a forked
 * child.
 */
#include "test_seccomp_common.h"

#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "profiles/seccomp_builtin.h"

#define SIGSYS_ 31
#define BUSYBOX "/bin/busybox"

static struct sbx_seccomp_filter *shipped(const char *name)
{
	const char *text = sbx_seccomp_builtin_profile(name);
	assert_non_null(text);
	struct sbx_seccomp_filter *f = sc_compile(text, sc_env(0, 0, 0));
	assert_null(f->warnings);
	return f;
}

static void test_default_blocks(void **state)
{
	struct sbx_seccomp_filter *f = shipped("default");
	struct sc_result r = sc_run(
		f,
		"sys 101 0 0 0 0 -- sys 425 1 0 -- sys 323 0 -- sys 321 -1 0 0 -- sys 250 0 0 -- "
		"sys 165 0 0 0 0 0 -- sys 272 0 -- sys 308 -1 0 -- sys 162 -- sys 304 -1 0 0");
	sc_expect(&r, "default: denied groups",
		  "ERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1", 0);
	/* socket families: allow list, 64-bit high bits do not sneak through */
	r = sc_run(f, "sys 41 1 1 0 -- sys 41 2 2 0 -- sys 41 10 1 0 -- sys 41 16 3 0 -- sys 41 40 "
		      "1 0 -- "
		      "sys 41 38 5 0 -- sys 41 0x100000028 1 0 -- sys 41 17 3 0 -- sys 41 16 3 12");
	sc_expect(&r, "default: socket",
		  "OK *\nOK *\n!ERR 97\nOK *\nERR 97\nERR 97\nERR 97\nERR 97\nERR 97", 0);
	/* TIOCSTI/TIOCLINUX denied, also with high bits; other ioctls reach the kernel (EBADF) */
	r = sc_run(f,
		   "sys 16 -1 0x5412 0 -- sys 16 -1 0x541c 0 -- sys 16 -1 0xffffffff00005412 0 -- "
		   "sys 16 -1 0x5401 0 -- sys 16 -1 0x80045430 0");
	sc_expect(&r, "default: ioctl", "ERR 1\nERR 1\nERR 1\nERR 9\nERR 9", 0);
	/* clone: namespaces EPERM, fork and threads fine; clone3 ENOSYS so glibc falls back */
	r = sc_run(f, "sys 56 0x10000800 0 0 0 0 -- sys 56 0x40000800 0 0 0 0 -- clonefork -- "
		      "sys 435 0 0 -- thread 39 -- sys 135 0x0040000 -- sys 135 -1 -- sys 135 0");
	sc_expect(&r, "default: clone/personality",
		  "ERR 1\nERR 1\nOK *\nERR 38\nOK *\nMAIN_ALIVE\nERR 38\nOK *\nOK *", 0);
	/* only the native ABI: an x32 call is killed */
	r = sc_run(f, "sys 39 -- x32 39");
	sc_expect(&r, "default: x32", "OK *", SIGSYS_);
	sbx_seccomp_filter_free(f);
}

static void test_default_runs_programs(void **state)
{
	struct sbx_seccomp_filter *f = shipped("default");
	struct sc_result r = sc_run(f, "compute");
	sc_expect(&r, "default: compute", "primes below 1000000: 78498 (clock ok)\nCOMPUTE 78498",
		  0);

	if (access(BUSYBOX, X_OK) != 0) {
		fprintf(stderr, "skip: busybox part: %s is missing\n", BUSYBOX);
	} else {
		char *const sh[] = {BUSYBOX, "sh", "-c",
				    "echo hello; x=$(echo sub); echo $x; " BUSYBOX
				    " ls / >/dev/null && echo ls-ok; "
				    "echo $((6*7)) | " BUSYBOX " cat; " BUSYBOX
				    " sha256sum " BUSYBOX " >/dev/null && "
				    "echo sha-ok; " BUSYBOX " sleep 0; (echo sub-shell) | " BUSYBOX
				    " wc -l; " BUSYBOX
				    " unshare -U true 2>/dev/null; echo unshare=$?; echo done",
				    NULL};
		r = sc_run_argv(f, "/", sh);
		sc_expect(&r, "default: busybox sh",
			  "hello\nsub\nls-ok\n42\nsha-ok\n1\nunshare=1\ndone", 0);
	}

	const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : NULL;
	if (!py) {
		fprintf(stderr, "skip: Python part: /usr/bin/python3 is missing\n");
	} else {
		char *const argv[] = {
			(char *)py, "-c",
			"import os, socket, threading, subprocess\n"
			"t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
			"a, b = socket.socketpair(); a.send(b'x'); print('pair', "
			"b.recv(1).decode())\n"
			"s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.close()\n"
			"print('proc', subprocess.run(['" BUSYBOX "', 'true']).returncode)\n"
			"try:\n"
			"    socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)\n"
			"except OSError as e:\n"
			"    print('vsock', e.errno)\n"
			"print('files', len(os.listdir('/')) > 0)\n",
			NULL};
		r = sc_run_argv(f, "/", argv);
		sc_expect(&r, "default: python3", "pair x\nproc 0\nvsock 97\nfiles True", 0);
	}
	sbx_seccomp_filter_free(f);
}

static void test_compute_only(void **state)
{
	struct sbx_seccomp_filter *f = shipped("compute-only");
	struct sc_result r = sc_run(f, "compute");
	sc_expect(&r, "compute-only: compute",
		  "primes below 1000000: 78498 (clock ok)\nCOMPUTE 78498", 0);
	/* reading is fine, writing files is refused, ioctl says "not a tty", unknown is ENOSYS */
	r = sc_run(f, "sys 257 -100 @str:/ 0 -- sys 257 -100 @str:/nonexistent-sbx 0x41 -- "
		      "sys 16 1 0x5401 0 -- sys 332 -100 0 0 0 0 -- sys 39");
	sc_expect(&r, "compute-only: files", "OK *\nERR 13\nERR 25\nERR 38\nOK *", 0);
	/* violations kill the whole process */
	const char *kills[] = {"sys 41 2 1 0",	  "clonefork",	 "sys 57",
			       "sys 101 0 0 0 0", "sys 425 1 0", "fork 39"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(kills); i++) {
		r = sc_run(f, kills[i]);
		sc_expect(&r, kills[i], "", SIGSYS_);
	}
	if (access(BUSYBOX, X_OK) == 0) {
		/* shell builtins compute; running a command would fork and is a violation */
		char *const ok[] = {BUSYBOX, "sh", "-c",
				    "i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo $i", NULL};
		r = sc_run_argv(f, NULL, ok);
		sc_expect(&r, "compute-only: busybox builtins", "5", 0);
		/* one script: busybox's own path and the command it runs (the fork) */
		char script[] = BUSYBOX " true; echo after";
		char *const bad[] = {BUSYBOX, "sh", "-c", script, NULL};
		r = sc_run_argv(f, NULL, bad);
		sc_expect(&r, "compute-only: busybox fork", "", SIGSYS_);
	} else {
		fprintf(stderr, "skip: busybox part: %s is missing\n", BUSYBOX);
	}
	sbx_seccomp_filter_free(f);
}

/* ---- violation reporting: split-notify ------------------------------------- */

static int send_fd(int sock, int fd)
{
	char c = 'F';
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = {0};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

struct notify_run {
	struct sc_result res;
	char kills[4][128]; /* formatted notifications, in order */
	pid_t kill_pid[4];
	size_t n_kills;
	pid_t child;
};

/*
 * Child: no_new_privs, notify program (NEW_LISTENER), hand the listener to
 * the parent over a socketpair, main program, execve(probe). Parent: answer
 * every notification with EPERM (or kill the child when `kill_child`) and
 * record "killed on syscall ..." for each.
 */
static struct notify_run run_notify(const struct sbx_seccomp_filter *f, const char *cmdline,
				    bool kill_child)
{
	struct notify_run nr = {0};
	struct sock_fprog np, mp;
	assert_int_equal(sbx_seccomp_filter_split_notify(f, &np, &mp), 0);
	unsigned int flags = f->prog->flags | f->prog->flags_optional;
	_cleanup_strv_ char **argv = sc_argv(cmdline);
	int sv[2], pfd[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(PROBE_TIMEOUT_S);
		int lfd = -1;
		if (dup2(pfd[1], STDOUT_FILENO) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(120);
		if (sbx_seccomp_filter_load(&np, flags | SECCOMP_FILTER_FLAG_NEW_LISTENER, &lfd) <
		    0)
			_exit(121);
		/* until the main program is loaded, only kill decisions differ: these calls are fine */
		if (send_fd(sv[1], lfd) < 0)
			_exit(122);
		close(lfd);
		if (sbx_seccomp_filter_load(&mp, flags, NULL) < 0)
			_exit(123);
		execv(argv[0], argv);
		_exit(124);
	}
	nr.child = pid;
	close(sv[1]);
	close(pfd[1]);
	_cleanup_close_ int lfd = recv_fd(sv[0]);
	close(sv[0]);
	assert_true(lfd >= 0);

	for (int waited_ms = 0;;) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		int k = poll(&p, 1, 100);
		if (k == 0) {
			/*
			 * Kernels before 6.x hang the listener up only once the last
			 * filtered task is reaped, not when it exits: a dead child
			 * with nothing pending is the end as well.
			 */
			siginfo_t si = {0};
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
				break;
			waited_ms += 100;
			assert_true(waited_ms < PROBE_TIMEOUT_S * 1000); /* a lost notification */
			continue;
		}
		assert_true(k > 0);
		if (p.revents & POLLIN) {
			struct seccomp_notif req = {0};
			if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
				if (errno == EINTR || errno == ENOENT)
					continue;
				fail_msg("SECCOMP_IOCTL_NOTIF_RECV: %s", strerror(errno));
			}
			assert_true(nr.n_kills < SBX_ARRAY_SIZE(nr.kills));
			sbx_seccomp_format_kill(req.data.arch, req.data.nr, nr.kills[nr.n_kills],
						sizeof(nr.kills[0]));
			nr.kill_pid[nr.n_kills++] = (pid_t)req.pid;
			if (kill_child) {
				kill(pid, SIGKILL);
				continue;
			}
			struct seccomp_notif_resp resp = {.id = req.id, .error = -EPERM};
			/* ENOENT: the task died meanwhile; nothing to answer */
			if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
				fail_msg("SECCOMP_IOCTL_NOTIF_SEND: %s", strerror(errno));
		} else if (p.revents & (POLLHUP | POLLERR)) {
			break; /* no task uses the filter any more */
		}
	}
	size_t n = 0;
	for (ssize_t k; (k = read(pfd[0], nr.res.out + n, sizeof(nr.res.out) - 1 - n)) > 0;)
		n += (size_t)k;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &nr.res.status, 0), pid);
	free(np.filter);
	free(mp.filter);
	return nr;
}

static const char notify_profile[] =
	"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	"{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
	"{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_KILL_THREAD\"},"
	"{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13},"
	"{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_TRAP\"}]}";

static void test_split_notify_reports(void **state)
{
	struct sbx_seccomp_filter *f = sc_compile(notify_profile, sc_env(0, 0, 0));
	/* main thread: the supervisor answers EPERM, the program carries on */
	struct notify_run nr = run_notify(
		f, "sys 101 0 0 0 0 -- sys 83 @str:/nonexistent-sbx/x 0 -- sys 39", false);
	sc_expect(&nr.res, "notify main", "ERR 1\nERR 13\nOK *", 0);
	assert_int_equal(nr.n_kills, 1); /* the ERRNO rule is not a kill */
	assert_string_equal(nr.kills[0], "killed on syscall ptrace (nr 101, x86_64)");
	assert_int_equal(nr.kill_pid[0], nr.child);

	/* a second thread */
	nr = run_notify(f, "thread 79 0 0", false);
	sc_expect(&nr.res, "notify thread", "ERR 1\nMAIN_ALIVE", 0);
	assert_int_equal(nr.n_kills, 1);
	assert_string_equal(nr.kills[0], "killed on syscall getcwd (nr 79, x86_64)");

	/* a forked child inherits both filters and the listener */
	nr = run_notify(f, "fork 101 0 0 0 0", false);
	sc_expect(&nr.res, "notify fork", "ERR 1\nCHILD exit 0", 0);
	assert_int_equal(nr.n_kills, 1);
	assert_string_equal(nr.kills[0], "killed on syscall ptrace (nr 101, x86_64)");
	assert_int_not_equal(nr.kill_pid[0], nr.child);

	/* TRAP is more severe than USER_NOTIF: it still raises SIGSYS, unreported */
	nr = run_notify(f, "sys 110", false);
	sc_expect(&nr.res, "notify trap", "", SIGSYS_);
	assert_int_equal(nr.n_kills, 0);

	/* the supervisor's usual answer: kill the sandbox */
	nr = run_notify(f, "sys 101 0 0 0 0 -- sys 39", true);
	sc_expect(&nr.res, "notify kill", "", SIGKILL);
	assert_int_equal(nr.n_kills, 1);
	sbx_seccomp_filter_free(f);

	/* compute-only: a KILL_PROCESS rule and a bad-arch kill, both named */
	f = shipped("compute-only");
	nr = run_notify(f, "compute -- sys 41 2 1 0 -- x32 39", false);
	sc_expect(&nr.res, "notify compute-only",
		  "primes below 1000000: 78498 (clock ok)\nCOMPUTE 78498\nERR 1\nERR 1", 0);
	assert_int_equal(nr.n_kills, 2);
	assert_string_equal(nr.kills[0], "killed on syscall socket (nr 41, x86_64)");
	assert_string_equal(nr.kills[1], "killed on syscall getpid (nr 1073741863, x32)");
	sbx_seccomp_filter_free(f);
}

int main(void)
{
	int rc = sc_require_probe(false);
	if (rc)
		return rc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_blocks),
		cmocka_unit_test(test_default_runs_programs),
		cmocka_unit_test(test_compute_only),
		cmocka_unit_test(test_split_notify_reports),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(probe_path);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* pasta for a rootless sandbox: its command line (pure), starting it, the limits from inside, stopping it. */
#include "netns/pasta.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/util.h"

/* How long pasta may take to configure eth0 (it takes ~20 ms). */
#define PASTA_READY_MS 10000

struct sbx_pasta {
	pid_t pid;
};

char **sbx_pasta_argv(const char *pasta, const struct sbx_net_plan *plan, const struct sbx_pasta_ns *ns,
		      int ready_fd)
{
	char **v = NULL;
	sbx_strv_push(&v, pasta);
	/* ours to supervise: never a daemon, never chatty */
	sbx_strv_push(&v, "--foreground");
	sbx_strv_push(&v, "--quiet");
	sbx_strv_push(&v, "--config-net");
	sbx_strv_push(&v, "--ns-ifname");
	sbx_strv_push(&v, plan->sandbox_name[0] ? plan->sandbox_name : SBX_NET_SANDBOX_IFNAME);
	/* nothing of the host is forwarded in, nothing of the sandbox out */
	static const char *const closed[] = {"--tcp-ports", "--udp-ports", "--tcp-ns", "--udp-ns"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(closed); i++) {
		sbx_strv_push(&v, closed[i]);
		sbx_strv_push(&v, "none");
	}
	/*
	 * A token bucket never passes a packet larger than itself, and pasta's
	 * own MTU (65520) is above the default bucket: shaped, eth0 gets a
	 * veth's 1500 (the burst rules in net.c assume that frame).
	 */
	if (plan->egress.enabled || plan->ingress.enabled) {
		sbx_strv_push(&v, "--mtu");
		sbx_strv_push(&v, "1500");
	}
	/* the gateway's address is not the host's loopback: local services stay out of reach */
	sbx_strv_push(&v, "--no-map-gw");
	/* written once eth0 is configured, just before pasta's main loop: our readiness signal */
	_cleanup_free_ char *pidfile = sbx_xasprintf("/proc/self/fd/%d", ready_fd);
	sbx_strv_push(&v, "--pid");
	sbx_strv_push(&v, pidfile);
	/* the namespaces by our descriptors; no watch on their (procfs) directory */
	_cleanup_free_ char *user = sbx_xasprintf("/proc/self/fd/%d", ns->user_fd);
	_cleanup_free_ char *net = sbx_xasprintf("/proc/self/fd/%d", ns->net_fd);
	sbx_strv_push(&v, "--userns");
	sbx_strv_push(&v, user);
	sbx_strv_push(&v, "--netns");
	sbx_strv_push(&v, net);
	sbx_strv_push(&v, "--no-netns-quit");
	return v;
}

static bool find_pasta(char *buf, size_t size)
{
	static const char *const dirs[] = {"/usr/bin", "/bin", "/usr/local/bin"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(dirs); i++) {
		snprintf(buf, size, "%s/pasta", dirs[i]);
		if (access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

/* The last line of what pasta wrote to its stderr (a memfd), skipping its syslog complaints. */
static void last_words(int fd, char *buf, size_t size)
{
	char text[4096];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	buf[0] = '\0';
	if (n <= 0)
		return;
	text[n] = '\0';
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strstr(l, "to syslog") && l[strspn(l, " \t")])
			snprintf(buf, size, "%s", l);
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* fork + exec of pasta, tied to us by PR_SET_PDEATHSIG; only async-signal-safe calls in the child. */
static pid_t spawn(const char *path, char **argv, const struct sbx_pasta_ns *ns, int ready_wr, int err_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	char *envp[] = {NULL};
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(127);
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(127);
	/* nothing of ours but the readiness pipe and the namespaces goes along */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0 || fcntl(ready_wr, F_SETFD, 0) < 0 ||
	    fcntl(ns->user_fd, F_SETFD, 0) < 0 || fcntl(ns->net_fd, F_SETFD, 0) < 0)
		_exit(127);
	execve(path, argv, envp);
	_exit(127);
}

/* Waits for pasta's pid on the readiness pipe: 1 ready, 0 pasta ended first, -errno. */
static int wait_ready(int ready_rd)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	char buf[32];
	size_t len = 0;
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = PASTA_READY_MS - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = ready_rd, .events = POLLIN};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		ssize_t n = read(ready_rd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return len > 0;
		len += (size_t)n;
		if (memchr(buf, '\n', len) || len == sizeof(buf) - 1)
			return 1;
	}
}

/*
 * The rate limits go in from inside: a forked helper joins the sandbox's
 * user namespace (where, as its owner's process, it gets every capability)
 * and network namespace, and sets them up there with the ordinary netlink
 * code. A fork, because setns() into a user namespace needs a
 * single-threaded caller and the runtime may not be one.
 */
static int shape_inside(const struct sbx_net_plan *plan, const struct sbx_pasta_ns *ns, struct sbx_error *err)
{
	if (!plan->egress.enabled && !plan->ingress.enabled)
		return 0;
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return sbx_err_sys(err, "--net pasta: pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(pp[0]);
		close(pp[1]);
		return sbx_err_sys(err, "--net pasta: fork");
	}
	if (pid == 0) {
		struct sbx_error e = {0};
		close(pp[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || setns(ns->user_fd, CLONE_NEWUSER) < 0 ||
		    setns(ns->net_fd, CLONE_NEWNET) < 0)
			sbx_err_sys(&e, "--net pasta: entering the sandbox's namespaces");
		else
			(void)sbx_net_setup_inside(plan, &e);
		ssize_t n = write(pp[1], &e, sizeof(e));
		_exit(n == (ssize_t)sizeof(e) && e.code == 0 ? 0 : 1);
	}
	close(pp[1]);
	struct sbx_error e = {0};
	ssize_t n;
	do
		n = read(pp[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pp[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(e) && e.code == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (n == (ssize_t)sizeof(e) && e.code != 0) {
		e.msg[sizeof(e.msg) - 1] = '\0';
		*err = e;
		return -e.code;
	}
	return sbx_err_set(err, EIO, "--net pasta: the rate limits' helper died");
}

int sbx_pasta_start(const struct sbx_net_plan *plan, const struct sbx_pasta_ns *ns, struct sbx_pasta **ret,
		    struct sbx_error *err)
{
	char path[64];
	*ret = NULL;
	if (!find_pasta(path, sizeof(path)))
		return sbx_err_set(err, ENOENT, "--net pasta: pasta is not installed (Debian package passt)");
	/* pasta makes eth0 through the tun device, as the user */
	if (access("/dev/net/tun", R_OK | W_OK) < 0)
		return sbx_err_sys(err,
				   "--net pasta: /dev/net/tun is not readable and writable by uid %u (pasta makes "
				   "the sandbox's tap device through it; udev usually makes it mode 0666)",
				   (unsigned)geteuid());
	_cleanup_close_ int err_fd = memfd_create("sbxctr-pasta-stderr", MFD_CLOEXEC);
	if (err_fd < 0)
		return sbx_err_sys(err, "--net pasta: memfd");
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return sbx_err_sys(err, "--net pasta: pipe");
	_cleanup_close_ int ready_rd = pp[0];
	char **argv = sbx_pasta_argv(path, plan, ns, pp[1]);
	pid_t ppid = spawn(path, argv, ns, pp[1], err_fd);
	sbx_strv_free(argv);
	close(pp[1]);
	if (ppid < 0)
		return sbx_err_sys(err, "--net pasta: fork");
	int r = wait_ready(ready_rd);
	if (r <= 0) {
		char words[256];
		kill(ppid, SIGKILL);
		reap(ppid);
		last_words(err_fd, words, sizeof(words));
		if (r == -ETIMEDOUT)
			return sbx_err_set(err, ETIMEDOUT, "--net pasta: pasta did not configure eth0 within %d s%s%s",
					   PASTA_READY_MS / 1000, words[0] ? ": " : "", words);
		return sbx_err_set(err, r < 0 ? -r : EIO, "--net pasta: pasta failed: %s",
				   words[0] ? words : "it exited without a message");
	}
	struct sbx_pasta *p = sbx_xcalloc(1, sizeof(*p));
	p->pid = ppid;
	if ((r = shape_inside(plan, ns, err)) < 0) {
		sbx_pasta_stop(p);
		return r;
	}
	*ret = p;
	return 0;
}

void sbx_pasta_stop(struct sbx_pasta *p)
{
	if (!p)
		return;
	kill(p->pid, SIGKILL);
	reap(p->pid);
	free(p);
}

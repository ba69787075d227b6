/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration tests of netns/ against the real kernel (root). Every test runs
 * in a network namespace it creates itself (the "host"), and each sandbox is
 * a holder process in its own user + network namespace, as the runtime makes
 * them; traffic never leaves those namespaces. Programs "inside" a sandbox
 * join its namespaces, drop every capability and exec a static probe from
 * tests/helpers (net_dump, net_xfer, net_attack).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "netns/link.h"
#include "netns/net.h"
#include "netns/nl.h"
#include "netns/tc.h"

static char helpers[PATH_MAX];
static int orig_netns = -1;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- sandboxes: holder processes in their own user + net namespaces ---- */

struct sbox {
	pid_t pid;
	int netns_fd;
	int userns_fd;
	int ctl; /* closing it releases the holder */
};
/* No holder: what sbox_kill() skips, so that a failed set-up can be cleaned up alike. */
#define SBOX_NONE { .pid = 0, .netns_fd = -1, .userns_fd = -1, .ctl = -1 }

/* In a forked child: report failure as an exit code, never through cmocka. */
static void child_fail(const char *what)
{
	fprintf(stderr, "test_net child: %s: %s\n", what, strerror(errno));
	_exit(100);
}

/*
 * Like the runtime's clone3(CLONE_NEWUSER|CLONE_NEWNET): the netns belongs to
 * the sandbox's own user namespace. With lo_up the holder brings lo up itself
 * through sbx_net_setup_sandbox_lo(), as the runtime's child does.
 */
static int sbox_spawn(struct sbox *sb, bool lo_up)
{
	*sb = (struct sbox)SBOX_NONE;
	int ready[2], ctl[2];
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(ctl, O_CLOEXEC) < 0)
		return -errno;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(ready[0]);
		close(ctl[1]);
		/*
		 * Other holders' control pipes must not stay open here, or
		 * releasing them would wait for this holder too.
		 */
		int lo = ready[1] < ctl[0] ? ready[1] : ctl[0], hi = ready[1] ^ ctl[0] ^ lo;
		if (lo > 3)
			close_range(3, (unsigned)lo - 1, 0);
		if (hi > lo + 1)
			close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
		close_range((unsigned)hi + 1, ~0U, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		char st = 'R';
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
			st = 'U';
		} else if (lo_up) {
			struct sbx_error err = { 0 };
			if (sbx_net_setup_sandbox_lo(&err) < 0) {
				fprintf(stderr, "holder: %s\n", err.msg);
				st = 'L';
			}
		}
		if (write(ready[1], &st, 1) != 1)
			_exit(1);
		char c;
		while (read(ctl[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(ctl[0]);
	char st = 0;
	ssize_t n = read(ready[0], &st, 1);
	close(ready[0]);
	if (n != 1 || st != 'R') {
		close(ctl[1]);
		waitpid(pid, NULL, 0);
		return -EIO;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	sb->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	sb->userns_fd = open(path, O_RDONLY | O_CLOEXEC);
	sb->pid = pid;
	sb->ctl = ctl[1];
	if (sb->netns_fd < 0 || sb->userns_fd < 0)
		return -errno;
	return 0;
}

/* Ends the sandbox: the holder exits and our references go. */
static void sbox_kill(struct sbox *sb)
{
	if (sb->pid <= 0)
		return;
	close(sb->ctl);
	waitpid(sb->pid, NULL, 0);
	if (sb->netns_fd >= 0)
		close(sb->netns_fd);
	if (sb->userns_fd >= 0)
		close(sb->userns_fd);
	sb->pid = 0;
	sb->netns_fd = sb->userns_fd = -1;
}

static void drop_all_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) < 0)
		child_fail("capset");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/*
 * Starts a probe: inside sb (joined user + net namespaces, no capabilities at
 * all), or with sb == NULL in the test's host netns as root. Its stdout is
 * returned as a pipe.
 */
static pid_t start_probe(const struct sbox *sb, int *ret_out, const char *prog, ...)
{
	char *argv[12];
	char path[PATH_MAX];
	va_list ap;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", helpers, prog);
	argv[n++] = path;
	va_start(ap, prog);
	for (char *a; n < 11 && (a = va_arg(ap, char *));)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;

	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dup2(out[1], 1) < 0)
			child_fail("dup2");
		if (sb) {
			if (setns(sb->userns_fd, CLONE_NEWUSER) < 0)
				child_fail("setns user");
			if (setns(sb->netns_fd, CLONE_NEWNET) < 0)
				child_fail("setns net");
			drop_all_caps();
		}
		execv(path, argv);
		child_fail(path);
	}
	close(out[1]);
	*ret_out = out[0];
	return pid;
}

/* Reads a line (up to timeout_ms); returns its length or -1. */
static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t have = 0;
	int64_t end = now_ms() + timeout_ms;
	while (have + 1 < len) {
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)(end - now_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		ssize_t r = read(fd, buf + have, 1);
		if (r <= 0)
			return -1;
		if (buf[have] == '\n')
			break;
		have++;
	}
	buf[have] = '\0';
	return (int)have;
}

static int finish_probe(pid_t pid, int fd, char *out, size_t len)
{
	size_t have = 0;
	for (;;) {
		ssize_t r = read(fd, out + have, len - 1 - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		if (have + 1 >= len)
			break;
	}
	out[have] = '\0';
	close(fd);
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs a probe to completion; returns its exit status, output in out. */
#define run_probe(sb, out, len, prog, ...)                                        \
	({                                                                         \
		int _fd;                                                           \
		pid_t _p = start_probe((sb), &_fd, (prog), __VA_ARGS__);           \
		assert_true(_p > 0);                                               \
		finish_probe(_p, _fd, (out), (len));                               \
	})

static bool has_line(const char *out, const char *line)
{
	size_t l = strlen(line);
	for (const char *p = out; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n == l && memcmp(p, line, l) == 0)
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static int count_prefix(const char *out, const char *prefix)
{
	int c = 0;
	size_t l = strlen(prefix);
	for (const char *p = out; p && *p;) {
		if (strncmp(p, prefix, l) == 0)
			c++;
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : NULL;
	}
	return c;
}

#define assert_line(out, line)                                                            \
	do {                                                                              \
		if (!has_line((out), (line)))                                             \
			fail_msg("missing line \"%s\" in:\n%s", (line), (out));           \
	} while (0)

/* Interface lookup in the test's host netns (-ENODEV when absent). */
static int host_ifindex(const char *name)
{
	struct sbx_nl *nl = NULL;
	struct sbx_error err;
	if (sbx_nl_open(&nl, &err) < 0)
		return -EIO;
	int r = sbx_nl_ifindex(nl, name);
	sbx_nl_close(nl);
	return r;
}

/* Waits for an interface to vanish (netns destruction is asynchronous). */
static int64_t wait_gone(const char *name, int timeout_ms)
{
	int64_t t0 = now_ms();
	while (host_ifindex(name) > 0) {
		if (now_ms() - t0 > timeout_ms)
			return -1;
		usleep(2000);
	}
	return now_ms() - t0;
}

static int setup_veth(const struct sbx_net_spec *spec, unsigned slot, struct sbox *sb,
		      struct sbx_net_plan *plan, struct sbx_net_state **st, struct sbx_error *err)
{
	int r = sbx_net_plan_build(spec, slot, plan, err);
	if (r < 0)
		return r;
	r = sbox_spawn(sb, plan->lo_in_child);
	if (r < 0)
		return sbx_err_errno(err, r, "spawning the sandbox holder");
	return sbx_net_setup_host(plan, sb->netns_fd, st, err);
}

/* ---- fixtures ---------------------------------------------------------- */

static int enter_test_netns(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int leave_test_netns(void **state)
{
	(void)state;
	return setns(orig_netns, CLONE_NEWNET) < 0 ? -1 : 0;
}

/* ---- tests ------------------------------------------------------------- */

/* Mode none: only lo, up, with 127.0.0.1 and ::1 working. */
static void test_none_mode(void **state)
{
	(void)state;
	struct sbx_net_plan plan;
	struct sbx_error err = { 0 };
	struct sbox sb = SBOX_NONE;
	char out[8192];

	assert_int_equal(sbx_net_plan_build(NULL, 0, &plan, &err), 0);
	assert_true(plan.lo_in_child);
	assert_int_equal(sbox_spawn(&sb, plan.lo_in_child), 0);

	assert_int_equal(run_probe(&sb, out, sizeof(out), "net_dump", NULL), 0);
	assert_line(out, "link lo up");
	assert_int_equal(count_prefix(out, "link "), 1);
	assert_line(out, "addr lo 127.0.0.1/8");
	assert_line(out, "addr lo ::1/128");
	assert_int_equal(count_prefix(out, "route "), 0);

	assert_int_equal(run_probe(&sb, out, sizeof(out), "net_xfer", "loop", "127.0.0.1", "1000000", NULL), 0);
	assert_non_null(strstr(out, "sent 1000000"));
	assert_int_equal(run_probe(&sb, out, sizeof(out), "net_xfer", "loop", "::1", "1000000", NULL), 0);
	sbox_kill(&sb);
}

/* Mode veth: links, addresses, routes and qdiscs on both sides, as planned. */
static void test_veth_config(void **state)
{
	(void)state;
	struct sbx_net_spec spec = {
		.mode = "veth",
		.ip6 = "fd00:5::2/64",
		.host_ip6 = "fd00:5::1/64",
		.rate_out = "8mbit",
		.rate_in = "16mbit",
	};
	struct sbx_net_plan plan;
	struct sbx_net_state *st = NULL;
	struct sbx_error err = { 0 };
	struct sbox sb = SBOX_NONE;
	char out[8192];

	if (setup_veth(&spec, 5, &sb, &plan, &st, &err) < 0)
		fail_msg("%s", err.msg);
	assert_non_null(st);

	/* host side, seen from the test's host netns */
	assert_int_equal(run_probe(NULL, out, sizeof(out), "net_dump", NULL), 0);
	assert_line(out, "link sbx5h up veth");
	assert_line(out, "addr sbx5h 10.201.0.21/30");
	assert_line(out, "addr sbx5h fd00:5::1/64");
	assert_line(out, "qdisc sbx5h tbf root rate 2000000 limit 116384");
	assert_int_equal(count_prefix(out, "link eth0"), 0); /* the peer never appears here */

	/* sandbox side, seen by an unprivileged process inside */
	assert_int_equal(run_probe(&sb, out, sizeof(out), "net_dump", NULL), 0);
	assert_line(out, "link lo up");
	assert_line(out, "link eth0 up veth");
	assert_int_equal(count_prefix(out, "link "), 2); /* no host interface is visible */
	assert_line(out, "addr eth0 10.201.0.22/30");
	assert_line(out, "addr eth0 fd00:5::2/64");
	assert_line(out, "addr lo 127.0.0.1/8");
	assert_line(out, "route default via 10.201.0.21 dev eth0");
	assert_line(out, "route default via fd00:5::1 dev eth0");
	assert_line(out, "qdisc eth0 tbf root rate 1000000 limit 66384");

	/* both families carry traffic right away (IPv6 without DAD delay) */
	int fd;
	char line[256];
	pid_t srv = start_probe(NULL, &fd, "net_xfer", "recv", "5005", NULL);
	assert_true(srv > 0);
	assert_true(read_line(fd, line, sizeof(line), 2000) > 0);
	assert_int_equal(run_probe(&sb, out, sizeof(out), "net_xfer", "send", "10.201.0.21", "5005", "10000", NULL), 0);
	assert_int_equal(finish_probe(srv, fd, line, sizeof(line)), 0);

	srv = start_probe(&sb, &fd, "net_xfer", "recv", "5006", NULL);
	assert_true(srv > 0);
	assert_true(read_line(fd, line, sizeof(line), 2000) > 0);
	assert_int_equal(run_probe(NULL, out, sizeof(out), "net_xfer", "send", "fd00:5::2", "5006", "10000", NULL), 0);
	assert_int_equal(finish_probe(srv, fd, line, sizeof(line)), 0);

	sbx_net_state_free(st);
	sbox_kill(&sb);
}

/* One transfer; returns the milliseconds the sender measured (connect to the receiver's count). */
static long transfer(const struct sbox *from, const struct sbox *to, const char *to_addr, const char *port,
		     const char *bytes)
{
	int fd;
	char line[256], out[1024];
	pid_t srv = start_probe(to, &fd, "net_xfer", "recv", port, NULL);
	assert_true(srv > 0);
	assert_true(read_line(fd, line, sizeof(line), 2000) > 0);
	assert_string_equal(line, "ready");
	int st = run_probe(from, out, sizeof(out), "net_xfer", "send", to_addr, port, bytes, NULL);
	if (st != 0)
		fail_msg("net_xfer send exited %d: %s", st, out);
	assert_int_equal(finish_probe(srv, fd, line, sizeof(line)), 0);
	long ms = -1;
	const char *p = strstr(out, " ms ");
	assert_non_null(p);
	ms = strtol(p + 4, NULL, 10);
	return ms;
}

/*
 * 4 MB each way under 8 mbit takes size/rate +-20 %, while the same without
 * limits is much faster. The bound is on the limit itself.
 */
static void test_rate_limits(void **state)
{
	(void)state;
	const char *bytes = "4000000";
	const long expect_ms = 4000000L * 8 / 8000000 * 1000; /* 4 s */
	struct sbx_net_spec lim = { .mode = "veth", .rate_out = "8mbit", .rate_in = "8mbit" };
	struct sbx_net_spec free_spec = { .mode = "veth" };
	struct sbx_net_plan plan;
	struct sbx_net_state *st1 = NULL, *st2 = NULL;
	struct sbx_error err = { 0 };
	struct sbox a = SBOX_NONE, b = SBOX_NONE;

	if (setup_veth(&lim, 1, &a, &plan, &st1, &err) < 0)
		fail_msg("%s", err.msg);
	if (setup_veth(&free_spec, 2, &b, &plan, &st2, &err) < 0)
		fail_msg("%s", err.msg);

	long out_ms = transfer(&a, NULL, "10.201.0.5", "5101", bytes); /* sandbox egress */
	long in_ms = transfer(NULL, &a, "10.201.0.6", "5102", bytes);	/* sandbox ingress */
	long free_out = transfer(&b, NULL, "10.201.0.9", "5103", bytes);
	long free_in = transfer(NULL, &b, "10.201.0.10", "5104", bytes);
	print_message("8mbit: egress %ld ms, ingress %ld ms (expected %ld); unlimited: %ld / %ld ms\n", out_ms,
		      in_ms, expect_ms, free_out, free_in);

	if (out_ms < expect_ms * 8 / 10 || out_ms > expect_ms * 12 / 10)
		fail_msg("egress took %ld ms, outside %ld ms +-20%%", out_ms, expect_ms);
	if (in_ms < expect_ms * 8 / 10 || in_ms > expect_ms * 12 / 10)
		fail_msg("ingress took %ld ms, outside %ld ms +-20%%", in_ms, expect_ms);
	/* "much faster": at least 5x under the shaped time */
	assert_true(free_out * 5 < expect_ms);
	assert_true(free_in * 5 < expect_ms);

	sbx_net_state_free(st1);
	sbx_net_state_free(st2);
	sbox_kill(&a);
	sbox_kill(&b);
}

/*
 * The sandbox (no CAP_NET_ADMIN over its netns) cannot change addresses,
 * routes, links or qdiscs -- so it cannot lift its limit -- nor open raw or
 * packet sockets, nor see the host's interfaces.
 */
static void test_sandbox_cannot_reconfigure(void **state)
{
	(void)state;
	struct sbx_net_spec spec = { .mode = "veth", .rate_out = "8mbit", .rate_in = "8mbit" };
	struct sbx_net_plan plan;
	struct sbx_net_state *st = NULL;
	struct sbx_error err = { 0 };
	struct sbox sb = SBOX_NONE;
	char out[8192];

	if (setup_veth(&spec, 3, &sb, &plan, &st, &err) < 0)
		fail_msg("%s", err.msg);
	int st_code = run_probe(&sb, out, sizeof(out), "net_attack", "eth0", NULL);
	fprintf(stderr, "%s", out);
	if (st_code != 0)
		fail_msg("net_attack found holes (exit %d):\n%s", st_code, out);
	assert_true(count_prefix(out, "DENIED") >= 20);
	assert_int_equal(count_prefix(out, "ALLOWED"), 0);

	/* and everything is as it was */
	assert_int_equal(run_probe(&sb, out, sizeof(out), "net_dump", NULL), 0);
	assert_line(out, "qdisc eth0 tbf root rate 1000000 limit 66384");
	assert_line(out, "link eth0 up veth");
	assert_line(out, "addr eth0 10.201.0.14/30");
	assert_line(out, "route default via 10.201.0.13 dev eth0");
	assert_int_equal(count_prefix(out, "addr eth0"), 1);
	assert_int_equal(count_prefix(out, "link "), 2);

	sbx_net_state_free(st);
	sbox_kill(&sb);
}

/* Netlink failures carry the kernel's extended-ACK text; batches report the failing request. */
static void test_ext_ack(void **state)
{
	(void)state;
	struct sbx_nl *nl = NULL;
	struct sbx_error err = { 0 };
	struct sbx_nl_batch b;

	assert_int_equal(sbx_nl_open(&nl, &err), 0);
	sbx_nl_batch_init(&b);
	/* a bad request first, then a good one that alone asks for the ACK */
	struct nlmsghdr *nlh = sbx_nl_batch_add(&b, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
						sizeof(struct tcmsg), "lo root nosuchqdisc");
	struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	tcm->tcm_ifindex = 1;
	tcm->tcm_parent = TC_H_ROOT;
	mnl_attr_put_strz(nlh, TCA_KIND, "nosuchqdisc");
	assert_int_equal(sbx_link_put_up(&b, 1, "lo"), 0);
	int r = sbx_nl_batch_commit(nl, &b, &err);
	print_message("%s\n", err.msg);
	assert_true(r < 0);
	assert_int_equal(err.code, -r);
	assert_non_null(strstr(err.msg, "netlink: RTM_NEWQDISC lo root nosuchqdisc: "));
	assert_non_null(strstr(err.msg, "(kernel: "));
	assert_non_null(strstr(err.msg, "qdisc"));

	/* the socket is still in sync: the next request works */
	sbx_nl_batch_init(&b);
	assert_int_equal(sbx_link_put_up(&b, 1, "lo"), 0);
	assert_int_equal(sbx_nl_batch_commit(nl, &b, &err), 0);

	/* deleting a missing link: -ENODEV with the name */
	r = sbx_link_delete(nl, "nosuch0", &err);
	assert_int_equal(r, -ENODEV);
	assert_non_null(strstr(err.msg, "RTM_DELLINK nosuch0"));
	sbx_nl_close(nl);

	/* sbx_nl_open_in_netns returns the thread to its own netns */
	struct stat before, after;
	assert_int_equal(stat("/proc/thread-self/ns/net", &before), 0);
	struct sbox sb = SBOX_NONE;
	assert_int_equal(sbox_spawn(&sb, false), 0);
	assert_int_equal(sbx_nl_open_in_netns(sb.netns_fd, &nl, &err), 0);
	assert_int_equal(stat("/proc/thread-self/ns/net", &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(sbx_nl_ifindex(nl, "lo"), 1); /* and the socket is in the sandbox */
	assert_int_equal(sbx_nl_ifindex(nl, "sbx0h"), -ENODEV);
	sbx_nl_close(nl);
	sbox_kill(&sb);
}

/* A name already taken: a clear error, and nothing of the failed sandbox is left. */
static void test_duplicate_names(void **state)
{
	(void)state;
	struct sbx_net_spec spec = { .mode = "veth", .host_name = "judge1", .ip = "10.9.0.2/24",
				     .host_ip = "10.9.0.1/24" };
	struct sbx_net_plan plan;
	struct sbx_net_state *st1 = NULL, *st2 = NULL;
	struct sbx_error err = { 0 };
	struct sbox a = SBOX_NONE, b = SBOX_NONE;
	char out[8192];

	if (setup_veth(&spec, 0, &a, &plan, &st1, &err) < 0)
		fail_msg("%s", err.msg);
	int r = setup_veth(&spec, 1, &b, &plan, &st2, &err);
	print_message("%s\n", err.msg);
	assert_int_equal(r, -EEXIST);
	assert_null(st2);
	assert_non_null(strstr(err.msg, "sandbox network: veth judge1: an interface of that name already "
					"exists in the host network namespace (choose another --net-host-name)"));
	assert_non_null(strstr(err.msg, "RTM_NEWLINK veth judge1 (peer eth0): File exists"));
	/* the second sandbox got nothing, the first is intact */
	assert_int_equal(run_probe(&b, out, sizeof(out), "net_dump", NULL), 0);
	assert_int_equal(count_prefix(out, "link "), 1);
	assert_int_equal(run_probe(&a, out, sizeof(out), "net_dump", NULL), 0);
	assert_line(out, "addr eth0 10.9.0.2/24");
	sbox_kill(&b);

	/* eth0 already present in the sandbox's namespace */
	struct sbx_nl *nl = NULL;
	struct sbx_nl_batch batch;
	assert_int_equal(sbox_spawn(&b, false), 0);
	assert_int_equal(sbx_nl_open_in_netns(b.netns_fd, &nl, &err), 0);
	sbx_nl_batch_init(&batch);
	assert_int_equal(sbx_link_put_veth(&batch, "eth0", "other0", -1, false), 0);
	assert_int_equal(sbx_nl_batch_commit(nl, &batch, &err), 0);
	sbx_nl_close(nl);
	struct sbx_net_spec spec2 = { .mode = "veth" };
	assert_int_equal(sbx_net_plan_build(&spec2, 4, &plan, &err), 0);
	r = sbx_net_setup_host(&plan, b.netns_fd, &st2, &err);
	print_message("%s\n", err.msg);
	assert_int_equal(r, -EEXIST);
	assert_non_null(strstr(err.msg, "the sandbox's network namespace already has an eth0"));
	assert_null(st2);
	assert_int_equal(host_ifindex("sbx4h"), -ENODEV);

	sbx_net_state_free(st1);
	sbox_kill(&a);
	sbox_kill(&b);
}

/* A failure after the veth exists (the route step): everything is removed again. */
static void test_failure_midway_leaves_nothing(void **state)
{
	(void)state;
	struct sbx_net_spec spec = { .mode = "veth", .rate_in = "1mbit", .rate_out = "1mbit" };
	struct sbx_net_plan plan;
	struct sbx_net_state *st = NULL;
	struct sbx_error err = { 0 };
	struct sbox sb = SBOX_NONE;
	char out[8192];

	assert_int_equal(sbx_net_plan_build(&spec, 6, &plan, &err), 0);
	assert_int_equal(sbox_spawn(&sb, false), 0);
	/* plant a default route in the sandbox first: ours will collide with it */
	struct sbx_nl *nl = NULL;
	struct sbx_nl_batch b;
	assert_int_equal(sbx_nl_open_in_netns(sb.netns_fd, &nl, &err), 0);
	sbx_nl_batch_init(&b);
	assert_int_equal(sbx_link_put_up(&b, 1, "lo"), 0);
	struct nlmsghdr *nlh = sbx_nl_batch_add(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
						sizeof(struct rtmsg), "default dev lo");
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_OIF, 1);
	if (sbx_nl_batch_commit(nl, &b, &err) < 0)
		fail_msg("%s", err.msg);
	sbx_nl_close(nl);

	int r = sbx_net_setup_host(&plan, sb.netns_fd, &st, &err);
	print_message("%s\n", err.msg);
	assert_int_equal(r, -EEXIST);
	assert_null(st);
	assert_non_null(strstr(err.msg, "sandbox network: veth sbx6h (sandbox end): netlink: RTM_NEWROUTE "
					"default via 10.201.0.25 dev eth0: File exists"));
	/* nothing left, synchronously: no host end, no eth0 */
	assert_int_equal(host_ifindex("sbx6h"), -ENODEV);
	assert_int_equal(run_probe(&sb, out, sizeof(out), "net_dump", NULL), 0);
	assert_int_equal(count_prefix(out, "link "), 1);
	assert_int_equal(run_probe(NULL, out, sizeof(out), "net_dump", NULL), 0);
	assert_int_equal(count_prefix(out, "qdisc "), 0);

	/* a bad namespace fd: refused before anything is created */
	int bogus = open("/dev/null", O_RDONLY | O_CLOEXEC);
	r = sbx_net_setup_host(&plan, bogus, &st, &err);
	print_message("%s\n", err.msg);
	assert_true(r < 0);
	assert_non_null(strstr(err.msg, "cannot enter the sandbox network namespace"));
	assert_int_equal(host_ifindex("sbx6h"), -ENODEV);
	close(bogus);

	/* our own namespace passed by mistake: refused */
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	r = sbx_net_setup_host(&plan, self, &st, &err);
	close(self);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err.msg, "the sandbox's network namespace is the caller's own"));
	assert_int_equal(host_ifindex("sbx6h"), -ENODEV);
	assert_int_equal(host_ifindex("eth0"), -ENODEV);

	/* nothing blocks a retry of the same plan in a fresh sandbox */
	sbox_kill(&sb);
	assert_int_equal(sbox_spawn(&sb, false), 0);
	if (sbx_net_setup_host(&plan, sb.netns_fd, &st, &err) < 0)
		fail_msg("%s", err.msg);
	sbx_net_state_free(st);
	sbox_kill(&sb);
}

/* Lifecycle: the veth dies with the sandbox's netns: normal exit, teardown, SIGKILL of the runtime. */
static void test_cleanup(void **state)
{
	(void)state;
	struct sbx_net_spec spec = { .mode = "veth", .rate_in = "8mbit", .rate_out = "8mbit" };
	struct sbx_net_plan plan;
	struct sbx_net_state *st = NULL;
	struct sbx_error err = { 0 };
	struct sbox sb = SBOX_NONE;

	/* normal end: the holder exits, its netns and the pair go, asynchronously */
	if (setup_veth(&spec, 7, &sb, &plan, &st, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(host_ifindex("sbx7h") > 0);
	sbox_kill(&sb);
	int64_t ms = wait_gone("sbx7h", 5000);
	print_message("host end gone %lld ms after the sandbox ended\n", (long long)ms);
	assert_true(ms >= 0);
	sbx_net_state_free(st);

	/* explicit teardown: synchronous */
	if (setup_veth(&spec, 8, &sb, &plan, &st, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(sbx_net_teardown(st, &err), 0);
	assert_int_equal(host_ifindex("sbx8h"), -ENODEV);
	assert_int_equal(sbx_net_teardown(st, &err), 0); /* twice is fine */
	sbx_net_state_free(st);
	sbox_kill(&sb);

	/* SIGKILL of the "runtime": its sandbox dies (pdeathsig), and with it the pair */
	int ready[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid_t rt = fork();
	assert_true(rt >= 0);
	if (rt == 0) {
		struct sbox s2;
		struct sbx_net_plan p2;
		struct sbx_net_state *st2 = NULL;
		struct sbx_error e2 = { 0 };
		close(ready[0]);
		if (sbox_spawn(&s2, false) < 0)
			child_fail("spawn");
		if (sbx_net_plan_build(&spec, 9, &p2, &e2) < 0 || sbx_net_setup_host(&p2, s2.netns_fd, &st2, &e2) < 0) {
			fprintf(stderr, "%s\n", e2.msg);
			_exit(101);
		}
		close(s2.netns_fd);
		close(s2.userns_fd);
		if (write(ready[1], "R", 1) != 1)
			_exit(102);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c = 0;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_true(host_ifindex("sbx9h") > 0);
	kill(rt, SIGKILL);
	int wst;
	waitpid(rt, &wst, 0);
	assert_true(WIFSIGNALED(wst));
	ms = wait_gone("sbx9h", 5000);
	print_message("host end gone %lld ms after SIGKILL of the runtime\n", (long long)ms);
	assert_true(ms >= 0);
}

static bool alive_only_8(unsigned slot, void *ud)
{
	(void)ud;
	return slot == 8;
}

/* The sweep removes stale automatic host ends, and nothing else. */
static void test_sweep(void **state)
{
	(void)state;
	struct sbx_net_spec spec = { .mode = "veth" };
	struct sbx_net_spec user = { .mode = "veth", .host_name = "judge2", .ip = "10.8.0.2/24",
				     .host_ip = "10.8.0.1/24" };
	struct sbx_net_plan plan;
	struct sbx_net_state *s7 = NULL, *s8 = NULL, *su = NULL;
	struct sbx_error err = { 0 };
	struct sbox a = SBOX_NONE, b = SBOX_NONE, c = SBOX_NONE;

	/* leftovers whose netns is still held somewhere (a crashed runtime's) */
	if (setup_veth(&spec, 7, &a, &plan, &s7, &err) < 0 || setup_veth(&spec, 8, &b, &plan, &s8, &err) < 0 ||
	    setup_veth(&user, 7, &c, &plan, &su, &err) < 0)
		fail_msg("%s", err.msg);
	/* decoys: right name but not a veth; a veth with a near-miss name */
	struct sbx_nl *nl = NULL;
	struct sbx_nl_batch batch;
	assert_int_equal(sbx_nl_open(&nl, &err), 0);
	sbx_nl_batch_init(&batch);
	struct nlmsghdr *nlh = sbx_nl_batch_add(&batch, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
						sizeof(struct ifinfomsg), "ifb sbx9h");
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "sbx9h");
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ifb");
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(sbx_link_put_veth(&batch, "sbx07h", "sbx07p", -1, false), 0);
	if (sbx_nl_batch_commit(nl, &batch, &err) < 0)
		fail_msg("%s", err.msg);
	sbx_nl_close(nl);

	unsigned removed = 99;
	assert_int_equal(sbx_net_sweep(alive_only_8, NULL, &removed, &err), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(host_ifindex("sbx7h"), -ENODEV);
	assert_true(host_ifindex("sbx8h") > 0);
	assert_true(host_ifindex("judge2") > 0);
	assert_true(host_ifindex("sbx9h") > 0);
	assert_true(host_ifindex("sbx07h") > 0);
	/* idempotent */
	assert_int_equal(sbx_net_sweep(alive_only_8, NULL, &removed, &err), 0);
	assert_int_equal(removed, 0);

	/* a new sandbox on a slot with a leftover of the same name replaces it */
	struct sbx_net_state *s8b = NULL;
	struct sbox d = SBOX_NONE;
	if (setup_veth(&spec, 8, &d, &plan, &s8b, &err) < 0)
		fail_msg("%s", err.msg);
	char out[8192];
	assert_int_equal(run_probe(&d, out, sizeof(out), "net_dump", NULL), 0);
	assert_line(out, "link eth0 up veth");
	assert_int_equal(run_probe(&b, out, sizeof(out), "net_dump", NULL), 0);
	assert_int_equal(count_prefix(out, "link eth0"), 0); /* the old pair was deleted */

	sbx_net_state_free(s7);
	sbx_net_state_free(s8);
	sbx_net_state_free(su);
	sbx_net_state_free(s8b);
	sbox_kill(&a);
	sbox_kill(&b);
	sbox_kill(&c);
	sbox_kill(&d);
}

/* The lock-file slot_alive: held lock = alive, free or missing file = stale. */
static void test_slot_lockfile(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-net-slots-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/3.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/4.lock", dir);
	int fd4 = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd4 >= 0);

	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_true(sbx_net_slot_alive_lockfile(3, dir));
	assert_int_equal(flock(fd, LOCK_UN), 0);
	assert_int_equal(flock(fd, LOCK_SH | LOCK_NB), 0); /* a shared holder counts too */
	assert_true(sbx_net_slot_alive_lockfile(3, dir));
	assert_false(sbx_net_slot_alive_lockfile(4, dir)); /* unlocked */
	assert_false(sbx_net_slot_alive_lockfile(5, dir)); /* no file */
	/* the probe left no lock behind */
	assert_int_equal(flock(fd4, LOCK_EX | LOCK_NB), 0);

	close(fd);
	close(fd4);
	snprintf(path, sizeof(path), "%s/3.lock", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/4.lock", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_net: needs root (creates network and user namespaces)\n");
		return 77;
	}
	const char *h = getenv("SBX_HELPERS");
	if (h && *h) {
		snprintf(helpers, sizeof(helpers), "%s", h);
	} else {
		/* default: the build tree's tests/helpers next to this binary's tests/ dir */
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return 1;
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		snprintf(helpers, sizeof(helpers), "%s/helpers", self);
	}
	char probe[PATH_MAX + 16];
	snprintf(probe, sizeof(probe), "%s/net_dump", helpers);
	if (access(probe, X_OK) != 0) {
		fprintf(stderr, "test_net: probe programs missing in %s (build the helpers)\n", helpers);
		return 1;
	}
	orig_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_netns < 0 || unshare(CLONE_NEWNET) < 0 || setns(orig_netns, CLONE_NEWNET) < 0) {
		fprintf(stderr, "test_net: cannot create network namespaces: %s\n", strerror(errno));
		return 77;
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_none_mode, enter_test_netns, leave_test_netns),
		cmocka_unit_test_setup_teardown(test_veth_config, enter_test_netns, leave_test_netns),
		cmocka_unit_test_setup_teardown(test_sandbox_cannot_reconfigure, enter_test_netns, leave_test_netns),
		cmocka_unit_test_setup_teardown(test_ext_ack, enter_test_netns, leave_test_netns),
		cmocka_unit_test_setup_teardown(test_duplicate_names, enter_test_netns, leave_test_netns),
		cmocka_unit_test_setup_teardown(test_failure_midway_leaves_nothing, enter_test_netns,
						leave_test_netns),
		cmocka_unit_test_setup_teardown(test_cleanup, enter_test_netns, leave_test_netns),
		cmocka_unit_test_setup_teardown(test_sweep, enter_test_netns, leave_test_netns),
		cmocka_unit_test(test_slot_lockfile),
		cmocka_unit_test_setup_teardown(test_rate_limits, enter_test_netns, leave_test_netns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

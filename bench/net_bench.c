/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-sandbox network cost: sbxctr's netlink code next to the same work done
 * with ip(8)/tc(8) commands, in one invocation, inside a network namespace
 * of its own (nothing touches the host's network). Prints medians.
 *
 *   netns + lo      unshare(CLONE_NEWNET) + lo up (library / `ip link set lo up`)
 *   veth ready      veth with eth0 created in the sandbox netns, v4 addresses
 *                   on both ends, eth0 + lo up, default route, tbf both ways
 *   teardown        delete the host end synchronously, or just drop the netns
 *                   (the kernel then deletes the pair asynchronously)
 *
 * Usage: net_bench [-n LIB_RUNS] [-m CMD_RUNS]     (root)
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns/link.h"
#include "netns/net.h"
#include "netns/nl.h"

extern char **environ;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, int64_t *v, int n)
{
	if (n <= 0)
		return;
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	printf("  %-46s median %9.4f ms   p10 %8.4f   p90 %8.4f   (n=%d)\n", what, v[n / 2] / 1e6,
	       v[n / 10] / 1e6, v[n * 9 / 10] / 1e6, n);
}

static void die(const char *what, const struct sbx_error *err)
{
	fprintf(stderr, "net_bench: %s: %s\n", what, err ? err->msg : strerror(errno));
	exit(1);
}

/* A fresh netns held only by the returned fd (the caller stays where it was). */
static int new_netns(int home)
{
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare", NULL);
	int fd = open("/proc/thread-self/ns/net", O_RDONLY); /* no CLOEXEC: ip(8) opens it by /proc path */
	if (fd < 0 || setns(home, CLONE_NEWNET) < 0)
		die("netns", NULL);
	return fd;
}

/* Runs a command, in netns_fd's namespace when >= 0; exits on failure. */
static void run(int netns_fd, const char *cmd)
{
	char buf[512], *argv[32];
	int n = 0;
	snprintf(buf, sizeof(buf), "%s", cmd);
	for (char *save, *t = strtok_r(buf, " ", &save); t && n < 31; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		die("fork", NULL);
	if (pid == 0) {
		if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "net_bench: \"%s\" failed\n", cmd);
		exit(1);
	}
}

static int host_has(const char *name)
{
	struct sbx_nl *nl = NULL;
	struct sbx_error err;
	if (sbx_nl_open(&nl, &err) < 0)
		die("nl", &err);
	int r = sbx_nl_ifindex(nl, name) > 0;
	sbx_nl_close(nl);
	return r;
}

/* Waits (untimed) until an asynchronously deleted pair is gone, so runs do not overlap. */
static int64_t wait_gone(const char *name)
{
	int64_t t0 = now_ns();
	while (host_has(name))
		usleep(200);
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	int n_lib = 200, n_cmd = 30;
	for (int c; (c = getopt(argc, argv, "n:m:")) != -1;) {
		if (c == 'n')
			n_lib = atoi(optarg);
		else if (c == 'm')
			n_cmd = atoi(optarg);
		else {
			fprintf(stderr, "usage: net_bench [-n LIB_RUNS] [-m CMD_RUNS]\n");
			return 2;
		}
	}
	if (n_lib < 2 || n_cmd < 2) {
		fprintf(stderr, "net_bench: at least 2 runs each\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "net_bench: needs root\n");
		return 77;
	}
	/* Our own "host" namespace: nothing here touches the machine's network. */
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare", NULL);
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	struct sbx_error err = { 0 };
	int n_max = n_lib > n_cmd ? n_lib : n_cmd;
	int64_t *a = calloc((size_t)n_max, sizeof(*a)), *b = calloc((size_t)n_max, sizeof(*b));
	int64_t *c = calloc((size_t)n_max, sizeof(*c)), *d = calloc((size_t)n_max, sizeof(*d));
	int64_t *e = calloc((size_t)n_max, sizeof(*e));
	if (!a || !b || !c || !d || !e)
		return 1;

	printf("netns with lo (per sandbox):\n");
	for (int i = 0; i < n_lib; i++) {
		int64_t t0 = now_ns();
		if (unshare(CLONE_NEWNET) < 0)
			die("unshare", NULL);
		int64_t t1 = now_ns();
		if (sbx_net_setup_sandbox_lo(&err) < 0)
			die("lo", &err);
		int64_t t2 = now_ns();
		if (setns(home, CLONE_NEWNET) < 0) /* drops the last reference */
			die("setns", NULL);
		int64_t t3 = now_ns();
		a[i] = t1 - t0;
		b[i] = t2 - t1;
		c[i] = t3 - t2;
	}
	report("unshare(CLONE_NEWNET)", a, n_lib);
	report("lo up, library (1 socket, 1 request)", b, n_lib);
	report("drop the netns (caller's side)", c, n_lib);
	for (int i = 0; i < n_cmd; i++) {
		int fd = new_netns(home);
		int64_t t0 = now_ns();
		run(fd, "ip link set lo up");
		d[i] = now_ns() - t0;
		close(fd);
	}
	report("lo up, `ip link set lo up`", d, n_cmd);

	/* ---- veth + addresses + route + both qdiscs ---- */
	struct sbx_net_spec spec = { .mode = "veth", .rate_out = "8mbit", .rate_in = "8mbit" };
	struct sbx_net_plan plan;
	int64_t t0;
	for (int i = 0; i < n_lib; i++) {
		t0 = now_ns();
		if (sbx_net_plan_build(&spec, 0, &plan, &err) < 0)
			die("plan", &err);
		e[i] = now_ns() - t0;
	}

	int nd = 0, nc = 0;
	int64_t async_sum = 0;
	for (int i = 0; i < n_lib; i++) {
		int fd = new_netns(home);
		struct sbx_net_state *st = NULL;
		t0 = now_ns();
		if (sbx_net_setup_host(&plan, fd, &st, &err) < 0)
			die("setup", &err);
		a[i] = now_ns() - t0;
		if (i % 2 == 0) {
			/* teardown 1: delete the host end now (synchronous) */
			t0 = now_ns();
			if (sbx_net_teardown(st, &err) < 0)
				die("teardown", &err);
			b[nd++] = now_ns() - t0;
			close(fd);
		} else {
			/* teardown 2: let the netns go; the kernel deletes the pair later */
			t0 = now_ns();
			close(fd);
			c[nc++] = now_ns() - t0;
			async_sum += wait_gone(plan.host_name);
		}
		sbx_net_state_free(st);
	}
	printf("veth + addresses + route + tbf both ways (per sandbox):\n");
	report("plan (pure: parse and validate the settings)", e, n_lib);
	report("setup, library (netlink, 3 batches)", a, n_lib);
	report("teardown: delete the link, library", b, nd);
	report("teardown: drop the netns (caller's side)", c, nc);
	printf("  %-46s mean   %9.3f ms (off the critical path)\n", "  ...until the kernel removed the pair",
	       async_sum / 1e6 / (nc ? nc : 1));

	char cmd[512];
	nd = nc = 0;
	for (int i = 0; i < n_cmd; i++) {
		int fd = new_netns(home);
		t0 = now_ns();
		snprintf(cmd, sizeof(cmd), "ip link add sbxb0 type veth peer name eth0 netns /proc/%d/fd/%d",
			 getpid(), fd);
		run(-1, cmd);
		run(-1, "ip addr add 10.202.0.1/30 dev sbxb0");
		run(-1, "ip link set sbxb0 up");
		run(-1, "tc qdisc add dev sbxb0 root tbf rate 8mbit burst 16k latency 50ms");
		run(fd, "ip link set lo up");
		run(fd, "ip link set eth0 up");
		run(fd, "ip addr add 10.202.0.2/30 dev eth0");
		run(fd, "ip route add default via 10.202.0.1");
		run(fd, "tc qdisc add dev eth0 root tbf rate 8mbit burst 16k latency 50ms");
		d[i] = now_ns() - t0;
		if (i % 2 == 0) {
			t0 = now_ns();
			run(-1, "ip link del sbxb0");
			e[nd++] = now_ns() - t0;
			close(fd);
		} else {
			t0 = now_ns();
			close(fd);
			b[nc++] = now_ns() - t0;
			wait_gone("sbxb0");
		}
	}
	report("setup, ip/tc (9 commands)", d, n_cmd);
	report("teardown: `ip link del`", e, nd);
	report("teardown: drop the netns (caller's side)", b, nc);
	return 0;
}

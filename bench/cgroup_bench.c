/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-run cost of a sandbox cgroup: create + every limit written, the join
 * (clone3 CLONE_INTO_CGROUP vs a plain clone3), stats after exit, destroy
 * (synchronous, and the part left on the critical path when teardown is
 * deferred), and the kill path for a cgroup with a live process.
 * Needs root on a cgroup v2 host: run it in the VM with bench/cgroup.sh.
 * Usage: cgroup_bench [-n ITERATIONS] [-p PARENT]
 */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/cgroup.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("bench %-34s median %8.1f us   p10 %8.1f   p90 %8.1f   (n=%d)\n", what, v[n / 2],
	       v[n / 10], v[n * 9 / 10], n);
}

/* clone3, optionally into a cgroup; the child runs fn (exit or pause). */
static pid_t spawn(int cgfd, bool wait_forever)
{
	struct clone_args args = {.exit_signal = SIGCHLD};
	if (cgfd >= 0) {
		args.flags = CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
	}
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		if (wait_forever)
			for (;;)
				pause();
		_exit(0);
	}
	return pid;
}

static void die(const char *what, const struct sbx_error *err)
{
	fprintf(stderr, "cgroup_bench: %s: %s\n", what, err ? err->msg : strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	int n = 200;
	const char *parent = "/sbxbench";
	for (int opt; (opt = getopt(argc, argv, "n:p:")) != -1;) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'p')
			parent = optarg;
		else
			return 2;
	}
	if (n < 10)
		n = 10;

	struct sbx_error err = {0};
	struct sbx_cgroup_root *root = NULL;
	struct sbx_cgroup_root_opts ropts = {.mode = SBX_CGROUP_REQUIRED, .parent = parent};
	double t0 = now_us();
	if (sbx_cgroup_root_open(&ropts, &root, &err) < 0)
		die("root_open", &err);
	printf("bench root_open (once per process)          %8.1f us\n", now_us() - t0);
	t0 = now_us();
	if (sbx_cgroup_sweep(root, 1000, NULL, &err) < 0)
		die("sweep", &err);
	printf("bench sweep, nothing stale (once)           %8.1f us\n", now_us() - t0);

	/* a typical grader run: --memory 256M (swap 0) --cpus 0.5 --pids 64, plus oom.group */
	struct sbx_resources res = {.has_memory_limit = true,
				    .memory_limit = 256L << 20,
				    .has_cpu_quota = true,
				    .cpu_quota = 50000,
				    .has_pids_limit = true,
				    .pids_limit = 64};
	struct sbx_cgroup_plan_opts popts;
	sbx_cgroup_root_plan_opts(root, &popts);
	struct sbx_cgroup_plan *plan = NULL;
	t0 = now_us();
	if (sbx_cgroup_plan(&res, &popts, &plan, &err) < 0)
		die("plan", &err);
	printf("bench plan (pure)                           %8.1f us   (%zu writes)\n",
	       now_us() - t0, plan->n_writes);

	double *create = calloc((size_t)n, sizeof(double)),
	       *join = calloc((size_t)n, sizeof(double)), *base = calloc((size_t)n, sizeof(double)),
	       *stats = calloc((size_t)n, sizeof(double)),
	       *destroy = calloc((size_t)n, sizeof(double)),
	       *crit = calloc((size_t)n, sizeof(double)),
	       *acrit = calloc((size_t)n, sizeof(double)),
	       *kill_t = calloc((size_t)n, sizeof(double));
	for (int i = 0; i < n; i++) {
		/* baseline: the same clone3 + exit + wait without a cgroup */
		double a = now_us();
		pid_t pid = spawn(-1, false);
		waitpid(pid, NULL, 0);
		base[i] = now_us() - a;

		struct sbx_cgroup *cg = NULL;
		struct sbx_cgroup_stats st;
		double t1 = now_us();
		if (sbx_cgroup_create(root, plan, NULL, &cg, &err) < 0)
			die("create", &err);
		double t2 = now_us();
		pid = spawn(sbx_cgroup_fd(cg), false);
		if (pid < 0)
			die("clone3", NULL);
		waitpid(pid, NULL, 0);
		double t3 = now_us();
		if (sbx_cgroup_stats(cg, &st, &err) < 0)
			die("stats", &err);
		double t4 = now_us();
		if (sbx_cgroup_destroy(cg, 1000, &err) < 0)
			die("destroy", &err);
		double t5 = now_us();
		create[i] = t2 - t1;
		join[i] = t3 - t2;
		stats[i] = t4 - t3;
		destroy[i] = t5 - t4;
		crit[i] = (t2 - t1) + (t4 - t3) + (t5 - t4);
		acrit[i] = (t2 - t1) + (t4 - t3);
	}
	/* the kill path: a live process left in the cgroup (no pid namespace init took it down) */
	int nk = n / 4 < 10 ? 10 : n / 4;
	for (int i = 0; i < nk; i++) {
		struct sbx_cgroup *cg = NULL;
		if (sbx_cgroup_create(root, plan, NULL, &cg, &err) < 0)
			die("create", &err);
		pid_t pid = spawn(sbx_cgroup_fd(cg), true);
		double a = now_us();
		if (sbx_cgroup_destroy(cg, 5000, &err) < 0)
			die("destroy (kill)", &err);
		kill_t[i] = now_us() - a;
		waitpid(pid, NULL, 0);
	}

	report("create + limits", create, n);
	report("clone3 + exit + wait, into cgroup", join, n);
	report("clone3 + exit + wait, no cgroup", base, n);
	report("stats after exit", stats, n);
	report("destroy (empty: rmdir)", destroy, n);
	report("critical path, sync teardown", crit, n);
	report("critical path, deferred teardown", acrit, n);
	report("destroy with a live process (kill)", kill_t, nk);
	sbx_cgroup_plan_free(plan);
	const char *p = sbx_cgroup_root_parent(root);
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", p);
	sbx_cgroup_root_free(root);
	rmdir(dir);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-run cost of a sandbox cgroup: create + every limit written, the join
 * (clone3 CLONE_INTO_CGROUP vs a plain clone3), stats after exit, destroy
 * (synchronous, and the part left on the critical path when teardown is
 * deferred), and the kill path for a cgroup with a live process.
 * Needs root on a cgroup v2 host: run it in the VM with bench/cgroup.sh.
 *
 * Calibration: the VM runs under TCG, tens of times slower than hardware.
 * To carry its numbers over, the same sequence of file operations (mkdir,
 * one create + write per limit, four reads for the stats, unlink, rmdir)
 * is timed on a tmpfs ("shadow"), and a bare clone3 + exit + wait, both
 * of which also run on a hybrid-cgroup host (-c: calibration only). The
 * host/VM ratio of those is the emulation's slowdown for this kind of
 * kernel work; bench/cgroup.sh prints the estimate. TCG's speed drifts
 * during a run (translation cache, the host's own load), so a full run
 * times the shadow inside every cgroup iteration, next to the work it
 * calibrates, and reports each phase as a median of per-iteration ratios
 * to it ("x shadow"); the first tenth of the iterations is a warm-up, not
 * counted. -c times only the shadow and the bare clone3, for the host.
 * Usage: cgroup_bench [-n ITERATIONS] [-p PARENT] [-t TMPFS_DIR] [-c]
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
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

/* Median of v[i] / shadow[i]: a phase in units of the shadow timed beside it. */
static void report_ratio(const char *what, const double *v, const double *shadow, int n)
{
	double *r = calloc((size_t)n, sizeof(double));
	if (!r)
		exit(1);
	for (int i = 0; i < n; i++)
		r[i] = v[i] / shadow[i];
	qsort(r, (size_t)n, sizeof(*r), cmp);
	printf("ratio %-34s median %8.4f x shadow   p10 %8.4f   p90 %8.4f   (n=%d)\n", what, r[n / 2],
	       r[n / 10], r[n * 9 / 10], n);
	free(r);
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

/* The plan's file work, done on a tmpfs: what the cgroup work costs as plain VFS calls. */
static double shadow_once(const char *tmp, const struct sbx_cgroup_plan *plan)
{
	static const char *const stat_files[] = {"cpu.stat", "memory.peak", "memory.events", "pids.peak"};
	char d[512], buf[256];
	snprintf(d, sizeof(d), "%s/sbx-shadow-%d", tmp, (int)getpid());
	double a = now_us();
	if (mkdir(d, 0755) < 0)
		die("shadow mkdir", NULL);
	int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < plan->n_writes; i++) {
		int fd = openat(dfd, plan->writes[i].file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, plan->writes[i].value, strlen(plan->writes[i].value)) < 0)
			die("shadow write", NULL);
		close(fd);
	}
	for (size_t i = 0; i < 4; i++) {
		int fd = openat(dfd, stat_files[i], O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
			die("shadow read", NULL);
		close(fd);
	}
	for (size_t i = 0; i < plan->n_writes; i++)
		unlinkat(dfd, plan->writes[i].file, 0);
	for (size_t i = 0; i < 4; i++)
		unlinkat(dfd, stat_files[i], 0);
	close(dfd);
	if (rmdir(d) < 0)
		die("shadow rmdir", NULL);
	return now_us() - a;
}

static void calibrate(int n, const char *tmp, const struct sbx_cgroup_plan *plan)
{
	double *shadow = calloc((size_t)n, sizeof(double)), *base = calloc((size_t)n, sizeof(double));
	for (int i = 0; i < n; i++) {
		shadow[i] = shadow_once(tmp, plan);
		double a = now_us();
		pid_t pid = spawn(-1, false);
		waitpid(pid, NULL, 0);
		base[i] = now_us() - a;
	}
	report("calibration: tmpfs shadow", shadow, n);
	report("calibration: clone3 + exit + wait", base, n);
	free(shadow);
	free(base);
}

int main(int argc, char **argv)
{
	int n = 200;
	const char *parent = "/sbxbench", *tmp = "/dev/shm";
	bool only_calibrate = false;
	for (int opt; (opt = getopt(argc, argv, "n:p:t:c")) != -1;) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'p')
			parent = optarg;
		else if (opt == 't')
			tmp = optarg;
		else if (opt == 'c')
			only_calibrate = true;
		else
			return 2;
	}
	if (n < 10)
		n = 10;
	if (access(tmp, W_OK) < 0)
		tmp = "/tmp";
	/* a typical grader run: --memory 256M (swap 0) --cpus 0.5 --pids 64, plus oom.group */
	struct sbx_resources res = {.has_memory_limit = true,
				    .memory_limit = 256L << 20,
				    .has_cpu_quota = true,
				    .cpu_quota = 50000,
				    .has_pids_limit = true,
				    .pids_limit = 64};
	/* for the calibration, planned as if every controller were there */
	struct sbx_cgroup_plan_opts copts = {.mode = SBX_CGROUP_REQUIRED, .cgroup_usable = true, .available = ~0u};
	struct sbx_cgroup_plan *cplan = NULL;
	struct sbx_error cerr = {0};
	if (sbx_cgroup_plan(&res, &copts, &cplan, &cerr) < 0)
		die("plan", &cerr);
	if (only_calibrate) {
		calibrate(n, tmp, cplan);
		sbx_cgroup_plan_free(cplan);
		return 0;
	}
	/* a full run needs no separate calibration: the loop times the shadow and the bare clone3 itself */

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
	       *kill_t = calloc((size_t)n, sizeof(double)),
	       *shadow = calloc((size_t)n, sizeof(double));
	const int warm = n / 10;
	for (int k = -warm; k < n; k++) {
		/* warm-up iterations overwrite slot 0, which the first counted one rewrites */
		const int i = k < 0 ? 0 : k;
		/* baseline: the same clone3 + exit + wait without a cgroup */
		double a = now_us();
		pid_t pid = spawn(-1, false);
		waitpid(pid, NULL, 0);
		base[i] = now_us() - a;
		shadow[i] = shadow_once(tmp, cplan);

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

	/* ratios first: report() sorts its array in place */
	report_ratio("create + limits", create, shadow, n);
	report_ratio("stats after exit", stats, shadow, n);
	report_ratio("destroy (empty: rmdir)", destroy, shadow, n);
	report_ratio("critical path, sync teardown", crit, shadow, n);
	report_ratio("critical path, deferred teardown", acrit, shadow, n);
	report("calibration: tmpfs shadow, interleaved", shadow, n);
	report("create + limits", create, n);
	report("clone3 + exit + wait, into cgroup", join, n);
	report("clone3 + exit + wait, no cgroup", base, n);
	report("stats after exit", stats, n);
	report("destroy (empty: rmdir)", destroy, n);
	report("critical path, sync teardown", crit, n);
	report("critical path, deferred teardown", acrit, n);
	report("destroy with a live process (kill)", kill_t, nk);
	sbx_cgroup_plan_free(plan);
	sbx_cgroup_plan_free(cplan);
	const char *p = sbx_cgroup_root_parent(root);
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", p);
	sbx_cgroup_root_free(root);
	rmdir(dir);
	return 0;
}

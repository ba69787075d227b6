/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 limits on a real kernel, through cgroups/ directly: each test
 * plans limits, creates a sandbox cgroup and starts a probe program in it
 * with clone3(CLONE_INTO_CGROUP), as the runtime does. Needs root and a
 * cgroup v2 hierarchy with the memory, cpu and pids controllers: it skips
 * (77) elsewhere, e.g. on hybrid hosts, and runs in the test VM (tests/vm/).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroups/cgroup.h"
#include "core/util.h"

#define MIB (1024L * 1024L)

struct fixture {
	struct sbx_cgroup_root *root;
	const char *helpers;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts argv[0] from the helpers directory inside the cgroup; stdout to out_fd if >= 0. */
static pid_t spawn_in(struct fixture *f, struct sbx_cgroup *cg, int out_fd, const char *prog, ...)
{
	char path[512];
	char *argv[8];
	int n = 0;
	snprintf(path, sizeof(path), "%s/%s", f->helpers, prog);
	argv[n++] = path;
	va_list ap;
	va_start(ap, prog);
	for (char *a; n < 7 && (a = va_arg(ap, char *));)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	struct clone_args args = {.flags = CLONE_INTO_CGROUP,
				  .exit_signal = SIGCHLD,
				  .cgroup = (uint64_t)sbx_cgroup_fd(cg)};
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		if (out_fd >= 0)
			dup2(out_fd, 1);
		execv(path, argv);
		_exit(127);
	}
	if (pid < 0)
		fail_msg("clone3(CLONE_INTO_CGROUP): %s", strerror(errno));
	return pid;
}

/* Waits for pid, sampling the cgroup meanwhile; kills the cgroup and fails after timeout_s. */
static int wait_sampling(struct sbx_cgroup *cg, pid_t pid, int timeout_s)
{
	int64_t deadline = now_ms() + timeout_s * 1000L;
	for (;;) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0)
			fail_msg("waitpid: %s", strerror(errno));
		sbx_cgroup_poll(cg);
		if (now_ms() > deadline) {
			sbx_cgroup_kill(cg, NULL);
			fail_msg("pid %d did not end within %d s", (int)pid, timeout_s);
		}
		usleep(5000);
	}
}

/* Reaps every child we inherited as subreaper (fork bombs leave many). */
static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static struct sbx_cgroup *make_cgroup(struct fixture *f, const struct sbx_resources *res,
				      const char *label)
{
	struct sbx_cgroup_plan_opts opts;
	sbx_cgroup_root_plan_opts(f->root, &opts);
	struct sbx_cgroup_plan *plan = NULL;
	struct sbx_error err = {0};
	if (sbx_cgroup_plan(res, &opts, &plan, &err) < 0)
		fail_msg("plan: %s", err.msg);
	struct sbx_cgroup *cg = NULL;
	if (sbx_cgroup_create(f->root, plan, label, &cg, &err) < 0)
		fail_msg("create: %s", err.msg);
	sbx_cgroup_plan_free(plan);
	return cg;
}

static void destroy_checked(struct sbx_cgroup *cg)
{
	char path[512];
	struct stat st;
	struct sbx_error err = {0};
	snprintf(path, sizeof(path), "%s", sbx_cgroup_path(cg));
	if (sbx_cgroup_destroy(cg, 5000, &err) < 0)
		fail_msg("destroy: %s", err.msg);
	reap_all();
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void read_cg_file(struct sbx_cgroup *cg, const char *file, char *buf, size_t size)
{
	ssize_t n = sbx_read_file_at(sbx_cgroup_fd(cg), file, buf, size);
	if (n < 0)
		fail_msg("read %s/%s: %s", sbx_cgroup_path(cg), file, strerror((int)-n));
	buf[strcspn(buf, "\n")] = '\0';
}

static void read_pipe(int fd, char *buf, size_t size)
{
	size_t off = 0;
	ssize_t n;
	while (off + 1 < size && (n = read(fd, buf + off, size - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
}

static void test_memory_oom(void **state)
{
	struct fixture *f = *state;
	const int64_t limit = 64 * MIB;
	struct sbx_resources res = {.has_memory_limit = true, .memory_limit = limit};
	struct sbx_cgroup *cg = make_cgroup(f, &res, "mem");
	pid_t pid = spawn_in(f, cg, -1, "cg_memhog", "256", NULL);
	int status = wait_sampling(cg, pid, 120);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	struct sbx_cgroup_stats st;
	struct sbx_error err = {0};
	assert_int_equal(sbx_cgroup_stats(cg, &st, &err), 0);
	printf("# memory: limit %ld, peak %lu%s, oom_kills %lu, max events %lu\n", (long)limit,
	       (unsigned long)st.memory_peak, st.memory_peak_polled ? " (polled)" : "",
	       (unsigned long)st.oom_kills, (unsigned long)st.memory_max_events);
	assert_true(st.has_memory);
	assert_true(st.oom_kills >= 1);
	assert_true(st.memory_peak <= (uint64_t)limit);
	assert_true(st.memory_peak >= (uint64_t)limit * 9 / 10);
	destroy_checked(cg);
}

static bool swap_active(void)
{
	char buf[1024];
	ssize_t n = sbx_read_file_at(AT_FDCWD, "/proc/swaps", buf, sizeof(buf));
	const char *nl = n > 0 ? strchr(buf, '\n') : NULL;
	return nl && nl[1] != '\0';
}

static void test_no_swap_escape(void **state)
{
	struct fixture *f = *state;
	const int64_t limit = 32 * MIB;
	char buf[64];
	struct sbx_resources res = {.has_memory_limit = true, .memory_limit = limit};
	struct sbx_cgroup *cg = make_cgroup(f, &res, "swap0");
	read_cg_file(cg, "memory.swap.max", buf, sizeof(buf));
	assert_string_equal(buf, "0");
	if (!swap_active()) {
		/* The VM sets up zram swap so that the real check below runs there. */
		if (getenv("SBX_IN_VM"))
			fail_msg("no swap is active in the test VM (zram setup failed?)");
		printf("# no swap is active here: checked only that memory.swap.max is 0\n");
		destroy_checked(cg);
		return;
	}
	/* 96 MiB under a 32 MiB limit: with swap.max 0 it cannot page out and is OOM-killed */
	pid_t pid = spawn_in(f, cg, -1, "cg_memhog", "96", NULL);
	int status = wait_sampling(cg, pid, 120);
	struct sbx_cgroup_stats st;
	assert_int_equal(sbx_cgroup_stats(cg, &st, NULL), 0);
	printf("# swap.max 0: peak %lu, oom_kills %lu\n", (unsigned long)st.memory_peak,
	       (unsigned long)st.oom_kills);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(st.oom_kills >= 1);
	destroy_checked(cg);

	/* Control: the same program with unlimited swap survives, so swap was a real way out. */
	struct sbx_resources open_swap = {.has_memory_limit = true,
					  .memory_limit = limit,
					  .has_swap_max = true,
					  .swap_max = -1};
	cg = make_cgroup(f, &open_swap, "swapmax");
	read_cg_file(cg, "memory.swap.max", buf, sizeof(buf));
	assert_string_equal(buf, "max");
	pid = spawn_in(f, cg, -1, "cg_memhog", "96", NULL);
	status = wait_sampling(cg, pid, 180);
	assert_int_equal(sbx_cgroup_stats(cg, &st, NULL), 0);
	printf("# swap.max max: exit %d, peak %lu, oom_kills %lu\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1, (unsigned long)st.memory_peak,
	       (unsigned long)st.oom_kills);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(st.memory_peak <= (uint64_t)limit);
	destroy_checked(cg);
}

static void test_cpu_quota(void **state)
{
	struct fixture *f = *state;
	struct sbx_cgroup_stats st;

	/*
	 * Control: unthrottled, the spinner really uses CPU (generous bound, slow emulators
	 * included).
	 */
	struct sbx_cgroup *cg = make_cgroup(f, NULL, "cpu-free");
	pid_t pid = spawn_in(f, cg, -1, "cg_spin", "1", "1", NULL);
	int status = wait_sampling(cg, pid, 60);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(sbx_cgroup_stats(cg, &st, NULL), 0);
	printf("# unlimited 1 s spin: %lu us CPU\n", (unsigned long)st.cpu_usage_us);
	assert_true(st.cpu_usage_us >= 500000);
	destroy_checked(cg);

	/*
	 * --cpus 0.5: two spinning threads for 2 s of wall-clock time get at
	 * most ~1 s of CPU in that window (the probe measures it: exec and
	 * start-up are slow under TCG), and the whole process no more than half
	 * of its lifetime plus a period or two of slack.
	 */
	struct sbx_resources res = {.has_cpu_quota = true, .cpu_quota = 50000};
	cg = make_cgroup(f, &res, "cpu-half");
	char buf[64];
	read_cg_file(cg, "cpu.max", buf, sizeof(buf));
	assert_string_equal(buf, "50000 100000");
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	int64_t t0 = now_ms();
	pid = spawn_in(f, cg, p[1], "cg_spin", "2", "2", NULL);
	close(p[1]);
	char out[256];
	read_pipe(p[0], out, sizeof(out));
	close(p[0]);
	status = wait_sampling(cg, pid, 60);
	int64_t wall_us = (now_ms() - t0) * 1000;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	long spin_us = -1;
	const char *sp = strstr(out, "spin_cpu_us ");
	if (sp) {
		/* "spin_cpu_us N\n": anything else leaves -1, which fails below */
		const char *num = sp + strlen("spin_cpu_us ");
		char *end;
		errno = 0;
		long v = strtol(num, &end, 10);
		if (errno == 0 && end != num && (*end == '\n' || !*end))
			spin_us = v;
	}
	assert_int_equal(sbx_cgroup_stats(cg, &st, NULL), 0);
	printf("# cpus 0.5, 2 threads, 2 s: %ld us CPU in the 2 s window; whole cgroup %lu us "
	       "(user %lu, sys %lu) in %ld us of wall time, throttled %lu times\n",
	       spin_us, (unsigned long)st.cpu_usage_us, (unsigned long)st.cpu_user_us,
	       (unsigned long)st.cpu_system_us, (long)wall_us, (unsigned long)st.cpu_nr_throttled);
	assert_true(spin_us > 0 && spin_us <= 1100000);
	assert_true(st.cpu_usage_us <= (uint64_t)wall_us / 2 + 100000);
	assert_true(st.cpu_usage_us >= 500000);
	assert_true(st.cpu_nr_throttled >= 1);
	destroy_checked(cg);
}

static void test_pids_fork_bomb(void **state)
{
	struct fixture *f = *state;
	struct sbx_resources res = {.has_pids_limit = true, .pids_limit = 32};
	struct sbx_cgroup *cg = make_cgroup(f, &res, "pids");
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = spawn_in(f, cg, p[1], "cg_forkbomb", "2", NULL);
	close(p[1]);
	int status = wait_sampling(cg, pid, 60);
	char out[128];
	read_pipe(p[0], out, sizeof(out));
	close(p[0]);
	/* the bomb ends: whatever it left is killed and the cgroup empties */
	struct sbx_error err = {0};
	assert_int_equal(sbx_cgroup_kill(cg, &err), 0);
	assert_int_equal(sbx_cgroup_wait_empty(cg, 10000, &err), 0);
	reap_all();
	struct sbx_cgroup_stats st;
	assert_int_equal(sbx_cgroup_stats(cg, &st, NULL), 0);
	printf("# fork bomb under pids.max 32: \"%s\", peak %lu%s, refused forks (pids.events max) "
	       "%lu\n",
	       strtok(out, "\n") ? out : "", (unsigned long)st.pids_peak,
	       st.pids_peak_polled ? " (polled)" : "", (unsigned long)st.pids_max_events);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(st.has_pids);
	assert_true(st.pids_max_events >= 1);
	assert_true(st.pids_peak <= 32);
	assert_true(st.pids_peak >= 2);
	destroy_checked(cg);
}

static void test_cpuset(void **state)
{
	struct fixture *f = *state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip(); /* needs two CPUs to show pinning */
	static const char *const lists[] = {"1", "0"};
	for (size_t i = 0; i < 2; i++) {
		struct sbx_resources res = {.cpuset_cpus = (char *)lists[i], .cpuset_mems = "0"};
		struct sbx_cgroup *cg = make_cgroup(f, &res, "cpuset");
		int p[2];
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		pid_t pid = spawn_in(f, cg, p[1], "cg_affinity", NULL);
		close(p[1]);
		char out[128];
		read_pipe(p[0], out, sizeof(out));
		close(p[0]);
		int status = wait_sampling(cg, pid, 30);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		out[strcspn(out, "\n")] = '\0';
		printf("# cpuset.cpus %s: sched_getaffinity says %s\n", lists[i], out);
		assert_string_equal(out, lists[i]);
		destroy_checked(cg);
	}
}

static void test_alloc_at_first_instruction(void **state)
{
	struct fixture *f = *state;
	const int64_t limit = 32 * MIB;
	struct sbx_cgroup_stats st;

	/* Control: with room, the program really touches its 256 MiB before main. */
	struct sbx_resources roomy = {.has_memory_limit = true, .memory_limit = 512 * MIB};
	struct sbx_cgroup *cg = make_cgroup(f, &roomy, "bss-ok");
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = spawn_in(f, cg, p[1], "cg_bss", NULL);
	close(p[1]);
	char out[128];
	read_pipe(p[0], out, sizeof(out));
	close(p[0]);
	int status = wait_sampling(cg, pid, 120);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_non_null(strstr(out, "survived"));
	assert_int_equal(sbx_cgroup_stats(cg, &st, NULL), 0);
	assert_true(st.memory_peak >= 256 * MIB);
	destroy_checked(cg);

	/*
	 * Under 32 MiB: charged from its first page on, never above the limit, OOM-killed before
	 * main.
	 */
	struct sbx_resources res = {.has_memory_limit = true, .memory_limit = limit};
	cg = make_cgroup(f, &res, "bss");
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = spawn_in(f, cg, p[1], "cg_bss", NULL);
	close(p[1]);
	read_pipe(p[0], out, sizeof(out));
	close(p[0]);
	status = wait_sampling(cg, pid, 120);
	assert_int_equal(sbx_cgroup_stats(cg, &st, NULL), 0);
	printf("# 256 MiB .bss touched in a constructor under 32 MiB: peak %lu, oom_kills %lu\n",
	       (unsigned long)st.memory_peak, (unsigned long)st.oom_kills);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_null(strstr(out, "survived"));
	assert_true(st.oom_kills >= 1);
	assert_true(st.memory_peak <= (uint64_t)limit);
	destroy_checked(cg);
}

static int setup(void **state)
{
	static struct fixture f;
	struct sbx_error err = {0};
	struct sbx_cgroup_root_opts opts = {.mode = SBX_CGROUP_REQUIRED};
	if (sbx_cgroup_root_open(&opts, &f.root, &err) < 0) {
		fprintf(stderr, "root_open: %s\n", err.msg);
		return -1;
	}
	f.helpers = getenv("SBX_HELPERS");
	if (!f.helpers) {
		fprintf(stderr, "SBX_HELPERS is not set\n");
		return -1;
	}
	if (sbx_cgroup_sweep(f.root, 2000, NULL, &err) < 0)
		fprintf(stderr, "sweep: %s\n", err.msg);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sbx_cgroup_root_free(f->root);
	return 0;
}

int main(void)
{
	char reason[512];
	if (geteuid() != 0) {
		printf("skip: needs root\n");
		return 77;
	}
	if (sbx_cgroup_probe(SBX_CG_MEMORY | SBX_CG_CPU | SBX_CG_PIDS, NULL, reason,
			     sizeof(reason)) <= 0) {
		printf("skip: no usable cgroup v2 with the memory, cpu and pids controllers (%s); "
		       "these tests run in the VM (tests/vm/run-vm-tests.sh)\n",
		       reason);
		return 77;
	}
	/* orphans of the probes (fork bomb children) come back to us to be reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_oom),
		cmocka_unit_test(test_no_swap_escape),
		cmocka_unit_test(test_cpu_quota),
		cmocka_unit_test(test_pids_fork_bomb),
		cmocka_unit_test(test_cpuset),
		cmocka_unit_test(test_alloc_at_first_instruction),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

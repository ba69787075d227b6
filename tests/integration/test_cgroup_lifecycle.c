/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 lifecycle on a real kernel: teardown (cgroup.kill and the
 * freeze-and-kill fallback), async removal, accounting after exit, the sweep
 * of cgroups whose runtime was SIGKILLed, and the parent setup under the
 * no-internal-processes rule. Skips (77) without root and a cgroup v2
 * hierarchy with memory, cpu and pids; runs in the test VM.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
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

static const char *helpers;

static pid_t spawn_in(int cgfd, int out_fd, const char *prog, ...)
{
	char path[512];
	char *argv[8];
	int n = 0;
	snprintf(path, sizeof(path), "%s/%s", helpers, prog);
	argv[n++] = path;
	va_list ap;
	va_start(ap, prog);
	for (char *a; n < 7 && (a = va_arg(ap, char *));)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgfd};
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

/* Waits for "ready" on fd (the probe has forked its children). */
static void wait_ready(int fd)
{
	char buf[64] = "";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0 || !strstr(buf, "ready"))
		fail_msg("probe did not get ready");
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static struct sbx_cgroup_root *open_root(const char *parent)
{
	struct sbx_cgroup_root *root = NULL;
	struct sbx_error err = {0};
	struct sbx_cgroup_root_opts opts = {.mode = SBX_CGROUP_REQUIRED, .parent = parent};
	if (sbx_cgroup_root_open(&opts, &root, &err) < 0)
		fail_msg("root_open(%s): %s", parent ? parent : "default", err.msg);
	return root;
}

static struct sbx_cgroup *create(struct sbx_cgroup_root *root, const char *label)
{
	struct sbx_cgroup_plan_opts opts;
	sbx_cgroup_root_plan_opts(root, &opts);
	struct sbx_cgroup_plan *plan = NULL;
	struct sbx_error err = {0};
	struct sbx_resources res = {.has_pids_limit = true, .pids_limit = 100};
	if (sbx_cgroup_plan(&res, &opts, &plan, &err) < 0)
		fail_msg("plan: %s", err.msg);
	struct sbx_cgroup *cg = NULL;
	if (sbx_cgroup_create(root, plan, label, &cg, &err) < 0)
		fail_msg("create: %s", err.msg);
	sbx_cgroup_plan_free(plan);
	return cg;
}

/*
 * Every child of ours (we are a subreaper) must die of SIGKILL: reaps until
 * expected have been seen (reparenting can trail "populated 0" a little) or
 * 10 s passed; returns how many.
 */
static int reap_killed(int expected)
{
	int n = 0, status;
	for (int i = 0; i < 1000 && n < expected; i++) {
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
				fail_msg("pid %d ended with status 0x%x, not SIGKILL", (int)pid,
					 status);
			n++;
		}
		if (n < expected)
			usleep(10000);
	}
	return n;
}

static void test_destroy_kills_and_removes(void **state)
{
	struct sbx_cgroup_root *root = open_root(NULL);
	struct sbx_cgroup *cg = create(root, "teardown");
	char path[512];
	snprintf(path, sizeof(path), "%s", sbx_cgroup_path(cg));
	assert_non_null(strstr(path, "/" SBX_CGROUP_DEFAULT_PARENT "/" SBX_CGROUP_PREFIX));
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	spawn_in(sbx_cgroup_fd(cg), p[1], "cg_sleep", "600", "4", NULL);
	close(p[1]);
	wait_ready(p[0]);
	close(p[0]);
	assert_int_equal(sbx_cgroup_populated(cg), 1);
	struct sbx_error err = {0};
	if (sbx_cgroup_destroy(cg, 5000, &err) < 0)
		fail_msg("destroy: %s", err.msg);
	assert_false(exists(path));
	/* all 5 processes (the probe and its 4 children, reparented to us) were killed */
	assert_int_equal(reap_killed(5), 5);
	sbx_cgroup_root_free(root);
}

static void test_freeze_kill_fallback_and_async(void **state)
{
	struct sbx_cgroup_root *root = open_root(NULL);
	struct sbx_cgroup *cg = create(root, "frozen");
	char path[512];
	snprintf(path, sizeof(path), "%s", sbx_cgroup_path(cg));
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	spawn_in(sbx_cgroup_fd(cg), p[1], "cg_sleep", "600", "3", NULL);
	close(p[1]);
	wait_ready(p[0]);
	close(p[0]);
	struct sbx_error err = {0};
	/* the pre-5.14 path: freeze, kill every pid, thaw */
	assert_int_equal(sbx_cgroup_kill_frozen(cg, &err), 0);
	char buf[256];
	assert_true(sbx_read_file_at(sbx_cgroup_fd(cg), "cgroup.freeze", buf, sizeof(buf)) > 0);
	assert_int_equal(buf[0], '0'); /* thawed again */
	/* the asynchronous teardown a runtime's event loop would do */
	int fd = sbx_cgroup_events_fd(cg);
	assert_true(fd >= 0);
	int removed = 0;
	for (int i = 0; i < 100 && !removed; i++) {
		removed = sbx_cgroup_try_remove(cg, &err);
		assert_true(removed >= 0);
		if (!removed) {
			struct pollfd pfd = {.fd = fd, .events = POLLPRI};
			poll(&pfd, 1, 100);
		}
	}
	assert_int_equal(removed, 1);
	assert_false(exists(path));
	sbx_cgroup_free(cg);
	assert_int_equal(reap_killed(4), 4);
	sbx_cgroup_root_free(root);
}

static void test_stats_after_exit(void **state)
{
	struct sbx_cgroup_root *root = open_root(NULL);
	struct sbx_cgroup *cg = create(root, "stats");
	pid_t pid = spawn_in(sbx_cgroup_fd(cg), -1, "cg_spin", "0.5", "1", NULL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct sbx_cgroup_stats st;
	struct sbx_error err = {0};
	assert_int_equal(sbx_cgroup_stats(cg, &st, &err), 0);
	printf("# after exit: cpu %lu us (user %lu, sys %lu), memory peak %lu, pids peak %lu\n",
	       (unsigned long)st.cpu_usage_us, (unsigned long)st.cpu_user_us,
	       (unsigned long)st.cpu_system_us, (unsigned long)st.memory_peak,
	       (unsigned long)st.pids_peak);
	assert_true(st.cpu_usage_us >= 200000);
	assert_true(st.cpu_user_us > st.cpu_system_us);
	assert_true(st.has_memory && st.memory_peak > 0);
	assert_int_equal(st.oom_kills, 0);
	/* the plan enabled the memory controller, so the OOM group kill is set even without a limit
	 */
	char buf[16];
	assert_true(sbx_read_file_at(sbx_cgroup_fd(cg), "memory.oom.group", buf, sizeof(buf)) > 0);
	assert_int_equal(buf[0], '1');
	/* the fast path: the cgroup is already empty */
	assert_int_equal(sbx_cgroup_populated(cg), 0);
	assert_int_equal(sbx_cgroup_destroy(cg, 1000, &err), 0);
	sbx_cgroup_root_free(root);
}

/*
 * A runtime-like process creates a cgroup, starts a sleeper in it (no
 * pdeathsig, as if that had failed) and is SIGKILLed: the next sweep must
 * kill the sleeper and remove the cgroup, and touch nothing else.
 */
static void test_sweep_after_sigkill(void **state)
{
	const char *parent = "/sbxtest-sweep";
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t runtime = fork();
	assert_true(runtime >= 0);
	if (runtime == 0) {
		close(p[0]);
		struct sbx_cgroup_root *root = NULL;
		struct sbx_error err = {0};
		struct sbx_cgroup_root_opts opts = {.mode = SBX_CGROUP_REQUIRED, .parent = parent};
		if (sbx_cgroup_root_open(&opts, &root, &err) < 0)
			_exit(3);
		struct sbx_cgroup_plan *plan = NULL;
		struct sbx_cgroup *cg = NULL;
		if (sbx_cgroup_plan(NULL, NULL, &plan, &err) < 0 ||
		    sbx_cgroup_create(root, plan, "victim", &cg, &err) < 0)
			_exit(4);
		int q[2];
		if (pipe(q) < 0)
			_exit(5);
		pid_t sleeper = spawn_in(sbx_cgroup_fd(cg), q[1], "cg_sleep", "600", "2", NULL);
		close(q[1]);
		wait_ready(q[0]);
		char msg[600];
		int len = snprintf(msg, sizeof(msg), "%d %s\n", (int)sleeper, sbx_cgroup_path(cg));
		if (write(p[1], msg, (size_t)len) != len)
			_exit(6);
		pause();
		_exit(0);
	}
	close(p[1]);
	char msg[600] = "";
	ssize_t n = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	assert_true(n > 0);
	/* "PID PATH\n" */
	char *victim = strchr(msg, ' ');
	assert_non_null(victim);
	*victim++ = '\0';
	victim[strcspn(victim, "\n")] = '\0';
	assert_true(*victim);
	int sleeper = 0;
	assert_int_equal(sbx_parse_int(msg, &sleeper), 0);

	kill(runtime, SIGKILL);
	int status;
	assert_int_equal(waitpid(runtime, &status, 0), runtime);
	/* the leftover: still there, its processes alive (reparented to us) */
	assert_true(exists(victim));
	assert_int_equal(kill(sleeper, 0), 0);

	struct sbx_cgroup_root *root = open_root(parent);
	char foreign[600], stale_rt[600], live_path[600];
	snprintf(foreign, sizeof(foreign), "%s/not-ours", sbx_cgroup_root_parent(root));
	snprintf(stale_rt, sizeof(stale_rt), "%s/" SBX_CGROUP_RUNTIME_PREFIX "999999",
		 sbx_cgroup_root_parent(root));
	assert_int_equal(mkdir(foreign, 0755), 0);
	assert_int_equal(mkdir(stale_rt, 0755), 0);
	struct sbx_cgroup *live = create(root, "live"); /* ours, locked: must survive */
	snprintf(live_path, sizeof(live_path), "%s", sbx_cgroup_path(live));

	unsigned removed = 0;
	struct sbx_error err = {0};
	if (sbx_cgroup_sweep(root, 5000, &removed, &err) < 0)
		fail_msg("sweep: %s", err.msg);
	assert_int_equal(removed, 2); /* the victim and the empty runtime leaf */
	assert_false(exists(victim));
	assert_false(exists(stale_rt));
	assert_true(exists(foreign));
	assert_true(exists(live_path));
	assert_int_equal(reap_killed(3), 3); /* the sleeper and its two children */

	assert_int_equal(sbx_cgroup_destroy(live, 1000, &err), 0);
	assert_int_equal(rmdir(foreign), 0);
	char parent_dir[600];
	snprintf(parent_dir, sizeof(parent_dir), "%s", sbx_cgroup_root_parent(root));
	sbx_cgroup_root_free(root);
	assert_int_equal(rmdir(parent_dir), 0);
}

static void test_create_failure_leaves_nothing(void **state)
{
	struct sbx_cgroup_root *root = open_root("/sbxtest-fail");
	struct sbx_cgroup_plan_opts opts;
	sbx_cgroup_root_plan_opts(root, &opts);
	/* a CPU that does not exist passes the planner but not the kernel */
	struct sbx_resources res = {.cpuset_cpus = "4000"};
	struct sbx_cgroup_plan *plan = NULL;
	struct sbx_error err = {0};
	assert_int_equal(sbx_cgroup_plan(&res, &opts, &plan, &err), 0);
	struct sbx_cgroup *cg = NULL;
	assert_true(sbx_cgroup_create(root, plan, NULL, &cg, &err) < 0);
	assert_null(cg);
	printf("# expected error: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "cpuset.cpus"));
	assert_non_null(strstr(err.msg, "4000"));
	sbx_cgroup_plan_free(plan);
	DIR *d = opendir(sbx_cgroup_root_parent(root));
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		if (strncmp(de->d_name, SBX_CGROUP_PREFIX, strlen(SBX_CGROUP_PREFIX)) == 0)
			fail_msg("left behind: %s", de->d_name);
	closedir(d);
	char parent_dir[600];
	snprintf(parent_dir, sizeof(parent_dir), "%s", sbx_cgroup_root_parent(root));
	sbx_cgroup_root_free(root);
	assert_int_equal(rmdir(parent_dir), 0);
}

/* In a child: join cgroup dir (alone or with a companion), then open the default root. */
static void own_cgroup_case(const char *dir, bool companion, char *out, size_t size)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t other = 0;
	if (companion) {
		other = fork();
		if (other == 0) {
			char pidbuf[16];
			snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
			int fd = open(dir, O_RDONLY | O_DIRECTORY);
			if (fd < 0 || sbx_write_str_at(fd, "cgroup.procs", pidbuf) < 0)
				_exit(1);
			pause();
			_exit(0);
		}
		usleep(200000);
	}
	pid_t child = fork();
	if (child == 0) {
		close(p[0]);
		int fd = open(dir, O_RDONLY | O_DIRECTORY);
		if (fd < 0 || sbx_write_str_at(fd, "cgroup.procs", "0") < 0)
			_exit(1);
		struct sbx_cgroup_root *root = NULL;
		struct sbx_error err = {0};
		struct sbx_cgroup_root_opts opts = {.mode = SBX_CGROUP_AUTO};
		char msg[1024], self[512] = "";
		if (sbx_cgroup_root_open(&opts, &root, &err) < 0) {
			snprintf(msg, sizeof(msg), "error %s", err.msg);
		} else {
			sbx_read_file_at(AT_FDCWD, "/proc/self/cgroup", self, sizeof(self));
			self[strcspn(self, "\n")] = '\0';
			char ctl[96];
			sbx_cgroup_controllers_format(sbx_cgroup_root_controllers(root), ctl,
						      sizeof(ctl));
			snprintf(msg, sizeof(msg), "%s|%s|%s|%s",
				 sbx_cgroup_root_usable(root) ? "usable" : "unusable",
				 sbx_cgroup_root_usable(root) ? self : sbx_cgroup_root_reason(root),
				 sbx_cgroup_root_parent(root) ? sbx_cgroup_root_parent(root) : "-",
				 ctl);
		}
		if (write(p[1], msg, strlen(msg)) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	ssize_t n = read(p[0], out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	int status;
	waitpid(child, &status, 0);
	if (other > 0) {
		kill(other, SIGKILL);
		waitpid(other, &status, 0);
	}
}

static void test_no_internal_processes(void **state)
{
	/* the root offers the controllers to its children (opening the default root enables them)
	 */
	sbx_cgroup_root_free(open_root(NULL));
	/* a "delegated" cgroup, as systemd-run --scope would give the runtime */
	char dir[256];
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/sbxtest-own-%d", (int)getpid());
	assert_int_equal(mkdir(dir, 0755), 0);
	char out[1024];

	/*
	 * alone in it: the runtime moves itself into <own>/sbxctr/sbxrt-<pid> and enables
	 * controllers
	 */
	own_cgroup_case(dir, false, out, sizeof(out));
	printf("# alone: %s\n", out);
	assert_non_null(strstr(out, "usable|0::/sbxtest-own-"));
	assert_non_null(strstr(out, "/sbxctr/" SBX_CGROUP_RUNTIME_PREFIX));
	char parent[300], buf[256];
	snprintf(parent, sizeof(parent), "%s/sbxctr", dir);
	int fd = open(parent, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_true(sbx_read_file_at(fd, "cgroup.subtree_control", buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "memory"));
	assert_non_null(strstr(buf, "pids"));
	close(fd);
	/* the runtime exited: its leaf is empty and the sweep takes it */
	char cgparent[300];
	snprintf(cgparent, sizeof(cgparent), "/sbxtest-own-%d/sbxctr", (int)getpid());
	struct sbx_cgroup_root *root = open_root(cgparent);
	unsigned removed = 0;
	assert_int_equal(sbx_cgroup_sweep(root, 1000, &removed, NULL), 0);
	assert_int_equal(removed, 1);
	sbx_cgroup_root_free(root);
	assert_int_equal(rmdir(parent), 0);
	/* undo the controllers the runtime enabled, so that processes may join dir again */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(
		sbx_write_str_at(fd, "cgroup.subtree_control", "-cpu -cpuset -memory -pids"), 0);
	close(fd);

	/*
	 * with another process in it: nothing is moved, cgroups are unusable, and the reason says
	 * why
	 */
	own_cgroup_case(dir, true, out, sizeof(out));
	printf("# shared: %s\n", out);
	assert_non_null(strstr(out, "unusable|"));
	assert_non_null(strstr(out, "holds processes"));
	assert_non_null(strstr(out, "--cgroup-parent"));
	rmdir(parent);
	assert_int_equal(rmdir(dir), 0);
}

static void test_off_touches_nothing(void **state)
{
	struct sbx_cgroup_root *root = NULL;
	struct sbx_error err = {0};
	struct sbx_cgroup_root_opts opts = {.mode = SBX_CGROUP_OFF, .parent = "/sbxtest-off"};
	assert_int_equal(sbx_cgroup_root_open(&opts, &root, &err), 0);
	assert_false(sbx_cgroup_root_usable(root));
	assert_non_null(strstr(sbx_cgroup_root_reason(root), "--cgroups off"));
	assert_false(exists("/sys/fs/cgroup/sbxtest-off"));
	sbx_cgroup_root_free(root);
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
	helpers = getenv("SBX_HELPERS");
	if (!helpers) {
		printf("SBX_HELPERS is not set\n");
		return 1;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_destroy_kills_and_removes),
		cmocka_unit_test(test_freeze_kill_fallback_and_async),
		cmocka_unit_test(test_stats_after_exit),
		cmocka_unit_test(test_sweep_after_sigkill),
		cmocka_unit_test(test_create_failure_leaves_nothing),
		cmocka_unit_test(test_no_internal_processes),
		cmocka_unit_test(test_off_touches_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

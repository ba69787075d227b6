/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's primitives for the service: a sandbox parked before execve
 * and released with a program of the caller's (the warm pool), and
 * programs run inside a running sandbox with sbx_sandbox_exec() (sessions):
 * identity, capabilities, cwd, env, files in the staged workdir, limits per
 * exec, a pid namespace per exec, the seccomp filter, and nothing left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/bundle.h"
#include "runtime/sandbox.h"
#include "runtime/workdir.h"
#include "core/util.h"

static const char *rootfs(void)
{
	const char *r = getenv("SBX_ROOTFS");
	return r ? r : "build/rootfs";
}

static struct sbx_config *config(char *const *argv)
{
	struct sbx_config *cfg = NULL;
	struct sbx_error err = {0};
	if (sbx_config_default(rootfs(), argv, &cfg, &err) < 0)
		fail_msg("%s", err.msg);
	cfg->io.capture = true;
	cfg->io.inherit_stdin = false;
	return cfg;
}

/* A memfd's contents. */
static char *slurp(int fd)
{
	static char buf[65536];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* A new file on the host side (as the service writes a request's files). */
static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int memfd(void)
{
	int fd = memfd_create("out", MFD_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* Waits, checks, frees. */
static struct sbx_result finish(struct sbx_sandbox *sb)
{
	struct sbx_result res = {0};
	struct sbx_error err = {0};
	if (sbx_sandbox_wait(sb, -1, &res, &err) < 0)
		fail_msg("wait: %s", err.msg);
	return res;
}

/* A sandbox of cfg, started with hold (the child parked). */
static struct sbx_sandbox *parked(struct sbx_config *cfg, enum sbx_hold hold)
{
	struct sbx_sandbox *sb = NULL;
	struct sbx_error err = {0};
	if (sbx_sandbox_create(cfg, &sb, &err) < 0)
		fail_msg("create: %s", err.msg);
	sbx_sandbox_set_hold(sb, hold);
	sbx_sandbox_stage_workdir(sb);
	if (sbx_sandbox_start(sb, &err) < 0)
		fail_msg("start: %s", err.msg);
	assert_true(sbx_sandbox_held(sb));
	return sb;
}

static void test_hold_release(void **state)
{
	char *argv[] = {"/bin/true", NULL};
	struct sbx_config *cfg = config(argv);
	cfg->init = true;
	struct sbx_sandbox *sb = parked(cfg, SBX_HOLD);
	struct sbx_error err = {0};
	/* the request's file, copied into the parked sandbox's workdir */
	const char *stage = sbx_sandbox_stage_path(sb);
	assert_non_null(stage);
	put_file(stage, "in.txt", "from-the-request\n");

	int out = memfd();
	char *prog[] = {"sh", "-c", "cat in.txt; echo $GREETING; pwd; read x; echo got=$x; exit 7", NULL};
	char *env[] = {"PATH=/bin:/usr/bin", "GREETING=hello", NULL};
	int in[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(write(in[1], "line\n", 5), 5);
	close(in[1]);
	struct sbx_run_limits lim = {.wall_time_us = 10000000};
	struct sbx_release rel = {.argv = prog, .env = env, .cwd = "/work", .stdio = {in[0], out, -1}, .limits = &lim};
	if (sbx_sandbox_release(sb, &rel, &err) < 0)
		fail_msg("release: %s", err.msg);
	close(in[0]);
	struct sbx_result res = finish(sb);
	assert_int_equal(res.reason, SBX_REASON_NONE);
	assert_true(res.exited);
	assert_int_equal(res.exit_code, 7);
	assert_string_equal(slurp(out), "from-the-request\nhello\n/work\ngot=line\n");
	close(out);
	sbx_sandbox_free(sb);
	sbx_config_free(cfg);
}

static void test_hold_filtered(void **state)
{
	/* parked with the filter loaded: the released program runs, and is filtered */
	char *argv[] = {"/bin/true", NULL};
	struct sbx_config *cfg = config(argv);
	cfg->init = true;
	struct sbx_sandbox *sb = parked(cfg, SBX_HOLD_FILTERED);
	struct sbx_error err = {0};
	int out = memfd();
	char *prog[] = {"sh", "-c", "unshare -U true 2>/dev/null; echo rc=$?; cat /proc/self/status | grep Seccomp:", NULL};
	char *env[] = {"PATH=/bin", NULL};
	struct sbx_release rel = {.argv = prog, .env = env, .stdio = {-1, out, -1}};
	if (sbx_sandbox_release(sb, &rel, &err) < 0)
		fail_msg("release: %s", err.msg);
	struct sbx_result res = finish(sb);
	assert_true(res.exited);
	assert_string_equal(slurp(out), "rc=1\nSeccomp:\t2\n");
	close(out);
	sbx_sandbox_free(sb);
	sbx_config_free(cfg);
}

static void test_release_limits(void **state)
{
	/* the released program's own wall limit, and a program that does not exist */
	char *argv[] = {"/bin/true", NULL};
	struct sbx_config *cfg = config(argv);
	cfg->init = true;
	struct sbx_error err = {0};
	struct sbx_sandbox *sb = parked(cfg, SBX_HOLD);
	char *prog[] = {"/bin/sleep", "5", NULL};
	struct sbx_run_limits lim = {.wall_time_us = 200000};
	struct sbx_release rel = {.argv = prog, .stdio = {-1, -1, -1}, .limits = &lim};
	assert_int_equal(sbx_sandbox_release(sb, &rel, &err), 0);
	struct sbx_result res = finish(sb);
	assert_int_equal(res.reason, SBX_REASON_WALL_TIME);
	sbx_sandbox_free(sb);

	sb = parked(cfg, SBX_HOLD);
	char *missing[] = {"no-such-program", NULL};
	struct sbx_release rel2 = {.argv = missing, .stdio = {-1, -1, -1}};
	assert_true(sbx_sandbox_release(sb, &rel2, &err) < 0);
	assert_int_equal(err.kind, SBX_ERRK_EXEC_NOENT);
	sbx_sandbox_free(sb);
	sbx_config_free(cfg);
}

/* A session: an idle pid 1 that programs join. */
static struct sbx_sandbox *session(struct sbx_config **ret_cfg)
{
	char *argv[] = {"/bin/true", NULL};
	struct sbx_config *cfg = config(argv);
	struct sbx_error err = {0};
	struct sbx_sandbox *sb = parked(cfg, SBX_HOLD);
	struct sbx_release idle = {.idle = true, .stdio = {-1, -1, -1}};
	if (sbx_sandbox_release(sb, &idle, &err) < 0)
		fail_msg("release idle: %s", err.msg);
	*ret_cfg = cfg;
	return sb;
}

/* Runs one command in the session; returns its result, its stdout in *out. */
static struct sbx_result run_in(struct sbx_sandbox *sb, const char *script, uint64_t cpu_us, uint64_t wall_us,
				const char **out)
{
	char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
	char *env[] = {"PATH=/bin:/usr/bin", "V=42", NULL};
	int fd = memfd();
	struct sbx_exec_spec spec = {.argv = argv, .env = env, .cwd = "/work", .stdio = {-1, fd, -1}, .capture = true,
				     .stderr_to_stdout = true,
				     .limits = {.cpu_time_us = cpu_us, .wall_time_us = wall_us}};
	struct sbx_sandbox *x = NULL;
	struct sbx_error err = {0};
	if (sbx_sandbox_exec(sb, &spec, &x, &err) < 0)
		fail_msg("exec: %s", err.msg);
	struct sbx_result res = finish(x);
	sbx_sandbox_free(x);
	*out = slurp(fd);
	close(fd);
	return res;
}

static void test_session_execs(void **state)
{
	struct sbx_config *cfg;
	struct sbx_sandbox *sb = session(&cfg);
	const char *out;
	struct sbx_result r = run_in(sb, "echo $V > f.txt; id -u; pwd; grep CapEff /proc/self/status", 0, 10000000, &out);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(out, "0\n/work\nCapEff:\t0000000000000000\n");
	/* the next exec sees the first one's file; its own pid namespace: it is pid 1 there */
	r = run_in(sb, "cat f.txt; echo $$", 0, 10000000, &out);
	assert_true(r.exited && r.reason == SBX_REASON_NONE);
	assert_string_equal(out, "42\n1\n");
	/* files written from the host side, owned by the sandbox's user */
	put_file(sbx_sandbox_stage_path(sb), "host.txt", "from-host\n");
	r = run_in(sb, "cat host.txt", 0, 10000000, &out);
	assert_true(r.exited && r.reason == SBX_REASON_NONE);
	assert_string_equal(out, "from-host\n");
	/* limits per exec */
	r = run_in(sb, "while :; do :; done", 200000, 10000000, &out);
	assert_int_equal(r.reason, SBX_REASON_CPU_TIME);
	r = run_in(sb, "sleep 10", 0, 200000, &out);
	assert_int_equal(r.reason, SBX_REASON_WALL_TIME);
	/* what an exec leaves running ends with it */
	r = run_in(sb, "sleep 100 & echo started", 0, 10000000, &out);
	assert_true(r.exited && r.reason == SBX_REASON_NONE);
	assert_string_equal(out, "started\n");
	r = run_in(sb, "ps -o comm | grep -c sleep", 0, 10000000, &out);
	assert_true(r.exited && r.reason == SBX_REASON_NONE);
	assert_string_equal(out, "0\n");
	/* the default filter is loaded: a forbidden call fails (unshare -> EPERM) */
	r = run_in(sb, "unshare -U true 2>/dev/null; echo rc=$?", 0, 10000000, &out);
	assert_true(r.exited && r.reason == SBX_REASON_NONE);
	assert_string_equal(out, "rc=1\n");
	/* the session's pid 1 survives what its programs do to it */
	r = run_in(sb, "kill -9 1; kill -TERM 1; echo sent", 0, 10000000, &out);
	assert_true(r.exited && r.reason == SBX_REASON_NONE);
	assert_true(sbx_sandbox_alive(sb));
	r = run_in(sb, "echo still-there", 0, 10000000, &out);
	assert_true(r.exited && r.reason == SBX_REASON_NONE);
	assert_string_equal(out, "still-there\n");
	/* a missing program is an exec error, not a result */
	char *missing[] = {"no-such-program", NULL};
	struct sbx_exec_spec spec = {.argv = missing, .stdio = {-1, -1, -1}};
	struct sbx_sandbox *x = NULL;
	struct sbx_error err = {0};
	assert_true(sbx_sandbox_exec(sb, &spec, &x, &err) < 0);
	assert_int_equal(err.kind, SBX_ERRK_EXEC_NOENT);
	pid_t pid1 = sbx_sandbox_pid(sb);
	sbx_sandbox_free(sb);
	sbx_config_free(cfg);
	assert_true(kill(pid1, 0) < 0);
}

static int setup(void **state)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root\n");
		exit(77);
	}
	struct sbx_error err = {0};
	if (sbx_runtime_private_mounts(&err) < 0)
		fail_msg("%s", err.msg);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_release),
		cmocka_unit_test(test_hold_filtered),
		cmocka_unit_test(test_release_limits),
		cmocka_unit_test(test_session_execs),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public C API as an embedder sees it: this file includes no project
 * header but <sbxctr.h>, is compiled with only include/ on its path and
 * links libsbxctr.so. The option and error checks run as anyone; the
 * sandboxes need root (exit 77 otherwise).
 */
#include <sbxctr.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fails;
static int count;

#define CHECK(cond, ...)                                                                                     \
	do {                                                                                                 \
		count++;                                                                                     \
		if (cond) {                                                                                  \
			printf("ok %d - ", count);                                                           \
		} else {                                                                                     \
			fails++;                                                                             \
			printf("not ok %d - ", count);                                                       \
		}                                                                                            \
		printf(__VA_ARGS__);                                                                         \
		printf("\n");                                                                                \
	} while (0)

static void options_and_errors(void)
{
	sbxctr_error err = {0};
	CHECK(sbxctr_version() && *sbxctr_version(), "a version: %s", sbxctr_version());
	sbxctr_options *o = sbxctr_options_new();
	CHECK(sbxctr_options_set(o, "memory", "256M", &err) == 0, "set memory 256M");
	CHECK(sbxctr_options_set(o, "memory", "lots", &err) == -EINVAL && strstr(err.message, "--memory: invalid size") &&
		      err.code == EINVAL && err.kind == SBXCTR_ERROR_INTERNAL,
	      "a bad size names the option: %s", err.message);
	CHECK(sbxctr_options_set(o, "no-such-option", "1", &err) == -EINVAL && strstr(err.message, "no-such-option"),
	      "an unknown option is refused by name: %s", err.message);
	CHECK(sbxctr_options_set(o, "env", "A=1", &err) == 0 && sbxctr_options_set(o, "env", "B=2", &err) == 0,
	      "env is repeatable");
	CHECK(sbxctr_options_set(o, "init", "maybe", &err) == -EINVAL, "init takes true or false: %s", err.message);
	static const char json[] = "{\"time\": 1.5, \"pids\": 0}";
	CHECK(sbxctr_options_set_json(o, json, strlen(json), &err) == -EINVAL && strstr(err.message, "pids"),
	      "job-line fields: the bad one is named: %s", err.message);
	static const char json2[] = "{\"time\": 1.5, \"files\": {\"in.txt\": {\"text\": \"hi\"}}}";
	CHECK(sbxctr_options_set_json(o, json2, strlen(json2), &err) == 0, "job-line fields");
	CHECK(sbxctr_options_pass_fd(o, 987, &err) == -EBADF, "passing a closed fd: %s", err.message);
	CHECK(sbxctr_options_pass_fd(o, 0, &err) == 3, "the first passed fd is 3");
	CHECK(sbxctr_options_pass_fd(o, 1, &err) == 4, "the second is 4");
	sbxctr_sandbox *sb = NULL;
	CHECK(sbxctr_sandbox_create(o, &sb, &err) == -EINVAL && strstr(err.message, "rootfs") && !sb,
	      "no rootfs and no bundle: %s", err.message);
	sbxctr_options_free(o);
	CHECK(strcmp(sbxctr_reason_name(SBXCTR_REASON_MEMORY), "memory") == 0, "reason names");
	sbxctr_options_free(NULL);
	sbxctr_sandbox_destroy(NULL);
}

/* Runs argv in a sandbox on rootfs; returns the report's exit status (or -errno from a step). */
static int run(const char *rootfs, const char *const *argv, char *json, size_t size, sbxctr_error *err)
{
	sbxctr_options *o = sbxctr_options_new();
	sbxctr_sandbox *sb = NULL;
	int r = sbxctr_options_set(o, "rootfs", rootfs, err);
	if (r == 0)
		r = sbxctr_options_set_argv(o, argv, err);
	if (r == 0)
		r = sbxctr_options_set(o, "time", "5", err);
	/* a reaping init: the program dies of its own signals like any process, not as a pid 1 */
	if (r == 0)
		r = sbxctr_options_set(o, "init", "true", err);
	if (r == 0)
		r = sbxctr_sandbox_create(o, &sb, err);
	sbxctr_options_free(o);
	if (r == 0)
		r = sbxctr_sandbox_start(sb, err);
	if (r == 0)
		r = sbxctr_sandbox_wait(sb, -1, err);
	if (r == 0) {
		const sbxctr_report *rep = sbxctr_sandbox_report(sb);
		r = sbxctr_report_exit_status(rep);
		char *j = sbxctr_report_json(rep);
		snprintf(json, size, "%s", j);
		free(j);
	}
	sbxctr_sandbox_destroy(sb);
	return r;
}

static void sandboxes(const char *rootfs)
{
	sbxctr_error err = {0};
	char json[8192];
	int r = run(rootfs, (const char *const[]){"/bin/true", NULL}, json, sizeof(json), &err);
	CHECK(r == 0 && strstr(json, "\"reason\":\"none\""), "/bin/true: exit 0, reason none (%d %s)", r, err.message);
	r = run(rootfs, (const char *const[]){"/bin/sh", "-c", "exit 3", NULL}, json, sizeof(json), &err);
	CHECK(r == 3 && strstr(json, "\"exit_code\":3"), "exit 3 is reported (%d)", r);
	r = run(rootfs, (const char *const[]){"/bin/sh", "-c", "kill -9 $$", NULL}, json, sizeof(json), &err);
	CHECK(r == SBXCTR_EXIT_SIGNAL_BASE + 9, "a signal is 128+N (%d)", r);
	r = run(rootfs, (const char *const[]){"/no/such/program", NULL}, json, sizeof(json), &err);
	CHECK(r == -ENOENT && err.kind == SBXCTR_ERROR_EXEC_NOT_FOUND && strstr(err.message, "/no/such/program"),
	      "a missing program: start fails with EXEC_NOT_FOUND (%d: %s)", r, err.message);

	/* a passed fd is fd 3 inside; stdio from the caller's fds */
	int p[2];
	if (pipe(p) == 0) {
		sbxctr_options *o = sbxctr_options_new();
		sbxctr_sandbox *sb = NULL;
		int devnull = open("/dev/null", O_RDWR);
		sbxctr_options_set(o, "rootfs", rootfs, &err);
		sbxctr_options_set_argv(o, (const char *const[]){"/bin/sh", "-c", "echo fd3 >&3; echo out", NULL}, &err);
		int three = sbxctr_options_pass_fd(o, p[1], &err);
		sbxctr_options_set_stdio(o, devnull, p[1], devnull, &err);
		r = sbxctr_sandbox_create(o, &sb, &err);
		if (r == 0)
			r = sbxctr_sandbox_start(sb, &err);
		if (r == 0)
			r = sbxctr_sandbox_wait(sb, -1, &err);
		sbxctr_sandbox_destroy(sb);
		sbxctr_options_free(o);
		close(p[1]);
		char buf[64] = {0};
		ssize_t n = read(p[0], buf, sizeof(buf) - 1);
		CHECK(three == 3 && r == 0 && n > 0 && strcmp(buf, "fd3\nout\n") == 0,
		      "a passed fd is fd 3 inside, stdout the caller's fd (%d, \"%s\")", r, buf);
		close(p[0]);
		close(devnull);
	}
}

int main(void)
{
	options_and_errors();
	const char *rootfs = getenv("SBX_ROOTFS");
	if (geteuid() == 0 && rootfs)
		sandboxes(rootfs);
	else
		printf("# not root or SBX_ROOTFS unset: no sandbox runs\n");
	printf("1..%d\n", count);
	if (fails)
		return 1;
	return geteuid() == 0 && rootfs ? 0 : 77;
}

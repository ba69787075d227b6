/* SPDX-License-Identifier: Apache-2.0 */
/* `sbxctr seccomp check|export`: output, exit codes and messages. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/verbs.h"
#include "profiles/seccomp_builtin.h"
#include "profiles/seccomp_filter.h"
#include "core/cleanup.h"
#include "core/util.h"

struct run_result {
	int rc;
	char *out;
	char *err;
};

static char *slurp(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf = sbx_xcalloc(1, (size_t)size + 1);
	assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
	return buf;
}

/* Runs the CLI with stdout and stderr captured in memfds. */
static struct run_result run(const char *first, ...)
{
	char *argv[32] = {"seccomp", (char *)first};
	int argc = first ? 2 : 1;
	va_list ap;
	va_start(ap, first);
	for (char *a; first && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);

	fflush(stdout);
	fflush(stderr);
	int o = memfd_create("out", 0), e = memfd_create("err", 0);
	int saved_o = dup(STDOUT_FILENO), saved_e = dup(STDERR_FILENO);
	dup2(o, STDOUT_FILENO);
	dup2(e, STDERR_FILENO);
	struct run_result r = {.rc = sbx_cmd_seccomp(argc, argv)};
	fflush(stdout);
	fflush(stderr);
	dup2(saved_o, STDOUT_FILENO);
	dup2(saved_e, STDERR_FILENO);
	close(saved_o);
	close(saved_e);
	r.out = slurp(o);
	r.err = slurp(e);
	close(o);
	close(e);
	return r;
}

static void run_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
}

static char *write_temp(const char *text)
{
	char *path = sbx_xstrdup("/tmp/sbx-seccomp-cli-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(sbx_write_all(fd, text, strlen(text)), 0);
	close(fd);
	return path;
}

static void test_help(void **state)
{
	struct run_result r = run("--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "sbxctr seccomp check PROFILE"));
	run_free(&r);
}

static void test_check_shipped(void **state)
{
	struct run_result r = run("check", "default", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "default action: ERRNO(38)"));
	assert_non_null(strstr(r.out, "bounding caps: none"));
	assert_non_null(strstr(r.out, "warnings: none"));
	/* per-syscall decisions, sorted by name */
	assert_non_null(strstr(r.out, "\n  ptrace "));
	char *ptrace = strstr(r.out, "\n  ptrace ");
	char *eol = strchr(ptrace + 1, '\n');
	*eol = '\0';
	assert_non_null(strstr(ptrace, "ERRNO(1)"));
	*eol = '\n';
	assert_non_null(strstr(r.out, "conditional: ALLOW if (arg0 & 0x7e020000) == 0"));
	assert_true(strstr(r.out, "\n  accept ") < strstr(r.out, "\n  write "));
	run_free(&r);

	r = run("check", "compute-only", "--caps", "docker,sys_admin", "--kernel", "4.4", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "kernel 4.4"));
	assert_non_null(strstr(r.out, "CAP_SYS_ADMIN"));
	assert_non_null(strstr(r.out, "KILL_PROCESS"));
	run_free(&r);
}

static void test_check_reports_drops_and_warnings(void **state)
{
	_cleanup_free_ char *path = write_temp("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
					       "[{\"names\":[\"read\",\"bogus_call\"],"
					       "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":["
					       "\"mount\"],\"action\":\"SCMP_ACT_ALLOW\","
					       "\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}");
	struct run_result r = run("check", path, "--arch", "amd64", NULL);
	unlink(path);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "syscalls[1] (mount) dropped: includes.caps"));
	assert_non_null(strstr(r.out, "unknown to libseccomp"));
	assert_non_null(strstr(r.out, "bogus_call"));
	/* runc's quirk: read is number 0, so no threshold and no stub */
	assert_non_null(strstr(r.out, "ENOSYS stub: none (no syscall numbered above 0"));
	assert_non_null(strstr(r.out, "no ENOSYS stub for x86_64"));
	run_free(&r);
}

static void test_export(void **state)
{
	char bpf[] = "/tmp/sbx-seccomp-bpf-XXXXXX";
	close(mkstemp(bpf));
	struct run_result r = run("export", "default", "--bpf", bpf, NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, ""); /* zero warnings */
	run_free(&r);
	_cleanup_free_ char *bytes = NULL;
	size_t len = 0;
	assert_int_equal(sbx_read_all(bpf, 1 << 20, &bytes, &len), 0);
	unlink(bpf);
	/* the same bytes as compiling in-process */
	struct sbx_seccomp_env env;
	struct sbx_error err = {0};
	assert_int_equal(sbx_seccomp_env_host(&env, 0, &err), 0);
	const char *text = sbx_seccomp_builtin_profile("default");
	struct sbx_seccomp_profile *p = NULL;
	struct sbx_seccomp_filter *f = NULL;
	assert_int_equal(sbx_seccomp_profile_parse("default", text, strlen(text), &p, &err), 0);
	assert_int_equal(sbx_seccomp_compile(p, &env, &f, &err), 0);
	assert_int_equal(len, f->prog->len * sizeof(struct sock_filter));
	assert_memory_equal(bytes, f->prog->insns, len);
	sbx_seccomp_filter_free(f);
	sbx_seccomp_profile_free(p);

	r = run("export", "compute-only", "--pfc", "-", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "# ENOSYS stub"));
	assert_non_null(strstr(r.out, "action KILL_PROCESS;"));
	run_free(&r);
}

static void test_errors(void **state)
{
	struct {
		const char *args[6];
		const char *msg;
	} cases[] = {
		{{NULL}, "sbxctr: seccomp: missing subcommand"},
		{{"frob", "default"}, "sbxctr: seccomp: unknown subcommand \"frob\""},
		{{"check"}, "sbxctr: seccomp: check: missing PROFILE"},
		{{"check", "default", "--caps", "CAP_NOPE"},
		 "--caps: unknown capability \"CAP_NOPE\""},
		{{"check", "default", "--arch", "pdp11"}, "--arch: unknown architecture \"pdp11\""},
		{{"check", "default", "--kernel", "5"}, "--kernel: expected X.Y, got \"5\""},
		{{"check", "default", "--kernel"}, "option --kernel needs a value"},
		{{"check", "default", "--frob"}, "unknown option --frob"},
		{{"check", "default", "--bpf", "x"}, "--bpf and --pfc belong to export"},
		{{"export", "default"}, "give exactly one of --bpf FILE or --pfc FILE"},
		{{"check", "/nonexistent/p.json"}, "cannot read /nonexistent/p.json"},
		{{"export", "{}", "--bpf", "-"}, "cannot read {}"},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		const char **a = cases[i].args;
		struct run_result r = run(a[0], a[1], a[2], a[3], a[4], a[5]);
		assert_int_equal(r.rc, 125);
		if (!strstr(r.err, cases[i].msg))
			fail_msg("case %zu: stderr \"%s\" lacks \"%s\"", i, r.err, cases[i].msg);
		run_free(&r);
	}
	/* a profile error names the file and the JSON path */
	_cleanup_free_ char *path = write_temp(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
		"\"action\":"
		"\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_FOO\"}]}]}");
	struct run_result r = run("check", path, NULL);
	assert_int_equal(r.rc, 125);
	_cleanup_free_ char *want = sbx_xasprintf(
		"sbxctr: seccomp: %s: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_FOO\"\n",
		path);
	assert_string_equal(r.err, want);
	run_free(&r);
	unlink(path);
	/* an unconfined profile: check explains, export refuses */
	_cleanup_free_ char *empty = write_temp("{}");
	r = run("check", empty, NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "UNCONFINED"));
	run_free(&r);
	r = run("export", empty, "--pfc", "-", NULL);
	assert_int_equal(r.rc, 125);
	assert_non_null(strstr(r.err, "unconfined"));
	run_free(&r);
	unlink(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_check_shipped),
		cmocka_unit_test(test_check_reports_drops_and_warnings),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Batch job lines: every field, every class of bad input, and the job -> config mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cgroups/limits.h"
#include "batch/batch.h"
#include "runtime/bundle.h"
#include "core/cleanup.h"
#include "batch/jobs.h"
#include "core/util.h"
#include "profiles/seccomp_builtin.h"

static struct sbx_job *parse_ok(const char *line)
{
	struct sbx_job *job = NULL;
	struct sbx_error err = {0};
	if (sbx_job_parse(line, strlen(line), "jobs.jsonl:1", &job, &err) < 0)
		fail_msg("unexpected error: %s (line %s)", err.msg, line);
	return job;
}

/* The whole message, so that the line number and the field are checked too. */
static void expect_err(const char *line, const char *want)
{
	struct sbx_job *job = NULL;
	struct sbx_error err = {0};
	if (sbx_job_parse(line, strlen(line), "jobs.jsonl:17", &job, &err) >= 0)
		fail_msg("expected an error [%s] for %s", want, line);
	if (!strstr(err.msg, want))
		fail_msg("error [%s] does not contain [%s]", err.msg, want);
	assert_true(err.code > 0);
	assert_null(job);
}

static void test_minimal(void **state)
{
	struct sbx_job *j = parse_ok("{\"id\": \"a\", \"argv\": [\"/bin/true\"]}");
	assert_string_equal(j->id, "a");
	assert_string_equal(j->run.argv[0], "/bin/true");
	assert_null(j->run.argv[1]);
	assert_null(j->run.bundle);
	assert_null(j->run.rootfs);
	assert_null(j->compile);
	assert_int_equal(j->n_tests, 0);
	assert_false(j->run.set[SBX_OPT_INIT]);
	sbx_job_free(j);
}

/* both sides of a copy are separate fields: ':' is an ordinary character in either */
static void test_colons_in_paths(void **state)
{
	struct sbx_job *j = parse_ok("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"in:1\": \"/h/a:b\"},"
				     " \"copy_out\": {\"out:1\": \"/h/r:1\"}}");
	const struct sbx_options *s = &j->run;
	assert_int_equal(s->n_files, 1);
	assert_string_equal(s->files[0].sandbox, "in:1");
	assert_string_equal(s->files[0].host, "/h/a:b");
	assert_int_equal(s->n_copy_out, 1);
	assert_string_equal(s->copy_out[0].sandbox, "out:1");
	assert_string_equal(s->copy_out[0].host, "/h/r:1");
	sbx_job_free(j);
}

static void test_every_field(void **state)
{
	struct sbx_job *j = parse_ok(
		"{\"id\": \"all\", \"rootfs\": \"/r\", \"workdir\": \"/w\", \"argv\": [\"p\", \"x\"],"
		" \"env\": {\"A\": \"1\", \"B\": \"\"}, \"stdin\": \"/in\", \"stdout\": \"/o\", \"stderr\": \"/e\","
		" \"files\": {\"src/a.c\": \"/h/a.c\", \"b\": {\"text\": \"hi\\u0000x\", \"mode\": \"0755\"},"
		"  \"c\": {\"host\": \"/h/c\"}, \"d\": {\"text\": \"\", \"mode\": 384}},"
		" \"copy_out\": {\"out/r.txt\": \"/h/r.txt\"}, \"copy_out_max\": \"1k\","
		" \"time\": 1.5, \"wall_time\": \"300ms\", \"memory\": \"256M\", \"memory_swap\": 0, \"pids\": 64,"
		" \"cpus\": 0.5, \"output_limit\": 1048576, \"fsize\": \"10k\", \"nofile\": 32, \"stack\": \"8M\","
		" \"workdir_size\": \"16M\", \"seccomp\": \"unconfined\", \"net\": \"none\", \"init\": false,"
		" \"cgroups\": \"best-effort\"}");
	assert_string_equal(j->run.rootfs, "/r");
	assert_string_equal(j->run.workdir, "/w");
	const struct sbx_options *s = &j->run;
	assert_string_equal(s->argv[1], "x");
	assert_string_equal(s->env[0], "A=1");
	assert_string_equal(s->env[1], "B=");
	assert_string_equal(s->stdin_path, "/in");
	assert_string_equal(s->stdout_path, "/o");
	assert_string_equal(s->stderr_path, "/e");
	assert_int_equal(s->n_files, 4);
	assert_string_equal(s->files[0].sandbox, "src/a.c");
	assert_string_equal(s->files[0].host, "/h/a.c");
	assert_null(s->files[0].text);
	assert_string_equal(s->files[1].sandbox, "b");
	assert_null(s->files[1].host);
	assert_int_equal(s->files[1].text_len, 4); /* a NUL inside inline contents is kept */
	assert_memory_equal(s->files[1].text, "hi\0x", 4);
	assert_int_equal(s->files[1].mode, 0755);
	assert_string_equal(s->files[2].host, "/h/c");
	assert_int_equal(s->files[2].mode, 0644);
	assert_int_equal(s->files[3].text_len, 0);
	assert_int_equal(s->files[3].mode, 0600);
	assert_int_equal(s->n_copy_out, 1);
	assert_string_equal(s->copy_out[0].sandbox, "out/r.txt");
	assert_string_equal(s->copy_out[0].host, "/h/r.txt");
	assert_true(s->set[SBX_OPT_COPY_OUT_MAX]);
	assert_int_equal(s->copy_out_max, 1024);
	assert_int_equal(s->time_us, 1500000);
	assert_int_equal(s->wall_time_us, 300000);
	assert_true(s->set[SBX_OPT_MEMORY]);
	assert_int_equal(s->memory, 256 << 20);
	assert_true(s->set[SBX_OPT_MEMORY_SWAP]);
	assert_int_equal(s->memory_swap, 0);
	assert_int_equal(s->pids, 64);
	assert_int_equal(s->cpus_ppm, 500000);
	assert_int_equal(s->output_limit, 1 << 20);
	assert_int_equal(s->fsize, 10240);
	assert_int_equal(s->nofile, 32);
	assert_int_equal(s->stack, 8 << 20);
	assert_int_equal(s->workdir_size, 16 << 20);
	assert_string_equal(s->seccomp, "unconfined");
	assert_string_equal(s->net.mode, "none");
	assert_true(s->set[SBX_OPT_INIT]);
	assert_false(s->init);
	assert_true(s->set[SBX_OPT_CGROUPS]);
	assert_string_equal(s->cgroups, "best-effort");
	sbx_job_free(j);

	j = parse_ok("{\"id\": \"b\", \"bundle\": \"/b\", \"stdin_text\": \"1 2\\n\", \"stderr_to_stdout\": true,"
		     " \"env\": [\"X=y=z\"], \"time\": 2, \"seccomp\": \"/p.json\", \"net\": \"veth\"}");
	assert_string_equal(j->run.bundle, "/b");
	assert_null(j->run.argv); /* a bundle has its own process.args */
	assert_string_equal(j->run.stdin_text, "1 2\n");
	assert_int_equal(j->run.stdin_text_len, 4);
	assert_true(j->run.set[SBX_OPT_STDERR_TO_STDOUT]);
	assert_true(j->run.stderr_to_stdout);
	assert_string_equal(j->run.env[0], "X=y=z");
	assert_int_equal(j->run.time_us, 2000000);
	assert_string_equal(j->run.seccomp, "/p.json");
	sbx_job_free(j);
}

static void test_compile_and_tests(void **state)
{
	struct sbx_job *j = parse_ok(
		"{\"id\": \"c\", \"files\": {\"m.c\": {\"text\": \"int main;\"}},"
		" \"compile\": {\"argv\": [\"cc\", \"m.c\"], \"artifacts\": [\"a.out\", \"lib/x.so\"], \"time\": 10,"
		"  \"memory\": \"1G\", \"seccomp\": \"default\", \"stderr\": \"/h/cc.err\"},"
		" \"argv\": [\"./a.out\"], \"time\": 1,"
		" \"tests\": [{\"id\": \"t1\", \"stdin\": \"/h/1.in\", \"stdout\": \"/h/1.out\"},"
		"  {\"id\": \"t2\", \"stdin_text\": \"5\", \"argv\": [\"./a.out\", \"-v\"], \"time\": 2}]}");
	assert_non_null(j->compile);
	assert_string_equal(j->compile->argv[0], "cc");
	assert_int_equal(j->compile->time_us, 10000000);
	assert_int_equal(j->compile->memory, 1 << 30);
	assert_string_equal(j->compile->stderr_path, "/h/cc.err");
	assert_string_equal(j->artifacts[0], "a.out");
	assert_string_equal(j->artifacts[1], "lib/x.so");
	assert_null(j->artifacts[2]);
	assert_int_equal(j->n_tests, 2);
	assert_string_equal(j->tests[0].id, "t1");
	assert_string_equal(j->tests[0].step.stdin_path, "/h/1.in");
	assert_string_equal(j->tests[1].step.stdin_text, "5");
	assert_int_equal(j->tests[1].step.time_us, 2000000);
	assert_string_equal(sbx_job_argv(j, SBX_JOB_COMPILE, SBX_JOB_NO_TEST)[0], "cc");
	assert_string_equal(sbx_job_argv(j, SBX_JOB_RUN, 0)[0], "./a.out");
	assert_string_equal(sbx_job_argv(j, SBX_JOB_RUN, 1)[1], "-v");
	assert_null(sbx_job_argv(j, SBX_JOB_RUN, SBX_JOB_NO_TEST)[1]);
	sbx_job_free(j);
	/* argv may come from the tests alone */
	j = parse_ok("{\"id\": \"d\", \"tests\": [{\"id\": \"x\", \"argv\": [\"a\"]}]}");
	sbx_job_free(j);
}

static void test_bad_json(void **state)
{
	expect_err("not json", "jobs.jsonl:17: invalid JSON");
	expect_err("{\"id\": \"a\",", "jobs.jsonl:17: invalid JSON");
	expect_err("[1, 2]", "jobs.jsonl:17: (top level): expected an object, got an array");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"]} {}", "jobs.jsonl:17: invalid JSON at byte 27");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"pids\": 99999999999999999999999}", "does not fit in 64 bits");
}

static void test_bad_id(void **state)
{
	expect_err("{\"argv\": [\"x\"]}", "jobs.jsonl:17: id: missing");
	expect_err("{\"id\": 7, \"argv\": [\"x\"]}", "jobs.jsonl:17: id: expected a string, got 7");
	expect_err("{\"id\": \"\", \"argv\": [\"x\"]}", "id: expected a non-empty id without control characters");
	expect_err("{\"id\": \"a\\nb\", \"argv\": [\"x\"]}", "id: expected a non-empty id");
	expect_err("{\"id\": \"a\\u0000b\", \"argv\": [\"x\"]}", "id: string contains a NUL byte");
	char line[600];
	char longid[300];
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	snprintf(line, sizeof(line), "{\"id\": \"%s\", \"argv\": [\"x\"]}", longid);
	expect_err(line, "id: expected a non-empty id");
	assert_true(sbx_job_id_valid("job 1/ü"));
	assert_false(sbx_job_id_valid(""));
	assert_false(sbx_job_id_valid("a\tb"));
}

static void test_bad_fields(void **state)
{
	/* the issue's own example, to the letter */
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"time\": \"x\"}",
		   "jobs.jsonl:17: time: expected a number of seconds, got \"x\"");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"time\": -1}", "time: expected a number of seconds, got -1");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"time\": 0}", "time: expected a number of seconds, got 0");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"wall_time\": true}", "wall_time: expected a number of seconds");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"tme\": 1}", "jobs.jsonl:17: tme: unknown field");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"memory\": \"lots\"}",
		   "memory: expected a size in bytes (e.g. 1048576 or \"1M\"), got \"lots\"");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"memory\": 100}", "memory: expected a memory size of at least 4096");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"memory\": -5}", "memory: expected a size in bytes");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"output_limit\": 1.5}", "output_limit: expected a size");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"pids\": 0}", "pids: expected an integer from 1 to 4194304, got 0");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"nofile\": \"8\"}", "nofile: expected an integer from 1");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"cpus\": 0}", "cpus: expected a number of CPUs from 0.01 to 1024");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"cpus\": 0.005}", "cpus: expected a number of CPUs");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"cgroups\": \"maybe\"}",
		   "cgroups: expected \"auto\", \"required\", \"best-effort\" or \"off\", got \"maybe\"");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"cpus\": 2000}", "cpus: expected a number of CPUs");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"cpus\": \"1\"}", "cpus: expected a number of CPUs");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"workdir_size\": 10}", "workdir_size: expected a size of at least");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"net\": \"bridge\"}",
		   "net: expected \"none\", \"veth\", \"pasta\" or \"host\", got \"bridge\"");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"init\": 1}", "init: expected a boolean, got 1");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"seccomp\": \"\"}", "seccomp: expected a non-empty string");
	expect_err("{\"id\": \"a\", \"argv\": []}", "argv: expected a non-empty array of strings");
	expect_err("{\"id\": \"a\", \"argv\": [\"\"]}", "argv: expected a non-empty array of strings");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\", 3]}", "argv[1]: expected a string, got 3");
	expect_err("{\"id\": \"a\", \"argv\": \"x\"}", "argv: expected an array of strings");
	expect_err("{\"id\": \"a\"}", "jobs.jsonl:17: argv: missing");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"bundle\": \"/b\", \"rootfs\": \"/r\"}",
		   "rootfs: \"bundle\" and \"rootfs\" exclude each other");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"workdir\": \"rel\"}", "workdir: \"rel\" must be an absolute path");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"workdir\": \"/a/../b\"}", "must be an absolute path");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"stdin\": \"/i\", \"stdin_text\": \"x\"}",
		   "stdin_text: \"stdin\" and \"stdin_text\" exclude each other");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"stderr\": \"/e\", \"stderr_to_stdout\": true}",
		   "\"stderr\" and \"stderr_to_stdout\" exclude each other");
}

static void test_bad_env_files(void **state)
{
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"env\": {\"A=B\": \"1\"}}", "env.A=B: invalid variable name");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"env\": {\"A\": 1}}", "env.A: expected a string, got 1");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"env\": [\"NOEQUALS\"]}", "env[0]: expected \"KEY=VALUE\"");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"env\": [\"=v\"]}", "env[0]: expected \"KEY=VALUE\"");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"env\": \"A=1\"}", "env: expected an object");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"../x\": \"/h\"}}",
		   "files.../x: \"../x\" must stay inside the workdir");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"\": \"/h\"}}", "files.: empty path");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"f\": 1}}",
		   "files.f: expected a host path or {\"text\": ...}, got 1");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"f\": \"\"}}", "files.f: expected a non-empty string");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"f\": {}}}",
		   "files.f: give exactly one of \"host\" and \"text\"");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"f\": {\"text\": \"\", \"host\": \"/h\"}}}",
		   "give exactly one of");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"f\": {\"text\": \"\", \"mode\": \"04755\"}}}",
		   "files.f.mode: expected a file mode from \"0000\" to \"0777\", got \"04755\"");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"f\": {\"text\": \"\", \"mode\": \"rwx\"}}}",
		   "files.f.mode: expected a file mode");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"f\": {\"text\": 5}}}",
		   "files.f.text: expected a string, got 5");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": {\"f\": {\"txt\": \"\"}}}", "files.f.txt: unknown field");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"files\": [\"f\"]}", "files: expected an object, got an array");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"copy_out\": {\"../../etc/x\": \"/h\"}}",
		   "copy_out.../../etc/x: \"../../etc/x\" must stay inside the workdir");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"copy_out\": {\"r\": 1}}", "copy_out.r: expected a string");
}

static void test_bad_compile_tests(void **state)
{
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"compile\": {\"artifacts\": [\"a\"]}}",
		   "jobs.jsonl:17: compile.argv: missing (the compile command)");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"compile\": {\"argv\": [\"cc\"], \"artifacts\": [\"../a\"]}}",
		   "compile.artifacts[0]: \"../a\" must stay inside the workdir");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"compile\": {\"argv\": [\"cc\"], \"tests\": []}}",
		   "compile.tests: unknown field");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"compile\": {\"argv\": [\"cc\"], \"time\": \"soon\"}}",
		   "compile.time: expected a number of seconds, got \"soon\"");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"compile\": [\"cc\"]}", "compile: expected an object");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"tests\": []}", "tests: expected a non-empty array of tests");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"tests\": {}}", "tests: expected an array");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"tests\": [{\"stdin\": \"/i\"}]}",
		   "tests[0].id: missing (every test needs an id)");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"tests\": [{\"id\": \"t\"}, {\"id\": \"t\"}]}",
		   "tests[1].id: \"t\" is already the id of tests[0]");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"tests\": [{\"id\": \"t\", \"bundle\": \"/b\"}]}",
		   "tests[0].bundle: unknown field");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"tests\": [{\"id\": \"t\", \"time\": \"x\"}]}",
		   "jobs.jsonl:17: tests[0].time: expected a number of seconds, got \"x\"");
	expect_err("{\"id\": \"a\", \"argv\": [\"x\"], \"tests\": [3]}", "tests[0]: expected an object, got 3");
	expect_err("{\"id\": \"a\", \"tests\": [{\"id\": \"t\"}]}", "argv: missing");
}

static void test_peek_id(void **state)
{
	const char *l = "{\"id\": \"x1\", \"time\": \"bad\"}";
	_cleanup_free_ char *id = sbx_job_peek_id(l, strlen(l));
	assert_string_equal(id, "x1");
	l = "{\"id\": 5}";
	assert_null(sbx_job_peek_id(l, strlen(l)));
	l = "{\"id\": \"\"}";
	assert_null(sbx_job_peek_id(l, strlen(l)));
	l = "{\"id\": \"x";
	assert_null(sbx_job_peek_id(l, strlen(l)));
}

/* --- job -> config ---------------------------------------------------------- */

static struct sbx_config *config_for(struct sbx_job *j, enum sbx_job_phase ph, size_t test, char *const *arts,
				     int want)
{
	struct sbx_config *c = NULL;
	struct sbx_error err = {0};
	assert_int_equal(sbx_config_default("/", sbx_job_argv(j, ph, test) ? sbx_job_argv(j, ph, test)
									    : (char *[]){"x", NULL},
					    &c, &err),
			 0);
	int r = sbx_job_config(j, ph, test, arts, c, &err);
	if (r != want)
		fail_msg("sbx_job_config: %d (%s), wanted %d", r, err.msg, want);
	return c;
}

static void test_config_defaults(void **state)
{
	struct sbx_job *j = parse_ok("{\"id\": \"a\", \"argv\": [\"p\"]}");
	struct sbx_config *c = config_for(j, SBX_JOB_RUN, SBX_JOB_NO_TEST, NULL, 0);
	assert_true(c->init); /* the batch's reaping init */
	assert_true(c->io.capture);
	assert_false(c->io.inherit_stdin);
	assert_null(c->io.stdin_path); /* the sandbox opens /dev/null */
	assert_string_equal(c->io.stdout_path, "/dev/null");
	assert_string_equal(c->io.stderr_path, "/dev/null");
	assert_true(c->limits.has_output_limit);
	assert_int_equal(c->limits.output_limit, SBX_JOB_DEFAULT_OUTPUT_LIMIT);
	assert_int_equal(c->limits.cpu_time_us, 0);
	assert_int_equal(c->limits.wall_time_us, SBX_JOB_DEFAULT_WALL_US);
	assert_false(c->seccomp_unconfined);
	assert_non_null(c->seccomp_json); /* the built-in default profile, untouched */
	assert_string_equal(c->workdir.path, "/work");
	sbx_config_free(c);
	sbx_job_free(j);

	/* wall_time follows time: 3 x time + 1 s */
	j = parse_ok("{\"id\": \"a\", \"argv\": [\"p\"], \"time\": 0.5}");
	c = config_for(j, SBX_JOB_RUN, SBX_JOB_NO_TEST, NULL, 0);
	assert_int_equal(c->limits.cpu_time_us, 500000);
	assert_int_equal(c->limits.wall_time_us, 2500000);
	sbx_config_free(c);
	sbx_job_free(j);
}

static void test_config_fields(void **state)
{
	struct sbx_job *j = parse_ok(
		"{\"id\": \"a\", \"argv\": [\"p\", \"1\"], \"workdir\": \"/w\", \"env\": {\"PATH\": \"/x\", \"K\": \"v\"},"
		" \"stdin\": \"/in\", \"stdout\": \"/o\", \"stderr_to_stdout\": true, \"files\": {\"a\": \"/h/a\"},"
		" \"copy_out\": {\"r\": \"/h/r\"}, \"copy_out_max\": 99, \"time\": 1, \"wall_time\": 7,"
		" \"memory\": \"64M\", \"memory_swap\": 0, \"pids\": 8, \"cpus\": 1.5, \"output_limit\": \"2k\","
		" \"fsize\": 4096, \"nofile\": 16, \"stack\": \"1M\", \"workdir_size\": \"8M\", \"net\": \"veth\","
		" \"init\": false, \"cgroups\": \"off\"}");
	struct sbx_config *c = config_for(j, SBX_JOB_RUN, SBX_JOB_NO_TEST, NULL, 0);
	assert_string_equal(c->process.args[1], "1");
	assert_string_equal(c->workdir.path, "/w");
	assert_string_equal(c->process.cwd, "/w"); /* the default config's cwd follows its workdir */
	assert_string_equal(sbx_config_getenv(c, "PATH"), "/x");
	assert_string_equal(sbx_config_getenv(c, "K"), "v");
	assert_string_equal(c->io.stdin_path, "/in");
	assert_string_equal(c->io.stdout_path, "/o");
	assert_true(c->io.stderr_to_stdout);
	assert_null(c->io.stderr_path);
	assert_int_equal(c->io.n_copy_in, 1);
	assert_string_equal(c->io.copy_in[0].host, "/h/a");
	assert_string_equal(c->io.copy_in[0].sandbox, "a");
	assert_int_equal(c->io.n_copy_out, 1);
	assert_string_equal(c->io.copy_out[0].host, "/h/r");
	assert_int_equal(c->io.copy_out_max, 99);
	assert_int_equal(c->limits.cpu_time_us, 1000000);
	assert_int_equal(c->limits.wall_time_us, 7000000);
	assert_true(c->resources.has_memory_limit);
	assert_int_equal(c->resources.memory_limit, 64 << 20);
	assert_true(c->resources.has_swap_max);
	assert_int_equal(c->resources.swap_max, 0);
	assert_false(c->resources.has_memory_swap); /* as --memory-swap: not OCI's memory+swap total */
	assert_true(c->resources.has_pids_limit);
	assert_int_equal(c->resources.pids_limit, 8);
	assert_int_equal(c->resources.cpu_period, 100000);
	assert_int_equal(c->resources.cpu_quota, 150000);
	assert_int_equal(c->limits.output_limit, 2048);
	assert_int_equal(sbx_config_get_rlimit(c, RLIMIT_FSIZE)->hard, 4096);
	assert_int_equal(sbx_config_get_rlimit(c, RLIMIT_NOFILE)->soft, 16);
	assert_int_equal(sbx_config_get_rlimit(c, RLIMIT_STACK)->hard, 1 << 20);
	assert_int_equal(c->workdir.size, 8 << 20);
	assert_string_equal(c->net.mode, "veth");
	assert_false(c->init);
	assert_int_equal(c->cgroup_mode, SBX_CGROUP_OFF);
	sbx_config_free(c);
	sbx_job_free(j);
}

static void test_config_seccomp(void **state)
{
	struct sbx_job *j = parse_ok(
		"{\"id\": \"a\", \"argv\": [\"p\"], \"seccomp\": \"/prof.json\","
		" \"compile\": {\"argv\": [\"cc\"], \"seccomp\": \"unconfined\"},"
		" \"tests\": [{\"id\": \"t1\"}, {\"id\": \"t2\", \"seccomp\": \"compute-only\"}]}");
	/* the compile step has its own; a test's own wins over the job's */
	assert_string_equal(sbx_job_seccomp(j, SBX_JOB_COMPILE, SBX_JOB_NO_TEST), "unconfined");
	assert_string_equal(sbx_job_seccomp(j, SBX_JOB_RUN, SBX_JOB_NO_TEST), "/prof.json");
	assert_string_equal(sbx_job_seccomp(j, SBX_JOB_RUN, 0), "/prof.json");
	assert_string_equal(sbx_job_seccomp(j, SBX_JOB_RUN, 1), "compute-only");
	/* the mapping selects the profile: a test's shipped one replaces the job's file, which is never read */
	struct sbx_config *c = config_for(j, SBX_JOB_RUN, 1, NULL, 0);
	assert_false(c->seccomp_unconfined);
	assert_null(c->seccomp_file);
	assert_string_equal(c->seccomp_json, sbx_seccomp_builtin_profile("compute-only"));
	sbx_config_free(c);
	/* a file is only named: the sandbox reads it when it is created */
	c = config_for(j, SBX_JOB_RUN, 0, NULL, 0);
	assert_string_equal(c->seccomp_file, "/prof.json");
	assert_null(c->seccomp_json);
	sbx_config_free(c);
	c = config_for(j, SBX_JOB_COMPILE, SBX_JOB_NO_TEST, NULL, 0);
	assert_true(c->seccomp_unconfined);
	sbx_config_free(c);
	sbx_job_free(j);
	j = parse_ok("{\"id\": \"a\", \"argv\": [\"p\"], \"compile\": {\"argv\": [\"cc\"]}}");
	assert_null(sbx_job_seccomp(j, SBX_JOB_COMPILE, SBX_JOB_NO_TEST));
	assert_null(sbx_job_seccomp(j, SBX_JOB_RUN, SBX_JOB_NO_TEST));
	sbx_job_free(j);
}

static void test_config_inline_needs_host(void **state)
{
	struct sbx_job *j = parse_ok("{\"id\": \"a\", \"argv\": [\"p\"], \"files\": {\"f\": {\"text\": \"x\"}}}");
	sbx_config_free(config_for(j, SBX_JOB_RUN, SBX_JOB_NO_TEST, NULL, -EINVAL));
	j->run.files[0].host = sbx_xstrdup("/scratch/f0");
	struct sbx_config *c = config_for(j, SBX_JOB_RUN, SBX_JOB_NO_TEST, NULL, 0);
	assert_string_equal(c->io.copy_in[0].host, "/scratch/f0");
	sbx_config_free(c);
	sbx_job_free(j);
	j = parse_ok("{\"id\": \"a\", \"argv\": [\"p\"], \"stdin_text\": \"x\"}");
	sbx_config_free(config_for(j, SBX_JOB_RUN, SBX_JOB_NO_TEST, NULL, -EINVAL));
	j->run.stdin_path = sbx_xstrdup("/scratch/stdin"); /* as sbx_options_materialize() does */
	j->run.set[SBX_OPT_STDIN] = true;
	c = config_for(j, SBX_JOB_RUN, SBX_JOB_NO_TEST, NULL, 0);
	assert_string_equal(c->io.stdin_path, "/scratch/stdin");
	sbx_config_free(c);
	sbx_job_free(j);
}

static void test_config_compile_and_tests(void **state)
{
	struct sbx_job *j = parse_ok(
		"{\"id\": \"c\", \"files\": {\"m.c\": \"/h/m.c\"}, \"time\": 1, \"stdout\": \"/h/run.out\","
		" \"compile\": {\"argv\": [\"cc\"], \"artifacts\": [\"a.out\"], \"time\": 9, \"files\": {\"x.h\": \"/h/x.h\"}},"
		" \"argv\": [\"./a.out\"],"
		" \"tests\": [{\"id\": \"t1\", \"stdin\": \"/h/1\"}, {\"id\": \"t2\", \"time\": 3, \"stdout\": \"/h/2\","
		"  \"files\": {\"extra\": \"/h/e\"}}]}");
	char *arts[] = {"/scratch/a0", NULL};
	/* compile: the job's files and its own, artifacts copied out, its own limits */
	struct sbx_config *c = config_for(j, SBX_JOB_COMPILE, SBX_JOB_NO_TEST, arts, 0);
	assert_string_equal(c->process.args[0], "cc");
	assert_int_equal(c->io.n_copy_in, 2);
	assert_string_equal(c->io.copy_in[0].sandbox, "m.c");
	assert_string_equal(c->io.copy_in[1].sandbox, "x.h");
	assert_int_equal(c->io.n_copy_out, 1);
	assert_string_equal(c->io.copy_out[0].sandbox, "a.out");
	assert_string_equal(c->io.copy_out[0].host, "/scratch/a0");
	assert_int_equal(c->limits.cpu_time_us, 9000000);
	assert_string_equal(c->io.stdout_path, "/dev/null"); /* the run step's stdout is not the compiler's */
	sbx_config_free(c);
	/* test 0: the job's run step plus its stdin; the artifact copied in last */
	c = config_for(j, SBX_JOB_RUN, 0, arts, 0);
	assert_string_equal(c->process.args[0], "./a.out");
	assert_string_equal(c->io.stdin_path, "/h/1");
	assert_string_equal(c->io.stdout_path, "/h/run.out");
	assert_int_equal(c->limits.cpu_time_us, 1000000);
	assert_int_equal(c->io.n_copy_in, 2);
	assert_string_equal(c->io.copy_in[0].sandbox, "m.c");
	assert_string_equal(c->io.copy_in[1].sandbox, "a.out");
	assert_string_equal(c->io.copy_in[1].host, "/scratch/a0");
	assert_int_equal(c->io.n_copy_out, 0);
	sbx_config_free(c);
	/* test 1 overrides time and stdout, adds a file; wall time follows its own time */
	c = config_for(j, SBX_JOB_RUN, 1, arts, 0);
	assert_null(c->io.stdin_path);
	assert_string_equal(c->io.stdout_path, "/h/2");
	assert_int_equal(c->limits.cpu_time_us, 3000000);
	assert_int_equal(c->limits.wall_time_us, 10000000);
	assert_int_equal(c->io.n_copy_in, 3);
	assert_string_equal(c->io.copy_in[1].sandbox, "extra");
	sbx_config_free(c);
	sbx_job_free(j);
}

static void test_config_bundle_without_workdir(void **state)
{
	struct sbx_job *j = parse_ok("{\"id\": \"a\", \"bundle\": \"/b\", \"files\": {\"f\": \"/h/f\"}}");
	struct sbx_config *c = NULL;
	struct sbx_error err = {0};
	assert_int_equal(sbx_config_default("/", (char *[]){"x", NULL}, &c, &err), 0);
	free(c->workdir.path); /* as a bundle without org.sbxctr.workdir */
	c->workdir.path = NULL;
	assert_int_equal(sbx_job_config(j, SBX_JOB_RUN, SBX_JOB_NO_TEST, NULL, c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "need a workdir"));
	sbx_config_free(c);
	sbx_job_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_colons_in_paths),
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_compile_and_tests),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_bad_id),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_bad_env_files),
		cmocka_unit_test(test_bad_compile_tests),
		cmocka_unit_test(test_peek_id),
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_fields),
		cmocka_unit_test(test_config_seccomp),
		cmocka_unit_test(test_config_inline_needs_host),
		cmocka_unit_test(test_config_compile_and_tests),
		cmocka_unit_test(test_config_bundle_without_workdir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The run options table (runtime/options.c): its rows are consistent, the
 * command line and job lines read the same spelling into the same value,
 * and the help and the setters come from the rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/cleanup.h"
#include "core/util.h"
#include "runtime/bundle.h"
#include "runtime/options.h"

static void test_rows(void **state)
{
	for (size_t i = 0; i < SBX_OPT__COUNT; i++) {
		const struct sbx_option_def *d = &sbx_option_table[i];
		assert_int_equal(d->id, i); /* rows in enum order: the table is indexed by id */
		assert_true(d->flag || d->field);
		if (d->flag) {
			assert_non_null(d->help);
			assert_true(d->type == SBX_OT_BOOL ? d->metavar == NULL : d->metavar != NULL);
			assert_ptr_equal(sbx_option_by_flag(d->flag), d);
		}
		if (d->field)
			assert_ptr_equal(sbx_option_by_field(d->field), d);
		if (d->type == SBX_OT_ENUM)
			assert_non_null(d->choices);
		if (d->type == SBX_OT_COUNT)
			assert_true(d->min <= d->max);
		/* every option changes the config, unless the caller reads it itself */
		assert_true((d->apply != NULL) != ((d->flags & SBX_OPTF_NOAPPLY) != 0));
	}
	assert_null(sbx_option_by_flag("no-such-flag"));
	assert_null(sbx_option_by_field("no_such_field"));
}

/* A value's spelling on the command line and as a JSON string gives one value. */
static void test_same_value_both_ways(void **state)
{
	/* the command line's spelling, and the same value as a job line writes it */
	static const struct {
		const char *name, *value, *json;
	} cases[] = {
		{"time", "1.5", "1.5"},		   {"wall-time", "300ms", "\"300ms\""}, {"memory", "256M", "\"256M\""},
		{"memory-swap", "0", "0"},	   {"output-limit", "2k", "\"2k\""},	  {"fsize", "10240", "10240"},
		{"nofile", "32", "32"},		   {"stack", "8M", "\"8M\""},	  {"cpus", "0.5", "0.5"},
		{"pids", "64", "64"},		   {"cgroups", "best-effort", "\"best-effort\""},
		{"net", "veth", "\"veth\""},	   {"seccomp", "unconfined", "\"unconfined\""},
		{"workdir", "/w", "\"/w\""},	   {"workdir-size", "16M", "16777216"},	  {"cpu-weight", "7", "7"},
		{"stdin", "/in", "\"/in\""},	   {"copy-out-max", "1k", "1024"},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		const struct sbx_option_def *d = sbx_option_by_flag(cases[i].name);
		assert_non_null(d);
		if (!d->field)
			continue;
		struct sbx_options a, b;
		struct sbx_error err = {0};
		sbx_options_init(&a);
		sbx_options_init(&b);
		assert_int_equal(sbx_options_set_str(&a, d, cases[i].value, &err), 0);
		json_object *v = json_tokener_parse(cases[i].json);
		struct sbx_jloc loc = {.doc = "t"};
		if (sbx_options_set_json(&b, d, v, &loc, &err) < 0)
			fail_msg("%s: %s", cases[i].name, err.msg);
		json_object_put(v);
		assert_true(a.set[d->id] && b.set[d->id]);
		const char *pa = (const char *)&a + d->offset, *pb = (const char *)&b + d->offset;
		if (d->type == SBX_OT_STRING || d->type == SBX_OT_WORKPATH || d->type == SBX_OT_ENUM)
			assert_string_equal(*(char *const *)pa, *(char *const *)pb);
		else
			assert_memory_equal(pa, pb, sizeof(uint64_t));
		sbx_options_clear(&a);
		sbx_options_clear(&b);
	}
}

/* Errors name the flag (command line) or the document and field (JSON), with the value. */
static void test_errors(void **state)
{
	struct sbx_options o;
	struct sbx_error err = {0};
	sbx_options_init(&o);
	assert_int_equal(sbx_options_set_str(&o, sbx_option_by_flag("memory"), "100", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--memory: invalid size \"100\""));
	assert_int_equal(sbx_options_set_str(&o, sbx_option_by_flag("pids"), "0", &err), -EINVAL);
	assert_string_equal(err.msg, "--pids: expected 1 to 4194304, got \"0\"");
	assert_int_equal(sbx_options_set_str(&o, sbx_option_by_flag("cpus"), "2000", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--cpus: expected a number of CPUs from 0.01 to 1024"));
	assert_int_equal(sbx_options_set_str(&o, sbx_option_by_flag("cgroups"), "some", &err), -EINVAL);
	assert_string_equal(err.msg, "--cgroups: expected auto, required, best-effort or off, got \"some\"");
	assert_int_equal(sbx_options_set_str(&o, sbx_option_by_flag("net"), "bridge", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--net \"bridge\": unknown network mode (expected none, veth, pasta or host)"));
	json_object *v = json_object_new_int(0);
	struct sbx_jloc loc = {.doc = "jobs.jsonl:3"};
	struct sbx_jloc fl = sbx_jloc_key(&loc, "pids");
	assert_int_equal(sbx_options_set_json(&o, sbx_option_by_field("pids"), v, &fl, &err), -EINVAL);
	assert_string_equal(err.msg, "jobs.jsonl:3: pids: expected an integer from 1 to 4194304, got 0");
	json_object_put(v);
	assert_false(o.set[SBX_OPT_PIDS] || o.set[SBX_OPT_MEMORY]); /* a failed set leaves nothing */
	/* exclusive pairs, in both wordings */
	assert_int_equal(sbx_options_set_str(&o, sbx_option_by_flag("stderr"), "/e", &err), 0);
	assert_int_equal(sbx_options_set_str(&o, sbx_option_by_flag("stderr-to-stdout"), NULL, &err), 0);
	assert_int_equal(sbx_options_check(&o, NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "--stderr and --stderr-to-stdout exclude each other");
	assert_int_equal(sbx_options_check(&o, &loc, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "\"stderr\" and \"stderr_to_stdout\" exclude each other"));
	sbx_options_clear(&o);
}

/* The rows' setters: every option lands where the config keeps it. */
static void test_apply(void **state)
{
	struct sbx_options o;
	struct sbx_error err = {0};
	sbx_options_init(&o);
	static const char *const flags[][2] = {
		{"memory", "64M"}, {"pids", "8"},	  {"cpus", "1.5"},   {"time", "2"},	  {"fsize", "4096"},
		{"env", "K=v"},	   {"net", "veth"},	  {"cgroups", "off"}, {"output-limit", "1k"}, {"hostname", "h"},
		{"cpuset", "0-1"}, {"memory-high", "1M"}, {"copy-in", "/h/a:a"},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(flags); i++)
		assert_int_equal(sbx_options_set_str(&o, sbx_option_by_flag(flags[i][0]), flags[i][1], &err), 0);
	struct sbx_config *c = NULL;
	assert_int_equal(sbx_config_default("/", (char *[]){"x", NULL}, &c, &err), 0);
	assert_int_equal(sbx_options_apply(&o, c, &err), 0);
	assert_int_equal(c->resources.memory_limit, 64 << 20);
	assert_int_equal(c->resources.pids_limit, 8);
	assert_int_equal(c->resources.cpu_quota, 150000);
	assert_int_equal(c->resources.cpu_period, 100000);
	assert_int_equal(c->limits.cpu_time_us, 2000000);
	assert_int_equal(sbx_config_get_rlimit(c, RLIMIT_FSIZE)->hard, 4096);
	assert_string_equal(sbx_config_getenv(c, "K"), "v");
	assert_string_equal(c->net.mode, "veth");
	assert_int_equal(c->cgroup_mode, 3); /* off */
	assert_true(c->io.capture && c->limits.output_limit == 1024);
	assert_string_equal(c->hostname, "h");
	assert_string_equal(c->resources.cpuset_cpus, "0-1");
	assert_int_equal(c->resources.memory_high, 1 << 20);
	assert_string_equal(c->io.copy_in[0].host, "/h/a");
	sbx_config_free(c);
	sbx_options_clear(&o);
}

/* A later set of options replaces values and adds to lists; a replaced value is never applied. */
static void test_apply_under(void **state)
{
	struct sbx_options job, test;
	struct sbx_error err = {0};
	sbx_options_init(&job);
	sbx_options_init(&test);
	assert_int_equal(sbx_options_set_str(&job, sbx_option_by_flag("seccomp"), "/nonexistent/p.json", &err), 0);
	assert_int_equal(sbx_options_set_str(&job, sbx_option_by_flag("env"), "A=1", &err), 0);
	assert_int_equal(sbx_options_set_str(&job, sbx_option_by_flag("time"), "1", &err), 0);
	assert_int_equal(sbx_options_set_str(&test, sbx_option_by_flag("seccomp"), "compute-only", &err), 0);
	assert_int_equal(sbx_options_set_str(&test, sbx_option_by_flag("env"), "B=2", &err), 0);
	struct sbx_config *c = NULL;
	assert_int_equal(sbx_config_default("/", (char *[]){"x", NULL}, &c, &err), 0);
	assert_int_equal(sbx_options_apply_under(&job, &test, c, &err), 0);
	assert_int_equal(sbx_options_apply(&test, c, &err), 0);
	assert_null(c->seccomp_file); /* the job's file was replaced, never named */
	assert_non_null(c->seccomp_json);
	assert_string_equal(sbx_config_getenv(c, "A"), "1");
	assert_string_equal(sbx_config_getenv(c, "B"), "2");
	assert_int_equal(c->limits.cpu_time_us, 1000000);
	sbx_config_free(c);
	sbx_options_clear(&job);
	sbx_options_clear(&test);
}

static void test_help(void **state)
{
	_cleanup_free_ char *h = sbx_options_help();
	for (size_t i = 0; i < SBX_OPT__COUNT; i++) {
		const struct sbx_option_def *d = &sbx_option_table[i];
		if (!d->flag)
			continue;
		char want[64];
		snprintf(want, sizeof(want), "--%s", d->flag);
		if (!strstr(h, want))
			fail_msg("--help lacks %s", want);
	}
	assert_non_null(strstr(h, "\nLimits:\n"));
	assert_non_null(strstr(h, "\nNetwork:\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),	    cmocka_unit_test(test_same_value_both_ways),
		cmocka_unit_test(test_errors),	    cmocka_unit_test(test_apply),
		cmocka_unit_test(test_apply_under), cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

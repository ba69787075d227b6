/* SPDX-License-Identifier: Apache-2.0 */
/* `sbxctr batch`'s command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cli/batch.h"
#include "core/util.h"

/* --- sbxctr batch flags ---------------------------------------------------- */

static int parse_args(struct sbx_batch_cli *c, struct sbx_error *err, char **argv)
{
	return sbx_cli_parse_batch((int)sbx_strv_len(argv), argv, c, err);
}

static void expect_args_err(char **argv, const char *want)
{
	struct sbx_batch_cli c;
	struct sbx_error err = {0};
	if (parse_args(&c, &err, argv) >= 0)
		fail_msg("expected an error containing [%s]", want);
	if (!strstr(err.msg, want))
		fail_msg("error [%s] does not contain [%s]", err.msg, want);
	sbx_batch_cli_free(&c);
}

static void test_batch_args(void **state)
{
	struct sbx_batch_cli c;
	struct sbx_error err = {0};
	assert_int_equal(parse_args(&c, &err, (char *[]){"batch", "j.jsonl", NULL}), 0);
	assert_string_equal(c.o.jobs, "j.jsonl");
	assert_null(c.o.results);
	assert_int_equal(c.o.parallel, 0); /* the number of CPUs */
	assert_false(c.o.pin || c.o.resume || c.quiet);
	sbx_batch_cli_free(&c);
	/* flags before and after the jobs file */
	assert_int_equal(parse_args(&c, &err, (char *[]){"batch", "--parallel", "2", "j", "--results", "o.jsonl",
							 "--pin", "--resume", "--rootfs", "/r", "--quiet", NULL}),
			 0);
	assert_int_equal(c.o.parallel, 2);
	assert_string_equal(c.o.results, "o.jsonl");
	assert_true(c.o.pin && c.o.resume && c.quiet);
	assert_string_equal(c.o.rootfs, "/r");
	sbx_batch_cli_free(&c);
	assert_int_equal(parse_args(&c, &err, (char *[]){"batch", "--help", NULL}), 0);
	assert_true(c.help);
	sbx_batch_cli_free(&c);
	expect_args_err((char *[]){"batch", NULL}, "no jobs file");
	expect_args_err((char *[]){"batch", "a", "b", NULL}, "unexpected argument \"b\"");
	expect_args_err((char *[]){"batch", "j", "--parallel", "0", NULL}, "--parallel: expected 1 to 1024, got \"0\"");
	expect_args_err((char *[]){"batch", "j", "--parallel", "x", NULL}, "--parallel: expected 1 to 1024");
	expect_args_err((char *[]){"batch", "j", "--parallel", "1025", NULL}, "--parallel");
	expect_args_err((char *[]){"batch", "j", "--parallel", NULL}, "--parallel: missing value");
	expect_args_err((char *[]){"batch", "j", "--resume", NULL}, "--resume needs --results");
	expect_args_err((char *[]){"batch", "j", "--bogus", NULL}, "unknown option --bogus");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

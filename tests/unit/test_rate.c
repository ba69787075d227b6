/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: tc-compatible rate, size and time parsing and its error messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "netns/rate.h"

struct rcase {
	const char *in;
	uint64_t out;
};

static void expect_rate(const char *in, uint64_t out)
{
	uint64_t v = 12345;
	int r = sbx_rate_parse(in, &v);
	if (r != 0 || v != out)
		fail_msg("rate \"%s\": r=%d v=%llu, expected %llu", in, r, (unsigned long long)v,
			 (unsigned long long)out);
}

static void expect_rate_err(const char *in, int code)
{
	uint64_t v = 777;
	int r = sbx_rate_parse(in, &v);
	if (r != code)
		fail_msg("rate \"%s\": r=%d, expected %d", in, r, code);
	assert_int_equal(v, 777); /* untouched on failure */
}

static void test_rate_units(void **state)
{
	(void)state;
	/* tc >= 3.x: a bare number is bits per second. */
	expect_rate("8", 1);
	expect_rate("8000", 1000);
	expect_rate("8bit", 1);
	expect_rate("8kbit", 1000);
	expect_rate("8mbit", 1000000);
	expect_rate("8Mbit", 1000000); /* units are case-insensitive, as in tc */
	expect_rate("8MBIT", 1000000);
	expect_rate("1gbit", 125000000);
	expect_rate("1tbit", 125000000000ULL);
	expect_rate("8kibit", 1024);
	expect_rate("8Kibit", 1024);
	expect_rate("8mibit", 1048576);
	expect_rate("8gibit", 1073741824ULL);
	expect_rate("8tibit", 1099511627776ULL);
	/* tc quirk: "bps" is BYTES per second. */
	expect_rate("1bps", 1);
	expect_rate("100kbps", 100000);
	expect_rate("1mbps", 1000000);
	expect_rate("1MBps", 1000000);
	expect_rate("1gbps", 1000000000ULL);
	expect_rate("1tbps", 1000000000000ULL);
	expect_rate("1kibps", 1024);
	expect_rate("1mibps", 1048576);
	expect_rate("1gibps", 1073741824ULL);
	expect_rate("1tibps", 1099511627776ULL);
}

static void test_rate_numbers(void **state)
{
	(void)state;
	expect_rate("1.5mbit", 187500);
	expect_rate(".5mbit", 62500);
	expect_rate("8.mbit", 1000000);
	/* exact decimal: double-based tc truncates this one to 1024999 */
	expect_rate("8.2mbit", 1025000);
	expect_rate("1e6bit", 125000);
	expect_rate("1E6bit", 125000);
	expect_rate("1e+6bit", 125000);
	expect_rate("8e-3kbit", 1);
	expect_rate("0.1bit", 0); /* truncated, like tc's cast; the planner rejects 0 */
	expect_rate("0", 0);
	expect_rate("007kbit", 875);
	expect_rate("1e-40tbit", 0);
	/* 2^64-1 bytes/s is the largest value */
	expect_rate("18446744073709551615bps", UINT64_MAX);
}

static void test_rate_errors(void **state)
{
	(void)state;
	expect_rate_err(NULL, -EINVAL);
	expect_rate_err("", -EINVAL);
	expect_rate_err("mbit", -EINVAL);
	expect_rate_err("8 mbit", -EINVAL);
	expect_rate_err(" 8mbit", -EINVAL);
	expect_rate_err("8mbit ", -EINVAL);
	expect_rate_err("8mbitz", -EINVAL);
	expect_rate_err("-8mbit", -EINVAL);
	expect_rate_err("+8mbit", -EINVAL);
	expect_rate_err("0x10mbit", -EINVAL);
	expect_rate_err("inf", -EINVAL);
	expect_rate_err("nan", -EINVAL);
	expect_rate_err("8,5mbit", -EINVAL);
	expect_rate_err(".mbit", -EINVAL);
	expect_rate_err("8k", -EINVAL); /* a size unit, not a rate unit */
	expect_rate_err("8mb", -EINVAL);
	expect_rate_err("1e", -EINVAL);	  /* "e" is not a unit */
	expect_rate_err("1e+", -EINVAL);
	expect_rate_err("18446744073709551616bps", -ERANGE);
	expect_rate_err("1e30tbit", -ERANGE);
	expect_rate_err("1e99999999tbit", -ERANGE);
	expect_rate_err("99999999999999999999999999tbps", -ERANGE);
}

static void expect_size(const char *in, uint64_t out)
{
	uint64_t v = 0;
	int r = sbx_rate_parse_size(in, &v);
	if (r != 0 || v != out)
		fail_msg("size \"%s\": r=%d v=%llu, expected %llu", in, r, (unsigned long long)v,
			 (unsigned long long)out);
}

static void test_size(void **state)
{
	(void)state;
	expect_size("1500", 1500);
	expect_size("1500b", 1500);
	expect_size("1500B", 1500);
	expect_size("32k", 32768);
	expect_size("32K", 32768);
	expect_size("32kb", 32768);
	expect_size("32KB", 32768);
	expect_size("2m", 2097152);
	expect_size("2mb", 2097152);
	expect_size("1g", 1073741824ULL);
	expect_size("1gb", 1073741824ULL);
	expect_size("8kbit", 1024);
	expect_size("1mbit", 131072);
	expect_size("1gbit", 134217728);
	expect_size("1.5k", 1536);

	uint64_t v;
	assert_int_equal(sbx_rate_parse_size("1t", &v), -EINVAL); /* tc has no "t" sizes */
	assert_int_equal(sbx_rate_parse_size("1kib", &v), -EINVAL);
	assert_int_equal(sbx_rate_parse_size("1kbps", &v), -EINVAL);
	assert_int_equal(sbx_rate_parse_size("k", &v), -EINVAL);
	assert_int_equal(sbx_rate_parse_size("", &v), -EINVAL);
	assert_int_equal(sbx_rate_parse_size("1e30g", &v), -ERANGE);
}

static void expect_time(const char *in, uint64_t ns)
{
	uint64_t v = 0;
	int r = sbx_rate_parse_time(in, &v);
	if (r != 0 || v != ns)
		fail_msg("time \"%s\": r=%d v=%llu, expected %llu", in, r, (unsigned long long)v,
			 (unsigned long long)ns);
}

static void test_time(void **state)
{
	(void)state;
	expect_time("50", 50000); /* bare = microseconds, as tc's get_time */
	expect_time("1s", 1000000000ULL);
	expect_time("1sec", 1000000000ULL);
	expect_time("2secs", 2000000000ULL);
	expect_time("50ms", 50000000);
	expect_time("50MS", 50000000);
	expect_time("50msec", 50000000);
	expect_time("50msecs", 50000000);
	expect_time("400us", 400000);
	expect_time("400usec", 400000);
	expect_time("400usecs", 400000);
	expect_time("7ns", 7);
	expect_time("7nsec", 7);
	expect_time("7nsecs", 7);
	expect_time("1.5ms", 1500000);
	expect_time("0.25s", 250000000);

	uint64_t v;
	assert_int_equal(sbx_rate_parse_time("1m", &v), -EINVAL); /* minutes are not a tc unit */
	assert_int_equal(sbx_rate_parse_time("1h", &v), -EINVAL);
	assert_int_equal(sbx_rate_parse_time("ms", &v), -EINVAL);
	assert_int_equal(sbx_rate_parse_time("1e20s", &v), -ERANGE);
}

static void test_error_messages(void **state)
{
	(void)state;
	struct sbx_error err;
	uint64_t v;

	int r = sbx_rate_parse("8 mbitz", &v);
	assert_int_equal(sbx_rate_err(&err, r, SBX_RATE_KIND_RATE, "--net-rate-out", "8 mbitz"), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "--net-rate-out: invalid rate \"8 mbitz\": unknown unit \" mbitz\""));
	assert_non_null(strstr(err.msg, "8mbit"));

	r = sbx_rate_parse("fast", &v);
	sbx_rate_err(&err, r, SBX_RATE_KIND_RATE, "--net-rate-in", "fast");
	assert_non_null(strstr(err.msg, "--net-rate-in: invalid rate \"fast\": does not start with a number"));

	r = sbx_rate_parse("1e30tbit", &v);
	assert_int_equal(sbx_rate_err(&err, r, SBX_RATE_KIND_RATE, "--net-rate-in", "1e30tbit"), -ERANGE);
	assert_int_equal(err.code, ERANGE);
	assert_string_equal(err.msg, "--net-rate-in: rate \"1e30tbit\" is out of range");

	r = sbx_rate_parse_size("32q", &v);
	sbx_rate_err(&err, r, SBX_RATE_KIND_SIZE, "--net-burst", "32q");
	assert_non_null(strstr(err.msg, "--net-burst: invalid size \"32q\": unknown unit \"q\""));

	r = sbx_rate_parse_time("", &v);
	sbx_rate_err(&err, r, SBX_RATE_KIND_TIME, "--net-latency", "");
	assert_non_null(strstr(err.msg, "--net-latency: empty time"));
}

static void test_format(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(sbx_rate_format(1000000, b, sizeof(b)), "8Mbit");
	assert_string_equal(sbx_rate_format(187500, b, sizeof(b)), "1.5Mbit");
	assert_string_equal(sbx_rate_format(125, b, sizeof(b)), "1Kbit");
	assert_string_equal(sbx_rate_format(1, b, sizeof(b)), "8bit");
	assert_string_equal(sbx_rate_format(INT32_MAX, b, sizeof(b)), "17.179Gbit");
	assert_string_equal(sbx_rate_format_size(32768, b, sizeof(b)), "32KiB");
	assert_string_equal(sbx_rate_format_size(1514, b, sizeof(b)), "1.478KiB");
	assert_string_equal(sbx_rate_format_size(100, b, sizeof(b)), "100B");
	assert_string_equal(sbx_rate_format_time(50000000, b, sizeof(b)), "50ms");
	assert_string_equal(sbx_rate_format_time(1500, b, sizeof(b)), "1.5us");
	assert_string_equal(sbx_rate_format_time(2000000000, b, sizeof(b)), "2s");
	assert_string_equal(sbx_rate_format_time(7, b, sizeof(b)), "7ns");

	/* formatting round-trips through the parser */
	uint64_t v;
	assert_int_equal(sbx_rate_parse(sbx_rate_format(187500, b, sizeof(b)), &v), 0);
	assert_int_equal(v, 187500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_units),   cmocka_unit_test(test_rate_numbers),
		cmocka_unit_test(test_rate_errors),  cmocka_unit_test(test_size),
		cmocka_unit_test(test_time),	     cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

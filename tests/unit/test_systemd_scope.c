/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: linux.cgroupsPath in systemd's slice:prefix:name form (cgroups/systemd.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cgroups/systemd.h"

static void expect_scope(const char *path, const char *id, bool root, const char *slice, const char *unit)
{
	struct sbx_systemd_scope s;
	struct sbx_error err = {0};
	int r = sbx_systemd_scope_parse(path, id, root, &s, &err);
	if (r != 0)
		fail_msg("\"%s\": r=%d (%s)", path ? path : "(null)", r, err.msg);
	assert_string_equal(s.slice, slice);
	assert_string_equal(s.unit, unit);
	sbx_systemd_scope_clear(&s);
}

static void expect_error(const char *path, const char *words)
{
	struct sbx_systemd_scope s;
	struct sbx_error err = {0};
	int r = sbx_systemd_scope_parse(path, "c1", true, &s, &err);
	if (r >= 0)
		fail_msg("\"%s\" was accepted (%s %s)", path, s.slice, s.unit);
	if (!strstr(err.msg, words) || !strstr(err.msg, "linux.cgroupsPath"))
		fail_msg("\"%s\": the error \"%s\" lacks \"%s\" or the field", path, err.msg, words);
}

static void test_forms(void **state)
{
	(void)state;
	/* runc's and crun's reading: slice, then prefix-name.scope */
	expect_scope("system.slice:docker:abc", "c1", true, "system.slice", "docker-abc.scope");
	expect_scope("machine.slice:libpod:0123abcd", "x", true, "machine.slice", "libpod-0123abcd.scope");
	/* an empty slice is the caller's default one */
	expect_scope(":cri-containerd:abc", "c1", true, "system.slice", "cri-containerd-abc.scope");
	expect_scope(":p:n", "c1", false, "user.slice", "p-n.scope");
	/* no prefix: the name alone; a name that is already a scope keeps it */
	expect_scope("system.slice::abc", "c1", true, "system.slice", "abc.scope");
	expect_scope("system.slice:p:abc.scope", "c1", true, "system.slice", "p-abc.scope");
	/* no path: sbxctr-ID.scope in the default slice */
	expect_scope(NULL, "c1", true, "system.slice", "sbxctr-c1.scope");
	expect_scope("", "my_ctr", false, "user.slice", "sbxctr-my_ctr.scope");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("/a/b", "slice:prefix:name");
	expect_error("a:b", "slice:prefix:name");
	expect_error("a:b:c:d", "slice:prefix:name");
	expect_error("system.slice:p:", "no name");
	expect_error("system:p:n", "not a slice");
	expect_error("system.slice:p/x:n", "unit name characters");
	expect_error("system.slice:p:n n", "unit name characters");
	expect_error("system.slice:p:sub.slice", "not supported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

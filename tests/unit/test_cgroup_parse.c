/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the cgroup text parsers: mountinfo, /proc/self/cgroup, keyed files, names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroups/cgparse.h"

/* This development host: v1 controllers plus an (almost) empty unified hierarchy. */
static const char hybrid_mountinfo[] =
	"22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* The test VM (and any systemd host in unified mode). */
static const char unified_mountinfo[] =
	"1 0 0:2 / / rw - rootfs rootfs rw\n"
	"20 1 0:20 / /proc rw,relatime - proc proc rw\n"
	"25 21 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n"
	"60 1 0:40 / /mnt/other\\040cg rw - cgroup2 none rw\n";

static void test_mountinfo_hybrid(void **state)
{
	struct sbx_cgroup_mounts m;
	assert_int_equal(sbx_cgroup_parse_mountinfo(hybrid_mountinfo, &m), 0);
	assert_true(m.v1_controllers);
	assert_string_equal(m.v1_example, "/sys/fs/cgroup/cpu");
	assert_string_equal(m.cgroup2_mount, "/sys/fs/cgroup/unified");
	assert_string_equal(m.cgroup2_root, "/");
	sbx_cgroup_mounts_clear(&m);
}

static void test_mountinfo_unified(void **state)
{
	struct sbx_cgroup_mounts m;
	assert_int_equal(sbx_cgroup_parse_mountinfo(unified_mountinfo, &m), 0);
	assert_false(m.v1_controllers);
	/* /sys/fs/cgroup is preferred over another cgroup2 mount */
	assert_string_equal(m.cgroup2_mount, "/sys/fs/cgroup");
	sbx_cgroup_mounts_clear(&m);

	/*
	 * only a named v1 hierarchy (no controllers) does not make a host hybrid; escapes are
	 * decoded
	 */
	static const char named[] =
		"39 30 0:36 / /run/sd rw - cgroup cgroup rw,name=systemd\n"
		"60 1 0:40 /sub /mnt/other\\040cg rw shared:1 master:2 - cgroup2 none rw\n";
	assert_int_equal(sbx_cgroup_parse_mountinfo(named, &m), 0);
	assert_false(m.v1_controllers);
	assert_string_equal(m.cgroup2_mount, "/mnt/other cg");
	assert_string_equal(m.cgroup2_root, "/sub");
	sbx_cgroup_mounts_clear(&m);

	assert_int_equal(sbx_cgroup_parse_mountinfo("", &m), 0);
	assert_null(m.cgroup2_mount);
	assert_int_equal(sbx_cgroup_parse_mountinfo("1 2 3\n", &m), -EINVAL);
	assert_null(m.cgroup2_mount);
}

static void test_proc_cgroup(void **state)
{
	char *p = NULL;
	assert_int_equal(sbx_cgroup_parse_proc_cgroup("0::/user.slice/session-1.scope\n", &p), 0);
	assert_string_equal(p, "/user.slice/session-1.scope");
	free(p);
	static const char hybrid[] = "9:name=systemd:/\n4:memory:/process_api/x\n1:cpu:/\n0::/\n";
	assert_int_equal(sbx_cgroup_parse_proc_cgroup(hybrid, &p), 0);
	assert_string_equal(p, "/");
	free(p);
	p = NULL;
	assert_int_equal(sbx_cgroup_parse_proc_cgroup("4:memory:/a\n", &p), -ENOENT);
	assert_null(p);
}

static void test_path_join(void **state)
{
	char *s = sbx_cgroup_path_join("/sys/fs/cgroup", "/", "/a/b");
	assert_string_equal(s, "/sys/fs/cgroup/a/b");
	free(s);
	s = sbx_cgroup_path_join("/sys/fs/cgroup/", "/", "/");
	assert_string_equal(s, "/sys/fs/cgroup");
	free(s);
	s = sbx_cgroup_path_join("/mnt/cg", "/a", "/a/b");
	assert_string_equal(s, "/mnt/cg/b");
	free(s);
	s = sbx_cgroup_path_join("/mnt/cg", "/a/", "/a");
	assert_string_equal(s, "/mnt/cg");
	free(s);
	assert_null(sbx_cgroup_path_join("/mnt/cg", "/a", "/c"));
	assert_null(sbx_cgroup_path_join("/mnt/cg", "/a", "/ab"));
}

static void test_keyed(void **state)
{
	static const char cpu_stat[] = "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n"
				       "nr_periods 20\nnr_throttled 19\nthrottled_usec 987654\n";
	static const char events[] = "low 0\nhigh 0\nmax 17\noom 2\noom_kill 1\noom_group_kill 1\n";
	uint64_t v = 0;
	assert_int_equal(sbx_cgroup_parse_keyed(cpu_stat, "usage_usec", &v), 0);
	assert_int_equal(v, 1234567);
	assert_int_equal(sbx_cgroup_parse_keyed(cpu_stat, "system_usec", &v), 0);
	assert_int_equal(v, 234567);
	assert_int_equal(sbx_cgroup_parse_keyed(cpu_stat, "throttled_usec", &v), 0);
	assert_int_equal(v, 987654);
	/* a key is a whole word: "oom" is not "oom_kill" */
	assert_int_equal(sbx_cgroup_parse_keyed(events, "oom", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(sbx_cgroup_parse_keyed(events, "oom_kill", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sbx_cgroup_parse_keyed(events, "max", &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(sbx_cgroup_parse_keyed(events, "oom_k", &v), -ENOENT);
	assert_int_equal(sbx_cgroup_parse_keyed("populated 0\nfrozen 1", "frozen", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sbx_cgroup_parse_keyed("a max\n", "a", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(sbx_cgroup_parse_keyed("a x1\n", "a", &v), -EINVAL);
	assert_int_equal(sbx_cgroup_parse_keyed("a 99999999999999999999999\n", "a", &v), -EINVAL);
	assert_int_equal(sbx_cgroup_parse_value("268435456\n", &v), 0);
	assert_int_equal(v, 268435456);
	assert_int_equal(sbx_cgroup_parse_value("max\n", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(sbx_cgroup_parse_value("\n", &v), -EINVAL);
	assert_int_equal(sbx_cgroup_parse_value("12 34", &v), -EINVAL);
}

static void test_names(void **state)
{
	assert_true(sbx_cgroup_name_valid("sbx-123-1"));
	assert_true(sbx_cgroup_name_valid("job_7.a:b@c"));
	assert_false(sbx_cgroup_name_valid(""));
	assert_false(sbx_cgroup_name_valid("."));
	assert_false(sbx_cgroup_name_valid(".."));
	assert_false(sbx_cgroup_name_valid("a/b"));
	assert_false(sbx_cgroup_name_valid("a b"));
	assert_false(sbx_cgroup_name_valid(NULL));
	assert_true(sbx_cgroup_parent_valid("/"));
	assert_true(sbx_cgroup_parent_valid("/sbxctr"));
	assert_true(sbx_cgroup_parent_valid("/a/b.slice/c"));
	assert_true(sbx_cgroup_parent_valid("rel/dir"));
	assert_false(sbx_cgroup_parent_valid(""));
	assert_false(sbx_cgroup_parent_valid("//a"));
	assert_false(sbx_cgroup_parent_valid("/a//b"));
	assert_false(sbx_cgroup_parent_valid("/a/"));
	assert_false(sbx_cgroup_parent_valid("/a/../b"));
	assert_false(sbx_cgroup_parent_valid("../a"));
	assert_false(sbx_cgroup_parent_valid("/a/./b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mountinfo_hybrid),
		cmocka_unit_test(test_mountinfo_unified),
		cmocka_unit_test(test_proc_cgroup),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_keyed),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

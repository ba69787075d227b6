/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hosts without usable cgroup v2 controllers (cgroup v1 / hybrid, like the
 * development machines): cgroups/ must detect that by reading only, write
 * nothing anywhere, fail requested limits naming the controller, and fall
 * back to rlimits in best-effort mode. Skips (77) on cgroup v2 hosts (the
 * VM), whose behaviour the other test_cgroup_* tests cover.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroups/cgparse.h"
#include "cgroups/cgroup.h"
#include "core/cleanup.h"
#include "core/util.h"

static char reason[512];

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Every cgroup2 location sbxctr might have picked on a hybrid host. */
static void assert_nothing_created(void)
{
	static const char *const paths[] = {"/sys/fs/cgroup/sbxctr",
					    "/sys/fs/cgroup/unified/sbxctr",
					    "/sys/fs/cgroup/unified/sbxtest-nocg"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		if (exists(paths[i]))
			fail_msg("%s exists", paths[i]);
}

static void test_auto_is_unusable_and_read_only(void **state)
{
	struct sbx_cgroup_root *root = NULL;
	struct sbx_error err = {0};
	struct sbx_cgroup_root_opts opts = {.mode = SBX_CGROUP_AUTO};
	assert_int_equal(sbx_cgroup_root_open(&opts, &root, &err), 0);
	assert_false(sbx_cgroup_root_usable(root));
	assert_int_equal(sbx_cgroup_root_controllers(root), 0);
	assert_null(sbx_cgroup_root_parent(root));
	printf("# reason: %s\n", sbx_cgroup_root_reason(root));
	assert_true(strlen(sbx_cgroup_root_reason(root)) > 0);
	/* the sweep and create refuse politely and touch nothing */
	unsigned removed = 1;
	assert_int_equal(sbx_cgroup_sweep(root, 100, &removed, &err), 0);
	assert_int_equal(removed, 0);
	struct sbx_cgroup *cg = NULL;
	assert_int_equal(sbx_cgroup_create(root, NULL, NULL, &cg, &err), -ENOTSUP);
	assert_null(cg);
	sbx_cgroup_root_free(root);

	/* an explicit parent changes nothing on such a host */
	opts.parent = "/sbxtest-nocg";
	opts.mode = SBX_CGROUP_BEST_EFFORT;
	assert_int_equal(sbx_cgroup_root_open(&opts, &root, &err), 0);
	assert_false(sbx_cgroup_root_usable(root));
	sbx_cgroup_root_free(root);
	assert_nothing_created();
}

static void test_required_fails(void **state)
{
	struct sbx_cgroup_root *root = NULL;
	struct sbx_error err = {0};
	struct sbx_cgroup_root_opts opts = {.mode = SBX_CGROUP_REQUIRED};
	assert_true(sbx_cgroup_root_open(&opts, &root, &err) < 0);
	assert_null(root);
	printf("# required: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "--cgroups required"));
	assert_nothing_created();
}

static void test_limits_name_the_controller(void **state)
{
	struct sbx_cgroup_root *root = NULL;
	struct sbx_error err = {0};
	struct sbx_cgroup_root_opts ropts = {.mode = SBX_CGROUP_AUTO};
	assert_int_equal(sbx_cgroup_root_open(&ropts, &root, &err), 0);
	struct sbx_cgroup_plan_opts opts;
	sbx_cgroup_root_plan_opts(root, &opts);
	struct sbx_resources res = {.has_memory_limit = true, .memory_limit = 64 << 20};
	struct sbx_cgroup_plan *plan = NULL;
	assert_true(sbx_cgroup_plan(&res, &opts, &plan, &err) < 0);
	printf("# auto + --memory: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "controller \"memory\""));
	assert_non_null(strstr(err.msg, sbx_cgroup_root_reason(root)));

	/* no limit: runs without a cgroup */
	assert_int_equal(sbx_cgroup_plan(NULL, &opts, &plan, &err), 0);
	assert_false(plan->use_cgroup);
	sbx_cgroup_plan_free(plan);

	/*
	 * best-effort: RLIMIT_AS stands in, and the report can list what was not
	 * enforced; RLIMIT_NPROC enforces the pids limit exactly (not listed)
	 */
	opts.mode = SBX_CGROUP_BEST_EFFORT;
	res.has_pids_limit = true;
	res.pids_limit = 32;
	assert_int_equal(sbx_cgroup_plan(&res, &opts, &plan, &err), 0);
	assert_false(plan->use_cgroup);
	assert_int_equal(plan->fallback.n_rlimits, 2);
	assert_int_equal(plan->fallback.rlimits[0].resource, RLIMIT_AS);
	assert_int_equal(plan->fallback.rlimits[1].resource, RLIMIT_NPROC);
	assert_int_equal(plan->fallback.rlimits[1].soft, 32);
	assert_int_equal(plan->fallback.n_unenforced, 2); /* memory.max, memory.swap.max */
	sbx_cgroup_plan_free(plan);
	sbx_cgroup_root_free(root);
	assert_nothing_created();
}

int main(void)
{
	/* Only v1/hybrid hosts (or none): elsewhere root_open would rightly create cgroups. */
	_cleanup_free_ char *mi = NULL;
	size_t len;
	struct sbx_cgroup_mounts m;
	if (sbx_read_all("/proc/self/mountinfo", 4 << 20, &mi, &len) < 0 ||
	    sbx_cgroup_parse_mountinfo(mi, &m) < 0) {
		printf("cannot read /proc/self/mountinfo\n");
		return 1;
	}
	bool no_v2 = m.v1_controllers || !m.cgroup2_mount;
	sbx_cgroup_mounts_clear(&m);
	if (!no_v2) {
		printf("skip: this host has a cgroup v2 hierarchy; this test covers v1/hybrid "
		       "hosts\n");
		return 77;
	}
	int r = sbx_cgroup_probe(SBX_CG_MEMORY | SBX_CG_CPU | SBX_CG_PIDS, NULL, reason,
				 sizeof(reason));
	if (r != 0) {
		printf("probe: expected \"unusable\", got %d\n", r);
		return 1;
	}
	printf("# no usable cgroup v2 here: %s\n", reason);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_is_unusable_and_read_only),
		cmocka_unit_test(test_required_fails),
		cmocka_unit_test(test_limits_name_the_controller),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the pure cgroup planner: limits -> writes, controllers, modes, fallbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "cgroups/limits.h"

#define MIB ((int64_t)1024 * 1024)

static struct sbx_cgroup_plan *plan_ok(const struct sbx_resources *res,
				       const struct sbx_cgroup_plan_opts *opts)
{
	struct sbx_cgroup_plan *plan = NULL;
	struct sbx_error err = {0};
	int r = sbx_cgroup_plan(res, opts, &plan, &err);
	if (r < 0)
		fail_msg("unexpected plan error: %s", err.msg);
	assert_non_null(plan);
	return plan;
}

/* Plans res, expects an error whose message contains every string in the NULL-terminated list. */
static void plan_err(const struct sbx_resources *res, const struct sbx_cgroup_plan_opts *opts, ...)
{
	struct sbx_cgroup_plan *plan = NULL;
	struct sbx_error err = {0};
	int r = sbx_cgroup_plan(res, opts, &plan, &err);
	if (r >= 0)
		fail_msg("expected a plan error");
	assert_null(plan);
	va_list ap;
	va_start(ap, opts);
	for (const char *s; (s = va_arg(ap, const char *));)
		if (!strstr(err.msg, s))
			fail_msg("error \"%s\" does not mention \"%s\"", err.msg, s);
	va_end(ap);
}

static const char *value_of(const struct sbx_cgroup_plan *plan, const char *file)
{
	const struct sbx_cgroup_write *w = sbx_cgroup_plan_find(plan, file);
	return w ? w->value : NULL;
}

static void test_memory_limit_implies_no_swap(void **state)
{
	struct sbx_resources res = {.has_memory_limit = true, .memory_limit = 256 * MIB};
	struct sbx_cgroup_plan *plan = plan_ok(&res, NULL);
	assert_true(plan->use_cgroup);
	assert_string_equal(value_of(plan, "memory.max"), "268435456");
	assert_true(sbx_cgroup_plan_memory_max(plan) == 256 * MIB);
	const struct sbx_cgroup_write *swap = sbx_cgroup_plan_find(plan, "memory.swap.max");
	assert_non_null(swap);
	assert_string_equal(swap->value, "0");
	assert_true(swap->flags & SBX_CGW_SWAP);
	assert_string_equal(value_of(plan, "memory.oom.group"), "1");
	assert_int_equal(plan->requested, SBX_CG_MEMORY);
	assert_int_equal(plan->controllers, SBX_CG_MEMORY);
	assert_int_equal(plan->fallback.n_rlimits, 0);
	assert_int_equal(plan->fallback.n_unenforced, 0);
	sbx_cgroup_plan_free(plan);
}

static void test_memory_unlimited_and_unset(void **state)
{
	struct sbx_resources res = {.has_memory_limit = true, .memory_limit = -1};
	struct sbx_cgroup_plan *plan = plan_ok(&res, NULL);
	/* a new cgroup starts unlimited: nothing to write, nothing required */
	assert_null(value_of(plan, "memory.max"));
	assert_null(value_of(plan, "memory.swap.max"));
	assert_true(sbx_cgroup_plan_memory_max(plan) == UINT64_MAX);
	assert_int_equal(plan->requested, 0);
	sbx_cgroup_plan_free(plan);
	res.memory_limit = 0; /* OCI/runc: 0 = not set */
	plan = plan_ok(&res, NULL);
	assert_null(value_of(plan, "memory.max"));
	sbx_cgroup_plan_free(plan);
}

static void test_memory_invalid(void **state)
{
	struct sbx_resources res = {.has_memory_limit = true, .memory_limit = -5};
	plan_err(&res, NULL, "linux.resources.memory.limit", "--memory", "-5", NULL);
	struct sbx_resources r2 = {.has_memory_reservation = true, .memory_reservation = -7};
	plan_err(&r2, NULL, "linux.resources.memory.reservation", "-7", NULL);
	struct sbx_resources r3 = {.has_swap_max = true, .swap_max = -3};
	plan_err(&r3, NULL, "--memory-swap", "-3", NULL);
}

static void test_oci_swap_total(void **state)
{
	struct sbx_resources res = {.has_memory_limit = true,
				    .memory_limit = 100 * MIB,
				    .has_memory_swap = true,
				    .memory_swap = 150 * MIB};
	struct sbx_cgroup_plan *plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "memory.swap.max"), "52428800");
	sbx_cgroup_plan_free(plan);

	res.memory_swap = 100 * MIB; /* memory+swap == memory: no swap */
	plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "memory.swap.max"), "0");
	sbx_cgroup_plan_free(plan);

	res.memory_swap = -1;
	plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "memory.swap.max"), "max");
	sbx_cgroup_plan_free(plan);

	res.memory_swap = 50 * MIB;
	plan_err(&res, NULL, "linux.resources.memory.swap", "52428800",
		 "less than the memory limit", NULL);

	struct sbx_resources nolimit = {.has_memory_swap = true, .memory_swap = 50 * MIB};
	plan_err(&nolimit, NULL, "linux.resources.memory.swap", "needs a memory limit", NULL);

	struct sbx_resources unl = {.has_memory_limit = true,
				    .memory_limit = -1,
				    .has_memory_swap = true,
				    .memory_swap = 50 * MIB};
	plan = plan_ok(&unl, NULL);
	assert_string_equal(value_of(plan, "memory.swap.max"), "52428800");
	assert_null(value_of(plan, "memory.max"));
	sbx_cgroup_plan_free(plan);
}

static void test_swap_flag_wins(void **state)
{
	struct sbx_resources res = {.has_memory_limit = true,
				    .memory_limit = 100 * MIB,
				    .has_memory_swap = true,
				    .memory_swap = 300 * MIB,
				    .has_swap_max = true,
				    .swap_max = 0};
	struct sbx_cgroup_plan *plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "memory.swap.max"), "0");
	sbx_cgroup_plan_free(plan);
	res.swap_max = -1;
	plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "memory.swap.max"), "max");
	sbx_cgroup_plan_free(plan);
	res.swap_max = 64 * MIB;
	plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "memory.swap.max"), "67108864");
	sbx_cgroup_plan_free(plan);
}

static void test_memory_low_high(void **state)
{
	struct sbx_resources res = {.has_memory_reservation = true,
				    .memory_reservation = 8 * MIB,
				    .has_memory_high = true,
				    .memory_high = 32 * MIB};
	struct sbx_cgroup_plan *plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "memory.low"), "8388608");
	assert_string_equal(value_of(plan, "memory.high"), "33554432");
	/* not a hard limit: swap stays as the parent has it */
	assert_null(value_of(plan, "memory.swap.max"));
	assert_null(value_of(plan, "memory.max"));
	sbx_cgroup_plan_free(plan);
}

static void test_cpu_max(void **state)
{
	struct sbx_resources res = {.has_cpu_quota = true, .cpu_quota = 50000};
	struct sbx_cgroup_plan *plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "cpu.max"), "50000 100000");
	assert_int_equal(plan->requested, SBX_CG_CPU);
	sbx_cgroup_plan_free(plan);

	res.has_cpu_period = true;
	res.cpu_period = 20000;
	res.cpu_quota = 10000;
	plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "cpu.max"), "10000 20000");
	sbx_cgroup_plan_free(plan);

	res.cpu_period = 0;
	plan_err(&res, NULL, "linux.resources.cpu.period", "0", "quota", NULL);
	res.cpu_period = 2000000;
	plan_err(&res, NULL, "linux.resources.cpu.period", "2000000", NULL);

	struct sbx_resources small = {.has_cpu_quota = true, .cpu_quota = 500};
	plan_err(&small, NULL, "linux.resources.cpu.quota", "--cpus", "500", "minimum", NULL);
	struct sbx_resources neg = {.has_cpu_quota = true, .cpu_quota = -2};
	plan_err(&neg, NULL, "linux.resources.cpu.quota", "-2", NULL);

	struct sbx_resources unl = {.has_cpu_quota = true,
				    .cpu_quota = -1,
				    .has_cpu_period = true,
				    .cpu_period = 50000};
	plan = plan_ok(&unl, NULL);
	assert_null(value_of(plan, "cpu.max"));
	sbx_cgroup_plan_free(plan);
}

static void test_shares_to_weight(void **state)
{
	/* values of the runc >= 1.3.2 / current crun quadratic fit (computed with libm) */
	assert_int_equal(sbx_cgroup_shares_to_weight(0), 0);
	assert_int_equal(sbx_cgroup_shares_to_weight(1), 1);
	assert_int_equal(sbx_cgroup_shares_to_weight(2), 1);
	assert_int_equal(sbx_cgroup_shares_to_weight(3), 2);
	assert_int_equal(sbx_cgroup_shares_to_weight(100), 17);
	assert_int_equal(sbx_cgroup_shares_to_weight(512), 59);
	assert_int_equal(sbx_cgroup_shares_to_weight(1024), 100);
	assert_int_equal(sbx_cgroup_shares_to_weight(2048), 174);
	assert_int_equal(sbx_cgroup_shares_to_weight(262143), 10000);
	assert_int_equal(sbx_cgroup_shares_to_weight(262144), 10000);
	assert_int_equal(sbx_cgroup_shares_to_weight(1000000), 10000);
	uint64_t prev = 0;
	for (uint64_t s = 2; s <= 262144; s += 97) {
		uint64_t w = sbx_cgroup_shares_to_weight(s);
		assert_true(w >= prev && w >= 1 && w <= 10000);
		prev = w;
	}
}

static void test_cpu_weight(void **state)
{
	struct sbx_resources res = {.has_cpu_shares = true, .cpu_shares = 1024};
	struct sbx_cgroup_plan *plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "cpu.weight"), "100");
	sbx_cgroup_plan_free(plan);
	res.has_cpu_weight = true; /* the flag wins over shares */
	res.cpu_weight = 250;
	plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "cpu.weight"), "250");
	sbx_cgroup_plan_free(plan);
	res.cpu_weight = 0;
	plan_err(&res, NULL, "--cpu-weight", "0", "1-10000", NULL);
	res.cpu_weight = 10001;
	plan_err(&res, NULL, "--cpu-weight", "10001", NULL);
	struct sbx_resources zero = {.has_cpu_shares = true, .cpu_shares = 0};
	plan = plan_ok(&zero, NULL);
	assert_null(value_of(plan, "cpu.weight"));
	sbx_cgroup_plan_free(plan);
}

static void test_cpuset_parse_format(void **state)
{
	uint64_t bits[4];
	const char *bad = NULL;
	char buf[128];
	assert_int_equal(sbx_cpuset_parse("0-3,5,7-8", bits, 4, &bad), 0);
	sbx_cpuset_format(bits, 4, buf, sizeof(buf));
	assert_string_equal(buf, "0-3,5,7-8");
	assert_int_equal(sbx_cpuset_parse(" 1 , 2-3\n", bits, 4, &bad), 0);
	sbx_cpuset_format(bits, 4, buf, sizeof(buf));
	assert_string_equal(buf, "1-3");
	assert_int_equal(sbx_cpuset_parse("63-65,200", bits, 4, &bad), 0);
	sbx_cpuset_format(bits, 4, buf, sizeof(buf));
	assert_string_equal(buf, "63-65,200");
	assert_int_equal(sbx_cpuset_parse("", bits, 4, &bad), 0);
	sbx_cpuset_format(bits, 4, buf, sizeof(buf));
	assert_string_equal(buf, "");

	const char *s = "0-";
	assert_int_equal(sbx_cpuset_parse(s, bits, 4, &bad), -EINVAL);
	assert_ptr_equal(bad, s + 2);
	s = "3-1";
	assert_int_equal(sbx_cpuset_parse(s, bits, 4, &bad), -EINVAL);
	assert_ptr_equal(bad, s);
	assert_int_equal(sbx_cpuset_parse("1,,2", bits, 4, &bad), -EINVAL);
	assert_int_equal(sbx_cpuset_parse("1,", bits, 4, &bad), -EINVAL);
	assert_int_equal(sbx_cpuset_parse("a", bits, 4, &bad), -EINVAL);
	assert_int_equal(sbx_cpuset_parse("1 2", bits, 4, &bad), -EINVAL);
	assert_int_equal(sbx_cpuset_parse("-1", bits, 4, &bad), -EINVAL);
	assert_int_equal(sbx_cpuset_parse("256", bits, 4, &bad), -ERANGE);
	assert_int_equal(sbx_cpuset_parse("99999", bits, 4, &bad), -ERANGE);
}

static void test_cpuset_plan(void **state)
{
	struct sbx_resources res = {.has_cpu_quota = true,
				    .cpu_quota = 20000,
				    .cpuset_cpus = "1, 0",
				    .cpuset_mems = "0"};
	struct sbx_cgroup_plan *plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "cpuset.cpus"), "0-1");
	assert_string_equal(value_of(plan, "cpuset.mems"), "0");
	/* cpuset is written before cpu.max */
	assert_string_equal(plan->writes[0].file, "cpuset.cpus");
	assert_string_equal(plan->writes[1].file, "cpuset.mems");
	assert_string_equal(plan->writes[2].file, "cpu.max");
	assert_int_equal(plan->requested, SBX_CG_CPU | SBX_CG_CPUSET);
	sbx_cgroup_plan_free(plan);

	struct sbx_resources bad = {.cpuset_cpus = "0-"};
	plan_err(&bad, NULL, "linux.resources.cpu.cpus", "--cpuset", "\"0-\"", "offset 2", NULL);
	struct sbx_resources far = {.cpuset_mems = "70000"};
	plan_err(&far, NULL, "linux.resources.cpu.mems", "70000", "out of range", NULL);
	struct sbx_resources empty = {.cpuset_cpus = ""};
	plan = plan_ok(&empty, NULL);
	assert_int_equal(plan->requested, 0);
	sbx_cgroup_plan_free(plan);
}

static void test_pids(void **state)
{
	struct sbx_resources res = {.has_pids_limit = true, .pids_limit = 32};
	struct sbx_cgroup_plan *plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "pids.max"), "32");
	assert_int_equal(plan->requested, SBX_CG_PIDS);
	sbx_cgroup_plan_free(plan);
	res.pids_limit = 0;
	plan = plan_ok(&res, NULL);
	assert_null(value_of(plan, "pids.max"));
	sbx_cgroup_plan_free(plan);
}

static void test_unified(void **state)
{
	struct sbx_kv kv[] = {
		{"memory.high", "1073741824"}, {"memory.max", "max"}, {"pids.max", "10"}};
	struct sbx_resources res = {
		.has_memory_limit = true, .memory_limit = 64 * MIB, .unified = kv, .n_unified = 3};
	struct sbx_cgroup_plan *plan = plan_ok(&res, NULL);
	assert_string_equal(value_of(plan, "memory.high"), "1073741824");
	/* unified overrides the typed field, as in crun */
	assert_string_equal(value_of(plan, "memory.max"), "max");
	assert_true(sbx_cgroup_plan_memory_max(plan) == UINT64_MAX);
	assert_string_equal(value_of(plan, "pids.max"), "10");
	assert_int_equal(plan->requested, SBX_CG_MEMORY | SBX_CG_PIDS);
	sbx_cgroup_plan_free(plan);

	static const char *const bad_keys[] = {
		"../memory.max", "memory.max/x",	   "memory",  "memory.",
		"cgroup.procs",	 "cgroup.subtree_control", "foo.bar", "memory..max"};
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(*bad_keys); i++) {
		struct sbx_kv one = {(char *)bad_keys[i], "1"};
		struct sbx_resources r1 = {.unified = &one, .n_unified = 1};
		plan_err(&r1, NULL, "linux.resources.unified", bad_keys[i], NULL);
	}
	struct sbx_kv empty = {"io.max", ""};
	struct sbx_resources r2 = {.unified = &empty, .n_unified = 1};
	plan_err(&r2, NULL, "linux.resources.unified[\"io.max\"]", "invalid value", NULL);
	/* a memory.max given only through unified still counts */
	struct sbx_kv mm = {"memory.max", "4194304"};
	struct sbx_resources r4 = {.unified = &mm, .n_unified = 1};
	plan = plan_ok(&r4, NULL);
	assert_true(sbx_cgroup_plan_memory_max(plan) == 4 * MIB);
	sbx_cgroup_plan_free(plan);
	struct sbx_kv io = {"io.weight", "default 200"};
	struct sbx_resources r3 = {.unified = &io, .n_unified = 1};
	plan = plan_ok(&r3, NULL);
	assert_int_equal(plan->requested, SBX_CG_IO);
	sbx_cgroup_plan_free(plan);
}

static const struct sbx_resources all_limits = {
	.has_memory_limit = true,
	.memory_limit = 128 * MIB,
	.has_cpu_quota = true,
	.cpu_quota = 50000,
	.has_pids_limit = true,
	.pids_limit = 64,
};

static void test_auto_missing_controller(void **state)
{
	struct sbx_cgroup_plan_opts opts = {.mode = SBX_CGROUP_AUTO,
					    .cgroup_usable = true,
					    .available = SBX_CG_CPU | SBX_CG_PIDS,
					    .parent = "/sys/fs/cgroup/sbxctr"};
	plan_err(&all_limits, &opts, "controller \"memory\"", "/sys/fs/cgroup/sbxctr",
		 "memory limit", "best-effort", NULL);
	opts.mode = SBX_CGROUP_REQUIRED;
	plan_err(&all_limits, &opts, "controller \"memory\"", NULL);
}

static void test_auto_unusable(void **state)
{
	struct sbx_cgroup_plan_opts opts = {.mode = SBX_CGROUP_AUTO,
					    .cgroup_usable = false,
					    .unusable_reason = "cgroup v1 controllers are mounted"};
	struct sbx_resources pids = {.has_pids_limit = true, .pids_limit = 10};
	plan_err(&pids, &opts, "controller \"pids\"", "cgroup v1 controllers are mounted",
		 "pids limit", NULL);
	/* without limits: run without a cgroup, no fallback needed */
	struct sbx_resources none = {0};
	struct sbx_cgroup_plan *plan = plan_ok(&none, &opts);
	assert_false(plan->use_cgroup);
	assert_int_equal(plan->n_writes, 0);
	assert_int_equal(plan->fallback.n_rlimits, 0);
	sbx_cgroup_plan_free(plan);
	opts.mode = SBX_CGROUP_REQUIRED;
	plan_err(&none, &opts, "--cgroups required", "cgroup v1 controllers are mounted", NULL);
}

static const struct sbx_cgroup_unenforced *unenforced(const struct sbx_cgroup_plan *plan,
						      const char *limit)
{
	for (size_t i = 0; i < plan->fallback.n_unenforced; i++)
		if (strcmp(plan->fallback.unenforced[i].limit, limit) == 0)
			return &plan->fallback.unenforced[i];
	return NULL;
}

static void test_best_effort(void **state)
{
	struct sbx_cgroup_plan_opts opts = {.mode = SBX_CGROUP_BEST_EFFORT,
					    .cgroup_usable = true,
					    .available = SBX_CG_CPU};
	struct sbx_cgroup_plan *plan = plan_ok(&all_limits, &opts);
	assert_true(plan->use_cgroup);
	/* only what the host can enforce is written */
	assert_string_equal(value_of(plan, "cpu.max"), "50000 100000");
	assert_null(value_of(plan, "memory.max"));
	assert_null(value_of(plan, "memory.oom.group"));
	assert_null(value_of(plan, "pids.max"));
	assert_int_equal(plan->controllers, SBX_CG_CPU);
	assert_int_equal(plan->requested, SBX_CG_CPU | SBX_CG_MEMORY | SBX_CG_PIDS);
	/*
	 * memory -> RLIMIT_AS (and still listed: it bounds address space, not memory);
	 * pids -> RLIMIT_NPROC, exact, so not listed
	 */
	assert_int_equal(plan->fallback.n_rlimits, 2);
	assert_int_equal(plan->fallback.rlimits[0].resource, RLIMIT_AS);
	assert_int_equal(plan->fallback.rlimits[0].soft, 128 * MIB);
	assert_int_equal(plan->fallback.rlimits[0].hard, 128 * MIB);
	assert_int_equal(plan->fallback.rlimits[1].resource, RLIMIT_NPROC);
	assert_int_equal(plan->fallback.rlimits[1].soft, 64);
	assert_int_equal(plan->fallback.rlimits[1].hard, 64);
	assert_string_equal(unenforced(plan, "memory.max")->fallback, "RLIMIT_AS");
	assert_null(unenforced(plan, "memory.swap.max")->fallback);
	assert_null(unenforced(plan, "pids.max"));
	assert_null(unenforced(plan, "cpu.max"));
	sbx_cgroup_plan_free(plan);

	/*
	 * no cgroup at all: cpu.max is unenforced too; a CPU-time limit is the runtime's
	 * (it polls the whole tree), never a fallback
	 */
	opts.cgroup_usable = false;
	plan = plan_ok(&all_limits, &opts);
	assert_false(plan->use_cgroup);
	assert_int_equal(plan->n_writes, 0);
	assert_int_equal(plan->fallback.n_rlimits, 2);
	assert_non_null(unenforced(plan, "cpu.max"));
	assert_null(unenforced(plan, "cpu-time"));
	assert_null(unenforced(plan, "pids.max"));
	sbx_cgroup_plan_free(plan);
}

static void test_off(void **state)
{
	struct sbx_cgroup_plan_opts opts = {
		.mode = SBX_CGROUP_OFF, .cgroup_usable = true, .available = SBX_CG_ALL};
	struct sbx_cgroup_plan *plan = plan_ok(&all_limits, &opts);
	assert_false(plan->use_cgroup);
	assert_int_equal(plan->n_writes, 0);
	assert_int_equal(plan->fallback.n_rlimits, 2);
	assert_int_equal(plan->fallback.rlimits[0].resource, RLIMIT_AS);
	assert_int_equal(plan->fallback.rlimits[1].resource, RLIMIT_NPROC);
	assert_int_equal(plan->fallback.n_unenforced,
			 3); /* memory.max, memory.swap.max, cpu.max */
	sbx_cgroup_plan_free(plan);
}

static void test_fallback_function(void **state)
{
	struct sbx_cgroup_fallback fb;
	struct sbx_error err = {0};
	assert_int_equal(sbx_cgroup_fallback(&all_limits, SBX_CG_ALL, true, &fb, &err), 0);
	assert_int_equal(fb.n_rlimits, 0);
	assert_int_equal(fb.n_unenforced, 0);
	sbx_cgroup_fallback_clear(&fb);
	assert_int_equal(sbx_cgroup_fallback(&all_limits, SBX_CG_MEMORY, true, &fb, &err), 0);
	assert_int_equal(fb.n_rlimits, 1); /* RLIMIT_NPROC for pids.max */
	assert_int_equal(fb.n_unenforced, 1); /* cpu.max */
	sbx_cgroup_fallback_clear(&fb);
	struct sbx_resources bad = {.has_memory_limit = true, .memory_limit = -9};
	assert_true(sbx_cgroup_fallback(&bad, 0, false, &fb, &err) < 0);
	assert_non_null(strstr(err.msg, "-9"));
}

static void test_controllers_and_modes(void **state)
{
	char buf[128];
	assert_int_equal(
		sbx_cgroup_controllers_parse("cpuset cpu io memory hugetlb pids rdma misc\n"),
		SBX_CG_ALL);
	assert_int_equal(sbx_cgroup_controllers_parse("hugetlb\n"), SBX_CG_HUGETLB);
	assert_int_equal(sbx_cgroup_controllers_parse(""), 0);
	assert_int_equal(sbx_cgroup_controllers_parse("memory  pids frob"),
			 SBX_CG_MEMORY | SBX_CG_PIDS);
	sbx_cgroup_controllers_format(SBX_CG_PIDS | SBX_CG_CPU | SBX_CG_MEMORY, buf, sizeof(buf));
	assert_string_equal(buf, "cpu memory pids");
	assert_string_equal(sbx_cgroup_controller_name(SBX_CG_CPUSET), "cpuset");
	assert_null(sbx_cgroup_controller_name(SBX_CG_CPU | SBX_CG_IO));
	enum sbx_cgroup_mode m;
	assert_int_equal(sbx_cgroup_mode_parse("best-effort", &m), 0);
	assert_int_equal(m, SBX_CGROUP_BEST_EFFORT);
	assert_int_equal(sbx_cgroup_mode_parse("off", &m), 0);
	assert_int_equal(m, SBX_CGROUP_OFF);
	assert_int_equal(sbx_cgroup_mode_parse("sometimes", &m), -EINVAL);
	assert_string_equal(sbx_cgroup_mode_name(SBX_CGROUP_REQUIRED), "required");
}

static void test_no_resources(void **state)
{
	struct sbx_cgroup_plan *plan = plan_ok(NULL, NULL);
	assert_true(plan->use_cgroup);
	assert_int_equal(plan->requested, 0);
	/* only the OOM group kill, which is not a requested limit */
	assert_int_equal(plan->n_writes, 1);
	assert_string_equal(plan->writes[0].file, "memory.oom.group");
	assert_true(plan->writes[0].flags & SBX_CGW_OPTIONAL);
	sbx_cgroup_plan_free(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_limit_implies_no_swap),
		cmocka_unit_test(test_memory_unlimited_and_unset),
		cmocka_unit_test(test_memory_invalid),
		cmocka_unit_test(test_oci_swap_total),
		cmocka_unit_test(test_swap_flag_wins),
		cmocka_unit_test(test_memory_low_high),
		cmocka_unit_test(test_cpu_max),
		cmocka_unit_test(test_shares_to_weight),
		cmocka_unit_test(test_cpu_weight),
		cmocka_unit_test(test_cpuset_parse_format),
		cmocka_unit_test(test_cpuset_plan),
		cmocka_unit_test(test_pids),
		cmocka_unit_test(test_unified),
		cmocka_unit_test(test_auto_missing_controller),
		cmocka_unit_test(test_auto_unusable),
		cmocka_unit_test(test_best_effort),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_fallback_function),
		cmocka_unit_test(test_controllers_and_modes),
		cmocka_unit_test(test_no_resources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

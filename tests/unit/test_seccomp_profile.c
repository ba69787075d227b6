/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp profile parsing, validation messages and moby's resolution step (pure). */
#include <errno.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profiles/seccomp_profile.h"
#include "core/cleanup.h"
#include "core/util.h"

#define CAP(c) (UINT64_C(1) << (c))
#define CAP_NET_ADMIN 12
#define CAP_SYS_ADMIN 21

static struct sbx_seccomp_profile *parse_ok(const char *json)
{
	struct sbx_error err = {0};
	struct sbx_seccomp_profile *p = NULL;
	if (sbx_seccomp_profile_parse("p.json", json, strlen(json), &p, &err) < 0)
		fail_msg("parse failed: %s\n  for %s", err.msg, json);
	return p;
}

/* The exact message: documents what users see. */
static void parse_fails(const char *json, const char *msg)
{
	struct sbx_error err = {0};
	struct sbx_seccomp_profile *p = NULL;
	int r = sbx_seccomp_profile_parse("p.json", json, strlen(json), &p, &err);
	sbx_seccomp_profile_free(p);
	if (r >= 0)
		fail_msg("expected \"%s\" for %s", msg, json);
	assert_int_equal(r, -EINVAL);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("got      \"%s\"\nexpected \"%s\"", err.msg, msg);
}

static struct sbx_seccomp_env env(uint64_t caps, uint32_t arch, unsigned int maj, unsigned int min)
{
	return (struct sbx_seccomp_env){.bounding_caps = caps,
					.native_arch = arch,
					.kernel_major = maj,
					.kernel_minor = min};
}

static struct sbx_seccomp_resolved *resolve_ok(const struct sbx_seccomp_profile *p,
					       struct sbx_seccomp_env e)
{
	struct sbx_error err = {0};
	struct sbx_seccomp_resolved *r = NULL;
	if (sbx_seccomp_resolve(p, &e, &r, &err) < 0)
		fail_msg("resolve failed: %s", err.msg);
	return r;
}

#define ENTRY(x)                                                                                   \
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"getpid\"],\"action\":"  \
	"\"SCMP_ACT_ALLOW\"}," x "]}"

static void test_t38f_load_errors(void **state)
{
	parse_fails(
		ENTRY("{\"name\":\"chmod\",\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ALLOW\"}"),
		"p.json: syscalls[1]: both 'name' and 'names' are specified, use one");
	parse_fails(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{"
			  "\"minKernel\":\"4.8.0\"}}"),
		    "p.json: syscalls[1].includes.minKernel: invalid kernel version \"4.8.0\", "
		    "expected "
		    "\"<major>.<minor>\"");
	parse_fails(
		ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
		      "\"value\":1,\"op\":\"SCMP_CMP_FOO\"}]}"),
		"p.json: syscalls[1].args[0].op: unknown operator \"SCMP_CMP_FOO\"");
	parse_fails(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_FOO\"}"),
		    "p.json: syscalls[1].action: unknown action \"SCMP_ACT_FOO\"");
	parse_fails(
		ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,"
		      "\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}"),
		"p.json: syscalls[1].args[0].index: argument index 6 is out of range (0-5)");
	parse_fails(
		ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":4095}"),
		"p.json: syscalls[1].errnoRet: errno 4095 is out of range (libseccomp accepts "
		"0-4094 "
		"after truncation to 16 bits)");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\","
		    "\"SCMP_ARCH_PDP11\"]}",
		    "p.json: architectures[1]: unknown architecture \"SCMP_ARCH_PDP11\"");
	/* runc rejects the names it does not know even when the spec lists them */
	parse_fails(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_PARISC\"]}",
		"p.json: architectures[0]: unknown architecture \"SCMP_ARCH_PARISC\"");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":4095}",
		    "p.json: defaultErrnoRet: errno 4095 is out of range (libseccomp accepts "
		    "0-4094 after "
		    "truncation to 16 bits)");
}

static void test_min_kernel_formats(void **state)
{
	/* moby's TestMarshalUnmarshalFilter: all of these fail */
	const char *bad[] = {"\"4.8.0\"", "\"4\"",     "\".3\"",   "\"3.\"",   "\"4.15abc\"",
			     "\"0.0\"",	  "\"256.1\"", "\"+4.8\"", "\" 4.8\"", "\"4.-1\""};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *json = sbx_xasprintf(
			ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{"
			      "\"minKernel\":%s}}"),
			bad[i]);
		struct sbx_error err = {0};
		struct sbx_seccomp_profile *p = NULL;
		assert_int_equal(sbx_seccomp_profile_parse("p.json", json, strlen(json), &p, &err),
				 -EINVAL);
		assert_non_null(
			strstr(err.msg, "syscalls[1].excludes.minKernel: invalid kernel version"));
	}
	parse_fails(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{"
			  "\"minKernel\":4.8}}"),
		    "p.json: syscalls[1].includes.minKernel: expected a string, got 4.8");
	parse_fails(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{"
			  "\"minKernel\":true}}"),
		    "p.json: syscalls[1].includes.minKernel: expected a string, got true");
	/* valid: leading zeros, 255, "" (moby quirk: 0.0), null (no criterion) */
	const char *good[] = {"\"4.08\"", "\"255.255\"", "\"0.1\"", "\"\"", "null"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(good); i++) {
		_cleanup_free_ char *json = sbx_xasprintf(
			ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{"
			      "\"minKernel\":%s}}"),
			good[i]);
		sbx_seccomp_profile_free(parse_ok(json));
	}
	struct sbx_seccomp_profile *p =
		parse_ok(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{"
			       "\"minKernel\":\"4.08\"}}"));
	assert_true(p->syscalls[1].includes.has_min_kernel);
	assert_int_equal(p->syscalls[1].includes.min_kernel_major, 4);
	assert_int_equal(p->syscalls[1].includes.min_kernel_minor, 8);
	sbx_seccomp_profile_free(p);
}

static void test_type_errors(void **state)
{
	parse_fails("[]", "p.json: (top level): expected an object, got an array");
	parse_fails("{\"defaultAction\":1}", "p.json: defaultAction: expected a string, got 1");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}",
		    "p.json: defaultErrnoRet: expected an unsigned integer, got -1");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1.5}",
		    "p.json: defaultErrnoRet: expected an unsigned integer, got 1.5");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":\"1\"}",
		    "p.json: defaultErrnoRet: expected an unsigned integer, got \"1\"");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":{}}",
		    "p.json: syscalls: expected an array, got an object");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[null]}",
		    "p.json: syscalls[0]: expected an object, got null");
	parse_fails(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"comment\":5}"),
		    "p.json: syscalls[1].comment: expected a string, got 5");
	parse_fails(ENTRY("{\"names\":\"chmod\",\"action\":\"SCMP_ACT_ALLOW\"}"),
		    "p.json: syscalls[1].names: expected an array of strings, got \"chmod\"");
	parse_fails(ENTRY("{\"names\":[\"\"],\"action\":\"SCMP_ACT_ALLOW\"}"),
		    "p.json: syscalls[1].names[0]: empty string is not a valid syscall name");
	parse_fails(ENTRY("{\"names\":[\"chmod\"]}"), "p.json: syscalls[1].action: missing");
	parse_fails(ENTRY("{\"names\":[\"chmod\"],\"action\":\"\"}"),
		    "p.json: syscalls[1].action: empty action");
	parse_fails(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{"
			  "\"index\":0}]}"),
		    "p.json: syscalls[1].args[0].op: missing (one of SCMP_CMP_NE, _LT, _LE, _EQ, "
		    "_GE, _GT, "
		    "_MASKED_EQ)");
	parse_fails(
		ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
		      "\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}"),
		"p.json: syscalls[1].args[0].value: expected an unsigned integer, got -1");
	/* a number beyond 64 bits is refused while parsing the JSON itself */
	const char *big =
		ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{"
		      "\"index\":0,\"value\":18446744073709551616,\"op\":\"SCMP_CMP_EQ\"}]}");
	struct sbx_error err = {0};
	struct sbx_seccomp_profile *p = NULL;
	assert_true(sbx_seccomp_profile_parse("p.json", big, strlen(big), &p, &err) < 0);
	assert_null(p);
	assert_non_null(strstr(err.msg, "does not fit in 64 bits"));
	parse_fails(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":[]}"),
		    "p.json: syscalls[1].includes: expected an object, got an array");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}",
		    "p.json: defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	parse_fails(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_FOO\"]}",
		"p.json: flags[0]: unknown seccomp filter flag \"SECCOMP_FILTER_FLAG_FOO\"");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerMetadata\":\"x\"}",
		    "p.json: listenerMetadata: set without listenerPath");
	parse_fails("{\"syscalls\":[{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
		    "p.json: defaultAction: missing (required when syscalls are listed)");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrno\":\"EWHAT\"}",
		    "p.json: defaultErrno: unknown errno \"EWHAT\"");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",",
		    "p.json: invalid JSON: unexpected end of input");
}

static void test_valid_forms(void **state)
{
	/* 2020-era Go rendering: empty includes/excludes/args/comment on every entry */
	struct sbx_seccomp_profile *p = parse_ok(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"syscalls\":[{"
		"\"names\":"
		"[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[],\"comment\":\"\","
		"\"includes\":{},"
		"\"excludes\":{}},{\"name\":\"mkdir\",\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":"
		"65537,"
		"\"args\":null,\"names\":null,\"someFutureKey\":[1,2]}],\"unknown\":{\"x\":1}}");
	assert_int_equal(p->n_syscalls, 2);
	assert_true(p->syscalls[0].has_includes && p->syscalls[0].includes.caps == NULL);
	assert_string_equal(p->syscalls[1].names[0], "mkdir"); /* legacy name folded */
	assert_null(p->syscalls[1].names[1]);
	assert_int_equal(p->syscalls[1].errno_ret, 65537);
	assert_int_equal(sbx_seccomp_action_scmp(p->syscalls[1].action, true, 65537),
			 SCMP_ACT_ERRNO(1));
	sbx_seccomp_profile_free(p);

	/* Go's decoder: keys match case-insensitively and the last one wins */
	p = parse_ok("{\"DEFAULTACTION\":\"SCMP_ACT_KILL\",\"defaultAction\":\"SCMP_ACT_ALLOW\","
		     "\"Syscalls\":[{\"Names\":[\"chmod\"],\"ACTION\":\"SCMP_ACT_LOG\"}]}");
	assert_int_equal(p->default_action, SBX_SECCOMP_ACT_ALLOW);
	assert_int_equal(p->syscalls[0].action, SBX_SECCOMP_ACT_LOG);
	sbx_seccomp_profile_free(p);

	/* Podman's errno names override errnoRet */
	p = parse_ok(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"defaultErrno\":"
		"\"ENOSYS\",\"syscalls\":[{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\","
		"\"errnoRet\":1,\"errno\":\"EACCES\"},{\"names\":[\"mkdir\"],\"action\":"
		"\"SCMP_ACT_ERRNO\",\"errno\":\"12\"}]}");
	assert_int_equal(p->default_errno_ret, 38);
	assert_int_equal(p->syscalls[0].errno_ret, 13);
	assert_int_equal(p->syscalls[1].errno_ret, 12);
	sbx_seccomp_profile_free(p);

	/* an errnoRet the action does not use is not range-checked (runc ignores it) */
	sbx_seccomp_profile_free(
		parse_ok(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_KILL\","
			       "\"errnoRet\":4095}")));
	/* TRACE data and uint64 arguments beyond INT64_MAX */
	p = parse_ok(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":5000,"
			   "\"args\":[{\"index\":5,\"value\":18446744073709551615,\"valueTwo\":3,"
			   "\"op\":\"SCMP_CMP_MASKED_EQ\"}]}"));
	assert_int_equal(p->syscalls[1].args[0].value, UINT64_MAX);
	assert_int_equal(p->syscalls[1].args[0].value_two, 3);
	assert_int_equal(p->syscalls[1].args[0].index, 5);
	assert_int_equal(p->syscalls[1].args[0].op, SBX_SECCOMP_OP_MASKED_EQ);
	sbx_seccomp_profile_free(p);

	p = parse_ok(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\","
		"\"SECCOMP_FILTER_FLAG_TSYNC\"],\"listenerPath\":\"/run/x\",\"listenerMetadata\":"
		"\"meta\"}");
	assert_true(p->has_flags);
	assert_int_equal(p->flags, 3);
	assert_string_equal(p->listener_path, "/run/x");
	assert_string_equal(p->listener_metadata, "meta");
	sbx_seccomp_profile_free(p);
}

static void test_oci_config(void **state)
{
	/* a whole config.json: linux.seccomp is taken, and errors carry the path */
	struct sbx_seccomp_profile *p = parse_ok(
		"{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"sh\"]},\"linux\":{\"seccomp\":{"
		"\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
		"\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}");
	assert_int_equal(p->n_syscalls, 1);
	assert_string_equal(p->architectures[0], "SCMP_ARCH_X86_64");
	sbx_seccomp_profile_free(p);
	parse_fails("{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_"
		    "ACT_ERRNO\","
		    "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOPE\"}]}}}",
		    "p.json: linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_NOPE\"");
	parse_fails("{\"ociVersion\":\"1.2.0\",\"linux\":\"x\"}",
		    "p.json: linux: expected an object, got \"x\"");
	parse_fails("{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":[]}}",
		    "p.json: linux.seccomp: expected an object, got an array");
	/* no linux.seccomp: unconfined */
	p = parse_ok("{\"ociVersion\":\"1.2.0\",\"linux\":{}}");
	struct sbx_seccomp_resolved *r = resolve_ok(p, env(0, SCMP_ARCH_X86_64, 6, 1));
	assert_true(r->unconfined);
	sbx_seccomp_resolved_free(r);
	sbx_seccomp_profile_free(p);
}

static void test_t38g_unconfined(void **state)
{
	const char *forms[] = {
		"{}", "{\"defaultAction\":\"\"}", "{\"syscalls\":[]}",
		"{\"defaultAction\":null,\"syscalls\":null,\"architectures\":[\"SCMP_ARCH_X86\"]}"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(forms); i++) {
		struct sbx_seccomp_profile *p = parse_ok(forms[i]);
		struct sbx_seccomp_resolved *r = resolve_ok(p, env(0, SCMP_ARCH_X86_64, 6, 1));
		assert_true(r->unconfined);
		sbx_seccomp_resolved_free(r);
		sbx_seccomp_profile_free(p);
	}
	struct sbx_seccomp_profile *p = parse_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
	struct sbx_seccomp_resolved *r = resolve_ok(p, env(0, SCMP_ARCH_X86_64, 6, 1));
	assert_false(r->unconfined);
	assert_int_equal(r->default_action_scmp, SCMP_ACT_ALLOW);
	sbx_seccomp_resolved_free(r);
	sbx_seccomp_profile_free(p);
}

/* Whether entry 1 of a one-condition profile survives resolution. */
static bool kept(const char *cond_json, struct sbx_seccomp_env e)
{
	_cleanup_free_ char *json = sbx_xasprintf(
		ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",%s}"), cond_json);
	struct sbx_seccomp_profile *p = parse_ok(json);
	struct sbx_seccomp_resolved *r = resolve_ok(p, e);
	bool k = r->drop[1] == SBX_SECCOMP_KEPT;
	assert_int_equal(r->n_kept, k ? 2 : 1);
	sbx_seccomp_resolved_free(r);
	sbx_seccomp_profile_free(p);
	return k;
}

static void test_t38h_conditions(void **state)
{
	const uint32_t amd64 = SCMP_ARCH_X86_64;
	const char *inc = "\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\",\"CAP_NET_ADMIN\"]}";
	const char *exc = "\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\",\"CAP_NET_ADMIN\"]}";
	/* includes.caps: all of them; excludes.caps: any of them */
	assert_false(kept(inc, env(CAP(CAP_SYS_ADMIN), amd64, 6, 1)));
	assert_true(kept(inc, env(CAP(CAP_SYS_ADMIN) | CAP(CAP_NET_ADMIN), amd64, 6, 1)));
	assert_false(kept(exc, env(CAP(CAP_NET_ADMIN), amd64, 6, 1)));
	assert_true(kept(exc, env(0, amd64, 6, 1)));
	/* arches in Go spelling */
	assert_false(kept("\"includes\":{\"arches\":[\"arm64\"]}", env(0, amd64, 6, 1)));
	assert_false(kept("\"excludes\":{\"arches\":[\"amd64\"]}", env(0, amd64, 6, 1)));
	assert_true(kept("\"includes\":{\"arches\":[\"amd64\",\"x32\"]}", env(0, amd64, 6, 1)));
	assert_true(kept("\"includes\":{\"arches\":[\"arm64\"]}", env(0, SCMP_ARCH_AARCH64, 6, 1)));
	assert_true(kept("\"includes\":{\"arches\":[\"s390x\"]}", env(0, SCMP_ARCH_S390X, 6, 1)));
	assert_true(kept("\"includes\":{\"arches\":[\"mips3l64n32\"]}",
			 env(0, SCMP_ARCH_MIPSEL64N32, 6, 1)));
	/* SCMP_ARCH_* names never match: moby compares Go names */
	assert_false(kept("\"includes\":{\"arches\":[\"SCMP_ARCH_X86_64\"]}", env(0, amd64, 6, 1)));
	/* minKernel */
	assert_false(kept("\"includes\":{\"minKernel\":\"5.10\"}", env(0, amd64, 5, 4)));
	assert_true(kept("\"includes\":{\"minKernel\":\"5.10\"}", env(0, amd64, 5, 10)));
	assert_false(kept("\"includes\":{\"minKernel\":\"5.10\"}", env(0, amd64, 5, 9)));
	assert_true(kept("\"includes\":{\"minKernel\":\"5.10\"}", env(0, amd64, 6, 0)));
	assert_false(kept("\"excludes\":{\"minKernel\":\"4.8\"}", env(0, amd64, 6, 0)));
	assert_true(kept("\"excludes\":{\"minKernel\":\"4.8\"}", env(0, amd64, 4, 4)));
	/* "" is 0.0: includes always hold, excludes always drop */
	assert_true(kept("\"includes\":{\"minKernel\":\"\"}", env(0, amd64, 0, 1)));
	assert_false(kept("\"excludes\":{\"minKernel\":\"\"}", env(0, amd64, 2, 0)));
	/* capabilities are exact CAP_ names: "SYS_ADMIN" never matches */
	assert_false(kept("\"includes\":{\"caps\":[\"SYS_ADMIN\"]}", env(UINT64_MAX, amd64, 6, 1)));
	assert_true(
		kept("\"excludes\":{\"caps\":[\"cap_sys_admin\"]}", env(UINT64_MAX, amd64, 6, 1)));
	/* empty lists and objects impose nothing; excludes are checked first */
	assert_true(kept("\"includes\":{\"caps\":[],\"arches\":[]},\"excludes\":{}",
			 env(0, amd64, 6, 1)));
	struct sbx_seccomp_profile *p =
		parse_ok(ENTRY("{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{"
			       "\"arches\":[\"arm64\"]},"
			       "\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}"));
	struct sbx_seccomp_resolved *r = resolve_ok(p, env(CAP(CAP_SYS_ADMIN), amd64, 6, 1));
	assert_int_equal(r->drop[1], SBX_SECCOMP_DROP_EXCL_CAP);
	sbx_seccomp_resolved_free(r);
	r = resolve_ok(p, env(0, amd64, 6, 1));
	assert_int_equal(r->drop[1], SBX_SECCOMP_DROP_INCL_ARCH);
	sbx_seccomp_resolved_free(r);
	sbx_seccomp_profile_free(p);
}

static void test_archmap(void **state)
{
	const char *json =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":["
		"{\"architecture\":\"SCMP_ARCH_FUTURE\",\"subArchitectures\":[\"SCMP_ARCH_BOGUS\"]}"
		","
		"{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\","
		"\"SCMP_ARCH_X32\"]},"
		"{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]},"
		"{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]},"
		"{\"architecture\":\"SCMP_ARCH_RISCV64\",\"subArchitectures\":null},"
		"{\"architecture\":\"SCMP_ARCH_S390X\",\"subArchitectures\":[\"SCMP_ARCH_NOPE\"]}],"
		"\"syscalls\":[]}";
	struct sbx_seccomp_profile *p = parse_ok(json);
	/* the first element for the native arch, then its subs */
	struct sbx_seccomp_resolved *r = resolve_ok(p, env(0, SCMP_ARCH_X86_64, 6, 1));
	assert_int_equal(r->n_arches, 3);
	assert_int_equal(r->arches[0], SCMP_ARCH_X86_64);
	assert_int_equal(r->arches[1], SCMP_ARCH_X86);
	assert_int_equal(r->arches[2], SCMP_ARCH_X32);
	sbx_seccomp_resolved_free(r);
	r = resolve_ok(p, env(0, SCMP_ARCH_AARCH64, 6, 1));
	assert_int_equal(r->n_arches, 2);
	assert_int_equal(r->arches[1], SCMP_ARCH_ARM);
	sbx_seccomp_resolved_free(r);
	r = resolve_ok(p, env(0, SCMP_ARCH_RISCV64, 6, 1));
	assert_int_equal(r->n_arches, 1);
	sbx_seccomp_resolved_free(r);
	/* no element (Docker's ppc64le case): empty list, "native only" */
	r = resolve_ok(p, env(0, SCMP_ARCH_PPC64LE, 6, 1));
	assert_int_equal(r->n_arches, 0);
	sbx_seccomp_resolved_free(r);
	/* a selected element is validated like "architectures" */
	struct sbx_seccomp_env s390 = env(0, SCMP_ARCH_S390X, 6, 1);
	struct sbx_error err = {0};
	assert_int_equal(sbx_seccomp_resolve(p, &s390, &r, &err), -EINVAL);
	assert_string_equal(err.msg, "p.json: archMap[5].subArchitectures[0]: unknown architecture "
				     "\"SCMP_ARCH_NOPE\"");
	sbx_seccomp_profile_free(p);
	/* name + names conflict is found in every entry, as in moby */
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"name\":\"a\",\"names\":"
		    "[\"b\"],"
		    "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"nowhere\"]}}]}",
		    "p.json: syscalls[0]: both 'name' and 'names' are specified, use one");
}

static void test_docker_fixture_resolution(void **state)
{
	const char *dir = getenv("SBX_FIXTURES");
	/* on the stack: skip() longjmps, past any cleanup attribute */
	char path[4096];
	snprintf(path, sizeof(path), "%s/seccomp/docker-default.json", dir ? dir : "/nonexistent");
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (sbx_read_all(path, 1 << 20, &text, &len) < 0) {
		fprintf(stderr, "skip: %s is not available\n", path);
		skip();
	}
	struct sbx_error err = {0};
	struct sbx_seccomp_profile *p = NULL;
	assert_int_equal(sbx_seccomp_profile_parse("docker-default.json", text, len, &p, &err), 0);
	assert_int_equal(p->n_syscalls, 33);
	assert_int_equal(p->n_arch_map, 9);
	uint64_t dflt = sbx_seccomp_docker_default_caps();
	struct sbx_seccomp_resolved *r = resolve_ok(p, env(dflt, SCMP_ARCH_X86_64, 6, 18));
	/* entry 0 (allow list), 1 (ptrace >= 4.8), 2-9 (socket, personality), 12, 13, 18, 20, 22 */
	const size_t want[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 18, 20, 22};
	assert_int_equal(r->n_kept, SBX_ARRAY_SIZE(want));
	for (size_t i = 0; i < SBX_ARRAY_SIZE(want); i++)
		assert_int_equal(r->kept[i], want[i]);
	assert_int_equal(r->n_arches, 3);
	sbx_seccomp_resolved_free(r);
	/* kernel 4.4 drops entry 1; CAP_SYS_ADMIN swaps 18/20 for 17 */
	r = resolve_ok(p, env(dflt | CAP(CAP_SYS_ADMIN), SCMP_ARCH_X86_64, 4, 4));
	assert_int_equal(r->drop[1], SBX_SECCOMP_DROP_INCL_KERNEL);
	assert_int_equal(r->drop[17], SBX_SECCOMP_KEPT);
	assert_int_equal(r->drop[18], SBX_SECCOMP_DROP_EXCL_CAP);
	assert_int_equal(r->drop[20], SBX_SECCOMP_DROP_EXCL_CAP);
	sbx_seccomp_resolved_free(r);
	/* s390x: the arg-1 clone rule instead of the arg-0 one */
	r = resolve_ok(p, env(dflt, SCMP_ARCH_S390X, 6, 1));
	assert_int_equal(r->drop[18], SBX_SECCOMP_DROP_EXCL_ARCH);
	assert_int_equal(r->drop[19], SBX_SECCOMP_KEPT);
	assert_int_equal(r->drop[14], SBX_SECCOMP_KEPT);
	assert_int_equal(r->n_arches, 2);
	sbx_seccomp_resolved_free(r);
	/* ppc64le: no archMap element */
	r = resolve_ok(p, env(dflt, SCMP_ARCH_PPC64LE, 6, 1));
	assert_int_equal(r->n_arches, 0);
	assert_int_equal(r->drop[10], SBX_SECCOMP_KEPT);
	sbx_seccomp_resolved_free(r);
	sbx_seccomp_profile_free(p);
}

static void test_names(void **state)
{
	struct sbx_seccomp_env e;
	struct sbx_error err = {0};
	assert_int_equal(sbx_seccomp_env_host(&e, 5, &err), 0);
	assert_int_equal(e.native_arch, seccomp_arch_native());
	assert_int_equal(e.bounding_caps, 5);
	assert_true(e.kernel_major >= 3);

	assert_int_equal(sbx_seccomp_errno_from_name("ENOSYS"), 38);
	assert_int_equal(sbx_seccomp_errno_from_name("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(sbx_seccomp_errno_from_name("0"), 0);
	assert_int_equal(sbx_seccomp_errno_from_name("-1"), -1);
	assert_int_equal(sbx_seccomp_errno_from_name(" 1"), -1);
	assert_int_equal(sbx_seccomp_errno_from_name("enosys"), -1);
	assert_int_equal(sbx_seccomp_cap_from_name("CAP_SYS_ADMIN"), 21);
	assert_int_equal(sbx_seccomp_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	assert_int_equal(sbx_seccomp_cap_from_name("SYS_ADMIN"), -1);
	assert_int_equal(sbx_seccomp_cap_from_name("cap_sys_admin"), -1);
	assert_string_equal(sbx_seccomp_cap_name(0), "CAP_CHOWN");
	assert_int_equal(__builtin_popcountll(sbx_seccomp_docker_default_caps()), 14);
	assert_int_equal(sbx_seccomp_arch_from_name("SCMP_ARCH_X32"), SCMP_ARCH_X32);
	assert_int_equal(sbx_seccomp_arch_from_name("x86_64"), 0);
	assert_string_equal(sbx_seccomp_arch_goname(SCMP_ARCH_X86_64), "amd64");
	assert_null(sbx_seccomp_arch_goname(SCMP_ARCH_X32));
	assert_string_equal(sbx_seccomp_arch_label(SCMP_ARCH_X86), "x86");
	assert_int_equal(sbx_seccomp_action_scmp(SBX_SECCOMP_ACT_TRACE, false, 0),
			 SCMP_ACT_TRACE(1));
	assert_int_equal(sbx_seccomp_action_scmp(SBX_SECCOMP_ACT_ERRNO, true, 0),
			 SCMP_ACT_ERRNO(0));
	assert_int_equal(sbx_seccomp_action_scmp(SBX_SECCOMP_ACT_KILL, true, 5),
			 SCMP_ACT_KILL_THREAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t38f_load_errors),
		cmocka_unit_test(test_min_kernel_formats),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_valid_forms),
		cmocka_unit_test(test_oci_config),
		cmocka_unit_test(test_t38g_unconfined),
		cmocka_unit_test(test_t38h_conditions),
		cmocka_unit_test(test_archmap),
		cmocka_unit_test(test_docker_fixture_resolution),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compilation of seccomp profiles: runc's rules (skips, splits, precedence,
 * flags), the ENOSYS stub, split-notify equivalence and exports, checked by
 * evaluating the generated BPF with a test interpreter (doc section 12
 * decisions, without root). The real-kernel side is in
 * tests/integration/test_seccomp_docker.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "profiles/seccomp_builtin.h"
#include "profiles/seccomp_filter.h"
#include "profiles/seccomp_profile.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "test_seccomp_bpf.h"

#define ALLOW SECCOMP_RET_ALLOW
#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))
#define KILL_THREAD SECCOMP_RET_KILL_THREAD
#define KILL_PROCESS SECCOMP_RET_KILL_PROCESS
#define I386 AUDIT_ARCH_I386
#define X86_64 AUDIT_ARCH_X86_64
#define X32(nr) (0x40000000 | (nr))

#define CAP(c) (UINT64_C(1) << (c))
#define CAP_DAC_READ_SEARCH 2
#define CAP_SYS_CHROOT 18
#define CAP_SYS_PTRACE 19
#define CAP_SYS_ADMIN 21
#define CAP_SYS_BOOT 22
#define CAP_SYS_NICE 23
#define CAP_SYSLOG 34
#define CAP_PERFMON 38
#define CAP_BPF 39

static char *docker_text; /* the shared fixture, or NULL when absent */

static int load_fixture(void **state)
{
	const char *dir = getenv("SBX_FIXTURES");
	_cleanup_free_ char *path =
		sbx_xasprintf("%s/seccomp/docker-default.json", dir ? dir : "/nonexistent");
	size_t len;
	if (sbx_read_all(path, 1 << 20, &docker_text, &len) < 0)
		docker_text = NULL;
	return 0;
}

static int free_fixture(void **state)
{
	free(docker_text);
	return 0;
}

#define NEED_DOCKER()                                                                              \
	do {                                                                                       \
		if (!docker_text) {                                                                \
			fprintf(stderr, "skip: $SBX_FIXTURES/seccomp/docker-default.json "         \
					"is not available\n");                                     \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

static struct sbx_seccomp_env env_x86_64(uint64_t caps, unsigned int maj, unsigned int min)
{
	return (struct sbx_seccomp_env){.bounding_caps = caps,
					.native_arch = SCMP_ARCH_X86_64,
					.kernel_major = maj,
					.kernel_minor = min};
}

/* Compiles or fails the test with the error message. */
static struct sbx_seccomp_filter *compile_env(const char *json, const struct sbx_seccomp_env *env)
{
	struct sbx_error err = {0};
	_cleanup_(sbx_seccomp_profile_freep) struct sbx_seccomp_profile *p = NULL;
	struct sbx_seccomp_filter *f = NULL;
	if (sbx_seccomp_profile_parse("t.json", json, strlen(json), &p, &err) < 0 ||
	    sbx_seccomp_compile(p, env, &f, &err) < 0)
		fail_msg("compile failed: %s", err.msg);
	return f;
}

static struct sbx_seccomp_filter *compile(const char *json, uint64_t caps)
{
	struct sbx_seccomp_env env = env_x86_64(caps, 6, 18);
	return compile_env(json, &env);
}

/* Expects compilation to fail with a message containing `needle`. */
static void compile_fails(const char *json, const char *needle)
{
	struct sbx_error err = {0};
	struct sbx_seccomp_env env = env_x86_64(0, 6, 18);
	_cleanup_(sbx_seccomp_profile_freep) struct sbx_seccomp_profile *p = NULL;
	struct sbx_seccomp_filter *f = NULL;
	int r = sbx_seccomp_profile_parse("t.json", json, strlen(json), &p, &err);
	if (r == 0)
		r = sbx_seccomp_compile(p, &env, &f, &err);
	sbx_seccomp_filter_free(f);
	if (r >= 0)
		fail_msg("expected failure containing \"%s\" for %s", needle, json);
	if (!strstr(err.msg, needle))
		fail_msg("error \"%s\" does not contain \"%s\"", err.msg, needle);
}

static uint32_t decide6(const struct sbx_seccomp_filter *f, uint32_t arch, int nr, uint64_t a0,
			uint64_t a1, uint64_t a2)
{
	struct seccomp_data d = {.nr = nr, .arch = arch, .args = {a0, a1, a2}};
	assert_non_null(f->prog);
	uint32_t r = sc_bpf_run(f->prog->insns, f->prog->len, &d);
	assert_int_not_equal(r, SC_BPF_BAD);
	return r;
}

static uint32_t decide(const struct sbx_seccomp_filter *f, int nr, uint64_t a0)
{
	return decide6(f, X86_64, nr, a0, 0, 0);
}

static int nr_of(const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
	assert_true(nr >= 0);
	return nr;
}

static bool has_warning(const struct sbx_seccomp_filter *f, const char *needle)
{
	for (size_t i = 0; f->warnings && f->warnings[i]; i++)
		if (strstr(f->warnings[i], needle))
			return true;
	return false;
}

/* ---- Docker's default profile, decisions of doc section 12 A -------------- */

static void test_docker_stub_thresholds(void **state)
{
	NEED_DOCKER();
	struct sbx_seccomp_filter *f = compile(docker_text, sbx_seccomp_docker_default_caps());
	/*
	 * Doc 6.5: the threshold is the largest name the linked libseccomp
	 * resolves. Debian's 2.5.4-1+deb12u1 knows futex_requeue (456),
	 * plain 2.5.4 stops at futex_waitv (449), 2.6 reaches removexattrat.
	 */
	const char *want_name = "futex_waitv";
	int want = 449;
	if (seccomp_syscall_resolve_name("removexattrat") > 0)
		want_name = "removexattrat", want = 466;
	else if (seccomp_syscall_resolve_name("futex_requeue") > 0)
		want_name = "futex_requeue", want = 456;
	fprintf(stderr, "libseccomp %u.%u.%u: x86_64 threshold %s (%d)\n", seccomp_version()->major,
		seccomp_version()->minor, seccomp_version()->micro, want_name, want);
	assert_int_equal(f->n_stubs, 3);
	assert_int_equal(f->stubs[0].arch, SCMP_ARCH_X86_64);
	assert_int_equal(f->stubs[0].max_nr, want);
	assert_string_equal(f->stubs[0].max_name, want_name);
	bool saw_x86 = false, saw_x32 = false;
	for (size_t i = 1; i < f->n_stubs; i++) {
		saw_x86 |= f->stubs[i].arch == SCMP_ARCH_X86 && f->stubs[i].audit_arch == I386;
		/* x32 numbers carry the bias; pwritev2 is x32's highest (547) */
		saw_x32 |= f->stubs[i].arch == SCMP_ARCH_X32 && f->stubs[i].audit_arch == X86_64 &&
			   f->stubs[i].max_nr == X32(547);
	}
	assert_true(saw_x86 && saw_x32);
	assert_true(f->prog->flags_optional & SECCOMP_FILTER_FLAG_SPEC_ALLOW); /* flags absent */
	assert_int_equal(f->prog->flags, 0);
	assert_true(has_warning(f, "unknown to libseccomp") ||
		    seccomp_syscall_resolve_name("setxattrat") > 0);
	sbx_seccomp_filter_free(f);
}

static void test_docker_defaults(void **state)
{
	NEED_DOCKER();
	struct sbx_seccomp_filter *f = compile(docker_text, sbx_seccomp_docker_default_caps());
	/* T01 */
	assert_int_equal(decide(f, nr_of("getpid"), 0), ALLOW);
	assert_int_equal(decide(f, nr_of("chmod"), 0), ALLOW);
	/* T02, T03, T05 */
	const char *denied[] = {"keyctl",
				"add_key",
				"request_key",
				"mount",
				"umount2",
				"unshare",
				"reboot",
				"init_module",
				"swapon",
				"kexec_load",
				"userfaultfd",
				"move_pages",
				"setns",
				"fanotify_init",
				"quotactl",
				"acct",
				"clock_settime",
				"mbind",
				"kcmp",
				"bpf",
				"perf_event_open",
				"io_uring_setup",
				"open_by_handle_at",
				"syslog"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(denied); i++) {
		if (decide(f, nr_of(denied[i]), 0) != ERRNO(1))
			fail_msg("%s is not EPERM under Docker's defaults", denied[i]);
	}
	/* T07, T08: clone without / with namespace flags */
	assert_int_equal(decide(f, nr_of("clone"), 0x11 /* SIGCHLD */), ALLOW);
	assert_int_equal(decide(f, nr_of("clone"), 0x800 /* CLONE_SIGHAND */), ALLOW);
	const uint64_t ns[] = {0x10000000, 0x20000,    0x20000000, 0x40000000,
			       0x04000000, 0x08000000, 0x02000000};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(ns); i++)
		assert_int_equal(decide(f, nr_of("clone"), ns[i] | 0x800), ERRNO(1));
	/* T10 */
	assert_int_equal(decide(f, nr_of("clone3"), 0), ERRNO(ENOSYS));
	/* T11, T12: personality, 64-bit comparison */
	const uint64_t ok[] = {0xffffffff, 0, 8, 0x20000, 0x20008};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(ok); i++)
		assert_int_equal(decide(f, nr_of("personality"), ok[i]), ALLOW);
	assert_int_equal(decide(f, nr_of("personality"), 0x0040000), ERRNO(1));
	assert_int_equal(decide(f, nr_of("personality"), UINT64_MAX), ERRNO(1));
	/* T13-T16: socket families */
	assert_int_equal(decide(f, nr_of("socket"), 40), ERRNO(1));
	assert_int_equal(decide(f, nr_of("socket"), 38), ERRNO(1));
	const uint64_t fam_ok[] = {2,  1,  17,
				   39, 44, 0x100000028ULL /* T16: AF_VSOCK + high bits */};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(fam_ok); i++)
		assert_int_equal(decide(f, nr_of("socket"), fam_ok[i]), ALLOW);
	/* T17/T18 on 6.18 */
	assert_int_equal(decide(f, nr_of("ptrace"), 2), ALLOW);
	assert_int_equal(decide(f, nr_of("process_vm_readv"), 0), ALLOW);
	/* T22 name_to_handle_at, T24 chroot with the default CAP_SYS_CHROOT */
	assert_int_equal(decide(f, nr_of("name_to_handle_at"), 0), ALLOW);
	assert_int_equal(decide(f, nr_of("chroot"), 0), ALLOW);
	/* T26, T27: the stub is a single threshold */
	assert_int_equal(decide(f, 1000, 0), ERRNO(ENOSYS));
	assert_int_equal(decide(f, 467 /* open_tree_attr */, 0), ERRNO(ENOSYS));
	assert_int_equal(decide(f, 400, 0), ERRNO(1));
	/* T31: never EPERM; allowed when libseccomp knows the name, else ENOSYS */
	uint32_t want = seccomp_syscall_resolve_name("setxattrat") > 0 ? ALLOW : ERRNO(ENOSYS);
	assert_int_equal(decide(f, 463, 0), want);
	sbx_seccomp_filter_free(f);
}

static void test_docker_x86_x32(void **state)
{
	NEED_DOCKER();
	struct sbx_seccomp_filter *f = compile(docker_text, sbx_seccomp_docker_default_caps());
	/* T28: i386 getpid, syscall(1000), clone3, unshare, keyctl */
	assert_int_equal(decide6(f, I386, 20, 0, 0, 0), ALLOW);
	assert_int_equal(decide6(f, I386, 1000, 0, 0, 0), ERRNO(ENOSYS));
	assert_int_equal(decide6(f, I386, 435, 0, 0, 0), ERRNO(ENOSYS));
	assert_int_equal(decide6(f, I386, 310, 0x10000000, 0, 0), ERRNO(1));
	assert_int_equal(decide6(f, I386, 288, 0, 0, 0), ERRNO(1));
	/* T29: the socketcall hole: direct socket(AF_ALG) denied, socketcall(SYS_SOCKET) allowed */
	assert_int_equal(decide6(f, I386, 359, 38, 5, 0), ERRNO(1));
	assert_int_equal(decide6(f, I386, 102, 1 /* SYS_SOCKET */, 0x1000, 0), ALLOW);
	/* x32 shares the audit arch; bit 30 selects its threshold */
	assert_int_equal(decide6(f, X86_64, X32(39), 0, 0, 0), ALLOW);
	assert_int_equal(decide6(f, X86_64, X32(600), 0, 0, 0), ERRNO(ENOSYS));
	/* an ABI outside the filter gets the bad-arch action */
	assert_int_equal(decide6(f, AUDIT_ARCH_AARCH64, 172, 0, 0, 0), KILL_THREAD);
	sbx_seccomp_filter_free(f);
}

static void test_docker_caps_and_kernels(void **state)
{
	NEED_DOCKER();
	uint64_t dflt = sbx_seccomp_docker_default_caps();
	struct sbx_seccomp_env old = env_x86_64(dflt, 4, 4);
	struct sbx_seccomp_filter *f = compile_env(docker_text, &old);
	/* T17, T18 on 4.4 */
	assert_int_equal(decide(f, nr_of("ptrace"), 2), ERRNO(1));
	assert_int_equal(decide(f, nr_of("process_vm_readv"), 0), ERRNO(1));
	sbx_seccomp_filter_free(f);
	old.bounding_caps |= CAP(CAP_SYS_PTRACE);
	f = compile_env(docker_text, &old);
	assert_int_equal(decide(f, nr_of("ptrace"), 2), ALLOW);
	assert_int_equal(decide(f, nr_of("kcmp"), 0), ALLOW);
	sbx_seccomp_filter_free(f);

	/* T04, T06, T09, T10 with CAP_SYS_ADMIN; T13 and T21 stay denied */
	f = compile(docker_text, dflt | CAP(CAP_SYS_ADMIN));
	assert_int_equal(decide(f, nr_of("mount"), 0), ALLOW);
	assert_int_equal(decide(f, nr_of("unshare"), 0x10000000), ALLOW);
	assert_int_equal(decide(f, nr_of("clone"), 0x20000 | 0x200), ALLOW);
	assert_int_equal(decide(f, nr_of("clone3"), 0), ALLOW);
	assert_int_equal(decide(f, nr_of("socket"), 40), ERRNO(1));
	assert_int_equal(decide(f, nr_of("io_uring_setup"), 1), ERRNO(1));
	assert_int_equal(decide(f, nr_of("bpf"), 0), ALLOW);
	sbx_seccomp_filter_free(f);

	/* T19, T20, T22, T23, T25 one capability at a time */
	const struct {
		int cap;
		const char *name;
	} unlock[] = {{CAP_BPF, "bpf"},
		      {CAP_PERFMON, "perf_event_open"},
		      {CAP_DAC_READ_SEARCH, "open_by_handle_at"},
		      {CAP_SYSLOG, "syslog"},
		      {CAP_SYS_BOOT, "reboot"},
		      {CAP_SYS_NICE, "mbind"}};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(unlock); i++) {
		f = compile(docker_text, dflt | CAP(unlock[i].cap));
		if (decide(f, nr_of(unlock[i].name), 0) != ALLOW)
			fail_msg("%s not allowed with its capability", unlock[i].name);
		/* never unlocked by any capability */
		assert_int_equal(decide(f, nr_of("kexec_load"), 0), ERRNO(1));
		assert_int_equal(decide(f, nr_of("userfaultfd"), 0), ERRNO(1));
		sbx_seccomp_filter_free(f);
	}
	/* T24: an empty bounding set denies chroot */
	f = compile(docker_text, 0);
	assert_int_equal(decide(f, nr_of("chroot"), 0), ERRNO(1));
	sbx_seccomp_filter_free(f);
}

static void test_docker_arch_only(void **state)
{
	NEED_DOCKER();
	/* T30: archMap replaced by x86_64 only: i386 gets the bad-arch kill */
	_cleanup_free_ char *t = sbx_xstrdup(docker_text);
	char *am = strstr(t, "\"archMap\"");
	assert_non_null(am);
	am[strlen("\"archMa")] = 'X'; /* "archMaX": an unknown key, ignored */
	char *body = strchr(t, '{');
	_cleanup_free_ char *json =
		sbx_xasprintf("{\"architectures\":[\"SCMP_ARCH_X86_64\"],%s", body + 1);
	struct sbx_seccomp_filter *f = compile(json, sbx_seccomp_docker_default_caps());
	assert_int_equal(decide6(f, I386, 20, 0, 0, 0), KILL_THREAD);
	assert_int_equal(decide(f, nr_of("getpid"), 0), ALLOW);
	sbx_seccomp_filter_free(f);
}

/* ---- small profiles: section 12 B ------------------------------------------ */

#define BASE                                                                                       \
	"{\"names\":[\"read\",\"write\",\"exit\",\"exit_group\",\"getpid\",\"brk\",\"mmap\","      \
	"\"munmap\",\"rt_sigreturn\",\"rt_sigprocmask\",\"futex\",\"close\",\"prctl\","            \
	"\"seccomp\"],"                                                                            \
	"\"action\":\"SCMP_ACT_ALLOW\"}"

static void test_t32_errno_values(void **state)
{
	const char *fmt =
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\","
		"\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\"%s}]}";
	const struct {
		const char *extra;
		uint32_t want;
	} cases[] = {{",\"errnoRet\":100", ERRNO(100)},
		     {"", ERRNO(1)},
		     {",\"errnoRet\":0", ERRNO(0)},
		     {",\"errnoRet\":65537", ERRNO(1)} /* runc narrows to 16 bits */};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *json = sbx_xasprintf(fmt, cases[i].extra);
		struct sbx_seccomp_filter *f = compile(json, 0);
		assert_int_equal(decide(f, nr_of("mkdir"), 0), cases[i].want);
		assert_int_equal(decide(f, nr_of("mkdirat"), 0), cases[i].want);
		assert_int_equal(decide(f, nr_of("getpid"), 0), ALLOW);
		assert_int_equal(f->n_stubs, 0); /* permissive default: no stub */
		sbx_seccomp_filter_free(f);
	}
}

static void test_t33_default_errno_and_stub(void **state)
{
	struct sbx_seccomp_filter *f = compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
					       "\"defaultErrnoRet\":6,\"syscalls\":[" BASE "]}",
					       0);
	assert_int_equal(f->n_stubs, 1); /* native only */
	assert_int_equal(f->stubs[0].max_nr, 317);
	assert_string_equal(f->stubs[0].max_name, "seccomp");
	assert_int_equal(decide(f, nr_of("getppid"), 0), ERRNO(6));
	assert_int_equal(decide(f, nr_of("chdir"), 0), ERRNO(6));
	assert_int_equal(decide(f, 1000, 0), ERRNO(ENOSYS));
	assert_int_equal(decide(f, 318, 0), ERRNO(ENOSYS));
	assert_int_equal(decide(f, 317, 0), ALLOW);
	/* only the native ABI is in the filter */
	assert_int_equal(decide6(f, I386, 20, 0, 0, 0), KILL_THREAD);
	assert_int_equal(decide6(f, X86_64, X32(39), 0, 0, 0), KILL_THREAD);
	sbx_seccomp_filter_free(f);

	f = compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":"
		    "[" BASE "]}",
		    0);
	assert_int_equal(decide(f, nr_of("getppid"), 0), ERRNO(ENOSYS));
	assert_int_equal(decide(f, 1000, 0), ERRNO(ENOSYS));
	sbx_seccomp_filter_free(f);

	/* Podman's defaultErrno overrides defaultErrnoRet */
	f = compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":6,\"defaultErrno\":"
		    "\"EACCES\",\"syscalls\":[" BASE "]}",
		    0);
	assert_int_equal(decide(f, nr_of("getppid"), 0), ERRNO(EACCES));
	sbx_seccomp_filter_free(f);
}

static void test_t34_t35_same_index_or(void **state)
{
	struct sbx_seccomp_filter *f =
		compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" BASE
			",{\"names\":[\"socket\"],"
			"\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":38,\"op\":"
			"\"SCMP_CMP_NE\"},"
			"{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_NE\"}]}]}",
			0);
	assert_int_equal(decide(f, nr_of("socket"), 40), ALLOW); /* "!=38 OR !=40" */
	assert_int_equal(decide(f, nr_of("socket"), 38), ALLOW);
	sbx_seccomp_filter_free(f);

	/* T35 first profile: every condition its own rule */
	f = compile(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" BASE
		",{\"names\":[\"socket\"],"
		"\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,\"op\":\"SCMP_"
		"CMP_EQ\"},"
		"{\"index\":0,\"value\":16,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":2,\"op\":"
		"\"SCMP_CMP_EQ\"}]}]}",
		0);
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 1, 2, 0), ALLOW);
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 1, 1, 0), ERRNO(1));
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 2, 1, 0), ALLOW);
	assert_int_equal(f->n_rules, 3 + 14);
	sbx_seccomp_filter_free(f);

	/* second profile: distinct indexes, ANDed */
	f = compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" BASE
		    ",{\"names\":[\"socket\"],"
		    "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,\"op\":"
		    "\"SCMP_CMP_EQ\"},"
		    "{\"index\":1,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		    0);
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 1, 2, 0), ERRNO(1));
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 1, 1, 0), ERRNO(1));
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 2, 2, 0), ALLOW);
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 2, 1, 0), ERRNO(1));
	sbx_seccomp_filter_free(f);
}

static void test_t36_masked_eq(void **state)
{
	struct sbx_seccomp_filter *f =
		compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" BASE
			",{\"names\":[\"socket\"],"
			"\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":2,\"value\":3840,"
			"\"valueTwo\":0,"
			"\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}",
			0);
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 1, 1, 0xff), ALLOW);
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 1, 1, 0x100), ERRNO(1));
	sbx_seccomp_filter_free(f);
	f = compile(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" BASE
		",{\"names\":[\"socket\"],"
		"\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"value\":15,\"valueTwo\":2,"
		"\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}",
		0);
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 2, 2 | 0x80000, 0), ALLOW);
	assert_int_equal(decide6(f, X86_64, nr_of("socket"), 2, 1, 0), ERRNO(1));
	sbx_seccomp_filter_free(f);
	/* valueTwo is ignored by the other operators (doc 2.4) */
	f = compile(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" BASE
		",{\"names\":[\"socket\"],"
		"\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,\"valueTwo\":77,"
		"\"op\":\"SCMP_CMP_EQ\"}]}]}",
		0);
	assert_int_equal(decide(f, nr_of("socket"), 2), ALLOW);
	assert_int_equal(decide(f, nr_of("socket"), 77), ERRNO(1));
	sbx_seccomp_filter_free(f);
}

static void test_t37_actions(void **state)
{
	const struct {
		const char *act;
		uint32_t want;
	} cases[] = {{"SCMP_ACT_KILL", KILL_THREAD},
		     {"SCMP_ACT_KILL_THREAD", KILL_THREAD},
		     {"SCMP_ACT_KILL_PROCESS", KILL_PROCESS},
		     {"SCMP_ACT_TRAP", SECCOMP_RET_TRAP},
		     {"SCMP_ACT_TRACE", SECCOMP_RET_TRACE | 1},
		     {"SCMP_ACT_LOG", SECCOMP_RET_LOG}};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *json = sbx_xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
							  "\"syscalls\":[{\"names\":[\"getcwd\"],"
							  "\"action\":\"%s\"}]}",
							  cases[i].act);
		struct sbx_seccomp_filter *f = compile(json, 0);
		assert_int_equal(decide(f, nr_of("getcwd"), 0), cases[i].want);
		assert_int_equal(decide(f, nr_of("getpid"), 0), ALLOW);
		sbx_seccomp_filter_free(f);
	}
}

static void test_t38_precedence(void **state)
{
	/* (a) the unconditional rule wins in either order */
	const char *a1 = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			 "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,"
			 "\"args\":[{\"index\":1,\"value\":511,\"op\":\"SCMP_CMP_EQ\"}]},"
			 "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5}]}";
	const char *a2 = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			 "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5},"
			 "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,"
			 "\"args\":[{\"index\":1,\"value\":511,\"op\":\"SCMP_CMP_EQ\"}]}]}";
	const char *each[] = {a1, a2};
	for (size_t i = 0; i < 2; i++) {
		struct sbx_seccomp_filter *f = compile(each[i], 0);
		assert_int_equal(decide6(f, X86_64, nr_of("chmod"), 0, 0777, 0), ERRNO(5));
		assert_int_equal(decide6(f, X86_64, nr_of("chmod"), 0, 0644, 0), ERRNO(5));
		sbx_seccomp_filter_free(f);
	}
	/* (b) two unconditional rules: the first wins */
	struct sbx_seccomp_filter *f =
		compile("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			"{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5},"
			"{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}",
			0);
	assert_int_equal(decide(f, nr_of("chmod"), 0), ERRNO(5));
	sbx_seccomp_filter_free(f);
	/* (c) identical conditions, different actions: the load fails, naming the entry */
	compile_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		      "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5,"
		      "\"args\":[{\"index\":1,\"value\":511,\"op\":\"SCMP_CMP_EQ\"}]},"
		      "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,"
		      "\"args\":[{\"index\":1,\"value\":511,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		      "t.json: syscalls[1] (chmod): libseccomp refused the rule");
	/* (d) a rule equal to the default is skipped, with a warning */
	f = compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" BASE ","
		    "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
		    0);
	assert_int_equal(f->n_skipped_default, 1);
	assert_true(has_warning(f, "syscalls[1]: action equals the default action"));
	assert_int_equal(decide(f, nr_of("chmod"), 0), ERRNO(1));
	sbx_seccomp_filter_free(f);
	/* ERRNO(38) differs from the default ERRNO(1): kept (Docker's clone3 rule) */
	f = compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" BASE ","
		    "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}",
		    0);
	assert_int_equal(f->n_skipped_default, 0);
	assert_int_equal(decide(f, nr_of("clone3"), 0), ERRNO(38));
	sbx_seccomp_filter_free(f);
	/* (e) an unknown name is skipped with a warning, the others work */
	f = compile("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"no_such_"
		    "syscall\","
		    "\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":9}]}",
		    0);
	assert_true(has_warning(f, "syscalls[0]: 1 syscall name unknown to libseccomp"));
	assert_true(has_warning(f, "no_such_syscall"));
	assert_int_equal(decide(f, nr_of("mkdir"), 0), ERRNO(9));
	sbx_seccomp_filter_free(f);
	/* (g) {} installs nothing */
	f = compile("{}", 0);
	assert_true(f->unconfined);
	assert_null(f->prog);
	assert_int_equal(sbx_seccomp_prog_load(f->prog, NULL), 0);
	sbx_seccomp_filter_free(f);
}

static void test_compile_errors(void **state)
{
	/* errnoRet 4095 on a non-ERRNO action is ignored (runc), with a warning */
	struct sbx_seccomp_filter *f = compile(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"chmod\"],"
		"\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":4095}]}",
		0);
	assert_true(has_warning(f, "syscalls[0].errnoRet: ignored for SCMP_ACT_KILL"));
	sbx_seccomp_filter_free(f);
	/* TRACE data has no errno limit */
	f = compile("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"chmod\"],"
		    "\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":5000}]}",
		    0);
	assert_int_equal(decide(f, nr_of("chmod"), 0), SECCOMP_RET_TRACE | 5000);
	sbx_seccomp_filter_free(f);

	compile_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpid\"],"
		      "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		      "listenerPath: missing");
	compile_fails(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x\",\"syscalls\":[{"
		"\"names\":[\"write\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		"SCMP_ACT_NOTIFY is not allowed on \"write\"");
	compile_fails(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":["
		"\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],\"syscalls\":[{\"names\":[\"getpid\"],"
		"\"action\":\"SCMP_ACT_ERRNO\"}]}",
		"needs an SCMP_ACT_NOTIFY rule");
	compile_fails("{\"architectures\":[\"SCMP_ARCH_X86_64\"],\"archMap\":[{\"architecture\":"
		      "\"SCMP_ARCH_X86_64\",\"subArchitectures\":null}],\"defaultAction\":\"SCMP_"
		      "ACT_ALLOW\"}",
		      "both 'architectures' and 'archMap'");
}

static void test_flags(void **state)
{
	const struct {
		const char *flags;
		uint32_t want, want_optional;
	} cases[] = {
		{"", 0, SECCOMP_FILTER_FLAG_SPEC_ALLOW},
		{",\"flags\":[]", 0, 0},
		{",\"flags\":null", 0, SECCOMP_FILTER_FLAG_SPEC_ALLOW},
		{",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"]", SECCOMP_FILTER_FLAG_LOG, 0},
		{",\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]",
		 SECCOMP_FILTER_FLAG_SPEC_ALLOW, 0},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *json = sbx_xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\"%s,"
							  "\"syscalls\":[{\"names\":[\"chmod\"],"
							  "\"action\":\"SCMP_ACT_ERRNO\"}]}",
							  cases[i].flags);
		struct sbx_seccomp_filter *f = compile(json, 0);
		assert_int_equal(f->prog->flags, cases[i].want);
		assert_int_equal(f->prog->flags_optional, cases[i].want_optional);
		sbx_seccomp_filter_free(f);
	}
	struct sbx_seccomp_filter *f = compile(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/l.sock\","
		"\"listenerMetadata\":\"m\",\"flags\":[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
		"\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		0);
	assert_true(f->has_notify);
	assert_int_equal(f->prog->flags,
			 SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
	assert_string_equal(f->listener_path, "/run/l.sock");
	assert_string_equal(f->listener_metadata, "m");
	assert_int_equal(decide(f, nr_of("mkdir"), 0), SECCOMP_RET_USER_NOTIF);
	struct sock_fprog n, m;
	assert_int_equal(sbx_seccomp_filter_split_notify(f, &n, &m), -EBUSY);
	sbx_seccomp_filter_free(f);
}

/* ---- split-notify equivalence ---------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t interesting_arg(void)
{
	static const uint64_t v[] = {0,	       1,	   2,	       8,
				     10,       16,	   38,	       39,
				     40,       41,	   0x5412,     0x541c,
				     0x20000,  0x20008,	   0xffffffff, 0x11,
				     0x10000,  0x7e020000, 0x10000000, 0x100000028ULL,
				     0x400643, 0x40,	   UINT64_MAX, 0xffffffff00005412ULL};
	uint64_t r = rnd();
	return (r & 3) == 0 ? r : v[r % SBX_ARRAY_SIZE(v)];
}

/* A syscall of one of three arches (one foreign), x32 numbers too, with arguments that hit the rules. */
static struct seccomp_data random_input(void)
{
	static const uint32_t arches[] = {X86_64, I386, AUDIT_ARCH_AARCH64};
	struct seccomp_data d = {.arch = arches[rnd() % 3]};
	uint64_t r = rnd();
	d.nr = (r & 1) ? (int)(rnd() % 480) : (int)(rnd() % 1100);
	if (d.arch == X86_64 && (r & 6) == 6)
		d.nr |= 0x40000000;
	for (int k = 0; k < 6; k++)
		d.args[k] = interesting_arg();
	return d;
}

/* For every input: stack(notify, main) == original, except KILL -> USER_NOTIF. */
static void check_split(const struct sbx_seccomp_filter *f, size_t iterations)
{
	struct sock_fprog n, m;
	assert_int_equal(sbx_seccomp_filter_split_notify(f, &n, &m), 0);
	struct sock_fprog stack[2] = {n, m}; /* notify is loaded first (older) */
	/* the pruned notify program the runtime loads must decide exactly the same */
	struct sock_filter *pruned = malloc(n.len * sizeof(*pruned));
	memcpy(pruned, n.filter, n.len * sizeof(*pruned));
	size_t plen = sbx_seccomp_prune_allow(pruned, n.len);
	assert_true(plen <= n.len);
	size_t kills = 0, others = 0;
	for (size_t i = 0; i < iterations; i++) {
		struct seccomp_data d = random_input();
		uint32_t orig = sc_bpf_run(f->prog->insns, f->prog->len, &d);
		uint32_t pair = sc_bpf_run_stack(stack, 2, &d);
		uint32_t notify_only = sc_bpf_run(n.filter, n.len, &d);
		uint32_t pruned_only = plen ? sc_bpf_run(pruned, plen, &d) : SECCOMP_RET_ALLOW;
		assert_int_equal(pruned_only, notify_only);
		assert_int_not_equal(orig, SC_BPF_BAD);
		/* the notify program alone never denies anything */
		assert_true(notify_only == SECCOMP_RET_ALLOW ||
			    notify_only == SECCOMP_RET_USER_NOTIF);
		uint32_t a = orig & SECCOMP_RET_ACTION_FULL;
		if (a == SECCOMP_RET_KILL_THREAD || a == SECCOMP_RET_KILL_PROCESS) {
			kills++;
			if (pair != SECCOMP_RET_USER_NOTIF)
				fail_msg("nr %d arch %#x: kill became %#x", d.nr, d.arch, pair);
		} else {
			others++;
			if (pair != orig)
				fail_msg("nr %d arch %#x: %#x became %#x", d.nr, d.arch, orig,
					 pair);
		}
	}
	/* the inputs must exercise both kinds of decision */
	assert_true(kills > 0 && others > 0);
	free(pruned);
	free(n.filter);
	free(m.filter);
}

/* For every input: the one-program form (notify_kills) == original, except KILL -> USER_NOTIF, as the pair. */
static void check_notify_kills(const struct sbx_seccomp_filter *f, size_t iterations)
{
	struct sock_fprog k, n, m;
	assert_int_equal(sbx_seccomp_filter_notify_kills(f, &k), 0);
	assert_int_equal(sbx_seccomp_filter_split_notify(f, &n, &m), 0);
	assert_int_equal(k.len, f->prog->len);
	struct sock_fprog stack[2] = {n, m};
	size_t kills = 0;
	for (size_t i = 0; i < iterations; i++) {
		struct seccomp_data d = random_input();
		uint32_t orig = sc_bpf_run(f->prog->insns, f->prog->len, &d);
		uint32_t one = sc_bpf_run(k.filter, k.len, &d);
		uint32_t a = orig & SECCOMP_RET_ACTION_FULL;
		if (a == SECCOMP_RET_KILL_THREAD || a == SECCOMP_RET_KILL_PROCESS) {
			kills++;
			if (one != SECCOMP_RET_USER_NOTIF)
				fail_msg("nr %d arch %#x: kill became %#x", d.nr, d.arch, one);
		} else if (one != orig) {
			fail_msg("nr %d arch %#x: %#x became %#x", d.nr, d.arch, orig, one);
		}
		/* and the pair it replaces decides the same */
		assert_int_equal(sc_bpf_run_stack(stack, 2, &d), one);
	}
	assert_true(kills > 0);
	free(k.filter);
	free(n.filter);
	free(m.filter);
}

/* Pruning keeps every decision and shrinks a profile whose only kill is a bad ABI to a few instructions. */
static void test_prune_allow(void **state)
{
	struct sbx_seccomp_filter *f = compile(sbx_seccomp_builtin_profile("default"), 0);
	struct sock_fprog n, m;
	assert_int_equal(sbx_seccomp_filter_split_notify(f, &n, &m), 0);
	size_t plen = sbx_seccomp_prune_allow(n.filter, n.len);
	assert_true(plen > 0);
	assert_true(plen < 16); /* the architecture checks and one kill */
	free(n.filter);
	free(m.filter);
	sbx_seccomp_filter_free(f);
	/* a program that always allows prunes to nothing */
	struct sock_filter allow_all[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	assert_int_equal(sbx_seccomp_prune_allow(allow_all, 4), 0);
}

static void test_split_notify(void **state)
{
	const char *kill_mix =
		"{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"syscalls\":[" BASE ","
		"{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13},"
		"{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_TRAP\"},"
		"{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_LOG\"},"
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_KILL_THREAD\",\"args\":[{\"index\":"
		"0,"
		"\"value\":40,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
		"\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]}]}";
	struct sbx_seccomp_filter *f = compile(kill_mix, 0);
	check_split(f, 20000);
	check_notify_kills(f, 20000);
	sbx_seccomp_filter_free(f);

	f = compile(sbx_seccomp_builtin_profile("compute-only"), 0);
	check_split(f, 20000);
	check_notify_kills(f, 20000);
	sbx_seccomp_filter_free(f);

	/* Docker's profile: only bad-arch kills, the ENOSYS stub must survive in main */
	if (docker_text) {
		f = compile(docker_text, sbx_seccomp_docker_default_caps());
		check_split(f, 20000);
		check_notify_kills(f, 20000);
		sbx_seccomp_filter_free(f);
	}
}

/* ---- our shipped profiles ---------------------------------------------------- */

static void test_shipped_profiles_load_cleanly(void **state)
{
	const char *names[] = {"default", "compute-only"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(names); i++) {
		const char *text = sbx_seccomp_builtin_profile(names[i]);
		assert_non_null(text);
		const uint64_t caps[] = {0, sbx_seccomp_docker_default_caps(), UINT64_MAX};
		for (size_t c = 0; c < SBX_ARRAY_SIZE(caps); c++) {
			struct sbx_seccomp_filter *f = compile(text, caps[c]);
			if (f->warnings)
				fail_msg("%s: warning: %s", names[i], f->warnings[0]);
			assert_int_equal(f->n_skipped_default, 0);
			sbx_seccomp_filter_free(f);
		}
	}
	assert_null(sbx_seccomp_builtin_profile("nope"));
}

static void test_default_profile_decisions(void **state)
{
	struct sbx_seccomp_filter *f = compile(sbx_seccomp_builtin_profile("default"), 0);
	int sock = nr_of("socket"), ioctl = nr_of("ioctl"), clone = nr_of("clone");
	/* socket: exactly AF_UNIX, AF_INET, AF_INET6 (+ NETLINK_ROUTE); 64-bit tricks denied */
	for (uint64_t fam = 0; fam < 64; fam++) {
		/* protocol 0: for AF_NETLINK (16) that is NETLINK_ROUTE */
		bool ok = fam == 1 || fam == 2 || fam == 10 || fam == 16;
		uint32_t want = ok ? ALLOW : ERRNO(EAFNOSUPPORT);
		if (decide6(f, X86_64, sock, fam, 1, 0) != want)
			fail_msg("socket family %llu", (unsigned long long)fam);
	}
	assert_int_equal(decide6(f, X86_64, sock, 16, 3, 0), ALLOW); /* NETLINK_ROUTE */
	assert_int_equal(decide6(f, X86_64, sock, 16, 3, 12), ERRNO(EAFNOSUPPORT)); /* NETFILTER */
	assert_int_equal(decide6(f, X86_64, sock, 0x100000028ULL, 1, 0), ERRNO(EAFNOSUPPORT));
	assert_int_equal(decide6(f, X86_64, sock, 0x100000002ULL, 1, 0), ERRNO(EAFNOSUPPORT));
	assert_int_equal(decide6(f, X86_64, nr_of("socketpair"), 1, 1, 0), ALLOW);
	assert_int_equal(decide6(f, X86_64, nr_of("socketpair"), 40, 1, 0), ERRNO(EAFNOSUPPORT));
	/* ioctl: TIOCSTI/TIOCLINUX denied whatever the high bits, everything else allowed */
	const uint64_t hi[] = {0, 0xffffffff00000000ULL, 0x100000000ULL};
	for (size_t h = 0; h < SBX_ARRAY_SIZE(hi); h++) {
		for (uint64_t cmd = 0x5400; cmd < 0x5440; cmd++) {
			uint32_t want = (cmd == 0x5412 || cmd == 0x541c) ? ERRNO(EPERM) : ALLOW;
			if (decide6(f, X86_64, ioctl, 1, hi[h] | cmd, 0) != want)
				fail_msg("ioctl %#llx", (unsigned long long)(hi[h] | cmd));
		}
	}
	for (int i = 0; i < 5000; i++) {
		uint64_t cmd = rnd();
		uint32_t low = (uint32_t)cmd;
		uint32_t want = (low == 0x5412 || low == 0x541c) ? ERRNO(EPERM) : ALLOW;
		assert_int_equal(decide6(f, X86_64, ioctl, 1, cmd, 0), want);
	}
	assert_int_equal(decide6(f, X86_64, ioctl, 1, 0x80045430 /* TIOCGPTN */, 0), ALLOW);
	/* clone: no namespace flags allowed, any namespace flag EPERM, clone3 ENOSYS */
	assert_int_equal(decide(f, clone, 0x3d0f00 /* glibc pthread_create */), ALLOW);
	assert_int_equal(decide(f, clone, 0x1200011 /* fork */), ALLOW);
	assert_int_equal(decide(f, clone, 0x10000000 | 0x11), ERRNO(EPERM));
	assert_int_equal(decide(f, clone, 0x40000000), ERRNO(EPERM));
	assert_int_equal(decide(f, nr_of("clone3"), 0), ERRNO(ENOSYS));
	/* personality: the safe values, low 32 bits */
	assert_int_equal(decide(f, nr_of("personality"), 0xffffffff), ALLOW);
	assert_int_equal(decide(f, nr_of("personality"), UINT64_MAX), ALLOW);
	assert_int_equal(decide(f, nr_of("personality"), 8), ALLOW);
	assert_int_equal(decide(f, nr_of("personality"), 0x0040000), ERRNO(ENOSYS));
	/* the denied groups: EPERM */
	const char *denied[] = {"ptrace",
				"process_vm_readv",
				"io_uring_setup",
				"userfaultfd",
				"bpf",
				"perf_event_open",
				"keyctl",
				"add_key",
				"request_key",
				"mount",
				"fsopen",
				"move_mount",
				"open_tree",
				"umount2",
				"unshare",
				"setns",
				"kexec_load",
				"init_module",
				"reboot",
				"swapon",
				"acct",
				"quotactl",
				"syslog",
				"lookup_dcookie",
				"open_by_handle_at",
				"name_to_handle_at",
				"settimeofday",
				"clock_settime",
				"modify_ldt",
				"sync",
				"pivot_root",
				"chroot"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(denied); i++)
		if (decide(f, nr_of(denied[i]), 0) != ERRNO(EPERM))
			fail_msg("%s is not EPERM", denied[i]);
	/* the basics of busybox, C programs and language runtimes */
	const char *allowed[] = {"read",	"write",      "openat",	      "execve",
				 "wait4",	"futex",      "epoll_wait",   "rt_sigaction",
				 "mmap",	"mprotect",   "prctl",	      "arch_prctl",
				 "rseq",	"getrandom",  "pipe2",	      "dup3",
				 "fcntl",	"newfstatat", "statx",	      "faccessat2",
				 "close_range", "kill",	      "memfd_create", "seccomp"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(allowed); i++)
		if (decide(f, nr_of(allowed[i]), 0) != ALLOW)
			fail_msg("%s is not allowed", allowed[i]);
	/* 32-bit ABIs are not in the filter: killed (the socketcall hole cannot exist) */
	assert_int_equal(decide6(f, I386, 102, 1, 0, 0), KILL_THREAD);
	assert_int_equal(decide6(f, X86_64, X32(41), 40, 0, 0), KILL_THREAD);
	sbx_seccomp_filter_free(f);
}

static void test_compute_only_decisions(void **state)
{
	struct sbx_seccomp_filter *f = compile(sbx_seccomp_builtin_profile("compute-only"), 0);
	int clone = nr_of("clone"), openat = nr_of("openat");
	assert_int_equal(decide(f, clone, 0x3d0f00), ALLOW);	     /* thread */
	assert_int_equal(decide(f, clone, 0x1200011), KILL_PROCESS); /* fork */
	assert_int_equal(decide(f, nr_of("fork"), 0), KILL_PROCESS);
	assert_int_equal(decide(f, nr_of("socket"), 2), KILL_PROCESS);
	assert_int_equal(decide(f, nr_of("ptrace"), 0), KILL_PROCESS);
	assert_int_equal(decide(f, nr_of("clone3"), 0), ERRNO(ENOSYS));
	assert_int_equal(decide(f, nr_of("statx"), 0), ERRNO(ENOSYS));
	assert_int_equal(decide(f, nr_of("ioctl"), 0), ERRNO(ENOTTY));
	assert_int_equal(decide6(f, X86_64, openat, -100, 0, O_RDONLY | O_CLOEXEC), ALLOW);
	assert_int_equal(decide6(f, X86_64, openat, -100, 0, O_WRONLY | O_CREAT), ERRNO(EACCES));
	assert_int_equal(decide6(f, X86_64, openat, -100, 0, O_RDWR), ERRNO(EACCES));
	assert_int_equal(decide6(f, X86_64, openat, -100, 0, O_RDONLY | O_TRUNC), ERRNO(EACCES));
	const char *allowed[] = {"read",	 "write",      "mmap",	   "brk",
				 "futex",	 "exit_group", "execve",   "clock_gettime",
				 "rt_sigreturn", "rseq",       "getrandom"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(allowed); i++)
		if (decide(f, nr_of(allowed[i]), 0) != ALLOW)
			fail_msg("%s is not allowed", allowed[i]);
	sbx_seccomp_filter_free(f);
}

/* ---- exports ----------------------------------------------------------------- */

static char *read_fd_all(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	assert_true(size >= 0);
	char *buf = sbx_xcalloc(1, (size_t)size + 1);
	assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
	return buf;
}

static void test_export_bpf(void **state)
{
	struct sbx_seccomp_filter *f = compile(sbx_seccomp_builtin_profile("default"), 0);
	_cleanup_close_ int fd = memfd_create("t", MFD_CLOEXEC);
	struct sbx_error err = {0};
	assert_int_equal(sbx_seccomp_export_bpf(f, fd, &err), 0);
	_cleanup_free_ char *buf = read_fd_all(fd);
	assert_int_equal(lseek(fd, 0, SEEK_END),
			 (off_t)(f->prog->len * sizeof(struct sock_filter)));
	assert_memory_equal(buf, f->prog->insns, f->prog->len * sizeof(struct sock_filter));
	/* the flat program is position independent: a copy loads the same */
	struct sbx_seccomp_prog *copy = sbx_xmalloc(sbx_seccomp_prog_size(f->prog));
	memcpy(copy, f->prog, sbx_seccomp_prog_size(f->prog));
	assert_int_equal(copy->magic, SBX_SECCOMP_PROG_MAGIC);
	size_t size = sbx_seccomp_prog_size(copy);
	assert_int_equal(sbx_seccomp_prog_validate(copy, size), 0);
	assert_int_equal(sbx_seccomp_prog_validate(copy, size - 8), -EINVAL);
	assert_int_equal(sbx_seccomp_prog_validate(copy, 4), -EINVAL);
	copy->magic ^= 1;
	assert_int_equal(sbx_seccomp_prog_validate(copy, size), -EINVAL);
	free(copy);
	sbx_seccomp_filter_free(f);

	f = compile("{}", 0);
	assert_int_equal(sbx_seccomp_export_bpf(f, fd, &err), -ENODATA);
	sbx_seccomp_filter_free(f);
}

/* libseccomp 2.5.4's PFC; other versions print differently (checked separately) */
static const char golden_pfc_stub[] =
	"#\n"
	"# sbxctr seccomp filter (23 instructions)\n"
	"# seccomp(2) flags: none; tried first, dropped on EINVAL: SPEC_ALLOW\n"
	"# ENOSYS stub, evaluated before the filter below (runc patchbpf):\n"
	"#   x86_64   syscall nr > 83 (mkdir) -> ERRNO(38)\n"
	"#\n"
	"#\n"
	"# pseudo filter code start\n"
	"#\n"
	"# filter for arch x86_64 (3221225534)\n"
	"if ($arch == 3221225534)\n"
	"  # filter for syscall \"write\" (1) [priority: 65535]\n"
	"  if ($syscall == 1)\n"
	"    action ALLOW;\n"
	"  # filter for syscall \"read\" (0) [priority: 65535]\n"
	"  if ($syscall == 0)\n"
	"    action ALLOW;\n"
	"  # filter for syscall \"mkdir\" (83) [priority: 65533]\n"
	"  if ($syscall == 83)\n"
	"    if ($a1.hi32 == 0)\n"
	"      if ($a1.lo32 == 511)\n"
	"        action ERRNO(13);\n"
	"  # default action\n"
	"  action KILL_PROCESS;\n"
	"# invalid architecture action\n"
	"action KILL;\n"
	"#\n"
	"# pseudo filter code end\n"
	"#\n";

static const char golden_pfc_allow[] =
	"#\n"
	"# sbxctr seccomp filter (9 instructions)\n"
	"# seccomp(2) flags: LOG; tried first, dropped on EINVAL: none\n"
	"# no ENOSYS stub (permissive default action)\n"
	"#\n"
	"#\n"
	"# pseudo filter code start\n"
	"#\n"
	"# filter for arch x86_64 (3221225534)\n"
	"if ($arch == 3221225534)\n"
	"  # filter for syscall \"getcwd\" (79) [priority: 65535]\n"
	"  if ($syscall == 79)\n"
	"    action TRAP;\n"
	"  # default action\n"
	"  action ALLOW;\n"
	"# invalid architecture action\n"
	"action KILL;\n"
	"#\n"
	"# pseudo filter code end\n"
	"#\n";

static void check_pfc(const char *json, const char *golden)
{
	struct sbx_seccomp_filter *f = compile(json, 0);
	_cleanup_close_ int fd = memfd_create("t", MFD_CLOEXEC);
	struct sbx_error err = {0};
	assert_int_equal(sbx_seccomp_export_pfc(f, fd, &err), 0);
	_cleanup_free_ char *text = read_fd_all(fd);
	const struct scmp_version *v = seccomp_version();
	if (v->major == 2 && v->minor == 5) {
		assert_string_equal(text, golden);
	} else {
		/* other libseccomp versions format the body differently; check the header */
		fprintf(stderr, "libseccomp %u.%u: comparing the PFC header only\n", v->major,
			v->minor);
		const char *end = strstr(golden, "# pseudo filter code start");
		assert_memory_equal(text, golden, (size_t)(end - golden));
	}
	sbx_seccomp_filter_free(f);
}

static void test_export_pfc_golden(void **state)
{
	check_pfc("{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"syscalls\":[{\"names\":[\"read\","
		  "\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"mkdir\"],\"action\":"
		  "\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"args\":[{\"index\":1,\"value\":511,\"op\":"
		  "\"SCMP_CMP_EQ\"}]}]}",
		  golden_pfc_stub);
	check_pfc("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
		  "\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_TRAP\"}]}",
		  golden_pfc_allow);
}

/* The stub as hand-built instructions, for a profile with x86_64 + x32 + x86. */
static void test_stub_layout(void **state)
{
	struct sbx_seccomp_filter *f = compile(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\","
		"\"SCMP_ARCH_X32\",\"SCMP_ARCH_X86\"],\"syscalls\":[" BASE "]}",
		0);
	const struct sock_filter *p = f->prog->insns;
	/* ld arch; jeq x86_64; jeq i386; ja filter; ... */
	assert_int_equal(p[0].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(p[0].k, 4);
	assert_int_equal(p[1].code, BPF_JMP | BPF_JEQ | BPF_K);
	assert_int_equal(p[1].k, X86_64);
	assert_int_equal(p[2].k, I386);
	assert_int_equal(p[3].code, BPF_JMP | BPF_JA);
	/* x86_64 section: ld nr; jset bit 30; jgt 317; jgt x32 max */
	assert_int_equal(p[4].k, 0);
	assert_int_equal(p[5].code, BPF_JMP | BPF_JSET | BPF_K);
	assert_int_equal(p[5].k, 0x40000000);
	assert_int_equal(p[6].k, 317);
	assert_true(p[7].k >= 0x40000000);
	/* i386 section, then ret ENOSYS right before libseccomp's first instruction */
	size_t stub_len = 4 + 4 + 2 + 1;
	assert_int_equal(p[stub_len - 1].code, BPF_RET | BPF_K);
	assert_int_equal(p[stub_len - 1].k, SECCOMP_RET_ERRNO | ENOSYS);
	assert_int_equal(p[stub_len].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(p[stub_len].k, 4);
	assert_int_equal(p[3].k, stub_len - 4); /* ja lands on the filter */
	/* x86 threshold in its own numbering: seccomp is 354 on i386 */
	assert_int_equal(decide6(f, I386, 354, 0, 0, 0), ALLOW);
	assert_int_equal(decide6(f, I386, 355, 0, 0, 0), ERRNO(ENOSYS));
	sbx_seccomp_filter_free(f);
}

static void test_other_native_arch(void **state)
{
	NEED_DOCKER();
	/* check/export --arch: the profile resolved and built for aarch64 */
	struct sbx_seccomp_env env = {.bounding_caps = sbx_seccomp_docker_default_caps(),
				      .native_arch = SCMP_ARCH_AARCH64,
				      .kernel_major = 6,
				      .kernel_minor = 1};
	struct sbx_seccomp_filter *f = compile_env(docker_text, &env);
	assert_int_equal(f->native_arch, SCMP_ARCH_AARCH64);
	assert_int_equal(f->n_stubs, 2); /* aarch64 + arm from archMap */
	int getpid = seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, "getpid");
	assert_int_equal(decide6(f, AUDIT_ARCH_AARCH64, getpid, 0, 0, 0), ALLOW);
	assert_int_equal(decide6(f, X86_64, 39, 0, 0, 0), KILL_THREAD);
	sbx_seccomp_filter_free(f);
}

/* ---- naming ------------------------------------------------------------------ */

static void test_syscall_names(void **state)
{
	char buf[128];
	assert_int_equal(sbx_seccomp_syscall_name(X86_64, 101, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ptrace");
	assert_int_equal(sbx_seccomp_syscall_name(I386, 20, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "getpid");
	assert_int_equal(sbx_seccomp_syscall_name(X86_64, X32(39), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "getpid");
	assert_int_equal(sbx_seccomp_syscall_name(X86_64, 400, buf, sizeof(buf)), -ENOENT);
	sbx_seccomp_format_kill(X86_64, 101, buf, sizeof(buf));
	assert_string_equal(buf, "killed on syscall ptrace (nr 101, x86_64)");
	sbx_seccomp_format_kill(I386, 102, buf, sizeof(buf));
	assert_string_equal(buf, "killed on syscall socketcall (nr 102, x86)");
	sbx_seccomp_format_kill(X86_64, X32(41), buf, sizeof(buf));
	assert_string_equal(buf, "killed on syscall socket (nr 1073741865, x32)");
	sbx_seccomp_format_kill(X86_64, 400, buf, sizeof(buf));
	assert_string_equal(buf, "killed on syscall nr 400 (x86_64)");
	sbx_seccomp_format_kill(0x1234, 5, buf, sizeof(buf));
	assert_string_equal(buf, "killed on syscall nr 5 (audit arch 0x00001234)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_stub_thresholds),
		cmocka_unit_test(test_docker_defaults),
		cmocka_unit_test(test_docker_x86_x32),
		cmocka_unit_test(test_docker_caps_and_kernels),
		cmocka_unit_test(test_docker_arch_only),
		cmocka_unit_test(test_t32_errno_values),
		cmocka_unit_test(test_t33_default_errno_and_stub),
		cmocka_unit_test(test_t34_t35_same_index_or),
		cmocka_unit_test(test_t36_masked_eq),
		cmocka_unit_test(test_t37_actions),
		cmocka_unit_test(test_t38_precedence),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_split_notify),
		cmocka_unit_test(test_prune_allow),
		cmocka_unit_test(test_shipped_profiles_load_cleanly),
		cmocka_unit_test(test_default_profile_decisions),
		cmocka_unit_test(test_compute_only_decisions),
		cmocka_unit_test(test_export_bpf),
		cmocka_unit_test(test_export_pfc_golden),
		cmocka_unit_test(test_stub_layout),
		cmocka_unit_test(test_other_native_arch),
		cmocka_unit_test(test_syscall_names),
	};
	return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's default profile and the small profiles of docs/seccomp-docker-format.md
 * section 12 (T01-T38) on the real kernel: each case compiles the profile for
 * its capabilities/kernel, forks, sets no_new_privs, loads the filter and
 * execs the static probe, which makes raw syscalls. Arguments are chosen so
 * that an allowed call fails harmlessly in the kernel (EFAULT, EINVAL, ...).
 * i386 cases need IA-32 emulation and are skipped, with a message, without it.
 */
#include "test_seccomp_common.h"

#include <seccomp.h>

#define CAP(c) (UINT64_C(1) << (c))
enum {
	CAP_DAC_READ_SEARCH = 2,
	CAP_SYS_MODULE = 16,
	CAP_SYS_CHROOT = 18,
	CAP_SYS_PTRACE = 19,
	CAP_SYS_PACCT = 20,
	CAP_SYS_ADMIN = 21,
	CAP_SYS_BOOT = 22,
	CAP_SYS_NICE = 23,
	CAP_SYS_TIME = 25,
	CAP_NET_ADMIN = 12,
	CAP_SYSLOG = 34,
	CAP_PERFMON = 38,
	CAP_BPF = 39,
};
#define SIGSYS_ 31

static char *docker;  /* the fixture text */
static uint64_t dflt; /* Docker's 14 default capabilities */
static bool have_i386;

/* Docker's profile with default caps on the host kernel. */
static void docker_case(const char *what, uint64_t extra_caps, const char *cmdline,
			const char *want)
{
	sc_case(what, docker, dflt | extra_caps, 0, 0, cmdline, want, 0);
}

static void test_t01_t03_basic(void **state)
{
	docker_case("T01", 0, "sys 39 -- sys 90 @str:/nonexistent 0644", "OK *\nERR 2");
	docker_case("T02", 0, "sys 250 0 0 -- sys 248 0 0 0 0 0 -- sys 249 0 0 0 0",
		    "ERR 1\nERR 1\nERR 1");
	docker_case("T03", 0, "sys 165 0 0 0 0 0 -- sys 166 0 0", "ERR 1\nERR 1");
	docker_case("T04", CAP(CAP_SYS_ADMIN), "sys 165 0 0 0 0 0", "ERR 14");
}

static void test_t05_t10_namespaces(void **state)
{
	docker_case("T05", 0, "sys 272 0x10000000 -- sys 272 0", "ERR 1\nERR 1");
	docker_case("T06", CAP(CAP_SYS_ADMIN), "sys 272 0x10000000", "OK 0");
	docker_case("T07", 0, "sys 56 0x800 0 0 0 0 -- clonefork", "ERR 22\nOK *");
	/* each namespace flag with CLONE_SIGHAND, which the kernel refuses if it gets that far */
	docker_case("T08", 0,
		    "sys 56 0x10000800 0 0 0 0 -- sys 56 0x20200 0 0 0 0 -- sys 56 0x20000800 0 0 "
		    "0 0 -- "
		    "sys 56 0x40000800 0 0 0 0 -- sys 56 0x04000800 0 0 0 0 -- sys 56 0x08000800 0 "
		    "0 0 0 -- "
		    "sys 56 0x02000800 0 0 0 0",
		    "ERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1");
	docker_case("T09", CAP(CAP_SYS_ADMIN), "sys 56 0x20200 0 0 0 0", "ERR 22");
	docker_case("T10", 0, "sys 435 0 0", "ERR 38");
	docker_case("T10 CAP_SYS_ADMIN", CAP(CAP_SYS_ADMIN), "sys 435 0 0", "ERR 22");
}

static void test_t11_t16_personality_socket(void **state)
{
	docker_case("T11", 0,
		    "sys 135 0xffffffff -- sys 135 0 -- sys 135 8 -- sys 135 0x20000 -- sys 135 "
		    "0x20008",
		    "OK *\nOK *\nOK *\nOK *\nOK *");
	docker_case("T12", 0, "sys 135 0x0040000 -- sys 135 -1", "ERR 1\nERR 1");
	docker_case("T13", 0, "sys 41 40 1 0", "ERR 1");
	docker_case("T13 CAP_SYS_ADMIN", CAP(CAP_SYS_ADMIN), "sys 41 40 1 0", "ERR 1");
	docker_case("T14", 0, "sys 41 38 5 0", "ERR 1");
	/* families 17/39/44 depend on the kernel build: allowed means "not the filter's EPERM" */
	docker_case(
		"T15", 0,
		"sys 41 2 1 0 -- sys 41 1 1 0 -- sys 41 17 3 0 -- sys 41 39 1 0 -- sys 41 44 3 0",
		"OK *\nOK *\n!ERR 1\n!ERR 1\n!ERR 1");
	docker_case("T16", 0, "sys 41 0x100000028 1 0", "!ERR 1");
}

static void test_t17_t24_caps_kernels(void **state)
{
	sc_case("T17 6.x", docker, dflt, 0, 0, "sys 101 2 999999 0 0", "ERR 3", 0);
	sc_case("T17 4.4", docker, dflt, 4, 4, "sys 101 2 999999 0 0", "ERR 1", 0);
	sc_case("T17 4.4 CAP_SYS_PTRACE", docker, dflt | CAP(CAP_SYS_PTRACE), 4, 4,
		"sys 101 2 999999 0 0", "ERR 3", 0);
	sc_case("T18 6.x", docker, dflt, 0, 0, "sys 310 @pid 0 0 0 0 0 -- sys 312 0 0 0 0 0",
		"OK 0\nERR 1", 0);
	sc_case("T18 4.4", docker, dflt, 4, 4, "sys 310 @pid 0 0 0 0 0", "ERR 1", 0);
	docker_case("T19", 0, "sys 321 -1 0 0", "ERR 1");
	docker_case("T19 CAP_BPF", CAP(CAP_BPF), "sys 321 -1 0 0", "ERR 22");
	docker_case("T19 CAP_SYS_ADMIN", CAP(CAP_SYS_ADMIN), "sys 321 -1 0 0", "ERR 22");
	docker_case("T20", 0, "sys 298 0 0 0 0 0", "ERR 1");
	docker_case("T20 CAP_PERFMON", CAP(CAP_PERFMON), "sys 298 0 0 0 0 0", "ERR 14");
	docker_case("T21", 0, "sys 425 1 0", "ERR 1");
	docker_case("T21 CAP_SYS_ADMIN", CAP(CAP_SYS_ADMIN), "sys 425 1 0", "ERR 1");
	docker_case("T22", 0, "sys 304 -1 0 0 -- sys 303 -1 0 0 0 0", "ERR 1\n!ERR 1");
	docker_case("T22 CAP_DAC_READ_SEARCH", CAP(CAP_DAC_READ_SEARCH), "sys 304 -1 0 0",
		    "!ERR 1");
	docker_case("T23", 0, "sys 103 10 0 0", "ERR 1");
	docker_case("T23 CAP_SYSLOG", CAP(CAP_SYSLOG), "sys 103 10 0 0", "OK *");
	docker_case("T24", 0, "sys 161 0", "ERR 14");
	sc_case("T24 no caps", docker, 0, 0, 0, "sys 161 0", "ERR 1", 0);
}

/*
 * T25 with harmless arguments: reboot with a bad magic, kexec_load with too
 * many segments, acct and clock_settime with bad pointers, fanotify_init
 * with invalid flags: if the filter let them through, the kernel refuses.
 */
#define T25_CALLS                                                                                  \
	"sys 169 0 0 0 0 -- sys 175 0 0 0 -- sys 167 0 0 -- sys 246 0 1000 0 0 -- sys 323 0 -- "   \
	"sys 279 0 0 0 0 0 0 -- sys 308 -1 0 -- sys 300 0xffffffff 0 -- sys 179 0 0 0 0 -- "       \
	"sys 163 1 -- sys 227 0 0 -- sys 237 0 0 0 0 0 0"

static void test_t25_admin(void **state)
{
	docker_case("T25", 0, T25_CALLS,
		    "ERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR 1\nERR "
		    "1\nERR 1");
	docker_case("T25 CAP_SYS_BOOT", CAP(CAP_SYS_BOOT), "sys 169 0 0 0 0", "ERR 22");
	docker_case("T25 CAP_SYS_PACCT", CAP(CAP_SYS_PACCT), "sys 163 1", "ERR 14");
	docker_case("T25 CAP_SYS_TIME", CAP(CAP_SYS_TIME), "sys 227 0 0", "ERR 14");
	docker_case("T25 CAP_SYS_NICE", CAP(CAP_SYS_NICE), "sys 237 0 0 0 0 0 0", "!ERR 1");
	docker_case("T25 CAP_SYS_ADMIN", CAP(CAP_SYS_ADMIN), "sys 308 -1 0 -- sys 300 0xffffffff 0",
		    "ERR 9\nERR 22");
	docker_case("T25 CAP_SYS_MODULE", CAP(CAP_SYS_MODULE), "sys 175 0 0 0", "!ERR 1");
	/* kexec_load, userfaultfd, move_pages and swapon stay denied whatever the caps */
	sc_case("T25 all caps", docker, UINT64_MAX, 0, 0,
		"sys 246 0 1000 0 0 -- sys 323 0 -- sys 279 0 0 0 0 0 0 -- sys 167 0 0",
		"ERR 1\nERR 1\nERR 1\nERR 1", 0);
}

static void test_t26_t27_stub(void **state)
{
	docker_case("T26", 0, "sys 1000 -- sys 467", "ERR 38\nERR 38");
	docker_case("T27", 0, "sys 400", "ERR 1");
	/* T31: never EPERM; allowed (a kernel error) when libseccomp knows the name */
	bool knows = seccomp_syscall_resolve_name("setxattrat") > 0;
	fprintf(stderr, "libseccomp %u.%u.%u %s setxattrat\n", seccomp_version()->major,
		seccomp_version()->minor, seccomp_version()->micro,
		knows ? "knows" : "does not know");
	docker_case("T31", 0, "sys 463 -1 0 0 0 0 0", knows ? "!ERR 1" : "ERR 38");
	docker_case("T31 CAP_SYS_ADMIN", CAP(CAP_SYS_ADMIN), "sys 461 0 0 0",
		    seccomp_syscall_resolve_name("lsm_list_modules") > 0 ? "!ERR 1" : "ERR 38");
}

static void test_t28_t30_abis(void **state)
{
	/* x32 shares the x86_64 audit arch: the filter decides even without kernel x32 support */
	docker_case("x32", 0, "x32 250 0 0 -- x32 1000", "ERR 1\nERR 38");
	/* T30: archMap replaced by x86_64 only: another ABI is killed */
	_cleanup_free_ char *only64 = sbx_xstrdup(docker);
	char *am = strstr(only64, "\"archMap\"");
	assert_non_null(am);
	am[strlen("\"archMa")] = 'X'; /* "archMaX": an unknown key, ignored */
	_cleanup_free_ char *json = sbx_xasprintf("{\"architectures\":[\"SCMP_ARCH_X86_64\"],%s",
						  strchr(only64, '{') + 1);
	sc_case("T30 x32", json, dflt, 0, 0, "sys 39 -- x32 39", "OK *", SIGSYS_);
	if (!have_i386) {
		fprintf(stderr,
			"skip: T28-T30 i386 cases: IA-32 emulation (int $0x80) is not available "
			"on this kernel; covered by the BPF-level unit tests\n");
		return;
	}
	sc_case("T30 i386", json, dflt, 0, 0, "sys 39 -- i386 20", "OK *", SIGSYS_);
	docker_case("T28", 0,
		    "i386 20 -- i386 1000 -- i386 435 0 0 -- i386 310 0x10000000 -- i386 288 0 0",
		    "OK *\nERR 38\nERR 38\nERR 1\nERR 1");
	docker_case("T29", 0, "i386 359 38 5 0 -- i386 102 1 @low:38,5,0", "ERR 1\n!ERR 1");
}

/* --- section 12 B: small profiles ------------------------------------------ */

/* BASE plus what the static probe's start-up needs, all numbered below seccomp (317). */
#define PROBE_BASE                                                                                 \
	"{\"names\":[\"read\",\"write\",\"exit\",\"exit_group\",\"getpid\",\"brk\",\"mmap\","      \
	"\"munmap\","                                                                              \
	"\"rt_sigreturn\",\"rt_sigprocmask\",\"futex\",\"close\",\"prctl\",\"seccomp\","           \
	"\"execve\","                                                                              \
	"\"arch_prctl\",\"set_tid_address\",\"set_robust_list\",\"prlimit64\",\"mprotect\","       \
	"\"newfstatat\"],"                                                                         \
	"\"action\":\"SCMP_ACT_ALLOW\"}"

static void test_t32_errno_ret(void **state)
{
	char dir[] = "/tmp/sbx-seccomp-t32-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *newdir = sbx_xasprintf("%s/newdir", dir);
	const struct {
		const char *extra, *want;
	} cases[] = {{",\"errnoRet\":100", "ERR 100"}, {"", "ERR 1"}, {",\"errnoRet\":0", "OK 0"}};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *json =
			sbx_xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
				      "\"names\":[\"mkdir\",\"mkdirat\"],"
				      "\"action\":\"SCMP_ACT_ERRNO\"%s}]}",
				      cases[i].extra);
		struct sbx_seccomp_filter *f = sc_compile(json, sc_env(0, 0, 0));
		struct sc_result r = sc_run_in(f, dir, "sys 83 @str:newdir 0755");
		sc_expect(&r, "T32", cases[i].want, 0);
		/* errnoRet 0 fakes success: nothing is created */
		struct stat st;
		assert_int_equal(stat(newdir, &st), -1);
		sbx_seccomp_filter_free(f);
	}
	assert_int_equal(rmdir(dir), 0);
}

static void test_t33_default_errno(void **state)
{
	sc_case("T33 ENXIO",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":6,\"syscalls\":"
		"[" PROBE_BASE "]}",
		0, 0, 0, "sys 110 -- sys 80 @str:/ -- sys 1000", "ERR 6\nERR 6\nERR 38", 0);
	sc_case("T33 ENOSYS",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":"
		"[" PROBE_BASE "]}",
		0, 0, 0, "sys 110 -- sys 1000", "ERR 38\nERR 38", 0);
}

static void test_t34_t36_args(void **state)
{
	sc_case("T34",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" PROBE_BASE ",{\"names\":"
		"[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":38,"
		"\"op\":"
		"\"SCMP_CMP_NE\"},{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_NE\"}]}]}",
		0, 0, 0, "sys 41 40 1 0", "!ERR 1", 0);
	sc_case("T35 OR",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" PROBE_BASE ",{\"names\":"
		"[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,"
		"\"op\":"
		"\"SCMP_CMP_EQ\"},{\"index\":0,\"value\":16,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,"
		"\"value\":2,"
		"\"op\":\"SCMP_CMP_EQ\"}]}]}",
		0, 0, 0, "sys 41 1 2 0 -- sys 41 1 1 0", "OK *\nERR 1", 0);
	sc_case("T35 AND",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" PROBE_BASE ",{\"names\":"
		"[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,"
		"\"op\":"
		"\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		0, 0, 0, "sys 41 1 2 0 -- sys 41 1 1 0 -- sys 41 2 2 0 -- sys 41 2 1 0",
		"ERR 1\nERR 1\nOK *\nERR 1", 0);
	sc_case("T36 mask",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" PROBE_BASE ",{\"names\":"
		"[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":2,\"value\":3840,"
		"\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}",
		0, 0, 0, "sys 41 1 1 0xff -- sys 41 1 1 0x100", "ERR 93\nERR 1", 0);
	sc_case("T36 datum",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" PROBE_BASE ",{\"names\":"
		"[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"value\":15,"
		"\"valueTwo\":2,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}",
		0, 0, 0, "sys 41 2 0x80002 0 -- sys 41 2 1 0", "OK *\nERR 1", 0);
}

static void test_t37_kill_actions(void **state)
{
	const struct {
		const char *act, *want;
		int sig;
	} cases[] = {
		{"SCMP_ACT_KILL", "", SIGSYS_},		{"SCMP_ACT_KILL_THREAD", "", SIGSYS_},
		{"SCMP_ACT_KILL_PROCESS", "", SIGSYS_}, {"SCMP_ACT_TRAP", "", SIGSYS_},
		{"SCMP_ACT_TRACE", "ERR 38", 0},	{"SCMP_ACT_LOG", "ERR 34", 0},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *json = sbx_xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
							  "\"syscalls\":[{\"names\":[\"getcwd\"],"
							  "\"action\":\"%s\"}]}",
							  cases[i].act);
		_cleanup_free_ char *what = sbx_xasprintf("T37 %s", cases[i].act);
		sc_case(what, json, 0, 0, 0, "sys 79 0 0", cases[i].want, cases[i].sig);
	}
	/* two threads: KILL ends only the worker, KILL_PROCESS the whole process */
	sc_case("T37 thread KILL",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
		"[\"getcwd\"],\"action\":\"SCMP_ACT_KILL\"}]}",
		0, 0, 0, "thread 79 0 0", "MAIN_ALIVE", 0);
	sc_case("T37 thread KILL_PROCESS",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
		"[\"getcwd\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}",
		0, 0, 0, "thread 79 0 0", "", SIGSYS_);
}

static void test_t38_precedence_and_validation(void **state)
{
	const char *a1 = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			 "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,"
			 "\"args\":[{\"index\":1,\"value\":511,\"op\":\"SCMP_CMP_EQ\"}]},"
			 "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5}]}";
	const char *a2 = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			 "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5},"
			 "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,"
			 "\"args\":[{\"index\":1,\"value\":511,\"op\":\"SCMP_CMP_EQ\"}]}]}";
	sc_case("T38a", a1, 0, 0, 0, "sys 90 0 0777 -- sys 90 0 0644", "ERR 5\nERR 5", 0);
	sc_case("T38a reversed", a2, 0, 0, 0, "sys 90 0 0777 -- sys 90 0 0644", "ERR 5\nERR 5", 0);
	sc_case("T38b",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"chmod\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5},{\"names\":[\"chmod\"],\"action\":"
		"\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}",
		0, 0, 0, "sys 90 0 0", "ERR 5", 0);
	sc_case("T38d",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" PROBE_BASE ",{\"names\":"
		"[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
		0, 0, 0, "sys 90 0 0", "ERR 1", 0);
	sc_case("T38e",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"no_such_"
		"syscall\","
		"\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":9}]}",
		0, 0, 0, "sys 83 0 0", "ERR 9", 0);
	/* (c) and (f): the load fails, nothing is run */
	const char *bad[] = {
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"chmod\"],"
		"\"action\":"
		"\"SCMP_ACT_ERRNO\",\"errnoRet\":5,\"args\":[{\"index\":1,\"value\":511,\"op\":"
		"\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"args\":[{"
		"\"index\":1,"
		"\"value\":511,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"a\",\"names\":["
		"\"b\"],"
		"\"action\":\"SCMP_ACT_ALLOW\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\"],"
		"\"archMap\":[{"
		"\"architecture\":\"SCMP_ARCH_X86_64\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
		"\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"4.8.0\"}}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
		"\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_FOO\"}]}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
		"\"SCMP_ACT_FOO\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
		"\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
		"\"SCMP_ACT_ERRNO\",\"errnoRet\":4095}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		struct sbx_error err = {0};
		struct sbx_seccomp_env e = sc_env(0, 0, 0);
		struct sbx_seccomp_profile *p = NULL;
		struct sbx_seccomp_filter *f = NULL;
		int r = sbx_seccomp_profile_parse("bad.json", bad[i], strlen(bad[i]), &p, &err);
		if (r == 0)
			r = sbx_seccomp_compile(p, &e, &f, &err);
		if (r >= 0)
			fail_msg("T38f: profile %zu loaded", i);
		assert_non_null(strstr(err.msg, "bad.json"));
		sbx_seccomp_profile_free(p);
	}
	/* (g) {} installs no filter: the kernel answers bpf(-1) itself */
	struct sbx_seccomp_filter *f = sc_compile("{}", sc_env(0, 0, 0));
	assert_true(f->unconfined);
	struct sc_result r = sc_run(f, "sys 321 -1 0 0 -- sys 400");
	sc_expect(&r, "T38g", "ERR 22\nERR 38", 0);
	sbx_seccomp_filter_free(f);
	/* (h) includes.caps needs every capability */
	const char *h =
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"chmod\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"includes\":{\"caps\":[\"CAP_SYS_"
		"ADMIN\","
		"\"CAP_NET_ADMIN\"]}}]}";
	sc_case("T38h one cap", h, CAP(CAP_SYS_ADMIN), 0, 0, "sys 90 0 0", "ERR 14", 0);
	sc_case("T38h both", h, CAP(CAP_SYS_ADMIN) | CAP(CAP_NET_ADMIN), 0, 0, "sys 90 0 0",
		"ERR 13", 0);
	sc_case("T38h minKernel 5.10 on 5.4",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
		"[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"includes\":{"
		"\"minKernel\":\"5.10\"}}]}",
		0, 5, 4, "sys 90 0 0", "ERR 14", 0);
}

int main(void)
{
	int rc = sc_require_probe(true);
	if (rc)
		return rc;
	const char *dir = getenv("SBX_FIXTURES");
	_cleanup_free_ char *path =
		sbx_xasprintf("%s/seccomp/docker-default.json", dir ? dir : "/nonexistent");
	size_t len;
	if (sbx_read_all(path, 1 << 20, &docker, &len) < 0)
		docker = NULL;
	dflt = sbx_seccomp_docker_default_caps();
	have_i386 = sc_have_i386();

	const struct CMUnitTest docker_tests[] = {
		cmocka_unit_test(test_t01_t03_basic),
		cmocka_unit_test(test_t05_t10_namespaces),
		cmocka_unit_test(test_t11_t16_personality_socket),
		cmocka_unit_test(test_t17_t24_caps_kernels),
		cmocka_unit_test(test_t25_admin),
		cmocka_unit_test(test_t26_t27_stub),
		cmocka_unit_test(test_t28_t30_abis),
	};
	const struct CMUnitTest small_tests[] = {
		cmocka_unit_test(test_t32_errno_ret),
		cmocka_unit_test(test_t33_default_errno),
		cmocka_unit_test(test_t34_t36_args),
		cmocka_unit_test(test_t37_kill_actions),
		cmocka_unit_test(test_t38_precedence_and_validation),
	};
	rc = cmocka_run_group_tests_name("small profiles (T32-T38)", small_tests, NULL, NULL);
	if (docker)
		rc |= cmocka_run_group_tests_name("Docker default profile (T01-T31)", docker_tests,
						  NULL, NULL);
	else
		fprintf(stderr, "skip: T01-T31: %s is not available\n", path);
	free(docker);
	free(probe_path);
	return rc;
}

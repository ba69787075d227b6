/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_int80: the 32-bit system call ABI from a 64-bit process. "int $0x80"
 * enters the kernel's i386 table with AUDIT_ARCH_I386, so a filter that
 * checks syscall numbers without checking the architecture would let
 * forbidden calls through under their 32-bit numbers. Each forbidden call
 * is tried in its own child: the secure outcomes are the kernel's own
 * refusal (EPERM, as on the 64-bit ABI), the profile's errno, or a SIGSYS
 * kill for a foreign architecture. Where the machine has no 32-bit entry at
 * all (int $0x80 raises SIGSEGV, as on some hypervisors), nothing gets
 * through and SIGSEGV is the secure outcome. Arguments live in static storage, which
 * a static non-PIE binary keeps below 4 GiB where 32-bit pointers reach.
 * sbxctr ends the whole sandbox on a seccomp kill, so the driver runs one
 * call per sandbox: "atk_int80 count" prints how many, "atk_int80 N" tries N.
 * Usage: atk_int80 [count | N]
 */
#include "atk.h"

#include <linux/keyctl.h>
#include <sched.h>
#include <sys/personality.h>

/* i386 syscall numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
enum {
	NR32_mount = 21,
	NR32_ptrace = 26,
	NR32_sethostname = 74,
	NR32_settimeofday = 79,
	NR32_reboot = 88,
	NR32_socketcall = 102,
	NR32_iopl = 110,
	NR32_init_module = 128,
	NR32_personality = 136,
	NR32_add_key = 286,
	NR32_keyctl = 288,
	NR32_unshare = 310,
	NR32_perf_event_open = 336,
	NR32_open_by_handle_at = 342,
	NR32_setns = 346,
	NR32_bpf = 357,
	NR32_socket = 359,
	NR32_userfaultfd = 374,
	NR32_io_uring_setup = 425,
};

static long int80(long nr, long a, long b, long c, long d, long e)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory", "r8", "r9", "r10", "r11");
	return (long)(int)ret; /* the 32-bit ABI returns in eax */
}

static long sys32(long nr, long a, long b, long c, long d, long e)
{
	long r = int80(nr, a, b, c, d, e);
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* low-memory argument storage */
static char s_user[8] = "user", s_desc[16] = "sbx-sec-32", s_payload[4] = "x", s_host[8] = "pwned", s_tmp[8] = "/tmp";
static char s_proc[8] = "proc", s_handle[16], s_attr[128], s_params[128];
static unsigned s_sockargs[3];
static char s_tv[16];

struct call {
	const char *name;
	long nr, a, b, c, d, e;
	int e1, e2; /* the kernel's own refusal, if any (beyond the profile's EPERM/ENOSYS/SIGSYS) */
	bool check_persona;
};

static int run_call(void *arg)
{
	const struct call *c = arg;
	long r = sys32(c->nr, c->a, c->b, c->c, c->d, c->e);
	int e = errno;
	char what[128];
	snprintf(what, sizeof(what), "int 0x80: %s", c->name);
	if (r >= 0 && c->check_persona) {
		unsigned p = (unsigned)personality(0xffffffff);
		if (p & READ_IMPLIES_EXEC)
			atk_hole("%s: returned %ld, persona now %#x", what, r, p);
		else
			atk_ok("%s: returned %ld but READ_IMPLIES_EXEC is not set", what, r);
		return 0;
	}
	ATK_EXPECT_ERR(what, (errno = e, r), EPERM, ENOSYS, c->e1 ? c->e1 : EPERM, c->e2 ? c->e2 : EPERM);
	return 0;
}

int main(int argc, char **argv)
{
	if ((uintptr_t)&s_params > 0xffffffffu)
		return atk_setup("static data above 4 GiB: build this program static and non-PIE"),
		       atk_finish("atk_int80");
	s_sockargs[0] = 38; /* AF_ALG */
	s_sockargs[1] = 5;  /* SOCK_SEQPACKET */
	s_attr[0] = 2;	    /* BPF_MAP_TYPE_ARRAY, key 4, value 8, 1 entry */
	s_attr[4] = 4;
	s_attr[8] = 8;
	s_attr[12] = 1;
	s_handle[0] = 8; /* handle_bytes 8, type 1, inode 2 */
	s_handle[4] = 1;
	s_handle[8] = 2;
	s_attr[64] = 1;	 /* perf attr: type SOFTWARE */
	s_attr[68] = 112; /* size */
	const struct call calls[] = {
		{"unshare(CLONE_NEWUSER)", NR32_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0, 0, false},
		{"unshare(CLONE_NEWNS)", NR32_unshare, CLONE_NEWNS, 0, 0, 0, 0, 0, 0, false},
		{"setns(0, 0)", NR32_setns, 0, 0, 0, 0, 0, EINVAL, 0, false},
		{"keyctl(GET_KEYRING_ID, @s, create)", NR32_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1, 0, 0,
		 0, 0, false},
		{"add_key(user, @s)", NR32_add_key, (long)s_user, (long)s_desc, (long)s_payload, 1,
		 KEY_SPEC_SESSION_KEYRING, 0, 0, false},
		{"bpf(BPF_MAP_CREATE)", NR32_bpf, 0, (long)s_attr, 48, 0, 0, 0, 0, false},
		{"perf_event_open(cpu-clock, self)", NR32_perf_event_open, (long)(s_attr + 64), 0, -1, -1, 0, EACCES, 0,
		 false},
		{"userfaultfd(UFFD_USER_MODE_ONLY)", NR32_userfaultfd, 1, 0, 0, 0, 0, 0, 0, false},
		{"io_uring_setup(8)", NR32_io_uring_setup, 8, (long)s_params, 0, 0, 0, 0, 0, false},
		{"socket(AF_ALG)", NR32_socket, 38, 5, 0, 0, 0, EAFNOSUPPORT, 0, false},
		{"socket(AF_VSOCK)", NR32_socket, 40, 1, 0, 0, 0, EAFNOSUPPORT, 0, false},
		{"socketcall(SOCKET, AF_ALG)", NR32_socketcall, 1, (long)s_sockargs, 0, 0, 0, EAFNOSUPPORT, 0, false},
		{"personality(READ_IMPLIES_EXEC)", NR32_personality, READ_IMPLIES_EXEC, 0, 0, 0, 0, 0, 0, true},
		{"mount(proc)", NR32_mount, (long)s_proc, (long)s_tmp, (long)s_proc, 0, 0, 0, 0, false},
		{"ptrace(PTRACE_ATTACH, 1)", NR32_ptrace, 16, 1, 0, 0, 0, 0, 0, false},
		{"open_by_handle_at(inode 2)", NR32_open_by_handle_at, -100, (long)s_handle, 0, 0, 0, 0, 0, false},
		{"sethostname", NR32_sethostname, (long)s_host, 5, 0, 0, 0, 0, 0, false},
		{"settimeofday", NR32_settimeofday, (long)s_tv, 0, 0, 0, 0, EINVAL, 0, false},
		{"reboot(CAD_OFF)", NR32_reboot, (long)0xfee1dead, 672274793, 0, 0, 0, 0, 0, false},
		{"init_module", NR32_init_module, (long)s_payload, 1, (long)s_payload, 0, 0, 0, 0, false},
		{"iopl(3)", NR32_iopl, 3, 0, 0, 0, 0, 0, 0, false},
	};
	const size_t n = sizeof(calls) / sizeof(calls[0]);
	if (argc > 1 && strcmp(argv[1], "count") == 0)
		return printf("%zu\n", n), 0;
	long only = argc > 1 ? atk_num(argv[1]) : -1;
	if (argc > 1 && (only < 0 || (size_t)only >= n))
		return fprintf(stderr, "usage: %s [count | 0..%zu]\n", argv[0], n - 1), ATK_SETUP;
	/* a harmless call first: does the 32-bit entry exist on this machine at all? */
	fflush(stdout);
	pid_t probe = fork();
	if (probe == 0)
		_exit(sys32(20 /* getpid */, 0, 0, 0, 0, 0) == getpid() ? 0 : 3);
	int st = 0;
	waitpid(probe, &st, 0);
	bool no_ia32 = WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
	if (no_ia32)
		atk_note("int $0x80 raises SIGSEGV here: no 32-bit entry on this machine; every call below must die the same way");
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		atk_note("int $0x80 works here (getpid answered)");
	else
		atk_note("int $0x80 getpid: status %#x", st);
	const int ok_sigs[] = {SIGSYS, no_ia32 ? SIGSEGV : 0, 0};
	for (size_t i = 0; i < n; i++)
		if (only < 0 || (size_t)only == i)
			atk_in_child_sigs(calls[i].name, run_call, (void *)&calls[i], ok_sigs);
	return atk_finish("atk_int80");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_x32: the x32 ABI: 64-bit syscalls with bit 30 set (__X32_SYSCALL_BIT)
 * enter x32 entry points under AUDIT_ARCH_X86_64, so a filter that checks
 * only the architecture and a number below a bound could miss them. Secure
 * outcomes: ENOSYS (kernel built without CONFIG_X86_X32_ABI, or the profile's
 * default errno), EPERM, or a SIGSYS kill. Also tried: numbers in the
 * x32-only range (512+) and bit 30 on plain 64-bit numbers.
 * sbxctr ends the whole sandbox on a seccomp kill, so the driver runs one
 * call per sandbox: "atk_x32 count" prints how many, "atk_x32 N" tries call N.
 * Usage: atk_x32 [count | N]
 */
#include "atk.h"

#include <linux/keyctl.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/syscall.h>

#define X32 0x40000000L

struct call {
	const char *name;
	long nr, a, b, c, d, e;
	bool check_persona;
};

static char s_user[] = "user", s_desc[] = "sbx-sec-x32", s_payload[] = "x";

static int run_call(void *arg)
{
	const struct call *c = arg;
	errno = 0;
	long r = syscall(c->nr, c->a, c->b, c->c, c->d, c->e);
	int e = errno;
	char what[128];
	snprintf(what, sizeof(what), "x32 %s (nr %#lx)", c->name, c->nr);
	if (r >= 0 && c->check_persona && (personality(0xffffffff) & READ_IMPLIES_EXEC)) {
		atk_hole("%s: READ_IMPLIES_EXEC set", what);
		return 0;
	}
	ATK_EXPECT_ERR(what, (errno = e, r), ENOSYS, EPERM);
	return 0;
}

int main(int argc, char **argv)
{
	const struct call calls[] = {
		{"unshare(CLONE_NEWUSER)", X32 | 272, CLONE_NEWUSER, 0, 0, 0, 0, false},
		{"keyctl(GET_KEYRING_ID, @s)", X32 | 250, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1, 0, 0, false},
		{"add_key(user, @s)", X32 | 248, (long)s_user, (long)s_desc, (long)s_payload, 1, KEY_SPEC_SESSION_KEYRING,
		 false},
		{"bpf(BPF_MAP_CREATE, NULL)", X32 | 321, 0, 0, 0, 0, 0, false},
		{"userfaultfd(UFFD_USER_MODE_ONLY)", X32 | 323, 1, 0, 0, 0, 0, false},
		{"io_uring_setup(8, NULL)", X32 | 425, 8, 0, 0, 0, 0, false},
		{"personality(READ_IMPLIES_EXEC)", X32 | 135, READ_IMPLIES_EXEC, 0, 0, 0, 0, true},
		{"mount(NULL)", X32 | 165, 0, 0, 0, 0, 0, false},
		{"setns(0, 0)", X32 | 308, 0, 0, 0, 0, 0, false},
		{"socket(AF_ALG)", X32 | 41, 38, 5, 0, 0, 0, false},
		{"getpid", X32 | 39, 0, 0, 0, 0, 0, false},
		{"x32-only rt_sigaction (512)", X32 | 512, 0, 0, 0, 0, 0, false},
		{"x32-only ioctl (514)", X32 | 514, 0, 0, 0, 0, 0, false},
		{"x32-only ptrace (521)", X32 | 521, 16, 1, 0, 0, 0, false},
		/* numbers beyond any table, with and without the bit */
		{"beyond the table", X32 | 0x3fffffffL, 0, 0, 0, 0, 0, false},
		{"a negative number (-2)", -2L, 0, 0, 0, 0, 0, false},
	};
	const size_t n = sizeof(calls) / sizeof(calls[0]);
	if (argc > 1 && strcmp(argv[1], "count") == 0)
		return printf("%zu\n", n), 0;
	long only = argc > 1 ? atk_num(argv[1]) : -1;
	if (argc > 1 && (only < 0 || (size_t)only >= n))
		return fprintf(stderr, "usage: %s [count | 0..%zu]\n", argv[0], n - 1), ATK_SETUP;
	for (size_t i = 0; i < n; i++)
		if (only < 0 || (size_t)only == i)
			atk_in_child(calls[i].name, run_call, (void *)&calls[i], true);
	return atk_finish("atk_x32");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_personality: execution-domain flags that weaken the process's own
 * hardening and that of whatever it exec's: READ_IMPLIES_EXEC (every
 * readable mapping executable), ADDR_NO_RANDOMIZE (no ASLR),
 * MMAP_PAGE_ZERO (page 0 mapped: NULL dereferences in the kernel become
 * exploitable), ADDR_COMPAT_LAYOUT, and the same flags with garbage in the
 * upper 32 bits (the kernel takes an unsigned int, so a filter that
 * compares all 64 bits against a deny list would be bypassed). The kernel
 * allows all of these to anyone; the default seccomp profile allows only
 * PER_LINUX, PER_LINUX32, UNAME26 and the query, comparing the low 32 bits;
 * anything else gets its default action (ENOSYS in the shipped profile). Each try runs in a child; the persona is read back, so
 * the verdict does not depend on the return value.
 */
#include "atk.h"

#include <sys/personality.h>
#include <sys/syscall.h>

struct try {
	const char *name;
	unsigned long value;
	unsigned flag;
};

static int run(void *arg)
{
	const struct try *t = arg;
	errno = 0;
	long r = syscall(SYS_personality, t->value);
	int e = errno;
	unsigned now = (unsigned)syscall(SYS_personality, 0xffffffffUL);
	char what[128];
	snprintf(what, sizeof(what), "personality(%s = %#lx)", t->name, t->value);
	if (now & t->flag)
		atk_hole("%s: persona is now %#x", what, now);
	else if (r >= 0)
		atk_ok("%s: returned %ld, flag not set (persona %#x)", what, r, now);
	else
		ATK_EXPECT_ERR(what, (errno = e, -1), EPERM, ENOSYS, EINVAL);
	return 0;
}

int main(void)
{
	static const struct try tries[] = {
		{"READ_IMPLIES_EXEC", READ_IMPLIES_EXEC, READ_IMPLIES_EXEC},
		{"ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE, ADDR_NO_RANDOMIZE},
		{"MMAP_PAGE_ZERO", MMAP_PAGE_ZERO, MMAP_PAGE_ZERO},
		{"ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT, ADDR_COMPAT_LAYOUT},
		{"PER_LINUX32|ADDR_NO_RANDOMIZE", PER_LINUX32 | ADDR_NO_RANDOMIZE, ADDR_NO_RANDOMIZE},
		{"0xdeadbeef<<32 | READ_IMPLIES_EXEC", 0xdeadbeef00000000UL | READ_IMPLIES_EXEC, READ_IMPLIES_EXEC},
		{"1<<32 | ADDR_NO_RANDOMIZE", 0x100000000UL | ADDR_NO_RANDOMIZE, ADDR_NO_RANDOMIZE},
		{"0xffffffff<<32 | MMAP_PAGE_ZERO", 0xffffffff00000000UL | MMAP_PAGE_ZERO, MMAP_PAGE_ZERO},
	};
	unsigned start = (unsigned)personality(0xffffffff);
	if (start & (READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | MMAP_PAGE_ZERO))
		atk_hole("persona at start is %#x", start);
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
		atk_in_child(tries[i].name, run, (void *)&tries[i], true);
	return atk_finish("atk_personality");
}

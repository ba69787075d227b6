/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocates at (nearly) its first instruction: a 256 MiB .bss array written
 * by the earliest constructor, before main. With the sandbox joined to its
 * cgroup by clone3(CLONE_INTO_CGROUP) every page is charged from the start,
 * so under a smaller memory limit it is OOM-killed before main prints.
 */
#include <stdio.h>
#include <unistd.h>

#define BIG (256L << 20)
/* not static, and written through volatile: the stores must not be optimised away */
char big[BIG];

__attribute__((constructor(101))) static void touch(void)
{
	long page = sysconf(_SC_PAGESIZE);
	for (long off = 0; off < BIG; off += page)
		((volatile char *)big)[off] = (char)((off / page) | 1);
}

int main(void)
{
	printf("survived %ld MiB (%d)\n", BIG >> 20, ((volatile char *)big)[BIG - 1]);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory hog for cgroup tests: cg_memhog MIB allocates MIB mebibytes in 1 MiB
 * mappings and writes every page, then prints "allocated MIB" and exits 0.
 * Under a memory limit it is expected to die of SIGKILL (OOM) on the way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = 0;
	if (argc > 1) {
		char *end;
		errno = 0;
		mib = strtol(argv[1], &end, 10);
		if (errno || end == argv[1] || *end)
			mib = 0;
	}
	if (mib <= 0) {
		fprintf(stderr, "usage: cg_memhog MIB\n");
		return 2;
	}
	long page = sysconf(_SC_PAGESIZE);
	for (long i = 0; i < mib; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED) {
			perror("cg_memhog: mmap");
			return 1;
		}
		/* distinct, non-zero data per page so that no page is shared or deduplicated */
		for (long off = 0; off < (1 << 20); off += page) {
			long *w = (long *)(p + off);
			w[0] = i * 4096 + off + 1;
			w[1] = (long)getpid();
		}
	}
	printf("allocated %ld\n", mib);
	return 0;
}

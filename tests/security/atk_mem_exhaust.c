/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_mem_exhaust: allocate and touch memory until stopped. Run by the
 * driver only with a memory limit (--memory LIMIT): the program must be
 * OOM-killed (the driver sees SIGKILL) or its allocations must fail before
 * it has touched much more than LIMIT. Exits 1 if it gets past 1.25 x LIMIT.
 * Usage: atk_mem_exhaust LIMIT_BYTES
 */
#include "atk.h"

#include <sys/mman.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return ATK_SETUP;
	unsigned long long limit = strtoull(argv[1], NULL, 0), touched = 0;
	const size_t chunk = 4u << 20;
	for (;;) {
		char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			atk_ok("mmap failed with %s after %llu MiB (limit %llu MiB)", atk_errname(errno), touched >> 20,
			       limit >> 20);
			break;
		}
		for (size_t i = 0; i < chunk; i += 4096)
			p[i] = 1;
		touched += chunk;
		if (touched > limit + limit / 4) {
			atk_hole("touched %llu MiB with a %llu MiB limit", touched >> 20, limit >> 20);
			break;
		}
	}
	return atk_finish("atk_mem_exhaust");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Prints the CPUs this process may run on (sched_getaffinity) as a list: "0-1,3". */
#include <sched.h>
#include <stdio.h>

int main(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		perror("cg_affinity: sched_getaffinity");
		return 1;
	}
	int first = 1;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		int e = c;
		while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, &set))
			e++;
		printf(first ? "" : ",");
		if (e == c)
			printf("%d", c);
		else
			printf("%d-%d", c, e);
		first = 0;
		c = e;
	}
	printf("\n");
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cg_sleep SECONDS [CHILDREN]: forks CHILDREN processes (default 0) that,
 * like the parent, sleep SECONDS and exit 0. The parent prints "ready" once all exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 60;
	int children = argc > 2 ? atoi(argv[2]) : 0;
	int parent = 1;
	for (int i = 0; i < children; i++) {
		pid_t p = fork();
		if (p < 0) {
			perror("cg_sleep: fork");
			return 1;
		}
		if (p == 0) {
			parent = 0;
			break;
		}
	}
	if (parent) {
		printf("ready\n");
		fflush(stdout);
	}
	struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
	while (nanosleep(&ts, &ts) < 0)
		;
	return 0;
}

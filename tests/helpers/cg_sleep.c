/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cg_sleep SECONDS [CHILDREN]: forks CHILDREN processes (default 0) that,
 * like the parent, sleep SECONDS and exit 0. The parent prints "ready" once all exist.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	double secs = 60;
	long children = 0;
	char *end;
	if (argc > 1) {
		errno = 0;
		secs = strtod(argv[1], &end);
		if (errno || end == argv[1] || *end || !(secs >= 0 && secs <= 1e9)) {
			fprintf(stderr, "usage: cg_sleep SECONDS [CHILDREN]\n");
			return 2;
		}
	}
	if (argc > 2) {
		errno = 0;
		children = strtol(argv[2], &end, 10);
		if (errno || end == argv[2] || *end || children < 0 || children > 4096) {
			fprintf(stderr, "usage: cg_sleep SECONDS [CHILDREN]\n");
			return 2;
		}
	}
	int parent = 1;
	for (long i = 0; i < children; i++) {
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

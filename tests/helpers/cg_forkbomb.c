/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fork bomb with an end: cg_forkbomb SECONDS makes every process fork as
 * fast as it can until SECONDS of wall-clock time have passed, then exit.
 * Nobody reaps, so zombies keep holding their pids until an ancestor (or the
 * subreaper) does. The first process prints how many of its forks failed
 * ("refused N").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = 1;
	if (argc > 1) {
		char *end;
		errno = 0;
		secs = strtod(argv[1], &end);
		if (errno || end == argv[1] || *end || !(secs >= 0 && secs <= 1e9)) {
			fprintf(stderr, "usage: cg_forkbomb SECONDS\n");
			return 2;
		}
	}
	double deadline = now() + secs;
	pid_t top = getpid();
	long refused = 0;
	while (now() < deadline) {
		pid_t p = fork();
		if (p < 0 && (errno == EAGAIN || errno == ENOMEM))
			refused++;
	}
	if (getpid() == top)
		printf("refused %ld\n", refused);
	return 0;
}

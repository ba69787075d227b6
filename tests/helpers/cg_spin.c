/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Busy loop: cg_spin SECONDS [THREADS] spins THREADS threads (default 1)
 * until SECONDS of wall-clock time have passed, then prints the CPU time the
 * process used in that window ("spin_cpu_us N": without exec and start-up,
 * which a slow emulator makes costly) and in all ("cpu_us N"), and exits 0.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double deadline;
/* Written by the busy loop; volatile so that the loop is not optimised away. */
static volatile unsigned long spin_sink;

static long cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *spin(void *arg)
{
	while (now() < deadline)
		for (int i = 0; i < 10000; i++)
			spin_sink += (unsigned long)i;
	return arg;
}

int main(int argc, char **argv)
{
	double secs = 1;
	long threads = 1;
	char *end;
	if (argc > 1) {
		errno = 0;
		secs = strtod(argv[1], &end);
		if (errno || end == argv[1] || *end || !(secs >= 0 && secs <= 1e9)) {
			fprintf(stderr, "usage: cg_spin SECONDS [THREADS]\n");
			return 2;
		}
	}
	if (argc > 2) {
		errno = 0;
		threads = strtol(argv[2], &end, 10);
		if (errno || end == argv[2] || *end) {
			fprintf(stderr, "usage: cg_spin SECONDS [THREADS]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > 64)
		threads = 1;
	long start = cpu_us();
	deadline = now() + secs;
	pthread_t t[64];
	for (int i = 1; i < threads; i++)
		pthread_create(&t[i], NULL, spin, NULL);
	spin(NULL);
	for (int i = 1; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("spin_cpu_us %ld\ncpu_us %ld\n", cpu_us() - start, cpu_us());
	return 0;
}

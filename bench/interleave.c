/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start-up times of several commands, interleaved run by run: hyperfine
 * runs each command's runs back to back, so a slow patch of a shared
 * machine (seconds long here) lands on one command and not the others,
 * which moved medians by 10-20 % between invocations. Here run i of every
 * command comes before run i+1 of any, in a rotating order.
 *
 *   interleave RUNS WARMUP NAME 'CMD ARGS...' [NAME 'CMD ARGS...' ...]
 *
 * Each command line is split on spaces (no quoting) and exec'd directly,
 * its stdout and stderr to /dev/null; leading NAME=VALUE words go into its
 * environment instead (no env(1) exec in what is timed). A non-zero exit
 * is reported and ends the run. Prints, per command: median, p10 and p90 in ms and the
 * ratio of medians to the first command's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 16

struct cmd {
	const char *name;
	char *env[8]; /* NAME=VALUE words before the program */
	char *argv[64];
	double *ms;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double run_once(const struct cmd *c)
{
	double t0 = now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		for (int i = 0; c->env[i]; i++)
			putenv(c->env[i]);
		execvp(c->argv[0], c->argv);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0) {
		perror("interleave: fork/wait");
		exit(1);
	}
	double t = now_ms() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "interleave: %s failed (status 0x%x)\n", c->name, st);
		exit(1);
	}
	return t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pick(const double *sorted, int n, double q)
{
	return sorted[(int)(q * (n - 1) + 0.5)];
}

int main(int argc, char **argv)
{
	if (argc < 5 || (argc - 3) % 2 != 0 || (argc - 3) / 2 > MAX_CMDS) {
		fprintf(stderr, "usage: %s RUNS WARMUP NAME 'CMD ARGS...' [NAME 'CMD ARGS...' ...]\n", argv[0]);
		return 2;
	}
	int runs = atoi(argv[1]), warmup = atoi(argv[2]), n = (argc - 3) / 2;
	if (runs < 1 || warmup < 0)
		return 2;
	struct cmd cmds[MAX_CMDS] = {0};
	for (int i = 0; i < n; i++) {
		cmds[i].name = argv[3 + 2 * i];
		char *line = strdup(argv[4 + 2 * i]), *save = NULL;
		int k = 0, e = 0;
		for (char *w = strtok_r(line, " ", &save); w && k < 63; w = strtok_r(NULL, " ", &save)) {
			if (k == 0 && e < 7 && strchr(w, '=') && w[0] != '=' && w[0] != '/')
				cmds[i].env[e++] = w;
			else
				cmds[i].argv[k++] = w;
		}
		cmds[i].ms = calloc((size_t)runs, sizeof(double));
		if (!k || !cmds[i].ms)
			return 2;
	}
	for (int w = 0; w < warmup; w++)
		for (int i = 0; i < n; i++)
			run_once(&cmds[i]);
	for (int r = 0; r < runs; r++)
		for (int j = 0; j < n; j++) {
			/* rotating order: no command always follows the same one */
			int i = (j + r) % n;
			cmds[i].ms[r] = run_once(&cmds[i]);
		}
	printf("%-16s %9s %8s %8s %9s %6s\n", "command", "median ms", "p10", "p90", "x first", "runs");
	double first = 0;
	for (int i = 0; i < n; i++) {
		qsort(cmds[i].ms, (size_t)runs, sizeof(double), cmp_double);
		double med = runs % 2 ? cmds[i].ms[runs / 2] : (cmds[i].ms[runs / 2 - 1] + cmds[i].ms[runs / 2]) / 2;
		if (i == 0)
			first = med;
		printf("%-16s %9.3f %8.3f %8.3f %9.3f %6d\n", cmds[i].name, med, pick(cmds[i].ms, runs, 0.1),
		       pick(cmds[i].ms, runs, 0.9), med / first, runs);
	}
	return 0;
}

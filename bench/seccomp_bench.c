/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp overhead: ns per syscall without a filter, with a one-rule filter,
 * with Docker's default profile and with sbxctr's default profile; ns per
 * argument-checked call; profile compile and filter load times. Run by hand
 * (not in CI), as root or not (no_new_privs is enough):
 *
 *   cmake --build build -t sbxctr_core
 *   gcc -O2 -D_GNU_SOURCE -I. -Ibuild/generated bench/seccomp_bench.c build/libsbxctr.a \
 *       $(pkg-config --libs libseccomp json-c libcap libmnl libnl-route-3.0) -o /tmp/seccomp_bench
 *   /tmp/seccomp_bench [docker-default.json]     (or: sh bench/seccomp.sh)
 *
 * Each cell is the median of 9 runs; each run is a fresh child process that
 * loads the filter and times a tight loop of raw syscalls.
 */
#include <errno.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profiles/seccomp_builtin.h"
#include "profiles/seccomp_filter.h"
#include "profiles/seccomp_profile.h"
#include "core/util.h"
#include "tests/unit/test_seccomp_bpf.h"

#define RUNS 9
#define ITER 200000

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

enum op { OP_GETPID, OP_SOCKET, OP_PERSONALITY, OP_IOCTL, OP__COUNT };
static const char *const op_names[] = {"getpid()", "socket(AF_INET, bad type)",
				       "personality(0xffffffff)", "ioctl(-1, TCGETS)"};

static void do_op(enum op op)
{
	switch (op) {
	case OP_GETPID: syscall(SYS_getpid); break;
	/* allowed by every profile here, and refused by the kernel at once (EINVAL) */
	case OP_SOCKET: syscall(SYS_socket, 2L, 0xfffL, 0L); break;
	case OP_PERSONALITY: syscall(SYS_personality, 0xffffffffL); break;
	case OP_IOCTL: syscall(SYS_ioctl, -1L, 0x5401L, 0L); break;
	case OP__COUNT:
	default: break;
	}
}

/* One run in a child: load the filter (if any), time ITER calls, return ns/call. */
static double one_run(const struct sbx_seccomp_filter *f, enum op op)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(1);
		if (f && sbx_seccomp_prog_load(f->prog, NULL) < 0)
			_exit(2);
		for (int i = 0; i < ITER / 10; i++) /* warm up */
			do_op(op);
		double t0 = now_ns();
		for (int i = 0; i < ITER; i++)
			do_op(op);
		double ns = (now_ns() - t0) / ITER;
		if (write(pfd[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(3);
		_exit(0);
	}
	close(pfd[1]);
	double ns = -1;
	if (read(pfd[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	return ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static struct sbx_seccomp_filter *compile(const char *doc, const char *text, double *ret_ms)
{
	struct sbx_error err = {0};
	struct sbx_seccomp_env env;
	if (sbx_seccomp_env_host(&env, sbx_seccomp_docker_default_caps(), &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	double v[RUNS];
	struct sbx_seccomp_filter *f = NULL;
	for (int r = 0; r < RUNS; r++) {
		struct sbx_seccomp_profile *p = NULL;
		sbx_seccomp_filter_free(f);
		f = NULL;
		double t0 = now_ns();
		if (sbx_seccomp_profile_parse(doc, text, strlen(text), &p, &err) < 0 ||
		    sbx_seccomp_compile(p, &env, &f, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			exit(1);
		}
		v[r] = (now_ns() - t0) / 1e6;
		sbx_seccomp_profile_free(p);
	}
	*ret_ms = median(v, RUNS);
	return f;
}

/* seccomp(2) itself, in a child (a filter cannot be removed). */
static double load_us(const struct sbx_seccomp_filter *f)
{
	double v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		int pfd[2];
		if (pipe(pfd) < 0)
			exit(1);
		pid_t pid = fork();
		if (pid == 0) {
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
			double t0 = now_ns();
			int rc = sbx_seccomp_prog_load(f->prog, NULL);
			double us = rc < 0 ? -1 : (now_ns() - t0) / 1e3;
			if (write(pfd[1], &us, sizeof(us)) != sizeof(us))
				_exit(3);
			_exit(0);
		}
		close(pfd[1]);
		if (read(pfd[0], &v[r], sizeof(v[r])) != sizeof(v[r]))
			v[r] = -1;
		close(pfd[0]);
		waitpid(pid, NULL, 0);
	}
	return median(v, RUNS);
}

int main(int argc, char **argv)
{
	const char *fixture = argc > 1 ? argv[1] : "../shared/fixtures/seccomp/docker-default.json";
	char *docker_text = NULL;
	size_t len;
	if (sbx_read_all(fixture, 1 << 20, &docker_text, &len) < 0) {
		fprintf(stderr, "cannot read %s (pass the Docker profile as the first argument)\n",
			fixture);
		return 1;
	}
	struct {
		const char *name;
		struct sbx_seccomp_filter *f;
		double compile_ms, load_us;
	} cfg[] = {
		{"no filter", NULL, 0, 0},	     {"one rule", NULL, 0, 0},
		{"docker-default.json", NULL, 0, 0}, {"sbxctr default.json", NULL, 0, 0},
		{"sbxctr compute-only", NULL, 0, 0},
	};
	cfg[1].f = compile("one-rule",
			   "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			   "[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
			   &cfg[1].compile_ms);
	cfg[2].f = compile("docker-default.json", docker_text, &cfg[2].compile_ms);
	cfg[3].f = compile("default", sbx_seccomp_builtin_profile("default"), &cfg[3].compile_ms);
	cfg[4].f = compile("compute-only", sbx_seccomp_builtin_profile("compute-only"),
			   &cfg[4].compile_ms);
	for (size_t c = 1; c < 5; c++)
		cfg[c].load_us = load_us(cfg[c].f);

	/*
	 * Round robin over configurations and calls, so that drift in the
	 * machine's speed (noisy neighbours, frequency) hits every cell alike.
	 */
	static double v[4][OP__COUNT][RUNS];
	for (int r = 0; r < RUNS; r++)
		for (size_t c = 0; c < 4; c++)
			for (int op = 0; op < OP__COUNT; op++)
				v[c][op][r] = one_run(cfg[c].f, (enum op)op);
	printf("seccomp overhead, median of %d runs x %d calls (ns per call)\n\n", RUNS, ITER);
	printf("%-26s", "call");
	for (size_t c = 0; c < 4; c++)
		printf(" %20s", cfg[c].name);
	printf("\n");
	for (int op = 0; op < OP__COUNT; op++) {
		printf("%-26s", op_names[op]);
		for (size_t c = 0; c < 4; c++)
			printf(" %20.1f", median(v[c][op], RUNS));
		printf("\n");
	}
	/* deterministic complement to the timings: BPF instructions each call executes */
	static const long args[OP__COUNT][3] = {{0}, {2, 0xfff, 0}, {0xffffffff}, {-1, 0x5401, 0}};
	static const int nrs[OP__COUNT] = {SYS_getpid, SYS_socket, SYS_personality, SYS_ioctl};
	printf("\nBPF instructions executed per call (stub included)\n%-26s", "call");
	for (size_t c = 1; c < 5; c++)
		printf(" %20s", cfg[c].name);
	printf("\n");
	for (int op = 0; op < OP__COUNT; op++) {
		struct seccomp_data d = {.nr = nrs[op], .arch = AUDIT_ARCH_X86_64};
		for (int k = 0; k < 3; k++)
			d.args[k] = (uint64_t)args[op][k];
		printf("%-26s", op_names[op]);
		for (size_t c = 1; c < 5; c++) {
			size_t steps = 0;
			sc_bpf_run_steps(cfg[c].f->prog->insns, cfg[c].f->prog->len, &d, &steps);
			printf(" %20zu", steps);
		}
		printf("\n");
	}
	printf("\n%-22s %8s %14s %14s\n", "profile", "insns", "compile (ms)", "load (us)");
	for (size_t c = 1; c < 5; c++)
		printf("%-22s %8u %14.2f %14.1f\n", cfg[c].name, cfg[c].f->prog->len,
		       cfg[c].compile_ms, cfg[c].load_us);
	for (size_t c = 0; c < 5; c++)
		sbx_seccomp_filter_free(cfg[c].f);
	free(docker_text);
	return 0;
}

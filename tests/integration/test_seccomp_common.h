/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared helpers of the seccomp integration tests: compile a profile, run the
 * static probe ($SBX_HELPERS/sc_probe) under it in a forked child (no_new_privs,
 * filter loaded right before execve, as the runtime does) and match its output.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>

#include "profiles/seccomp_filter.h"
#include "profiles/seccomp_profile.h"
#include "core/cleanup.h"
#include "core/util.h"

#define EXIT_SKIP 77
#define PROBE_TIMEOUT_S 20

static char *probe_path;

/* Root in the initial user namespace: "0 0 4294967295" in uid_map. */
static inline bool sc_real_root(void)
{
	char buf[128] = "";
	if (geteuid() != 0 ||
	    sbx_read_file_at(AT_FDCWD, "/proc/self/uid_map", buf, sizeof(buf)) < 0)
		return false;
	/* three numbers, separated (and led) by spaces */
	unsigned long v[3];
	char *p = buf;
	for (size_t i = 0; i < 3; i++) {
		char *end;
		errno = 0;
		v[i] = strtoul(p, &end, 10);
		if (errno || end == p)
			return false;
		p = end;
	}
	return v[0] == 0 && v[1] == 0 && v[2] == 4294967295UL;
}

/*
 * Prerequisites, else the whole program is skipped: the probe, an x86_64
 * host (the cases use its syscall numbers) and, when `need_root`, root in
 * the initial user namespace (the "allowed" results of capability-gated
 * calls are the kernel's answers to a privileged caller). Loading filters
 * needs only no_new_privs.
 */
static inline int sc_require_probe(bool need_root)
{
	const char *helpers = getenv("SBX_HELPERS");
	if (need_root && !sc_real_root()) {
		fprintf(stderr,
			"skip: these seccomp cases need root in the initial user namespace\n");
		return EXIT_SKIP;
	}
	if (seccomp_arch_native() != SCMP_ARCH_X86_64) {
		fprintf(stderr, "skip: the seccomp integration cases use x86_64 syscall numbers\n");
		return EXIT_SKIP;
	}
	if (!helpers) {
		fprintf(stderr, "skip: SBX_HELPERS is not set (run through ctest)\n");
		return EXIT_SKIP;
	}
	probe_path = sbx_xasprintf("%s/sc_probe", helpers);
	if (access(probe_path, X_OK) != 0) {
		fprintf(stderr, "skip: %s is missing\n", probe_path);
		return EXIT_SKIP;
	}
	return 0;
}

static inline struct sbx_seccomp_env sc_env(uint64_t caps, unsigned int kmaj, unsigned int kmin)
{
	struct sbx_seccomp_env e;
	struct sbx_error err = {0};
	if (sbx_seccomp_env_host(&e, caps, &err) < 0)
		fail_msg("%s", err.msg);
	if (kmaj) {
		e.kernel_major = kmaj;
		e.kernel_minor = kmin;
	}
	return e;
}

static inline struct sbx_seccomp_filter *sc_compile(const char *json, struct sbx_seccomp_env e)
{
	struct sbx_error err = {0};
	_cleanup_(sbx_seccomp_profile_freep) struct sbx_seccomp_profile *p = NULL;
	struct sbx_seccomp_filter *f = NULL;
	if (sbx_seccomp_profile_parse("profile.json", json, strlen(json), &p, &err) < 0 ||
	    sbx_seccomp_compile(p, &e, &f, &err) < 0)
		fail_msg("compile failed: %s", err.msg);
	return f;
}

struct sc_result {
	int status;
	char out[8192];
};

/* Splits a command line on spaces into argv[1..] (argv[0] is the probe). */
static inline char **sc_argv(const char *cmdline)
{
	char **v = sbx_xcalloc(256, sizeof(char *));
	size_t n = 0;
	v[n++] = sbx_xstrdup(probe_path);
	_cleanup_free_ char *copy = sbx_xstrdup(cmdline);
	char *save = NULL;
	for (char *t = strtok_r(copy, " ", &save); t && n < 255; t = strtok_r(NULL, " ", &save))
		v[n++] = sbx_xstrdup(t);
	return v;
}

/*
 * fork; child: cwd, stdout to a pipe, no_new_privs, filter, execve(probe).
 * The filter is the last thing before execve, as in the runtime.
 */
static inline struct sc_result sc_run_argv(const struct sbx_seccomp_filter *f, const char *cwd,
					   char *const argv[])
{
	struct sc_result r = {0};
	int pfd[2];
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(PROBE_TIMEOUT_S);
		if (cwd && chdir(cwd) < 0)
			_exit(120);
		if (dup2(pfd[1], STDOUT_FILENO) < 0 || dup2(pfd[1], STDERR_FILENO) < 0)
			_exit(121);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(122);
		if (f && sbx_seccomp_prog_load(f->prog, NULL) < 0)
			_exit(123);
		execv(argv[0], argv);
		_exit(124);
	}
	close(pfd[1]);
	size_t n = 0;
	for (;;) {
		ssize_t k = read(pfd[0], r.out + n, sizeof(r.out) - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &r.status, 0), pid);
	return r;
}

/* The probe with a space-separated command line (see tests/helpers/sc_probe.c). */
static inline struct sc_result sc_run_in(const struct sbx_seccomp_filter *f, const char *cwd,
					 const char *cmdline)
{
	_cleanup_strv_ char **argv = sc_argv(cmdline);
	return sc_run_argv(f, cwd, argv);
}

static inline struct sc_result sc_run(const struct sbx_seccomp_filter *f, const char *cmdline)
{
	return sc_run_in(f, NULL, cmdline);
}

/*
 * Matches the probe's output line by line: "ERR 1" exactly, "OK *" any OK
 * line, "!ERR 1" any line but that one (a result the filter did not make).
 */
static inline bool sc_lines_match(const char *out, const char *want, char *why, size_t size)
{
	_cleanup_free_ char *o = sbx_xstrdup(out), *w = sbx_xstrdup(want);
	char *so = NULL, *sw = NULL;
	char *lo = strtok_r(o, "\n", &so), *lw = strtok_r(w, "\n", &sw);
	for (int line = 1; lw;
	     line++, lo = strtok_r(NULL, "\n", &so), lw = strtok_r(NULL, "\n", &sw)) {
		bool ok;
		if (!lo)
			ok = false;
		else if (lw[0] == '!')
			ok = strcmp(lo, lw + 1) != 0;
		else if (lw[strlen(lw) - 1] == '*')
			ok = strncmp(lo, lw, strlen(lw) - 1) == 0;
		else
			ok = strcmp(lo, lw) == 0;
		if (!ok) {
			snprintf(why, size, "line %d: got \"%s\", want \"%s\"", line,
				 lo ? lo : "(none)", lw);
			return false;
		}
	}
	if (lo) {
		snprintf(why, size, "unexpected extra line \"%s\"", lo);
		return false;
	}
	return true;
}

/* sig 0: the probe must exit 0; otherwise it must die by that signal. */
static inline void sc_expect(const struct sc_result *r, const char *what, const char *want, int sig)
{
	char why[512];
	if (!sc_lines_match(r->out, want, why, sizeof(why)))
		fail_msg("%s: %s\n--- output ---\n%s", what, why, r->out);
	if (sig == 0 && !(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0))
		fail_msg("%s: expected exit 0, status %#x (exit %d, signal %d)\n%s", what,
			 r->status, WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1,
			 WIFSIGNALED(r->status) ? WTERMSIG(r->status) : 0, r->out);
	if (sig != 0 && !(WIFSIGNALED(r->status) && WTERMSIG(r->status) == sig))
		fail_msg("%s: expected signal %d, status %#x\n%s", what, sig, r->status, r->out);
}

/* Compiles `json` for (caps, kernel), runs the probe, checks; the common case. */
static inline void sc_case(const char *what, const char *json, uint64_t caps, unsigned int kmaj,
			   unsigned int kmin, const char *cmdline, const char *want, int sig)
{
	struct sbx_seccomp_filter *f = sc_compile(json, sc_env(caps, kmaj, kmin));
	struct sc_result r = sc_run(f, cmdline);
	sc_expect(&r, what, want, sig);
	sbx_seccomp_filter_free(f);
}

/* Whether int $0x80 works here: IA-32 emulation can be compiled out or off at boot. */
static inline bool sc_have_i386(void)
{
	struct sc_result r = sc_run(NULL, "i386 20");
	return WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && strncmp(r.out, "OK ", 3) == 0;
}

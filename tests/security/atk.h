/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reporting for the attack programs in tests/security/. Each program tries
 * one family of escapes from inside the default sandbox, prints one line per
 * attempt and exits ATK_BLOCKED (0) when every attempt failed the way the
 * threat model says it must, ATK_SUCCEEDED (1) when one worked (or failed
 * for a reason the model does not explain), ATK_SETUP (2) when it could not
 * even set the attempt up.
 *
 * Most attempts are blocked twice: by the kernel (no capabilities, the user
 * namespace, read-only mounts) and by the default seccomp profile. The
 * accepted errnos list both, and the lines say which layer each one is.
 */
#pragma once

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { ATK_BLOCKED = 0, ATK_SUCCEEDED = 1, ATK_SETUP = 2 };

/* A test program's own tally; these programs are single-purpose, so a file-level state is fine. */
static struct {
	int checks;
	int succeeded;
	int setup;
} atk_tally;

static inline const char *atk_errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";
	return n ? n : "E?";
}

__attribute__((format(printf, 1, 2))) static inline void atk_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("  note     : ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

__attribute__((format(printf, 2, 0))) static inline void atk_vline(const char *tag, const char *fmt, va_list ap)
{
	printf("  %-9s: ", tag);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* The attempt was stopped as the threat model says. */
__attribute__((format(printf, 1, 2))) static inline void atk_ok(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	atk_tally.checks++;
	atk_vline("blocked", fmt, ap);
	va_end(ap);
}

/* The attempt worked: a hole. */
__attribute__((format(printf, 1, 2))) static inline void atk_hole(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	atk_tally.checks++;
	atk_tally.succeeded++;
	atk_vline("SUCCEEDED", fmt, ap);
	va_end(ap);
}

/* The attempt could not be set up: the result says nothing either way. */
__attribute__((format(printf, 1, 2))) static inline void atk_setup(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	atk_tally.setup++;
	atk_vline("SETUP", fmt, ap);
	va_end(ap);
}

/*
 * rc/err: a syscall's result and errno. Any errno in the 0-terminated list
 * `allowed` is the documented secure outcome; success is a hole, and any
 * other errno is reported as one too: a block we cannot explain is a block
 * we cannot rely on.
 */
static inline bool atk_expect_err_(const char *what, long rc, int err, const int *allowed)
{
	if (rc >= 0) {
		atk_hole("%s: returned %ld", what, rc);
		return false;
	}
	for (const int *a = allowed; *a; a++)
		if (*a == err) {
			atk_ok("%s: %s", what, atk_errname(err));
			return true;
		}
	char list[160] = "";
	for (const int *a = allowed; *a; a++) {
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s%s", l ? "|" : "", atk_errname(*a));
	}
	atk_tally.checks++;
	atk_tally.succeeded++;
	printf("  UNEXPECTED: %s: failed with %s, the threat model expects %s\n", what, atk_errname(err), list);
	fflush(stdout);
	return false;
}

/* ATK_EXPECT_ERR("what", syscall(...), EPERM, EACCES): evaluates to true when blocked as expected. */
#define ATK_EXPECT_ERR(what, expr, ...)                                                          \
	__extension__({                                                                           \
		errno = 0;                                                                        \
		long atk_rc_ = (long)(expr);                                                      \
		int atk_e_ = errno;                                                               \
		atk_expect_err_((what), atk_rc_, atk_e_, (const int[]){__VA_ARGS__, 0});          \
	})

/* Same, and closes the fd when the attempt unexpectedly returned one. */
#define ATK_EXPECT_ERR_FD(what, expr, ...)                                                       \
	__extension__({                                                                           \
		errno = 0;                                                                        \
		long atk_rc_ = (long)(expr);                                                      \
		int atk_e_ = errno;                                                               \
		bool atk_ok_ = atk_expect_err_((what), atk_rc_, atk_e_, (const int[]){__VA_ARGS__, 0}); \
		if (atk_rc_ >= 0)                                                                 \
			close((int)atk_rc_);                                                      \
		atk_ok_;                                                                          \
	})

/*
 * Runs fn in a child so that an attempt that changes the process (a new
 * namespace, a personality, a seccomp kill) does not leak into the next one.
 * The child's lines are its own; its exit status is folded into our tally.
 * A death by one of the signals in ok_sigs (0-terminated) counts as blocked,
 * e.g. SIGSYS for seccomp's kill action.
 */
static inline void atk_in_child_sigs(const char *what, int (*fn)(void *), void *arg, const int *ok_sigs)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		atk_setup("%s: fork: %s", what, atk_errname(errno));
		return;
	}
	if (pid == 0) {
		atk_tally.checks = atk_tally.succeeded = atk_tally.setup = 0;
		int r = fn(arg);
		fflush(stdout);
		_exit(r ? r : (atk_tally.succeeded ? ATK_SUCCEEDED : atk_tally.setup ? ATK_SETUP : ATK_BLOCKED));
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			atk_setup("%s: waitpid: %s", what, atk_errname(errno));
			return;
		}
	if (WIFEXITED(st)) {
		atk_tally.checks++;
		if (WEXITSTATUS(st) == ATK_SUCCEEDED)
			atk_tally.succeeded++;
		else if (WEXITSTATUS(st) == ATK_SETUP)
			atk_tally.setup++;
		else if (WEXITSTATUS(st) != ATK_BLOCKED)
			atk_hole("%s: child exited %d", what, WEXITSTATUS(st));
		return;
	}
	for (const int *s = ok_sigs; *s; s++)
		if (WTERMSIG(st) == *s) {
			atk_ok("%s: killed by SIG%s", what, sigabbrev_np(*s));
			return;
		}
	atk_hole("%s: child killed by signal %d (SIG%s)", what, WTERMSIG(st), sigabbrev_np(WTERMSIG(st)));
}

static inline void atk_in_child(const char *what, int (*fn)(void *), void *arg, bool sigsys_ok)
{
	atk_in_child_sigs(what, fn, arg, sigsys_ok ? (const int[]){SIGSYS, 0} : (const int[]){0});
}

/* Prints the summary and returns the exit status. */
static inline int atk_finish(const char *name)
{
	int r = atk_tally.succeeded ? ATK_SUCCEEDED : atk_tally.setup ? ATK_SETUP : ATK_BLOCKED;
	printf("%s: %d checks, %d not blocked, %d setup problems -> %s\n", name, atk_tally.checks,
	       atk_tally.succeeded, atk_tally.setup,
	       r == ATK_BLOCKED ? "all blocked" : r == ATK_SUCCEEDED ? "ATTACK NOT CONTAINED" : "SETUP TROUBLE");
	fflush(stdout);
	return r;
}

/* Reads a whole small file into buf (NUL-terminated); returns bytes or -errno. */
static inline long atk_read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (long)n;
}

/*
 * Whether uid exists in our user namespace (/proc/self/uid_map); *ret_top
 * (may be NULL) gets the lowest id above every line of the map (unchanged
 * when the map cannot be read).
 */
static inline bool atk_uid_mapped(unsigned long uid, unsigned long *ret_top)
{
	char buf[4096], *save = NULL;
	unsigned long top = 0;
	bool found = false;
	if (atk_read_file("/proc/self/uid_map", buf, sizeof(buf)) <= 0)
		buf[0] = '\0';
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end;
		unsigned long in = strtoul(line, &end, 10);
		(void)strtoul(end, &end, 10);
		unsigned long n = strtoul(end, &end, 10);
		found = found || (uid >= in && uid - in < n);
		if (in + n > top)
			top = in + n;
	}
	if (ret_top && top)
		*ret_top = top;
	return found;
}

/* A decimal number from /proc or the command line; -1 when it is not one. */
static inline long atk_num(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return errno || end == s || (*end && *end != '\n') ? -1 : v;
}

/* The value of "Key:" in /proc/self/status (e.g. "CapEff"), or "" */
static inline void atk_status_field(const char *key, char *out, size_t size)
{
	char buf[8192] = "";
	out[0] = '\0';
	if (atk_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return;
	size_t kl = strlen(key);
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, kl) == 0 && l[kl] == ':') {
			const char *v = l + kl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t n = strcspn(v, "\n");
			snprintf(out, size, "%.*s", (int)n, v);
			return;
		}
	}
}

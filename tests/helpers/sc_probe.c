/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static seccomp probe: performs raw system calls described on argv and
 * prints one line per call, so that a test can tell a filter's decision from
 * the kernel's own result. Usage:
 *
 *   sc_probe CMD [ARG...] [-- CMD [ARG...]]...
 *
 *   sys NR [A0..A5]     raw x86_64 syscall            -> "OK <ret>" | "ERR <errno>"
 *   i386 NR [A0..A5]    32-bit call through int $0x80 (arguments truncated to 32 bits)
 *   x32 NR [A0..A5]     x32 call (NR | __X32_SYSCALL_BIT)
 *   thread NR [A0..]    the call in a second thread, then "MAIN_ALIVE" from the main one
 *   fork NR [A0..]      the call in a child process, then "CHILD exit N" | "CHILD signal N"
 *   clonefork           raw clone(SIGCHLD) with no stack: a fork; "OK <pid>"
 *   compute             threads, malloc and stdio: prints "COMPUTE <n>"
 *
 * ARG: a number (0x.., -1, ...), "@pid" (getpid()), "@str:TEXT" (a pointer to
 * TEXT), or "@low:A,B,C" (a pointer below 4 GiB to 32-bit words, for i386).
 * Output goes through write(2) unbuffered, so a line printed before a kill
 * is never lost. Exit status 0, unless a call killed the process.
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define X32_BIT 0x40000000L

struct call {
	long nr;
	long args[6];
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	/* raw write: nothing buffered is lost when the process is killed */
	syscall(SYS_write, 1, buf, (size_t)n);
}

static void report(long ret)
{
	if (ret < 0 && ret > -4096)
		say("ERR %ld", -ret);
	else
		say("OK %ld", ret);
}

static long parse_arg(const char *s)
{
	if (strcmp(s, "@pid") == 0)
		return (long)syscall(SYS_getpid);
	if (strncmp(s, "@str:", 5) == 0)
		return (long)(s + 5);
	if (strncmp(s, "@low:", 5) == 0) {
		/* i386 calls can only pass 32-bit pointers */
		uint32_t *blk = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (blk == MAP_FAILED) {
			say("PROBE mmap failed");
			exit(2);
		}
		char *copy = strdup(s + 5), *save = NULL;
		int i = 0;
		for (char *t = strtok_r(copy, ",", &save); t && i < 1024;
		     t = strtok_r(NULL, ",", &save))
			blk[i++] = (uint32_t)strtoull(t, NULL, 0);
		free(copy);
		return (long)(uintptr_t)blk;
	}
	if (s[0] == '-')
		return strtoll(s, NULL, 0);
	return (long)strtoull(s, NULL, 0);
}

static long raw64(const struct call *c)
{
	errno = 0;
	long r = syscall(c->nr, c->args[0], c->args[1], c->args[2], c->args[3], c->args[4],
			 c->args[5]);
	/* glibc's syscall() turns -errno into -1 + errno */
	return r == -1 && errno ? -errno : r;
}

static long raw_i386(const struct call *c)
{
	/*
	 * 32-bit syscall ABI: eax = nr, ebx ecx edx esi edi ebp = arguments.
	 * rbp cannot be an asm operand, so the sixth argument is loaded from
	 * memory through r12; the kernel clobbers r8-r11 on int $0x80.
	 */
	uint32_t a[6];
	for (int i = 0; i < 6; i++)
		a[i] = (uint32_t)c->args[i];
	register uint32_t *p __asm__("r12") = a;
	long ret;
	__asm__ volatile("push %%rbp\n\t"
			 "movl 20(%%r12), %%ebp\n\t"
			 "int $0x80\n\t"
			 "pop %%rbp"
			 : "=a"(ret)
			 : "0"(c->nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4]), "r"(p)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	/* the result is a 32-bit int */
	return (long)(int)ret;
}

static void *thread_main(void *arg)
{
	report(raw64(arg));
	return NULL;
}

struct work {
	unsigned long lo, hi, primes;
};

static void *count_primes(void *arg)
{
	struct work *w = arg;
	/* a sieve per thread: malloc'd memory, pure computation */
	unsigned long n = w->hi - w->lo;
	unsigned char *composite = calloc(n, 1);
	if (!composite)
		return NULL;
	for (unsigned long p = 2; p * p < w->hi; p++) {
		unsigned long start = ((w->lo + p - 1) / p) * p;
		if (start < p * p)
			start = p * p;
		for (unsigned long m = start; m < w->hi; m += p)
			composite[m - w->lo] = 1;
	}
	for (unsigned long i = 0; i < n; i++)
		w->primes += !composite[i] && w->lo + i >= 2;
	free(composite);
	return NULL;
}

static unsigned long compute(void)
{
	/* what a compute-only program does: threads, malloc, clocks, stdio */
	enum { N = 4, SPAN = 250000 };
	pthread_t t[N];
	struct work w[N];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++) {
		w[i] = (struct work){.lo = (unsigned long)i * SPAN,
				     .hi = (unsigned long)(i + 1) * SPAN};
		if (pthread_create(&t[i], NULL, count_primes, &w[i]) != 0)
			return 0;
	}
	unsigned long total = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		total += w[i].primes;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("primes below %d: %lu (%s)\n", N * SPAN, total,
	       t1.tv_sec >= t0.tv_sec ? "clock ok" : "clock?");
	fflush(stdout);
	return total;
}

int main(int argc, char **argv)
{
	int i = 1;
	while (i < argc) {
		const char *cmd = argv[i++];
		struct call c = {0};
		int n = 0;
		if (i < argc && strcmp(argv[i], "--") != 0 && strcmp(cmd, "compute") != 0 &&
		    strcmp(cmd, "clonefork") != 0)
			c.nr = parse_arg(argv[i++]);
		while (i < argc && strcmp(argv[i], "--") != 0 && n < 6)
			c.args[n++] = parse_arg(argv[i++]);
		if (i < argc && strcmp(argv[i], "--") == 0)
			i++;

		if (strcmp(cmd, "sys") == 0) {
			report(raw64(&c));
		} else if (strcmp(cmd, "i386") == 0) {
			report(raw_i386(&c));
		} else if (strcmp(cmd, "x32") == 0) {
			c.nr |= X32_BIT;
			report(raw64(&c));
		} else if (strcmp(cmd, "thread") == 0) {
			pthread_t t;
			if (pthread_create(&t, NULL, thread_main, &c) != 0) {
				say("PROBE pthread_create failed");
				return 2;
			}
			pthread_join(t, NULL);
			say("MAIN_ALIVE");
		} else if (strcmp(cmd, "fork") == 0) {
			pid_t pid = fork();
			if (pid == 0) {
				report(raw64(&c));
				_exit(0);
			}
			int st = 0;
			waitpid(pid, &st, 0);
			if (WIFSIGNALED(st))
				say("CHILD signal %d", WTERMSIG(st));
			else
				say("CHILD exit %d", WEXITSTATUS(st));
		} else if (strcmp(cmd, "clonefork") == 0) {
			long pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
			if (pid == 0)
				syscall(SYS_exit_group, 0);
			if (pid > 0)
				waitpid((pid_t)pid, NULL, 0);
			report(pid);
		} else if (strcmp(cmd, "compute") == 0) {
			say("COMPUTE %lu", compute());
		} else {
			say("PROBE unknown command %s", cmd);
			return 2;
		}
	}
	return 0;
}

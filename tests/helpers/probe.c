/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe: a static multi-call program that reports facts about its sandbox
 * from the inside. Each verb prints one result and exits 0 when the
 * operation succeeded, 1 when it failed (printing the errno name), 2 on
 * usage errors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Written by cmd_burn's busy loop; volatile so that the loop is not optimised away. */
static volatile unsigned long burn_sink;

static int fail(const char *what)
{
	printf("%s: %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	return 1;
}

/* Whole-string decimal integer in [min, max]; 0 or -1. */
static int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

/* Whole-string finite, non-negative number (seconds); 0 or -1. */
static int parse_seconds(const char *s, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 1e9))
		return -1;
	*ret = v;
	return 0;
}

static int usage_number(const char *verb, const char *arg)
{
	fprintf(stderr, "probe: %s: invalid number \"%s\"\n", verb, arg);
	return 2;
}

static int cmd_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return fail("opendir");
	int self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		long fd;
		if (e->d_name[0] == '.' ||
		    (parse_long(e->d_name, 0, INT_MAX, &fd) == 0 && fd == self))
			continue;
		char path[64], target[256];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		printf("%s %s\n", e->d_name, target);
	}
	closedir(d);
	return 0;
}

static int cmd_pids(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		return fail("opendir /proc");
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			printf("%s\n", e->d_name);
	closedir(d);
	return 0;
}

static int cmd_links(void)
{
	struct if_nameindex *ifs = if_nameindex();
	if (!ifs)
		return fail("if_nameindex");
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		struct ifreq r = {0};
		snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", i->if_name);
		int up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & IFF_UP);
		printf("%s %s\n", i->if_name, up ? "up" : "down");
	}
	if_freenameindex(ifs);
	return 0;
}

static int cmd_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail("open");
	if (write(fd, "x", 1) != 1)
		return fail("write");
	close(fd);
	printf("ok\n");
	return 0;
}

static int cmd_read(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail("open");
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return fail("read");
	buf[n] = '\0';
	printf("ok %zd\n", n);
	close(fd);
	return 0;
}

static void on_signal(int sig)
{
	/* "signal N\n", formatted by hand: snprintf is not async-signal-safe */
	char msg[32] = "signal ";
	size_t n = strlen(msg);
	char digits[12];
	size_t nd = 0;
	for (unsigned v = (unsigned)sig; nd == 0 || v; v /= 10)
		digits[nd++] = (char)('0' + v % 10);
	while (nd)
		msg[n++] = digits[--nd];
	msg[n++] = '\n';
	ssize_t w = write(1, msg, n);
	(void)w;
	_exit(100 + sig);
}

/* Waits for a signal with handlers installed for the usual ones; exits 100+sig. */
static int cmd_wait_signal(void)
{
	int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_signal);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

/* Forks n children that exit at once, never waited for, then sleeps: --init must reap them. */
static int cmd_zombies(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			/* orphan it: the grandchild's parent exits, so pid 1 inherits it */
			if (fork() == 0) {
				usleep(10000);
				_exit(0);
			}
			_exit(0);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
	}
	usleep(300000);
	/* count zombies visible to us */
	DIR *d = opendir("/proc");
	struct dirent *e;
	int z = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[r > 0 ? r : 0] = '\0';
		char *rp = strrchr(buf, ')');
		if (rp && rp[1] == ' ' && rp[2] == 'Z')
			z++;
	}
	if (d)
		closedir(d);
	printf("zombies %d\n", z);
	return 0;
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Burns sec seconds of CPU from now. Counted from the verb's start, not the
 * process's: the process clock also holds the runtime's set-up in the
 * sandbox child before execve, which the report rightly leaves out (it can
 * be tens of ms under the VM suite's emulation).
 */
static int cmd_burn(double sec)
{
	double start = cpu_seconds();
	for (;;) {
		for (int i = 0; i < 100000; i++)
			burn_sink += (unsigned long)i;
		if (cpu_seconds() - start >= sec)
			return 0;
	}
}

/* Writes to stdout forever. */
static int cmd_flood(void)
{
	static char buf[65536];
	memset(buf, 'x', sizeof(buf));
	for (;;)
		if (write(1, buf, sizeof(buf)) < 0)
			return 1;
}

/* Allocates and touches mb MiB, one MiB at a time, and holds it all until it has said so. */
static int cmd_hog(long mb)
{
	/* each block's first bytes link to the previous one, so that all can be freed */
	void *head = NULL;
	int r = 0;
	for (long i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);
		if (!p) {
			r = fail("malloc");
			break;
		}
		memset(p, 1, 1 << 20);
		memcpy(p, &head, sizeof(head));
		head = p;
	}
	if (r == 0)
		printf("allocated %ld\n", mb);
	while (head) {
		void *next;
		memcpy(&next, head, sizeof(next));
		free(head);
		head = next;
	}
	return r;
}

/*
 * A fork bomb that ends by itself: every process keeps forking; each exits
 * after `tries` failed forks (a pids limit makes them fail), so the run ends
 * even when the limit only stops growth.
 */
static int cmd_forkbomb(int tries)
{
	int failures = 0;
	while (failures < tries) {
		pid_t p = fork();
		if (p < 0) {
			failures++;
			usleep(1000);
		}
	}
	return 1;
}

/* Writes 4 KiB blocks to path until a write fails: past RLIMIT_FSIZE the kernel sends SIGXFSZ. */
static int cmd_fsize(const char *path, long kib)
{
	static char buf[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail("open");
	for (long i = 0; i < kib / 4; i++)
		if (write(fd, buf, sizeof(buf)) < 0)
			return fail("write");
	printf("wrote %ld KiB\n", kib);
	return 0;
}

/* Allocates and touches mb MiB, says so, then spins until killed (a limit ends it). */
/* cmd_hogspin's blocks, linked through their first bytes: held until the process dies */
static void *hogspin_held;

static int cmd_hogspin(long mb)
{
	for (long i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);
		if (!p)
			return fail("malloc");
		memset(p, 1, 1 << 20);
		memcpy(p, &hogspin_held, sizeof(hogspin_held));
		hogspin_held = p;
	}
	printf("allocated %ld\n", mb);
	fflush(stdout);
	for (;;)
		burn_sink++;
}

/*
 * A child burns sec seconds of CPU and goes on burning; the parent exits as
 * soon as the child has burnt sec, leaving it running: its CPU is the run's.
 */
static int cmd_orphanburn(double sec)
{
	int p[2];
	if (pipe(p) < 0)
		return fail("pipe");
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		close(p[0]);
		cmd_burn(sec);
		ssize_t w = write(p[1], "x", 1);
		(void)w;
		for (;;)
			burn_sink++;
	}
	close(p[1]);
	char c;
	if (read(p[0], &c, 1) != 1)
		return fail("read");
	printf("child %d burnt %.3f s and runs on\n", (int)pid, sec);
	return 0;
}

/* Forks up to n children that wait; prints how many forks worked, then ends them all. */
static int cmd_nproc(int n)
{
	int made = 0, err = 0;
	pid_t *kids = calloc((size_t)n, sizeof(pid_t));
	if (!kids)
		return fail("calloc");
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[made++] = pid;
	}
	printf("forked %d of %d%s%s\n", made, n, err ? " then " : "", err ? strerrorname_np(err) : "");
	for (int i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(kids);
	return 0;
}

/* ptrace(PTRACE_TRACEME): the call a seccomp profile for untrusted code denies. */
static int cmd_ptrace(void)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		return fail("ptrace");
	printf("ok\n");
	return 0;
}

/* sd_notify(3) by hand: msg as one datagram to $NOTIFY_SOCKET (a path, or "@name" abstract). */
static int cmd_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path) {
		printf("NOTIFY_SOCKET is not set\n");
		return 1;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	if (len >= sizeof(sa.sun_path)) {
		printf("NOTIFY_SOCKET too long\n");
		return 1;
	}
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		return fail("sendto");
	close(fd);
	printf("sent %s\n", msg);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: probe VERB [ARGS]\n");
		return 2;
	}
	const char *v = argv[1];
	long n;
	double sec;
	if (!strcmp(v, "exit") && argc > 2) {
		if (parse_long(argv[2], INT_MIN, INT_MAX, &n) < 0)
			return usage_number(v, argv[2]);
		return (int)n;
	}
	if (!strcmp(v, "raise") && argc > 2) {
		if (parse_long(argv[2], 0, SIGRTMAX, &n) < 0)
			return usage_number(v, argv[2]);
		signal((int)n, SIG_DFL);
		raise((int)n);
		return 3;
	}
	if (!strcmp(v, "segv")) {
		/* a real fault (forced, so it kills even pid 1): a read of an inaccessible page */
		volatile int *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail("mmap");
		return *p;
	}
	if (!strcmp(v, "fds"))
		return cmd_fds();
	if (!strcmp(v, "notify") && argc > 2)
		return cmd_notify(argv[2]);
	if (!strcmp(v, "burn") && argc > 2) {
		if (parse_seconds(argv[2], &sec) < 0)
			return usage_number(v, argv[2]);
		return cmd_burn(sec);
	}
	if (!strcmp(v, "flood"))
		return cmd_flood();
	if (!strcmp(v, "hog") && argc > 2) {
		if (parse_long(argv[2], 0, LONG_MAX, &n) < 0)
			return usage_number(v, argv[2]);
		return cmd_hog(n);
	}
	if (!strcmp(v, "pids"))
		return cmd_pids();
	if (!strcmp(v, "pid")) {
		printf("%d\n", getpid());
		return 0;
	}
	if (!strcmp(v, "links"))
		return cmd_links();
	if (!strcmp(v, "write") && argc > 2)
		return cmd_write(argv[2]);
	if (!strcmp(v, "read") && argc > 2)
		return cmd_read(argv[2]);
	if (!strcmp(v, "wait-signal"))
		return cmd_wait_signal();
	if (!strcmp(v, "zombies") && argc > 2) {
		if (parse_long(argv[2], 0, INT_MAX, &n) < 0)
			return usage_number(v, argv[2]);
		return cmd_zombies((int)n);
	}
	if (!strcmp(v, "sleep") && argc > 2) {
		if (parse_seconds(argv[2], &sec) < 0)
			return usage_number(v, argv[2]);
		struct timespec ts = {(time_t)sec, (long)((sec - (double)(time_t)sec) * 1e9)};
		nanosleep(&ts, NULL);
		return 0;
	}
	if (!strcmp(v, "cwd")) {
		char buf[4096];
		if (!getcwd(buf, sizeof(buf)))
			return fail("getcwd");
		printf("%s\n", buf);
		return 0;
	}
	if (!strcmp(v, "umask")) {
		mode_t m = umask(0);
		printf("%04o\n", m);
		return 0;
	}
	if (!strcmp(v, "forkbomb")) {
		long tries = 100;
		if (argc > 2 && parse_long(argv[2], 1, 1000000, &tries) < 0)
			return usage_number(v, argv[2]);
		return cmd_forkbomb((int)tries);
	}
	if (!strcmp(v, "abort"))
		abort();
	if (!strcmp(v, "fsize") && argc > 3) {
		if (parse_long(argv[3], 0, LONG_MAX, &n) < 0)
			return usage_number(v, argv[3]);
		return cmd_fsize(argv[2], n);
	}
	if (!strcmp(v, "hogspin") && argc > 2) {
		if (parse_long(argv[2], 0, LONG_MAX, &n) < 0)
			return usage_number(v, argv[2]);
		return cmd_hogspin(n);
	}
	if (!strcmp(v, "orphanburn") && argc > 2) {
		if (parse_seconds(argv[2], &sec) < 0)
			return usage_number(v, argv[2]);
		return cmd_orphanburn(sec);
	}
	if (!strcmp(v, "nproc") && argc > 2) {
		if (parse_long(argv[2], 1, 100000, &n) < 0)
			return usage_number(v, argv[2]);
		return cmd_nproc((int)n);
	}
	if (!strcmp(v, "ptrace"))
		return cmd_ptrace();
	fprintf(stderr, "probe: unknown verb %s\n", v);
	return 2;
}

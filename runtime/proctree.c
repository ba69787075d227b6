/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/proctree.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A whole-string signed decimal; 0 or -EINVAL/-ERANGE. */
static int parse_ll(const char *s, long long *ret)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* What /proc/PID/stat says of one process (clock ticks). */
struct stat_ticks {
	uint64_t utime, stime;	 /* its own, live and exited threads */
	uint64_t cutime, cstime; /* of the children it reaped */
	long threads;
};

static int proc_ticks(pid_t pid, struct stat_ticks *ret)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	ssize_t n = sbx_read_file_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* the command name may contain spaces and parentheses: parse after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/*
	 * fields 3..20: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice num_threads; cutime and cstime signed
	 */
	struct stat_ticks t = {0};
	long long cut = 0, cst = 0, threads = 0;
	int field = 3;
	char *save = NULL;
	for (char *tok = strtok_r(p + 1, " \n", &save); tok && field <= 20;
	     tok = strtok_r(NULL, " \n", &save), field++) {
		int r = 0;
		if (field == 14)
			r = sbx_parse_u64(tok, &t.utime);
		else if (field == 15)
			r = sbx_parse_u64(tok, &t.stime);
		else if (field == 16)
			r = parse_ll(tok, &cut);
		else if (field == 17)
			r = parse_ll(tok, &cst);
		else if (field == 20)
			r = parse_ll(tok, &threads);
		if (r < 0)
			return -EIO;
	}
	if (field <= 20)
		return -EIO;
	t.cutime = (uint64_t)(cut > 0 ? cut : 0);
	t.cstime = (uint64_t)(cst > 0 ? cst : 0);
	t.threads = (long)threads;
	*ret = t;
	return 0;
}

/*
 * The process's own CPU time to the nanosecond: its CPUCLOCK_SCHED process
 * clock (what clock_getcpuclockid() names, without the libc's extra check),
 * the scheduler's exact runtime of all its threads, exited ones included.
 * /proc/PID/stat has the same in clock ticks, truncated.
 */
static int proc_clock_us(pid_t pid, uint64_t *ret)
{
	clockid_t id = (clockid_t)((~(unsigned)pid << 3) | 2 /* CPUCLOCK_SCHED */);
	struct timespec ts;
	if (clock_gettime(id, &ts) < 0)
		return -errno;
	*ret = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	return 0;
}

/* Appends the children of every thread of pid (one file per thread) to the queue. */
static void queue_children(pid_t pid, long threads, pid_t **q, size_t *tail, size_t *cap)
{
	char tdir[64];
	snprintf(tdir, sizeof(tdir), "/proc/%d/task", pid);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e = NULL;
	/* a single-threaded process has one file to read, named after itself: no directory to list */
	if (threads > 1)
		d = opendir(tdir);
	for (bool first = true;; first = false) {
		char cpath[128], buf[4096];
		if (d) {
			while ((e = readdir(d)) && e->d_name[0] == '.')
				;
			if (!e)
				return;
			snprintf(cpath, sizeof(cpath), "%s/%s/children", tdir, e->d_name);
		} else if (first) {
			snprintf(cpath, sizeof(cpath), "%s/%d/children", tdir, pid);
		} else {
			return;
		}
		if (sbx_read_file_at(AT_FDCWD, cpath, buf, sizeof(buf)) <= 0)
			continue;
		char *save = NULL;
		for (char *s = strtok_r(buf, " \n", &save); s; s = strtok_r(NULL, " \n", &save)) {
			int child;
			if (sbx_parse_int(s, &child) < 0 || child <= 0)
				continue; /* the kernel writes pids only */
			if (*tail == *cap) {
				*cap *= 2;
				*q = sbx_xrealloc(*q, *cap * sizeof(pid_t));
			}
			(*q)[(*tail)++] = (pid_t)child;
		}
	}
}

int sbx_proctree_cpu(pid_t root, int kill_sig, uint64_t *ret_user_us, uint64_t *ret_sys_us)
{
	uint64_t own;
	return sbx_proctree_cpu_root(root, kill_sig, ret_user_us, ret_sys_us, &own);
}

int sbx_proctree_cpu_root(pid_t root, int kill_sig, uint64_t *ret_user_us, uint64_t *ret_sys_us,
			  uint64_t *ret_root_us)
{
	/* breadth-first over the tree; the queue grows as children are found */
	size_t cap = 64, head = 0, tail = 0;
	_cleanup_free_ pid_t *q = sbx_xmalloc(cap * sizeof(pid_t));
	q[tail++] = root;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t tick_us = 1000000u / (uint64_t)(hz > 0 ? hz : 100);
	uint64_t user = 0, sys = 0;
	bool root_seen = false;
	while (head < tail) {
		pid_t pid = q[head++];
		struct stat_ticks t;
		if (proc_ticks(pid, &t) < 0)
			continue; /* exited meanwhile: its time went to its parent's cutime */
		if (pid != root && kill_sig > 0)
			kill(pid, kill_sig);
		/* its own time exactly, split as its ticks are; its reaped children's in ticks */
		uint64_t own = 0;
		uint64_t ticks = t.utime + t.stime;
		if (proc_clock_us(pid, &own) < 0)
			own = ticks * tick_us;
		uint64_t own_user = ticks ? (uint64_t)((double)own * (double)t.utime / (double)ticks) : own;
		if (pid == root) {
			root_seen = true;
			*ret_root_us = own;
		}
		user += own_user + t.cutime * tick_us;
		sys += own - own_user + t.cstime * tick_us;
		queue_children(pid, t.threads, &q, &tail, &cap);
	}
	if (!root_seen)
		return -ESRCH;
	*ret_user_us = user;
	*ret_sys_us = sys;
	return 0;
}

int sbx_proctree_clock_open(pid_t pid)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.inherit = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

int sbx_proctree_clock_read(int fd, uint64_t *ret_us)
{
	uint64_t ns;
	ssize_t n = read(fd, &ns, sizeof(ns));
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(ns))
		return -EIO;
	*ret_us = ns / 1000u;
	return 0;
}

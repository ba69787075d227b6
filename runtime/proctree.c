/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/proctree.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* utime + cutime and stime + cstime of one process, in ticks. */
static int proc_ticks(pid_t pid, uint64_t *ret_user, uint64_t *ret_sys)
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
	 * fields 3..17: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime; the last four are the ticks, cutime and cstime signed
	 */
	uint64_t ut = 0, st = 0;
	long long cut = 0, cst = 0;
	int field = 3;
	char *save = NULL;
	for (char *tok = strtok_r(p + 1, " \n", &save); tok && field <= 17;
	     tok = strtok_r(NULL, " \n", &save), field++) {
		int r = 0;
		if (field == 14)
			r = sbx_parse_u64(tok, &ut);
		else if (field == 15)
			r = sbx_parse_u64(tok, &st);
		else if (field == 16)
			r = parse_ll(tok, &cut);
		else if (field == 17)
			r = parse_ll(tok, &cst);
		if (r < 0)
			return -EIO;
	}
	if (field <= 17)
		return -EIO;
	*ret_user = ut + (uint64_t)(cut > 0 ? cut : 0);
	*ret_sys = st + (uint64_t)(cst > 0 ? cst : 0);
	return 0;
}

int sbx_proctree_cpu(pid_t root, uint64_t *ret_user_us, uint64_t *ret_sys_us)
{
	/* breadth-first over the tree; the queue grows as children are found */
	size_t cap = 64, head = 0, tail = 0;
	_cleanup_free_ pid_t *q = sbx_xmalloc(cap * sizeof(pid_t));
	q[tail++] = root;
	uint64_t uticks = 0, sticks = 0;
	bool root_seen = false;
	while (head < tail) {
		pid_t pid = q[head++];
		uint64_t ut = 0, st = 0;
		if (proc_ticks(pid, &ut, &st) < 0)
			continue; /* exited meanwhile: its time went to its parent's cutime */
		if (pid == root)
			root_seen = true;
		uticks += ut;
		sticks += st;
		char tdir[64];
		snprintf(tdir, sizeof(tdir), "/proc/%d/task", pid);
		_cleanup_closedir_ DIR *d = opendir(tdir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char cpath[128], buf[4096];
			snprintf(cpath, sizeof(cpath), "%s/%s/children", tdir, e->d_name);
			if (sbx_read_file_at(AT_FDCWD, cpath, buf, sizeof(buf)) <= 0)
				continue;
			char *save = NULL;
			for (char *s = strtok_r(buf, " \n", &save); s; s = strtok_r(NULL, " \n", &save)) {
				int child;
				if (sbx_parse_int(s, &child) < 0 || child <= 0)
					continue; /* the kernel writes pids only */
				if (tail == cap) {
					cap *= 2;
					q = sbx_xrealloc(q, cap * sizeof(pid_t));
				}
				q[tail++] = (pid_t)child;
			}
		}
	}
	if (!root_seen)
		return -ESRCH;
	long hz = sysconf(_SC_CLK_TCK);
	*ret_user_us = uticks * 1000000u / (uint64_t)(hz > 0 ? hz : 100);
	*ret_sys_us = sticks * 1000000u / (uint64_t)(hz > 0 ? hz : 100);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* A live container's cgroup: freezer, pids, accounting (see live.h). */
#include "cgroups/live.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/cgparse.h"
#include "core/cleanup.h"
#include "core/util.h"

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_u64(struct sbx_cgroup *cg, const char *file, uint64_t *ret)
{
	char buf[64];
	ssize_t n = sbx_read_file_at(sbx_cgroup_fd(cg), file, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return sbx_cgroup_parse_value(buf, ret);
}

int sbx_cgroup_frozen(struct sbx_cgroup *cg)
{
	uint64_t v;
	int r = read_u64(cg, "cgroup.freeze", &v);
	return r < 0 ? r : v != 0;
}

int sbx_cgroup_freeze(struct sbx_cgroup *cg, bool freeze, int timeout_ms, struct sbx_error *err)
{
	int r = sbx_write_str_at(sbx_cgroup_fd(cg), "cgroup.freeze", freeze ? "1" : "0");
	if (r == -ENOENT)
		return sbx_err_set(err, ENOTSUP, "%s has no cgroup.freeze (the cgroup v2 freezer needs Linux 5.2)",
				   sbx_cgroup_path(cg));
	if (r < 0)
		return sbx_err_errno(err, r, "cannot write %s/cgroup.freeze", sbx_cgroup_path(cg));
	/*
	 * The write only asks: tasks stop at their next return to user space.
	 * cgroup.events "frozen" says when all of them have, and changes of
	 * it wake poll() with POLLPRI.
	 */
	_cleanup_close_ int ev = openat(sbx_cgroup_fd(cg), "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (ev < 0)
		return sbx_err_sys(err, "cannot open %s/cgroup.events", sbx_cgroup_path(cg));
	int64_t deadline = mono_ms() + timeout_ms;
	for (;;) {
		char buf[256];
		ssize_t n = pread(ev, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return sbx_err_sys(err, "cannot read %s/cgroup.events", sbx_cgroup_path(cg));
		buf[n] = '\0';
		uint64_t frozen = 0;
		if (sbx_cgroup_parse_keyed(buf, "frozen", &frozen) == 0 && (frozen != 0) == freeze)
			return 0;
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			return sbx_err_set(err, ETIMEDOUT, "%s is not %s after %d ms", sbx_cgroup_path(cg),
					   freeze ? "frozen" : "thawed", timeout_ms);
		struct pollfd p = {.fd = ev, .events = POLLPRI};
		if (poll(&p, 1, (int)(left > 100 ? 100 : left)) < 0 && errno != EINTR)
			return sbx_err_sys(err, "poll %s/cgroup.events", sbx_cgroup_path(cg));
	}
}

struct pid_vec {
	pid_t *v;
	size_t n, cap;
};

static int add_pid(pid_t pid, void *ud)
{
	struct pid_vec *pv = ud;
	if (pv->n == pv->cap) {
		pv->cap = pv->cap ? pv->cap * 2 : 16;
		pv->v = sbx_xrealloc(pv->v, pv->cap * sizeof(*pv->v));
	}
	pv->v[pv->n++] = pid;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int sbx_cgroup_pids(struct sbx_cgroup *cg, pid_t **ret, size_t *ret_n, struct sbx_error *err)
{
	struct pid_vec pv = {0};
	int r = sbx_cgroup_walk_pids(sbx_cgroup_fd(cg), add_pid, &pv);
	pid_t *v = pv.v;
	size_t n = pv.n;
	if (r < 0) {
		free(v);
		return sbx_err_errno(err, r, "cannot read %s/cgroup.procs", sbx_cgroup_path(cg));
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_pid);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	*ret = v;
	*ret_n = k;
	return 0;
}

/* memory.stat: "key value" lines, kept as they are (the first ones that fit). */
static void read_memory_stat(struct sbx_cgroup *cg, struct sbx_cgroup_live_stats *st)
{
	char buf[8192];
	ssize_t n = sbx_read_file_at(sbx_cgroup_fd(cg), "memory.stat", buf, sizeof(buf));
	if (n <= 0)
		return;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line && st->n_stat < SBX_ARRAY_SIZE(st->stat_keys);
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		uint64_t v;
		if (!sp || (size_t)(sp - line) >= sizeof(st->stat_keys[0]))
			continue;
		*sp = '\0';
		if (sbx_parse_u64(sp + 1, &v) < 0)
			continue;
		snprintf(st->stat_keys[st->n_stat], sizeof(st->stat_keys[0]), "%s", line);
		st->stat_values[st->n_stat++] = v;
	}
}

int sbx_cgroup_live_stats(struct sbx_cgroup *cg, struct sbx_cgroup_live_stats *ret, struct sbx_error *err)
{
	struct sbx_cgroup_live_stats st = {.memory_max = UINT64_MAX, .swap_max = UINT64_MAX, .pids_max = UINT64_MAX};
	char buf[2048];
	int fd = sbx_cgroup_fd(cg);
	ssize_t n = sbx_read_file_at(fd, "cpu.stat", buf, sizeof(buf));
	if (n < 0)
		return sbx_err_errno(err, (int)n, "cannot read %s/cpu.stat", sbx_cgroup_path(cg));
	(void)sbx_cgroup_parse_keyed(buf, "usage_usec", &st.cpu_usage_us);
	(void)sbx_cgroup_parse_keyed(buf, "user_usec", &st.cpu_user_us);
	(void)sbx_cgroup_parse_keyed(buf, "system_usec", &st.cpu_system_us);
	(void)sbx_cgroup_parse_keyed(buf, "nr_periods", &st.cpu_periods);
	(void)sbx_cgroup_parse_keyed(buf, "nr_throttled", &st.cpu_throttled_periods);
	(void)sbx_cgroup_parse_keyed(buf, "throttled_usec", &st.cpu_throttled_us);
	if (read_u64(cg, "memory.current", &st.memory_usage) == 0) {
		st.has_memory = true;
		(void)read_u64(cg, "memory.max", &st.memory_max);
		if (read_u64(cg, "memory.peak", &st.memory_peak) < 0)
			st.memory_peak = st.memory_usage;
		(void)read_u64(cg, "memory.swap.current", &st.swap_usage);
		(void)read_u64(cg, "memory.swap.max", &st.swap_max);
		if (sbx_read_file_at(fd, "memory.events", buf, sizeof(buf)) >= 0) {
			(void)sbx_cgroup_parse_keyed(buf, "max", &st.memory_failcnt);
			(void)sbx_cgroup_parse_keyed(buf, "oom_kill", &st.oom_kills);
		}
		read_memory_stat(cg, &st);
	}
	if (read_u64(cg, "pids.current", &st.pids_current) == 0) {
		st.has_pids = true;
		(void)read_u64(cg, "pids.max", &st.pids_max);
	}
	*ret = st;
	return 0;
}

int sbx_cgroup_memory_events_fd(struct sbx_cgroup *cg)
{
	int fd = openat(sbx_cgroup_fd(cg), "memory.events", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verbs engines call on a running container: ps, kill --all, pause,
 * resume, update, events. The container's cgroup (state.json's "cgroup")
 * is where they act; without one (--cgroup-manager=disabled, hosts without
 * usable cgroup v2) ps and kill --all use its pid namespace instead, and
 * the others are errors that say why.
 */
#include "cgroups/limits.h"
#include "cgroups/live.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "runtime/container-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_cgroup(const struct ctr *c, const char *verb, struct sbx_cgroup **ret, struct sbx_error *err)
{
	if (!c->st.cgroup)
		return sbx_err_set(err, ENOTSUP,
				   "cannot %s container \"%s\": it has no cgroup (created with "
				   "--cgroup-manager=disabled, or on a host without usable cgroup v2)",
				   verb, c->id);
	int r = sbx_cgroup_open(c->st.cgroup, ret, err);
	return r < 0 ? sbx_err_wrap(err, "container \"%s\"", c->id) : 0;
}

/* ---- ps, kill --all ---------------------------------------------------------- */

/* Whether the pid namespace open at fd is ns or below it (walked up with NS_GET_PARENT). */
static bool ns_within(int fd, const struct stat *ns)
{
	_cleanup_close_ int cur = fd;
	for (int depth = 0; depth < 33; depth++) {
		struct stat st;
		if (fstat(cur, &st) < 0)
			return false;
		if (st.st_ino == ns->st_ino && st.st_dev == ns->st_dev)
			return true;
		/* EPERM above our own namespace, ENOENT past the initial one: not below ns */
		int parent = ioctl(cur, NS_GET_PARENT);
		if (parent < 0)
			return false;
		close(cur);
		cur = parent;
	}
	return false;
}

static void push_pid(pid_t **v, size_t *n, pid_t pid)
{
	*v = sbx_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = pid;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* The processes of the init's pid namespace and those below it; the init alone if that is ours. */
static int ns_pids(const struct ctr *c, pid_t **ret, size_t *ret_n, struct sbx_error *err)
{
	char path[64];
	struct stat init_ns, own_ns;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)c->st.pid);
	if (stat(path, &init_ns) < 0 || stat("/proc/self/ns/pid", &own_ns) < 0)
		return sbx_err_sys(err, "container \"%s\": its pid namespace", c->id);
	pid_t *v = NULL;
	size_t n = 0;
	if (init_ns.st_ino == own_ns.st_ino && init_ns.st_dev == own_ns.st_dev) {
		sbx_debug("container \"%s\" shares our pid namespace and has no cgroup: its init alone", c->id);
		push_pid(&v, &n, c->st.pid);
		*ret = v;
		*ret_n = n;
		return 0;
	}
	_cleanup_closedir_ DIR *d = opendir("/proc");
	if (!d)
		return sbx_err_sys(err, "/proc");
	for (struct dirent *de; (de = readdir(d));) {
		int pid;
		if (sbx_parse_int(de->d_name, &pid) < 0 || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && ns_within(fd, &init_ns))
			push_pid(&v, &n, pid);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_pid);
	*ret = v;
	*ret_n = n;
	return 0;
}

int sbx_ctr_pids(const struct ctr *c, pid_t **ret, size_t *ret_n, struct sbx_error *err)
{
	*ret = NULL;
	*ret_n = 0;
	if (c->st.status == SBX_OCI_STOPPED)
		return 0;
	if (!c->st.cgroup)
		return ns_pids(c, ret, ret_n, err);
	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg = NULL;
	int r = open_cgroup(c, "list", &cg, err);
	return r < 0 ? r : sbx_cgroup_pids(cg, ret, ret_n, err);
}

int sbx_ctr_kill_all(const struct ctr *c, int sig, struct sbx_error *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	int r = sbx_ctr_pids(c, &pids, &n, err);
	if (r < 0)
		return r;
	/* a process that exits in between is no error (ESRCH) */
	for (size_t i = 0; i < n; i++)
		if (pids[i] != c->st.pid)
			kill(pids[i], sig);
	return 0;
}

int sbx_container_pids(const struct sbx_container_opts *g, const char *id, pid_t **ret, size_t *ret_n,
		       struct sbx_error *err)
{
	struct ctr c;
	int r = sbx_ctr_open(g, id, false, &c, err);
	if (r == 0)
		r = sbx_ctr_pids(&c, ret, ret_n, err);
	sbx_ctr_close(&c);
	return r;
}

/* ---- pause, resume --------------------------------------------------------------- */

#define FREEZE_TIMEOUT_MS 10000

static int freeze_locked(const struct ctr *c, bool on, struct sbx_error *err)
{
	const char *verb = on ? "pause" : "resume";
	if (c->st.status != (on ? SBX_OCI_RUNNING : SBX_OCI_PAUSED))
		return sbx_ctr_status_error(c, verb, err);
	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg = NULL;
	int r = open_cgroup(c, verb, &cg, err);
	if (r < 0)
		return r;
	if ((r = sbx_cgroup_freeze(cg, on, FREEZE_TIMEOUT_MS, err)) < 0) {
		sbx_err_wrap(err, "container \"%s\"", c->id);
		/* half frozen is neither state: a failed pause thaws again */
		if (on)
			(void)sbx_cgroup_freeze(cg, false, FREEZE_TIMEOUT_MS, NULL);
	}
	return r;
}

static int freeze(const struct sbx_container_opts *g, const char *id, bool on, struct sbx_error *err)
{
	struct ctr c;
	int r = sbx_ctr_open(g, id, true, &c, err);
	if (r == 0)
		r = freeze_locked(&c, on, err);
	sbx_ctr_close(&c);
	return r;
}

int sbx_container_pause(const struct sbx_container_opts *g, const char *id, struct sbx_error *err)
{
	return freeze(g, id, true, err);
}

int sbx_container_resume(const struct sbx_container_opts *g, const char *id, struct sbx_error *err)
{
	return freeze(g, id, false, err);
}

/* ---- update ---------------------------------------------------------------------- */

/* The controllers the container's cgroup has (its cgroup.controllers). */
static unsigned cgroup_controllers(struct sbx_cgroup *cg)
{
	char buf[256];
	if (sbx_read_file_at(sbx_cgroup_fd(cg), "cgroup.controllers", buf, sizeof(buf)) < 0)
		return 0;
	return sbx_cgroup_controllers_parse(buf);
}

static int update_locked(const struct ctr *c, const struct sbx_resources *res, struct sbx_error *err)
{
	if (c->st.status == SBX_OCI_STOPPED)
		return sbx_ctr_status_error(c, "update", err);
	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg = NULL;
	int r = open_cgroup(c, "update", &cg, err);
	if (r < 0)
		return r;
	/* the plan create writes, for the controllers this cgroup has: a missing one is an error */
	struct sbx_cgroup_plan_opts po = {
		.mode = SBX_CGROUP_AUTO,
		.cgroup_usable = true,
		.available = cgroup_controllers(cg),
		.parent = c->st.cgroup,
	};
	_cleanup_(sbx_cgroup_plan_freep) struct sbx_cgroup_plan *plan = NULL;
	if (sbx_cgroup_plan(res, &po, &plan, err) < 0 || sbx_cgroup_apply(cg, plan, err) < 0)
		return sbx_err_wrap(err, "update container \"%s\"", c->id);
	sbx_debug("container \"%s\": %zu cgroup writes", c->id, plan->n_writes);
	return 0;
}

int sbx_container_update(const struct sbx_container_opts *g, const char *id, const struct sbx_resources *res,
			 struct sbx_error *err)
{
	struct ctr c;
	int r = sbx_ctr_open(g, id, true, &c, err);
	if (r == 0)
		r = update_locked(&c, res, err);
	sbx_ctr_close(&c);
	return r;
}

/* ---- events ---------------------------------------------------------------------- */

struct sbx_container_watch {
	char *id;
	int pidfd;
	struct sbx_cgroup *cg;
	int mem_events_fd; /* -1 without the memory controller */
	uint64_t oom_kills;
};

void sbx_container_watch_free(struct sbx_container_watch *w)
{
	if (!w)
		return;
	if (w->pidfd >= 0)
		close(w->pidfd);
	if (w->mem_events_fd >= 0)
		close(w->mem_events_fd);
	sbx_cgroup_free(w->cg);
	free(w->id);
	free(w);
}

static int watch_init(struct ctr *c, struct sbx_container_watch *w, struct sbx_error *err)
{
	if (c->st.status == SBX_OCI_STOPPED || c->st.status == SBX_OCI_CREATING)
		return sbx_err_set(err, ESRCH, "container \"%s\" is not running", c->id);
	w->pidfd = TAKE_FD(c->pidfd);
	int r = open_cgroup(c, "watch", &w->cg, err);
	struct sbx_cgroup_live_stats st;
	if (r < 0 || (r = sbx_cgroup_live_stats(w->cg, &st, err)) < 0)
		return r;
	w->oom_kills = st.oom_kills;
	int fd = sbx_cgroup_memory_events_fd(w->cg);
	if (fd >= 0)
		w->mem_events_fd = fd;
	return 0;
}

int sbx_container_watch_open(const struct sbx_container_opts *g, const char *id, struct sbx_container_watch **ret,
			     struct sbx_error *err)
{
	struct sbx_container_watch *w = sbx_xcalloc(1, sizeof(*w));
	w->id = sbx_xstrdup(id);
	w->pidfd = w->mem_events_fd = -1;
	struct ctr c;
	int r = sbx_ctr_open(g, id, false, &c, err);
	if (r == 0)
		r = watch_init(&c, w, err);
	sbx_ctr_close(&c);
	if (r < 0)
		sbx_container_watch_free(w);
	else
		*ret = w;
	return r;
}

int sbx_container_watch_stats(struct sbx_container_watch *w, struct sbx_cgroup_live_stats *ret,
			      struct sbx_error *err)
{
	int r = sbx_cgroup_live_stats(w->cg, ret, err);
	return r < 0 ? sbx_err_wrap(err, "container \"%s\"", w->id) : 0;
}

int sbx_container_watch_wait(struct sbx_container_watch *w, int ms, struct sbx_error *err)
{
	struct pollfd p[2] = {{.fd = w->pidfd, .events = POLLIN}, {.fd = w->mem_events_fd, .events = POLLPRI}};
	int n;
	do
		n = poll(p, w->mem_events_fd >= 0 ? 2 : 1, ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sbx_err_sys(err, "container \"%s\": poll", w->id);
	if (p[1].revents & (POLLPRI | POLLERR)) {
		/* memory.events changed: an OOM kill is one of the counters that may have */
		struct sbx_cgroup_live_stats st;
		if (sbx_cgroup_live_stats(w->cg, &st, NULL) == 0 && st.oom_kills > w->oom_kills) {
			w->oom_kills = st.oom_kills;
			return SBX_WATCH_OOM;
		}
	}
	if (p[0].revents & POLLIN)
		return SBX_WATCH_EXITED;
	return SBX_WATCH_TIMEOUT;
}

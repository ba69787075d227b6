/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The warm pool: --pool N sandboxes of the default shape (the config a job
 * line with nothing but "argv" gets: the server's rootfs, the built-in
 * default config, the batch defaults), set up ahead of time and parked
 * just before execve (sbx_sandbox_set_hold): namespaces, mounts, cgroup,
 * staged workdir, identity, capabilities dropped, rlimits, no_new_privs,
 * the seccomp filter loaded (SBX_HOLD_FILTERED; under --init, the batch
 * default, pid 1 parks before it starts the reaper, which loads the filter
 * in the program's process at the release). A run whose every step fits
 * that shape takes one: its files are copied into the parked sandbox's workdir, then
 * sbx_sandbox_release() hands over argv, env, cwd, stdio and limits, the
 * child execs. A thread refills the pool at a lower priority (nice 10;
 * the released program runs at its releaser's).
 *
 * Why a pooled sandbox serves exactly one request, and why that makes it
 * as fresh as a cold one:
 *  - Taking a sandbox removes it from the pool; after its run it goes the
 *    way every finished sandbox goes (the janitor frees it: pid namespace
 *    killed, cgroup removed, workdir unmounted, slot released). No code
 *    path puts a sandbox back, so no request ever finds a file, process,
 *    environment variable or descriptor of another request's.
 *  - Before its release nothing of any request has been in it: the parked
 *    child is still our own code, the workdir is an empty tmpfs of its own,
 *    and what a request brings (files, argv, env, stdin) arrives at take
 *    time, for that request only.
 *  - The parked child closed every descriptor but its stdio and the sync
 *    socket when it parked (runtime/child.c), so it holds nothing of the
 *    requests that were running when it was cloned.
 *  - Where the child shares our memory (runtime/spawn.h) it does so only
 *    while parked and until its execve, and nothing else runs in its
 *    sandbox meanwhile (with --init, the parked pid 1 execs the stub, an
 *    address space of its own, before the stub starts the program): no
 *    task of the sandbox can allocate, so no memory
 *    cgroup OOM kill can reach a sharer of our address space, and no
 *    program exists there yet that could try to reach our memory.
 * A request that does not fit the shape (a compile step, another rootfs,
 * limits that are set up before execve: memory, pids, rlimits...) starts a
 * sandbox cold, exactly as `sbxctr batch` does.
 */
#include "serve/server-internal.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "runtime/sandbox.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define REFILL_NICE 10
#define BACKOFF_MAX_MS 5000

struct pooled {
	struct pooled *next;
	struct sbx_sandbox *sb;
};

struct sbx_pool {
	struct sbx_server *s;
	unsigned target;
	struct sbx_config *cfg; /* the shape: every pooled sandbox runs with it (read-only) */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pooled *ready;
	unsigned n_ready;
	bool stop;
	pthread_t thread;
	bool started;
};

/* What a step may set and still fit: only what an execve takes, and the run's limits. */
static bool step_fits(const struct sbx_pool *p, const struct sbx_options *o)
{
	for (int id = 0; id < SBX_OPT__COUNT; id++) {
		if (!o->set[id])
			continue;
		switch (id) {
		case SBX_OPT_ARGV:
		case SBX_OPT_ENV:
		case SBX_OPT_STDIN_TEXT:
		case SBX_OPT_STDIN: /* only ever a materialized stdin_text: the policy refuses host paths */
		case SBX_OPT_TIME:
		case SBX_OPT_WALL_TIME:
		case SBX_OPT_OUTPUT_LIMIT:
			break;
		case SBX_OPT_FILES:
			for (size_t i = 0; i < o->n_files; i++)
				if (!o->files[i].text)
					return false;
			break;
		case SBX_OPT_INIT:
			if (!o->init)
				return false;
			break;
		case SBX_OPT_SECCOMP:
			if (strcmp(o->seccomp, "default") != 0)
				return false;
			break;
		case SBX_OPT_ROOTFS:
			if (!p->s->rootfs || strcmp(o->rootfs, p->s->rootfs) != 0)
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

bool sbx_pool_fits(const struct sbx_pool *p, const struct sbx_job *job)
{
	if (job->compile || job->artifacts || !step_fits(p, &job->run))
		return false;
	for (size_t i = 0; i < job->n_tests; i++)
		if (!step_fits(p, &job->tests[i].step))
			return false;
	return true;
}

/* One parked sandbox of the shape. */
static int park_one(struct sbx_pool *p, struct sbx_sandbox **ret, struct sbx_error *err)
{
	_cleanup_(sbx_sandbox_freep) struct sbx_sandbox *sb = NULL;
	int r = sbx_srv_sandbox_create(p->s, p->cfg, &sb, err);
	if (r < 0)
		return r;
	/* the shape's filter is the shipped default, which allows the steps after a release */
	sbx_sandbox_set_hold(sb, SBX_HOLD_FILTERED);
	/*
	 * A request's files are copied in after the child parked, and a parked
	 * child already took the sandbox's identity: for an ordinary user the
	 * workdir must stay theirs to write (runtime/sandbox.h says what that
	 * costs: the single-id map, as without subordinate ids).
	 */
	sbx_sandbox_share_workdir(sb);
	if ((r = sbx_sandbox_start(sb, err)) < 0)
		return r;
	*ret = TAKE_PTR(sb);
	return 0;
}

static void *refill_main(void *arg)
{
	struct sbx_pool *p = arg;
	/*
	 * Below the requests: a refill must not slow down the runs it is for.
	 * Nice 10, not SCHED_IDLE: a refill holds the locks of our address
	 * space and file table for moments (its child shares them until its
	 * execve), and one starved on a busy machine would hold up requests
	 * behind it. Its sandboxes inherit it until their release.
	 */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), REFILL_NICE);
	unsigned backoff_ms = 0;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->n_ready >= p->target)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->lock);
		struct sbx_sandbox *sb = NULL;
		struct sbx_error err = {0};
		int r = park_one(p, &sb, &err);
		pthread_mutex_lock(&p->lock);
		if (r < 0) {
			sbx_sandbox_free(sb);
			sbx_warn("pool: %s", err.msg);
			pthread_mutex_lock(&p->s->metrics.lock);
			p->s->metrics.internal_errors++;
			pthread_mutex_unlock(&p->s->metrics.lock);
			backoff_ms = backoff_ms ? (backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff_ms * 2) : 100;
			if (!p->stop)
				sbx_srv_timedwait(&p->cond, &p->lock, backoff_ms);
			continue;
		}
		backoff_ms = 0;
		struct pooled *e = sbx_xcalloc(1, sizeof(*e));
		e->sb = sb;
		/* first in, first out: the oldest parked sandbox goes first */
		struct pooled **tail = &p->ready;
		while (*tail)
			tail = &(*tail)->next;
		*tail = e;
		p->n_ready++;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int sbx_pool_new(struct sbx_server *s, unsigned n, struct sbx_pool **ret, struct sbx_error *err)
{
	if (!s->rootfs)
		return sbx_err_set(err, EINVAL, "--pool needs --rootfs: the pool's sandboxes run the default rootfs");
	struct sbx_pool *p = sbx_xcalloc(1, sizeof(*p));
	p->s = s;
	p->target = n;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	*ret = p;
	/* the shape is what a job line with only "argv" maps to: the same code as every request's */
	static const char line[] = "{\"id\": \"pool\", \"argv\": [\"/bin/true\"]}";
	_cleanup_(sbx_job_freep) struct sbx_job *job = NULL;
	if (sbx_job_parse(line, sizeof(line) - 1, "pool", &job, err) < 0 ||
	    sbx_options_base_config(&job->run, s->rootfs, job->run.argv, &p->cfg, err) < 0 ||
	    sbx_job_config(job, SBX_JOB_RUN, SBX_JOB_NO_TEST, NULL, p->cfg, err) < 0)
		return sbx_err_wrap(err, "--pool");
	if (pthread_create(&p->thread, NULL, refill_main, p) != 0)
		return sbx_err_set(err, EAGAIN, "starting the pool's thread");
	p->started = true;
	return 0;
}

void sbx_pool_free(struct sbx_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (p->started)
		pthread_join(p->thread, NULL);
	for (struct pooled *e = p->ready, *next; e; e = next) {
		next = e->next;
		sbx_sandbox_free(e->sb);
		free(e);
	}
	sbx_config_free(p->cfg);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

unsigned sbx_pool_ready(struct sbx_pool *p)
{
	pthread_mutex_lock(&p->lock);
	unsigned n = p->n_ready;
	pthread_mutex_unlock(&p->lock);
	return n;
}

unsigned sbx_pool_target(const struct sbx_pool *p)
{
	return p->target;
}

/* The next parked sandbox that is still there, or NULL. */
static struct sbx_sandbox *pop(struct sbx_pool *p)
{
	for (;;) {
		pthread_mutex_lock(&p->lock);
		struct pooled *e = p->ready;
		if (e) {
			p->ready = e->next;
			p->n_ready--;
		}
		/* one taken: the refill starts on its replacement */
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		if (!e)
			return NULL;
		struct sbx_sandbox *sb = e->sb;
		free(e);
		if (sbx_sandbox_alive(sb))
			return sb;
		sbx_warn("pool: a parked sandbox died (pid %d); using the next", (int)sbx_sandbox_pid(sb));
		sbx_sandbox_free(sb);
	}
}

static int open_sink(const char *path, int flags, struct sbx_error *err)
{
	int fd = open(path ? path : "/dev/null", flags | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return sbx_err_sys(err, "%s", path ? path : "/dev/null");
	return fd;
}

int sbx_pool_take(struct sbx_pool *p, const struct sbx_config *cfg, struct sbx_sandbox **ret, struct sbx_error *err)
{
	struct sbx_sandbox *sb = pop(p);
	if (!sb)
		return 0;
	*ret = sb;
	/* the request's stdio: its stdin, and the sinks its captured streams are forwarded to */
	_cleanup_close_ int in = open_sink(cfg->io.stdin_path, O_RDONLY, err);
	if (in < 0)
		return in;
	_cleanup_close_ int out = open_sink(cfg->io.stdout_path, O_WRONLY | O_CREAT | O_TRUNC, err);
	if (out < 0)
		return out;
	_cleanup_close_ int errfd = open_sink(cfg->io.stderr_path, O_WRONLY | O_CREAT | O_TRUNC, err);
	if (errfd < 0)
		return errfd;
	int r = sbx_sandbox_stage_copy_in(sb, cfg, err);
	if (r < 0)
		return r;
	struct sbx_release rel = {.argv = cfg->process.args, .env = cfg->process.env, .cwd = cfg->process.cwd,
				  .stdio = {in, out, errfd}, .limits = &cfg->limits};
	r = sbx_sandbox_release(sb, &rel, err);
	return r < 0 ? r : 1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The batch scheduler: job lines -> worker processes -> result lines; progress events, resume. */
#include "batch/batch.h"
#include "runtime/bundle.h"
#include "rootfs/mount.h"
#include "cgroups/cgroup.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "batch/jobs.h"
#include "core/jsonutil.h"
#include "runtime/report.h"
#include "runtime/sandbox.h"
#include "runtime/slot.h"
#include "core/util.h"
#include "runtime/workdir.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define JOBS_MAX_BYTES (1ULL << 30)
#define N_REASONS SBX_BATCH_N_REASONS
/* a worker that ignores the stop request this long is killed (its sandbox dies with it) */
#define STOP_GRACE_US (10 * 1000000ULL)

/* --- state ---------------------------------------------------------------- */

enum line_kind { LINE_BLANK, LINE_RUN, LINE_BAD, LINE_SKIP };

struct line {
	const char *text; /* into batch.buf */
	size_t len;
	unsigned no; /* 1-based line number */
	enum line_kind kind;
	char *id;    /* RUN, BAD: the result's id (NULL: none usable) */
	char *error; /* BAD: why */
};

#define ST_INTERNAL SBX_BATCH_STATUS_INTERNAL
#define ST__COUNT SBX_BATCH_N_STATUS

/* worker -> scheduler: this header, then len bytes of result line */
struct wire_hdr {
	uint32_t len;
	uint32_t line;
	struct sbx_batch_job_stats st;
};

struct worker {
	pid_t pid;
	int fd; /* scheduler's end of the socket; -1: none */
	bool busy;
	size_t line;
	char *rbuf;
	size_t rlen, rcap;
};

struct batch {
	const struct sbx_batch_opts *o;
	pid_t pid;
	char *buf;
	size_t buf_len;
	struct line *lines;
	size_t n_lines;
	size_t next; /* first line not dispatched yet */
	int out_fd;
	bool out_tty;
	struct sbx_scratch scratch; /* inline files, stdin texts, artifacts (sbx_scratch_create) */
	struct worker *w;
	unsigned n_workers;
	int sigfd;
	int stop_sig;
	int *cpus; /* --pin: the usable CPUs, slot k -> cpus[k % n_cpus] */
	unsigned n_cpus;
	bool pin_cpuset; /* --pin also through cpuset.cpus: a cgroup v2 cpuset controller is offered */
	bool overlay;	 /* the kernel has overlayfs: read-only roots get a private overlay */
	/* opened once, before the workers exist, and lent to every sandbox (see sbx_sandbox_use_cgroup_root) */
	struct sbx_cgroup_root *cg_root;
	/* progress */
	uint64_t t0;
	size_t total, done, skipped, failed;
	size_t by_status[ST__COUNT];
	uint64_t runs[N_REASONS];
	uint64_t cpu_user_us, cpu_sys_us;
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void batch_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/* --- worker: one job ------------------------------------------------------- */

struct wctx {
	struct batch *b;
	unsigned k;
	int ctl;
	char *jdir; /* this worker's scratch directory for the current job */
	struct sbx_batch_job_ctx job;
};

/* Runs one line's job; returns its result line, or NULL when the batch is stopping. */
static char *run_job(struct wctx *w, const struct line *l, struct sbx_batch_job_stats *st)
{
	struct batch *b = w->b;
	struct sbx_error err = {0};
	_cleanup_(sbx_job_freep) struct sbx_job *job = NULL;
	_cleanup_free_ char *doc = sbx_xasprintf("%s:%u", b->o->jobs, l->no);
	if (sbx_job_parse(l->text, l->len, doc, &job, &err) < 0) {
		memset(st, 0, sizeof(*st));
		st->status = ST_INTERNAL;
		st->failed = 1;
		return sbx_batch_result_line(sbx_batch_internal_result(l->id, l->no, err.msg));
	}
	json_object *o = sbx_batch_job_run(&w->job, job, l->no, st);
	return o ? sbx_batch_result_line(o) : NULL;
}

__attribute__((noreturn)) static void worker_main(struct batch *b, unsigned k, int ctl)
{
	/* a worker never outlives the scheduler; its sandboxes die with it in turn */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != b->pid)
		_exit(1);
	/* other workers' sockets: holding them would hide those workers' deaths from the scheduler */
	for (unsigned j = 0; j < b->n_workers; j++)
		if (b->w[j].fd >= 0)
			close(b->w[j].fd);
	close(b->sigfd);
	if (b->o->results && b->out_fd >= 0)
		close(b->out_fd);
	/*
	 * Only the scheduler tells a worker to stop (by closing its socket):
	 * out of the terminal's process group, with SIGINT/SIGTERM/SIGHUP still
	 * blocked, a Ctrl-C reaches the scheduler alone and a worker never dies
	 * before the scheduler knows why. Sandboxes reset their signal mask.
	 */
	setpgid(0, 0);
	struct wctx w = {.b = b, .k = k, .ctl = ctl};
	if (b->o->pin) {
		/* inherited by every sandbox this worker clones */
		cpu_set_t cs;
		CPU_ZERO(&cs);
		CPU_SET(b->cpus[k % b->n_cpus], &cs);
		if (sched_setaffinity(0, sizeof(cs), &cs) < 0)
			_exit(1);
	}
	w.jdir = sbx_xasprintf("%s/w%u", b->scratch.path, k);
	if (mkdir(w.jdir, 0700) < 0 && errno != EEXIST)
		_exit(1);
	/* the scheduler's socket becomes readable only when closed: the batch is stopping */
	w.job = (struct sbx_batch_job_ctx){.rootfs = b->o->rootfs, .scratch = w.jdir, .cg_root = b->cg_root,
					   .stop_fd = ctl, .pin_cpu = b->pin_cpuset ? b->cpus[k % b->n_cpus] : -1,
					   .overlay = b->overlay};
	for (;;) {
		uint32_t idx;
		ssize_t n = read(ctl, &idx, sizeof(idx));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			sbx_batch_job_release_spent(&w.job);
			_exit(0); /* the scheduler is done with us */
		}
		if (n != (ssize_t)sizeof(idx) || idx >= b->n_lines)
			_exit(1);
		struct wire_hdr h = {.line = idx};
		_cleanup_free_ char *text = run_job(&w, &b->lines[idx], &h.st);
		if (!text)
			_exit(1); /* stopping: the sandbox is gone, its line is never written */
		size_t len = strlen(text);
		h.len = (uint32_t)len;
		_cleanup_free_ char *msg = sbx_xmalloc(sizeof(h) + len);
		memcpy(msg, &h, sizeof(h));
		memcpy(msg + sizeof(h), text, len);
		if (sbx_write_all(ctl, msg, sizeof(h) + len) < 0)
			_exit(1);
		sbx_batch_job_release_spent(&w.job);
	}
}

/* --- scheduler: progress ---------------------------------------------------- */

/* Tells the caller (the CLI draws the bar and the summary) where the batch stands. */
static void notify(struct batch *b, enum sbx_batch_event ev, const char *note)
{
	if (!b->o->progress)
		return;
	struct sbx_batch_status st = {
		.total = b->total,
		.done = b->done,
		.skipped = b->skipped,
		.failed = b->failed,
		.elapsed_us = b->t0 ? now_us() - b->t0 : 0,
		.stop_sig = b->stop_sig,
		.results_on_tty = b->out_tty,
		.note = note,
		.cpu_user_us = b->cpu_user_us,
		.cpu_sys_us = b->cpu_sys_us,
	};
	for (unsigned i = 0; b->w && i < b->n_workers; i++)
		st.running += b->w[i].busy;
	memcpy(st.by_status, b->by_status, sizeof(st.by_status));
	memcpy(st.runs, b->runs, sizeof(st.runs));
	b->o->progress(ev, &st, b->o->progress_data);
}

/* --- scheduler: results ---------------------------------------------------- */

/* One write() per line: an interrupted batch leaves complete lines only. */
static int emit(struct batch *b, const char *text, size_t len, struct sbx_error *err)
{
	notify(b, SBX_BATCH_EV_OUTPUT, NULL);
	ssize_t n = write(b->out_fd, text, len);
	if (n < 0)
		return sbx_err_sys(err, "writing the results to %s", b->o->results ? b->o->results : "the results fd");
	if ((size_t)n != len)
		return sbx_err_set(err, ENOSPC, "writing the results to %s: short write (disk full?)",
				   b->o->results ? b->o->results : "the results fd");
	return 0;
}

static void account(struct batch *b, const struct sbx_batch_job_stats *st)
{
	b->done++;
	b->by_status[st->status < ST__COUNT ? st->status : ST_INTERNAL]++;
	b->failed += st->failed != 0;
	for (int r = 0; r < N_REASONS; r++)
		b->runs[r] += st->runs[r];
	b->cpu_user_us += st->cpu_user_us;
	b->cpu_sys_us += st->cpu_sys_us;
}

static int emit_internal(struct batch *b, const char *id, unsigned line, const char *msg, struct sbx_error *err)
{
	_cleanup_free_ char *text = sbx_batch_result_line(sbx_batch_internal_result(id, line, msg));
	int r = emit(b, text, strlen(text), err);
	struct sbx_batch_job_stats st = {.status = ST_INTERNAL, .failed = 1};
	account(b, &st);
	return r;
}

/* --- scheduler: workers ----------------------------------------------------- */

static int spawn_worker(struct batch *b, unsigned k, struct sbx_error *err)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return sbx_err_sys(err, "socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		return sbx_err_sys(err, "fork");
	}
	if (pid == 0) {
		close(sp[0]);
		worker_main(b, k, sp[1]);
	}
	close(sp[1]);
	if (fcntl(sp[0], F_SETFL, O_NONBLOCK) < 0) {
		close(sp[0]);
		return sbx_err_sys(err, "fcntl");
	}
	struct worker *w = &b->w[k];
	w->pid = pid;
	w->fd = sp[0];
	w->busy = false;
	w->rlen = 0;
	return 0;
}

/* A worker died (a crash, the OOM killer): its job gets an internal line, the slot a new worker. */
static int worker_died(struct batch *b, unsigned k, struct sbx_error *err)
{
	struct worker *w = &b->w[k];
	int status = 0;
	close(w->fd);
	w->fd = -1;
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	char msg[128];
	if (WIFSIGNALED(status))
		snprintf(msg, sizeof(msg), "the batch worker running this job died (signal %d)", WTERMSIG(status));
	else
		snprintf(msg, sizeof(msg), "the batch worker running this job died (exit %d)", WEXITSTATUS(status));
	int r = 0;
	if (w->busy)
		r = emit_internal(b, b->lines[w->line].id, b->lines[w->line].no, msg, err);
	w->busy = false;
	if (r < 0)
		return r;
	return spawn_worker(b, k, err);
}

static int worker_readable(struct batch *b, unsigned k, struct sbx_error *err)
{
	struct worker *w = &b->w[k];
	for (;;) {
		if (w->rcap - w->rlen < 65536) {
			w->rcap = w->rcap ? w->rcap * 2 : 131072;
			w->rbuf = sbx_xrealloc(w->rbuf, w->rcap);
		}
		ssize_t n = read(w->fd, w->rbuf + w->rlen, w->rcap - w->rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return worker_died(b, k, err);
		w->rlen += (size_t)n;
	}
	while (w->rlen >= sizeof(struct wire_hdr)) {
		struct wire_hdr h;
		memcpy(&h, w->rbuf, sizeof(h));
		if (w->rlen < sizeof(h) + h.len)
			break;
		int r = emit(b, w->rbuf + sizeof(h), h.len, err);
		if (r < 0)
			return r;
		account(b, &h.st);
		w->busy = false;
		w->rlen -= sizeof(h) + h.len;
		memmove(w->rbuf, w->rbuf + sizeof(h) + h.len, w->rlen);
		notify(b, SBX_BATCH_EV_JOB, NULL);
	}
	return 0;
}

/* Hands out lines to idle workers in file order; bad lines are answered here. */
static int dispatch(struct batch *b, struct sbx_error *err)
{
	while (b->next < b->n_lines) {
		struct line *l = &b->lines[b->next];
		if (l->kind == LINE_BLANK || l->kind == LINE_SKIP) {
			b->next++;
			continue;
		}
		if (l->kind == LINE_BAD) {
			int r = emit_internal(b, l->id, l->no, l->error, err);
			if (r < 0)
				return r;
			b->next++;
			notify(b, SBX_BATCH_EV_JOB, NULL);
			continue;
		}
		unsigned k;
		for (k = 0; k < b->n_workers && (b->w[k].busy || b->w[k].fd < 0); k++)
			;
		if (k == b->n_workers)
			return 0;
		uint32_t idx = (uint32_t)b->next;
		/* 4 bytes into an idle worker's empty socket: never blocks */
		if (write(b->w[k].fd, &idx, sizeof(idx)) != (ssize_t)sizeof(idx)) {
			int r = worker_died(b, k, err);
			if (r < 0)
				return r;
			continue;
		}
		b->w[k].busy = true;
		b->w[k].line = b->next++;
	}
	return 0;
}

static bool any_busy(const struct batch *b)
{
	for (unsigned k = 0; k < b->n_workers; k++)
		if (b->w[k].busy)
			return true;
	return false;
}

/*
 * Ends every worker. Closing a worker's socket tells it to stop: an idle
 * one exits, a busy one kills its sandbox (which unmounts its workdir) and
 * exits without a result. One that does not go in time is killed; its
 * sandbox then dies with it (PR_SET_PDEATHSIG) and its mounts with the
 * mount namespace.
 */
static void stop_workers(struct batch *b)
{
	for (unsigned k = 0; k < b->n_workers; k++) {
		if (b->w[k].fd >= 0)
			close(b->w[k].fd);
		b->w[k].fd = -1;
	}
	uint64_t deadline = now_us() + STOP_GRACE_US;
	for (unsigned k = 0; k < b->n_workers; k++) {
		struct worker *w = &b->w[k];
		if (w->pid <= 0)
			continue;
		for (;;) {
			pid_t r = waitpid(w->pid, NULL, WNOHANG);
			if (r == w->pid || (r < 0 && errno != EINTR))
				break;
			if (now_us() > deadline) {
				kill(w->pid, SIGKILL);
				while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
					;
				break;
			}
			usleep(2000);
		}
		w->pid = 0;
	}
}

/* --- set-up ----------------------------------------------------------------- */

/* Splits the jobs file into lines; blank lines are kept (numbering) but never run. */
static void split_lines(struct batch *b)
{
	size_t cap = 0;
	unsigned no = 0;
	for (size_t off = 0; off < b->buf_len;) {
		const char *s = b->buf + off;
		const char *nl = memchr(s, '\n', b->buf_len - off);
		size_t len = nl ? (size_t)(nl - s) : b->buf_len - off;
		off += len + (nl ? 1 : 0);
		no++;
		if (b->n_lines == cap) {
			cap = cap ? cap * 2 : 1024;
			b->lines = sbx_xrealloc(b->lines, cap * sizeof(*b->lines));
		}
		bool blank = strspn(s, " \t\r") >= len;
		b->lines[b->n_lines++] = (struct line){.text = s, .len = len, .no = no,
						       .kind = blank ? LINE_BLANK : LINE_RUN};
	}
}

/*
 * Reads the results of an earlier run (--resume): every complete line names
 * a finished job by its id (or, for a line that had none, its line number).
 * A last line without its newline was cut by a crash: it is dropped from the
 * file, so that new lines start on a line of their own.
 */
static int load_done(struct batch *b, json_object *ids, json_object *nos, struct sbx_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			buf = sbx_xrealloc(buf, cap + 1);
		}
		ssize_t n = pread(b->out_fd, buf + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sbx_err_sys(err, "--resume: reading %s", b->o->results);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	size_t complete = len;
	while (complete > 0 && buf[complete - 1] != '\n')
		complete--;
	if (complete < len && ftruncate(b->out_fd, (off_t)complete) < 0)
		return sbx_err_sys(err, "--resume: dropping the cut last line of %s", b->o->results);
	unsigned no = 0;
	for (size_t off = 0; off < complete;) {
		char *s = buf + off;
		char *nl = memchr(s, '\n', complete - off);
		size_t l = (size_t)(nl - s);
		off += l + 1;
		no++;
		if (strspn(s, " \t\r") >= l)
			continue;
		_cleanup_free_ char *doc = sbx_xasprintf("%s:%u", b->o->results, no);
		json_object *o = NULL;
		if (sbx_json_parse(doc, s, l, &o, err) < 0)
			return sbx_err_wrap(err, "--resume");
		json_object *id = sbx_json_get(o, "id"), *line = sbx_json_get(o, "line");
		int r = 0;
		if (id && json_object_is_type(id, json_type_string)) {
			json_object_object_add(ids, json_object_get_string(id), NULL);
		} else if (!id && line && json_object_is_type(line, json_type_int)) {
			char key[32];
			snprintf(key, sizeof(key), "%" PRId64, json_object_get_int64(line));
			json_object_object_add(nos, key, NULL);
		} else {
			r = sbx_err_set(err, EINVAL, "--resume: %s: not a result line (no \"id\")", doc);
		}
		json_object_put(o);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Parses every line once: bad lines, duplicate ids and lines done earlier are known before anything runs. */
static void classify(struct batch *b, json_object *done_ids, json_object *done_nos)
{
	json_object *seen = json_object_new_object(); /* id -> line number */
	for (size_t i = 0; i < b->n_lines; i++) {
		struct line *l = &b->lines[i];
		if (l->kind == LINE_BLANK)
			continue;
		_cleanup_free_ char *doc = sbx_xasprintf("%s:%u", b->o->jobs, l->no);
		struct sbx_job *job = NULL;
		struct sbx_error err = {0};
		if (sbx_job_parse(l->text, l->len, doc, &job, &err) < 0) {
			l->kind = LINE_BAD;
			l->error = sbx_xstrdup(err.msg);
			l->id = sbx_job_peek_id(l->text, l->len);
		} else {
			l->id = sbx_xstrdup(job->id);
			if (!job->run.set[SBX_OPT_BUNDLE] && !job->run.set[SBX_OPT_ROOTFS] && !b->o->rootfs) {
				l->kind = LINE_BAD;
				l->error = sbx_xasprintf("%s: rootfs: missing (give \"rootfs\" or \"bundle\", or "
							 "sbxctr batch --rootfs DIR)", doc);
			}
			sbx_job_free(job);
		}
		json_object *first;
		if (l->id && json_object_object_get_ex(seen, l->id, &first)) {
			/* the result keeps ids unique: this line's result goes by its line number */
			free(l->error);
			l->error = sbx_xasprintf("%s: id: \"%s\" is already the id of line %d", doc, l->id,
						 json_object_get_int(first));
			l->kind = LINE_BAD;
			free(l->id);
			l->id = NULL;
		} else if (l->id) {
			json_object_object_add(seen, l->id, json_object_new_int((int)l->no));
		}
		char key[32];
		snprintf(key, sizeof(key), "%u", l->no);
		if (l->id ? json_object_object_get_ex(done_ids, l->id, NULL)
			  : json_object_object_get_ex(done_nos, key, NULL)) {
			l->kind = LINE_SKIP;
			b->skipped++;
			continue;
		}
		b->total++;
	}
	json_object_put(seen);
}

static void batch_free(struct batch *b)
{
	for (unsigned k = 0; k < b->n_workers; k++) {
		if (b->w[k].fd >= 0)
			close(b->w[k].fd);
		free(b->w[k].rbuf);
	}
	free(b->w);
	sbx_scratch_destroy(&b->scratch);
	for (size_t i = 0; i < b->n_lines; i++) {
		free(b->lines[i].id);
		free(b->lines[i].error);
	}
	free(b->lines);
	free(b->buf);
	free(b->cpus);
	sbx_cgroup_root_free(b->cg_root);
	if (b->sigfd >= 0) {
		/* a second Ctrl-C must not kill us when the mask is restored */
		struct signalfd_siginfo si;
		while (read(b->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		close(b->sigfd);
	}
	if (b->o->results && b->out_fd >= 0)
		close(b->out_fd);
}

static int usable_cpus(struct batch *b, struct sbx_error *err)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return sbx_err_sys(err, "sched_getaffinity");
	b->cpus = sbx_xcalloc(CPU_SETSIZE, sizeof(int));
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			b->cpus[b->n_cpus++] = c;
	if (b->n_cpus == 0)
		b->cpus[b->n_cpus++] = 0;
	return 0;
}

static int open_results(struct batch *b, json_object *done_ids, json_object *done_nos, struct sbx_error *err)
{
	if (!b->o->results) {
		/* not ours to close: batch_free() leaves it */
		b->out_fd = b->o->results_fd;
	} else {
		int flags = O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | (b->o->resume ? 0 : O_TRUNC);
		b->out_fd = open(b->o->results, flags, 0644);
		if (b->out_fd < 0)
			return sbx_err_sys(err, "--results %s", b->o->results);
		if (b->o->resume) {
			int r = load_done(b, done_ids, done_nos, err);
			if (r < 0)
				return r;
		}
	}
	b->out_tty = isatty(b->out_fd);
	return 0;
}

/* --- the loop --------------------------------------------------------------- */

static int run_loop(struct batch *b, struct sbx_error *err)
{
	_cleanup_free_ struct pollfd *pfd = sbx_xcalloc(b->n_workers + 1, sizeof(*pfd));
	int r;
	for (;;) {
		if ((r = dispatch(b, err)) < 0)
			return r;
		if (b->next >= b->n_lines && !any_busy(b))
			return 0;
		size_t n = 0;
		for (unsigned k = 0; k < b->n_workers; k++)
			pfd[n++] = (struct pollfd){.fd = b->w[k].fd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = b->sigfd, .events = POLLIN};
		int timeout = b->o->progress ? 250 : -1;
		int pr = poll(pfd, n, timeout);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return sbx_err_sys(err, "poll");
		}
		/* finished jobs first: a result that arrived with the signal is kept */
		for (unsigned k = 0; k < b->n_workers; k++)
			if (pfd[k].revents && b->w[k].fd >= 0 && (r = worker_readable(b, k, err)) < 0)
				return r;
		if (pfd[n - 1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(b->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				b->stop_sig = (int)si.ssi_signo;
				return 0;
			}
		}
		notify(b, SBX_BATCH_EV_TICK, NULL);
	}
}

int sbx_batch_run(const struct sbx_batch_opts *o, struct sbx_error *err)
{
	struct batch b = {.o = o, .pid = getpid(), .out_fd = -1, .sigfd = -1};
	int r, code = SBX_BATCH_FAILED;
	json_object *done_ids = json_object_new_object(), *done_nos = json_object_new_object();
	/* from here on SIGINT/SIGTERM/SIGHUP only arrive through the signalfd (workers inherit the mask) */
	sigset_t set, old;
	batch_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* a closed results pipe is an error to report, not a silent death */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
	sigaction(SIGPIPE, &ign, &old_pipe);
	b.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (b.sigfd < 0) {
		sbx_err_sys(err, "signalfd");
		goto out;
	}
	if ((r = sbx_read_all(o->jobs, JOBS_MAX_BYTES, &b.buf, &b.buf_len)) < 0) {
		sbx_err_errno(err, r, "jobs file %s", o->jobs);
		goto out;
	}
	if (o->rootfs && access(o->rootfs, F_OK) < 0) {
		sbx_err_sys(err, "--rootfs %s", o->rootfs);
		goto out;
	}
	if (open_results(&b, done_ids, done_nos, err) < 0 || usable_cpus(&b, err) < 0)
		goto out;
	split_lines(&b);
	classify(&b, done_ids, done_nos);
	size_t to_run = 0;
	for (size_t i = 0; i < b.n_lines; i++)
		to_run += b.lines[i].kind == LINE_RUN;
	unsigned parallel = o->parallel ? o->parallel : b.n_cpus;
	b.n_workers = to_run < parallel ? (unsigned)to_run : parallel;
	/* without overlayfs (not built, module not loadable) the jobs share the rootfs's inodes, as before */
	b.overlay = sbx_rootfs_overlay_available();
	if (!b.overlay)
		notify(&b, SBX_BATCH_EV_NOTE, "no overlayfs here: the jobs share the rootfs's inodes");
	if (o->pin) {
		char why[384];
		b.pin_cpuset = sbx_cgroup_probe(SBX_CG_CPUSET, NULL, why, sizeof(why)) == 1;
	}
	if (o->pin && parallel > b.n_cpus) {
		char msg[160];
		snprintf(msg, sizeof(msg), "--pin: %u slots share %u CPUs", parallel, b.n_cpus);
		notify(&b, SBX_BATCH_EV_NOTE, msg);
	}
	/* scratch directories of batches that died, even when this one has nothing to run */
	{
		_cleanup_free_ char *scratch_base = sbx_xasprintf("%s/batch", sbx_state_dir());
		/* scratch directories of batches that are gone (their mounts went with them) */
		sbx_sweep_pid_dirs(scratch_base);
	}
	if (b.n_workers > 0 && (sbx_runtime_private_mounts(err) < 0 || sbx_scratch_create("batch", &b.scratch, err) < 0))
		goto out;
	if (b.n_workers > 0) {
		struct sbx_cgroup_root_opts ro = {.mode = SBX_CGROUP_AUTO};
		if (sbx_cgroup_root_open(&ro, &b.cg_root, err) < 0)
			goto out;
		struct sbx_error e = {0};
		if (sbx_cgroup_root_usable(b.cg_root) && sbx_cgroup_sweep(b.cg_root, 1000, NULL, &e) < 0)
			sbx_warn("cgroup sweep: %s", e.msg);
	}
	b.w = sbx_xcalloc(b.n_workers ? b.n_workers : 1, sizeof(*b.w));
	for (unsigned k = 0; k < b.n_workers; k++)
		b.w[k].fd = -1;
	for (unsigned k = 0; k < b.n_workers; k++)
		if (spawn_worker(&b, k, err) < 0)
			goto out;
	b.t0 = now_us();
	if (run_loop(&b, err) < 0)
		goto out;
	code = b.stop_sig ? 128 + b.stop_sig : 0;
	stop_workers(&b);
	notify(&b, SBX_BATCH_EV_END, NULL);
out:
	if (code == SBX_BATCH_FAILED) {
		stop_workers(&b);
		notify(&b, SBX_BATCH_EV_FAILED, NULL);
	}
	batch_free(&b);
	json_object_put(done_ids);
	json_object_put(done_nos);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return code;
}

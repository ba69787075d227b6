/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/run (one job line, its result object) and POST /v1/batch (a
 * JSONL body, result lines streamed as jobs finish). Both run jobs through
 * batch/'s sbx_batch_job_run(): the same schema, the same defaults, the
 * same result object. What the service adds goes through its hooks: the
 * output captured into the answer, a pooled sandbox for a run that fits the
 * pool's shape, and a wait that stops when the client goes away.
 */
#include "serve/server-internal.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "runtime/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* What one job's hooks work with. */
struct job_hooks {
	struct sbx_server *s;
	bool capture;
	bool pool_fits;	 /* the job fits the pool's shape */
	int conn_fd;	 /* the client (a hang-up stops the job), -1 */
	int stop_fd;	 /* a batch's own stop, -1 */
	const char *scratch;
	int pool_state;	 /* -1: not tried, 0: miss, 1: hit */
};

static int hook_configure(void *data, const struct sbx_job *job, enum sbx_job_phase phase, size_t test,
			  struct sbx_config *cfg, struct sbx_error *err)
{
	struct job_hooks *h = data;
	if (!h->capture)
		return 0;
	/* the streams go to files of ours, read back into the answer (report hook) */
	free(cfg->io.stdout_path);
	cfg->io.stdout_path = sbx_xasprintf("%s/stdout", h->scratch);
	if (!cfg->io.stderr_to_stdout) {
		free(cfg->io.stderr_path);
		cfg->io.stderr_path = sbx_xasprintf("%s/stderr", h->scratch);
	}
	return 0;
}

static int hook_start(void *data, const struct sbx_job *job, enum sbx_job_phase phase, size_t test,
		      struct sbx_config *cfg, struct sbx_sandbox **ret, struct sbx_error *err)
{
	struct job_hooks *h = data;
	if (h->s->pool && h->pool_fits && phase == SBX_JOB_RUN) {
		int r = sbx_pool_take(h->s->pool, cfg, ret, err);
		sbx_metrics_pool(&h->s->metrics, r != 0);
		if (h->pool_state < 0 || r == 0)
			h->pool_state = r != 0;
		if (r != 0)
			return r < 0 ? r : 0;
	}
	int r = sbx_srv_sandbox_create(h->s, cfg, ret, err);
	return r < 0 ? r : sbx_sandbox_start(*ret, err);
}

static int hook_wait(void *data, struct sbx_sandbox *sb, struct sbx_error *err)
{
	struct job_hooks *h = data;
	return sbx_srv_wait(h->s, sb, h->conn_fd, h->stop_fd, err);
}

/* Adds a captured stream's bytes (at most capture_max) to its object in the report. */
static void add_capture(struct job_hooks *h, json_object *rep, const char *key)
{
	json_object *so = NULL;
	if (!json_object_object_get_ex(rep, key, &so) || !json_object_is_type(so, json_type_object))
		return;
	_cleanup_free_ char *path = sbx_xasprintf("%s/%s", h->scratch, key);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	size_t cap = (size_t)h->s->o.capture_max;
	_cleanup_free_ char *buf = sbx_xmalloc(cap + 1);
	size_t n = 0;
	while (n < cap + 1) {
		ssize_t k = read(fd, buf + n, cap + 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	bool cut = n > cap;
	sbx_api_add_data(so, buf, cut ? cap : n);
	if (cut)
		json_object_object_add(so, "data_truncated", json_object_new_boolean(true));
	/* the next step's output must not find this one's */
	if (ftruncate(fd, 0) < 0)
		unlink(path);
}

static void hook_report(void *data, json_object *rep, enum sbx_job_phase phase, size_t test)
{
	struct job_hooks *h = data;
	if (!h->capture)
		return;
	add_capture(h, rep, "stdout");
	add_capture(h, rep, "stderr");
}

static const struct sbx_batch_hooks job_hooks_ops = {
	.configure = hook_configure,
	.start = hook_start,
	.wait = hook_wait,
	.report = hook_report,
};

/* --- /v1/run ------------------------------------------------------------------------ */

static bool step_writes(const struct sbx_options *o)
{
	for (size_t i = 0; i < o->n_files; i++)
		if (o->files[i].text)
			return true;
	return o->set[SBX_OPT_STDIN_TEXT];
}

/* Whether the job writes anything into its scratch directory (inline contents, artifacts, captures). */
static bool needs_scratch(const struct sbx_job *job, bool capture)
{
	if (capture || job->compile || step_writes(&job->run))
		return true;
	for (size_t i = 0; i < job->n_tests; i++)
		if (step_writes(&job->tests[i].step))
			return true;
	return false;
}

enum MHD_Result sbx_srv_run(struct sbx_req *r)
{
	struct sbx_server *s = r->s;
	struct sbx_api_error e = {0};
	json_object *body = NULL;
	_cleanup_(sbx_job_freep) struct sbx_job *job = NULL;
	bool capture = false;
	if (sbx_api_parse_json(r->body, r->len, s->o.max_json_depth, &body, &e) < 0)
		return sbx_srv_error(r, &e);
	int pr = sbx_api_parse_run(body, "request", &job, &capture, &e);
	json_object_put(body);
	if (pr < 0 || sbx_api_check_job(job, &s->policy, &e) < 0)
		return sbx_srv_error(r, &e);
	/* a job with nothing to write works in an empty directory shared by all (one mkdir less) */
	const char *scratch = needs_scratch(job, capture) ? sbx_srv_scratch(r, &e) : s->scratch_empty;
	if (!scratch)
		return sbx_srv_error(r, &e);
	if (!sbx_srv_take_slots(s, 1)) {
		sbx_api_fail(&e, 429, NULL, "too many sandboxes (at most %u at once)", s->o.max_sandboxes);
		return sbx_srv_error(r, &e);
	}
	struct job_hooks h = {.s = s, .capture = capture, .conn_fd = sbx_srv_conn_fd(r), .stop_fd = -1,
			      .scratch = scratch, .pool_state = -1};
	h.pool_fits = s->pool && sbx_pool_fits(s->pool, job);
	r->job = sbx_xcalloc(1, sizeof(*r->job));
	*r->job = (struct sbx_batch_job_ctx){.rootfs = s->rootfs, .scratch = scratch, .cg_root = s->cg_root,
					      .stop_fd = -1, .pin_cpu = -1, .hooks = &job_hooks_ops, .hooks_data = &h};
	struct sbx_batch_job_stats st;
	json_object *res = sbx_batch_job_run(r->job, job, 1, &st);
	sbx_srv_put_slots(s, 1);
	if (!res) {
		if (atomic_load(&s->draining)) {
			sbx_api_fail(&e, 503, NULL, "the service is shutting down: the run was stopped");
			return sbx_srv_error(r, &e);
		}
		return MHD_NO; /* the client is gone */
	}
	sbx_metrics_result(&s->metrics, res);
	char *text = sbx_batch_result_line(res);
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, "X-Sbxctr-Pool", !s->pool ? "off" : h.pool_state > 0 ? "hit" : "miss");
	return sbx_srv_queue(r, 200, resp);
}

/* --- /v1/batch ---------------------------------------------------------------------- */

struct bline {
	const char *text;
	size_t len;
	unsigned no;
	char *error; /* known bad before it runs: its result is an internal line */
	char *id;
};

struct bstream {
	struct sbx_server *s;
	char *body; /* the request's, taken over */
	struct bline *lines;
	size_t n_lines, next, done, total;
	unsigned slots;
	int conn_fd;
	int stop_fd; /* eventfd: the client went away, the workers stop */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char **queue; /* result lines not sent yet */
	size_t nq, capq;
	char *cur;    /* the line being sent, and how much of it is out */
	size_t cur_off;
	pthread_t *workers;
	unsigned n_workers;
	unsigned running; /* workers that have not ended */
	bool stopped;
};

static void push_line(struct bstream *b, char *text)
{
	pthread_mutex_lock(&b->lock);
	if (b->nq == b->capq) {
		b->capq = b->capq ? b->capq * 2 : 16;
		b->queue = sbx_xrealloc(b->queue, b->capq * sizeof(*b->queue));
	}
	b->queue[b->nq++] = text;
	b->done++;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

/* One line: its result object (NULL when stopped). */
static json_object *run_line(struct bstream *b, const struct bline *l, const char *scratch)
{
	struct sbx_server *s = b->s;
	if (l->error)
		return sbx_batch_internal_result(l->id, l->no, l->error);
	_cleanup_free_ char *doc = sbx_xasprintf("request:%u", l->no);
	struct sbx_error err = {0};
	_cleanup_(sbx_job_freep) struct sbx_job *job = NULL;
	if (sbx_job_parse(l->text, l->len, doc, &job, &err) < 0)
		return sbx_batch_internal_result(l->id, l->no, err.msg);
	struct sbx_api_error e = {0};
	if (sbx_api_check_job(job, &s->policy, &e) < 0) {
		_cleanup_free_ char *msg = sbx_xasprintf("%s: %s", doc, e.msg);
		return sbx_batch_internal_result(job->id, l->no, msg);
	}
	struct job_hooks h = {.s = s, .conn_fd = b->conn_fd, .stop_fd = b->stop_fd, .scratch = scratch,
			      .pool_state = -1};
	h.pool_fits = s->pool && sbx_pool_fits(s->pool, job);
	struct sbx_batch_job_ctx ctx = {.rootfs = s->rootfs, .scratch = scratch, .cg_root = s->cg_root, .stop_fd = -1,
					.pin_cpu = -1, .hooks = &job_hooks_ops, .hooks_data = &h};
	struct sbx_batch_job_stats st;
	json_object *res = sbx_batch_job_run(&ctx, job, l->no, &st);
	sbx_srv_retire(s, ctx.spent, ctx.spent_cfg);
	return res;
}

static void *batch_worker(void *arg)
{
	struct bstream *b = arg;
	struct sbx_api_error e = {0};
	char *scratch = sbx_srv_scratch_dir(b->s, &e);
	for (;;) {
		pthread_mutex_lock(&b->lock);
		size_t i = b->next < b->n_lines && !b->stopped ? b->next++ : b->n_lines;
		pthread_mutex_unlock(&b->lock);
		if (i >= b->n_lines)
			break;
		json_object *res = scratch ? run_line(b, &b->lines[i], scratch)
					   : sbx_batch_internal_result(b->lines[i].id, b->lines[i].no, e.msg);
		if (!res)
			break; /* stopping */
		sbx_metrics_result(&b->s->metrics, res);
		push_line(b, sbx_batch_result_line(res));
	}
	sbx_srv_scratch_remove(scratch);
	pthread_mutex_lock(&b->lock);
	b->running--;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static void stop_stream(struct bstream *b)
{
	pthread_mutex_lock(&b->lock);
	b->stopped = true;
	pthread_mutex_unlock(&b->lock);
	uint64_t one = 1;
	if (write(b->stop_fd, &one, sizeof(one)) < 0)
		sbx_warn("batch: stopping its sandboxes: %s", strerror(errno));
}

/* True when the client hung up. */
static bool client_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};
	return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static ssize_t batch_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct bstream *b = cls;
	pthread_mutex_lock(&b->lock);
	for (;;) {
		if (b->cur || b->nq) {
			if (!b->cur) {
				b->cur = b->queue[0];
				b->cur_off = 0;
				memmove(b->queue, b->queue + 1, (b->nq - 1) * sizeof(*b->queue));
				b->nq--;
			}
			size_t left = strlen(b->cur + b->cur_off), n = left < max ? left : max;
			memcpy(buf, b->cur + b->cur_off, n);
			b->cur_off += n;
			if (b->cur_off == strlen(b->cur)) {
				free(b->cur);
				b->cur = NULL;
			}
			pthread_mutex_unlock(&b->lock);
			return (ssize_t)n;
		}
		if (b->done >= b->total) {
			pthread_mutex_unlock(&b->lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		/* stopped (the client left, the server stops): the lines that did not run are never sent */
		if (b->stopped || b->running == 0) {
			pthread_mutex_unlock(&b->lock);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		/* nothing yet: wait for a line, looking at the client now and then */
		sbx_srv_timedwait(&b->cond, &b->lock, 100);
		if (!b->nq && client_gone(b->conn_fd)) {
			pthread_mutex_unlock(&b->lock);
			stop_stream(b);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
	}
}

/* The stream is done (sent, or the connection died): stop the jobs, wait for the workers. */
static void batch_free(void *cls)
{
	struct bstream *b = cls;
	stop_stream(b);
	for (unsigned i = 0; i < b->n_workers; i++)
		pthread_join(b->workers[i], NULL);
	sbx_srv_put_slots(b->s, b->slots);
	for (size_t i = 0; i < b->nq; i++)
		free(b->queue[i]);
	free(b->queue);
	free(b->cur);
	for (size_t i = 0; i < b->n_lines; i++) {
		free(b->lines[i].error);
		free(b->lines[i].id);
	}
	free(b->lines);
	free(b->workers);
	free(b->body);
	close(b->stop_fd);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* Lines of the body; blank ones are skipped; bad ones and duplicate ids are known before anything runs. */
static void split_body(struct bstream *b)
{
	size_t cap = 0;
	unsigned no = 0;
	json_object *seen = json_object_new_object();
	for (size_t off = 0; off < strlen(b->body);) {
		const char *t = b->body + off;
		const char *nl = strchr(t, '\n');
		size_t len = nl ? (size_t)(nl - t) : strlen(t);
		off += len + (nl ? 1 : 0);
		no++;
		if (strspn(t, " \t\r") >= len)
			continue;
		if (b->n_lines == cap) {
			cap = cap ? cap * 2 : 64;
			b->lines = sbx_xrealloc(b->lines, cap * sizeof(*b->lines));
		}
		struct bline *l = &b->lines[b->n_lines++];
		*l = (struct bline){.text = t, .len = len, .no = no, .id = sbx_job_peek_id(t, len)};
		json_object *first;
		if (l->id && json_object_object_get_ex(seen, l->id, &first)) {
			l->error = sbx_xasprintf("request:%u: id: \"%s\" is already the id of line %d", no, l->id,
						 json_object_get_int(first));
			free(l->id);
			l->id = NULL;
		} else if (l->id) {
			json_object_object_add(seen, l->id, json_object_new_int((int)no));
		}
	}
	json_object_put(seen);
	b->total = b->n_lines;
}

enum MHD_Result sbx_srv_batch(struct sbx_req *r)
{
	struct sbx_server *s = r->s;
	struct sbx_api_error e = {0};
	if (memchr(r->body, '\0', r->len)) {
		sbx_api_fail(&e, 400, NULL, "the body holds a NUL byte: expected JSON lines");
		return sbx_srv_error(r, &e);
	}
	unsigned parallel = s->o.parallel ? s->o.parallel : sbx_usable_cpus();
	const char *q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "parallel");
	uint64_t v;
	if (q && (sbx_parse_u64(q, &v) < 0 || v == 0 || v > SBX_BATCH_PARALLEL_MAX)) {
		sbx_api_fail(&e, 400, "parallel", "parallel: expected 1 to %d, got \"%s\"", SBX_BATCH_PARALLEL_MAX, q);
		return sbx_srv_error(r, &e);
	}
	if (q && v < parallel)
		parallel = (unsigned)v;
	struct bstream *b = sbx_xcalloc(1, sizeof(*b));
	b->s = s;
	b->body = TAKE_PTR(r->body);
	b->conn_fd = sbx_srv_conn_fd(r);
	b->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	split_body(b);
	unsigned want = b->n_lines < parallel ? (unsigned)b->n_lines : parallel;
	/* as many sandboxes at once as the server can give, at least one */
	while (want > 0 && !(b->slots = sbx_srv_take_slots(s, want)))
		want--;
	if (b->stop_fd < 0 || (b->n_lines > 0 && !b->slots)) {
		batch_free(b);
		sbx_api_fail(&e, 429, NULL, "too many sandboxes (at most %u at once)", s->o.max_sandboxes);
		return sbx_srv_error(r, &e);
	}
	b->workers = sbx_xcalloc(b->slots ? b->slots : 1, sizeof(*b->workers));
	b->running = b->slots;
	/* the stack a connection's thread has (the same work: a sandbox's start, a job's result) */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SBX_SRV_THREAD_STACK);
	for (unsigned i = 0; i < b->slots; i++) {
		if (pthread_create(&b->workers[i], &attr, batch_worker, b) != 0) {
			pthread_mutex_lock(&b->lock);
			b->running -= b->slots - i;
			pthread_mutex_unlock(&b->lock);
			break;
		}
		b->n_workers++;
	}
	pthread_attr_destroy(&attr);
	if (b->n_lines > 0 && b->n_workers == 0) {
		batch_free(b);
		sbx_api_fail(&e, 500, NULL, "could not start the batch's workers");
		return sbx_srv_error(r, &e);
	}
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 65536, batch_read, b, batch_free);
	if (!resp) {
		batch_free(b);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
	return sbx_srv_queue(r, 200, resp);
}

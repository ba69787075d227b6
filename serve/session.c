/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions: a sandbox that stays up between commands, so that a program's
 * files survive from one command to the next (a code interpreter's
 * notebook). Its pid 1 holds nothing but the namespaces (an idle pid 1,
 * sbx_sandbox_release() with idle); each command is a program joined into
 * it with sbx_sandbox_exec(), in a pid namespace of its own, with its own
 * limits and report. The session is one envelope: one cgroup (its memory,
 * pids and CPU limits hold for every command together), one workdir, one
 * uid range. Files move in and out of the workdir from the host side
 * (files.c). A session ends on DELETE, after idle_ttl without a request,
 * after max_lifetime, or when its pid 1 is gone.
 */
#include "serve/files.h"
#include "serve/server-internal.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "runtime/report.h"
#include "runtime/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct session {
	char id[32];
	struct sbx_config *cfg;
	struct sbx_sandbox *sb;
	char *stage; /* the workdir, from the host */
	uint64_t created_us, last_us, idle_us, max_us;
	time_t created_wall;
	unsigned refs; /* the table's, and one per request using it */
	unsigned busy; /* commands running */
	uint64_t execs;
	bool dead;
};

struct sbx_sessions {
	struct sbx_server *s;
	pthread_mutex_t lock;
	struct session **v;
	size_t n, cap;
};

int sbx_sessions_new(struct sbx_server *s, struct sbx_sessions **ret)
{
	struct sbx_sessions *ss = sbx_xcalloc(1, sizeof(*ss));
	ss->s = s;
	pthread_mutex_init(&ss->lock, NULL);
	*ret = ss;
	return 0;
}

static void session_destroy(struct sbx_server *s, struct session *x)
{
	/* kills pid 1, and with its pid namespace every command still running in the session */
	sbx_sandbox_free(x->sb);
	sbx_config_free(x->cfg);
	free(x->stage);
	free(x);
	sbx_srv_put_slots(s, 1);
}

static void session_put(struct sbx_sessions *ss, struct session *x)
{
	pthread_mutex_lock(&ss->lock);
	bool last = --x->refs == 0;
	pthread_mutex_unlock(&ss->lock);
	if (last)
		session_destroy(ss->s, x);
}

/* Takes a session out of the table (under ss->lock) and kills what runs in it. */
static void session_end_locked(struct sbx_sessions *ss, size_t i)
{
	struct session *x = ss->v[i];
	ss->v[i] = ss->v[--ss->n];
	x->dead = true;
	sbx_sandbox_signal(x->sb, SIGKILL);
}

void sbx_sessions_free(struct sbx_sessions *ss)
{
	if (!ss)
		return;
	for (;;) {
		pthread_mutex_lock(&ss->lock);
		if (ss->n == 0) {
			pthread_mutex_unlock(&ss->lock);
			break;
		}
		struct session *x = ss->v[ss->n - 1];
		session_end_locked(ss, ss->n - 1);
		pthread_mutex_unlock(&ss->lock);
		session_put(ss, x);
	}
	free(ss->v);
	pthread_mutex_destroy(&ss->lock);
	free(ss);
}

unsigned sbx_sessions_count(struct sbx_sessions *ss)
{
	if (!ss)
		return 0;
	pthread_mutex_lock(&ss->lock);
	unsigned n = (unsigned)ss->n;
	pthread_mutex_unlock(&ss->lock);
	return n;
}

/*
 * Time since a stamp, 0 when the stamp is newer than now: request threads
 * stamp sessions concurrently, and a stamp taken after now was read (even
 * under the lock, by a thread that got it first) must not wrap around into
 * an "idle for 584,000 years" that ends a session in use.
 */
static uint64_t since(uint64_t now, uint64_t stamp)
{
	return now > stamp ? now - stamp : 0;
}

void sbx_sessions_reap(struct sbx_sessions *ss)
{
	struct session *ended[64];
	size_t n_ended = 0;
	pthread_mutex_lock(&ss->lock);
	uint64_t now = sbx_srv_now_us();
	for (size_t i = 0; i < ss->n && n_ended < SBX_ARRAY_SIZE(ended);) {
		struct session *x = ss->v[i];
		bool idle = !x->busy && since(now, x->last_us) > x->idle_us;
		bool old = since(now, x->created_us) > x->max_us;
		bool gone = !idle && !old && !sbx_sandbox_alive(x->sb);
		if (idle || old || gone) {
			if (gone) /* nothing of ours ends a session's pid 1 before this: say so */
				sbx_log(SBX_LOG_ERROR, "session %s: its sandbox's first process is gone; the session ends",
					x->id);
			session_end_locked(ss, i);
			ended[n_ended++] = x;
			continue;
		}
		i++;
	}
	pthread_mutex_unlock(&ss->lock);
	for (size_t i = 0; i < n_ended; i++)
		session_put(ss, ended[i]);
}

/* The session with this id, with a reference for the caller; NULL with e set (404). */
static struct session *session_get(struct sbx_sessions *ss, const char *id, struct sbx_api_error *e)
{
	pthread_mutex_lock(&ss->lock);
	for (size_t i = 0; i < ss->n; i++) {
		struct session *x = ss->v[i];
		if (strcmp(x->id, id) == 0 && !x->dead) {
			x->refs++;
			x->last_us = sbx_srv_now_us();
			pthread_mutex_unlock(&ss->lock);
			return x;
		}
	}
	pthread_mutex_unlock(&ss->lock);
	sbx_api_fail(e, 404, "id", "no such sandbox \"%s\" (it may have expired)", id);
	return NULL;
}

/* Seconds, to the millisecond. */
static json_object *seconds(uint64_t us)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%.3f", (double)us / 1e6);
	return json_object_new_double_s((double)us / 1e6, buf);
}

static json_object *session_json(const struct session *x)
{
	uint64_t now = sbx_srv_now_us();
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(x->id));
	json_object_object_add(o, "created", json_object_new_int64((int64_t)x->created_wall));
	json_object_object_add(o, "idle_ttl", seconds(x->idle_us));
	json_object_object_add(o, "max_lifetime", seconds(x->max_us));
	json_object_object_add(o, "idle_seconds", seconds(since(now, x->last_us)));
	json_object_object_add(o, "expires_in", seconds(since(x->created_us + x->max_us, now)));
	json_object_object_add(o, "execs", json_object_new_int64((int64_t)x->execs));
	json_object_object_add(o, "running", json_object_new_int((int)x->busy));
	json_object_object_add(o, "workdir", json_object_new_string(x->cfg->workdir.path));
	return o;
}

/* --- creating one ----------------------------------------------------------------- */

struct start_task {
	struct sbx_server *s;
	struct session *x;
	struct sbx_error err;
	int r;
};

/*
 * On the spawner thread: the session's pid 1 outlives this request, and
 * where it is a copy of our memory its death signal follows the thread
 * that cloned it.
 */
static void start_on_spawner(void *arg)
{
	struct start_task *t = arg;
	struct session *x = t->x;
	struct sbx_release idle = {.idle = true, .stdio = {-1, -1, -1}};
	t->r = sbx_srv_sandbox_create(t->s, x->cfg, &x->sb, &t->err);
	if (t->r < 0)
		return;
	sbx_sandbox_set_hold(x->sb, SBX_HOLD);
	sbx_sandbox_share_workdir(x->sb);
	if ((t->r = sbx_sandbox_start(x->sb, &t->err)) < 0 ||
	    (t->r = sbx_sandbox_stage_copy_in(x->sb, x->cfg, &t->err)) < 0 ||
	    (t->r = sbx_sandbox_release(x->sb, &idle, &t->err)) < 0)
		return;
	x->stage = sbx_xstrdup(sbx_sandbox_stage_path(x->sb));
}

static void new_id(char *buf, size_t size)
{
	unsigned char rnd[12];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		uint64_t t = sbx_srv_now_us() ^ ((uint64_t)getpid() << 32);
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(t >> ((i % 8) * 8)) ^ (unsigned char)(uintptr_t)&rnd[i];
	}
	int k = snprintf(buf, size, "s-");
	for (size_t i = 0; i < sizeof(rnd); i++)
		k += snprintf(buf + k, size - (size_t)k, "%02x", rnd[i]);
}

static enum MHD_Result create(struct sbx_req *r)
{
	struct sbx_server *s = r->s;
	struct sbx_sessions *ss = s->sessions;
	struct sbx_api_error e = {0};
	json_object *body = NULL;
	if (r->len && sbx_api_parse_json(r->body, r->len, s->o.max_json_depth, &body, &e) < 0)
		return sbx_srv_error(r, &e);
	struct sbx_session_req req;
	int pr = sbx_api_parse_session(body, &req, &e);
	json_object_put(body);
	if (pr < 0 || sbx_api_check_options(&req.opts, "", &s->policy, &e) < 0) {
		sbx_session_req_clear(&req);
		return sbx_srv_error(r, &e);
	}
	if (!req.opts.set[SBX_OPT_ROOTFS] && !s->rootfs) {
		sbx_session_req_clear(&req);
		sbx_api_fail(&e, 400, "rootfs", "rootfs: missing (this service has no default rootfs)");
		return sbx_srv_error(r, &e);
	}
	const char *scratch = sbx_srv_scratch(r, &e);
	struct sbx_error err = {0};
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	char *argv[] = {"/bin/true", NULL};
	if (!scratch || sbx_options_materialize(&req.opts, scratch, "s", &err) < 0 ||
	    sbx_options_base_config(&req.opts, s->rootfs, argv, &cfg, &err) < 0 ||
	    sbx_options_apply(&req.opts, cfg, &err) < 0) {
		if (scratch)
			sbx_api_from_error(&e, 400, "request", &err);
		sbx_session_req_clear(&req);
		return sbx_srv_error(r, &e);
	}
	sbx_session_req_clear(&req);
	if (!cfg->workdir.path) {
		sbx_api_fail(&e, 400, "workdir", "a session needs a workdir");
		return sbx_srv_error(r, &e);
	}
	/* pid 1 holds the namespaces and nothing else: no stdio of ours, no init */
	cfg->init = false;
	cfg->io.inherit_stdin = false;
	cfg->io.capture = false;
	free(cfg->io.stdin_path);
	free(cfg->io.stdout_path);
	free(cfg->io.stderr_path);
	cfg->io.stdin_path = sbx_xstrdup("/dev/null");
	cfg->io.stdout_path = sbx_xstrdup("/dev/null");
	cfg->io.stderr_path = sbx_xstrdup("/dev/null");
	if (!sbx_srv_take_slots(s, 1)) {
		sbx_api_fail(&e, 429, NULL, "too many sandboxes (at most %u at once)", s->o.max_sandboxes);
		return sbx_srv_error(r, &e);
	}
	struct session *x = sbx_xcalloc(1, sizeof(*x));
	x->cfg = TAKE_PTR(cfg);
	x->idle_us = req.idle_us ? req.idle_us : s->o.session_idle_us;
	x->max_us = req.max_us && req.max_us < s->o.session_max_us ? req.max_us : s->o.session_max_us;
	struct start_task t = {.s = s, .x = x};
	sbx_srv_on_spawner(s, start_on_spawner, &t);
	if (t.r < 0) {
		session_destroy(s, x);
		/* what the request asked cannot be had here (a limit without its controller): the client's to change */
		bool bad = t.err.kind != SBX_ERRK_INTERNAL || t.err.code == ENOTSUP || t.err.code == EINVAL;
		sbx_api_fail(&e, bad ? 400 : 500, NULL, "starting the sandbox: %s", t.err.msg);
		return sbx_srv_error(r, &e);
	}
	new_id(x->id, sizeof(x->id));
	x->created_us = x->last_us = sbx_srv_now_us();
	x->created_wall = time(NULL);
	x->refs = 1;
	pthread_mutex_lock(&ss->lock);
	if (ss->n == ss->cap) {
		ss->cap = ss->cap ? ss->cap * 2 : 16;
		ss->v = sbx_xrealloc(ss->v, ss->cap * sizeof(struct session *)); /* NOLINT(bugprone-sizeof-expression): pointers */
	}
	ss->v[ss->n++] = x;
	json_object *o = session_json(x);
	pthread_mutex_unlock(&ss->lock);
	return sbx_srv_json(r, 201, o);
}

enum MHD_Result sbx_srv_sandboxes(struct sbx_req *r)
{
	if (strcmp(r->method, "POST") == 0)
		return create(r);
	struct sbx_sessions *ss = r->s->sessions;
	json_object *list = json_object_new_array();
	pthread_mutex_lock(&ss->lock);
	for (size_t i = 0; i < ss->n; i++)
		json_object_array_add(list, session_json(ss->v[i]));
	pthread_mutex_unlock(&ss->lock);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "sandboxes", list);
	return sbx_srv_json(r, 200, o);
}

enum MHD_Result sbx_srv_sandbox(struct sbx_req *r)
{
	struct sbx_sessions *ss = r->s->sessions;
	struct sbx_api_error e = {0};
	pthread_mutex_lock(&ss->lock);
	for (size_t i = 0; i < ss->n; i++) {
		struct session *x = ss->v[i];
		if (strcmp(x->id, r->m.id) != 0)
			continue;
		if (strcmp(r->method, "GET") == 0) {
			json_object *o = session_json(x);
			pthread_mutex_unlock(&ss->lock);
			return sbx_srv_json(r, 200, o);
		}
		session_end_locked(ss, i);
		pthread_mutex_unlock(&ss->lock);
		session_put(ss, x);
		struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		return sbx_srv_queue(r, 204, resp);
	}
	pthread_mutex_unlock(&ss->lock);
	sbx_api_fail(&e, 404, "id", "no such sandbox \"%s\" (it may have expired)", r->m.id);
	return sbx_srv_error(r, &e);
}

/* --- commands ----------------------------------------------------------------------- */

/* The session's environment with the command's on top (a name given again replaces it). */
static char **merged_env(char *const *base, char *const *add)
{
	char **env = sbx_strv_copy(base);
	for (size_t i = 0; add && add[i]; i++) {
		size_t kl = strcspn(add[i], "=");
		size_t j = 0;
		for (; env && env[j]; j++) {
			if (strncmp(env[j], add[i], kl) == 0 && env[j][kl] == '=') {
				free(env[j]);
				env[j] = sbx_xstrdup(add[i]);
				break;
			}
		}
		if (!env || !env[j])
			sbx_strv_push(&env, add[i]);
	}
	return env;
}

/* One running command and what its answer needs. */
struct exec_run {
	struct sbx_server *s;
	struct sbx_sessions *ss;
	struct session *x;
	struct sbx_sandbox *sb; /* the command's handle */
	char *scratch;
	int out_fd[2];		/* the capture files: the output, the errors */
	uint64_t sent[2];	/* streamed so far */
	int conn_fd;
	char *pending;		/* a streamed line not fully sent */
	size_t pending_off;
	bool finished;		/* the result line was queued */
};

static void exec_run_free(struct exec_run *er)
{
	if (!er)
		return;
	if (er->sb) {
		sbx_sandbox_kill(er->sb, SBX_REASON_INTERNAL);
		sbx_srv_retire(er->s, er->sb, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (er->out_fd[i] >= 0)
			close(er->out_fd[i]);
	sbx_srv_scratch_remove(er->scratch);
	free(er->pending);
	pthread_mutex_lock(&er->ss->lock);
	er->x->busy--;
	er->x->last_us = sbx_srv_now_us();
	pthread_mutex_unlock(&er->ss->lock);
	session_put(er->ss, er->x);
	free(er);
}

/* Up to max bytes of a capture file from off. */
static size_t read_capture(int fd, uint64_t off, char *buf, size_t max)
{
	size_t n = 0;
	while (n < max) {
		ssize_t k = pread(fd, buf + n, max - n, (off_t)(off + n));
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	return n;
}

/* The command's report with its captured output (or, with streaming, without: that went as events). */
static json_object *exec_report(struct exec_run *er, bool with_data)
{
	struct sbx_result res = {0};
	sbx_sandbox_result(er->sb, &res);
	json_object *rep = sbx_report_build(sbx_sandbox_config(er->sb), &res);
	static const char *const keys[2] = {"stdout", "stderr"};
	for (int i = 0; i < 2 && with_data; i++) {
		json_object *so = NULL;
		if (er->out_fd[i] < 0 || !json_object_object_get_ex(rep, keys[i], &so) || !so)
			continue;
		size_t cap = (size_t)er->s->o.capture_max;
		_cleanup_free_ char *buf = sbx_xmalloc(cap + 1);
		size_t n = read_capture(er->out_fd[i], 0, buf, cap + 1);
		sbx_api_add_data(so, buf, n > cap ? cap : n);
		if (n > cap)
			json_object_object_add(so, "data_truncated", json_object_new_boolean(true));
	}
	sbx_metrics_result(&er->s->metrics, rep);
	return rep;
}

/* Streamed: the next event line (output since the last one, or the result), NULL while there is none. */
static char *next_event(struct exec_run *er)
{
	static const char *const names[2] = {"stdout", "stderr"};
	for (int i = 0; i < 2; i++) {
		if (er->out_fd[i] < 0)
			continue;
		char buf[65536];
		size_t n = read_capture(er->out_fd[i], er->sent[i], buf, sizeof(buf));
		/* a UTF-8 sequence cut at the end waits for its rest (unless the stream is over) */
		size_t keep = n;
		while (!sbx_sandbox_finished(er->sb) && keep > 0 && keep > n - 4 &&
		       ((unsigned char)buf[keep - 1] & 0xc0) == 0x80)
			keep--;
		if (!sbx_sandbox_finished(er->sb) && keep > 0 && ((unsigned char)buf[keep - 1] & 0xc0) == 0xc0)
			keep--;
		if (keep == 0)
			continue;
		er->sent[i] += keep;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "stream", json_object_new_string(names[i]));
		sbx_api_add_data(o, buf, keep);
		return sbx_batch_result_line(o);
	}
	if (!sbx_sandbox_finished(er->sb) || er->finished)
		return NULL;
	er->finished = true;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "result", exec_report(er, false));
	return sbx_batch_result_line(o);
}

static ssize_t exec_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct exec_run *er = cls;
	struct sbx_error err = {0};
	for (;;) {
		if (!er->pending && !(er->pending = next_event(er)) && er->finished)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (er->pending) {
			size_t left = strlen(er->pending + er->pending_off), n = left < max ? left : max;
			memcpy(buf, er->pending + er->pending_off, n);
			er->pending_off += n;
			if (!er->pending[er->pending_off]) {
				free(er->pending);
				er->pending = NULL;
				er->pending_off = 0;
			}
			return (ssize_t)n;
		}
		/* supervise a little longer: output (a poll wake-up) or the end */
		struct pollfd pfd[SBX_SANDBOX_POLLFDS + 2];
		size_t n = sbx_sandbox_poll_prepare(er->sb, pfd), own = n;
		pfd[n++] = (struct pollfd){.fd = er->s->stop_fd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = er->conn_fd, .events = POLLRDHUP};
		int t = sbx_sandbox_poll_timeout_ms(er->sb);
		int pr = poll(pfd, n, t < 0 || t > 100 ? 100 : t);
		if (pr < 0 && errno != EINTR)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (pr == 0)
			sbx_sandbox_poll_timeout(er->sb);
		if (pr > 0 && (pfd[own].revents || pfd[own + 1].revents)) {
			sbx_sandbox_kill(er->sb, SBX_REASON_INTERNAL);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (pr > 0 && sbx_sandbox_poll_dispatch(er->sb, pfd, own, &err) < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void exec_stream_free(void *cls)
{
	exec_run_free(cls);
}

enum MHD_Result sbx_srv_exec(struct sbx_req *r)
{
	struct sbx_server *s = r->s;
	struct sbx_api_error e = {0};
	json_object *body = NULL;
	struct sbx_exec_req req = {0};
	if (sbx_api_parse_json(r->body, r->len, s->o.max_json_depth, &body, &e) < 0)
		return sbx_srv_error(r, &e);
	int pr = sbx_api_parse_exec(body, &req, &e);
	json_object_put(body);
	if (pr < 0)
		return sbx_srv_error(r, &e);
	struct session *x = session_get(s->sessions, r->m.id, &e);
	if (!x) {
		sbx_exec_req_clear(&req);
		return sbx_srv_error(r, &e);
	}
	struct exec_run *er = sbx_xcalloc(1, sizeof(*er));
	er->s = s;
	er->ss = s->sessions;
	er->x = x;
	er->out_fd[0] = er->out_fd[1] = -1;
	er->conn_fd = sbx_srv_conn_fd(r);
	pthread_mutex_lock(&er->ss->lock);
	x->busy++;
	x->execs++;
	pthread_mutex_unlock(&er->ss->lock);
	_cleanup_close_ int in = -1;
	_cleanup_strv_ char **env = merged_env(x->cfg->process.env, req.env);
	er->scratch = sbx_srv_scratch_dir(s, &e);
	if (!er->scratch)
		goto fail;
	for (int i = 0; i < 2 && !(i == 1 && req.stderr_to_stdout); i++) {
		_cleanup_free_ char *p = sbx_xasprintf("%s/%s", er->scratch, i ? "stderr" : "stdout");
		er->out_fd[i] = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (er->out_fd[i] < 0) {
			sbx_api_fail(&e, 500, NULL, "capture file %s: %s", p, strerror(errno));
			goto fail;
		}
	}
	if (req.stdin_text) {
		_cleanup_free_ char *p = sbx_xasprintf("%s/stdin", er->scratch);
		_cleanup_close_ int w = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (w < 0 || sbx_write_all(w, req.stdin_text, req.stdin_len) < 0 ||
		    (in = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
			sbx_api_fail(&e, 500, NULL, "stdin file %s: %s", p, strerror(errno));
			goto fail;
		}
	}
	/* the batch's defaults: wall time 3 x time + 1 s (60 s without time), 64 MiB per stream */
	struct sbx_exec_spec spec = {
		.argv = req.argv, .env = env, .cwd = req.cwd, .stdio = {in, er->out_fd[0], er->out_fd[1]},
		.capture = true, .stderr_to_stdout = req.stderr_to_stdout,
		.limits = {.cpu_time_us = req.time_us,
			   .wall_time_us = req.wall_us ? req.wall_us
				   : req.time_us ? 3 * req.time_us + 1000000 : SBX_JOB_DEFAULT_WALL_US,
			   .has_output_limit = true,
			   .output_limit = req.output_limit ? req.output_limit : SBX_JOB_DEFAULT_OUTPUT_LIMIT}};
	struct sbx_error err = {0};
	int xr = sbx_sandbox_exec(x->sb, &spec, &er->sb, &err);
	bool stream = req.stream;
	sbx_exec_req_clear(&req);
	if (xr < 0 && err.kind == SBX_ERRK_INTERNAL) {
		sbx_api_fail(&e, xr == -ESRCH ? 409 : 500, NULL, "%s", err.msg);
		goto fail;
	}
	if (xr < 0) {
		/* the program could not be executed: a result, as a batch reports it */
		struct sbx_result res = {.reason = SBX_REASON_INTERNAL, .error = err};
		json_object *rep = sbx_report_build(NULL, &res);
		sbx_metrics_result(&s->metrics, rep);
		exec_run_free(er);
		if (stream) {
			/* the stream's shape: its one event is the result */
			json_object *w = json_object_new_object();
			json_object_object_add(w, "result", rep);
			rep = w;
		}
		return sbx_srv_json(r, 200, rep);
	}
	if (stream) {
		if (sbx_sandbox_arm(er->sb, &err) < 0) {
			sbx_api_fail(&e, 500, NULL, "%s", err.msg);
			goto fail;
		}
		struct MHD_Response *resp =
			MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 65536, exec_stream_read, er, exec_stream_free);
		if (!resp) {
			exec_run_free(er);
			return MHD_NO;
		}
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
		return sbx_srv_queue(r, 200, resp);
	}
	int wr = sbx_srv_wait(s, er->sb, er->conn_fd, -1, &err);
	if (wr < 0) {
		exec_run_free(er);
		if (wr == -ECANCELED && !atomic_load(&s->draining))
			return MHD_NO; /* the client is gone */
		sbx_api_fail(&e, wr == -ECANCELED ? 503 : 500, NULL, "%s",
			     wr == -ECANCELED ? "the service is shutting down: the command was stopped" : err.msg);
		return sbx_srv_error(r, &e);
	}
	json_object *rep = exec_report(er, true);
	exec_run_free(er);
	return sbx_srv_json(r, 200, rep);
fail:
	sbx_exec_req_clear(&req);
	exec_run_free(er);
	return sbx_srv_error(r, &e);
}

/* --- files ------------------------------------------------------------------------- */

enum MHD_Result sbx_srv_files(struct sbx_req *r)
{
	struct sbx_server *s = r->s;
	struct sbx_api_error e = {0};
	_cleanup_free_ char *rel = sbx_api_workdir_path(r->m.rest, &e);
	if (!rel)
		return sbx_srv_error(r, &e);
	struct session *x = session_get(s->sessions, r->m.id, &e);
	if (!x)
		return sbx_srv_error(r, &e);
	enum MHD_Result ret;
	if (strcmp(r->method, "PUT") == 0) {
		const char *m = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "mode");
		unsigned long mode = 0644;
		char *end = NULL;
		if (m && (!*m || (mode = strtoul(m, &end, 8), *end) || mode > 0777)) {
			sbx_api_fail(&e, 400, "mode", "mode: expected an octal file mode from 0000 to 0777");
			ret = sbx_srv_error(r, &e);
		} else if (sbx_wfile_put(x->stage, rel, r->body, r->len, (mode_t)mode, &e) < 0) {
			ret = sbx_srv_error(r, &e);
		} else {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "path", json_object_new_string(rel));
			json_object_object_add(o, "bytes", json_object_new_int64((int64_t)r->len));
			ret = sbx_srv_json(r, 200, o);
		}
	} else if (strcmp(r->method, "GET") == 0) {
		uint64_t size = 0;
		int fd = sbx_wfile_open(x->stage, rel, s->o.max_file, &size, &e);
		if (fd < 0) {
			ret = sbx_srv_error(r, &e);
		} else {
			struct MHD_Response *resp = MHD_create_response_from_fd64(size, fd);
			if (!resp)
				close(fd);
			else
				MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
			ret = sbx_srv_queue(r, 200, resp);
		}
	} else if (sbx_wfile_delete(x->stage, rel, &e) < 0) {
		ret = sbx_srv_error(r, &e);
	} else {
		ret = sbx_srv_queue(r, 204, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT));
	}
	session_put(s->sessions, x);
	return ret;
}

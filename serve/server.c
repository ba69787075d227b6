/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service's frame: listeners, libmicrohttpd, request limits and
 * routing, responses, and the server's own threads.
 *
 * Threads. libmicrohttpd runs a thread per connection (MHD_USE_THREAD_PER_
 * CONNECTION): a request's handler may block for as long as its sandbox
 * runs, and a streamed response's reader blocks until the next line is
 * ready. A sandbox's death signal belongs to the thread that cloned it
 * (where the child does not share our memory: runtime/spawn.h), so a
 * sandbox that outlives its request (a session) is started on the spawner
 * thread, which lives as long as the server; the pool has a thread of its
 * own. The janitor tears finished sandboxes down after their answer has
 * gone, and ends sessions past their lifetimes.
 *
 * Limits, each answered with a JSON error: connections (503 above
 * max_connections), header bytes (431), body bytes (413), JSON depth
 * (400), sandboxes (429), and on TCP the bearer token (401).
 */
#include "serve/server-internal.h"
#include "cgroups/cgroup.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "runtime/sandbox.h"
#include "runtime/workdir.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define HARD_CONNECTIONS_EXTRA 16
/* after the drain's deadline, how long the cut requests have to send their 503 */
#define STOP_GRACE_US (2 * 1000000ULL)

void sbx_serve_opts_default(struct sbx_serve_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_sandboxes = 256;
	o->max_connections = 128;
	o->max_body = 32ULL << 20;
	o->max_file = 64ULL << 20;
	o->capture_max = 4ULL << 20;
	o->max_json_depth = 16;
	o->max_header = 16384;
	o->session_idle_us = 300ULL * 1000000;
	o->session_max_us = 3600ULL * 1000000;
	o->timeout_s = 300;
}

uint64_t sbx_srv_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* --- responses ---------------------------------------------------------------- */

enum MHD_Result sbx_srv_queue(struct sbx_req *r, unsigned status, struct MHD_Response *resp)
{
	if (!resp)
		return MHD_NO;
	/* a client turned away (too many connections, draining) is not to keep its connection */
	if (atomic_load(&r->s->draining) || status == 503)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	r->status = status;
	r->responded = true;
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result sbx_srv_text(struct sbx_req *r, unsigned status, const char *ctype, char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	return sbx_srv_queue(r, status, resp);
}

enum MHD_Result sbx_srv_json(struct sbx_req *r, unsigned status, json_object *o)
{
	char *text = sbx_xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
									     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return sbx_srv_text(r, status, "application/json", text);
}

enum MHD_Result sbx_srv_error(struct sbx_req *r, const struct sbx_api_error *e)
{
	struct MHD_Response *resp;
	char *text = sbx_api_error_json(e);
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (e->status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (e->status >= 500 && e->status != 503 && e->status != 507) {
		pthread_mutex_lock(&r->s->metrics.lock);
		r->s->metrics.internal_errors++;
		pthread_mutex_unlock(&r->s->metrics.lock);
	}
	return sbx_srv_queue(r, e->status, resp);
}

int sbx_srv_conn_fd(struct sbx_req *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci ? ci->connect_fd : -1;
}

/* --- scratch directories ------------------------------------------------------- */

char *sbx_srv_scratch_dir(struct sbx_server *s, struct sbx_api_error *e)
{
	char *d = sbx_xasprintf("%s/r%lu", s->scratch.path, (unsigned long)atomic_fetch_add(&s->seq, 1));
	if (mkdir(d, 0700) < 0) {
		sbx_api_fail(e, 500, NULL, "scratch directory %s: %s", d, strerror(errno));
		free(d);
		return NULL;
	}
	return d;
}

/* Removes a scratch directory and what is directly in it (inline files, captures). */
void sbx_srv_scratch_remove(char *dir)
{
	if (!dir)
		return;
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *ent;
	while (d && (ent = readdir(d)))
		if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0)
			unlinkat(dirfd(d), ent->d_name, 0);
	rmdir(dir);
	free(dir);
}

const char *sbx_srv_scratch(struct sbx_req *r, struct sbx_api_error *e)
{
	if (!r->scratch)
		r->scratch = sbx_srv_scratch_dir(r->s, e);
	return r->scratch;
}

/* --- sandboxes ----------------------------------------------------------------- */

unsigned sbx_srv_take_slots(struct sbx_server *s, unsigned n)
{
	pthread_mutex_lock(&s->lock);
	bool ok = s->live + n <= s->o.max_sandboxes;
	if (ok)
		s->live += n;
	pthread_mutex_unlock(&s->lock);
	return ok ? n : 0;
}

void sbx_srv_put_slots(struct sbx_server *s, unsigned n)
{
	pthread_mutex_lock(&s->lock);
	s->live -= n;
	pthread_mutex_unlock(&s->lock);
}

int sbx_srv_sandbox_create(struct sbx_server *s, const struct sbx_config *cfg, struct sbx_sandbox **ret,
			   struct sbx_error *err)
{
	int r = sbx_sandbox_create(cfg, ret, err);
	if (r >= 0 && s->cg_root)
		sbx_sandbox_use_cgroup_root(*ret, s->cg_root);
	return r;
}

void sbx_srv_retire(struct sbx_server *s, struct sbx_sandbox *sb, struct sbx_config *cfg)
{
	if (!sb && !cfg)
		return;
	struct sbx_spent *x = sbx_xcalloc(1, sizeof(*x));
	x->sb = sb;
	x->cfg = cfg;
	pthread_mutex_lock(&s->lock);
	x->next = s->spent;
	s->spent = x;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int sbx_srv_wait(struct sbx_server *s, struct sbx_sandbox *sb, int conn_fd, int stop_fd, struct sbx_error *err)
{
	/* a hang-up only: a client that sends its next request early is no reason to stop */
	struct pollfd stop[3] = {{.fd = s->stop_fd, .events = POLLIN}, {.fd = stop_fd, .events = POLLIN},
				 {.fd = conn_fd, .events = POLLRDHUP}};
	int r = sbx_sandbox_wait_stop(sb, -1, stop, 3, err);
	if (r == -ECANCELED)
		sbx_sandbox_kill(sb, SBX_REASON_INTERNAL);
	return r;
}

void sbx_srv_timedwait(pthread_cond_t *cond, pthread_mutex_t *lock, unsigned ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_sec++, ts.tv_nsec -= 1000000000L;
	pthread_cond_timedwait(cond, lock, &ts);
}

/* --- the janitor and the spawner ------------------------------------------------ */

static void *janitor_main(void *arg)
{
	struct sbx_server *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct sbx_spent *list = s->spent;
		s->spent = NULL;
		bool stopping = s->stopping;
		pthread_mutex_unlock(&s->lock);
		for (struct sbx_spent *x = list, *next; x; x = next) {
			next = x->next;
			sbx_sandbox_free(x->sb);
			sbx_config_free(x->cfg);
			free(x);
		}
		if (s->sessions)
			sbx_sessions_reap(s->sessions);
		pthread_mutex_lock(&s->lock);
		if (stopping && !s->spent)
			break;
		if (!s->spent)
			sbx_srv_timedwait(&s->cond, &s->lock, 250);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void *spawner_main(void *arg)
{
	struct sbx_server *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct sbx_spawn_task *t = s->tasks;
		if (t) {
			s->tasks = t->next;
			pthread_mutex_unlock(&s->lock);
			t->fn(t->arg);
			pthread_mutex_lock(&s->lock);
			t->done = true;
			pthread_cond_broadcast(&s->cond);
			continue;
		}
		if (s->stopping)
			break;
		pthread_cond_wait(&s->cond, &s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void sbx_srv_on_spawner(struct sbx_server *s, void (*fn)(void *arg), void *arg)
{
	struct sbx_spawn_task t = {.fn = fn, .arg = arg};
	pthread_mutex_lock(&s->lock);
	struct sbx_spawn_task **tail = &s->tasks;
	while (*tail)
		tail = &(*tail)->next;
	*tail = &t;
	pthread_cond_broadcast(&s->cond);
	while (!t.done)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

/* --- requests ------------------------------------------------------------------- */

struct listener {
	struct sbx_server *s;
	bool tcp;
};

struct header_count {
	size_t bytes;
	const char *auth;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct header_count *h = cls;
	h->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
	if (value && strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0)
		h->auth = value;
	return MHD_YES;
}

static bool authorized(const struct sbx_server *s, const char *auth)
{
	static const char bearer[] = "Bearer ";
	if (!auth || strncasecmp(auth, bearer, sizeof(bearer) - 1) != 0)
		return false;
	const char *given = auth + sizeof(bearer) - 1;
	return sbx_api_token_equal(given, strlen(given), s->token, strlen(s->token));
}

/* The body cap of a route. */
static uint64_t body_cap(const struct sbx_server *s, enum sbx_api_route r)
{
	if (r == SBX_ROUTE_SANDBOX_FILES)
		return s->o.max_file;
	if (r == SBX_ROUTE_HEALTH || r == SBX_ROUTE_METRICS || r == SBX_ROUTE_SANDBOX)
		return 0;
	return s->o.max_body;
}

/* The checks made once the headers are in; an error is answered at once. */
static enum MHD_Result first_call(struct sbx_req *r, const char *url, const char *method)
{
	struct sbx_server *s = r->s;
	struct sbx_api_error e = {0};
	struct header_count h = {0};
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_header, &h);
	if (atomic_load(&s->draining)) {
		sbx_api_fail(&e, 503, NULL, "the service is shutting down");
		return sbx_srv_error(r, &e);
	}
	if (atomic_load(&s->connections) > s->o.max_connections) {
		sbx_api_fail(&e, 503, NULL, "too many connections (at most %u)", s->o.max_connections);
		return sbx_srv_error(r, &e);
	}
	if (h.bytes > s->o.max_header) {
		sbx_api_fail(&e, 431, NULL, "request headers of %zu bytes, above the %u-byte cap", h.bytes,
			     s->o.max_header);
		return sbx_srv_error(r, &e);
	}
	if (r->tcp && !authorized(s, h.auth)) {
		sbx_api_fail(&e, 401, NULL, "a valid \"Authorization: Bearer TOKEN\" header is required");
		return sbx_srv_error(r, &e);
	}
	/* the route is matched on the path alone: a query string is not part of it */
	r->url = sbx_xstrdup(url);
	r->url[strcspn(r->url, "?")] = '\0';
	if (sbx_api_route(method, r->url, &r->m, &e) < 0)
		return sbx_srv_error(r, &e);
	r->max = body_cap(s, r->m.route);
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t len = 0;
	if (cl && sbx_parse_u64(cl, &len) == 0 && len > r->max) {
		sbx_api_fail(&e, 413, NULL, "request body of %llu bytes, above the %llu-byte cap",
			     (unsigned long long)len, (unsigned long long)r->max);
		return sbx_srv_error(r, &e);
	}
	pthread_mutex_lock(&s->lock);
	s->inflight++;
	pthread_mutex_unlock(&s->lock);
	r->counted = true;
	return MHD_YES;
}

static enum MHD_Result health(struct sbx_req *r)
{
	struct sbx_server *s = r->s;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(atomic_load(&s->draining) ? "draining" : "ok"));
	json_object_object_add(o, "version", json_object_new_string(SBX_VERSION));
	pthread_mutex_lock(&s->lock);
	unsigned live = s->live;
	pthread_mutex_unlock(&s->lock);
	json_object_object_add(o, "sandboxes", json_object_new_int((int)live));
	json_object_object_add(o, "sessions", json_object_new_int((int)sbx_sessions_count(s->sessions)));
	json_object *pool = json_object_new_object();
	json_object_object_add(pool, "target", json_object_new_int((int)(s->pool ? sbx_pool_target(s->pool) : 0)));
	json_object_object_add(pool, "ready", json_object_new_int((int)(s->pool ? sbx_pool_ready(s->pool) : 0)));
	json_object_object_add(o, "pool", pool);
	return sbx_srv_json(r, 200, o);
}

static enum MHD_Result dispatch(struct sbx_req *r)
{
	switch (r->m.route) {
	case SBX_ROUTE_HEALTH:
		return health(r);
	case SBX_ROUTE_METRICS:
		return sbx_srv_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", sbx_metrics_render(r->s));
	case SBX_ROUTE_RUN:
		return sbx_srv_run(r);
	case SBX_ROUTE_BATCH:
		return sbx_srv_batch(r);
	case SBX_ROUTE_SANDBOXES:
		return sbx_srv_sandboxes(r);
	case SBX_ROUTE_SANDBOX:
		return sbx_srv_sandbox(r);
	case SBX_ROUTE_SANDBOX_EXEC:
		return sbx_srv_exec(r);
	case SBX_ROUTE_SANDBOX_FILES:
		return sbx_srv_files(r);
	case SBX_ROUTE_NONE:
	default: {
		struct sbx_api_error e;
		sbx_api_fail(&e, 404, NULL, "no such endpoint");
		return sbx_srv_error(r, &e);
	}
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct listener *l = cls;
	struct sbx_req *r = *con_cls;
	if (!r) {
		r = sbx_xcalloc(1, sizeof(*r));
		r->s = l->s;
		r->conn = conn;
		r->tcp = l->tcp;
		r->method = method;
		r->t0 = sbx_srv_now_us();
		*con_cls = r;
		return first_call(r, url, method);
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (r->responded)
			return MHD_YES;
		if (r->len + n > r->max) {
			/* a chunked body without a length: too big is known only now */
			if (r->len + n > 2 * r->max + 65536)
				return MHD_NO; /* not worth reading any further */
			r->len += n;
			free(r->body);
			r->body = NULL;
			return MHD_YES;
		}
		if (r->len + n + 1 > r->cap) {
			r->cap = (r->len + n + 1) * 2 > r->max + 1 ? r->max + 1 : (r->len + n + 1) * 2;
			r->body = sbx_xrealloc(r->body, r->cap);
		}
		memcpy(r->body + r->len, upload_data, n);
		r->len += n;
		r->body[r->len] = '\0';
		return MHD_YES;
	}
	if (r->responded)
		return MHD_YES;
	if (r->len > r->max) {
		struct sbx_api_error e;
		sbx_api_fail(&e, 413, NULL, "request body above the %llu-byte cap", (unsigned long long)r->max);
		return sbx_srv_error(r, &e);
	}
	if (!r->body) {
		r->body = sbx_xstrdup("");
		r->len = 0;
	}
	enum MHD_Result ret = dispatch(r);
	/* a long run must not count as idleness against the connection */
	MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, r->s->o.timeout_s);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct listener *l = cls;
	struct sbx_server *s = l->s;
	struct sbx_req *r = *con_cls;
	if (!r)
		return;
	*con_cls = NULL;
	if (r->status)
		sbx_metrics_request(&s->metrics, (int)r->m.route, r->status, sbx_srv_now_us() - r->t0);
	if (r->job) {
		sbx_srv_retire(s, r->job->spent, r->job->spent_cfg);
		r->job->spent = NULL;
		r->job->spent_cfg = NULL;
		free(r->job);
	}
	sbx_srv_scratch_remove(r->scratch);
	free(r->body);
	free(r->url);
	if (r->counted) {
		pthread_mutex_lock(&s->lock);
		s->inflight--;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	free(r);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct listener *l = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&l->s->connections, 1);
	else
		atomic_fetch_sub(&l->s->connections, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	sbx_debug("http: %s", msg);
}

/* --- listeners -------------------------------------------------------------------- */

/* The Unix socket: a stale one (nobody listening) is replaced, a live one is an error. */
static int listen_unix(struct sbx_server *s, const char *path, struct sbx_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return sbx_err_set(err, ENAMETOOLONG, "--socket %s: path too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sbx_err_sys(err, "socket");
	_cleanup_free_ char *dir = sbx_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return sbx_err_sys(err, "--socket: directory %s", dir);
	}
	/* born 0660 (not whatever the umask gives until the chmod below): before any thread exists */
	mode_t old_umask = umask(0117);
	int b = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	int bind_errno = errno;
	umask(old_umask);
	errno = bind_errno;
	if (b < 0) {
		if (errno != EADDRINUSE)
			return sbx_err_sys(err, "--socket %s", path);
		_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return sbx_err_set(err, EADDRINUSE, "--socket %s: another server is listening there", path);
		/* left by a server that was killed */
		struct stat st;
		if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
			return sbx_err_set(err, EEXIST, "--socket %s: exists and is not a socket", path);
		unlink(path);
		old_umask = umask(0117);
		b = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		bind_errno = errno;
		umask(old_umask);
		errno = bind_errno;
		if (b < 0)
			return sbx_err_sys(err, "--socket %s", path);
	}
	s->socket_path = sbx_xstrdup(path);
	/* 0660, group sbxctr when it exists: membership is the permission to run sandboxes */
	struct group *g = getgrnam("sbxctr");
	if ((g && chown(path, 0, g->gr_gid) < 0) || chmod(path, 0660) < 0)
		return sbx_err_sys(err, "--socket %s: permissions", path);
	if (listen(fd, 128) < 0)
		return sbx_err_sys(err, "listen on %s", path);
	return TAKE_FD(fd);
}

static int listen_tcp(const char *spec, struct sbx_error *err)
{
	_cleanup_free_ char *host = sbx_xstrdup(spec);
	char *colon = strrchr(host, ':');
	if (!colon || colon == host || !colon[1])
		return sbx_err_set(err, EINVAL, "--listen: expected ADDR:PORT, got \"%s\"", spec);
	*colon = '\0';
	const char *port = colon + 1;
	char *h = host;
	if (h[0] == '[' && colon[-1] == ']') {
		h++;
		colon[-1] = '\0';
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE};
	struct addrinfo *ai = NULL;
	int g = getaddrinfo(h, port, &hints, &ai);
	if (g != 0)
		return sbx_err_set(err, EINVAL, "--listen %s: %s (a numeric address and port)", spec, gai_strerror(g));
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		int r = sbx_err_sys(err, "--listen %s", spec);
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return r;
	}
	freeaddrinfo(ai);
	return fd;
}

static int start_daemon(struct sbx_server *s, int k, struct listener *l, struct sbx_error *err)
{
	s->daemon[k] = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, l, MHD_OPTION_LISTEN_SOCKET, s->listen_fd[k], MHD_OPTION_CONNECTION_LIMIT,
		s->o.max_connections + HARD_CONNECTIONS_EXTRA, MHD_OPTION_CONNECTION_TIMEOUT, s->o.timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)s->o.max_header * 2 + 65536, MHD_OPTION_NOTIFY_COMPLETED,
		on_completed, l, MHD_OPTION_NOTIFY_CONNECTION, on_connection, l, MHD_OPTION_THREAD_STACK_SIZE,
		(size_t)SBX_SRV_THREAD_STACK, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!s->daemon[k])
		return sbx_err_set(err, EIO, "libmicrohttpd could not start on %s", k ? s->o.listen : s->socket_path);
	s->listen_fd[k] = -1; /* the daemon's now */
	return 0;
}

/* --- lifecycle -------------------------------------------------------------------- */

/* Our scratch directory (runtime/workdir.h), after the sweep of those of servers that are gone. */
static int scratch_create(struct sbx_server *s, struct sbx_error *err)
{
	_cleanup_free_ char *base = sbx_xasprintf("%s/serve", sbx_state_dir());
	sbx_sweep_pid_dirs(base);
	int r = sbx_scratch_create("serve", &s->scratch, err);
	if (r < 0)
		return r;
	s->scratch_empty = sbx_xasprintf("%s/empty", s->scratch.path);
	if (mkdir(s->scratch_empty, 0500) < 0)
		return sbx_err_sys(err, "scratch directory %s", s->scratch_empty);
	return 0;
}

static char *absolute(const char *flag, const char *path, struct sbx_error *err)
{
	char *p = realpath(path, NULL);
	if (!p)
		sbx_err_sys(err, "%s %s", flag, path);
	return p;
}

/* The listeners' closures live as long as the daemons. */
struct sbx_server_box {
	struct sbx_server s;
	struct listener l[2];
};

int sbx_server_start(const struct sbx_serve_opts *o, struct sbx_server **ret, struct sbx_error *err)
{
	struct sbx_server_box *box = sbx_xcalloc(1, sizeof(*box));
	struct sbx_server *s = &box->s;
	int r;
	s->o = *o;
	s->listen_fd[0] = s->listen_fd[1] = s->stop_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	sbx_metrics_init(&s->metrics);
	*ret = s;
	if (o->listen && (!o->token || !*o->token))
		return sbx_err_set(err, EINVAL, "--listen needs --token-file: TCP clients must present a bearer token");
	if ((r = sbx_mhd_load(err)) < 0)
		return r;
	if (o->token)
		s->token = sbx_xstrdup(o->token);
	if (o->rootfs && !(s->rootfs = absolute("--rootfs", o->rootfs, err)))
		return -EINVAL;
	for (size_t i = 0; o->allow_rootfs && o->allow_rootfs[i]; i++) {
		_cleanup_free_ char *a = absolute("--allow-rootfs", o->allow_rootfs[i], err);
		if (!a)
			return -EINVAL;
		sbx_strv_push(&s->allow_rootfs, a);
	}
	s->policy = (struct sbx_api_policy){.rootfs = s->rootfs, .allow_rootfs = s->allow_rootfs,
					    .allow_unconfined = o->allow_unconfined, .allow_net_host = o->allow_net_host};
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stop_fd < 0)
		return sbx_err_sys(err, "eventfd");
	/* staged workdirs and the scratch tmpfs live in a mount namespace of our own */
	if ((r = sbx_runtime_private_mounts(err)) < 0 || (r = scratch_create(s, err)) < 0)
		return r;
	struct sbx_cgroup_root_opts ro = {.mode = SBX_CGROUP_AUTO};
	if ((r = sbx_cgroup_root_open(&ro, &s->cg_root, err)) < 0)
		return r;
	struct sbx_error e = {0};
	/* the cgroups of a server (or any runtime) that was killed */
	if (sbx_cgroup_root_usable(s->cg_root) && sbx_cgroup_sweep(s->cg_root, 1000, NULL, &e) < 0)
		sbx_warn("cgroup sweep: %s", e.msg);
	/* the listeners before any thread: the Unix socket is bound under a umask of its own */
	_cleanup_free_ char *def = sbx_default_socket_path();
	const char *sock = o->socket_path ? o->socket_path : def;
	if (*sock && (s->listen_fd[0] = listen_unix(s, sock, err)) < 0)
		return s->listen_fd[0];
	if (o->listen && (s->listen_fd[1] = listen_tcp(o->listen, err)) < 0)
		return s->listen_fd[1];
	if (s->listen_fd[0] < 0 && s->listen_fd[1] < 0)
		return sbx_err_set(err, EINVAL, "nothing to listen on (--socket \"\" and no --listen)");
	if ((r = sbx_sessions_new(s, &s->sessions)) < 0)
		return sbx_err_set(err, -r, "sessions");
	if (pthread_create(&s->janitor, NULL, janitor_main, s) != 0)
		return sbx_err_set(err, EAGAIN, "starting the janitor thread");
	s->janitor_started = true;
	if (pthread_create(&s->spawner, NULL, spawner_main, s) != 0)
		return sbx_err_set(err, EAGAIN, "starting the spawner thread");
	s->spawner_started = true;
	if (o->pool && (r = sbx_pool_new(s, o->pool, &s->pool, err)) < 0)
		return r;
	for (int k = 0; k < 2; k++) {
		box->l[k] = (struct listener){.s = s, .tcp = k == 1};
		if (s->listen_fd[k] >= 0 && (r = start_daemon(s, k, &box->l[k], err)) < 0)
			return r;
	}
	s->where = sbx_xasprintf("%s%s%s%s", s->socket_path ? "unix:" : "", s->socket_path ? s->socket_path : "",
				 o->listen ? (s->socket_path ? " tcp:" : "tcp:") : "", o->listen ? o->listen : "");
	return 0;
}

const char *sbx_server_where(const struct sbx_server *s)
{
	return s->where ? s->where : "";
}

/* Waits until no request is in flight or the deadline passes; returns how many still are. */
static unsigned wait_inflight(struct sbx_server *s, uint64_t deadline)
{
	pthread_mutex_lock(&s->lock);
	while (s->inflight > 0 && sbx_srv_now_us() < deadline)
		sbx_srv_timedwait(&s->cond, &s->lock, 20);
	unsigned n = s->inflight;
	pthread_mutex_unlock(&s->lock);
	return n;
}

unsigned sbx_server_drain(struct sbx_server *s, uint64_t timeout_us)
{
	atomic_store(&s->draining, true);
	for (int k = 0; k < 2; k++) {
		if (!s->daemon[k])
			continue;
		/* no new connections; those open get 503 for new requests */
		MHD_socket fd = MHD_quiesce_daemon(s->daemon[k]);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	if (s->socket_path)
		unlink(s->socket_path);
	unsigned cut = wait_inflight(s, sbx_srv_now_us() + timeout_us);
	/* what still runs is killed (every wait polls stop_fd); their 503s get a moment to go out */
	uint64_t one = 1;
	if (write(s->stop_fd, &one, sizeof(one)) < 0)
		sbx_warn("stopping the running sandboxes: %s", strerror(errno));
	if (cut)
		wait_inflight(s, sbx_srv_now_us() + STOP_GRACE_US);
	return cut;
}

void sbx_server_free(struct sbx_server *s)
{
	if (!s)
		return;
	if (s->stop_fd >= 0) {
		uint64_t one = 1;
		if (write(s->stop_fd, &one, sizeof(one)) < 0)
			sbx_warn("stopping the running sandboxes: %s", strerror(errno));
	}
	atomic_store(&s->draining, true);
	for (int k = 0; k < 2; k++) {
		if (s->daemon[k])
			MHD_stop_daemon(s->daemon[k]);
		if (s->listen_fd[k] >= 0)
			close(s->listen_fd[k]);
	}
	/* no request runs any more: the janitor tears down what is left and ends, then sessions and the pool go */
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->spawner_started)
		pthread_join(s->spawner, NULL);
	if (s->janitor_started)
		pthread_join(s->janitor, NULL);
	sbx_sessions_free(s->sessions);
	s->sessions = NULL;
	sbx_pool_free(s->pool);
	s->pool = NULL;
	sbx_cgroup_root_free(s->cg_root);
	sbx_scratch_destroy(&s->scratch);
	free(s->scratch_empty);
	if (s->socket_path)
		unlink(s->socket_path);
	free(s->socket_path);
	free(s->where);
	free(s->rootfs);
	sbx_strv_free(s->allow_rootfs);
	if (s->token) {
		explicit_bzero(s->token, strlen(s->token));
		free(s->token);
	}
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	sbx_metrics_destroy(&s->metrics);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free((struct sbx_server_box *)s);
}

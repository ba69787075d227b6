/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the service's modules: the server, a request, and what each module offers the others. */
#pragma once

#include <json-c/json.h>
#include "serve/mhd.h" /* libmicrohttpd through its loaded table */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "batch/batch.h"
#include "serve/request.h"
#include "serve/serve.h"
#include "runtime/workdir.h"

struct sbx_config;
struct sbx_sandbox;
struct sbx_cgroup_root;
struct sbx_pool;
struct sbx_sessions;

/* --- metrics (metrics.c) ------------------------------------------------------ */

#define SBX_METRIC_ROUTES 9
#define SBX_METRIC_CODES 16
#define SBX_METRIC_BUCKETS 14

struct sbx_metrics {
	pthread_mutex_t lock;
	uint64_t runs[SBX_BATCH_N_REASONS]; /* every program run (runs, batch jobs' steps, execs), by reason */
	uint64_t requests[SBX_METRIC_ROUTES][SBX_METRIC_CODES];
	uint64_t latency[SBX_METRIC_ROUTES][SBX_METRIC_BUCKETS]; /* cumulative at render time */
	double latency_sum[SBX_METRIC_ROUTES];
	uint64_t latency_count[SBX_METRIC_ROUTES];
	uint64_t pool_hits, pool_misses;
	uint64_t internal_errors; /* 5xx answers and runs that ended "internal" */
};

void sbx_metrics_init(struct sbx_metrics *m);
void sbx_metrics_destroy(struct sbx_metrics *m);
void sbx_metrics_request(struct sbx_metrics *m, int route, unsigned status, uint64_t us);
/* Counts a run by its report's "reason" (a report object, or a result object with tests). */
void sbx_metrics_result(struct sbx_metrics *m, json_object *result);
void sbx_metrics_pool(struct sbx_metrics *m, bool hit);
char *sbx_metrics_render(struct sbx_server *s);

/* --- the server ---------------------------------------------------------------- */

/* The stack of the threads that handle requests (a connection's, a batch's workers). */
#define SBX_SRV_THREAD_STACK (256u << 10)

/* Finished sandboxes waiting for their teardown, off the requests' critical path. */
struct sbx_spent {
	struct sbx_spent *next;
	struct sbx_sandbox *sb;
	struct sbx_config *cfg;
};

/* A function to run on the spawner thread (which outlives every sandbox it starts). */
struct sbx_spawn_task {
	struct sbx_spawn_task *next;
	void (*fn)(void *arg);
	void *arg;
	bool done;
};

struct sbx_server {
	struct sbx_serve_opts o;
	struct sbx_api_policy policy;
	char *rootfs;		 /* absolute */
	char **allow_rootfs;	 /* absolute */
	char *token;
	char *socket_path;	 /* ours to unlink */
	char *where;
	struct MHD_Daemon *daemon[2]; /* unix, tcp */
	int listen_fd[2];
	struct sbx_scratch scratch; /* requests' inline files and captures (runtime/workdir.h) */
	char *scratch_empty;	 /* an empty directory in it, for jobs that write nothing there */
	struct sbx_cgroup_root *cg_root;
	int stop_fd;		 /* eventfd: readable once running work must stop */
	atomic_bool draining;
	atomic_uint connections;
	atomic_ulong seq;	 /* request numbers (scratch directories) */

	pthread_mutex_t lock;
	pthread_cond_t cond; /* inflight or the queues changed */
	unsigned inflight;   /* requests being handled */
	unsigned live;	     /* sandboxes counted against max_sandboxes */
	bool stopping;	     /* the janitor and the spawner end */
	struct sbx_spent *spent;
	struct sbx_spawn_task *tasks;
	pthread_t janitor, spawner;
	bool janitor_started, spawner_started;

	struct sbx_metrics metrics;
	struct sbx_pool *pool;
	struct sbx_sessions *sessions;
};

/* One request (the connection's con_cls). */
struct sbx_req {
	struct sbx_server *s;
	struct MHD_Connection *conn;
	bool tcp;
	struct sbx_api_match m;
	const char *method;
	char *url;
	char *body;
	size_t len, cap;
	uint64_t max;	  /* body cap of this route */
	bool responded;	  /* a response is queued */
	bool counted;	  /* in s->inflight */
	unsigned status;
	uint64_t t0;
	char *scratch;	  /* this request's scratch directory, or NULL */
	struct sbx_batch_job_ctx *job; /* /v1/run: its spent sandbox goes to the janitor */
};

/* Responses (server.c). Each returns MHD_YES/MHD_NO for the access handler. */
enum MHD_Result sbx_srv_json(struct sbx_req *r, unsigned status, json_object *o);
enum MHD_Result sbx_srv_error(struct sbx_req *r, const struct sbx_api_error *e);
enum MHD_Result sbx_srv_text(struct sbx_req *r, unsigned status, const char *ctype, char *text);
enum MHD_Result sbx_srv_queue(struct sbx_req *r, unsigned status, struct MHD_Response *resp);
/* The client's socket: a waiting request polls it for a hang-up. */
int sbx_srv_conn_fd(struct sbx_req *r);
/* The request's own scratch directory (made on first use), or NULL with e set. */
const char *sbx_srv_scratch(struct sbx_req *r, struct sbx_api_error *e);
/* A fresh scratch directory for one more job of a request (batch workers). */
char *sbx_srv_scratch_dir(struct sbx_server *s, struct sbx_api_error *e);
void sbx_srv_scratch_remove(char *dir);

/* Sandboxes against max_sandboxes: takes n (all or nothing), or 0 when full. */
unsigned sbx_srv_take_slots(struct sbx_server *s, unsigned n);
void sbx_srv_put_slots(struct sbx_server *s, unsigned n);
/* Hands a finished sandbox (and its config, NULL: none) to the janitor. */
void sbx_srv_retire(struct sbx_server *s, struct sbx_sandbox *sb, struct sbx_config *cfg);
/* Runs fn(arg) on the spawner thread and waits for it. */
void sbx_srv_on_spawner(struct sbx_server *s, void (*fn)(void *arg), void *arg);
/* A new sandbox for cfg, lent the server's cgroup root (not started). */
int sbx_srv_sandbox_create(struct sbx_server *s, const struct sbx_config *cfg, struct sbx_sandbox **ret,
			   struct sbx_error *err);
/*
 * Supervises sb to its end: 0; -ECANCELED when the client at conn_fd (or -1)
 * hung up, stop_fd (or -1) became readable, or the server stops running
 * work (the sandbox is then killed).
 */
int sbx_srv_wait(struct sbx_server *s, struct sbx_sandbox *sb, int conn_fd, int stop_fd, struct sbx_error *err);
uint64_t sbx_srv_now_us(void);
/* pthread_cond_timedwait() for ms milliseconds from now. */
void sbx_srv_timedwait(pthread_cond_t *cond, pthread_mutex_t *lock, unsigned ms);

/* --- handlers ------------------------------------------------------------------- */

/* run.c */
enum MHD_Result sbx_srv_run(struct sbx_req *r);
enum MHD_Result sbx_srv_batch(struct sbx_req *r);

/* session.c */
int sbx_sessions_new(struct sbx_server *s, struct sbx_sessions **ret);
void sbx_sessions_free(struct sbx_sessions *ss);
/* Ends sessions past their idle or maximum lifetime (the janitor, about 4 times a second). */
void sbx_sessions_reap(struct sbx_sessions *ss);
unsigned sbx_sessions_count(struct sbx_sessions *ss);
enum MHD_Result sbx_srv_sandboxes(struct sbx_req *r);
enum MHD_Result sbx_srv_sandbox(struct sbx_req *r);
enum MHD_Result sbx_srv_exec(struct sbx_req *r);
enum MHD_Result sbx_srv_files(struct sbx_req *r);

/* --- the warm pool (pool.c) ------------------------------------------------------ */

/* Starts the refill thread for n sandboxes of the default shape (n > 0). */
int sbx_pool_new(struct sbx_server *s, unsigned n, struct sbx_pool **ret, struct sbx_error *err);
void sbx_pool_free(struct sbx_pool *p);
/* Whether every step of job fits the pool's shape (then its run steps may take a pooled sandbox). */
bool sbx_pool_fits(const struct sbx_pool *p, const struct sbx_job *job);
/*
 * A parked sandbox released with cfg's program, stdio, limits and files,
 * or NULL (none ready: start cold). Errors of the release itself (the
 * program cannot be executed) come back as *ret with r < 0 like a start's.
 */
int sbx_pool_take(struct sbx_pool *p, const struct sbx_config *cfg, struct sbx_sandbox **ret, struct sbx_error *err);
unsigned sbx_pool_ready(struct sbx_pool *p);
unsigned sbx_pool_target(const struct sbx_pool *p);

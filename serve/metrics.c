/* SPDX-License-Identifier: Apache-2.0 */
/* The service's counters, and GET /metrics in Prometheus' text exposition format (0.0.4). */
#include "serve/server-internal.h"
#include "core/util.h"
#include "runtime/sandbox.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned codes[SBX_METRIC_CODES] = {200, 201, 204, 400, 401, 403, 404, 405,
						 409, 413, 429, 431, 500, 503, 507, 0 /* other */};
/* upper bounds in seconds; the last is +Inf */
static const double buckets[SBX_METRIC_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
						   0.1,	   0.25,  0.5,	  1,	 2.5,	10,    0};

void sbx_metrics_init(struct sbx_metrics *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
}

void sbx_metrics_destroy(struct sbx_metrics *m)
{
	pthread_mutex_destroy(&m->lock);
}

void sbx_metrics_request(struct sbx_metrics *m, int route, unsigned status, uint64_t us)
{
	if (route < 0 || route >= SBX_METRIC_ROUTES)
		route = 0;
	size_t c = SBX_METRIC_CODES - 1;
	for (size_t i = 0; i < SBX_METRIC_CODES - 1; i++)
		if (codes[i] == status)
			c = i;
	double s = (double)us / 1e6;
	size_t b = SBX_METRIC_BUCKETS - 1;
	for (size_t i = 0; i < SBX_METRIC_BUCKETS - 1; i++) {
		if (s <= buckets[i]) {
			b = i;
			break;
		}
	}
	pthread_mutex_lock(&m->lock);
	m->requests[route][c]++;
	m->latency[route][b]++;
	m->latency_sum[route] += s;
	m->latency_count[route]++;
	pthread_mutex_unlock(&m->lock);
}

static void count_reason(struct sbx_metrics *m, json_object *rep)
{
	json_object *r = NULL;
	if (!json_object_object_get_ex(rep, "reason", &r) || !json_object_is_type(r, json_type_string))
		return;
	const char *name = json_object_get_string(r);
	for (int i = 0; i < SBX_BATCH_N_REASONS; i++) {
		if (strcmp(name, sbx_reason_name((enum sbx_reason)i)) == 0) {
			m->runs[i]++;
			if (i == SBX_REASON_INTERNAL)
				m->internal_errors++;
			return;
		}
	}
}

void sbx_metrics_result(struct sbx_metrics *m, json_object *result)
{
	pthread_mutex_lock(&m->lock);
	json_object *v = NULL;
	/* a job's result holds the run's report itself, or one per test, and maybe a compile step's */
	if (json_object_object_get_ex(result, "compile", &v) && v)
		count_reason(m, v);
	if (json_object_object_get_ex(result, "tests", &v) && json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			count_reason(m, json_object_array_get_idx(v, i));
	} else {
		count_reason(m, result);
	}
	pthread_mutex_unlock(&m->lock);
}

void sbx_metrics_pool(struct sbx_metrics *m, bool hit)
{
	pthread_mutex_lock(&m->lock);
	if (hit)
		m->pool_hits++;
	else
		m->pool_misses++;
	pthread_mutex_unlock(&m->lock);
}

struct out {
	char *buf;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		o->cap = o->cap * 2 + (size_t)(n > 0 ? n : 0) + 4096;
		o->buf = sbx_xrealloc(o->buf, o->cap);
	}
}

static void gauge(struct out *o, const char *name, const char *help, double v)
{
	put(o, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, v);
}

char *sbx_metrics_render(struct sbx_server *s)
{
	struct out o = {.cap = 8192};
	o.buf = sbx_xmalloc(o.cap);
	o.buf[0] = '\0';
	struct sbx_metrics m;
	pthread_mutex_lock(&s->metrics.lock);
	memcpy(&m, &s->metrics, sizeof(m));
	pthread_mutex_unlock(&s->metrics.lock);

	put(&o, "# HELP sbxctr_runs_total Programs run (runs, batch jobs' steps, session commands) by why they ended.\n"
		"# TYPE sbxctr_runs_total counter\n");
	for (int i = 0; i < SBX_BATCH_N_REASONS; i++)
		put(&o, "sbxctr_runs_total{reason=\"%s\"} %llu\n", sbx_reason_name((enum sbx_reason)i),
		    (unsigned long long)m.runs[i]);
	put(&o, "# HELP sbxctr_requests_total HTTP requests answered, by route and status.\n"
		"# TYPE sbxctr_requests_total counter\n");
	for (int r = 0; r < SBX_METRIC_ROUTES; r++) {
		for (int c = 0; c < SBX_METRIC_CODES; c++) {
			if (!m.requests[r][c])
				continue;
			char code[16];
			snprintf(code, sizeof(code), "%u", codes[c]);
			put(&o, "sbxctr_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
			    sbx_api_route_name((enum sbx_api_route)r), codes[c] ? code : "other",
			    (unsigned long long)m.requests[r][c]);
		}
	}
	put(&o, "# HELP sbxctr_request_duration_seconds Time from a request's headers to its completed answer.\n"
		"# TYPE sbxctr_request_duration_seconds histogram\n");
	for (int r = 0; r < SBX_METRIC_ROUTES; r++) {
		if (!m.latency_count[r])
			continue;
		const char *name = sbx_api_route_name((enum sbx_api_route)r);
		uint64_t cum = 0;
		for (int b = 0; b < SBX_METRIC_BUCKETS; b++) {
			cum += m.latency[r][b];
			if (b == SBX_METRIC_BUCKETS - 1)
				put(&o, "sbxctr_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", name,
				    (unsigned long long)cum);
			else
				put(&o, "sbxctr_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", name,
				    buckets[b], (unsigned long long)cum);
		}
		put(&o, "sbxctr_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name, m.latency_sum[r]);
		put(&o, "sbxctr_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
		    (unsigned long long)m.latency_count[r]);
	}
	put(&o, "# HELP sbxctr_pool_hits_total Runs served by a parked sandbox of the pool.\n"
		"# TYPE sbxctr_pool_hits_total counter\nsbxctr_pool_hits_total %llu\n",
	    (unsigned long long)m.pool_hits);
	put(&o, "# HELP sbxctr_pool_misses_total Runs that fit the pool but found it empty (started cold).\n"
		"# TYPE sbxctr_pool_misses_total counter\nsbxctr_pool_misses_total %llu\n",
	    (unsigned long long)m.pool_misses);
	gauge(&o, "sbxctr_pool_size", "Parked sandboxes ready in the pool.", s->pool ? sbx_pool_ready(s->pool) : 0);
	gauge(&o, "sbxctr_pool_target", "The pool's size (--pool).", s->pool ? sbx_pool_target(s->pool) : 0);
	pthread_mutex_lock(&s->lock);
	unsigned live = s->live;
	pthread_mutex_unlock(&s->lock);
	gauge(&o, "sbxctr_sandboxes_live", "Sandboxes running or kept (runs, batch jobs, sessions).", live);
	gauge(&o, "sbxctr_sessions_live", "Sessions.", sbx_sessions_count(s->sessions));
	gauge(&o, "sbxctr_connections", "Open client connections.", atomic_load(&s->connections));
	put(&o, "# HELP sbxctr_internal_errors_total 5xx answers and runs that ended for an internal reason.\n"
		"# TYPE sbxctr_internal_errors_total counter\nsbxctr_internal_errors_total %llu\n",
	    (unsigned long long)m.internal_errors);
	return o.buf;
}

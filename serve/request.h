/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service's requests, parsed (pure: buffers in, typed values out, no
 * system calls): JSON bodies with a depth cap, a /v1/run body (a batch job
 * line plus "capture"), the service's policy over a job (no host paths),
 * session and exec bodies, paths in a sandbox's workdir, routes, and the
 * error objects every failure answers with: {"error": ..., "field": ...}.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch/jobs.h"
#include "core/error.h"
#include "runtime/options.h"

/* An API error: its HTTP status, message and the JSON path of the field (or none). */
struct sbx_api_error {
	unsigned status;
	char field[256]; /* "" when no field is to blame */
	char msg[SBX_ERR_MSG_MAX];
};

/* Sets e and returns -1. */
int sbx_api_fail(struct sbx_api_error *e, unsigned status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * From a library error about document doc: the message without "doc: ",
 * and its JSON path (the text up to the next ": ", when it is one) as the
 * field: "request: time: expected ..." -> field "time".
 */
int sbx_api_from_error(struct sbx_api_error *e, unsigned status, const char *doc, const struct sbx_error *err);
/* {"error": msg, "field": field|null} as a JSON text (malloc'd). */
char *sbx_api_error_json(const struct sbx_api_error *e);

/* Parses a whole body as one JSON value, nested at most max_depth deep (400 otherwise). */
int sbx_api_parse_json(const char *buf, size_t len, unsigned max_depth, json_object **ret, struct sbx_api_error *e);

/* What the service allows beyond the defaults (serve's flags). */
struct sbx_api_policy {
	const char *rootfs;	    /* the default rootfs (absolute), or NULL */
	char *const *allow_rootfs;  /* other rootfs a request may name (absolute), NULL-terminated */
	bool allow_unconfined;	    /* "seccomp": "unconfined" */
	bool allow_net_host;	    /* "net": "host" */
};

/*
 * The service's rules over a set of options: nothing that names a host
 * path (bundle, stdin/stdout/stderr files, "host" files, copy_out, a
 * seccomp profile file), a rootfs only from the allowed list, no host
 * network or unconfined filter unless allowed. prefix names the step in
 * the field ("tests[2]."). 403 with the field on a violation.
 */
int sbx_api_check_options(const struct sbx_options *o, const char *prefix, const struct sbx_api_policy *p,
			  struct sbx_api_error *e);
/* The same over every step of a job. */
int sbx_api_check_job(const struct sbx_job *job, const struct sbx_api_policy *p, struct sbx_api_error *e);

/*
 * A /v1/run body: a job line's object plus "capture" (bool, removed before
 * the job is read). doc names the request in library errors.
 */
int sbx_api_parse_run(json_object *body, const char *doc, struct sbx_job **ret, bool *ret_capture,
		      struct sbx_api_error *e);

/* A session's settings: run options (limits, rootfs, seccomp, net, env, workdir size) and lifetimes. */
struct sbx_session_req {
	struct sbx_options opts;
	uint64_t idle_us; /* 0: the server's default */
	uint64_t max_us;
};
int sbx_api_parse_session(json_object *body, struct sbx_session_req *ret, struct sbx_api_error *e);
void sbx_session_req_clear(struct sbx_session_req *r);

/* One command in a session. */
struct sbx_exec_req {
	char **argv;
	char **env; /* "K=V", added to the session's */
	char *cwd;  /* NULL: the workdir */
	char *stdin_text;
	size_t stdin_len;
	uint64_t time_us, wall_us, output_limit; /* 0: none / the default */
	bool stderr_to_stdout;
	bool stream;
};
int sbx_api_parse_exec(json_object *body, struct sbx_exec_req *ret, struct sbx_api_error *e);
void sbx_exec_req_clear(struct sbx_exec_req *r);

/*
 * A path in a session's workdir as the URL gives it after /files/ (the HTTP
 * layer has percent-decoded it): relative (a leading "/" is dropped), no
 * empty, "." or ".." component, shorter than 4096 bytes. Returns it
 * (malloc'd) or NULL with e set (400).
 */
char *sbx_api_workdir_path(const char *path, struct sbx_api_error *e);

/* Routes. */
enum sbx_api_route {
	SBX_ROUTE_NONE,
	SBX_ROUTE_HEALTH,
	SBX_ROUTE_METRICS,
	SBX_ROUTE_RUN,
	SBX_ROUTE_BATCH,
	SBX_ROUTE_SANDBOXES,	 /* /v1/sandboxes */
	SBX_ROUTE_SANDBOX,	 /* /v1/sandboxes/{id} */
	SBX_ROUTE_SANDBOX_EXEC,	 /* /v1/sandboxes/{id}/exec */
	SBX_ROUTE_SANDBOX_FILES, /* /v1/sandboxes/{id}/files/{path} */
};
struct sbx_api_match {
	enum sbx_api_route route;
	char id[64];	      /* the session id, when the route has one */
	const char *rest;     /* files: what follows /files/ (into the url) */
};
/* Matches url; a known route with the wrong method is 405, an unknown one 404. */
int sbx_api_route(const char *method, const char *url, struct sbx_api_match *m, struct sbx_api_error *e);
/* The name metrics label a route with ("run", "sandbox_exec", ...). */
const char *sbx_api_route_name(enum sbx_api_route r);

/* Session ids: "s-" and 24 hex digits. */
bool sbx_api_session_id_ok(const char *id);

/*
 * A captured stream for a response: UTF-8 as it is, anything else base64.
 * Adds "data" and "encoding" to obj.
 */
void sbx_api_add_data(json_object *obj, const char *buf, size_t len);
bool sbx_utf8_valid(const char *s, size_t len);
char *sbx_base64(const unsigned char *buf, size_t len);

/* Constant-time comparison of a presented token with the expected one. */
bool sbx_api_token_equal(const char *given, size_t given_len, const char *expected, size_t expected_len);

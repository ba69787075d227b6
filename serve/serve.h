/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sbxctr serve`: the sandbox service. An HTTP/1.1 + JSON API
 * (libmicrohttpd) on a Unix socket, and optionally on TCP with a bearer
 * token: one-shot runs with the batch job schema (/v1/run), streamed
 * batches (/v1/batch), sessions that keep a workdir across commands
 * (/v1/sandboxes), a warm pool of parked sandboxes, each used once, health
 * and Prometheus metrics. The library part (this folder) never prints; the
 * CLI (cli/serve.c) parses flags, handles signals and calls these.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct sbx_serve_opts {
	const char *socket_path;    /* NULL: <state dir>/api.sock; "" : no Unix socket */
	const char *listen;	    /* "ADDR:PORT" for TCP, or NULL */
	const char *token;	    /* the bearer token TCP clients must present (required with listen) */
	unsigned pool;		    /* parked sandboxes of the default shape kept ready */
	unsigned max_sandboxes;	    /* sandboxes at once (runs, batch jobs, sessions) */
	unsigned max_connections;   /* connections at once; more get 503 */
	unsigned parallel;	    /* jobs of one /v1/batch at a time (0: the usable CPUs) */
	const char *rootfs;	    /* the default rootfs, or NULL */
	char *const *allow_rootfs;  /* more rootfs requests may name, NULL-terminated */
	bool allow_unconfined;	    /* "seccomp": "unconfined" */
	bool allow_net_host;	    /* "net": "host" */
	uint64_t max_body;	    /* bytes of a request body (run, batch, exec, sessions) */
	uint64_t max_file;	    /* bytes of one file PUT or GET */
	uint64_t capture_max;	    /* bytes of one captured stream returned */
	unsigned max_json_depth;
	unsigned max_header;	    /* bytes of all request headers */
	uint64_t session_idle_us;   /* default idle TTL of a session */
	uint64_t session_max_us;    /* default and greatest maximum lifetime */
	unsigned timeout_s;	    /* an idle connection is closed after this */
};

/* The defaults of every field above (and NULLs). */
void sbx_serve_opts_default(struct sbx_serve_opts *o);

struct sbx_server;

/*
 * Sets the process up (a private mount namespace for staged workdirs and
 * the scratch tmpfs, the cgroup root, sweeping what a killed server left),
 * fills the pool in the background and starts serving. Call before any
 * other thread exists, with SIGPIPE ignored and the signals the caller
 * waits for blocked (every thread inherits the mask).
 */
int sbx_server_start(const struct sbx_serve_opts *o, struct sbx_server **ret, struct sbx_error *err);
/* Where it listens, for messages: "unix:/run/sbxctr/api.sock tcp:127.0.0.1:8080". */
const char *sbx_server_where(const struct sbx_server *s);
/*
 * Stops accepting connections and new requests (503), lets what runs
 * finish for up to timeout_us, then kills whatever still runs. Returns the
 * number of requests that were cut.
 */
unsigned sbx_server_drain(struct sbx_server *s, uint64_t timeout_us);
/* Kills every sandbox (sessions, the pool), stops the threads, removes the socket. NULL is fine. */
void sbx_server_free(struct sbx_server *s);

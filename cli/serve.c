/* SPDX-License-Identifier: Apache-2.0 */
/* `sbxctr serve`: flags, signals (SIGTERM drains), messages; the service itself is serve/. */
#include "cli/serve.h"
#include "cli/verbs.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "serve/serve.h"

#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

static const char serve_usage[] =
	"Usage: sbxctr serve [OPTIONS]\n"
	"\n"
	"The sandbox service: an HTTP/JSON API (POST /v1/run, /v1/batch, /v1/sandboxes...,\n"
	"GET /v1/health, /metrics) on a Unix socket, and on TCP with a bearer token.\n"
	"\n"
	"  --socket PATH          Unix socket (default /run/sbxctr/api.sock, or STATE/api.sock;\n"
	"                         \"\" for none); mode 0660, group sbxctr when it exists\n"
	"  --listen ADDR:PORT     also listen on TCP (needs --token-file; put TLS in a reverse proxy)\n"
	"  --token-file FILE      the bearer token TCP clients must send\n"
	"  --rootfs DIR           the default rootfs (of jobs that name none, of the pool)\n"
	"  --allow-rootfs DIR     another rootfs requests may name (repeatable)\n"
	"  --pool N               keep N sandboxes of the default shape parked, ready (default 0)\n"
	"  --max-sandboxes N      sandboxes at once: runs, batch jobs, sessions (default 256)\n"
	"  --max-connections N    client connections at once; more get 503 (default 128)\n"
	"  --parallel N           jobs of one /v1/batch at a time (default: the usable CPUs)\n"
	"  --state-dir DIR        state directory (default /run/sbxctr)\n"
	"  --drain-timeout SEC    on SIGTERM, how long running work may finish (default 30)\n"
	"  --max-body SIZE        request body cap (default 32M)\n"
	"  --max-file SIZE        a session file's cap, up or down (default 64M)\n"
	"  --capture-max SIZE     captured output returned per stream (default 4M)\n"
	"  --max-header SIZE      all request headers together (default 16k)\n"
	"  --max-json-depth N     JSON nesting of a body (default 16)\n"
	"  --session-idle SEC     a session ends after this long without a request (default 300)\n"
	"  --session-max SEC      and after this long in any case (default 3600; the most a request may ask)\n"
	"  --timeout SEC          an idle connection is closed after this (default 300)\n"
	"  --allow-unconfined     let requests ask for \"seccomp\": \"unconfined\"\n"
	"  --allow-net-host       let requests ask for \"net\": \"host\"\n"
	"  --quiet                no messages but errors\n"
	"  -h, --help             this help\n"
	"\n"
	"SIGTERM, SIGINT and SIGHUP drain: no new connections or requests, running work\n"
	"finishes (up to --drain-timeout), then what still runs is killed and sbxctr exits 0.\n";

void sbx_serve_cli_free(struct sbx_serve_cli *c)
{
	free(c->socket);
	free(c->listen);
	free(c->token);
	free(c->rootfs);
	free(c->state_dir);
	sbx_strv_free(c->allow_rootfs);
	memset(c, 0, sizeof(*c));
}

enum {
	OPT_SOCKET = 256,
	OPT_LISTEN,
	OPT_TOKEN_FILE,
	OPT_ROOTFS,
	OPT_ALLOW_ROOTFS,
	OPT_POOL,
	OPT_MAX_SANDBOXES,
	OPT_MAX_CONNECTIONS,
	OPT_PARALLEL,
	OPT_STATE_DIR,
	OPT_DRAIN_TIMEOUT,
	OPT_MAX_BODY,
	OPT_MAX_FILE,
	OPT_CAPTURE_MAX,
	OPT_MAX_HEADER,
	OPT_MAX_JSON_DEPTH,
	OPT_SESSION_IDLE,
	OPT_SESSION_MAX,
	OPT_TIMEOUT,
	OPT_ALLOW_UNCONFINED,
	OPT_ALLOW_NET_HOST,
	OPT_QUIET,
};

static int count_arg(const char *flag, const char *v, uint64_t min, uint64_t max, unsigned *ret, struct sbx_error *err)
{
	uint64_t u;
	if (sbx_parse_u64(v, &u) < 0 || u < min || u > max)
		return sbx_err_set(err, EINVAL, "--%s: expected %llu to %llu, got \"%s\"", flag, (unsigned long long)min,
				   (unsigned long long)max, v);
	*ret = (unsigned)u;
	return 0;
}

static int size_arg(const char *flag, const char *v, uint64_t *ret, struct sbx_error *err)
{
	if (sbx_parse_size(v, ret) < 0 || *ret == 0)
		return sbx_err_set(err, EINVAL, "--%s: invalid size \"%s\" (e.g. 4096, 64k, 32M)", flag, v);
	return 0;
}

static int seconds_arg(const char *flag, const char *v, uint64_t *ret, struct sbx_error *err)
{
	if (sbx_parse_seconds_us(v, ret) < 0)
		return sbx_err_set(err, EINVAL, "--%s: expected a number of seconds, got \"%s\"", flag, v);
	return 0;
}

/* The token: the file's first line, without its end. */
static int read_token(const char *path, char **ret, struct sbx_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = sbx_read_all(path, 4096, &buf, &len);
	if (r < 0)
		return sbx_err_errno(err, r, "--token-file %s", path);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) < 16)
		return sbx_err_set(err, EINVAL, "--token-file %s: the token must have at least 16 characters", path);
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & 0077))
		sbx_warn("--token-file %s: readable by others than its owner (chmod 600 it)", path);
	*ret = TAKE_PTR(buf);
	return 0;
}

int sbx_cli_parse_serve(int argc, char **argv, struct sbx_serve_cli *c, struct sbx_error *err)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"allow-rootfs", required_argument, NULL, OPT_ALLOW_ROOTFS},
		{"pool", required_argument, NULL, OPT_POOL},
		{"max-sandboxes", required_argument, NULL, OPT_MAX_SANDBOXES},
		{"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
		{"parallel", required_argument, NULL, OPT_PARALLEL},
		{"state-dir", required_argument, NULL, OPT_STATE_DIR},
		{"drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT},
		{"max-body", required_argument, NULL, OPT_MAX_BODY},
		{"max-file", required_argument, NULL, OPT_MAX_FILE},
		{"capture-max", required_argument, NULL, OPT_CAPTURE_MAX},
		{"max-header", required_argument, NULL, OPT_MAX_HEADER},
		{"max-json-depth", required_argument, NULL, OPT_MAX_JSON_DEPTH},
		{"session-idle", required_argument, NULL, OPT_SESSION_IDLE},
		{"session-max", required_argument, NULL, OPT_SESSION_MAX},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"allow-unconfined", no_argument, NULL, OPT_ALLOW_UNCONFINED},
		{"allow-net-host", no_argument, NULL, OPT_ALLOW_NET_HOST},
		{"quiet", no_argument, NULL, OPT_QUIET},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(c, 0, sizeof(*c));
	sbx_serve_opts_default(&c->o);
	c->drain_us = 30ULL * 1000000;
	optind = 0;
	opterr = 0;
	int ch, r = 0;
	uint64_t u;
	const char *token_file = NULL;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		const char *flag = optind > 0 && optind <= argc ? argv[optind - 1] + 2 : "";
		switch (ch) {
		case OPT_SOCKET:
			free(c->socket);
			c->socket = sbx_xstrdup(optarg);
			break;
		case OPT_LISTEN:
			free(c->listen);
			c->listen = sbx_xstrdup(optarg);
			break;
		case OPT_TOKEN_FILE:
			token_file = optarg;
			break;
		case OPT_ROOTFS:
			free(c->rootfs);
			c->rootfs = sbx_xstrdup(optarg);
			break;
		case OPT_ALLOW_ROOTFS:
			sbx_strv_push(&c->allow_rootfs, optarg);
			break;
		case OPT_POOL:
			r = count_arg("pool", optarg, 0, 1024, &c->o.pool, err);
			break;
		case OPT_MAX_SANDBOXES:
			r = count_arg("max-sandboxes", optarg, 1, 8192, &c->o.max_sandboxes, err);
			break;
		case OPT_MAX_CONNECTIONS:
			r = count_arg("max-connections", optarg, 1, 65536, &c->o.max_connections, err);
			break;
		case OPT_PARALLEL:
			r = count_arg("parallel", optarg, 1, 1024, &c->o.parallel, err);
			break;
		case OPT_STATE_DIR:
			free(c->state_dir);
			c->state_dir = sbx_xstrdup(optarg);
			break;
		case OPT_DRAIN_TIMEOUT:
			r = seconds_arg("drain-timeout", optarg, &c->drain_us, err);
			break;
		case OPT_MAX_BODY:
			r = size_arg("max-body", optarg, &c->o.max_body, err);
			break;
		case OPT_MAX_FILE:
			r = size_arg("max-file", optarg, &c->o.max_file, err);
			break;
		case OPT_CAPTURE_MAX:
			r = size_arg("capture-max", optarg, &c->o.capture_max, err);
			break;
		case OPT_MAX_HEADER:
			if ((r = size_arg("max-header", optarg, &u, err)) == 0 && (u < 256 || u > (1 << 20)))
				r = sbx_err_set(err, EINVAL, "--max-header: expected 256 to 1M, got \"%s\"", optarg);
			c->o.max_header = (unsigned)u;
			break;
		case OPT_MAX_JSON_DEPTH:
			r = count_arg("max-json-depth", optarg, 4, 1000, &c->o.max_json_depth, err);
			break;
		case OPT_SESSION_IDLE:
			if ((r = seconds_arg("session-idle", optarg, &c->o.session_idle_us, err)) == 0 && !c->o.session_idle_us)
				r = sbx_err_set(err, EINVAL, "--session-idle: must be above 0");
			break;
		case OPT_SESSION_MAX:
			if ((r = seconds_arg("session-max", optarg, &c->o.session_max_us, err)) == 0 && !c->o.session_max_us)
				r = sbx_err_set(err, EINVAL, "--session-max: must be above 0");
			break;
		case OPT_TIMEOUT:
			r = count_arg("timeout", optarg, 1, 86400, &c->o.timeout_s, err);
			break;
		case OPT_ALLOW_UNCONFINED:
			c->o.allow_unconfined = true;
			break;
		case OPT_ALLOW_NET_HOST:
			c->o.allow_net_host = true;
			break;
		case OPT_QUIET:
			c->quiet = true;
			break;
		case 'h':
			c->help = true;
			return 0;
		case ':':
			return sbx_err_set(err, EINVAL, "%s: missing value", argv[optind - 1]);
		case '?':
		default:
			return sbx_err_set(err, EINVAL, "unknown option \"%s\" (see sbxctr serve --help)", argv[optind - 1]);
		}
		(void)flag;
		if (r < 0)
			return r;
	}
	if (optind < argc)
		return sbx_err_set(err, EINVAL, "unexpected argument \"%s\"", argv[optind]);
	if (c->listen && !token_file)
		return sbx_err_set(err, EINVAL, "--listen needs --token-file: TCP clients must present a bearer token");
	if (token_file && (r = read_token(token_file, &c->token, err)) < 0)
		return r;
	c->o.socket_path = c->socket;
	c->o.listen = c->listen;
	c->o.token = c->token;
	c->o.rootfs = c->rootfs;
	c->o.allow_rootfs = c->allow_rootfs;
	return 0;
}

static void quiet_sink(int level, const char *msg, void *userdata)
{
	if (level <= SBX_LOG_ERROR)
		fprintf(stderr, "sbxctr: %s\n", msg);
}

int sbx_cmd_serve(int argc, char **argv)
{
	struct sbx_error err = {0};
	struct sbx_serve_cli c;
	if (sbx_cli_parse_serve(argc, argv, &c, &err) < 0) {
		sbx_log(SBX_LOG_ERROR, "serve: %s", err.msg);
		sbx_serve_cli_free(&c);
		return SBX_EXIT_FAILURE;
	}
	if (c.help) {
		fputs(serve_usage, stdout);
		sbx_serve_cli_free(&c);
		return 0;
	}
	if (c.quiet)
		sbx_log_set_sink(quiet_sink, NULL);
	if (c.state_dir) {
		if (mkdir(c.state_dir, 0711) < 0 && errno != EEXIST) {
			sbx_log(SBX_LOG_ERROR, "serve: --state-dir %s: %s", c.state_dir, strerror(errno));
			sbx_serve_cli_free(&c);
			return SBX_EXIT_FAILURE;
		}
		_cleanup_free_ char *abs = realpath(c.state_dir, NULL);
		if (!abs) {
			sbx_log(SBX_LOG_ERROR, "serve: --state-dir %s: %s", c.state_dir, strerror(errno));
			sbx_serve_cli_free(&c);
			return SBX_EXIT_FAILURE;
		}
		setenv("SBXCTR_STATE_DIR", abs, 1);
	}
	/*
	 * A thread per connection would otherwise get malloc arenas of its own
	 * (up to 8 per CPU), each keeping what it once touched: two keep the
	 * server's memory small and flat.
	 */
	mallopt(M_ARENA_MAX, 2);
	/* before any thread: every thread inherits the mask, only our signalfd takes these */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	struct sbx_server *s = NULL;
	if (sfd < 0 || sbx_server_start(&c.o, &s, &err) < 0) {
		if (sfd < 0)
			sbx_err_sys(&err, "signalfd");
		sbx_log(SBX_LOG_ERROR, "serve: %s", err.msg);
		sbx_server_free(s);
		sbx_serve_cli_free(&c);
		return SBX_EXIT_FAILURE;
	}
	if (!c.quiet)
		fprintf(stderr, "sbxctr serve: listening on %s (pool %u, up to %u sandboxes)\n", sbx_server_where(s),
			c.o.pool, c.o.max_sandboxes);
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		;
	if (!c.quiet)
		fprintf(stderr, "sbxctr serve: %s: draining (up to %.1f s)\n", strsignal((int)si.ssi_signo),
			(double)c.drain_us / 1e6);
	unsigned cut = sbx_server_drain(s, c.drain_us);
	sbx_server_free(s);
	if (!c.quiet)
		fprintf(stderr, "sbxctr serve: stopped%s\n", cut ? " (running requests were cut)" : "");
	close(sfd);
	sbx_serve_cli_free(&c);
	return 0;
}

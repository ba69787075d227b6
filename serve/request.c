/* SPDX-License-Identifier: Apache-2.0 */
/* The service's requests, parsed and checked (pure). */
#include "serve/request.h"
#include "core/cleanup.h"
#include "core/jsonutil.h"
#include "core/util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 4096

/* --- errors ----------------------------------------------------------------- */

int sbx_api_fail(struct sbx_api_error *e, unsigned status, const char *field, const char *fmt, ...)
{
	e->status = status;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Whether s looks like a JSON path the option parsers write: keys, [n], dots. */
static bool looks_like_path(const char *s, size_t n)
{
	if (n == 0 || n >= 256)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ' ' || c == '"' || (unsigned char)c < 0x20)
			return false;
	}
	return true;
}

int sbx_api_from_error(struct sbx_api_error *e, unsigned status, const char *doc, const struct sbx_error *err)
{
	const char *m = err->msg;
	size_t dl = strlen(doc);
	e->status = status;
	e->field[0] = '\0';
	if (strncmp(m, doc, dl) == 0 && m[dl] == ':' && m[dl + 1] == ' ') {
		m += dl + 2;
		const char *sep = strstr(m, ": ");
		if (sep && looks_like_path(m, (size_t)(sep - m)))
			snprintf(e->field, sizeof(e->field), "%.*s", (int)(sep - m), m);
	}
	snprintf(e->msg, sizeof(e->msg), "%s", m);
	return -1;
}

char *sbx_api_error_json(const struct sbx_api_error *e)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(e->msg));
	json_object_object_add(o, "field", e->field[0] ? json_object_new_string(e->field) : NULL);
	char *s = sbx_xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
									     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

/* --- JSON ----------------------------------------------------------------------- */

int sbx_api_parse_json(const char *buf, size_t len, unsigned max_depth, json_object **ret, struct sbx_api_error *e)
{
	if (len > INT32_MAX)
		return sbx_api_fail(e, 413, NULL, "request body too large");
	json_tokener *tok = json_tokener_new_ex((int)max_depth);
	if (!tok)
		return sbx_api_fail(e, 500, NULL, "out of memory");
	json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t off = json_tokener_get_parse_end(tok);
	if (o && je == json_tokener_success) {
		/* nothing but white space may follow the value */
		while (off < len && strchr(" \t\r\n", buf[off]) && buf[off])
			off++;
		if (off < len) {
			json_object_put(o);
			json_tokener_free(tok);
			return sbx_api_fail(e, 400, NULL, "invalid JSON: trailing data at offset %zu", off);
		}
		json_tokener_free(tok);
		*ret = o;
		return 0;
	}
	json_object_put(o);
	json_tokener_free(tok);
	if (je == json_tokener_error_depth)
		return sbx_api_fail(e, 400, NULL, "JSON nested deeper than %u levels", max_depth);
	if (je == json_tokener_continue || je == json_tokener_success)
		return sbx_api_fail(e, 400, NULL, "invalid JSON: the body ends inside a value");
	return sbx_api_fail(e, 400, NULL, "invalid JSON at offset %zu: %s", off, json_tokener_error_desc(je));
}

/* --- policy --------------------------------------------------------------------- */

static int forbid(struct sbx_api_error *e, const char *prefix, const char *field, const char *why)
{
	char f[256];
	snprintf(f, sizeof(f), "%s%s", prefix, field);
	return sbx_api_fail(e, 403, f, "%s: %s", f, why);
}

static bool rootfs_allowed(const char *r, const struct sbx_api_policy *p)
{
	if (p->rootfs && strcmp(r, p->rootfs) == 0)
		return true;
	for (size_t i = 0; p->allow_rootfs && p->allow_rootfs[i]; i++)
		if (strcmp(r, p->allow_rootfs[i]) == 0)
			return true;
	return false;
}

int sbx_api_check_options(const struct sbx_options *o, const char *prefix, const struct sbx_api_policy *p,
			  struct sbx_api_error *e)
{
	static const char host_path[] = "names a file on the service's host; send the contents instead "
					 "(\"stdin_text\", \"files\": {\"name\": {\"text\": ...}}, \"capture\")";
	if (o->set[SBX_OPT_BUNDLE])
		return forbid(e, prefix, "bundle", "bundles are not served; give \"rootfs\" (one the service allows)");
	if (o->set[SBX_OPT_ROOTFS] && !rootfs_allowed(o->rootfs, p))
		return forbid(e, prefix, "rootfs", "not a rootfs this service allows (serve --rootfs/--allow-rootfs)");
	if (o->set[SBX_OPT_STDIN])
		return forbid(e, prefix, "stdin", host_path);
	if (o->set[SBX_OPT_STDOUT])
		return forbid(e, prefix, "stdout", host_path);
	if (o->set[SBX_OPT_STDERR])
		return forbid(e, prefix, "stderr", host_path);
	if (o->set[SBX_OPT_COPY_OUT])
		return forbid(e, prefix, "copy_out", "copies to the service's host; read files from a session instead");
	for (size_t i = 0; i < o->n_files; i++) {
		if (o->files[i].text)
			continue;
		char f[300];
		snprintf(f, sizeof(f), "files.%s", o->files[i].sandbox);
		return forbid(e, prefix, f, host_path);
	}
	if (o->set[SBX_OPT_SECCOMP]) {
		const char *s = o->seccomp;
		bool ok = !strcmp(s, "default") || !strcmp(s, "compute-only") ||
			  (!strcmp(s, "unconfined") && p->allow_unconfined);
		if (!ok)
			return forbid(e, prefix, "seccomp",
				      !strcmp(s, "unconfined") ? "unconfined is not allowed by this service"
								: "only the shipped profiles (default, compute-only)");
	}
	if (o->set[SBX_OPT_NET] && !strcmp(o->net.mode, "host") && !p->allow_net_host)
		return forbid(e, prefix, "net", "the host's network is not allowed by this service");
	if (o->set[SBX_OPT_CGROUP_PARENT])
		return forbid(e, prefix, "cgroup_parent", "the service chooses the cgroups");
	return 0;
}

int sbx_api_check_job(const struct sbx_job *job, const struct sbx_api_policy *p, struct sbx_api_error *e)
{
	if (sbx_api_check_options(&job->run, "", p, e) < 0)
		return -1;
	if (!job->run.set[SBX_OPT_ROOTFS] && !p->rootfs)
		return sbx_api_fail(e, 400, "rootfs", "rootfs: missing (this service has no default rootfs)");
	if (job->compile && sbx_api_check_options(job->compile, "compile.", p, e) < 0)
		return -1;
	for (size_t i = 0; i < job->n_tests; i++) {
		char pre[48];
		snprintf(pre, sizeof(pre), "tests[%zu].", i);
		if (sbx_api_check_options(&job->tests[i].step, pre, p, e) < 0)
			return -1;
	}
	return 0;
}

int sbx_api_parse_run(json_object *body, const char *doc, struct sbx_job **ret, bool *ret_capture,
		      struct sbx_api_error *e)
{
	if (!json_object_is_type(body, json_type_object))
		return sbx_api_fail(e, 400, NULL, "the body must be a JSON object (a batch job line)");
	*ret_capture = false;
	json_object *cap = NULL;
	if (json_object_object_get_ex(body, "capture", &cap)) {
		if (!json_object_is_type(cap, json_type_boolean))
			return sbx_api_fail(e, 400, "capture", "capture: expected true or false");
		*ret_capture = json_object_get_boolean(cap);
		json_object_object_del(body, "capture");
	}
	struct sbx_error err = {0};
	if (sbx_job_from_json(body, doc, ret, &err) < 0)
		return sbx_api_from_error(e, 400, doc, &err);
	return 0;
}

/* --- sessions and execs ------------------------------------------------------------ */

/* The run options a session may set: its envelope, never a program or a host path. */
static bool session_field(enum sbx_opt_id id)
{
	switch (id) {
	case SBX_OPT_ROOTFS:
	case SBX_OPT_WORKDIR:
	case SBX_OPT_WORKDIR_SIZE:
	case SBX_OPT_ENV:
	case SBX_OPT_SECCOMP:
	case SBX_OPT_FSIZE:
	case SBX_OPT_NOFILE:
	case SBX_OPT_STACK:
	case SBX_OPT_MEMORY:
	case SBX_OPT_MEMORY_SWAP:
	case SBX_OPT_MEMORY_HIGH:
	case SBX_OPT_CPUS:
	case SBX_OPT_CPU_WEIGHT:
	case SBX_OPT_CPUSET:
	case SBX_OPT_PIDS:
	case SBX_OPT_CGROUPS:
	case SBX_OPT_FILES:
	case SBX_OPT_NET:
		return true;
	default:
		return false;
	}
}

static int seconds_field(json_object *v, const char *key, uint64_t *ret, struct sbx_api_error *e)
{
	char buf[64];
	const char *s = NULL;
	if (json_object_is_type(v, json_type_string))
		s = json_object_get_string(v);
	else if (json_object_is_type(v, json_type_int))
		snprintf(buf, sizeof(buf), "%" PRId64, json_object_get_int64(v)), s = buf;
	else if (json_object_is_type(v, json_type_double))
		snprintf(buf, sizeof(buf), "%.6f", json_object_get_double(v)), s = buf;
	uint64_t u;
	if (!s || sbx_parse_seconds_us(s, &u) < 0 || u == 0)
		return sbx_api_fail(e, 400, key, "%s: expected a number of seconds", key);
	*ret = u;
	return 0;
}

int sbx_api_parse_session(json_object *body, struct sbx_session_req *r, struct sbx_api_error *e)
{
	memset(r, 0, sizeof(*r));
	sbx_options_init(&r->opts);
	if (!body)
		return 0; /* an empty body: every default */
	if (!json_object_is_type(body, json_type_object))
		return sbx_api_fail(e, 400, NULL, "the body must be a JSON object");
	struct sbx_jloc loc = {.doc = "request"};
	json_object_object_foreach(body, k, v)
	{
		if (!strcmp(k, "idle_ttl")) {
			if (seconds_field(v, k, &r->idle_us, e) < 0)
				return -1;
			continue;
		}
		if (!strcmp(k, "max_lifetime")) {
			if (seconds_field(v, k, &r->max_us, e) < 0)
				return -1;
			continue;
		}
		const struct sbx_option_def *d = sbx_option_by_field(k);
		if (!d || !session_field(d->id))
			return sbx_api_fail(e, 400, k, "%s: unknown field (a session takes rootfs, limits, seccomp, net, "
					    "env, files, workdir_size, idle_ttl, max_lifetime)", k);
		struct sbx_jloc kl = sbx_jloc_key(&loc, k);
		struct sbx_error err = {0};
		if (sbx_options_set_json(&r->opts, d, v, &kl, &err) < 0)
			return sbx_api_from_error(e, 400, "request", &err);
	}
	return 0;
}

void sbx_session_req_clear(struct sbx_session_req *r)
{
	sbx_options_clear(&r->opts);
}

void sbx_exec_req_clear(struct sbx_exec_req *r)
{
	sbx_strv_free(r->argv);
	sbx_strv_free(r->env);
	free(r->cwd);
	free(r->stdin_text);
	memset(r, 0, sizeof(*r));
}

int sbx_api_parse_exec(json_object *body, struct sbx_exec_req *r, struct sbx_api_error *e)
{
	memset(r, 0, sizeof(*r));
	if (!body || !json_object_is_type(body, json_type_object))
		return sbx_api_fail(e, 400, NULL, "the body must be a JSON object with \"argv\"");
	/* argv, env, stdin_text and the limits are read as job lines read them */
	struct sbx_options o;
	sbx_options_init(&o);
	struct sbx_jloc loc = {.doc = "request"};
	int ret = -1;
	json_object_object_foreach(body, k, v)
	{
		struct sbx_jloc kl = sbx_jloc_key(&loc, k);
		struct sbx_error err = {0};
		if (!strcmp(k, "stream")) {
			if (!json_object_is_type(v, json_type_boolean)) {
				sbx_api_fail(e, 400, k, "stream: expected true or false");
				goto out;
			}
			r->stream = json_object_get_boolean(v);
			continue;
		}
		if (!strcmp(k, "cwd")) {
			const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
			if (!s || s[0] != '/' || strlen(s) >= PATH_MAX_LEN || strlen(s) != (size_t)json_object_get_string_len(v)) {
				sbx_api_fail(e, 400, k, "cwd: expected an absolute path");
				goto out;
			}
			free(r->cwd);
			r->cwd = sbx_xstrdup(s);
			continue;
		}
		const struct sbx_option_def *d = sbx_option_by_field(k);
		bool ok = d && (d->id == SBX_OPT_ARGV || d->id == SBX_OPT_ENV || d->id == SBX_OPT_STDIN_TEXT ||
				d->id == SBX_OPT_TIME || d->id == SBX_OPT_WALL_TIME || d->id == SBX_OPT_OUTPUT_LIMIT ||
				d->id == SBX_OPT_STDERR_TO_STDOUT);
		if (!ok) {
			sbx_api_fail(e, 400, k, "%s: unknown field (an exec takes argv, env, cwd, stdin_text, time, "
				     "wall_time, output_limit, stderr_to_stdout, stream)", k);
			goto out;
		}
		if (sbx_options_set_json(&o, d, v, &kl, &err) < 0) {
			sbx_api_from_error(e, 400, "request", &err);
			goto out;
		}
	}
	if (!o.set[SBX_OPT_ARGV]) {
		sbx_api_fail(e, 400, "argv", "argv: missing (the command to run)");
		goto out;
	}
	r->argv = TAKE_PTR(o.argv);
	r->env = TAKE_PTR(o.env);
	if (o.set[SBX_OPT_STDIN_TEXT]) {
		r->stdin_text = TAKE_PTR(o.stdin_text);
		r->stdin_len = o.stdin_text_len;
	}
	r->time_us = o.time_us;
	r->wall_us = o.wall_time_us;
	r->output_limit = o.set[SBX_OPT_OUTPUT_LIMIT] ? o.output_limit : 0;
	r->stderr_to_stdout = o.stderr_to_stdout;
	ret = 0;
out:
	sbx_options_clear(&o);
	if (ret < 0)
		sbx_exec_req_clear(r);
	return ret;
}

/* --- paths and routes ------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *sbx_api_workdir_path(const char *path, struct sbx_api_error *e)
{
	size_t n = strlen(path);
	if (n == 0 || n >= PATH_MAX_LEN) {
		sbx_api_fail(e, 400, "path", "path: expected a file in the workdir (1 to %d bytes)", PATH_MAX_LEN - 1);
		return NULL;
	}
	/* components: no empty, ".", ".." (nothing outside the workdir, one spelling per file) */
	const char *p = path;
	if (*p == '/')
		p++;
	for (const char *c = p;;) {
		const char *s = strchr(c, '/');
		size_t cl = s ? (size_t)(s - c) : strlen(c);
		if (cl == 0 || (cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.')) {
			sbx_api_fail(e, 400, "path", "path: \"%s\": every component must be a name (no empty, \".\" "
				     "or \"..\")", path);
			return NULL;
		}
		if (!s)
			break;
		c = s + 1;
	}
	return sbx_xstrdup(p);
}

bool sbx_api_session_id_ok(const char *id)
{
	if (strncmp(id, "s-", 2) != 0 || strlen(id) != 26)
		return false;
	for (const char *c = id + 2; *c; c++)
		if (hexval(*c) < 0)
			return false;
	return true;
}

static const char *const route_names[] = {
	[SBX_ROUTE_NONE] = "other",	    [SBX_ROUTE_HEALTH] = "health",
	[SBX_ROUTE_METRICS] = "metrics",    [SBX_ROUTE_RUN] = "run",
	[SBX_ROUTE_BATCH] = "batch",	    [SBX_ROUTE_SANDBOXES] = "sandboxes",
	[SBX_ROUTE_SANDBOX] = "sandbox",    [SBX_ROUTE_SANDBOX_EXEC] = "sandbox_exec",
	[SBX_ROUTE_SANDBOX_FILES] = "sandbox_files",
};

const char *sbx_api_route_name(enum sbx_api_route r)
{
	return (unsigned)r < SBX_ARRAY_SIZE(route_names) ? route_names[r] : "other";
}

static int method_is(const char *method, const char *allowed, struct sbx_api_error *e)
{
	/* allowed: "GET" or "GET,DELETE": a comma-separated list */
	size_t ml = strlen(method);
	for (const char *a = allowed; *a;) {
		const char *c = strchr(a, ',');
		size_t l = c ? (size_t)(c - a) : strlen(a);
		if (l == ml && strncmp(a, method, l) == 0)
			return 0;
		if (!c)
			break;
		a = c + 1;
	}
	return sbx_api_fail(e, 405, NULL, "method %s not allowed here (allowed: %s)", method, allowed);
}

int sbx_api_route(const char *method, const char *url, struct sbx_api_match *m, struct sbx_api_error *e)
{
	memset(m, 0, sizeof(*m));
	if (!strcmp(url, "/v1/health")) {
		m->route = SBX_ROUTE_HEALTH;
		return method_is(method, "GET", e);
	}
	if (!strcmp(url, "/metrics")) {
		m->route = SBX_ROUTE_METRICS;
		return method_is(method, "GET", e);
	}
	if (!strcmp(url, "/v1/run")) {
		m->route = SBX_ROUTE_RUN;
		return method_is(method, "POST", e);
	}
	if (!strcmp(url, "/v1/batch")) {
		m->route = SBX_ROUTE_BATCH;
		return method_is(method, "POST", e);
	}
	if (!strcmp(url, "/v1/sandboxes")) {
		m->route = SBX_ROUTE_SANDBOXES;
		return method_is(method, "GET,POST", e);
	}
	static const char pre[] = "/v1/sandboxes/";
	if (strncmp(url, pre, sizeof(pre) - 1) == 0) {
		const char *id = url + sizeof(pre) - 1;
		const char *slash = strchr(id, '/');
		m->route = SBX_ROUTE_SANDBOX;
		size_t il = slash ? (size_t)(slash - id) : strlen(id);
		if (il == 0 || il >= sizeof(m->id))
			return sbx_api_fail(e, 404, "id", "no such sandbox");
		memcpy(m->id, id, il);
		m->id[il] = '\0';
		if (!sbx_api_session_id_ok(m->id))
			return sbx_api_fail(e, 404, "id", "no such sandbox \"%s\"", m->id);
		if (!slash) {
			m->route = SBX_ROUTE_SANDBOX;
			return method_is(method, "GET,DELETE", e);
		}
		if (!strcmp(slash, "/exec")) {
			m->route = SBX_ROUTE_SANDBOX_EXEC;
			return method_is(method, "POST", e);
		}
		if (!strncmp(slash, "/files/", 7)) {
			m->route = SBX_ROUTE_SANDBOX_FILES;
			m->rest = slash + 7;
			return method_is(method, "GET,PUT,DELETE", e);
		}
	}
	return sbx_api_fail(e, 404, NULL, "no such endpoint: %s %s", method, url);
}

/* --- output and tokens -------------------------------------------------------------- */

bool sbx_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			/* JSON carries NUL escaped, but a text with NULs is not what a caller expects as text */
			if (c == 0)
				return false;
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 2, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4, cp = c & 0x07;
		} else {
			return false;
		}
		if (i + n > len)
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* overlong forms, surrogates, beyond Unicode */
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

char *sbx_base64(const unsigned char *buf, size_t len)
{
	static const char tab[65] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = sbx_xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i = 0;
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)buf[i] << 16 | (uint32_t)buf[i + 1] << 8 | buf[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)buf[i] << 16 | (i + 1 < len ? (uint32_t)buf[i + 1] << 8 : 0);
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		if (i + 1 < len)
			*o++ = tab[(v >> 6) & 63];
		else
			*o++ = '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

void sbx_api_add_data(json_object *obj, const char *buf, size_t len)
{
	if (sbx_utf8_valid(buf, len)) {
		json_object_object_add(obj, "data", json_object_new_string_len(buf, (int)len));
		json_object_object_add(obj, "encoding", json_object_new_string("utf-8"));
		return;
	}
	char *b = sbx_base64((const unsigned char *)buf, len);
	json_object_object_add(obj, "data", json_object_new_string(b));
	json_object_object_add(obj, "encoding", json_object_new_string("base64"));
	free(b);
}

bool sbx_api_token_equal(const char *given, size_t given_len, const char *expected, size_t expected_len)
{
	/*
	 * Every byte of the expected token is looked at whatever the input,
	 * and the length difference is folded in: the time taken says nothing
	 * about how much of a guess was right.
	 */
	volatile unsigned char diff = (unsigned char)(given_len != expected_len);
	for (size_t i = 0; i < expected_len; i++) {
		unsigned char g = i < given_len ? (unsigned char)given[i] : 0;
		diff |= (unsigned char)(g ^ (unsigned char)expected[i]);
	}
	return diff == 0 && expected_len > 0;
}

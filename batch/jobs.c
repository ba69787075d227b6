/* SPDX-License-Identifier: Apache-2.0 */
/* Batch job lines -> typed jobs (pure), and job steps -> sandbox configs. */
#include "batch/jobs.h"
#include "cgroups/limits.h"
#include "core/cleanup.h"
#include "core/jsonutil.h"
#include "core/util.h"
#include "runtime/workdir.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#define TESTS_MAX 10000
#define CPUS_MAX_PPM (1024ULL * 1000000)
/* cgroup v2 cpu.max period; the quota scales with it */
#define CPU_PERIOD_US 100000

static void step_free(struct sbx_job_step *s)
{
	sbx_strv_free(s->argv);
	sbx_strv_free(s->env);
	free(s->stdin_path);
	free(s->stdin_text);
	free(s->stdout_path);
	free(s->stderr_path);
	for (size_t i = 0; i < s->n_files; i++) {
		free(s->files[i].sandbox);
		free(s->files[i].host);
		free(s->files[i].text);
	}
	free(s->files);
	for (size_t i = 0; i < s->n_copy_out; i++) {
		free(s->copy_out[i].sandbox);
		free(s->copy_out[i].host);
	}
	free(s->copy_out);
	free(s->seccomp);
	free(s->net);
	memset(s, 0, sizeof(*s));
}

void sbx_job_free(struct sbx_job *job)
{
	if (!job)
		return;
	free(job->id);
	free(job->bundle);
	free(job->rootfs);
	free(job->workdir);
	step_free(&job->run);
	if (job->compile)
		step_free(job->compile);
	free(job->compile);
	sbx_strv_free(job->artifacts);
	for (size_t i = 0; i < job->n_tests; i++) {
		free(job->tests[i].id);
		step_free(&job->tests[i].step);
	}
	free(job->tests);
	free(job);
}

bool sbx_job_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > SBX_JOB_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
			return false;
	return true;
}

/* --- typed values --------------------------------------------------------- */

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = sbx_xstrdup(v);
}

static int get_nonempty_str(json_object *o, const struct sbx_jloc *loc, const char **ret, struct sbx_error *err)
{
	int r = sbx_json_str(o, loc, ret, err);
	if (r < 0)
		return r;
	if (!**ret)
		return sbx_json_type_error(loc, o, "a non-empty string", err);
	return 0;
}

/*
 * A JSON number as decimal text, so that the project's own parsers (exact,
 * no binary floating point) read it: 1.5 -> "1.500000".
 */
static bool number_text(json_object *o, char *buf, size_t size)
{
	if (json_object_is_type(o, json_type_int)) {
		snprintf(buf, size, "%" PRId64, json_object_get_int64(o));
		return true;
	}
	if (json_object_is_type(o, json_type_double)) {
		snprintf(buf, size, "%.6f", json_object_get_double(o));
		return true;
	}
	return false;
}

/* Seconds: 1.5, or a duration string as the CLI takes it ("300ms"); > 0. */
static int get_seconds(json_object *o, const struct sbx_jloc *loc, uint64_t *ret, struct sbx_error *err)
{
	char buf[400];
	const char *s = buf;
	if (json_object_is_type(o, json_type_string))
		s = json_object_get_string(o);
	else if (!number_text(o, buf, sizeof(buf)))
		s = NULL;
	if (!s || sbx_parse_seconds_us(s, ret) < 0 || *ret == 0)
		return sbx_json_type_error(loc, o, "a number of seconds", err);
	return 0;
}

/* Bytes: 1048576, or a size string as the CLI takes it ("1M"). */
static int get_size(json_object *o, const struct sbx_jloc *loc, uint64_t *ret, struct sbx_error *err)
{
	if (json_object_is_type(o, json_type_int) && json_object_get_int64(o) >= 0) {
		*ret = json_object_get_uint64(o);
		return 0;
	}
	if (json_object_is_type(o, json_type_string) && sbx_parse_size(json_object_get_string(o), ret) == 0)
		return 0;
	return sbx_json_type_error(loc, o, "a size in bytes (e.g. 1048576 or \"1M\")", err);
}

static int get_count(json_object *o, const struct sbx_jloc *loc, uint64_t min, uint64_t max, uint64_t *ret,
		     struct sbx_error *err)
{
	char what[64];
	snprintf(what, sizeof(what), "an integer from %" PRIu64 " to %" PRIu64, min, max);
	if (!json_object_is_type(o, json_type_int) || json_object_get_int64(o) < 0)
		return sbx_json_type_error(loc, o, what, err);
	uint64_t v = json_object_get_uint64(o);
	if (v < min || v > max)
		return sbx_json_type_error(loc, o, what, err);
	*ret = v;
	return 0;
}

/* CPUs (0.5) from 0.01 (cpu.max takes no quota below 1 ms) up to 1024, in millionths. */
static int get_cpus(json_object *o, const struct sbx_jloc *loc, uint64_t *ret, struct sbx_error *err)
{
	char buf[400];
	/* the seconds parser reads a decimal exactly to six places: --cpus reads it the same way */
	if (!number_text(o, buf, sizeof(buf)) || sbx_parse_seconds_us(buf, ret) < 0 || *ret < 10000 ||
	    *ret > CPUS_MAX_PPM)
		return sbx_json_type_error(loc, o, "a number of CPUs from 0.01 to 1024", err);
	return 0;
}

/*
 * A path inside the workdir, by the rule --copy-in/--copy-out follow
 * (sbx_copy_inside_ok). Job fields name both sides separately, so unlike
 * the flags' "HOST:PATH" they may contain ':'.
 */
static int check_inside(const char *path, const struct sbx_jloc *loc, struct sbx_error *err)
{
	if (!*path)
		return sbx_json_error(loc, err, "empty path (name a file in the workdir)");
	if (!sbx_copy_inside_ok(path))
		return sbx_json_error(loc, err, "\"%s\" must stay inside the workdir (no \"..\")", path);
	return 0;
}

static int get_env(json_object *o, const struct sbx_jloc *loc, char ***ret, struct sbx_error *err)
{
	_cleanup_strv_ char **v = NULL;
	int r;
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, val)
		{
			struct sbx_jloc kl = sbx_jloc_key(loc, k);
			const char *s;
			if (!*k || strchr(k, '='))
				return sbx_json_error(&kl, err, "invalid variable name \"%s\"", k);
			if ((r = sbx_json_str(val, &kl, &s, err)) < 0)
				return r;
			_cleanup_free_ char *kv = sbx_xasprintf("%s=%s", k, s);
			sbx_strv_push(&v, kv);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		if ((r = sbx_json_strv(o, loc, &v, err)) < 0)
			return r;
		for (size_t i = 0; v[i]; i++) {
			if (!strchr(v[i], '=') || v[i][0] == '=') {
				struct sbx_jloc il = sbx_jloc_idx(loc, i);
				return sbx_json_type_error(&il, json_object_array_get_idx(o, i), "\"KEY=VALUE\"", err);
			}
		}
	} else {
		return sbx_json_type_error(loc, o, "an object {\"KEY\": \"VALUE\"} or an array of \"KEY=VALUE\"",
					   err);
	}
	*ret = TAKE_PTR(v);
	return 0;
}

static int get_mode(json_object *o, const struct sbx_jloc *loc, mode_t *ret, struct sbx_error *err)
{
	uint64_t v = 0;
	if (json_object_is_type(o, json_type_string)) {
		const char *s = json_object_get_string(o);
		char *end = NULL;
		errno = 0;
		v = strtoull(s, &end, 8);
		if (!*s || *end || errno)
			v = UINT64_MAX;
	} else if (json_object_is_type(o, json_type_int) && json_object_get_int64(o) >= 0) {
		v = json_object_get_uint64(o);
	} else {
		v = UINT64_MAX;
	}
	/* permission bits only: setuid and friends mean nothing in a nosuid workdir */
	if (v > 0777)
		return sbx_json_type_error(loc, o, "a file mode from \"0000\" to \"0777\"", err);
	*ret = (mode_t)v;
	return 0;
}

static int get_files(json_object *o, const struct sbx_jloc *loc, struct sbx_job_step *s, struct sbx_error *err)
{
	int r;
	if ((r = sbx_json_expect(o, json_type_object, loc, err)) < 0)
		return r;
	json_object_object_foreach(o, k, val)
	{
		struct sbx_jloc kl = sbx_jloc_key(loc, k);
		if ((r = check_inside(k, &kl, err)) < 0)
			return r;
		struct sbx_job_file f = {.mode = 0644};
		const char *host = NULL, *text = NULL;
		size_t text_len = 0;
		if (json_object_is_type(val, json_type_string)) {
			if ((r = get_nonempty_str(val, &kl, &host, err)) < 0)
				return r;
		} else if (json_object_is_type(val, json_type_object)) {
			json_object_object_foreach(val, fk, fv)
			{
				struct sbx_jloc fl = sbx_jloc_key(&kl, fk);
				if (!strcmp(fk, "host")) {
					if ((r = get_nonempty_str(fv, &fl, &host, err)) < 0)
						return r;
				} else if (!strcmp(fk, "text")) {
					/* inline contents may hold any byte, NUL included */
					if ((r = sbx_json_expect(fv, json_type_string, &fl, err)) < 0)
						return r;
					text = json_object_get_string(fv);
					text_len = (size_t)json_object_get_string_len(fv);
					if (text_len > SBX_JOB_INLINE_MAX)
						return sbx_json_error(&fl, err, "inline contents above %llu bytes",
								      (unsigned long long)SBX_JOB_INLINE_MAX);
				} else if (!strcmp(fk, "mode")) {
					if ((r = get_mode(fv, &fl, &f.mode, err)) < 0)
						return r;
				} else {
					return sbx_json_error(&fl, err, "unknown field (expected host, text or mode)");
				}
			}
			if (!host == !text)
				return sbx_json_error(&kl, err, "give exactly one of \"host\" and \"text\"");
		} else {
			return sbx_json_type_error(&kl, val, "a host path or {\"text\": ...}", err);
		}
		s->files = sbx_xrealloc(s->files, (s->n_files + 1) * sizeof(*s->files));
		f.sandbox = sbx_xstrdup(k);
		f.host = host ? sbx_xstrdup(host) : NULL;
		if (text) {
			f.text = sbx_xmalloc(text_len + 1);
			memcpy(f.text, text, text_len + 1);
			f.text_len = text_len;
		}
		s->files[s->n_files++] = f;
	}
	return 0;
}

static int get_copy_out(json_object *o, const struct sbx_jloc *loc, struct sbx_job_step *s, struct sbx_error *err)
{
	int r;
	if ((r = sbx_json_expect(o, json_type_object, loc, err)) < 0)
		return r;
	json_object_object_foreach(o, k, val)
	{
		struct sbx_jloc kl = sbx_jloc_key(loc, k);
		const char *host;
		if ((r = check_inside(k, &kl, err)) < 0 || (r = get_nonempty_str(val, &kl, &host, err)) < 0)
			return r;
		s->copy_out = sbx_xrealloc(s->copy_out, (s->n_copy_out + 1) * sizeof(*s->copy_out));
		s->copy_out[s->n_copy_out++] = (struct sbx_copy){.host = sbx_xstrdup(host), .sandbox = sbx_xstrdup(k)};
	}
	return 0;
}

/* --- steps ---------------------------------------------------------------- */

/*
 * One step field. Returns 1 when key is a step field (parsed into s), 0 when
 * it is not one, or an error.
 */
static int step_field(const char *key, json_object *v, const struct sbx_jloc *loc, struct sbx_job_step *s,
		      struct sbx_error *err)
{
	const char *str;
	int r = 0;
#define IS(name) (strcmp(key, name) == 0)
	if (IS("argv")) {
		if ((r = sbx_json_strv(v, loc, &s->argv, err)) < 0)
			return r;
		if (!s->argv[0] || !s->argv[0][0])
			return sbx_json_type_error(loc, v, "a non-empty array of strings", err);
	} else if (IS("env")) {
		r = get_env(v, loc, &s->env, err);
	} else if (IS("stdin")) {
		if ((r = get_nonempty_str(v, loc, &str, err)) == 0)
			set_str(&s->stdin_path, str);
	} else if (IS("stdin_text")) {
		if ((r = sbx_json_expect(v, json_type_string, loc, err)) < 0)
			return r;
		s->stdin_text_len = (size_t)json_object_get_string_len(v);
		if (s->stdin_text_len > SBX_JOB_INLINE_MAX)
			return sbx_json_error(loc, err, "inline contents above %llu bytes",
					      (unsigned long long)SBX_JOB_INLINE_MAX);
		s->stdin_text = sbx_xmalloc(s->stdin_text_len + 1);
		memcpy(s->stdin_text, json_object_get_string(v), s->stdin_text_len + 1);
	} else if (IS("stdout")) {
		if ((r = get_nonempty_str(v, loc, &str, err)) == 0)
			set_str(&s->stdout_path, str);
	} else if (IS("stderr")) {
		if ((r = get_nonempty_str(v, loc, &str, err)) == 0)
			set_str(&s->stderr_path, str);
	} else if (IS("stderr_to_stdout")) {
		r = sbx_json_bool(v, loc, &s->stderr_to_stdout, err);
		s->has_stderr_to_stdout = true;
	} else if (IS("files")) {
		r = get_files(v, loc, s, err);
	} else if (IS("copy_out")) {
		r = get_copy_out(v, loc, s, err);
	} else if (IS("copy_out_max")) {
		r = get_size(v, loc, &s->copy_out_max, err);
		s->has_copy_out_max = true;
	} else if (IS("time")) {
		r = get_seconds(v, loc, &s->time_us, err);
	} else if (IS("wall_time")) {
		r = get_seconds(v, loc, &s->wall_time_us, err);
	} else if (IS("memory")) {
		r = get_size(v, loc, &s->memory, err);
		if (r == 0 && s->memory < 4096)
			return sbx_json_type_error(loc, v, "a memory size of at least 4096 bytes", err);
		s->has_memory = true;
	} else if (IS("memory_swap")) {
		r = get_size(v, loc, &s->memory_swap, err);
		s->has_memory_swap = true;
	} else if (IS("pids")) {
		r = get_count(v, loc, 1, 4194304, &s->pids, err);
		s->has_pids = true;
	} else if (IS("cpus")) {
		r = get_cpus(v, loc, &s->cpus_ppm, err);
		s->has_cpus = true;
	} else if (IS("output_limit")) {
		r = get_size(v, loc, &s->output_limit, err);
		s->has_output_limit = true;
	} else if (IS("fsize")) {
		r = get_size(v, loc, &s->fsize, err);
		s->has_fsize = true;
	} else if (IS("nofile")) {
		r = get_count(v, loc, 1, 1 << 20, &s->nofile, err);
		s->has_nofile = true;
	} else if (IS("stack")) {
		r = get_size(v, loc, &s->stack, err);
		s->has_stack = true;
	} else if (IS("workdir_size")) {
		r = get_size(v, loc, &s->workdir_size, err);
		if (r == 0 && s->workdir_size < 4096)
			return sbx_json_type_error(loc, v, "a size of at least 4096 bytes", err);
		s->has_workdir_size = true;
	} else if (IS("seccomp")) {
		if ((r = get_nonempty_str(v, loc, &str, err)) == 0)
			set_str(&s->seccomp, str);
	} else if (IS("net")) {
		if ((r = sbx_json_str(v, loc, &str, err)) < 0)
			return r;
		if (strcmp(str, "none") != 0 && strcmp(str, "veth") != 0 && strcmp(str, "host") != 0)
			return sbx_json_type_error(loc, v, "\"none\", \"veth\" or \"host\"", err);
		set_str(&s->net, str);
	} else if (IS("init")) {
		r = sbx_json_bool(v, loc, &s->init, err);
		s->has_init = true;
	} else if (IS("cgroups")) {
		enum sbx_cgroup_mode m;
		if ((r = sbx_json_str(v, loc, &str, err)) < 0)
			return r;
		if (sbx_cgroup_mode_parse(str, &m) < 0)
			return sbx_json_type_error(loc, v, "\"auto\", \"required\", \"best-effort\" or \"off\"", err);
		s->cgroups = (int)m;
		s->has_cgroups = true;
	} else {
		return 0;
	}
#undef IS
	return r < 0 ? r : 1;
}

static int step_check(json_object *obj, const struct sbx_jloc *loc, const struct sbx_job_step *s,
		      struct sbx_error *err)
{
	if (s->stdin_path && s->stdin_text) {
		struct sbx_jloc l = sbx_jloc_key(loc, "stdin_text");
		return sbx_json_error(&l, err, "\"stdin\" and \"stdin_text\" exclude each other");
	}
	if (s->stderr_path && s->has_stderr_to_stdout && s->stderr_to_stdout) {
		struct sbx_jloc l = sbx_jloc_key(loc, "stderr_to_stdout");
		return sbx_json_error(&l, err, "\"stderr\" and \"stderr_to_stdout\" exclude each other");
	}
	return 0;
}

static int unknown_field(const struct sbx_jloc *loc, struct sbx_error *err)
{
	return sbx_json_error(loc, err, "unknown field");
}

static int parse_compile(json_object *o, const struct sbx_jloc *loc, struct sbx_job *job, struct sbx_error *err)
{
	int r;
	if ((r = sbx_json_expect(o, json_type_object, loc, err)) < 0)
		return r;
	job->compile = sbx_xcalloc(1, sizeof(*job->compile));
	json_object_object_foreach(o, k, v)
	{
		struct sbx_jloc kl = sbx_jloc_key(loc, k);
		if (!strcmp(k, "artifacts")) {
			if ((r = sbx_json_strv(v, &kl, &job->artifacts, err)) < 0)
				return r;
			for (size_t i = 0; job->artifacts[i]; i++) {
				struct sbx_jloc il = sbx_jloc_idx(&kl, i);
				if ((r = check_inside(job->artifacts[i], &il, err)) < 0)
					return r;
			}
			continue;
		}
		if ((r = step_field(k, v, &kl, job->compile, err)) < 0)
			return r;
		if (r == 0)
			return unknown_field(&kl, err);
	}
	if (!job->compile->argv) {
		struct sbx_jloc l = sbx_jloc_key(loc, "argv");
		return sbx_json_error(&l, err, "missing (the compile command)");
	}
	return step_check(o, loc, job->compile, err);
}

static int parse_tests(json_object *o, const struct sbx_jloc *loc, struct sbx_job *job, struct sbx_error *err)
{
	int r;
	if ((r = sbx_json_expect(o, json_type_array, loc, err)) < 0)
		return r;
	size_t n = json_object_array_length(o);
	if (n == 0 || n > TESTS_MAX)
		return sbx_json_type_error(loc, o, "a non-empty array of tests", err);
	job->tests = sbx_xcalloc(n, sizeof(*job->tests));
	for (size_t i = 0; i < n; i++) {
		struct sbx_jloc il = sbx_jloc_idx(loc, i);
		json_object *t = json_object_array_get_idx(o, i);
		struct sbx_job_test *jt = &job->tests[i];
		job->n_tests = i + 1;
		if ((r = sbx_json_expect(t, json_type_object, &il, err)) < 0)
			return r;
		json_object_object_foreach(t, k, v)
		{
			struct sbx_jloc kl = sbx_jloc_key(&il, k);
			if (!strcmp(k, "id")) {
				const char *id;
				if ((r = sbx_json_str(v, &kl, &id, err)) < 0)
					return r;
				if (!sbx_job_id_valid(id))
					return sbx_json_type_error(&kl, v, "a non-empty id without control characters",
								   err);
				set_str(&jt->id, id);
				continue;
			}
			if ((r = step_field(k, v, &kl, &jt->step, err)) < 0)
				return r;
			if (r == 0)
				return unknown_field(&kl, err);
		}
		if (!jt->id) {
			struct sbx_jloc l = sbx_jloc_key(&il, "id");
			return sbx_json_error(&l, err, "missing (every test needs an id)");
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(job->tests[j].id, jt->id)) {
				struct sbx_jloc l = sbx_jloc_key(&il, "id");
				return sbx_json_error(&l, err, "\"%s\" is already the id of tests[%zu]", jt->id, j);
			}
		}
		if ((r = step_check(t, &il, &jt->step, err)) < 0)
			return r;
	}
	return 0;
}

int sbx_job_parse(const char *buf, size_t len, const char *doc, struct sbx_job **ret, struct sbx_error *err)
{
	json_object *root = NULL;
	int r = sbx_json_parse(doc, buf, len, &root, err);
	if (r < 0)
		return r;
	struct sbx_jloc loc = {.doc = doc};
	_cleanup_(sbx_job_freep) struct sbx_job *job = sbx_xcalloc(1, sizeof(*job));
	if ((r = sbx_json_expect(root, json_type_object, &loc, err)) < 0)
		goto out;
	json_object_object_foreach(root, k, v)
	{
		struct sbx_jloc kl = sbx_jloc_key(&loc, k);
		const char *s;
		if (!strcmp(k, "id")) {
			if ((r = sbx_json_str(v, &kl, &s, err)) < 0)
				goto out;
			if (!sbx_job_id_valid(s)) {
				r = sbx_json_type_error(&kl, v, "a non-empty id without control characters", err);
				goto out;
			}
			set_str(&job->id, s);
		} else if (!strcmp(k, "bundle") || !strcmp(k, "rootfs") || !strcmp(k, "workdir")) {
			if ((r = get_nonempty_str(v, &kl, &s, err)) < 0)
				goto out;
			if (!strcmp(k, "workdir") && (s[0] != '/' || !strcmp(s, "/") || strstr(s, ".."))) {
				r = sbx_json_error(&kl, err, "\"%s\" must be an absolute path below /", s);
				goto out;
			}
			set_str(k[0] == 'b' ? &job->bundle : k[0] == 'r' ? &job->rootfs : &job->workdir, s);
		} else if (!strcmp(k, "compile")) {
			if ((r = parse_compile(v, &kl, job, err)) < 0)
				goto out;
		} else if (!strcmp(k, "tests")) {
			if ((r = parse_tests(v, &kl, job, err)) < 0)
				goto out;
		} else {
			if ((r = step_field(k, v, &kl, &job->run, err)) < 0)
				goto out;
			if (r == 0) {
				r = unknown_field(&kl, err);
				goto out;
			}
		}
	}
	r = -EINVAL;
	if (!job->id) {
		struct sbx_jloc l = sbx_jloc_key(&loc, "id");
		sbx_json_error(&l, err, "missing (every job needs a unique id)");
		goto out;
	}
	if (job->bundle && job->rootfs) {
		struct sbx_jloc l = sbx_jloc_key(&loc, "rootfs");
		sbx_json_error(&l, err, "\"bundle\" and \"rootfs\" exclude each other");
		goto out;
	}
	/* with a bundle, process.args is the default command */
	if (!job->bundle && !job->run.argv) {
		for (size_t i = 0; i < job->n_tests; i++) {
			if (!job->tests[i].step.argv) {
				struct sbx_jloc l = sbx_jloc_key(&loc, "argv");
				sbx_json_error(&l, err, "missing (the command to run)");
				goto out;
			}
		}
		if (job->n_tests == 0) {
			struct sbx_jloc l = sbx_jloc_key(&loc, "argv");
			sbx_json_error(&l, err, "missing (the command to run)");
			goto out;
		}
	}
	if ((r = step_check(root, &loc, &job->run, err)) < 0)
		goto out;
	*ret = TAKE_PTR(job);
	r = 0;
out:
	json_object_put(root);
	return r;
}

char *sbx_job_peek_id(const char *buf, size_t len)
{
	json_object *root = NULL;
	if (sbx_json_parse("peek", buf, len, &root, NULL) < 0)
		return NULL;
	json_object *id = sbx_json_get(root, "id");
	char *ret = NULL;
	if (id && json_object_is_type(id, json_type_string) &&
	    (size_t)json_object_get_string_len(id) == strlen(json_object_get_string(id)) &&
	    sbx_job_id_valid(json_object_get_string(id)))
		ret = sbx_xstrdup(json_object_get_string(id));
	json_object_put(root);
	return ret;
}

/* --- steps -> config ------------------------------------------------------ */

static void push_copy(struct sbx_copy **v, size_t *n, const char *host, const char *sandbox)
{
	*v = sbx_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (struct sbx_copy){.host = sbx_xstrdup(host), .sandbox = sbx_xstrdup(sandbox)};
}

static int apply_files(const struct sbx_job_step *s, struct sbx_config *c, struct sbx_error *err)
{
	for (size_t i = 0; i < s->n_files; i++) {
		if (!s->files[i].host)
			return sbx_err_set(err, EINVAL, "files: %s: inline contents were not written out",
					   s->files[i].sandbox);
		push_copy(&c->io.copy_in, &c->io.n_copy_in, s->files[i].host, s->files[i].sandbox);
	}
	return 0;
}

int sbx_job_step_apply(const struct sbx_job_step *s, struct sbx_config *c, struct sbx_error *err)
{
	int r;
	if (s->argv) {
		sbx_strv_free(c->process.args);
		c->process.args = sbx_strv_copy(s->argv);
	}
	for (size_t i = 0; s->env && s->env[i]; i++)
		sbx_config_setenv(c, s->env[i]);
	if (s->stdin_text && !s->stdin_path)
		return sbx_err_set(err, EINVAL, "stdin_text: the inline stdin was not written out");
	if (s->stdin_path) {
		set_str(&c->io.stdin_path, s->stdin_path);
		c->io.inherit_stdin = false;
	}
	if (s->stdout_path)
		set_str(&c->io.stdout_path, s->stdout_path);
	if (s->stderr_path) {
		set_str(&c->io.stderr_path, s->stderr_path);
		c->io.stderr_to_stdout = false;
	}
	if (s->has_stderr_to_stdout) {
		c->io.stderr_to_stdout = s->stderr_to_stdout;
		if (s->stderr_to_stdout) {
			free(c->io.stderr_path);
			c->io.stderr_path = NULL;
		}
	}
	if ((r = apply_files(s, c, err)) < 0)
		return r;
	for (size_t i = 0; i < s->n_copy_out; i++)
		push_copy(&c->io.copy_out, &c->io.n_copy_out, s->copy_out[i].host, s->copy_out[i].sandbox);
	if (s->has_copy_out_max)
		c->io.copy_out_max = s->copy_out_max;
	if (s->time_us)
		c->limits.cpu_time_us = s->time_us;
	if (s->wall_time_us)
		c->limits.wall_time_us = s->wall_time_us;
	if (s->has_output_limit) {
		c->limits.has_output_limit = true;
		c->limits.output_limit = s->output_limit;
	}
	if (s->has_memory) {
		c->resources.has_memory_limit = true;
		c->resources.memory_limit = s->memory > INT64_MAX ? -1 : (int64_t)s->memory;
	}
	if (s->has_memory_swap) {
		/* like --memory-swap: memory.swap.max itself, not OCI's memory+swap total */
		c->resources.has_swap_max = true;
		c->resources.swap_max = s->memory_swap > INT64_MAX ? -1 : (int64_t)s->memory_swap;
		c->resources.has_memory_swap = false;
	}
	if (s->has_pids) {
		c->resources.has_pids_limit = true;
		c->resources.pids_limit = (int64_t)s->pids;
	}
	if (s->has_cpus) {
		c->resources.has_cpu_period = true;
		c->resources.cpu_period = CPU_PERIOD_US;
		c->resources.has_cpu_quota = true;
		c->resources.cpu_quota = (int64_t)(s->cpus_ppm * CPU_PERIOD_US / 1000000);
	}
	if (s->has_fsize)
		sbx_config_set_rlimit(c, RLIMIT_FSIZE, s->fsize, s->fsize);
	if (s->has_nofile)
		sbx_config_set_rlimit(c, RLIMIT_NOFILE, s->nofile, s->nofile);
	if (s->has_stack)
		sbx_config_set_rlimit(c, RLIMIT_STACK, s->stack, s->stack);
	if (s->has_workdir_size)
		c->workdir.size = s->workdir_size;
	if (s->net)
		set_str(&c->net.mode, s->net);
	if (s->has_init)
		c->init = s->init;
	if (s->has_cgroups)
		c->cgroup_mode = s->cgroups;
	return 0;
}

void sbx_job_config_finish(struct sbx_config *c)
{
	/* everything is captured: counted, capped, and never mixed into sbxctr's own output */
	c->io.capture = true;
	c->io.inherit_stdin = false;
	if (!c->io.stdout_path)
		c->io.stdout_path = sbx_xstrdup("/dev/null");
	if (!c->io.stderr_path && !c->io.stderr_to_stdout)
		c->io.stderr_path = sbx_xstrdup("/dev/null");
	if (!c->limits.has_output_limit) {
		c->limits.has_output_limit = true;
		c->limits.output_limit = SBX_JOB_DEFAULT_OUTPUT_LIMIT;
	}
	if (!c->limits.wall_time_us)
		c->limits.wall_time_us = c->limits.cpu_time_us ? 3 * c->limits.cpu_time_us + 1000000
							       : SBX_JOB_DEFAULT_WALL_US;
}

char *const *sbx_job_argv(const struct sbx_job *job, enum sbx_job_phase phase, size_t test)
{
	if (phase == SBX_JOB_COMPILE)
		return job->compile ? job->compile->argv : NULL;
	if (test < job->n_tests && job->tests[test].step.argv)
		return job->tests[test].step.argv;
	return job->run.argv;
}

const char *sbx_job_seccomp(const struct sbx_job *job, enum sbx_job_phase phase, size_t test)
{
	if (phase == SBX_JOB_COMPILE)
		return job->compile ? job->compile->seccomp : NULL;
	if (test < job->n_tests && job->tests[test].step.seccomp)
		return job->tests[test].step.seccomp;
	return job->run.seccomp;
}

int sbx_job_config(const struct sbx_job *job, enum sbx_job_phase phase, size_t test, char *const *artifact_hosts,
		   struct sbx_config *c, struct sbx_error *err)
{
	int r;
	/* batch default: a reaping init as pid 1, so that the program is an ordinary process */
	c->init = true;
	if (job->workdir) {
		bool cwd_follows = c->workdir.path && c->process.cwd && !strcmp(c->process.cwd, c->workdir.path);
		set_str(&c->workdir.path, job->workdir);
		if (cwd_follows || !c->process.cwd)
			set_str(&c->process.cwd, job->workdir);
	}
	if (phase == SBX_JOB_COMPILE) {
		if (!job->compile)
			return sbx_err_set(err, EINVAL, "the job has no compile step");
		/* the job's files are the sources: the compile step sees them too */
		if ((r = apply_files(&job->run, c, err)) < 0 || (r = sbx_job_step_apply(job->compile, c, err)) < 0)
			return r;
		for (size_t i = 0; job->artifacts && job->artifacts[i]; i++)
			push_copy(&c->io.copy_out, &c->io.n_copy_out, artifact_hosts[i], job->artifacts[i]);
	} else {
		if ((r = sbx_job_step_apply(&job->run, c, err)) < 0)
			return r;
		if (test < job->n_tests && sbx_job_step_apply(&job->tests[test].step, c, err) < 0)
			return sbx_err_wrap(err, "tests[%zu]", test);
		/* last, so that an artifact wins over a same-named source file */
		for (size_t i = 0; job->compile && job->artifacts && job->artifacts[i]; i++)
			push_copy(&c->io.copy_in, &c->io.n_copy_in, artifact_hosts[i], job->artifacts[i]);
	}
	if ((c->io.n_copy_in || c->io.n_copy_out) && !c->workdir.path)
		return sbx_err_set(err, EINVAL, "files/copy_out/artifacts need a workdir: the bundle has none "
				   "(set the job's \"workdir\")");
	sbx_job_config_finish(c);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Batch job lines -> typed jobs (pure, through the run options table), and job steps -> sandbox configs. */
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

void sbx_job_free(struct sbx_job *job)
{
	if (!job)
		return;
	free(job->id);
	sbx_options_clear(&job->run);
	if (job->compile)
		sbx_options_clear(job->compile);
	free(job->compile);
	sbx_strv_free(job->artifacts);
	for (size_t i = 0; i < job->n_tests; i++) {
		free(job->tests[i].id);
		sbx_options_clear(&job->tests[i].step);
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

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = sbx_xstrdup(v);
}

/* --- steps ---------------------------------------------------------------- */

/*
 * One field of a step, read through the run options table. Returns 1 when
 * key is an option field (parsed into o), 0 when it is not one (or, with
 * top false, is one of the top level's only), or an error.
 */
static int step_field(const char *key, json_object *v, const struct sbx_jloc *loc, struct sbx_options *o, bool top,
		      struct sbx_error *err)
{
	const struct sbx_option_def *d = sbx_option_by_field(key);
	if (!d || (!top && (d->flags & SBX_OPTF_TOP)))
		return 0;
	int r = sbx_options_set_json(o, d, v, loc, err);
	return r < 0 ? r : 1;
}

static int step_check(const struct sbx_jloc *loc, const struct sbx_options *o, struct sbx_error *err)
{
	return sbx_options_check(o, loc, err);
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
	sbx_options_init(job->compile);
	json_object_object_foreach(o, k, v)
	{
		struct sbx_jloc kl = sbx_jloc_key(loc, k);
		if (!strcmp(k, "artifacts")) {
			if ((r = sbx_json_strv(v, &kl, &job->artifacts, err)) < 0)
				return r;
			for (size_t i = 0; job->artifacts[i]; i++) {
				struct sbx_jloc il = sbx_jloc_idx(&kl, i);
				if ((r = sbx_options_json_inside(job->artifacts[i], &il, err)) < 0)
					return r;
			}
			continue;
		}
		if ((r = step_field(k, v, &kl, job->compile, false, err)) < 0)
			return r;
		if (r == 0)
			return unknown_field(&kl, err);
	}
	if (!job->compile->set[SBX_OPT_ARGV]) {
		struct sbx_jloc l = sbx_jloc_key(loc, "argv");
		return sbx_json_error(&l, err, "missing (the compile command)");
	}
	return step_check(loc, job->compile, err);
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
			if ((r = step_field(k, v, &kl, &jt->step, false, err)) < 0)
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
		if ((r = step_check(&il, &jt->step, err)) < 0)
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
	r = sbx_job_from_json(root, doc, ret, err);
	json_object_put(root);
	return r;
}

int sbx_job_from_json(json_object *root, const char *doc, struct sbx_job **ret, struct sbx_error *err)
{
	int r;
	struct sbx_jloc loc = {.doc = doc};
	_cleanup_(sbx_job_freep) struct sbx_job *job = sbx_xcalloc(1, sizeof(*job));
	sbx_options_init(&job->run);
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
		} else if (!strcmp(k, "compile")) {
			if ((r = parse_compile(v, &kl, job, err)) < 0)
				goto out;
		} else if (!strcmp(k, "tests")) {
			if ((r = parse_tests(v, &kl, job, err)) < 0)
				goto out;
		} else {
			if ((r = step_field(k, v, &kl, &job->run, true, err)) < 0)
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
	/* with a bundle, process.args is the default command */
	if (!job->run.set[SBX_OPT_BUNDLE] && !job->run.set[SBX_OPT_ARGV]) {
		for (size_t i = 0; i < job->n_tests; i++) {
			if (!job->tests[i].step.set[SBX_OPT_ARGV]) {
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
	if ((r = step_check(&loc, &job->run, err)) < 0)
		goto out;
	*ret = TAKE_PTR(job);
	r = 0;
out:
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
	if (test < job->n_tests && job->tests[test].step.set[SBX_OPT_ARGV])
		return job->tests[test].step.argv;
	return job->run.argv;
}

const char *sbx_job_seccomp(const struct sbx_job *job, enum sbx_job_phase phase, size_t test)
{
	if (phase == SBX_JOB_COMPILE)
		return job->compile ? job->compile->seccomp : NULL;
	if (test < job->n_tests && job->tests[test].step.set[SBX_OPT_SECCOMP])
		return job->tests[test].step.seccomp;
	return job->run.seccomp;
}

int sbx_job_config(const struct sbx_job *job, enum sbx_job_phase phase, size_t test, char *const *artifact_hosts,
		   struct sbx_config *c, struct sbx_error *err)
{
	int r;
	/* batch default: a reaping init as pid 1, so that the program is an ordinary process */
	c->init = true;
	/* where the job runs is the top level's alone: a step cannot move it */
	if (job->run.set[SBX_OPT_WORKDIR] && (r = sbx_options_apply_one(&job->run, SBX_OPT_WORKDIR, c, err)) < 0)
		return r;
	if (phase == SBX_JOB_COMPILE) {
		if (!job->compile)
			return sbx_err_set(err, EINVAL, "the job has no compile step");
		/* the job's files are the sources: the compile step sees them too */
		if ((job->run.set[SBX_OPT_FILES] && (r = sbx_options_apply_one(&job->run, SBX_OPT_FILES, c, err)) < 0) ||
		    (r = sbx_options_apply(job->compile, c, err)) < 0)
			return r;
		for (size_t i = 0; job->artifacts && job->artifacts[i]; i++)
			push_copy(&c->io.copy_out, &c->io.n_copy_out, artifact_hosts[i], job->artifacts[i]);
	} else {
		/* the job's options, less those the test gives itself (a profile file it replaces is never read) */
		const struct sbx_options *t = test < job->n_tests ? &job->tests[test].step : NULL;
		if ((r = sbx_options_apply_under(&job->run, t, c, err)) < 0)
			return r;
		if (t && sbx_options_apply(t, c, err) < 0)
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

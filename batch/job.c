/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One job, every step of it (compile, run or tests), to its result object:
 * what a batch worker does for each line, and what the service does for a
 * /v1/run request or a /v1/batch line. The caller may replace how a
 * sandbox is started and waited for (hooks), so that the service can hand
 * out a pooled sandbox and stop when its client goes away.
 */
#include "batch/batch.h"
#include "cgroups/cgroup.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "runtime/report.h"
#include "runtime/sandbox.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N_REASONS SBX_BATCH_N_REASONS

static const char *const status_names[SBX_BATCH_N_STATUS] = {"ok", "compile-error", "internal"};

const char *sbx_batch_status_name(enum sbx_batch_job_status st)
{
	return (unsigned)st < SBX_BATCH_N_STATUS ? status_names[st] : "internal";
}

static json_object *result_head(const char *id, unsigned line)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", id ? json_object_new_string(id) : NULL);
	if (line)
		json_object_object_add(o, "line", json_object_new_int((int)line));
	return o;
}

/* Adds every member of src to dst (src is consumed). */
static void merge_into(json_object *dst, json_object *src)
{
	json_object_object_foreach(src, k, v)
		json_object_object_add(dst, k, json_object_get(v));
	json_object_put(src);
}

json_object *sbx_batch_internal_result(const char *id, unsigned line, const char *msg)
{
	struct sbx_result res = {.reason = SBX_REASON_INTERNAL};
	snprintf(res.error.msg, sizeof(res.error.msg), "%s", msg);
	json_object *o = result_head(id, line);
	json_object_object_add(o, "status", json_object_new_string(status_names[SBX_BATCH_STATUS_INTERNAL]));
	merge_into(o, sbx_report_build(NULL, &res));
	return o;
}

void sbx_batch_job_release_spent(struct sbx_batch_job_ctx *ctx)
{
	sbx_sandbox_free(ctx->spent);
	sbx_config_free(ctx->spent_cfg);
	ctx->spent = NULL;
	ctx->spent_cfg = NULL;
}

/* What run_one() keeps of a sandbox's result after the sandbox is gone. */
struct outcome {
	enum sbx_reason reason;
	bool exited;
	int exit_code;
	int signal;
	uint64_t cpu_user_us, cpu_sys_us;
	bool copy_out_ok;
};

static int default_start(struct sbx_batch_job_ctx *ctx, struct sbx_config *cfg, struct sbx_sandbox **ret,
			 struct sbx_error *err)
{
	_cleanup_(sbx_sandbox_freep) struct sbx_sandbox *sb = NULL;
	int r = sbx_sandbox_create(cfg, &sb, err);
	if (r < 0)
		return r;
	if (ctx->cg_root)
		sbx_sandbox_use_cgroup_root(sb, ctx->cg_root);
	/* a failed start has undone itself: the sandbox goes back as it is, to be freed */
	r = sbx_sandbox_start(sb, err);
	*ret = TAKE_PTR(sb);
	return r;
}

/* Runs one sandbox of the job; returns its report (NULL when the caller stops). */
static json_object *run_one(struct sbx_batch_job_ctx *ctx, const struct sbx_job *job, enum sbx_job_phase phase,
			    size_t test, char *const *arts, struct outcome *oc)
{
	const struct sbx_batch_hooks *h = ctx->hooks;
	struct sbx_error err = {0};
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	_cleanup_(sbx_sandbox_freep) struct sbx_sandbox *sb = NULL;
	struct sbx_result res = {0};
	int r;
	memset(oc, 0, sizeof(*oc));
	sbx_batch_job_release_spent(ctx); /* a compile step's sandbox, before the run step's */
	r = sbx_options_base_config(&job->run, ctx->rootfs, sbx_job_argv(job, phase, test), &cfg, &err);
	if (r >= 0)
		r = sbx_job_config(job, phase, test, arts, cfg, &err);
	/*
	 * Batch's default: every sandbox gets a private overlay of its
	 * read-only root, so that jobs meet through no rootfs inode (a flock,
	 * an inotify watch); it costs about 0.15 ms a start (bench/batch.sh).
	 */
	if (r >= 0 && cfg->root_readonly && ctx->overlay)
		cfg->rootfs_overlay = true;
	/*
	 * A task born into a cgroup with the cpuset controller gets the
	 * cpuset's CPUs as its affinity, whatever its parent's was: where
	 * sandboxes get a cpuset, the slot's CPU has to be the cpuset.
	 */
	if (r >= 0 && ctx->pin_cpu >= 0 && cfg->cgroup_mode != SBX_CGROUP_OFF && !cfg->resources.cpuset_cpus)
		cfg->resources.cpuset_cpus = sbx_xasprintf("%d", ctx->pin_cpu);
	if (r >= 0 && h && h->configure)
		r = h->configure(ctx->hooks_data, job, phase, test, cfg, &err);
	if (r >= 0)
		r = h && h->start ? h->start(ctx->hooks_data, job, phase, test, cfg, &sb, &err)
				  : default_start(ctx, cfg, &sb, &err);
	if (r >= 0)
		r = h && h->wait ? h->wait(ctx->hooks_data, sb, &err) : sbx_sandbox_wait_until(sb, -1, ctx->stop_fd, NULL, &err);
	if (r == -ECANCELED)
		return NULL; /* the cleanup kills the sandbox and unmounts its workdir */
	if (r >= 0)
		r = sbx_sandbox_result(sb, &res);
	if (r < 0)
		res = (struct sbx_result){.reason = SBX_REASON_INTERNAL, .error = err};
	oc->reason = res.reason;
	oc->exited = res.exited;
	oc->exit_code = res.exit_code;
	oc->signal = res.signal;
	oc->cpu_user_us = res.cpu_user_us;
	oc->cpu_sys_us = res.cpu_sys_us;
	oc->copy_out_ok = true;
	for (size_t i = 0; i < res.n_copy_out; i++)
		oc->copy_out_ok &= res.copy_out[i].ok;
	json_object *rep = sbx_report_build(cfg, &res);
	if (h && h->report)
		h->report(ctx->hooks_data, rep, phase, test);
	if (r >= 0) {
		/* finished and reaped: torn down later (sbx_batch_job_release_spent) */
		ctx->spent = TAKE_PTR(sb);
		ctx->spent_cfg = TAKE_PTR(cfg);
	}
	return rep;
}

/* Empties the job's scratch directory (inline files, artifacts) for the next job. */
static void clear_scratch(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
}

static void count_run(struct sbx_batch_job_stats *st, const struct outcome *oc)
{
	st->runs[oc->reason < N_REASONS ? oc->reason : SBX_REASON_INTERNAL]++;
	if (oc->reason != SBX_REASON_NONE || !oc->exited || oc->exit_code != 0)
		st->failed = 1;
	st->cpu_user_us += oc->cpu_user_us;
	st->cpu_sys_us += oc->cpu_sys_us;
}

json_object *sbx_batch_job_run(struct sbx_batch_job_ctx *ctx, struct sbx_job *job, unsigned line,
			       struct sbx_batch_job_stats *st)
{
	struct sbx_error err = {0};
	memset(st, 0, sizeof(*st));
	st->status = SBX_BATCH_STATUS_INTERNAL;
	st->failed = 1;
	int r = 0;
	/* inline contents to files in the job's scratch directory, so that the mapping sees host paths only */
	if (job->compile)
		r = sbx_options_materialize(job->compile, ctx->scratch, "c", &err);
	if (r >= 0)
		r = sbx_options_materialize(&job->run, ctx->scratch, "r", &err);
	for (size_t i = 0; r >= 0 && i < job->n_tests; i++) {
		char tag[32];
		snprintf(tag, sizeof(tag), "t%zu-", i);
		r = sbx_options_materialize(&job->tests[i].step, ctx->scratch, tag, &err);
	}
	if (r < 0) {
		clear_scratch(ctx->scratch);
		return sbx_batch_internal_result(job->id, line, err.msg);
	}
	_cleanup_strv_ char **arts = NULL;
	for (size_t i = 0; job->artifacts && job->artifacts[i]; i++) {
		_cleanup_free_ char *p = sbx_xasprintf("%s/a%zu", ctx->scratch, i);
		sbx_strv_push(&arts, p);
	}

	json_object *o = result_head(job->id, line);
	enum sbx_batch_job_status status = SBX_BATCH_STATUS_OK;
	struct outcome oc;
	json_object *compile = NULL, *rep;
	st->failed = 0;
	if (job->compile) {
		compile = run_one(ctx, job, SBX_JOB_COMPILE, SBX_JOB_NO_TEST, arts, &oc);
		if (!compile)
			goto aborted;
		st->cpu_user_us += oc.cpu_user_us;
		st->cpu_sys_us += oc.cpu_sys_us;
		if (oc.reason == SBX_REASON_INTERNAL)
			status = SBX_BATCH_STATUS_INTERNAL;
		else if (oc.reason != SBX_REASON_NONE || !oc.exited || oc.exit_code != 0 || !oc.copy_out_ok)
			status = SBX_BATCH_STATUS_COMPILE_ERROR; /* the compiler failed, or an artifact is missing or unsafe */
	}
	json_object *top = NULL, *tests = NULL;
	if (status == SBX_BATCH_STATUS_OK && job->n_tests) {
		tests = json_object_new_array();
		for (size_t i = 0; i < job->n_tests; i++) {
			if (!(rep = run_one(ctx, job, SBX_JOB_RUN, i, arts, &oc))) {
				json_object_put(tests);
				goto aborted;
			}
			json_object *t = json_object_new_object();
			json_object_object_add(t, "id", json_object_new_string(job->tests[i].id));
			merge_into(t, rep);
			json_object_array_add(tests, t);
			count_run(st, &oc);
			if (oc.reason == SBX_REASON_INTERNAL)
				status = SBX_BATCH_STATUS_INTERNAL;
		}
	} else if (status == SBX_BATCH_STATUS_OK) {
		if (!(top = run_one(ctx, job, SBX_JOB_RUN, SBX_JOB_NO_TEST, arts, &oc)))
			goto aborted;
		count_run(st, &oc);
		if (oc.reason == SBX_REASON_INTERNAL)
			status = SBX_BATCH_STATUS_INTERNAL;
	}
	clear_scratch(ctx->scratch);
	st->status = (uint8_t)status;
	if (status != SBX_BATCH_STATUS_OK)
		st->failed = 1;
	json_object_object_add(o, "status", json_object_new_string(status_names[status]));
	if (compile)
		json_object_object_add(o, "compile", compile);
	if (tests)
		json_object_object_add(o, "tests", tests);
	if (top)
		merge_into(o, top);
	return o;
aborted:
	json_object_put(compile);
	json_object_put(o);
	clear_scratch(ctx->scratch);
	return NULL;
}

char *sbx_batch_result_line(json_object *o)
{
	char *s = sbx_xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
									     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

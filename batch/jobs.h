/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Batch jobs: one line of JOBS.jsonl -> a typed job (pure: buffer in,
 * struct out, errors naming the line and the field), every field read
 * through the run options table (runtime/options.h), and a job's steps
 * applied onto a sandbox config. Writing inline contents and running
 * sandboxes belong to batch/batch.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/config.h"
#include "runtime/options.h"
#include "core/error.h"

/* When a job gives neither wall_time nor time (wall_time is always on in batch). */
#define SBX_JOB_DEFAULT_WALL_US (60ULL * 1000000)
/* Per-stream output cap when a job gives none: a flood must not fill the disk. */
#define SBX_JOB_DEFAULT_OUTPUT_LIMIT (64ULL << 20)
/* Longest id accepted. */
#define SBX_JOB_ID_MAX 256

struct sbx_job_test {
	char *id;
	struct sbx_options step; /* overrides the job's run options */
};

/*
 * A job: its run options (the top level of the line, read through the run
 * options table: rootfs/bundle/workdir only there), an optional compile
 * step, and tests, each with options of its own.
 */
struct sbx_job {
	char *id;
	struct sbx_options run;
	struct sbx_options *compile; /* NULL: no compile step */
	char **artifacts;	     /* workdir paths that pass from compile to run */
	struct sbx_job_test *tests;
	size_t n_tests;
};

/*
 * Parses one job line. doc names it in errors ("jobs.jsonl:17"), e.g.
 *   jobs.jsonl:17: time: expected a number of seconds, got "x"
 * Unknown fields are errors: a misspelt limit must not silently go away.
 */
int sbx_job_parse(const char *buf, size_t len, const char *doc, struct sbx_job **ret, struct sbx_error *err);
/* The same from a parsed JSON value (root stays the caller's). */
int sbx_job_from_json(json_object *root, const char *doc, struct sbx_job **ret, struct sbx_error *err);
void sbx_job_free(struct sbx_job *job);
static inline void sbx_job_freep(struct sbx_job **j)
{
	sbx_job_free(*j);
}

/*
 * The id of a line that sbx_job_parse() refused, when the line is a JSON
 * object with a usable string id (for its "internal" result); else NULL.
 */
char *sbx_job_peek_id(const char *buf, size_t len);

/* True when id is acceptable: 1..SBX_JOB_ID_MAX bytes, no control characters. */
bool sbx_job_id_valid(const char *id);

/*
 * Batch defaults that apply after every step: output captured and capped,
 * stdin/stdout/stderr /dev/null unless given, wall time always on
 * (3 x time + 1 s, or SBX_JOB_DEFAULT_WALL_US).
 */
void sbx_job_config_finish(struct sbx_config *cfg);

enum sbx_job_phase { SBX_JOB_COMPILE, SBX_JOB_RUN };
/* "No test": the job's run step as it is. */
#define SBX_JOB_NO_TEST ((size_t)-1)

/* The command of a phase (a test's own argv wins); NULL: the bundle's process.args. */
char *const *sbx_job_argv(const struct sbx_job *job, enum sbx_job_phase phase, size_t test);
/*
 * The seccomp setting of a phase (a test's own wins); NULL: the config's own
 * (the built-in default, or the bundle's linux.seccomp).
 */
const char *sbx_job_seccomp(const struct sbx_job *job, enum sbx_job_phase phase, size_t test);

/*
 * The whole config of one sandbox of the job (pure: a seccomp file is read
 * when the sandbox is created), onto cfg (the built-in default or the
 * bundle's config):
 *   compile: the job's files, the compile step, artifacts copied out to
 *            artifact_hosts[i];
 *   run:     the job's run options, test `test`'s over them, artifacts
 *            copied in from artifact_hosts[i] (when the job compiles);
 * then the batch defaults (init on, sbx_job_config_finish()).
 */
int sbx_job_config(const struct sbx_job *job, enum sbx_job_phase phase, size_t test, char *const *artifact_hosts,
		   struct sbx_config *cfg, struct sbx_error *err);

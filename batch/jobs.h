/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Batch jobs: one line of JOBS.jsonl -> a typed job (pure: buffer in,
 * struct out, errors naming the line and the field), and a job step applied
 * onto a sandbox config. Reading files, writing inline contents and running
 * sandboxes belong to batch/batch.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/config.h"
#include "core/error.h"

/* When a job gives neither wall_time nor time (wall_time is always on in batch). */
#define SBX_JOB_DEFAULT_WALL_US (60ULL * 1000000)
/* Per-stream output cap when a job gives none: a flood must not fill the disk. */
#define SBX_JOB_DEFAULT_OUTPUT_LIMIT (64ULL << 20)
/* Longest id and inline content accepted. */
#define SBX_JOB_ID_MAX 256
#define SBX_JOB_INLINE_MAX (16ULL << 20)

/* One file copied into the workdir: from a host path, or inline text. */
struct sbx_job_file {
	char *sandbox;	/* path in the workdir (relative, or absolute below it) */
	char *host;	/* host path; for inline text, filled in by the batch before apply */
	char *text;	/* inline contents (NULL: host file) */
	size_t text_len;
	mode_t mode;	/* inline file's mode (default 0644) */
};

/*
 * What one sandbox run is given. Every field is optional; has_* and NULL
 * keep "absent" apart from a value, so that a test's step can override the
 * job's field by field.
 */
struct sbx_job_step {
	char **argv;
	char **env; /* "K=V" */
	char *stdin_path;
	char *stdin_text; /* inline stdin; the batch writes it to a file (stdin_path) */
	size_t stdin_text_len;
	char *stdout_path;
	char *stderr_path;
	bool has_stderr_to_stdout, stderr_to_stdout;
	struct sbx_job_file *files;
	size_t n_files;
	struct sbx_copy *copy_out;
	size_t n_copy_out;
	bool has_copy_out_max;
	uint64_t copy_out_max;
	/* limits (0 / !has_: absent) */
	uint64_t time_us, wall_time_us;
	bool has_memory, has_memory_swap, has_pids, has_cpus, has_output_limit;
	uint64_t memory, memory_swap, pids, output_limit;
	uint64_t cpus_ppm; /* CPUs in millionths: 0.5 -> 500000 */
	bool has_fsize, has_nofile, has_stack, has_workdir_size;
	uint64_t fsize, nofile, stack, workdir_size;
	char *seccomp; /* as --seccomp takes it: a shipped profile's name, "unconfined" or a file */
	char *net;     /* network mode */
	bool has_init, init;
	bool has_cgroups;
	int cgroups; /* enum sbx_cgroup_mode */
};

struct sbx_job_test {
	char *id;
	struct sbx_job_step step; /* overrides the job's run step */
};

struct sbx_job {
	char *id;
	char *bundle; /* exactly one of bundle and rootfs (or the batch's --rootfs) */
	char *rootfs;
	char *workdir; /* workdir path (default /work) */
	struct sbx_job_step run;
	struct sbx_job_step *compile; /* NULL: no compile step */
	char **artifacts;	      /* workdir paths that pass from compile to run */
	struct sbx_job_test *tests;
	size_t n_tests;
};

/*
 * Parses one job line. doc names it in errors ("jobs.jsonl:17"), e.g.
 *   jobs.jsonl:17: time: expected a number of seconds, got "x"
 * Unknown fields are errors: a misspelt limit must not silently go away.
 */
int sbx_job_parse(const char *buf, size_t len, const char *doc, struct sbx_job **ret, struct sbx_error *err);
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
 * Applies step onto cfg, field by field (pure). Inline files and stdin must
 * have host paths by now. Applying the job's run step, then a test's step,
 * gives the test's config. The seccomp field is not applied here (loading a
 * profile file is I/O): see sbx_job_seccomp().
 */
int sbx_job_step_apply(const struct sbx_job_step *step, struct sbx_config *cfg, struct sbx_error *err);

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
 * The seccomp setting of a phase (a test's own wins), for
 * sbx_config_set_seccomp(); NULL: the config's own (the built-in default,
 * or the bundle's linux.seccomp).
 */
const char *sbx_job_seccomp(const struct sbx_job *job, enum sbx_job_phase phase, size_t test);

/*
 * The whole config of one sandbox of the job (pure), onto cfg (the built-in
 * default or the bundle's config):
 *   compile: the job's files, the compile step, artifacts copied out to
 *            artifact_hosts[i];
 *   run:     the job's run step, test `test`'s step over it, artifacts
 *            copied in from artifact_hosts[i] (when the job compiles);
 * then the batch defaults (init on, sbx_job_config_finish()). The caller
 * applies sbx_job_seccomp() with sbx_config_set_seccomp().
 */
int sbx_job_config(const struct sbx_job *job, enum sbx_job_phase phase, size_t test, char *const *artifact_hosts,
		   struct sbx_config *cfg, struct sbx_error *err);

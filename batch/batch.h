/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sbxctr batch`: runs every job of a JOBS.jsonl file, N at a time, each in
 * its own sandbox, and writes one result line per job as it finishes.
 *
 * Layout: the calling process is the scheduler; it forks one worker process
 * per parallel slot. A worker runs one job at a time (compile, run, tests),
 * supervising its sandbox with the non-blocking sandbox API while it also
 * watches its control socket and signals, and sends the result line back.
 * Only the scheduler writes results, one write() per line. Workers exist so
 * that sandbox set-up (clone, mounts, pivot_root), which blocks its caller,
 * runs on every CPU at once instead of one set-up after the other.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "batch/jobs.h"
#include "core/error.h"

#define SBX_BATCH_PARALLEL_MAX 1024
/* sbx_batch_run()'s return for a batch-level error */
#define SBX_BATCH_FAILED SBX_EXIT_FAILURE

/* A job's status in its result line. */
enum sbx_batch_job_status {
	SBX_BATCH_STATUS_OK,
	SBX_BATCH_STATUS_COMPILE_ERROR,
	SBX_BATCH_STATUS_INTERNAL,
	SBX_BATCH_N_STATUS
};
/* Runs are counted by reason: enum sbx_reason, SBX_REASON_NONE .. SBX_REASON_INTERNAL. */
#define SBX_BATCH_N_REASONS 8

/* What a progress callback is told. */
enum sbx_batch_event {
	SBX_BATCH_EV_TICK,   /* about 4 times a second while jobs run */
	SBX_BATCH_EV_JOB,    /* a job finished (its line was written) */
	SBX_BATCH_EV_OUTPUT, /* a result line is about to be written (results_on_tty: clear a bar) */
	SBX_BATCH_EV_NOTE,   /* a remark for the user (status.note) */
	SBX_BATCH_EV_END,    /* the batch ended (finished, or stopped by status.stop_sig) */
	SBX_BATCH_EV_FAILED, /* the batch failed (sbx_batch_run returns SBX_BATCH_FAILED) */
};

struct sbx_batch_status {
	size_t total;	/* jobs to run in this invocation */
	size_t done;	/* of which finished */
	size_t skipped; /* already in the results (--resume) */
	size_t failed;	/* not ok, or a run that did not exit 0 by itself */
	size_t running;
	size_t by_status[SBX_BATCH_N_STATUS];
	uint64_t runs[SBX_BATCH_N_REASONS]; /* every run (a test is a run), by reason */
	uint64_t cpu_user_us, cpu_sys_us;   /* of every sandbox */
	uint64_t elapsed_us;
	int stop_sig;	     /* the signal that stopped the batch, or 0 */
	bool results_on_tty; /* result lines go to a terminal */
	const char *note;    /* SBX_BATCH_EV_NOTE */
};

typedef void (*sbx_batch_progress_fn)(enum sbx_batch_event ev, const struct sbx_batch_status *st, void *userdata);

struct sbx_batch_opts {
	char *jobs;	/* JOBS.jsonl */
	char *results;	/* OUT.jsonl; NULL: results_fd */
	int results_fd; /* where the lines go without results (the CLI: standard output) */
	unsigned parallel; /* 0: the number of usable CPUs */
	bool pin;	/* each slot on its own CPU */
	bool resume;	/* skip the ids already in results */
	char *rootfs;	/* for jobs that name neither bundle nor rootfs */
	sbx_batch_progress_fn progress; /* NULL: none */
	void *progress_data;
};

/*
 * Runs the batch: 0 when it ran (whatever the verdicts), SBX_BATCH_FAILED
 * on a batch-level error (err says why), 128+N when signal N (SIGINT,
 * SIGTERM, SIGHUP) stopped it: every running sandbox is then killed and only
 * complete result lines are left. The batch writes nothing but result lines;
 * progress goes to the callback.
 */
int sbx_batch_run(const struct sbx_batch_opts *o, struct sbx_error *err);

/* --- one job (a batch worker's unit of work; also the service's) ------------ */

/* What a finished job adds to the batch's counts. */
struct sbx_batch_job_stats {
	uint8_t status; /* enum sbx_batch_job_status */
	uint8_t failed; /* not ok, or a run that did not exit 0 by itself */
	uint32_t runs[SBX_BATCH_N_REASONS];
	uint64_t cpu_user_us, cpu_sys_us;
};

struct sbx_sandbox;
struct sbx_cgroup_root;

/*
 * How a caller takes over parts of a job's sandboxes (every hook may be
 * NULL). configure: the config of one step is complete (last changes).
 * start: create and start a sandbox for cfg (cfg is the step's and lives as
 * long as the sandbox); on failure *ret may hold a sandbox to be freed.
 * wait: supervise to the end (0), or -ECANCELED to stop the job. report:
 * the step's report object, before it goes into the result.
 */
struct sbx_batch_hooks {
	int (*configure)(void *data, const struct sbx_job *job, enum sbx_job_phase phase, size_t test,
			 struct sbx_config *cfg, struct sbx_error *err);
	int (*start)(void *data, const struct sbx_job *job, enum sbx_job_phase phase, size_t test,
		     struct sbx_config *cfg, struct sbx_sandbox **ret, struct sbx_error *err);
	int (*wait)(void *data, struct sbx_sandbox *sb, struct sbx_error *err);
	void (*report)(void *data, json_object *rep, enum sbx_job_phase phase, size_t test);
};

struct sbx_batch_job_ctx {
	const char *rootfs;		 /* for jobs that name neither rootfs nor bundle (NULL: none) */
	const char *scratch;		 /* a private, empty directory: inline contents, artifacts */
	struct sbx_cgroup_root *cg_root; /* lent to every sandbox, or NULL */
	int stop_fd;			 /* without a wait hook: readable or hung up = stop; -1 */
	int pin_cpu;			 /* >= 0: the cpuset of sandboxes that ask for none (--pin) */
	bool overlay;			 /* read-only roots get a private overlay (the kernel has overlayfs) */
	const struct sbx_batch_hooks *hooks;
	void *hooks_data;
	/*
	 * The last sandbox, finished and reaped, with its config: its teardown
	 * (cgroup kill/rmdir, workdir unmount, slot) waits for
	 * sbx_batch_job_release_spent(), so that it is not on the result's
	 * critical path; the next step of a job releases it first.
	 */
	struct sbx_sandbox *spent;
	struct sbx_config *spent_cfg;
};

/*
 * Runs every step of a parsed job (materializing its inline contents into
 * ctx->scratch, emptied again at the end) and returns its result object:
 * id, line (when line > 0), status, compile, tests or the run's report; or
 * NULL when the caller stopped it (the running sandbox is killed).
 */
json_object *sbx_batch_job_run(struct sbx_batch_job_ctx *ctx, struct sbx_job *job, unsigned line,
			       struct sbx_batch_job_stats *st);
/* Tears down the last finished sandbox (see struct sbx_batch_job_ctx). */
void sbx_batch_job_release_spent(struct sbx_batch_job_ctx *ctx);
/* The result of a job that never reached a sandbox (a bad line): status internal, msg as the error. */
json_object *sbx_batch_internal_result(const char *id, unsigned line, const char *msg);
/* A result object as one JSONL line (consumes o; malloc'd). */
char *sbx_batch_result_line(json_object *o);
const char *sbx_batch_status_name(enum sbx_batch_job_status st);

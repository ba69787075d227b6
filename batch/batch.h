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

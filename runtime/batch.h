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

#include "runtime/error.h"

#define SBX_BATCH_PARALLEL_MAX 1024

struct sbx_batch_opts {
	char *jobs;	/* JOBS.jsonl */
	char *results;	/* OUT.jsonl; NULL: standard output */
	unsigned parallel; /* 0: the number of usable CPUs */
	bool pin;	/* each slot on its own CPU */
	bool resume;	/* skip the ids already in results */
	char *rootfs;	/* for jobs that name neither bundle nor rootfs */
	bool quiet;	/* no progress and no summary */
	int progress_fd; /* progress and summary go here (-1: nowhere) */
	bool help;
};

/* argv[0] is "batch". Errors name the flag and the value. */
int sbx_batch_parse_args(int argc, char **argv, struct sbx_batch_opts *ret, struct sbx_error *err);
void sbx_batch_opts_free(struct sbx_batch_opts *o);

/*
 * Runs the batch and returns the exit status of `sbxctr batch`: 0 when it
 * ran (whatever the verdicts), 125 on a batch-level error (err says why),
 * 128+N when signal N (SIGINT, SIGTERM, SIGHUP) stopped it: every running
 * sandbox is then killed and only complete result lines are left.
 */
int sbx_batch_run(const struct sbx_batch_opts *o, struct sbx_error *err);

extern const char sbx_batch_usage[];

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: one batch job line -> sbx_job_parse() -> sbx_job_config() (no sandbox runs).
 * SBX_FUZZ_REQUIRES: batch/jobs.h
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "batch/jobs.h"
#include "runtime/bundle.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_error err = {0};
	struct sbx_job *job = NULL;
	free(sbx_job_peek_id((const char *)data, size));
	if (sbx_job_parse((const char *)data, size, "fuzz.jsonl:1", &job, &err) < 0)
		return 0;
	/* the pure mapping too, with every inline content given a host path as the batch would */
	char *arts[] = {"/a0", "/a1", "/a2", "/a3", NULL};
	size_t n_arts = 0;
	while (job->artifacts && job->artifacts[n_arts])
		n_arts++;
	struct sbx_options *steps[] = {&job->run, job->compile};
	for (size_t i = 0; i < 2; i++) {
		for (size_t f = 0; steps[i] && f < steps[i]->n_files; f++)
			if (!steps[i]->files[f].host)
				steps[i]->files[f].host = sbx_xstrdup("/inline");
	}
	for (size_t t = 0; n_arts <= 4 && t <= job->n_tests && t < 4; t++) {
		struct sbx_config *cfg = NULL;
		if (sbx_config_default("/", (char *[]){"x", NULL}, &cfg, &err) == 0) {
			sbx_job_config(job, t == 0 && job->compile ? SBX_JOB_COMPILE : SBX_JOB_RUN,
				       t == 0 ? SBX_JOB_NO_TEST : t - 1, arts, cfg, &err);
			sbx_config_free(cfg);
		}
	}
	sbx_job_free(job);
	return 0;
}

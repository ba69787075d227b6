/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: one line of a batch jobs.jsonl -> a job. Built once the
 * batch module provides the parser (header below); it is expected to take a
 * buffer and its length, as every parser here does.
 * SBX_FUZZ_REQUIRES: runtime/jobs.h
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime/jobs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_job *job = NULL;
	struct sbx_error err = {0};
	if (sbx_job_parse_line((const char *)data, size, &job, &err) < 0) {
		if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
			__builtin_trap();
		return 0;
	}
	sbx_job_free(job);
	return 0;
}

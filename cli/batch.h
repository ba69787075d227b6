/* SPDX-License-Identifier: Apache-2.0 */
/* `sbxctr batch`'s command line (pure: argv in, options out), for cli/batch.c and its tests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch/batch.h"
#include "core/error.h"

struct sbx_batch_cli {
	struct sbx_batch_opts o;
	bool quiet; /* no progress and no summary */
	bool help;
	/* progress on standard error */
	int pfd;
	bool tty, bar_shown;
	uint64_t last_draw, last_plain;
	size_t plain_mark;
};

/* argv[0] is "batch". Errors name the flag and the value. */
int sbx_cli_parse_batch(int argc, char **argv, struct sbx_batch_cli *ret, struct sbx_error *err);
void sbx_batch_cli_free(struct sbx_batch_cli *c);

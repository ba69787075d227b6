/* SPDX-License-Identifier: Apache-2.0 */
/* `sbxctr serve`'s command line, parsed (pure, for the tests). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "serve/serve.h"

struct sbx_serve_cli {
	struct sbx_serve_opts o; /* its strings point into the fields below */
	char *socket, *listen, *token, *rootfs, *state_dir;
	char **allow_rootfs;
	uint64_t drain_us;
	bool quiet;
	bool help;
};

/* Parses `serve`'s arguments (argv[0] is "serve"); reads --token-file. */
int sbx_cli_parse_serve(int argc, char **argv, struct sbx_serve_cli *c, struct sbx_error *err);
void sbx_serve_cli_free(struct sbx_serve_cli *c);

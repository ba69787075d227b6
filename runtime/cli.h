/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line parsing for `sbxctr run` (pure: argv in, options out) and the
 * merge of options into a config. Kept in the library so that it is
 * unit-tested without running anything; main.c only dispatches.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "runtime/config.h"
#include "runtime/error.h"

struct sbx_run_opts {
	char *bundle;
	char *rootfs;
	char *id;
	char **argv; /* the command after "--" (bundle-less form) */
	char *workdir;
	bool has_workdir_size;
	uint64_t workdir_size;
	char **env; /* K=V */
	char *hostname;
	int preserve_fds;
	bool init;
	char *report;
	bool help;
};

void sbx_run_opts_free(struct sbx_run_opts *o);

/* argv[0] is "run". Errors name the flag and the value. */
int sbx_cli_parse_run(int argc, char **argv, struct sbx_run_opts *ret, struct sbx_error *err);

/* The bundle's config (or the built-in default) with the flags applied. */
int sbx_cli_build_config(const struct sbx_run_opts *o, struct sbx_config **ret, struct sbx_error *err);

extern const char sbx_run_usage[];

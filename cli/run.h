/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line parsing for `sbxctr run` (pure: argv in, options out) and the
 * merge of options into a config. Kept in the library so that it is
 * unit-tested without running anything; main.c only dispatches.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "oci/config.h"
#include "core/error.h"

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
	char *meta; /* isolate-style key:value report */
	/* limits */
	uint64_t time_us, wall_time_us;
	bool has_output_limit;
	uint64_t output_limit;
	bool has_fsize, has_nofile, has_stack;
	uint64_t fsize, nofile, stack;
	/* files */
	char *stdin_path, *stdout_path, *stderr_path;
	bool stderr_to_stdout;
	struct sbx_copy *copy_in, *copy_out;
	size_t n_copy_in, n_copy_out;
	uint64_t copy_out_max;
	struct sbx_net_spec net; /* --net* flags, NULL = not given */
	char *seccomp;		 /* --seccomp FILE|default|compute-only|unconfined */
	struct sbx_resources res; /* --memory, --cpus, ... (has_* set when given) */
	bool has_cgroup_mode;
	int cgroup_mode;
	char *cgroup_parent;
	bool tty;	/* -t: process.terminal, on the caller's own terminal */
	int policy;	/* enum sbx_policy, from the global flags (not a run flag) */
	bool help;
};

void sbx_run_opts_free(struct sbx_run_opts *o);

/* argv[0] is "run". Errors name the flag and the value. */
int sbx_cli_parse_run(int argc, char **argv, struct sbx_run_opts *ret, struct sbx_error *err);

/* The bundle's config (or the built-in default) with the flags applied. */
int sbx_cli_build_config(const struct sbx_run_opts *o, struct sbx_config **ret, struct sbx_error *err);

extern const char sbx_run_usage[];

/*
 * The error for getopt_long()'s ':' (missing value) and '?' (unknown
 * option) returns, for verb ("run", "batch"). Returns -EINVAL.
 */
int sbx_cli_getopt_error(int c, char **argv, const char *verb, struct sbx_error *err);

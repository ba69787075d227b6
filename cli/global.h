/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The global flags that come before the verb, as runc spells them:
 *   --root DIR, --log FILE, --log-format text|json, --debug,
 *   --systemd-cgroup, --cgroup-manager cgroupfs|systemd|disabled,
 *   --rootless true|false|auto, --policy hardened|exact
 * Parsing is pure (argv in, struct out); sbx_globals_apply() installs the
 * log sink and says in the log what the engine flags did.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"
#include "runtime/container.h"

struct sbx_globals {
	char *root;	 /* NULL: /run/sbxctr */
	char *log_path;	 /* NULL: standard error */
	bool log_json;	 /* --log-format json: runc's {"level","msg","time"} lines */
	bool debug;
	bool systemd_cgroup;
	char *cgroup_manager; /* NULL, "cgroupfs", "systemd", "disabled" */
	char *rootless;	      /* NULL, "true", "false", "auto" */
	bool has_policy;
	enum sbx_policy policy;
	int verb; /* index in argv of the verb; argc when there is none */
	bool version, help;
	FILE *log; /* open --log file, after sbx_globals_apply() */
};

/* argv[0] is the program. Errors name the flag and the value. */
int sbx_globals_parse(int argc, char **argv, struct sbx_globals *ret, struct sbx_error *err);
/* Opens --log, installs the log sink, logs what --systemd-cgroup & co. did. */
int sbx_globals_apply(struct sbx_globals *g, struct sbx_error *err);
void sbx_globals_free(struct sbx_globals *g);
/* The lifecycle's options from the flags, SBXCTR_POLICY and the defaults. */
int sbx_globals_container_opts(const struct sbx_globals *g, struct sbx_container_opts *ret, struct sbx_error *err);

/* The process's parsed global flags (set by main before a verb runs). */
const struct sbx_globals *sbx_cli_globals(void);
void sbx_cli_set_globals(const struct sbx_globals *g);

/*
 * "VERB [-f|--force] ID" (force NULL: no such flag); *help when asked for.
 * The verbs that take only an id use it.
 */
int sbx_cli_id_args(int argc, char **argv, const char *verb, bool *force, const char **ret_id, bool *help,
		    struct sbx_error *err);
/*
 * `update`'s arguments: --resources FILE|- read first, the flags over its
 * fields (runc's spellings; the ones sbxctr does not set are logged and
 * ignored). Pure but for reading the file.
 */
struct sbx_resources;
int sbx_cli_parse_update(int argc, char **argv, struct sbx_resources *ret, const char **ret_id, bool *help,
			 struct sbx_error *err);
/* Logs err and returns the failure exit status. */
int sbx_cli_fail(const struct sbx_error *err);

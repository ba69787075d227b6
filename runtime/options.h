/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run options: the one struct that says how a sandbox should run beyond its
 * config.json (limits, files, network, seccomp, init, workdir, env...), and
 * the one table that maps each option onto a CLI flag, a job-line field and
 * a config setter. `sbxctr run` builds its getopt table and --help from the
 * table; batch job lines (and the service's requests, which are job lines)
 * are read through it; the public API's sbxctr_options_set() is a lookup in
 * it. Adding a limit is one row (plus its setter when it maps onto a config
 * field no row sets yet).
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "core/jsonutil.h"
#include "oci/config.h"

enum sbx_opt_id {
	/* what runs, and where: a job's top level only (not in compile or tests) */
	SBX_OPT_BUNDLE,
	SBX_OPT_ROOTFS,
	SBX_OPT_WORKDIR,
	SBX_OPT_ARGV,
	SBX_OPT_WORKDIR_SIZE,
	SBX_OPT_ENV,
	SBX_OPT_HOSTNAME,
	SBX_OPT_PRESERVE_FDS,
	SBX_OPT_TTY,
	SBX_OPT_INIT,
	SBX_OPT_NO_INIT,
	SBX_OPT_ROOTFS_OVERLAY,
	SBX_OPT_ROOTFS_WRITABLE,
	SBX_OPT_SECCOMP,
	SBX_OPT_SECCOMP_KILL,
	SBX_OPT_REPORT,
	SBX_OPT_META,
	/* limits */
	SBX_OPT_TIME,
	SBX_OPT_WALL_TIME,
	SBX_OPT_OUTPUT_LIMIT,
	SBX_OPT_FSIZE,
	SBX_OPT_NOFILE,
	SBX_OPT_STACK,
	SBX_OPT_MEMORY,
	SBX_OPT_MEMORY_SWAP,
	SBX_OPT_MEMORY_HIGH,
	SBX_OPT_CPUS,
	SBX_OPT_CPU_WEIGHT,
	SBX_OPT_CPUSET,
	SBX_OPT_PIDS,
	SBX_OPT_CGROUPS,
	SBX_OPT_CGROUP_PARENT,
	/* files */
	SBX_OPT_STDIN,
	SBX_OPT_STDIN_TEXT,
	SBX_OPT_STDOUT,
	SBX_OPT_STDERR,
	SBX_OPT_STDERR_TO_STDOUT,
	SBX_OPT_FILES, /* --copy-in, "files" */
	SBX_OPT_COPY_OUT,
	SBX_OPT_COPY_OUT_MAX,
	/* network */
	SBX_OPT_NET,
	SBX_OPT_NET_IP,
	SBX_OPT_NET_HOST_IP,
	SBX_OPT_NET_IP6,
	SBX_OPT_NET_HOST_IP6,
	SBX_OPT_NET_HOST_NAME,
	SBX_OPT_NET_RATE_OUT,
	SBX_OPT_NET_RATE_IN,
	SBX_OPT_NET_BURST,
	SBX_OPT_NET_LATENCY,
	SBX_OPT__COUNT,
};

/* How a value is spelled (on the command line; in JSON a string is read the same way). */
enum sbx_opt_type {
	SBX_OT_STRING,	 /* a non-empty string */
	SBX_OT_WORKPATH, /* an absolute path below / (the workdir) */
	SBX_OT_SIZE,	 /* bytes: 4096, "64k", "256M"; JSON also an integer */
	SBX_OT_SECONDS,	 /* > 0: 1.5, "300ms"; JSON also a number */
	SBX_OT_COUNT,	 /* an integer from min to max */
	SBX_OT_CPUS,	 /* decimal CPUs, 0.01 to 1024, kept in millionths */
	SBX_OT_BOOL,	 /* a flag without value; JSON true/false */
	SBX_OT_ENUM,	 /* one of choices[] (kept as its index) */
	SBX_OT_ENV,	 /* K=V, repeatable; JSON {"K": "V"} or ["K=V"] */
	SBX_OT_ARGV,	 /* the command (after "--"); JSON a non-empty array of strings */
	SBX_OT_TEXT,	 /* inline contents, any byte (JSON only) */
	SBX_OT_FILES,	 /* HOST:PATH, repeatable; JSON {"path": "/host" | {"host"|"text", "mode"}} */
	SBX_OT_COPY_OUT, /* PATH:HOST, repeatable; JSON {"path": "/host"} */
};

/* Row flags. */
enum {
	SBX_OPTF_TOP = 1u << 0,	   /* a job's top level only: not in "compile" or "tests" */
	SBX_OPTF_NOAPPLY = 1u << 1, /* read by the caller (report paths): sets nothing in the config */
};

/* One file for the workdir: a host file or tree, or inline contents. */
struct sbx_opt_file {
	char *sandbox; /* path in the workdir (relative, or absolute below it) */
	char *host;    /* host path; inline text gets one from sbx_options_materialize() */
	char *text;    /* inline contents (NULL: a host file) */
	size_t text_len;
	mode_t mode; /* inline file's mode (default 0644) */
};

/*
 * A set of option values; set[id] says which were given, so that "absent"
 * and a zero value stay apart and a test's options can override a job's
 * one by one. The fields are the table's storage: read them, but set them
 * through sbx_options_set_*().
 */
struct sbx_options {
	bool set[SBX_OPT__COUNT];
	char *bundle, *rootfs, *workdir;
	char **argv;
	uint64_t workdir_size;
	char **env; /* "K=V" */
	char *hostname;
	uint64_t preserve_fds;
	bool tty; /* process.terminal */
	bool init;
	bool no_init; /* --no-init: the program stays pid 1 even where --init is the default */
	bool rootfs_overlay, rootfs_writable;
	char *seccomp; /* a shipped profile's name, "unconfined" or a file */
	char *seccomp_kill; /* "sandbox" or "exact" */
	char *report, *meta;
	uint64_t time_us, wall_time_us, output_limit, fsize, nofile, stack;
	uint64_t memory, memory_swap, memory_high;
	uint64_t cpus_ppm; /* CPUs in millionths: 0.5 -> 500000 */
	uint64_t cpu_weight;
	char *cpuset;
	uint64_t pids;
	char *cgroups; /* "auto", "required", "best-effort", "off" */
	char *cgroup_parent;
	char *stdin_path, *stdin_text, *stdout_path, *stderr_path;
	size_t stdin_text_len;
	bool stderr_to_stdout;
	struct sbx_opt_file *files;
	size_t n_files;
	struct sbx_copy *copy_out;
	size_t n_copy_out;
	uint64_t copy_out_max;
	struct sbx_net_spec net;
};

struct sbx_option_def {
	enum sbx_opt_id id;
	const char *flag;  /* long CLI flag without "--"; NULL: not a flag */
	char short_name;   /* a one-letter alias ("-t"), or 0 */
	const char *field; /* job-line field; NULL: not one */
	enum sbx_opt_type type;
	unsigned flags;	  /* SBX_OPTF_* */
	size_t offset;	  /* of the value in struct sbx_options */
	uint64_t min, max; /* COUNT; SIZE's minimum (0: none) */
	const char *const *choices; /* ENUM, NULL-terminated */
	const char *expect;	    /* what a valid value is, for errors: "a number of seconds" */
	const char *metavar;	    /* "SIZE"; NULL for a BOOL flag */
	const char *help;	    /* --help text; "\n" starts a continuation line */
	const char *section;	    /* --help section: NULL (general), "Limits", "Files", "Network" */
	/* onto the config; NULL: the table's generic setter for the type (or nothing: NOAPPLY) */
	int (*apply)(const struct sbx_options *o, struct sbx_config *cfg, struct sbx_error *err);
};

/* The table, SBX_OPT__COUNT rows in enum order (and --help order). */
extern const struct sbx_option_def sbx_option_table[SBX_OPT__COUNT];
/* Lookup by CLI flag ("memory", no dashes) or by job field; NULL if none. */
const struct sbx_option_def *sbx_option_by_flag(const char *flag);
const struct sbx_option_def *sbx_option_by_field(const char *field);

void sbx_options_init(struct sbx_options *o);
void sbx_options_clear(struct sbx_options *o);

/*
 * Sets an option from its command-line spelling (repeatable options add a
 * value; a BOOL takes "true"/"false" here, or NULL for true). Errors name
 * the flag and the value: --memory: invalid size "x" (e.g. 4096, 64k, 256M, 1G).
 */
int sbx_options_set_str(struct sbx_options *o, const struct sbx_option_def *def, const char *value,
			struct sbx_error *err);
/* Sets an option from a JSON value at loc (a job line); errors name the document and the field. */
int sbx_options_set_json(struct sbx_options *o, const struct sbx_option_def *def, json_object *v,
			 const struct sbx_jloc *loc, struct sbx_error *err);
/* The command (a copy of argv). */
void sbx_options_set_argv(struct sbx_options *o, char *const *argv);
/* One more file for the workdir from the host, or one more copy-out (paths on both sides may contain ':'). */
int sbx_options_add_file(struct sbx_options *o, const char *host, const char *sandbox, struct sbx_error *err);
int sbx_options_add_copy_out(struct sbx_options *o, const char *sandbox, const char *host, struct sbx_error *err);

/*
 * A path inside the workdir as a JSON field names it (the rule of
 * --copy-in/--copy-out: non-empty, no ".."), with the error at loc.
 */
int sbx_options_json_inside(const char *path, const struct sbx_jloc *loc, struct sbx_error *err);

/*
 * Cross-option checks of one set (stdin vs stdin_text, stderr vs
 * stderr_to_stdout, bundle vs rootfs); doc/loc name it in errors (loc NULL:
 * command-line wording).
 */
int sbx_options_check(const struct sbx_options *o, const struct sbx_jloc *loc, struct sbx_error *err);

/*
 * Writes the inline contents (files' text, stdin_text) to files in dir named
 * <tag>f<i> and <tag>stdin, so that sbx_options_apply() sees host paths only.
 */
int sbx_options_materialize(struct sbx_options *o, const char *dir, const char *tag, struct sbx_error *err);

/*
 * Applies every given option onto cfg, row by row (the generic setters and
 * the rows' own). Applying a job's options and then a test's gives the
 * test's config. Reading a seccomp profile file is the only I/O.
 */
int sbx_options_apply(const struct sbx_options *o, struct sbx_config *cfg, struct sbx_error *err);
/* One option, if it is set. */
int sbx_options_apply_one(const struct sbx_options *o, enum sbx_opt_id id, struct sbx_config *cfg,
			  struct sbx_error *err);
/*
 * o's options except those that over (or NULL) replaces: the values it sets
 * itself, lists (env, files, copy-out) excepted, which add up. The caller
 * then applies over. So a replaced value is never applied at all.
 */
int sbx_options_apply_under(const struct sbx_options *o, const struct sbx_options *over, struct sbx_config *cfg,
			    struct sbx_error *err);

/*
 * The base config of a run: the built-in default for o->rootfs (or
 * default_rootfs) with argv, else the bundle's config.json (o->bundle, or
 * "." for none).
 */
int sbx_options_base_config(const struct sbx_options *o, const char *default_rootfs, char *const *argv,
			    struct sbx_config **ret, struct sbx_error *err);

/*
 * --help text for the rows that are CLI flags, grouped by section, in table
 * order (malloc'd).
 */
char *sbx_options_help(void);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The typed sandbox configuration: OCI runtime-spec config.json (1.0-1.2)
 * plus sbxctr's own settings (from org.sbxctr.* annotations and CLI flags).
 * Parsing is pure: buffers in, struct out, errors naming the JSON path.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

struct json_object;

struct sbx_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct sbx_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft;
	uint64_t hard;
};

struct sbx_kv {
	char *key;
	char *value;
};

struct sbx_mount {
	char *destination; /* absolute path inside the sandbox */
	char *type;	   /* "bind", "tmpfs", "proc", ... (may be NULL for bind) */
	char *source;	   /* for binds: absolute, or relative to the bundle */
	char **options;	   /* NULL-terminated */
};

/*
 * What sbxctr adds to a config (docs/oci.md): hardened (the default) adds a
 * user namespace with an unprivileged id range and an idmapped rootfs,
 * no_new_privs, the default seccomp profile and the OCI default masks where
 * the config has none; exact takes config.json as written, as crun does.
 */
enum sbx_policy {
	SBX_POLICY_HARDENED = 0,
	SBX_POLICY_EXACT,
};

/* OCI hooks, in the order of the lifecycle. */
enum sbx_hook_kind {
	SBX_HOOK_PRESTART,
	SBX_HOOK_CREATE_RUNTIME,
	SBX_HOOK_CREATE_CONTAINER,
	SBX_HOOK_START_CONTAINER,
	SBX_HOOK_POSTSTART,
	SBX_HOOK_POSTSTOP,
	SBX_HOOK__COUNT,
};

struct sbx_hook {
	char *path;
	char **args; /* NULL-terminated; NULL: argv is just path */
	char **env;  /* NULL-terminated; NULL: empty environment */
	int timeout; /* seconds, 0 = none */
};

struct sbx_hook_list {
	struct sbx_hook *v;
	size_t n;
};

/* linux.devices: one node made in the container's /dev (or bound from the host). */
struct sbx_device {
	char *path; /* absolute inside the container */
	char type;  /* 'c', 'b', 'u' (unbuffered char) or 'p' (fifo) */
	int64_t major, minor;
	bool has_mode;
	uint32_t mode; /* permission bits */
	uint32_t uid, gid;
};

/* Namespace kinds, in the order the kernel documents them. */
enum sbx_ns_type {
	SBX_NS_USER,
	SBX_NS_PID,
	SBX_NS_MOUNT,
	SBX_NS_NET,
	SBX_NS_IPC,
	SBX_NS_UTS,
	SBX_NS_CGROUP,
	SBX_NS_TIME,
	SBX_NS__COUNT,
};

struct sbx_ns {
	bool enabled; /* a new namespace, or the path to join */
	char *path;   /* NULL: create a new one */
};

/* Capability sets as bitmasks of CAP_* numbers. */
struct sbx_caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

/*
 * linux.resources (and the limit flags, which override it). Every value has a
 * has_ flag so that "absent" and "0" stay distinct. Applied by cgroups/.
 */
struct sbx_resources {
	bool has_memory_limit;
	int64_t memory_limit; /* bytes, -1 = unlimited */
	bool has_memory_reservation;
	int64_t memory_reservation; /* memory.low */
	bool has_memory_swap;
	int64_t memory_swap; /* OCI: memory + swap total, -1 = unlimited */
	bool has_swap_max;
	int64_t swap_max; /* sbxctr flag --memory-swap: memory.swap.max directly */
	bool has_memory_high;
	int64_t memory_high;
	bool has_cpu_shares;
	uint64_t cpu_shares; /* cgroup v1 units, converted to cpu.weight */
	bool has_cpu_weight;
	uint64_t cpu_weight; /* direct cpu.weight (flag), wins over shares */
	bool has_cpu_quota;
	int64_t cpu_quota; /* us per period, -1 = max */
	bool has_cpu_period;
	uint64_t cpu_period;
	char *cpuset_cpus;
	char *cpuset_mems;
	bool has_pids_limit;
	int64_t pids_limit; /* <= 0 = unlimited */
	struct sbx_kv *unified; /* raw cgroup v2 files, linux.resources.unified */
	size_t n_unified;
};

/* sbxctr's network settings (org.sbxctr.net* annotations, --net* flags). */
struct sbx_net_spec {
	char *mode;	 /* "none" (default), "veth", "host"; joining = namespaces[net].path */
	char *host_ip;	 /* CIDR of the host end */
	char *ip;	 /* CIDR of eth0 in the sandbox */
	char *ip6;	 /* optional IPv6 CIDR of eth0 */
	char *host_ip6;	 /* optional IPv6 CIDR of the host end */
	char *rate_out;	 /* tc-style rate, sandbox egress */
	char *rate_in;	 /* tc-style rate, sandbox ingress */
	char *burst;	 /* tc-style size */
	char *latency;	 /* tc-style time */
	char *host_name; /* host end interface name */
};

struct sbx_process {
	char **args;
	char **env;
	char *cwd;
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	mode_t umask;
	struct sbx_rlimit *rlimits;
	size_t n_rlimits;
	bool has_caps;
	struct sbx_caps caps;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	bool terminal;
};

struct sbx_workdir {
	char *path;	   /* NULL: no workdir */
	uint64_t size;	   /* bytes */
	uint64_t nr_inodes;
};

/* A file or tree copied into the workdir before the run, or out of it after. */
struct sbx_copy {
	char *host;	/* host path */
	char *sandbox;	/* path relative to the workdir (or absolute below it) */
};

/* Per-run limits enforced by the supervisor (beyond cgroups and rlimits). */
struct sbx_run_limits {
	uint64_t cpu_time_us;	/* --time: CPU of the whole tree, 0 = none */
	uint64_t wall_time_us;	/* --wall-time, 0 = none */
	bool has_output_limit;
	uint64_t output_limit;	/* --output-limit: bytes per stream */
};

/* Where the program's stdio goes and what is copied in and out. */
struct sbx_io {
	char *stdin_path;  /* NULL: inherit (run) or /dev/null (batch) */
	char *stdout_path; /* NULL: inherit, or the runtime's stdout when captured */
	char *stderr_path;
	bool stderr_to_stdout;
	bool capture;	   /* read stdout/stderr through pipes (counting, capping) */
	bool inherit_stdin;
	struct sbx_copy *copy_in;
	size_t n_copy_in;
	struct sbx_copy *copy_out;
	size_t n_copy_out;
	uint64_t copy_out_max; /* bytes per copied-out file */
	/*
	 * The embedding program's own fds (the public API): has_fd[i] lends
	 * fd[i] as stdin/stdout/stderr (it wins over the path); pass_fds[j]
	 * becomes fd 3+j in the program. Lent, never closed by the sandbox,
	 * which works on duplicates.
	 */
	bool has_fd[3];
	int fd[3];
	int *pass_fds;
	size_t n_pass_fds;
};

/* At most this many fds are passed to a program (pass_fds). */
#define SBX_PASS_FDS_MAX 64

struct sbx_config {
	char *oci_version;
	char *bundle_dir; /* absolute; NULL for the built-in config */
	char *root_path;  /* absolute */
	bool root_readonly;
	struct sbx_process process;
	char *hostname;
	char *domainname;
	struct sbx_mount *mounts;
	size_t n_mounts;
	struct sbx_ns ns[SBX_NS__COUNT];
	struct sbx_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct sbx_idmap *gid_mappings;
	size_t n_gid_mappings;
	char **masked_paths;
	char **readonly_paths;
	struct sbx_kv *sysctl;
	size_t n_sysctl;
	unsigned long rootfs_propagation; /* MS_* propagation flag, 0 = default (private) */
	struct sbx_resources resources;
	/*
	 * The profile's text: a file's, a shipped profile's, or for
	 * linux.seccomp its canonical serialisation (the compile cache's key;
	 * the compiler takes seccomp_obj itself). NULL when absent.
	 */
	char *seccomp_json;
	struct json_object *seccomp_obj; /* linux.seccomp itself, when seccomp_json is its serialisation */
	char *seccomp_file;	 /* a profile file to read when the sandbox is created (runtime/bundle.c) */
	char *seccomp_doc;	 /* names the profile in messages ("config.json: linux.seccomp") */
	bool seccomp_unconfined; /* explicit opt-out (--seccomp unconfined) */
	struct sbx_kv *annotations;
	size_t n_annotations;
	struct sbx_hook_list hooks[SBX_HOOK__COUNT];
	struct sbx_device *devices;
	size_t n_devices;
	char *cgroups_path; /* linux.cgroupsPath */

	/* set by sbx_config_apply_policy() (oci/policy.h) */
	int policy;	   /* enum sbx_policy */
	bool idmap_rootfs; /* show the rootfs through an idmapped mount of the container's user namespace */

	/* sbxctr settings beyond the OCI spec */
	struct sbx_workdir workdir;
	struct sbx_net_spec net;
	bool init;	   /* --init: a reaping init as pid 1 */
	/*
	 * What a profile's kill action does. false ("sandbox", for run --rootfs
	 * and batch): any kill ends the whole sandbox and the report names the
	 * syscall. true ("exact", for bundles run through the OCI lifecycle):
	 * the kernel's meaning, KILL_THREAD the thread, KILL_PROCESS the
	 * process; the report records it when it ends the program.
	 */
	bool seccomp_kill_exact;
	/*
	 * A private overlay of the root (lower: root_path): no inode of the
	 * rootfs is shared with another sandbox. Read-only unless
	 * rootfs_writable, whose changes go to a tmpfs and vanish at the end.
	 */
	bool rootfs_overlay;
	bool rootfs_writable;
	int preserve_fds;  /* fds 3..3+N-1 are passed to the program */
	struct sbx_run_limits limits;
	struct sbx_io io;
	int cgroup_mode;     /* enum sbx_cgroup_mode (cgroups/limits.h): auto, required, best-effort, off */
	char *cgroup_parent; /* --cgroup-parent; NULL: "<own cgroup>/sbxctr" */
	/* --systemd-cgroup: a named container's cgroup is in a systemd scope (cgroups/systemd.h) */
	bool systemd_cgroup;
};

/* Parses config.json text. bundle_dir makes root.path and bind sources absolute. */
int sbx_config_parse(const char *buf, size_t len, const char *bundle_dir, struct sbx_config **ret,
		     struct sbx_error *err);
/*
 * A process object by itself (`sbxctr exec --process FILE`; doc names it
 * in errors): the fields of config.json's "process". *ret_caps_given: it
 * had "capabilities" (without, exec keeps the container's). ret_seccomp
 * (may be NULL): its "seccomp", an OCI linux.seccomp object of its own
 * (sbxctr's extension), referenced, or left NULL.
 */
int sbx_process_parse(const char *buf, size_t len, const char *doc, struct sbx_process *ret, bool *ret_caps_given,
		      struct json_object **ret_seccomp, struct sbx_error *err);
void sbx_process_clear(struct sbx_process *p);
/* A linux.resources object by itself (`sbxctr update --resources FILE`). */
int sbx_resources_parse(const char *buf, size_t len, const char *doc, struct sbx_resources *ret,
			struct sbx_error *err);
void sbx_resources_clear(struct sbx_resources *r);
/* Only config.json's hooks (the lifecycle reads them back from the copy it keeps). */
int sbx_config_parse_hooks(const char *buf, size_t len, struct sbx_config **ret, struct sbx_error *err);
/*
 * The built-in default used by `sbxctr run --rootfs DIR -- CMD`, for the
 * rootfs at the absolute path abs: every namespace, read-only root, tmpfs
 * workdir /work as cwd, no capabilities, no_new_privs, OCI default
 * masked/readonly paths, the shipped default seccomp profile. (Resolving a
 * path given by the user is I/O: runtime/bundle.h.)
 */
int sbx_config_default_at(const char *abs, char *const *argv, struct sbx_config **ret, struct sbx_error *err);
/* Cross-field checks after CLI overrides (namespaces vs. mappings, ...). */
int sbx_config_validate(const struct sbx_config *cfg, struct sbx_error *err);
void sbx_config_free(struct sbx_config *cfg);
static inline void sbx_config_freep(struct sbx_config **c)
{
	sbx_config_free(*c);
}

/* Sets (or replaces) one rlimit in process.rlimits. */
void sbx_config_set_rlimit(struct sbx_config *cfg, int resource, uint64_t soft, uint64_t hard);
const struct sbx_rlimit *sbx_config_get_rlimit(const struct sbx_config *cfg, int resource);

/*
 * Selects a profile that needs no file: "unconfined", or a shipped profile
 * ("default", "compute-only"). -ENOENT when what is neither (a file name:
 * runtime/bundle.h reads it).
 */
int sbx_config_set_seccomp_builtin(struct sbx_config *cfg, const char *what);
/* A profile file, read when the sandbox is created (sbx_config_load_seccomp_file()). */
void sbx_config_set_seccomp_file(struct sbx_config *cfg, const char *path);
/* Takes text (malloc'd; NULL: no profile) as the profile; doc names it in messages. */
void sbx_config_set_seccomp_text(struct sbx_config *cfg, char *text, const char *doc);

/* Looks up an annotation; NULL if absent. */
const char *sbx_config_annotation(const struct sbx_config *cfg, const char *key);
/* Environment lookup in process.env ("KEY=value"); NULL if absent. */
const char *sbx_config_getenv(const struct sbx_config *cfg, const char *key);
/* Sets or replaces KEY=value in process.env. */
void sbx_config_setenv(struct sbx_config *cfg, const char *kv);

/* "prestart", "createRuntime", ... as config.json spells them. */
const char *sbx_hook_kind_name(enum sbx_hook_kind k);

/* Capability name <-> number ("CAP_SYS_ADMIN"); -1 if unknown. */
int sbx_cap_from_name(const char *name);
const char *sbx_cap_to_name(int cap);

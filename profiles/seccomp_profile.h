/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker/OCI seccomp profiles: json-c text -> profile model (pure), and moby's
 * resolution of includes/excludes/archMap for one host and container.
 * Semantics: docs/seccomp-docker-format.md (sections 2-4).
 *
 * Decisions recorded here (the doc asks loaders to record them):
 * - Keys are matched case-insensitively, the last matching key winning, as Go's
 *   encoding/json does ("DefaultAction" is accepted). Unknown keys are ignored.
 * - Podman's "defaultErrno"/"errno" (an errno name such as "ENOSYS", or a
 *   decimal number, as a string) are honoured and override
 *   "defaultErrnoRet"/"errnoRet".
 * - Strings that runc validates (actions, operators, "architectures", flags,
 *   argument indexes, errno ranges) are validated for every entry at parse
 *   time, even for entries that resolution later drops: a profile that loads
 *   on one host loads on all. archMap elements are validated only when they
 *   are selected, so that a profile naming an architecture this libseccomp
 *   does not know still loads elsewhere (as in Docker).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* JSON action strings; KILL and KILL_THREAD are kept apart only for display. */
enum sbx_seccomp_action {
	SBX_SECCOMP_ACT_NONE = 0, /* "" or absent: valid only in an unconfined profile */
	SBX_SECCOMP_ACT_KILL,	  /* SCMP_ACT_KILL = kill the thread */
	SBX_SECCOMP_ACT_KILL_THREAD,
	SBX_SECCOMP_ACT_KILL_PROCESS,
	SBX_SECCOMP_ACT_TRAP,
	SBX_SECCOMP_ACT_ERRNO,
	SBX_SECCOMP_ACT_TRACE,
	SBX_SECCOMP_ACT_LOG,
	SBX_SECCOMP_ACT_ALLOW,
	SBX_SECCOMP_ACT_NOTIFY,
};

/* Same numbering as libseccomp's enum scmp_compare. */
enum sbx_seccomp_op {
	SBX_SECCOMP_OP_NE = 1,
	SBX_SECCOMP_OP_LT,
	SBX_SECCOMP_OP_LE,
	SBX_SECCOMP_OP_EQ,
	SBX_SECCOMP_OP_GE,
	SBX_SECCOMP_OP_GT,
	SBX_SECCOMP_OP_MASKED_EQ, /* (arg & value) == value_two */
};

struct sbx_seccomp_arg {
	unsigned int index; /* 0-5 */
	uint64_t value;
	uint64_t value_two;
	enum sbx_seccomp_op op;
};

/* An includes/excludes object; NULL lists and absent minKernel impose nothing. */
struct sbx_seccomp_cond {
	char **caps;   /* "CAP_SYS_ADMIN", compared as exact strings */
	char **arches; /* Go spelling: "amd64", "arm64", ... */
	bool has_min_kernel;
	unsigned int min_kernel_major, min_kernel_minor; /* "" parses as 0.0 (moby quirk) */
};

struct sbx_seccomp_entry {
	char **names; /* NULL-terminated; the legacy "name" is folded in */
	enum sbx_seccomp_action action;
	bool has_errno_ret;
	uint64_t errno_ret; /* as written; libseccomp gets the low 16 bits (runc) */
	struct sbx_seccomp_arg *args;
	size_t n_args;
	char *comment;
	bool has_includes, has_excludes;
	struct sbx_seccomp_cond includes, excludes;
};

struct sbx_seccomp_archmap {
	char *arch;	   /* SCMP_ARCH_* string, unvalidated until selected */
	char **sub_arches; /* NULL-terminated, may be NULL */
};

struct sbx_seccomp_profile {
	char *doc;	   /* document name for messages */
	char *path_prefix; /* JSON path of the profile inside doc ("" or "linux.seccomp") */
	enum sbx_seccomp_action default_action;
	bool has_default_errno;
	uint64_t default_errno_ret;
	char **architectures; /* validated SCMP_ARCH_* strings, NULL when absent */
	struct sbx_seccomp_archmap *arch_map;
	size_t n_arch_map;
	struct sbx_seccomp_entry *syscalls;
	size_t n_syscalls;
	bool has_flags;	    /* "flags" present, even as [] (runc: [] means no flags) */
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* bits, TSYNC included as written */
	char *listener_path;
	char *listener_metadata;
};

/*
 * Parses a Docker profile, a bare OCI linux.seccomp object, or a whole OCI
 * config.json (its linux.seccomp is taken; none means unconfined). `doc`
 * names the document in messages, e.g.
 *   profile.json: syscalls[3].args[0].op: unknown operator "SCMP_CMP_FOO"
 */
int sbx_seccomp_profile_parse(const char *doc, const char *buf, size_t len,
			      struct sbx_seccomp_profile **ret, struct sbx_error *err);
struct json_object;
/*
 * The same from an already parsed profile object (an OCI linux.seccomp kept
 * by the config parser: no second parse); path_prefix ("linux.seccomp")
 * names its fields in messages.
 */
int sbx_seccomp_profile_from_json(const char *doc, struct json_object *obj, const char *path_prefix,
				  struct sbx_seccomp_profile **ret, struct sbx_error *err);
void sbx_seccomp_profile_free(struct sbx_seccomp_profile *p);
static inline void sbx_seccomp_profile_freep(struct sbx_seccomp_profile **p)
{
	sbx_seccomp_profile_free(*p);
}

/* The inputs of moby's resolution step. */
struct sbx_seccomp_env {
	uint64_t bounding_caps; /* bit n = capability number n */
	uint32_t native_arch;	/* SCMP_ARCH_* token */
	unsigned int kernel_major, kernel_minor;
};

/* Fills env for this host: libseccomp's native arch and uname's "X.Y". */
int sbx_seccomp_env_host(struct sbx_seccomp_env *ret, uint64_t bounding_caps,
			 struct sbx_error *err);

/* Why resolution dropped an entry (kept entries have SBX_SECCOMP_KEPT). */
enum sbx_seccomp_drop {
	SBX_SECCOMP_KEPT = 0,
	SBX_SECCOMP_DROP_EXCL_ARCH,
	SBX_SECCOMP_DROP_EXCL_CAP,
	SBX_SECCOMP_DROP_EXCL_KERNEL,
	SBX_SECCOMP_DROP_INCL_ARCH,
	SBX_SECCOMP_DROP_INCL_CAP,
	SBX_SECCOMP_DROP_INCL_KERNEL,
};

/*
 * The OCI object moby would produce: conditions evaluated, archMap flattened.
 * Borrows from the profile, which must outlive it.
 */
struct sbx_seccomp_resolved {
	const struct sbx_seccomp_profile *profile;
	bool unconfined;	      /* no defaultAction and no syscalls: install nothing */
	uint32_t default_action_scmp; /* libseccomp action value incl. errno */
	uint32_t *arches;	      /* SCMP_ARCH_* tokens from architectures/archMap */
	size_t n_arches;
	size_t *kept; /* indexes into profile->syscalls, in order */
	size_t n_kept;
	enum sbx_seccomp_drop *drop; /* per profile entry */
};

int sbx_seccomp_resolve(const struct sbx_seccomp_profile *p, const struct sbx_seccomp_env *env,
			struct sbx_seccomp_resolved **ret, struct sbx_error *err);
void sbx_seccomp_resolved_free(struct sbx_seccomp_resolved *r);
static inline void sbx_seccomp_resolved_freep(struct sbx_seccomp_resolved **r)
{
	sbx_seccomp_resolved_free(*r);
}

/*
 * The libseccomp action value (SCMP_ACT_*) of an action and its optional
 * errnoRet, as runc computes it: ERRNO/TRACE default to 1, the errno is
 * narrowed to 16 bits, other actions ignore it.
 */
uint32_t sbx_seccomp_action_scmp(enum sbx_seccomp_action act, bool has_errno, uint64_t errno_ret);

/* "SCMP_ACT_ERRNO" etc.; the JSON spelling. */
const char *sbx_seccomp_action_name(enum sbx_seccomp_action act);
/* "SCMP_CMP_EQ" etc. */
const char *sbx_seccomp_op_name(enum sbx_seccomp_op op);
/* The i-th architecture string a profile may name ("SCMP_ARCH_X86_64"), NULL past the end. */
const char *sbx_seccomp_arch_name_at(size_t i);
/* "SCMP_ARCH_X86_64" -> token; 0 when unknown or unsupported by this libseccomp. */
uint32_t sbx_seccomp_arch_from_name(const char *scmp_name);
/* token -> "x86_64", "x32", "x86", "aarch64", ... (for messages); "unknown" otherwise */
const char *sbx_seccomp_arch_label(uint32_t token);
/* token -> moby's Go spelling used by includes/excludes.arches ("amd64"); NULL if none */
const char *sbx_seccomp_arch_goname(uint32_t token);
/* Capability name ("CAP_SYS_ADMIN", exact case) -> number; -1 if unknown. */
int sbx_seccomp_cap_from_name(const char *name);
const char *sbx_seccomp_cap_name(int cap);
/* Docker's 14 default capabilities (moby daemon/pkg/oci/caps/defaults.go). */
uint64_t sbx_seccomp_docker_default_caps(void);
/* Errno name ("ENOSYS") or decimal string -> number; -1 if neither. */
int sbx_seccomp_errno_from_name(const char *s);

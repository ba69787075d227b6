/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resolved seccomp profile -> libseccomp -> BPF with runc's ENOSYS stub in
 * front, as one flat program; plus loading, export, violation reporting
 * (split-notify) and syscall naming. Semantics: docs/seccomp-docker-format.md
 * sections 5-8.
 *
 * How the runtime uses it:
 *   parent:  sbx_seccomp_profile_parse() -> sbx_seccomp_env_host() ->
 *            sbx_seccomp_compile() (warnings in filter->warnings);
 *            the flat filter->prog (sbx_seccomp_prog_size() bytes) survives
 *            fork/clone as is, or can be copied over a socket;
 *   child:   prctl(PR_SET_NO_NEW_PRIVS) then, as the last step before
 *            execve, sbx_seccomp_prog_load(prog, &listener_fd).
 * Only execve itself then runs under the filter among sbxctr's own calls; if
 * execve fails, report with write(2) (compute-only refuses sendmsg). Check
 * filter->unconfined first: {} means no filter at all (Docker and runc).
 */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profiles/seccomp_profile.h"
#include "core/error.h"

#define SBX_SECCOMP_PROG_MAGIC 0x53425846u /* "SBXF" */

/*
 * A self-contained BPF program and its seccomp(2) flags: no pointers, so it
 * can be memcpy'd, sent whole, or used in a child after fork or clone.
 */
struct sbx_seccomp_prog {
	uint32_t magic; /* SBX_SECCOMP_PROG_MAGIC */
	uint32_t flags; /* SECCOMP_FILTER_FLAG_* always passed (NEW_LISTENER included) */
	/* passed too, but dropped on EINVAL (SPEC_ALLOW when "flags" is absent, as runc) */
	uint32_t flags_optional;
	uint32_t len; /* instructions */
	struct sock_filter insns[];
};

static inline size_t sbx_seccomp_prog_size(const struct sbx_seccomp_prog *p)
{
	return sizeof(*p) + (size_t)p->len * sizeof(struct sock_filter);
}

/*
 * Checks a program received as `size` bytes (from a socket or shared memory)
 * before it is used: magic, length and size agree. Returns 0 or -EINVAL.
 */
int sbx_seccomp_prog_validate(const struct sbx_seccomp_prog *p, size_t size);

/* One ABI's ENOSYS threshold: syscalls numbered above `max_nr` return ENOSYS. */
struct sbx_seccomp_stub {
	uint32_t arch;	     /* SCMP_ARCH_* token (X32 distinct from X86_64) */
	uint32_t audit_arch; /* AUDIT_ARCH_* the kernel reports */
	int max_nr;	     /* x32 numbers include the 0x40000000 bias */
	char max_name[48];   /* the syscall that set the threshold */
};

struct sbx_seccomp_filter {
	bool unconfined;	       /* the profile means "no seccomp": prog is NULL */
	struct sbx_seccomp_prog *prog; /* stub + libseccomp program, flat */
	bool has_notify;	       /* some rule is SCMP_ACT_NOTIFY (flags has NEW_LISTENER) */
	char *listener_path;	       /* where the runtime sends the listener fd (NULL: none) */
	char *listener_metadata;
	uint32_t native_arch; /* SCMP_ARCH_* the filter was built for */
	struct sbx_seccomp_stub stubs[8];
	size_t n_stubs;		  /* 0: no stub (default ALLOW/LOG/TRACE) */
	size_t n_rules;		  /* libseccomp rules added (per name, after splitting) */
	size_t n_skipped_default; /* rules skipped because they equal the default */
	char **warnings;	  /* NULL-terminated: unknown names, ignored errnoRet, ... */
	void *ctx;		  /* private: the libseccomp context, kept for PFC export */
};

/*
 * Resolves (sbx_seccomp_resolve) and compiles as runc does: rules equal to
 * the default are skipped, unknown names skipped with a warning, entries that
 * compare one argument twice are split into one-condition rules (OR),
 * binary-tree optimisation above 32 rules, NNP left to the caller. Errors
 * name the entry: "profile.json: syscalls[5] (chmod): ...". An unconfined
 * profile gives a filter with unconfined set and no program.
 */
int sbx_seccomp_compile(const struct sbx_seccomp_profile *p, const struct sbx_seccomp_env *env,
			struct sbx_seccomp_filter **ret, struct sbx_error *err);
void sbx_seccomp_filter_free(struct sbx_seccomp_filter *f);
static inline void sbx_seccomp_filter_freep(struct sbx_seccomp_filter **f)
{
	sbx_seccomp_filter_free(*f);
}

/*
 * seccomp(SECCOMP_SET_MODE_FILTER, flags, prog): a leaf for the sandbox
 * child (no_new_privs already set). Returns 0 or -errno; with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER the listener fd goes to *ret_listener_fd
 * (may be NULL otherwise). Async-signal-safe.
 */
int sbx_seccomp_filter_load(const struct sock_fprog *prog, unsigned int flags,
			    int *ret_listener_fd);
/*
 * Loads a compiled program with its flags; retries without flags_optional on
 * EINVAL (old kernels without SPEC_ALLOW). Async-signal-safe; returns 0/-errno.
 */
int sbx_seccomp_prog_load(const struct sbx_seccomp_prog *prog, int *ret_listener_fd);

/* Writes the raw sock_filter array (the bytes the kernel gets) to fd. */
int sbx_seccomp_export_bpf(const struct sbx_seccomp_filter *f, int fd, struct sbx_error *err);
/*
 * Writes libseccomp's PFC of the filter body, preceded by a comment block
 * describing the ENOSYS stub thresholds and the load flags.
 */
int sbx_seccomp_export_pfc(const struct sbx_seccomp_filter *f, int fd, struct sbx_error *err);

/*
 * Violation reporting. Splits the final program into two that together make
 * exactly the profile's decisions, except that a would-be kill becomes a user
 * notification the supervisor receives:
 *   notify: every RET KILL_PROCESS/KILL_THREAD -> RET USER_NOTIF, every
 *           other RET -> RET ALLOW;
 *   main:   every RET KILL_* -> RET ALLOW, other RETs unchanged.
 * The kernel runs every filter and takes the most severe result (KILL >
 * TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW), so for each syscall the
 * pair yields USER_NOTIF where the original killed and the original result
 * otherwise. Load the notify program first with flags | NEW_LISTENER (also
 * gives the listener fd), then the main program with flags. Between the two
 * loads only kill decisions differ: a call the profile kills blocks until the
 * supervisor (which must hold the listener by then) answers. The kernel
 * allows one listener per filter chain, so a profile with its own NOTIFY
 * rules cannot be split (-EBUSY). The returned .filter arrays are malloc'd.
 */
int sbx_seccomp_filter_split_notify(const struct sbx_seccomp_filter *f,
				    struct sock_fprog *ret_notify, struct sock_fprog *ret_main);

/*
 * Violation reporting in one program: the profile's own, every would-be
 * kill (RET KILL_PROCESS/KILL_THREAD) turned into RET USER_NOTIF. It
 * decides exactly as split_notify's pair does together, in one load (with
 * NEW_LISTENER): one program for the kernel to check, convert, JIT and
 * cache instead of two, and one to run per syscall. The pair remains for
 * what it also tells (the pruned notify half says whether the profile
 * kills at all). -EBUSY with the profile's own NOTIFY rules. The returned
 * .filter is malloc'd.
 */
int sbx_seccomp_filter_notify_kills(const struct sbx_seccomp_filter *f, struct sock_fprog *ret);

/*
 * Replaces every part of a program that can only return SECCOMP_RET_ALLOW
 * with one "return ALLOW" and drops what becomes unreachable, keeping every
 * decision unchanged. For the notify half of a split this leaves little
 * more than the paths to a kill. Returns the new length (in place), or 0
 * when the whole program always allows (it decides nothing).
 */
size_t sbx_seccomp_prune_allow(struct sock_filter *insns, size_t len);

/* The syscall's name for a kernel audit arch and number (x32 via bit 30); -ENOENT if unknown. */
int sbx_seccomp_syscall_name(uint32_t audit_arch, int nr, char *buf, size_t size);
/* "killed on syscall ptrace (nr 101, x86_64)"; the name is left out when unknown. */
void sbx_seccomp_format_kill(uint32_t audit_arch, int nr, char *buf, size_t size);
/* "x86_64", "x32", "x86", ... for an AUDIT_ARCH_* value and syscall number. */
const char *sbx_seccomp_audit_arch_label(uint32_t audit_arch, int nr);

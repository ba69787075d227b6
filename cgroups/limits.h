/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure cgroup v2 planning: linux.resources (+ the limit flags) and the
 * controllers a host offers -> the (file, value) writes for a sandbox cgroup,
 * the controllers they need, and, when cgroups cannot enforce a limit, the
 * rlimit fallbacks and the list of unenforced limits for the report.
 * Nothing here touches the file system: cgroups/cgroup.h applies the plan.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/config.h"
#include "core/error.h"

/* cgroup v2 controllers, as a bit mask. */
enum sbx_cg_controller {
	SBX_CG_CPU = 1u << 0,
	SBX_CG_CPUSET = 1u << 1,
	SBX_CG_IO = 1u << 2,
	SBX_CG_MEMORY = 1u << 3,
	SBX_CG_PIDS = 1u << 4,
	SBX_CG_HUGETLB = 1u << 5,
	SBX_CG_RDMA = 1u << 6,
	SBX_CG_MISC = 1u << 7,
};
#define SBX_CG_ALL 0xffu
/* What a sandbox's limits can ask for; the set enabled down the parent path. */
#define SBX_CG_SANDBOX (SBX_CG_CPU | SBX_CG_CPUSET | SBX_CG_MEMORY | SBX_CG_PIDS)

/* "memory" for SBX_CG_MEMORY; NULL for anything but a single known bit. */
const char *sbx_cgroup_controller_name(unsigned bit);
/* The bit for a controller name of len bytes ("memory"); 0 when unknown. */
unsigned sbx_cgroup_controller_from_name(const char *name, size_t len);
/* Parses a cgroup.controllers / cgroup.subtree_control line; unknown names are ignored. */
unsigned sbx_cgroup_controllers_parse(const char *buf);
/* Formats a mask as "cpu memory pids" (kernel order); "" for 0. */
void sbx_cgroup_controllers_format(unsigned mask, char *buf, size_t size);

/*
 * --cgroups MODE:
 *  auto        (default) use cgroup v2 when usable; a requested limit whose
 *              controller is missing is an error; without limits a host with
 *              no usable cgroup v2 runs without a sandbox cgroup.
 *  required    a sandbox cgroup must be created, limits or not.
 *  best-effort limits whose controller is missing fall back to rlimits
 *              (RLIMIT_AS for memory, RLIMIT_CPU for CPU time) and are listed
 *              as unenforced; no cgroup at all is not an error either.
 *  off         no cgroup is created or touched; limits are handled as in
 *              best-effort with no controllers.
 */
enum sbx_cgroup_mode {
	SBX_CGROUP_AUTO,
	SBX_CGROUP_REQUIRED,
	SBX_CGROUP_BEST_EFFORT,
	SBX_CGROUP_OFF,
};
int sbx_cgroup_mode_parse(const char *s, enum sbx_cgroup_mode *ret);
const char *sbx_cgroup_mode_name(enum sbx_cgroup_mode mode);

/* Write flags. */
enum {
	/*
	 * memory.swap.max: the file is missing when the kernel does not account
	 * swap; that is harmless only while no swap is active, which the apply
	 * step checks instead of failing.
	 */
	SBX_CGW_SWAP = 1u << 0,
	/* Not a requested limit (memory.oom.group): a missing file is ignored. */
	SBX_CGW_OPTIONAL = 1u << 1,
	/* The memory limit option (--memory, linux.resources.memory.limit): RLIMIT_AS stands in for it. */
	SBX_CGW_MEMORY_LIMIT = 1u << 2,
};

struct sbx_cgroup_write {
	char *file;	     /* "memory.max": a plain name inside the sandbox cgroup */
	char *value;	     /* "268435456" */
	unsigned controller; /* the SBX_CG_* bit that provides the file */
	unsigned flags;	     /* SBX_CGW_* */
	const char *what;    /* static: the limit it enforces, for messages ("memory limit") */
};

struct sbx_cgroup_unenforced {
	char *limit;	      /* the cgroup file that would have enforced it ("memory.max") */
	const char *fallback; /* static: "RLIMIT_AS" when an rlimit stands in, else NULL */
};

/*
 * What cgroups do not enforce for this run, and the rlimits that stand in.
 * RLIMIT_NPROC stands in for pids.max exactly, so pids is not "unenforced":
 * since 5.14 it counts the tasks of a (user namespace, uid) pair, threads
 * included, as pids.max does, and every sandbox has a user namespace of its
 * own. RLIMIT_AS only bounds address space, so memory.max stays listed. A
 * CPU-time limit is never a cgroup's: the runtime enforces it over the
 * whole tree from cpu.stat or /proc (runtime/supervise.c).
 */
struct sbx_cgroup_fallback {
	struct sbx_rlimit rlimits[2]; /* RLIMIT_AS, RLIMIT_NPROC; apply in the child before exec */
	size_t n_rlimits;
	struct sbx_cgroup_unenforced *unenforced;
	size_t n_unenforced;
};

struct sbx_cgroup_plan {
	bool use_cgroup;      /* create a sandbox cgroup for this run */
	unsigned requested;   /* controllers the limits asked for */
	unsigned controllers; /* controllers the writes below need (all available) */
	/* In order: cpuset, cpu, memory (low, high, max, swap, oom.group), pids, unified. */
	struct sbx_cgroup_write *writes;
	size_t n_writes;
	struct sbx_cgroup_fallback fallback;
};

struct sbx_cgroup_plan_opts {
	enum sbx_cgroup_mode mode;
	/* A sandbox cgroup can be created (sbx_cgroup_root_usable()). */
	bool cgroup_usable;
	/* Controllers enabled for the parent's children (sbx_cgroup_root_controllers()). */
	unsigned available;
	/* For messages: why no cgroup can be made, and where the parent is. May be NULL. */
	const char *unusable_reason;
	const char *parent;
};

/*
 * Validates res and builds the plan for the given host capabilities and mode.
 * Errors name the field and the value ("resources.memory.swap: 100 is less
 * than the memory limit 200 ..."), or, outside best-effort, the missing
 * controller ("cgroup controller \"memory\" is not available ...: needed for
 * the memory limit"). opts may be NULL (auto, everything available).
 */
int sbx_cgroup_plan(const struct sbx_resources *res, const struct sbx_cgroup_plan_opts *opts,
		    struct sbx_cgroup_plan **ret, struct sbx_error *err);
void sbx_cgroup_plan_free(struct sbx_cgroup_plan *plan);

/*
 * The memory.max the plan writes into the sandbox cgroup (from
 * --memory, OCI or linux.resources.unified), UINT64_MAX when there is
 * none: the ceiling under which a memory cgroup OOM kill can happen.
 * An unreadable value counts as 0.
 */
uint64_t sbx_cgroup_plan_memory_max(const struct sbx_cgroup_plan *plan);
static inline void sbx_cgroup_plan_freep(struct sbx_cgroup_plan **p)
{
	sbx_cgroup_plan_free(*p);
}
/* The write for file, or NULL (tests, reports). */
const struct sbx_cgroup_write *sbx_cgroup_plan_find(const struct sbx_cgroup_plan *plan,
						    const char *file);

/*
 * Pure: the rlimit fallbacks and the unenforced list for res when only the
 * controllers in available work (have_cgroup = a sandbox cgroup exists).
 * Invalid values are errors as in sbx_cgroup_plan(). Free with
 * sbx_cgroup_fallback_clear().
 */
int sbx_cgroup_fallback(const struct sbx_resources *res, unsigned available, bool have_cgroup,
			struct sbx_cgroup_fallback *ret, struct sbx_error *err);
void sbx_cgroup_fallback_clear(struct sbx_cgroup_fallback *fb);

/*
 * OCI cpu.shares (cgroup v1, 2..262144, default 1024) -> cpu.weight
 * (1..10000, default 100); 0 means unset and returns 0.
 */
uint64_t sbx_cgroup_shares_to_weight(uint64_t shares);

/* Highest CPU / memory node number a cpuset list may name. */
#define SBX_CPUSET_MAX 8191

/*
 * Parses a cpuset list ("0-3,5,7-8", the kernel's list format; blanks around
 * items and a trailing newline are accepted) into a bitmap of n_words 64-bit
 * words (bits beyond SBX_CPUSET_MAX or the bitmap are -ERANGE). Returns 0,
 * -EINVAL with *ret_bad pointing at the offending character, or -ERANGE.
 * An empty list is valid and yields an empty set.
 */
int sbx_cpuset_parse(const char *s, uint64_t *bits, size_t n_words, const char **ret_bad);
/* Formats a bitmap in canonical list form ("0-3,5"); "" for an empty set. */
void sbx_cpuset_format(const uint64_t *bits, size_t n_words, char *buf, size_t size);

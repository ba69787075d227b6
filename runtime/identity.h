/* SPDX-License-Identifier: Apache-2.0 */
/* Who the sandbox is on the host: its user namespace's id maps, for root and for an ordinary user. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/config.h"
#include "core/error.h"

/*
 * The identity plan is a pure function of the config, the caller (who runs
 * the runtime and what the host grants them) and the sandbox's slot:
 *
 *   root            the config's maps, else container 0..65535 -> the slot's
 *                   private range SBX_ID_BASE + slot * 65536 (runtime/slot.h);
 *                   the parent writes them; the child drops the runtime's
 *                   supplementary groups (setgroups allowed).
 *   a user, with    container 0..65535 -> slice `slot` of the caller's
 *   newuidmap and   subordinate ids (/etc/subuid, /etc/subgid; the ranges
 *   a subid range   are taken in file order, each slice 65536 ids), so that
 *                   concurrent sandboxes never share a host id, plus the
 *                   caller's own id as container id 65536 (what the runtime
 *                   itself writes into the sandbox, the staged workdir, has
 *                   a name inside). Written by newuidmap/newgidmap, which
 *                   check the ranges (set-uid root: Debian's uidmap).
 *   a user without  container 0 -> the caller's own uid and gid, one id
 *                   each, written by the parent after "deny" in
 *                   /proc/PID/setgroups (the kernel's rule for an
 *                   unprivileged map): the caller's supplementary groups
 *                   stay with the sandbox (nobody inside), and no other id
 *                   exists there. Also where a slot has no slice left.
 *
 * A rootless config with maps of its own (OCI linux.uidMappings) gets them
 * written directly when they are exactly the caller's own ids, else through
 * the helpers, which accept only the caller's ids and subordinate ranges.
 */

#define SBX_IDMAP_LINES_MAX 340 /* the kernel's limit per map */
#define SBX_SUBID_RANGES_MAX 64
#define SBX_SUBID_SLICE 65536u

struct sbx_idrange {
	uint32_t start;
	uint32_t count;
};

/* The caller, as sbx_caller_probe() finds them (or a test builds them). */
struct sbx_caller {
	uint32_t uid, gid; /* effective ids */
	char name[64];	   /* login name; "" when the uid has no passwd entry */
	struct sbx_idrange subuid[SBX_SUBID_RANGES_MAX], subgid[SBX_SUBID_RANGES_MAX];
	size_t n_subuid, n_subgid;
	/* the helpers' paths, "" when not installed */
	char newuidmap[64], newgidmap[64];
};

struct sbx_identity {
	bool rootless;	 /* the caller is not root of the initial user namespace */
	bool helper;	 /* the maps go through newuidmap/newgidmap */
	bool setgroups;	 /* the sandbox may call setgroups (else "deny" is written first) */
	uint32_t slice;	 /* with helper and no maps in the config: the slice used (== slot) */
	bool keepable;	 /* the user default through the helpers: a slot's kept namespace may serve (keeper.h) */
	struct sbx_idmap uid_map[SBX_IDMAP_LINES_MAX], gid_map[SBX_IDMAP_LINES_MAX];
	size_t n_uid_map, n_gid_map;
	uint32_t host_uid, host_gid; /* process.user as the host sees it */
	/* the caller's own ids inside (what the runtime creates there belongs to them); -1: unmapped */
	int64_t caller_uid_inside, caller_gid_inside;
	char note[160]; /* why a user got the single-id map although helpers exist ("" otherwise) */
};

/*
 * Parses /etc/subuid or /etc/subgid text: "name:start:count" or
 * "uid:start:count" lines (name or uid must be the caller's); comments,
 * blank and malformed lines are skipped, ranges kept in file order.
 * Pure. Returns the number of ranges found (at most max).
 */
size_t sbx_subid_parse(const char *text, const char *name, uint32_t uid, struct sbx_idrange *ret, size_t max);

/*
 * The caller's facts: effective ids, login name, subordinate ranges and
 * the helpers (looked up in /usr/bin, /bin, /usr/sbin, /sbin). Never fails:
 * what cannot be read is simply not there.
 */
void sbx_caller_probe(struct sbx_caller *ret);

/*
 * The plan for cfg run by caller in slot (see above). Errors name the
 * field: an unmapped process.user, additionalGids without setgroups, a
 * config map the caller may not write.
 */
int sbx_identity_plan(const struct sbx_config *cfg, const struct sbx_caller *caller, unsigned slot,
		      struct sbx_identity *ret, struct sbx_error *err);

/* container id -> host id through a map; (uint32_t)-1 when unmapped. */
uint32_t sbx_idmap_to_host(const struct sbx_idmap *m, size_t n, uint32_t id);
/* host id -> container id; -1 when unmapped. */
int64_t sbx_idmap_to_inside(const struct sbx_idmap *m, size_t n, uint32_t host_id);
/* "c h n\n" lines, as /proc/PID/uid_map takes them. Returns the length or -ENOSPC. */
int sbx_idmap_format(const struct sbx_idmap *m, size_t n, char *buf, size_t size);
/*
 * "c c n\n" lines: a namespace nested in one mapped by m, mapping each id
 * of m's onto itself (runtime/keeper.h). Returns the length or -ENOSPC.
 */
int sbx_idmap_format_nested(const struct sbx_idmap *m, size_t n, char *buf, size_t size);

/*
 * Writes the maps of the child pid (parent side, after clone and before
 * the child goes on): setgroups, uid_map, gid_map, or the two helpers run
 * side by side. On an error the child must be killed: it has no identity.
 */
int sbx_identity_apply(const struct sbx_identity *id, const struct sbx_caller *caller, pid_t pid,
		       struct sbx_error *err);

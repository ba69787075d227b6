/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The staged workdir: a size-capped tmpfs that the runtime mounts in its own
 * private mount namespace, fills (--copy-in), lends to the sandbox as its
 * workdir (a bind mount), and reads back after the run (--copy-out) without
 * trusting anything the program planted there. Because the mount lives only
 * in the runtime's mount namespace, it disappears with the runtime, even
 * when the runtime is killed with SIGKILL.
 *
 * An ordinary user can neither have a mount namespace of their own nor
 * mount a tmpfs outside a user namespace: there the sandbox's child mounts
 * the workdir in its namespaces as usual and lends the runtime a
 * descriptor of it (sbx_stage_adopt); the runtime reaches it through
 * /proc/self/fd/N, and the filesystem lives exactly as long as that
 * descriptor, so it too is gone with the runtime.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/config.h"
#include "core/error.h"

/*
 * Moves the calling process into a private mount namespace (once per
 * process, before any staged workdir). Cheap; idempotent per call site.
 * Nothing for an ordinary user, who cannot and need not.
 */
int sbx_runtime_private_mounts(struct sbx_error *err);

/*
 * A runtime's own scratch directory (batch's and the service's inline files,
 * captures, artifacts): <state dir>/<kind>/<our pid>, 0700. For root a tmpfs,
 * mounted in our private mount namespace (sbx_runtime_private_mounts first),
 * so that it goes with us even on SIGKILL and never touches the disk; an
 * ordinary user cannot mount: a plain directory ($XDG_RUNTIME_DIR is itself
 * a tmpfs). What a crash leaves is swept by sbx_sweep_pid_dirs() of
 * <state dir>/<kind>, which the caller runs.
 */
struct sbx_scratch {
	char *path;
	bool mounted;
};
int sbx_scratch_create(const char *kind, struct sbx_scratch *ret, struct sbx_error *err);
/* Unmounts and removes it (with its files where it is a plain directory); idempotent. */
void sbx_scratch_destroy(struct sbx_scratch *s);

struct sbx_stage {
	char *path; /* host path of the tmpfs, in the runtime's mount namespace, or /proc/self/fd/N when lent */
	bool mounted;
	int fd;	    /* the lent tmpfs (rootless), or -1 */
	bool chown; /* copied files are given to uid/gid (root); a user cannot, the child does it (sbx_stage_chown) */
	uid_t uid; /* host ids that own the workdir: the sandbox user, mapped */
	gid_t gid;
};

/* A stage exists (made here, or lent by the child) and can be filled and read. */
static inline bool sbx_stage_ready(const struct sbx_stage *st)
{
	return st->mounted || st->fd >= 0;
}

/* True when cfg needs a staged workdir (copy-in or copy-out). */
bool sbx_stage_needed(const struct sbx_config *cfg);

int sbx_stage_create(const struct sbx_config *cfg, unsigned slot, uid_t uid, gid_t gid, struct sbx_stage *ret,
		     struct sbx_error *err);
/* Takes the child's lent workdir (fd: a mount descriptor of its tmpfs) as the stage. */
void sbx_stage_adopt(struct sbx_stage *st, int fd);

/*
 * Child side, after a lent workdir was filled: gives every entry that the
 * runtime's own ids own (from_uid/from_gid inside; -1: none) to the
 * program's user. Nothing has run there yet. Allocation-free.
 */
int sbx_stage_chown(const char *workdir, int64_t from_uid, int64_t from_gid, uid_t uid, gid_t gid,
		    struct sbx_error *err);

/* Copies every --copy-in source (file or tree) into the stage. */
int sbx_stage_copy_in(struct sbx_stage *st, const struct sbx_config *cfg, struct sbx_error *err);

/* Outcome of one --copy-out. */
struct sbx_copy_result {
	bool ok;
	uint64_t bytes;
	char error[256];
};

/*
 * Copies each --copy-out file from the stage to the host. Only regular files
 * with one link and at most copy_out_max bytes, reached without following
 * any symlink or leaving the stage; anything else fails that one copy. The
 * copy is 0644 plus the execute bits of the original.
 * ret must have room for cfg->io.n_copy_out results.
 */
void sbx_stage_copy_out(struct sbx_stage *st, const struct sbx_config *cfg, struct sbx_copy_result *ret);
void sbx_stage_destroy(struct sbx_stage *st);

/* Parses "HOST:PATH" (copy-in) or "PATH:HOST" (copy-out) into c. */
int sbx_copy_parse(const char *arg, bool out, struct sbx_copy *c, struct sbx_error *err);
/* The rule for the workdir side of a copy: non-empty and no ".." anywhere (the copy itself also resolves beneath). */
bool sbx_copy_inside_ok(const char *inside);

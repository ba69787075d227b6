/* SPDX-License-Identifier: Apache-2.0 */
/* Applying a mount plan: host-side preparation and the in-sandbox setup. */
#pragma once

#include "rootfs/plan.h"
#include "runtime/error.h"

/*
 * Parent side, as host root, before clone: creates the mount points the
 * plan needs that are missing from the rootfs (directly in the rootfs; those
 * under a tmpfs of ours are made later by the child). Paths are resolved with
 * RESOLVE_IN_ROOT so that a symlink in the rootfs cannot point them outside.
 */
int sbx_rootfs_prepare(const struct sbx_mount_plan *plan, struct sbx_error *err);

/*
 * Child side, in the new user+mount namespaces: makes every mount private,
 * clones the rootfs with its attributes (read-only, nosuid, nodev) set before
 * it is attached, applies every op, then pivot_root()s into it and detaches
 * the old root. On return the cwd is the new "/".
 */
int sbx_rootfs_setup(const struct sbx_mount_plan *plan, struct sbx_error *err);

/* Secure lookup of path (absolute, inside the root) below rootfd: O_PATH fd or -errno. */
int sbx_rootfs_resolve(int rootfd, const char *path, int flags);

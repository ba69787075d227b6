/* SPDX-License-Identifier: Apache-2.0 */
/* Applying a mount plan: host-side preparation and the in-sandbox setup. */
#pragma once

#include "rootfs/plan.h"
#include "core/error.h"

/* The sandbox's ids as the host sees them, for what the parent creates on its behalf. */
struct sbx_rootfs_ids {
	/* container uid (gid when is_gid) -> host id, (uint32_t)-1 when unmapped */
	uint32_t (*map)(const void *ctx, bool is_gid, uint32_t id);
	const void *ctx;
};

/*
 * Parent side, as host root, before clone: creates the mount points the
 * plan needs that are missing from the rootfs (directly in the rootfs; those
 * under a tmpfs of ours are made later by the child), resolved with
 * RESOLVE_IN_ROOT so that a symlink in the rootfs cannot point them outside.
 * Then clones the rootfs (or makes its private overlay) and every bind
 * source into detached trees with their attributes already set. Host paths
 * are thus walked with the runtime's own permissions (a rootfs below a 0700
 * directory works), and the child, which cannot see them from its user
 * namespace, only attaches them. Last, the /dev tmpfs with device nodes of
 * its own (mknod needs CAP_MKNOD on the host: where it fails, the child
 * binds the host's nodes as before).
 */
int sbx_rootfs_prepare(struct sbx_mount_plan *plan, const struct sbx_rootfs_ids *ids, struct sbx_error *err);

/* Whether this kernel can make overlayfs mounts (asking for one loads the module where it can be). */
bool sbx_rootfs_overlay_available(void);

/* Where the child attaches the rootfs before pivot_root: <state>/root, made here by the parent. */
int sbx_rootfs_attach_point(char *buf, size_t size, struct sbx_error *err);

/*
 * Child side, in the new user+mount namespaces: makes every mount private,
 * attaches the rootfs the parent cloned with its attributes (read-only,
 * nosuid, nodev) set, and applies every op. Returns an O_PATH fd of the new
 * root (for sbx_rootfs_enter), or an error.
 */
int sbx_rootfs_mount_all(const struct sbx_mount_plan *plan, struct sbx_error *err);
/*
 * Then: pivot_root() into rootfd and detach the old root (or, with
 * no_pivot, move the root over "/" and chroot into it, for roots that
 * cannot be pivoted away from), and set rootfsPropagation. On return the
 * cwd is the new "/". Closes rootfd.
 */
int sbx_rootfs_enter(const struct sbx_mount_plan *plan, int rootfd, bool no_pivot, struct sbx_error *err);
/* Both, in one. */
int sbx_rootfs_setup(const struct sbx_mount_plan *plan, struct sbx_error *err);

/* Secure lookup of path (absolute, inside the root) below rootfd: O_PATH fd or -errno. */
int sbx_rootfs_resolve(int rootfd, const char *path, int flags);

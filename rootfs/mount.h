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
 * Parent side, before clone: creates the mount points the plan needs that
 * are missing from the rootfs (directly in the rootfs; those under a tmpfs
 * of ours are made later by the child), resolved with RESOLVE_IN_ROOT so
 * that a symlink in the rootfs cannot point them outside, and records for
 * each bind whether its source is a file. With clone (host root), it then
 * clones the rootfs (or makes its private overlay) and every bind source
 * into detached trees with their attributes already set: host paths are
 * walked with the runtime's own permissions (a rootfs below a 0700
 * directory works), and the child, which cannot see them from its user
 * namespace, only attaches them; last, the /dev tmpfs with device nodes of
 * its own (mknod needs CAP_MKNOD on the host: where it fails, the child
 * binds the host's nodes as before). An ordinary user can do none of that
 * in the host's mount namespace: their child does it itself
 * (sbx_rootfs_clone_local), and binds the host's nodes.
 */
int sbx_rootfs_prepare(struct sbx_mount_plan *plan, const struct sbx_rootfs_ids *ids, bool clone,
		       struct sbx_error *err);

/* Whether this kernel can make overlayfs mounts (asking for one loads the module where it can be). */
bool sbx_rootfs_overlay_available(void);

/* Where the child attaches the rootfs before pivot_root: <state>/root, made here by the parent (plan->attach). */
int sbx_rootfs_attach_point(struct sbx_mount_plan *plan, struct sbx_error *err);

/* At most this many binds in a sandbox whose child clones its own trees. */
#define SBX_ROOTFS_LOCAL_MAX 256

/* Trees the child cloned itself (rootless): descriptors in its own table, on its own stack. */
struct sbx_rootfs_local {
	int attach_fd;			    /* the attach point */
	int root_fd;			    /* the rootfs, attributes set */
	int bind_fd[SBX_ROOTFS_LOCAL_MAX]; /* the n-th SBX_MOP_BIND op's source */
	/*
	 * Or NULL: the child joins the network namespace made beside its
	 * mounts here (runtime/child.c). Called once, after every op that does
	 * not see that namespace and before those that do (sysfs, whose view
	 * of /sys/class/net is the mounter's, what is under /sys, net.*
	 * sysctls), which keep their order. Set by the caller.
	 */
	int (*join_net)(void *ctx, struct sbx_error *err);
	void *join_net_ctx;
};

/*
 * Child side, rootless, once the maps are written and before it changes
 * identity: still with the caller's host credentials (now mapped: an
 * overlay's upper layer can be made) and with every capability over its
 * new mount namespace, it opens the attach point, clones the bind sources
 * and the rootfs or makes its private overlay (attributes set while
 * detached), so that host paths are walked with the caller's permissions
 * even when the sandbox will run as subordinate ids. Allocation-free.
 */
int sbx_rootfs_clone_local(const struct sbx_mount_plan *plan, struct sbx_rootfs_local *ret, struct sbx_error *err);

/*
 * Child side, in the new user+mount namespaces: makes every mount private,
 * attaches the rootfs tree (the parent's, or local's when not NULL) with its
 * attributes (read-only, nosuid, nodev) set, and applies every op. With
 * stage_fd_out, the workdir's tmpfs (when the plan marks it staged) is also
 * left there as a mount descriptor for the runtime, which fills and reads
 * it (runtime/workdir.h). Returns an O_PATH fd of the new root (for
 * sbx_rootfs_enter), or an error.
 */
int sbx_rootfs_mount_all(const struct sbx_mount_plan *plan, const struct sbx_rootfs_local *local, int *stage_fd_out,
			 struct sbx_error *err);
/*
 * Then: pivot_root() into rootfd and detach the old root (or, with
 * no_pivot, move the root over "/" and chroot into it, for roots that
 * cannot be pivoted away from), and set rootfsPropagation. On return the
 * cwd is the new "/". Closes rootfd.
 */
int sbx_rootfs_enter(const struct sbx_mount_plan *plan, int rootfd, bool no_pivot, struct sbx_error *err);
/* Both, in one. */
int sbx_rootfs_setup(const struct sbx_mount_plan *plan, const struct sbx_rootfs_local *local, int *stage_fd_out,
		     struct sbx_error *err);

/* Secure lookup of path (absolute, inside the root) below rootfd: O_PATH fd or -errno. */
int sbx_rootfs_resolve(int rootfd, const char *path, int flags);

/* SPDX-License-Identifier: Apache-2.0 */
/* The mount plan: config -> an ordered list of mount operations (pure). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/config.h"
#include "core/error.h"

enum sbx_mop_kind {
	SBX_MOP_BIND,	  /* clone the host tree at source onto dest */
	SBX_MOP_FS,	  /* a new filesystem instance (proc, tmpfs, sysfs, devpts, mqueue, cgroup2) */
	SBX_MOP_DEVNODE,  /* a device node at dest: made by the parent, else a bind of the host's (source) */
	SBX_MOP_SYMLINK,  /* create symlink dest -> source (inside a tmpfs we mounted) */
	SBX_MOP_SYSCTL,	  /* write data to /proc/sys/<source> (dest unused) */
	SBX_MOP_MASK,	  /* hide dest: /dev/null over a file, an empty read-only tmpfs over a dir */
	SBX_MOP_READONLY, /* make dest and everything below it read-only */
	SBX_MOP_SETATTR,  /* apply attr_set/attr_clr to the mount at dest (after its children exist) */
	SBX_MOP_MKNOD,	  /* linux.devices: make a node (dev_type c/b/u/p) at dest */
};

/*
 * One operation. Paths in dest are absolute inside the sandbox and are
 * resolved under the new root with RESOLVE_IN_ROOT at apply time, so a
 * symlink planted in the rootfs cannot redirect a mount outside it.
 */
struct sbx_mount_op {
	enum sbx_mop_kind kind;
	char *source;	/* host path (bind), fs source name, symlink target, sysctl key */
	char *dest;
	char *fstype;	/* SBX_MOP_FS */
	char *data;	/* fs options, comma-separated "k=v" (SBX_MOP_FS), sysctl value */
	bool recursive; /* rbind; recursive attribute changes */
	uint64_t attr_set; /* MOUNT_ATTR_* */
	uint64_t attr_clr;
	unsigned long propagation; /* MS_SHARED/... (| MS_REC), 0 = leave */
	bool optional;	/* a missing dest (masked/readonly paths, sysctls) is not an error */
	bool dest_is_file; /* bind of a non-directory: the mount point is a file (set by the parent) */
	/*
	 * SBX_MOP_BIND: the source, cloned by the parent; SBX_MOP_FS: the
	 * filesystem, made by the parent (a /dev with its nodes): -1 until then
	 */
	int tree_fd;
	bool dev_nodes;		     /* SBX_MOP_FS: the tmpfs that holds the SBX_MOP_DEVNODE ops below it */
	bool prepared;		     /* done by the parent already (a node or link in a /dev it made) */
	/* SBX_MOP_MKNOD, and SBX_MOP_DEVNODE (type 'c' or 'b', major, minor, mode; default 'c' 0666) */
	char dev_type;
	uint32_t dev_major, dev_minor, mode, uid, gid;
	/*
	 * cgroup2 mounts: a read-only clone of the container's cgroup directory,
	 * attached instead when the kernel refuses the mount (-1: none).
	 */
	int fallback_fd;
};

struct sbx_mount_plan {
	char *root;	/* host path of the rootfs */
	int root_fd;	/* the rootfs, cloned with its attributes by the parent (-1 until prepared) */
	uint64_t root_attr_set; /* applied recursively to the root bind before anything is mounted on it */
	unsigned long root_propagation;
	struct sbx_mount_op *ops;
	size_t n_ops;
	/* index of the workdir's op (a tmpfs; the runtime may turn it into a bind of a staged tmpfs), or -1 */
	long workdir_op;
	/* the workdir tmpfs is made by the child and lent to the runtime as a staged workdir (rootless) */
	bool workdir_lent;
	char *attach; /* the empty directory the child attaches the rootfs on (set by the parent) */
	/*
	 * The root is a private overlay of root (config rootfs_overlay): no
	 * inode of the rootfs is shared with other sandboxes; writable
	 * (rootfs_writable) over a tmpfs of SBX_ROOTFS_OVERLAY_SIZE.
	 */
	bool root_overlay;
	bool root_writable;
	/* the parent made /dev's device nodes (sbx_rootfs_prepare): masks use its null too */
	bool dev_prepared;
	bool has_cgroup_mount; /* the runtime then sets cgroup_dir before sbx_rootfs_prepare() */
	/*
	 * The child clones bind sources itself, in config order (it can: no
	 * user namespace, it is host root). Mount ids, and with them the
	 * order of /proc/self/mountinfo, then follow the config.
	 */
	bool binds_in_child;
	char *cgroup_dir;      /* host directory of the container's cgroup (the cgroup2 fallback) */
};

#define SBX_ROOTFS_OVERLAY_SIZE (64ULL << 20)

/* Mount options the plan understands (for the OCI features document), NULL-terminated. */
const char *const *sbx_mount_option_names(void);

/*
 * The workdir tmpfs is made by the child and lent to the runtime (rootless):
 * its root belongs to uid/gid (inside ids: the runtime's own, so that it can
 * fill it) until the child gives it to the program's user.
 */
void sbx_mount_plan_lend_workdir(struct sbx_mount_plan *plan, const struct sbx_config *cfg, uint32_t uid,
				 uint32_t gid);
/* Makes the workdir a bind mount of the host directory src (a staged tmpfs). */
void sbx_mount_plan_stage_workdir(struct sbx_mount_plan *plan, const char *src);

/*
 * Options of one OCI mount -> attributes and data. Pure; exposed for tests.
 * Unknown options are kept in data for filesystem mounts and are an error for
 * binds (where they would be silently meaningless).
 */
int sbx_mount_options_parse(char *const *options, bool is_bind, struct sbx_mount_op *op, struct sbx_error *err);

/* Builds the whole plan for cfg. uid/gid own the workdir. */
int sbx_mount_plan_build(const struct sbx_config *cfg, struct sbx_mount_plan **ret, struct sbx_error *err);
void sbx_mount_plan_free(struct sbx_mount_plan *plan);
static inline void sbx_mount_plan_freep(struct sbx_mount_plan **p)
{
	sbx_mount_plan_free(*p);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Mount plan application with the new mount API (open_tree/fsopen/move_mount). */
#include "rootfs/mount.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/sysmacros.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

int sbx_rootfs_resolve(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		/* ".." and absolute symlinks stay inside the root; /proc magic links are refused */
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/*
 * The child side below runs in the sandbox child, which shares the
 * runtime's memory (runtime/spawn.h): no heap, so paths are copied to
 * PATH_MAX buffers on its stack.
 */
static int copy_path(char buf[PATH_MAX], const char *path)
{
	size_t n = strlen(path);
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	return 0;
}

/* Splits "/a/b/c" into a resolved fd for "/a/b" and the name "c". */
static int resolve_parent(int rootfd, const char *path, const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	char parent[PATH_MAX];
	int r = copy_path(parent, path);
	if (r < 0)
		return r;
	parent[slash - path] = '\0';
	*ret_name = slash + 1;
	return sbx_rootfs_resolve(rootfd, parent[0] ? parent : "/", O_PATH | O_DIRECTORY);
}

/* mkdir -p below rootfd, one component at a time, each resolved in the root. */
static int mkdir_in_root(int rootfd, const char *path, bool last_is_file)
{
	char p[PATH_MAX];
	int r = copy_path(p, path);
	if (r < 0)
		return r;
	_cleanup_close_ int dirfd = dup(rootfd);
	if (dirfd < 0)
		return -errno;
	char *save = NULL;
	for (char *comp = strtok_r(p, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		bool last = save == NULL || *save == '\0';
		struct open_how how = {.flags = O_PATH | O_CLOEXEC,
				       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
		int fd = (int)syscall(SYS_openat2, dirfd, comp, &how, sizeof(how));
		if (fd < 0 && errno == ENOENT) {
			if (last && last_is_file) {
				fd = openat(dirfd, comp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
				if (fd < 0 && errno != EEXIST)
					return -errno;
				if (fd >= 0)
					close(fd);
			} else if (mkdirat(dirfd, comp, 0755) < 0 && errno != EEXIST) {
				return -errno;
			}
			fd = (int)syscall(SYS_openat2, dirfd, comp, &how, sizeof(how));
		}
		if (fd < 0)
			return -errno;
		close(dirfd);
		dirfd = fd;
	}
	return 0;
}

static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || (n == 1 && dir[0] == '/'));
}

static bool source_is_dir(const char *src)
{
	struct stat st;
	return stat(src, &st) == 0 && S_ISDIR(st.st_mode);
}

static int setattr_fd(int fd, uint64_t set, uint64_t clr, unsigned long prop, bool recursive);
static int fs_error(int fsfd, int code, struct sbx_error *err, const char *what, const char *fstype,
		    const char *dest);

int sbx_rootfs_attach_point(struct sbx_mount_plan *plan, struct sbx_error *err)
{
	/*
	 * Any empty directory the child can reach works: each sandbox uses it
	 * in its own mount namespace. A rootless child opens it before it
	 * changes identity, so a 0700 state directory is fine there.
	 */
	free(plan->attach);
	plan->attach = sbx_xasprintf("%s/root", sbx_state_dir());
	if (mkdir(plan->attach, 0755) < 0 && errno != EEXIST)
		return sbx_err_sys(err, "attach point %s", plan->attach);
	return 0;
}

/*
 * A clone of a host tree is a peer of the original when that is shared (as
 * systemd makes / at boot): attached in the sandbox it would propagate
 * mounts both ways, and pivot_root refuses a shared new root (EINVAL). So
 * a clone is private unless the config asks for a propagation.
 */
static unsigned long clone_propagation(unsigned long prop)
{
	return prop ? prop : MS_PRIVATE;
}

/* Clones a host tree (recursively or not) with attributes set while detached. */
static int clone_tree(const char *src, bool recursive, uint64_t set, uint64_t clr, unsigned long prop,
		      struct sbx_error *err, const char *what)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	_cleanup_close_ int fd = open_tree(AT_FDCWD, src, flags);
	if (fd < 0)
		return sbx_err_sys(err, "%s %s", what, src);
	int r = setattr_fd(fd, set, clr, clone_propagation(prop), recursive);
	if (r < 0)
		return sbx_err_errno(err, r, "%s %s: setting mount attributes", what, src);
	return TAKE_FD(fd);
}

/* A bind op's source, cloned with its attributes. */
static int clone_bind(const struct sbx_mount_op *op, struct sbx_error *err)
{
	int fd = clone_tree(op->source, op->recursive, op->attr_set, op->attr_clr, op->propagation, err, "bind");
	if (fd == -EINVAL && !op->recursive)
		return sbx_err_wrap(err, "%s has submounts: use \"rbind\" for %s", op->source, op->dest);
	return fd;
}


/*
 * Applies comma-separated fs options ("k=v" or flags) to an fs context. With
 * ids, uid= and gid= are container ids, given to a filesystem the parent
 * makes: they are mapped to the host's. Returns 0 or -errno.
 */
static int fs_config_data(int fsfd, const char *data, const struct sbx_rootfs_ids *ids, bool lenient_gid)
{
	char buf[PATH_MAX];
	if (!data)
		return 0;
	if (copy_path(buf, data) < 0)
		return -ENAMETOOLONG;
	char *save = NULL;
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		int r;
		if (!eq) {
			r = fsconfig(fsfd, FSCONFIG_SET_FLAG, kv, NULL, 0);
		} else {
			*eq = '\0';
			const char *v = eq + 1;
			char mapped[16];
			bool is_gid = strcmp(kv, "gid") == 0;
			if (ids && (is_gid || strcmp(kv, "uid") == 0)) {
				uint64_t id;
				if (sbx_parse_u64(v, &id) < 0 || id > UINT32_MAX ||
				    (id = ids->map(ids->ctx, is_gid, (uint32_t)id)) == (uint32_t)-1)
					return -EINVAL;
				snprintf(mapped, sizeof(mapped), "%u", (uint32_t)id);
				v = mapped;
			}
			r = fsconfig(fsfd, FSCONFIG_SET_STRING, kv, v, 0);
			/*
			 * devpts's gid=5 (runc's and crun's bundles) names a group
			 * that an ordinary user's single-id map does not have: the
			 * pts nodes then get the creator's group, as crun does.
			 */
			if (r < 0 && errno == EINVAL && lenient_gid && is_gid)
				continue;
		}
		if (r < 0)
			return -errno;
	}
	return 0;
}

/* The name of dest when it is a direct child of dir ("/dev/null" in "/dev": "null"), else NULL. */
static const char *child_name(const char *dest, const char *dir)
{
	size_t n = strlen(dir);
	if (!dest || strncmp(dest, dir, n) != 0 || dest[n] != '/' || !dest[n + 1] || strchr(dest + n + 1, '/'))
		return NULL;
	return dest + n + 1;
}

/*
 * The /dev tmpfs (plan->ops[i]), made here with device nodes of its own:
 * inodes of this sandbox alone, same major and minor as the host's, on a
 * filesystem of the host's user namespace (one the sandbox makes is nodev
 * whatever it says). The sandbox cannot add a node to it (mknod needs
 * CAP_MKNOD on the host). Its root belongs to the sandbox's root, as a tmpfs
 * the sandbox made would. Where mknod is refused (no CAP_MKNOD, as without
 * root) nothing is prepared and the child binds the host's nodes.
 */
static int prepare_dev(struct sbx_mount_plan *plan, size_t i, const struct sbx_rootfs_ids *ids, struct sbx_error *err)
{
	struct sbx_mount_op *op = &plan->ops[i];
	_cleanup_close_ int fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return sbx_err_sys(err, "tmpfs for %s: fsopen", op->dest);
	int r = fsconfig(fsfd, FSCONFIG_SET_STRING, "source", op->source, 0) < 0 ? -errno : 0;
	if (r == 0)
		r = fs_config_data(fsfd, op->data, ids, false);
	const char *who[2] = {"uid", "gid"};
	for (int g = 0; r == 0 && ids && g < 2; g++) {
		uint32_t id = ids->map(ids->ctx, g, 0);
		char v[16];
		snprintf(v, sizeof(v), "%u", id);
		bool given = op->data && (strstr(op->data, g ? "gid=" : "uid=") != NULL);
		if (!given && id != (uint32_t)-1 && fsconfig(fsfd, FSCONFIG_SET_STRING, who[g], v, 0) < 0)
			r = -errno;
	}
	if (r < 0 || fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_error(fsfd, r < 0 ? -r : errno, err, "creating", "tmpfs", op->dest);
	_cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)op->attr_set);
	if (mfd < 0)
		return fs_error(fsfd, errno, err, "mounting", "tmpfs", op->dest);
	for (size_t k = i + 1; k < plan->n_ops; k++) {
		struct sbx_mount_op *n = &plan->ops[k];
		const char *name = child_name(n->dest, op->dest);
		if (!name || (n->kind != SBX_MOP_DEVNODE && n->kind != SBX_MOP_SYMLINK))
			continue;
		if (n->kind == SBX_MOP_SYMLINK) {
			if (symlinkat(n->source, mfd, name) < 0)
				return sbx_err_sys(err, "symlink %s -> %s", n->dest, n->source);
		} else if (mknodat(mfd, name, (n->dev_type == 'b' ? S_IFBLK : S_IFCHR) | (n->mode ? n->mode & 0777 : 0666),
				   makedev(n->dev_major, n->dev_minor)) < 0) {
			if (errno == EPERM)
				return 0; /* the fallback: the child binds the host's nodes */
			return sbx_err_sys(err, "device node %s", n->dest);
		} else if (fchmodat(mfd, name, n->mode ? n->mode & 0777 : 0666, 0) < 0) { /* past our umask */
			return sbx_err_sys(err, "device node %s", n->dest);
		}
	}
	for (size_t k = i + 1; k < plan->n_ops; k++) {
		struct sbx_mount_op *n = &plan->ops[k];
		if ((n->kind == SBX_MOP_DEVNODE || n->kind == SBX_MOP_SYMLINK) && child_name(n->dest, op->dest))
			n->prepared = true;
	}
	op->tree_fd = TAKE_FD(mfd);
	plan->dev_prepared = true;
	return 0;
}

/* "a:b\c" -> "a\:b\\c": overlayfs splits lowerdir at ':' and unescapes '\\'. */
static void ovl_escape(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (; *in && o + 2 < size; in++) {
		if (*in == ':' || *in == '\\')
			out[o++] = '\\';
		out[o++] = *in;
	}
	out[o] = '\0';
}

/* An overlay with the given layers, detached, with the root's attributes. */
static int make_overlay(const struct sbx_mount_plan *plan, const char *lower, const char *upper, const char *work,
			struct sbx_error *err)
{
	_cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return sbx_err_sys(err, "rootfs overlay: fsopen (is the overlay module loaded?)");
	/* what the program may write stays plain: no redirects or metadata-only copies to follow */
	const char *const opts[][2] = {{"source", "sbxctr"}, {"lowerdir", lower}, {"upperdir", upper},
				       {"workdir", work}, {"redirect_dir", upper ? "off" : NULL},
				       {"index", upper ? "off" : NULL}, {"metacopy", upper ? "off" : NULL}};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(opts); i++)
		if (opts[i][1] && fsconfig(fsfd, FSCONFIG_SET_STRING, opts[i][0], opts[i][1], 0) < 0)
			return fs_error(fsfd, errno, err, "configuring", "overlay", plan->root);
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_error(fsfd, errno, err, "creating", "overlay", plan->root);
	int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)plan->root_attr_set);
	if (mfd < 0)
		return fs_error(fsfd, errno, err, "mounting", "overlay", plan->root);
	return mfd;
}

/*
 * The writable overlay's upper and work layers on a size-capped tmpfs
 * mounted on <state>/overlay in the caller's current mount namespace (which
 * must be a private one of its own), and the overlay. The overlay must find
 * the upper layer by path in its creator's mount namespace (kernels before
 * 6.15 refuse a detached one); it keeps its own clone of that mount, and
 * the tmpfs goes with the namespace. A rootless child, in its own mount
 * namespace already, may not chown the layer to an owner it cannot map:
 * lenient, it keeps the mode alone then.
 */
static int writable_overlay(const struct sbx_mount_plan *plan, const char *lower, bool lenient,
			    struct sbx_error *err)
{
	char dir[512], upper[600], work[600], data[64];
	struct stat st;
	snprintf(dir, sizeof(dir), "%s/overlay", sbx_state_dir());
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	snprintf(work, sizeof(work), "%s/work", dir);
	snprintf(data, sizeof(data), "mode=0700,size=%llu", (unsigned long long)SBX_ROOTFS_OVERLAY_SIZE);
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    mount("sbxctr-overlay", dir, "tmpfs", MS_NOSUID | MS_NODEV, data) < 0 || mkdir(work, 0700) < 0 ||
	    mkdir(upper, 0755) < 0)
		return sbx_err_sys(err, "rootfs overlay: its tmpfs on %s", dir);
	/* the overlay's root is the upper layer's: make it look like the rootfs's own */
	if (stat(plan->root, &st) < 0 || chmod(upper, st.st_mode & 07777) < 0 ||
	    (chown(upper, st.st_uid, st.st_gid) < 0 && !(lenient && (errno == EINVAL || errno == EPERM))))
		return sbx_err_sys(err, "rootfs overlay: %s", plan->root);
	return make_overlay(plan, lower, upper, work, err);
}

struct ovl_job {
	const struct sbx_mount_plan *plan;
	const char *lower;
	int fd;
	struct sbx_error err;
};

/*
 * The runtime makes the writable overlay in a thread of its own that moves
 * into a private mount namespace (a thread may: CLONE_NEWNS unshares only
 * its filesystem context): nothing is ever mounted where the runtime's
 * caller or the host could see it, and nothing outlives the runtime.
 */
static void *ovl_writable_main(void *p)
{
	struct ovl_job *j = p;
	j->fd = -1;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		sbx_err_sys(&j->err, "rootfs overlay: a private mount namespace");
		return NULL;
	}
	j->fd = writable_overlay(j->plan, j->lower, false, &j->err);
	return NULL;
}

bool sbx_rootfs_overlay_available(void)
{
	/*
	 * EPERM: the filesystem exists but an ordinary user may make one only
	 * in a user namespace of their own, where their sandbox's child will
	 * (ENODEV: no overlayfs at all)
	 */
	_cleanup_close_ int fd = fsopen("overlay", FSOPEN_CLOEXEC);
	return fd >= 0 || errno == EPERM;
}

/*
 * The rootfs as a private overlay: its files are inodes of this sandbox's
 * overlay, not the rootfs's, so that a lock or an inotify watch on one
 * never meets another sandbox's (or the host's) use of the same file.
 * Read-only, it has no upper layer; overlayfs then wants two lower ones:
 * the rootfs over an empty directory. in_own_ns: the caller is a rootless
 * child, in a mount namespace of its own and without threads to spare.
 */
static int overlay_root(const struct sbx_mount_plan *plan, bool in_own_ns, struct sbx_error *err)
{
	char root[PATH_MAX], lower[2 * PATH_MAX + 2];
	ovl_escape(plan->root, root, sizeof(root));
	if (plan->root_writable && in_own_ns)
		return writable_overlay(plan, root, true, err);
	if (plan->root_writable) {
		struct ovl_job j = {.plan = plan, .lower = root};
		pthread_t t;
		int e = pthread_create(&t, NULL, ovl_writable_main, &j);
		if (e != 0)
			return sbx_err_errno(err, e, "rootfs overlay: thread");
		pthread_join(t, NULL);
		if (j.fd < 0)
			*err = j.err;
		return j.fd < 0 ? -err->code : j.fd;
	}
	char empty[512];
	snprintf(empty, sizeof(empty), "%s/empty", sbx_state_dir());
	if (mkdir(empty, 0755) < 0 && errno != EEXIST)
		return sbx_err_sys(err, "rootfs overlay: %s", empty);
	char esc[1024];
	ovl_escape(empty, esc, sizeof(esc));
	snprintf(lower, sizeof(lower), "%s:%s", root, esc);
	return make_overlay(plan, lower, NULL, NULL, err);
}

int sbx_rootfs_prepare(struct sbx_mount_plan *plan, const struct sbx_rootfs_ids *ids, bool clone,
		       struct sbx_error *err)
{
	_cleanup_close_ int rootfd = open(plan->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return sbx_err_sys(err, "rootfs %s", plan->root);
	for (size_t i = 0; i < plan->n_ops; i++) {
		struct sbx_mount_op *op = &plan->ops[i];
		if (op->kind != SBX_MOP_BIND && op->kind != SBX_MOP_FS)
			continue;
		/* decided here, with the host's view: the child may not be able to stat the source */
		if (op->kind == SBX_MOP_BIND)
			op->dest_is_file = !source_is_dir(op->source);
		/* under an earlier mount of ours: the child creates it there */
		bool covered = false;
		for (size_t k = 0; k < i && !covered; k++)
			covered = (plan->ops[k].kind == SBX_MOP_FS || plan->ops[k].kind == SBX_MOP_BIND) &&
				  is_under(op->dest, plan->ops[k].dest);
		if (covered)
			continue;
		int fd = sbx_rootfs_resolve(rootfd, op->dest, O_PATH);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		int r = mkdir_in_root(rootfd, op->dest, op->dest_is_file);
		if (r < 0)
			return sbx_err_errno(err, r, "mount point %s is missing in the rootfs %s and cannot be created",
					     op->dest, plan->root);
	}
	if (!clone)
		return 0;
	if (plan->root_fd < 0) {
		int fd = plan->root_overlay ? overlay_root(plan, false, err)
					    : clone_tree(plan->root, true, plan->root_attr_set, 0, 0, err, "rootfs");
		if (fd < 0)
			return fd;
		plan->root_fd = fd;
	}
	for (size_t i = 0; i < plan->n_ops && plan->cgroup_dir; i++) {
		struct sbx_mount_op *op = &plan->ops[i];
		if (op->kind != SBX_MOP_FS || strcmp(op->fstype, "cgroup2") != 0 || op->fallback_fd >= 0)
			continue;
		/* not fatal here: the child needs it only if the kernel refuses the mount */
		struct sbx_error e = {0};
		op->fallback_fd = clone_tree(plan->cgroup_dir, true,
					     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
					     0, 0, &e, "cgroup");
		if (op->fallback_fd < 0)
			op->fallback_fd = -1;
	}
	for (size_t i = 0; i < plan->n_ops && !plan->binds_in_child; i++) {
		struct sbx_mount_op *op = &plan->ops[i];
		if (op->kind != SBX_MOP_BIND || op->tree_fd >= 0)
			continue;
		int fd = clone_bind(op, err);
		if (fd < 0)
			return fd;
		op->tree_fd = fd;
	}
	for (size_t i = 0; i < plan->n_ops; i++) {
		int r;
		if (plan->ops[i].dev_nodes && plan->ops[i].tree_fd < 0 && (r = prepare_dev(plan, i, ids, err)) < 0)
			return r;
	}
	return 0;
}

static void close_local(struct sbx_rootfs_local *l, size_t n_binds)
{
	if (l->attach_fd >= 0)
		close(l->attach_fd);
	if (l->root_fd >= 0)
		close(l->root_fd);
	for (size_t i = 0; i < n_binds; i++)
		if (l->bind_fd[i] >= 0)
			close(l->bind_fd[i]);
	l->attach_fd = l->root_fd = -1;
}

int sbx_rootfs_clone_local(const struct sbx_mount_plan *plan, struct sbx_rootfs_local *l, struct sbx_error *err)
{
	size_t nb = 0;
	l->attach_fd = l->root_fd = -1;
	l->join_net = NULL;
	l->join_net_ctx = NULL;
	for (size_t i = 0; i < plan->n_ops; i++) {
		const struct sbx_mount_op *op = &plan->ops[i];
		if (op->kind != SBX_MOP_BIND)
			continue;
		if (nb == SBX_ROOTFS_LOCAL_MAX) {
			close_local(l, nb);
			return sbx_err_set(err, E2BIG, "mounts: at most %d bind mounts in a rootless sandbox",
					   SBX_ROOTFS_LOCAL_MAX);
		}
		int fd = clone_bind(op, err);
		if (fd < 0) {
			close_local(l, nb);
			return fd;
		}
		l->bind_fd[nb++] = fd;
	}
	l->attach_fd = open(plan->attach, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l->attach_fd < 0) {
		int r = sbx_err_sys(err, "attach point %s", plan->attach);
		close_local(l, nb);
		return r;
	}
	l->root_fd = plan->root_overlay ? overlay_root(plan, true, err)
					: clone_tree(plan->root, true, plan->root_attr_set, 0, 0, err, "rootfs");
	if (l->root_fd < 0) {
		int r = l->root_fd;
		close_local(l, nb);
		return r;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* child side                                                                */

static int setattr_fd(int fd, uint64_t set, uint64_t clr, unsigned long prop, bool recursive)
{
	struct mount_attr attr = {.attr_set = set, .attr_clr = clr, .propagation = prop & ~(unsigned long)MS_REC};
	if (!set && !clr && !attr.propagation)
		return 0;
	unsigned flags = AT_EMPTY_PATH | (recursive || (prop & MS_REC) ? AT_RECURSIVE : 0);
	if (mount_setattr(fd, "", flags, &attr, sizeof(attr)) < 0)
		return -errno;
	return 0;
}

static int attach(int mntfd, int targetfd)
{
	if (move_mount(mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/*
 * A missing mount point made: usually only its last component is missing
 * (a device node's file on our /dev tmpfs), so that is created under its
 * resolved parent and opened from there (2 lookups instead of one per
 * component and two more: a start makes a dozen). Anything else (parents
 * missing, a name there already, such as a dangling symlink) goes the
 * general way: mkdir -p in the root, then resolved as any path.
 */
static int create_target(int rootfd, const char *path, bool is_file)
{
	const char *name = "";
	int pfd = resolve_parent(rootfd, path, &name);
	bool plain = pfd >= 0 && *name && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
	if (pfd >= 0 && plain) {
		_cleanup_close_ int parent = pfd;
		int made = is_file ? openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644)
				   : mkdirat(parent, name, 0755);
		if (made >= 0) {
			if (is_file)
				close(made);
			/* ours, just made: no symlink to follow */
			int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			return fd < 0 ? -errno : fd;
		}
		if (errno != EEXIST)
			return -errno;
	} else if (pfd >= 0) {
		close(pfd);
	} else if (pfd != -ENOENT) {
		return pfd;
	}
	int r = mkdir_in_root(rootfd, path, is_file);
	return r < 0 ? r : sbx_rootfs_resolve(rootfd, path, O_PATH);
}

/* Finds or creates the mount point for op (the child can create it only inside our tmpfs mounts). */
static int target_fd(int rootfd, const struct sbx_mount_op *op, bool is_file, struct sbx_error *err)
{
	int fd = sbx_rootfs_resolve(rootfd, op->dest, O_PATH);
	if (fd == -ENOENT) {
		fd = create_target(rootfd, op->dest, is_file);
		if (fd < 0 && fd != -ENOENT)
			return sbx_err_errno(err, fd, "mount point %s does not exist and cannot be created", op->dest);
	}
	if (fd < 0)
		return sbx_err_errno(err, fd, "mount point %s", op->dest);
	return fd;
}

/* Reads the kernel's messages from an fs context into err (fsconfig explains its EINVALs). */
static int fs_error(int fsfd, int code, struct sbx_error *err, const char *what, const char *fstype,
		    const char *dest)
{
	char log[256] = "";
	char buf[256];
	ssize_t n;
	while (fsfd >= 0 && (n = read(fsfd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(log, sizeof(log), " (kernel: %s)", buf + (buf[1] == ' ' ? 2 : 0));
	}
	sbx_err_errno(err, code, "%s %s on %s", what, fstype, dest);
	if (log[0]) {
		size_t l = strlen(err->msg);
		snprintf(err->msg + l, sizeof(err->msg) - l, "%s", log);
	}
	return -code;
}

static int mount_bind(int rootfd, const struct sbx_mount_op *op, const char *src, bool is_file, int tree_fd,
		      struct sbx_error *err);

/*
 * sysfs can only be mounted by the user namespace that owns the network
 * namespace; a sandbox that joined an existing (host-owned) network
 * namespace gets a read-only recursive bind of the host's /sys instead,
 * as rootless crun does.
 */
static int mount_sysfs_fallback(int rootfd, const struct sbx_mount_op *op, struct sbx_error *err)
{
	struct sbx_mount_op bind = *op;
	bind.kind = SBX_MOP_BIND;
	bind.recursive = true;
	bind.attr_set |= MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	return mount_bind(rootfd, &bind, "/sys", false, -1, err);
}

/*
 * cgroup2 needs a cgroup namespace owned by our user namespace; where the
 * kernel refuses it (a cgroup namespace joined by path), the container's
 * own cgroup directory, cloned read-only by the parent, stands in.
 */
static int mount_cgroup_fallback(int rootfd, const struct sbx_mount_op *op, int code, struct sbx_error *err)
{
	if (op->fallback_fd < 0)
		return sbx_err_errno(err, code, "mounting cgroup2 on %s", op->dest);
	_cleanup_close_ int mfd = dup(op->fallback_fd);
	if (mfd < 0)
		return sbx_err_sys(err, "cgroup on %s", op->dest);
	_cleanup_close_ int tfd = target_fd(rootfd, op, false, err);
	if (tfd < 0)
		return tfd;
	int r = attach(mfd, tfd);
	if (r < 0)
		return sbx_err_errno(err, r, "binding the container's cgroup on %s", op->dest);
	return 0;
}

static bool is_cgroup2(const struct sbx_mount_op *op)
{
	return strcmp(op->fstype, "cgroup2") == 0;
}

/*
 * A new filesystem on op->dest. With keep_fd, the mount's descriptor is
 * also returned there (a duplicate): the runtime keeps the filesystem
 * after the sandbox is gone (the lent workdir).
 */
static int mount_fs(int rootfd, const struct sbx_mount_op *op, int *keep_fd, struct sbx_error *err)
{
	if (op->tree_fd >= 0) {
		/* made by the parent (a /dev with its nodes): attached as it is */
		_cleanup_close_ int tfd = target_fd(rootfd, op, false, err);
		if (tfd < 0)
			return tfd;
		int r = attach(op->tree_fd, tfd);
		if (r < 0)
			return sbx_err_errno(err, r, "attaching %s on %s", op->fstype, op->dest);
		return 0;
	}
	_cleanup_close_ int fsfd = fsopen(op->fstype, FSOPEN_CLOEXEC);
	if (fsfd < 0 && errno == EPERM && is_cgroup2(op))
		return mount_cgroup_fallback(rootfd, op, errno, err);
	if (fsfd < 0 && errno == EPERM && strcmp(op->fstype, "sysfs") == 0)
		return mount_sysfs_fallback(rootfd, op, err);
	if (fsfd < 0)
		return sbx_err_sys(err, "%s on %s: fsopen", op->fstype, op->dest);
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", op->source, 0) < 0)
		return fs_error(fsfd, errno, err, "configuring", op->fstype, op->dest);
	int r = fs_config_data(fsfd, op->data, NULL, strcmp(op->fstype, "devpts") == 0);
	if (r == -ENAMETOOLONG)
		return sbx_err_set(err, ENAMETOOLONG, "%s on %s: options too long", op->fstype, op->dest);
	if (r < 0)
		return fs_error(fsfd, -r, err, "option for", op->fstype, op->dest);
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		if (errno == EPERM && strcmp(op->fstype, "sysfs") == 0)
			return mount_sysfs_fallback(rootfd, op, err);
		if (errno == EPERM && is_cgroup2(op))
			return mount_cgroup_fallback(rootfd, op, errno, err);
		return fs_error(fsfd, errno, err, "creating", op->fstype, op->dest);
	}
	/* atime mode 0 is "relatime", which fsmount takes as given */
	_cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)op->attr_set);
	if (mfd < 0 && errno == EPERM && strcmp(op->fstype, "sysfs") == 0)
		return mount_sysfs_fallback(rootfd, op, err);
	if (mfd < 0)
		return fs_error(fsfd, errno, err, "mounting", op->fstype, op->dest);
	_cleanup_close_ int tfd = target_fd(rootfd, op, false, err);
	if (tfd < 0)
		return tfd;
	if (keep_fd && (*keep_fd = fcntl(mfd, F_DUPFD_CLOEXEC, 3)) < 0)
		return sbx_err_sys(err, "%s on %s", op->fstype, op->dest);
	r = attach(mfd, tfd);
	if (r < 0)
		return sbx_err_errno(err, r, "attaching %s on %s", op->fstype, op->dest);
	return 0;
}

/* tree_fd: the source already cloned with its attributes (by the parent, or by a rootless child), or -1 */
static int mount_bind(int rootfd, const struct sbx_mount_op *op, const char *src, bool is_file, int tree_fd,
		      struct sbx_error *err)
{
	int r;
	_cleanup_close_ int mfd = -1;
	if (tree_fd >= 0) {
		mfd = dup(tree_fd);
		if (mfd < 0)
			return sbx_err_sys(err, "bind %s on %s", src, op->dest);
	} else {
		unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (op->recursive ? AT_RECURSIVE : 0);
		mfd = open_tree(AT_FDCWD, src, flags);
		if (mfd < 0)
			return sbx_err_sys(err, "bind %s on %s", src, op->dest);
		/* attributes are set while the tree is detached: it is never visible writable */
		r = setattr_fd(mfd, op->attr_set, op->attr_clr, clone_propagation(op->propagation), op->recursive);
		if (r < 0)
			return sbx_err_errno(err, r, "bind %s on %s: setting mount attributes", src, op->dest);
	}
	_cleanup_close_ int tfd = target_fd(rootfd, op, is_file, err);
	if (tfd < 0)
		return tfd;
	r = attach(mfd, tfd);
	if (r < 0)
		return sbx_err_errno(err, r, "bind %s on %s", src, op->dest);
	return 0;
}

static int do_mask(int rootfd, const struct sbx_mount_plan *plan, const struct sbx_mount_op *op,
		   struct sbx_error *err)
{
	_cleanup_close_ int tfd = sbx_rootfs_resolve(rootfd, op->dest, O_PATH);
	if (tfd == -ENOENT && op->optional)
		return 0;
	if (tfd < 0)
		return sbx_err_errno(err, tfd, "masking %s", op->dest);
	struct stat st;
	if (fstat(tfd, &st) < 0)
		return sbx_err_sys(err, "masking %s", op->dest);
	_cleanup_close_ int mfd = -1;
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
		if (fsfd < 0 || fsconfig(fsfd, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_SET_STRING, "nr_inodes", "1", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			return sbx_err_sys(err, "masking %s: tmpfs", op->dest);
		mfd = fsmount(fsfd, FSMOUNT_CLOEXEC,
			      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	} else if (plan->dev_prepared) {
		/* our own null: a watch on a masked file must not see the host's /dev/null either */
		_cleanup_close_ int nfd = sbx_rootfs_resolve(rootfd, "/dev/null", O_PATH | O_NOFOLLOW);
		if (nfd < 0)
			return sbx_err_errno(err, nfd, "masking %s: /dev/null", op->dest);
		mfd = open_tree(nfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	} else {
		mfd = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (mfd >= 0 && setattr_fd(mfd, 0, 0, clone_propagation(0), false) < 0)
			return sbx_err_sys(err, "masking %s: private", op->dest);
	}
	if (mfd < 0)
		return sbx_err_sys(err, "masking %s", op->dest);
	int r = attach(mfd, tfd);
	if (r < 0)
		return sbx_err_errno(err, r, "masking %s", op->dest);
	return 0;
}

static int do_readonly(int rootfd, const struct sbx_mount_op *op, struct sbx_error *err)
{
	_cleanup_close_ int tfd = sbx_rootfs_resolve(rootfd, op->dest, O_PATH);
	if (tfd == -ENOENT && op->optional)
		return 0;
	if (tfd < 0)
		return sbx_err_errno(err, tfd, "read-only %s", op->dest);
	_cleanup_close_ int mfd = open_tree(tfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (mfd < 0)
		return sbx_err_sys(err, "read-only %s", op->dest);
	int r = setattr_fd(mfd, op->attr_set, 0, 0, true);
	if (r < 0)
		return sbx_err_errno(err, r, "read-only %s", op->dest);
	r = attach(mfd, tfd);
	if (r < 0)
		return sbx_err_errno(err, r, "read-only %s", op->dest);
	return 0;
}

/*
 * The directory of the last sysctl written, held for the next in a run of
 * sysctls: a start writes a dozen in /proc/sys/user, and each lookup in
 * /proc/sys is a slow one (its entries are made on demand).
 */
struct sysctl_dir {
	int fd;
	char name[128]; /* "user" for /proc/sys/user */
};

/* The sysctl's file opened in its directory, which is resolved once per run of keys in it; -1 if not that way. */
static int open_cached(int rootfd, const char *key, struct sysctl_dir *dir)
{
	const char *slash = strrchr(key, '/');
	const char *name = slash ? slash + 1 : key;
	size_t dlen = slash ? (size_t)(slash - key) : 0;
	if (!slash || dlen >= sizeof(dir->name) || !*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -1;
	if (dir->fd < 0 || strlen(dir->name) != dlen || strncmp(dir->name, key, dlen) != 0) {
		char path[PATH_MAX];
		if (dir->fd >= 0)
			close(dir->fd);
		dir->fd = -1;
		snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)dlen, key);
		int fd = sbx_rootfs_resolve(rootfd, path, O_PATH | O_DIRECTORY);
		if (fd < 0)
			return -1;
		dir->fd = fd;
		memcpy(dir->name, key, dlen);
		dir->name[dlen] = '\0';
	}
	return openat(dir->fd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
}

static int do_sysctl(int rootfd, const struct sbx_mount_op *op, struct sysctl_dir *dir, struct sbx_error *err)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "/proc/sys/%s", op->source);
	if (n < 0 || (size_t)n >= sizeof(path))
		return sbx_err_set(err, ENAMETOOLONG, "sysctl %s: name too long", op->source);
	/* anything the cached way does not open goes the general way, which also words the error */
	_cleanup_close_ int fd = open_cached(rootfd, op->source, dir);
	if (fd < 0)
		fd = sbx_rootfs_resolve(rootfd, path, O_WRONLY | O_NOFOLLOW);
	if (fd == -ENOENT && op->optional)
		return 0;
	if (fd < 0)
		return sbx_err_errno(err, fd, "sysctl %s", op->source);
	if (write(fd, op->data, strlen(op->data)) < 0)
		return sbx_err_sys(err, "sysctl %s=%s", op->source, op->data);
	return 0;
}

static int do_symlink(int rootfd, const struct sbx_mount_op *op, struct sbx_error *err)
{
	const char *name;
	_cleanup_close_ int dfd = resolve_parent(rootfd, op->dest, &name);
	if (dfd < 0)
		return sbx_err_errno(err, dfd, "symlink %s", op->dest);
	/* O_PATH dirfds work for symlinkat */
	if (symlinkat(op->source, dfd, name) < 0 && errno != EEXIST)
		return sbx_err_sys(err, "symlink %s -> %s", op->dest, op->source);
	return 0;
}

static int do_setattr(int rootfd, const struct sbx_mount_op *op, struct sbx_error *err)
{
	_cleanup_close_ int tfd = sbx_rootfs_resolve(rootfd, op->dest, O_PATH);
	if (tfd < 0)
		return sbx_err_errno(err, tfd, "mount attributes of %s", op->dest);
	int r = setattr_fd(tfd, op->attr_set, op->attr_clr, op->propagation, op->recursive);
	if (r < 0)
		return sbx_err_errno(err, r, "mount attributes of %s", op->dest);
	return 0;
}

static int do_mknod(int rootfd, const struct sbx_mount_op *op, struct sbx_error *err)
{
	const char *name;
	_cleanup_close_ int dfd = resolve_parent(rootfd, op->dest, &name);
	if (dfd == -ENOENT) {
		char parent[PATH_MAX];
		int r = copy_path(parent, op->dest);
		if (r < 0)
			return sbx_err_errno(err, r, "device %s", op->dest);
		*strrchr(parent, '/') = '\0';
		if (parent[0] && (r = mkdir_in_root(rootfd, parent, false)) < 0)
			return sbx_err_errno(err, r, "device %s: its directory", op->dest);
		dfd = resolve_parent(rootfd, op->dest, &name);
	}
	if (dfd < 0)
		return sbx_err_errno(err, dfd, "device %s", op->dest);
	int d = dfd; /* O_PATH dirfds work for the *at() calls */
	mode_t type = op->dev_type == 'p' ? S_IFIFO : op->dev_type == 'b' ? S_IFBLK : S_IFCHR;
	/* a node already there (a default one, or from the rootfs) is replaced */
	if (unlinkat(d, name, 0) < 0 && errno != ENOENT)
		return sbx_err_sys(err, "device %s: removing what is there", op->dest);
	if (mknodat(d, name, type | (op->mode & 07777), makedev(op->dev_major, op->dev_minor)) < 0)
		return sbx_err_sys(err, "linux.devices: mknod %s (%c %u:%u)", op->dest, op->dev_type, op->dev_major,
				   op->dev_minor);
	/* the umask applied to mknod; the config's mode is meant as written */
	if (fchmodat(d, name, op->mode & 07777, 0) < 0 || fchownat(d, name, op->uid, op->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return sbx_err_sys(err, "linux.devices: mode and owner of %s", op->dest);
	return 0;
}

/* tree_fd: a bind's pre-cloned source or -1; keep_fd: where a lent filesystem's descriptor goes, or NULL */
static int apply_op(int rootfd, const struct sbx_mount_plan *plan, const struct sbx_mount_op *op, int tree_fd,
		    int *keep_fd, struct sysctl_dir *dir, struct sbx_error *err)
{
	if (op->prepared)
		return 0;
	switch (op->kind) {
	case SBX_MOP_BIND:
		return mount_bind(rootfd, op, op->source, op->dest_is_file, tree_fd, err);
	case SBX_MOP_DEVNODE:
		return mount_bind(rootfd, op, op->source, true, -1, err);
	case SBX_MOP_FS:
		return mount_fs(rootfd, op, keep_fd, err);
	case SBX_MOP_SYMLINK:
		return do_symlink(rootfd, op, err);
	case SBX_MOP_SYSCTL:
		return do_sysctl(rootfd, op, dir, err);
	case SBX_MOP_MASK:
		return do_mask(rootfd, plan, op, err);
	case SBX_MOP_READONLY:
		return do_readonly(rootfd, op, err);
	case SBX_MOP_SETATTR:
		return do_setattr(rootfd, op, err);
	case SBX_MOP_MKNOD:
		return do_mknod(rootfd, op, err);
	default:
		return sbx_err_set(err, EINVAL, "unknown mount op %d", op->kind);
	}
}

/* An op that sees the network namespace: sysfs (/sys/class/net is the mounter's), anything under /sys, net.* sysctls. */
static bool sees_network(const struct sbx_mount_op *op)
{
	if (op->kind == SBX_MOP_SYSCTL)
		return op->source && strncmp(op->source, "net/", 4) == 0;
	if (op->kind == SBX_MOP_FS && op->fstype && strcmp(op->fstype, "sysfs") == 0)
		return true;
	return op->dest && (strcmp(op->dest, "/sys") == 0 || strncmp(op->dest, "/sys/", 5) == 0);
}

int sbx_rootfs_mount_all(const struct sbx_mount_plan *plan, const struct sbx_rootfs_local *local, int *stage_fd_out,
			 struct sbx_error *err)
{
	/* nothing we mount may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sbx_err_sys(err, "making / private");
	int r;
	int tree = local ? local->root_fd : plan->root_fd;
	if (tree < 0 || !plan->attach)
		return sbx_err_set(err, EINVAL, "rootfs %s was not prepared", plan->root);
	/* the parent made the attach point; we could not create it from our user namespace */
	if (local)
		r = move_mount(tree, "", local->attach_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	else
		r = move_mount(tree, "", AT_FDCWD, plan->attach, MOVE_MOUNT_F_EMPTY_PATH);
	if (r < 0)
		return sbx_err_sys(err, "rootfs %s: attaching on %s", plan->root, plan->attach);
	/* the tree's descriptor now names the attached root: every lookup below starts there */
	_cleanup_close_ int rootfd = fcntl(tree, F_DUPFD_CLOEXEC, 3);
	if (rootfd < 0)
		return sbx_err_sys(err, "rootfs %s", plan->root);
	/*
	 * With the network namespace made beside us (local->join_net), the ops
	 * that see it (sysfs, what is mounted under /sys, net.* sysctls) go
	 * last, after the join: everything else runs while it is being made.
	 */
	bool beside = local && local->join_net;
	struct sysctl_dir dir = {.fd = -1};
	r = 0;
	for (int pass = 0; pass < (beside ? 2 : 1) && r >= 0; pass++) {
		if (pass == 1 && (r = local->join_net(local->join_net_ctx, err)) < 0)
			break;
		size_t bind = 0;
		for (size_t i = 0; i < plan->n_ops; i++) {
			const struct sbx_mount_op *op = &plan->ops[i];
			int tree_fd = op->tree_fd;
			if (op->kind == SBX_MOP_BIND && local)
				tree_fd = local->bind_fd[bind++];
			if (beside && sees_network(op) != (pass == 1))
				continue;
			bool lend = stage_fd_out && plan->workdir_lent && (long)i == plan->workdir_op;
			if (op->kind != SBX_MOP_SYSCTL && dir.fd >= 0) {
				/* only a run of sysctls shares it: a mount over /proc/sys (read-only) must be seen */
				close(dir.fd);
				dir.fd = -1;
			}
			r = apply_op(rootfd, plan, op, tree_fd, lend ? stage_fd_out : NULL, &dir, err);
			if (r < 0)
				break;
		}
		if (dir.fd >= 0)
			close(dir.fd);
		dir.fd = -1;
	}
	return r < 0 ? r : TAKE_FD(rootfd);
}

int sbx_rootfs_enter(const struct sbx_mount_plan *plan, int rootfd_arg, bool no_pivot, struct sbx_error *err)
{
	_cleanup_close_ int rootfd = rootfd_arg;
	if (fchdir(rootfd) < 0)
		return sbx_err_sys(err, "chdir to the new root");
	if (no_pivot) {
		/*
		 * --no-pivot: for a root on ramfs, which pivot_root cannot leave.
		 */
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return sbx_err_sys(err, "--no-pivot: moving the root over /");
		if (chroot(".") < 0)
			return sbx_err_sys(err, "--no-pivot: chroot");
	} else {
		/* pivot_root(".", ".") stacks the old root under the new one; detach it at once */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return sbx_err_sys(err, "pivot_root");
		if (umount2(".", MNT_DETACH) < 0)
			return sbx_err_sys(err, "detaching the old root");
	}
	if (chdir("/") < 0)
		return sbx_err_sys(err, "chdir /");
	if (plan->root_propagation && mount(NULL, "/", NULL, plan->root_propagation, NULL) < 0)
		return sbx_err_sys(err, "rootfsPropagation");
	return 0;
}

int sbx_rootfs_setup(const struct sbx_mount_plan *plan, const struct sbx_rootfs_local *local, int *stage_fd_out,
		     struct sbx_error *err)
{
	int rootfd = sbx_rootfs_mount_all(plan, local, stage_fd_out, err);
	if (rootfd < 0)
		return rootfd;
	return sbx_rootfs_enter(plan, rootfd, false, err);
}

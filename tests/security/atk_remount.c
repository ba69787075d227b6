/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_remount: make the read-only root (or /proc/sys, /sys, /dev) writable
 * again: mount(2) MS_REMOUNT with and without MS_BIND, mount_setattr(2)
 * clearing MOUNT_ATTR_RDONLY, fspick(2) + reconfigure, and a clone of the
 * root tree re-attached writable. All need CAP_SYS_ADMIN over the mount
 * namespace's owner, which the program does not have (EPERM; the default
 * seccomp profile also answers EPERM).
 */
#include "atk.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>

static long setattr_clear_ro(const char *path, unsigned flags)
{
	struct mount_attr a = {.attr_clr = MOUNT_ATTR_RDONLY};
	return syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &a, sizeof(a));
}

static long fspick_rw(const char *path)
{
	int fd = (int)syscall(SYS_fspick, AT_FDCWD, path, FSPICK_CLOEXEC);
	if (fd < 0)
		return -1;
	long r = syscall(SYS_fsconfig, fd, FSCONFIG_SET_FLAG, "rw", NULL, 0);
	if (r == 0)
		r = syscall(SYS_fsconfig, fd, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static long clone_tree_rw(void)
{
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (fd < 0)
		return -1;
	struct mount_attr a = {.attr_clr = MOUNT_ATTR_RDONLY};
	long r = syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int main(void)
{
	static const char *const targets[] = {"/", "/proc/sys", "/sys", "/dev", "/proc"};
	char what[200];
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		const char *t = targets[i];
		snprintf(what, sizeof(what), "mount(%s, MS_REMOUNT|MS_BIND) read-write", t);
		ATK_EXPECT_ERR(what, mount(NULL, t, NULL, MS_REMOUNT | MS_BIND, NULL), EPERM);
		snprintf(what, sizeof(what), "mount(%s, MS_REMOUNT) read-write", t);
		ATK_EXPECT_ERR(what, mount(NULL, t, NULL, MS_REMOUNT, NULL), EPERM);
		snprintf(what, sizeof(what), "mount_setattr(%s, clear RDONLY)", t);
		ATK_EXPECT_ERR(what, setattr_clear_ro(t, 0), EPERM);
		snprintf(what, sizeof(what), "mount_setattr(%s, AT_RECURSIVE, clear RDONLY)", t);
		ATK_EXPECT_ERR(what, setattr_clear_ro(t, AT_RECURSIVE), EPERM);
		snprintf(what, sizeof(what), "fspick(%s) + reconfigure rw", t);
		ATK_EXPECT_ERR(what, fspick_rw(t), EPERM);
	}
	ATK_EXPECT_ERR("mount(/, /, MS_BIND|MS_REC) over itself", mount("/", "/", NULL, MS_BIND | MS_REC, NULL), EPERM);
	ATK_EXPECT_ERR("open_tree(/, OPEN_TREE_CLONE) + clear RDONLY", clone_tree_rw(), EPERM);
	ATK_EXPECT_ERR("mount(MS_PRIVATE on /) (propagation change)", mount(NULL, "/", NULL, MS_PRIVATE, NULL), EPERM);

	/* the proof: still read-only */
	ATK_EXPECT_ERR_FD("open(/newfile, O_CREAT) afterwards", open("/newfile", O_WRONLY | O_CREAT, 0644), EROFS);
	ATK_EXPECT_ERR_FD("open(/proc/sys/kernel/hostname, O_WRONLY) afterwards",
			  open("/proc/sys/kernel/hostname", O_WRONLY), EROFS, EACCES);
	return atk_finish("atk_remount");
}

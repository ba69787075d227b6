/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_rootfs_write: modify the read-only rootfs with every call that writes
 * to a file system: open for writing, create, mkdir, unlink, rename, chmod,
 * chown, utimes, truncate, xattrs, symlink, mknod (FIFO), O_TMPFILE, a
 * shared writable mapping. Files of the rootfs belong to the host's root,
 * which has no mapping in the sandbox's user namespace, so some calls stop
 * at the permission check (EACCES/EPERM) before the read-only mount (EROFS):
 * either layer alone keeps the rootfs intact. The driver also checksums
 * the rootfs from the host before and after.
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>

int main(void)
{
	char before[8192], after[8192];
	if (atk_read_file("/etc/passwd", before, sizeof(before)) < 0)
		return atk_setup("read /etc/passwd: %s", atk_errname(errno)), atk_finish("atk_rootfs_write");

	ATK_EXPECT_ERR_FD("open(/etc/passwd, O_WRONLY|O_TRUNC)", open("/etc/passwd", O_WRONLY | O_TRUNC), EROFS);
	/* an unmapped owner fails the permission check first */
	ATK_EXPECT_ERR_FD("open(/etc/passwd, O_RDWR)", open("/etc/passwd", O_RDWR), EROFS, EACCES);
	ATK_EXPECT_ERR_FD("open(/etc/passwd, O_WRONLY|O_APPEND)", open("/etc/passwd", O_WRONLY | O_APPEND), EROFS,
			  EACCES);
	ATK_EXPECT_ERR_FD("open(/newfile, O_CREAT)", open("/newfile", O_WRONLY | O_CREAT, 0644), EROFS);
	ATK_EXPECT_ERR_FD("open(/usr/local/bin/evil, O_CREAT)", open("/usr/local/bin/evil", O_WRONLY | O_CREAT, 0755),
			  EROFS);
	ATK_EXPECT_ERR_FD("open(/etc, O_TMPFILE)", open("/etc", O_TMPFILE | O_WRONLY, 0600), EROFS);
	ATK_EXPECT_ERR("mkdir(/newdir)", mkdir("/newdir", 0755), EROFS);
	ATK_EXPECT_ERR("unlink(/etc/motd)", unlink("/etc/motd"), EROFS);
	ATK_EXPECT_ERR("rmdir(/home)", rmdir("/home"), EROFS);
	ATK_EXPECT_ERR("rename(/etc/motd, /etc/motd2)", rename("/etc/motd", "/etc/motd2"), EROFS);
	ATK_EXPECT_ERR("rename(/etc/motd, /work/motd) across mounts", rename("/etc/motd", "/work/motd"), EXDEV);
	ATK_EXPECT_ERR("chmod(/bin/busybox, 04755)", chmod("/bin/busybox", 04755), EROFS);
	ATK_EXPECT_ERR("chown(/etc/passwd, 0, 0)", chown("/etc/passwd", 0, 0), EROFS);
	ATK_EXPECT_ERR("utimes(/etc/passwd)", utimes("/etc/passwd", NULL), EROFS);
	ATK_EXPECT_ERR("truncate(/etc/passwd, 0)", truncate("/etc/passwd", 0), EROFS, EACCES);
	ATK_EXPECT_ERR("setxattr(/etc/passwd, user.x)", setxattr("/etc/passwd", "user.x", "1", 1, 0), EROFS);
	ATK_EXPECT_ERR("setxattr(/bin/busybox, security.capability)",
		       setxattr("/bin/busybox", "security.capability", "\x01\x00\x00\x02", 4, 0), EROFS, EPERM);
	ATK_EXPECT_ERR("symlink(/proc/1/root, /escape)", symlink("/proc/1/root", "/escape"), EROFS);
	ATK_EXPECT_ERR("mkfifo(/fifo)", mkfifo("/fifo", 0644), EROFS);
	ATK_EXPECT_ERR("mknod(/dev/newnode, S_IFREG)", mknod("/dev/newnode", S_IFREG | 0644, 0), EROFS);

	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ATK_EXPECT_ERR("fchmod(fd of /etc/passwd)", fchmod(fd, 0666), EROFS);
		ATK_EXPECT_ERR("fchown(fd of /etc/passwd)", fchown(fd, 0, 0), EROFS);
		ATK_EXPECT_ERR("ftruncate(read-only fd of /etc/passwd)", ftruncate(fd, 0), EINVAL, EBADF);
		void *m = MAP_FAILED;
		ATK_EXPECT_ERR("mmap(PROT_WRITE, MAP_SHARED) of a read-only fd",
			       (m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED ? -1 : 0,
			       EACCES);
		if (m != MAP_FAILED)
			munmap(m, 4096);
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		ATK_EXPECT_ERR_FD("reopen /proc/self/fd/N of /etc/passwd for writing", open(p, O_WRONLY | O_TRUNC),
				  EROFS);
		close(fd);
	}

	if (atk_read_file("/etc/passwd", after, sizeof(after)) < 0 || strcmp(before, after) != 0)
		atk_hole("/etc/passwd changed");
	else
		atk_ok("/etc/passwd unchanged");
	struct stat st;
	static const char *const made[] = {"/newfile", "/newdir", "/escape", "/fifo", "/dev/newnode",
					   "/usr/local/bin/evil", "/etc/passwd2", "/etc/motd2"};
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		if (lstat(made[i], &st) == 0)
			atk_hole("%s exists", made[i]);
	if (lstat("/etc/motd", &st) < 0)
		atk_hole("/etc/motd is gone");
	return atk_finish("atk_rootfs_write");
}

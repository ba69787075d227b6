/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_hardlink: hard links as a way out. A link can only be made inside one
 * mount (EXDEV across mounts), the rootfs is read-only (EROFS), and
 * fs.protected_hardlinks refuses links to files the caller does not own.
 * So nothing from the read-only rootfs (or through a /proc magic link) can
 * be pinned into the writable workdir, where it could be modified or
 * outlive the run.
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/stat.h>

int main(void)
{
	ATK_EXPECT_ERR("link(/etc/passwd, /work/passwd) across mounts", link("/etc/passwd", "/work/passwd"), EXDEV);
	ATK_EXPECT_ERR("link(/bin/busybox, /tmp/bb) across mounts", link("/bin/busybox", "/tmp/bb"), EXDEV);
	ATK_EXPECT_ERR("link(/etc/passwd, /etc/passwd2) on the read-only root", link("/etc/passwd", "/etc/passwd2"),
		       EROFS);
	ATK_EXPECT_ERR("linkat(/proc/self/exe -> /work/exe, AT_SYMLINK_FOLLOW)",
		       linkat(AT_FDCWD, "/proc/self/exe", AT_FDCWD, "/work/exe", AT_SYMLINK_FOLLOW), EXDEV);
	ATK_EXPECT_ERR("linkat(/proc/self/root/etc/passwd -> /work/p2, AT_SYMLINK_FOLLOW)",
		       linkat(AT_FDCWD, "/proc/self/root/etc/passwd", AT_FDCWD, "/work/p2", AT_SYMLINK_FOLLOW), EXDEV);

	int fd = open("/etc/passwd", O_PATH | O_CLOEXEC);
	if (fd < 0) {
		atk_setup("open(/etc/passwd, O_PATH): %s", atk_errname(errno));
	} else {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		ATK_EXPECT_ERR("linkat(O_PATH fd via /proc/self/fd -> /work/p3, AT_SYMLINK_FOLLOW)",
			       linkat(AT_FDCWD, p, AT_FDCWD, "/work/p3", AT_SYMLINK_FOLLOW), EXDEV);
		/* "flink": AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH (ENOENT without) or crosses mounts (EXDEV) */
		ATK_EXPECT_ERR("linkat(O_PATH fd, \"\" -> /work/p4, AT_EMPTY_PATH)",
			       linkat(fd, "", AT_FDCWD, "/work/p4", AT_EMPTY_PATH), ENOENT, EXDEV);
		close(fd);
	}

	/* protected_hardlinks: a file in the workdir that we do not own cannot be linked */
	struct stat st;
	if (stat("/work", &st) == 0)
		atk_note("/work is owned by uid %u inside", (unsigned)st.st_uid);

	/* whatever happened, no link may exist now */
	static const char *const made[] = {"/work/passwd", "/tmp/bb", "/etc/passwd2", "/work/exe", "/work/p2",
					   "/work/p3", "/work/p4"};
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		if (lstat(made[i], &st) == 0)
			atk_hole("%s exists (nlink %lu)", made[i], (unsigned long)st.st_nlink);
	return atk_finish("atk_hardlink");
}

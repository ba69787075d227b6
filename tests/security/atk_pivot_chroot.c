/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_pivot_chroot: pivot_root and chroot from inside, and the classic
 * fchdir escape (keep an fd to a directory, chroot into a subdirectory,
 * fchdir back out, climb with "..", chroot("."))). Without CAP_SYS_CHROOT /
 * CAP_SYS_ADMIN the first step already fails (EPERM). Whatever happens,
 * "/" must stay the sandbox root and the host canary unreachable.
 * Usage: atk_pivot_chroot [CANARY_PATH]
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	struct stat root0, root1;
	if (stat("/", &root0) < 0 || mkdir("/work/jail", 0755) < 0 || mkdir("/work/jail/old", 0755) < 0)
		return atk_setup("setup: %s", atk_errname(errno)), atk_finish("atk_pivot_chroot");

	ATK_EXPECT_ERR("chroot(/work/jail)", chroot("/work/jail"), EPERM);
	ATK_EXPECT_ERR("pivot_root(/work/jail, /work/jail/old)", syscall(SYS_pivot_root, "/work/jail", "/work/jail/old"),
		       EPERM);
	ATK_EXPECT_ERR("pivot_root(., .)", syscall(SYS_pivot_root, ".", "."), EPERM);

	/* the fchdir escape, step by step: it must break at the chroot */
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (chroot("/work/jail") == 0) {
		if (fchdir(fd) == 0)
			for (int i = 0; i < 64; i++)
				if (chdir("..") < 0)
					break;
		if (chroot(".") == 0)
			atk_note("fchdir trick went through its steps (no capabilities expected!)");
	} else {
		atk_ok("fchdir escape: the chroot step fails: %s", atk_errname(errno));
	}
	close(fd);

	if (stat("/", &root1) == 0 && (root0.st_dev != root1.st_dev || root0.st_ino != root1.st_ino))
		atk_hole("/ changed after the chroot attempts (dev %lu ino %lu -> dev %lu ino %lu)",
			 (unsigned long)root0.st_dev, (unsigned long)root0.st_ino, (unsigned long)root1.st_dev,
			 (unsigned long)root1.st_ino);
	else
		atk_ok("/ is still the sandbox root");
	if (argc > 1)
		ATK_EXPECT_ERR_FD("open(host canary) afterwards", open(argv[1], O_RDONLY), ENOENT);
	return atk_finish("atk_pivot_chroot");
}

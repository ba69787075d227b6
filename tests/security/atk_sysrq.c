/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_sysrq: the magic SysRq key from inside: /proc/sysrq-trigger (reboot,
 * crash, kill all tasks on the host) and the kernel.sysrq switch. Only the
 * harmless 'h' (help) is ever written. The trigger is in the OCI readonly
 * paths (EROFS; EACCES for the unmapped owner); a kernel without
 * CONFIG_MAGIC_SYSRQ has no such file (ENOENT). /dev/console, through
 * which a break could be sent, is not in the sandbox's /dev.
 */
#include "atk.h"

#include <fcntl.h>

int main(void)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	int e = errno;
	if (fd >= 0) {
		ssize_t n = write(fd, "h", 1);
		e = errno;
		close(fd);
		if (n == 1)
			atk_hole("wrote 'h' to /proc/sysrq-trigger");
		else
			ATK_EXPECT_ERR("write(/proc/sysrq-trigger)", (errno = e, -1), EROFS, EACCES, EPERM);
	} else {
		ATK_EXPECT_ERR("open(/proc/sysrq-trigger, O_WRONLY)", (errno = e, -1), EROFS, EACCES, ENOENT);
	}
	ATK_EXPECT_ERR_FD("open(/proc/sys/kernel/sysrq, O_WRONLY)", open("/proc/sys/kernel/sysrq", O_WRONLY), EROFS,
			  EACCES, ENOENT);
	ATK_EXPECT_ERR_FD("open(/dev/console)", open("/dev/console", O_WRONLY), ENOENT);
	ATK_EXPECT_ERR_FD("open(/proc/sysrq-trigger) via /proc/1/root",
			  open("/proc/1/root/proc/sysrq-trigger", O_WRONLY), EROFS, EACCES, ENOENT);
	return atk_finish("atk_sysrq");
}

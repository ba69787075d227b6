/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_reboot: reboot(2) and kexec. Only the harmless Ctrl-Alt-Del toggles
 * are ever asked for (LINUX_REBOOT_CMD_CAD_OFF/ON: on the host they would
 * flip kernel.ctrl-alt-del, which the driver compares): the capability
 * check (CAP_SYS_BOOT over the pid namespace's owner) comes before the
 * command is looked at, so they test exactly what a real reboot would
 * meet (EPERM). kexec_load/kexec_file_load need CAP_SYS_BOOT on the host
 * (EPERM; ENOSYS in a kernel without kexec). The default seccomp profile
 * refuses all three (EPERM).
 */
#include "atk.h"

#include <fcntl.h>
#include <linux/reboot.h>
#include <sys/syscall.h>

int main(void)
{
	ATK_EXPECT_ERR("reboot(LINUX_REBOOT_CMD_CAD_OFF)",
		       syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL), EPERM);
	ATK_EXPECT_ERR("reboot(LINUX_REBOOT_CMD_CAD_ON)",
		       syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_ON, NULL), EPERM);
	ATK_EXPECT_ERR("kexec_load(0 segments)", syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL), EPERM, ENOSYS);
	int fd = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	ATK_EXPECT_ERR("kexec_file_load(/bin/busybox)",
		       syscall(SYS_kexec_file_load, fd, -1, 1UL, "", 2UL /* KEXEC_FILE_NO_INITRAMFS */), EPERM, ENOSYS);
	if (fd >= 0)
		close(fd);
	return atk_finish("atk_reboot");
}

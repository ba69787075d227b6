/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_modules: load or unload kernel modules: init_module, finit_module,
 * delete_module need CAP_SYS_MODULE on the host (EPERM; ENOSYS in a kernel
 * built without module support). The default seccomp profile refuses all
 * three (EPERM). Automatic loading through rare socket families is
 * atk_rare_sockets' subject; the modprobe path is atk_procsys_write's.
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/syscall.h>

int main(void)
{
	static char image[64] = "\177ELF";
	ATK_EXPECT_ERR("init_module(a fake image)", syscall(SYS_init_module, image, sizeof(image), ""), EPERM, ENOSYS);
	int fd = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	ATK_EXPECT_ERR("finit_module(/bin/busybox)", syscall(SYS_finit_module, fd, "", 0), EPERM, ENOSYS);
	if (fd >= 0)
		close(fd);
	ATK_EXPECT_ERR("delete_module(\"ext4\")", syscall(SYS_delete_module, "ext4", O_NONBLOCK), EPERM, ENOSYS);
	ATK_EXPECT_ERR("delete_module(\"veth\")", syscall(SYS_delete_module, "veth", O_NONBLOCK), EPERM, ENOSYS);
	return atk_finish("atk_modules");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_io_uring: io_uring performs system calls from kernel workers, out of
 * a seccomp filter's sight, and has been a rich source of kernel bugs
 * (Google disabled it on ChromeOS, Android and its servers). The kernel
 * allows it to anyone while kernel.io_uring_disabled=0; the default seccomp
 * profile refuses io_uring_setup/enter/register (EPERM).
 */
#include "atk.h"

#include <linux/io_uring.h>
#include <sys/syscall.h>

int main(void)
{
	char v[16] = "?";
	atk_read_file("/proc/sys/kernel/io_uring_disabled", v, sizeof(v));
	atk_note("kernel.io_uring_disabled = %.*s", (int)strcspn(v, "\n"), v);
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	ATK_EXPECT_ERR_FD("io_uring_setup(8)", syscall(SYS_io_uring_setup, 8, &p), EPERM);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL;
	ATK_EXPECT_ERR_FD("io_uring_setup(8, SQPOLL) (a kernel thread polling for us)",
			  syscall(SYS_io_uring_setup, 8, &p), EPERM);
	/* with setup refused there is no ring: the kernel would answer EBADF, the profile EPERM */
	ATK_EXPECT_ERR("io_uring_enter(no ring)", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0), EPERM, EBADF);
	ATK_EXPECT_ERR("io_uring_register(no ring)", syscall(SYS_io_uring_register, -1, 0, NULL, 0), EPERM, EBADF,
		       EINVAL);
	return atk_finish("atk_io_uring");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_userfaultfd: userfaultfd stalls the kernel on a page fault for as
 * long as the caller likes, which turns kernel races into reliable
 * exploits. vm.unprivileged_userfaultfd=0 refuses it without
 * CAP_SYS_PTRACE unless UFFD_USER_MODE_ONLY is asked for (user-space faults
 * only), which any process gets; /dev/userfaultfd is not in the sandbox's
 * /dev. The default seccomp profile refuses userfaultfd() (EPERM).
 */
#include "atk.h"

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/syscall.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

int main(void)
{
	ATK_EXPECT_ERR_FD("userfaultfd(O_CLOEXEC) (kernel faults too)", syscall(SYS_userfaultfd, O_CLOEXEC), EPERM);
	ATK_EXPECT_ERR_FD("userfaultfd(UFFD_USER_MODE_ONLY)", syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY),
			  EPERM);
	ATK_EXPECT_ERR_FD("open(/dev/userfaultfd)", open("/dev/userfaultfd", O_RDWR | O_CLOEXEC), ENOENT);
	return atk_finish("atk_userfaultfd");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_tioclinux: the virtual-console ioctls: TIOCLINUX set-selection +
 * paste-selection injects text into a VT's input like TIOCSTI, and
 * set-kmsg-redirect moves kernel messages. The sandbox's /dev has no VT
 * (tty0..N, vcs, console: ENOENT), and on its stdio (a pty, a pipe or
 * /dev/null) the VT ioctls do not exist (EINVAL/ENOTTY). The default
 * seccomp profile refuses TIOCLINUX (EPERM).
 */
#include "atk.h"

#include <fcntl.h>
#include <linux/tiocl.h>
#include <sys/ioctl.h>

int main(void)
{
	static const char *const vts[] = {"/dev/tty0", "/dev/tty1", "/dev/tty63", "/dev/vcs", "/dev/vcsa",
					  "/dev/vcs1", "/dev/console", "/dev/ttyS0", "/dev/hvc0"};
	char what[128];
	for (size_t i = 0; i < sizeof(vts) / sizeof(vts[0]); i++) {
		snprintf(what, sizeof(what), "open(%s)", vts[i]);
		ATK_EXPECT_ERR_FD(what, open(vts[i], O_RDWR | O_NOCTTY | O_CLOEXEC), ENOENT);
	}
	static const char *const names[] = {"stdin", "stdout", "stderr"};
	for (int fd = 0; fd <= 2; fd++) {
		struct {
			char sub;
			struct tiocl_selection sel;
		} __attribute__((packed)) setsel = {TIOCL_SETSEL, {1, 1, 10, 1, TIOCL_SELCHAR}};
		char paste = TIOCL_PASTESEL, redirect[2] = {TIOCL_SETKMSGREDIRECT, 0}, getshift = TIOCL_GETSHIFTSTATE;
		snprintf(what, sizeof(what), "ioctl(%s, TIOCLINUX, TIOCL_SETSEL)", names[fd]);
		ATK_EXPECT_ERR(what, ioctl(fd, TIOCLINUX, &setsel), EINVAL, ENOTTY, EPERM);
		snprintf(what, sizeof(what), "ioctl(%s, TIOCLINUX, TIOCL_PASTESEL)", names[fd]);
		ATK_EXPECT_ERR(what, ioctl(fd, TIOCLINUX, &paste), EINVAL, ENOTTY, EPERM);
		snprintf(what, sizeof(what), "ioctl(%s, TIOCLINUX, TIOCL_SETKMSGREDIRECT)", names[fd]);
		ATK_EXPECT_ERR(what, ioctl(fd, TIOCLINUX, redirect), EINVAL, ENOTTY, EPERM);
		snprintf(what, sizeof(what), "ioctl(%s, TIOCLINUX, TIOCL_GETSHIFTSTATE)", names[fd]);
		ATK_EXPECT_ERR(what, ioctl(fd, TIOCLINUX, &getshift), EINVAL, ENOTTY, EPERM);
	}
	return atk_finish("atk_tioclinux");
}

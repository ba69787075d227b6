/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_tiocsti: push keystrokes into the terminal the sandbox was started
 * from (TIOCSTI), so that the user's shell runs them after the sandbox
 * exits. sbxctr starts the program in a new session, so the terminal is not
 * its controlling tty: TIOCSTI needs CAP_SYS_ADMIN then (EPERM; EIO where
 * dev.tty.legacy_tiocsti=0), stealing the terminal with TIOCSCTTY is EPERM,
 * and /dev/tty has nothing behind it (ENXIO). A non-tty stdio answers
 * ENOTTY. The default seccomp profile refuses TIOCSTI (EPERM). The driver
 * runs this once with /dev/null and once on a real pty, and reads the pty
 * afterwards for anything injected; "inject" mode (TIOCSTI on stdin only)
 * is its positive control, run on the host where it must work.
 * Usage: atk_tiocsti [inject]
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#define PAYLOAD "echo SBX-INJECTED\n"

static void inject(int fd, const char *name)
{
	char what[128];
	bool tty = isatty(fd);
	snprintf(what, sizeof(what), "ioctl(%s%s, TIOCSTI)", name, tty ? " (a tty)" : "");
	int ok = 0;
	for (const char *c = PAYLOAD; *c; c++) {
		errno = 0;
		if (ioctl(fd, TIOCSTI, c) == 0)
			ok++;
		else
			break;
	}
	int e = errno;
	if (ok) {
		atk_hole("%s: %d bytes injected", what, ok);
		return;
	}
	if (tty)
		ATK_EXPECT_ERR(what, (errno = e, -1), EPERM, EIO);
	else
		ATK_EXPECT_ERR(what, (errno = e, -1), ENOTTY, EPERM);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "inject") == 0) {
		inject(0, "stdin");
		return atk_finish("atk_tiocsti inject");
	}
	static const char *const names[] = {"stdin", "stdout", "stderr"};
	for (int fd = 0; fd <= 2; fd++) {
		inject(fd, names[fd]);
		if (isatty(fd)) {
			char what[96];
			snprintf(what, sizeof(what), "ioctl(%s, TIOCSCTTY, 0) (take the terminal)", names[fd]);
			ATK_EXPECT_ERR(what, ioctl(fd, TIOCSCTTY, 0), EPERM);
			snprintf(what, sizeof(what), "ioctl(%s, TIOCSCTTY, 1) (steal the terminal)", names[fd]);
			ATK_EXPECT_ERR(what, ioctl(fd, TIOCSCTTY, 1), EPERM);
			snprintf(what, sizeof(what), "ioctl(%s, TIOCCONS) (redirect the console)", names[fd]);
			ATK_EXPECT_ERR(what, ioctl(fd, TIOCCONS), EPERM);
			/* still not ours after all that */
			inject(fd, names[fd]);
		}
	}
	/* no controlling terminal: /dev/tty leads nowhere */
	ATK_EXPECT_ERR_FD("open(/dev/tty)", open("/dev/tty", O_RDWR | O_CLOEXEC), ENXIO);
	ATK_EXPECT_ERR_FD("open(/dev/console)", open("/dev/console", O_RDWR | O_CLOEXEC), ENOENT);
	/* a pty pair of our own is fine, but it is ours only: nothing to reach through it */
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m >= 0) {
		atk_note("a private pty of our own: %s", ptsname(m) ? ptsname(m) : "?");
		close(m);
	}
	return atk_finish("atk_tiocsti");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_setns: join other namespaces. Those of the host and of the runtime
 * are not reachable: no host process is visible in our pid namespace
 * (/proc/<host pid>/ns is ENOENT), the NS_GET_PARENT/NS_GET_USERNS ioctls
 * refuse to hand out a namespace above our own (EPERM), and --init's pid 1
 * (the runtime's reaper) is not ptraceable, so its /proc/1/ns is EACCES.
 * Re-entering our own namespaces needs CAP_SYS_ADMIN (EPERM) except our own
 * user namespace (EINVAL). The default seccomp profile answers EPERM.
 * Usage: atk_setns [HOST_PID...]   (the driver passes the runtime's and its own pids)
 */
#include "atk.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

static const char *const kinds[] = {"mnt", "net", "uts", "ipc", "pid", "cgroup", "time", "user"};

int main(int argc, char **argv)
{
	char p[128], what[200];
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(p, sizeof(p), "/proc/self/ns/%s", kinds[i]);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			atk_note("%s: %s", p, atk_errname(errno));
			continue;
		}
		snprintf(what, sizeof(what), "setns(own %s namespace)", kinds[i]);
		if (strcmp(kinds[i], "user") == 0)
			ATK_EXPECT_ERR(what, setns(fd, 0), EINVAL, EPERM);
		else
			ATK_EXPECT_ERR(what, setns(fd, 0), EPERM);
		/* the parent of our user/pid namespace is the host's: out of scope */
		if (strcmp(kinds[i], "user") == 0 || strcmp(kinds[i], "pid") == 0) {
			snprintf(what, sizeof(what), "ioctl(NS_GET_PARENT) on our %s namespace", kinds[i]);
			ATK_EXPECT_ERR_FD(what, ioctl(fd, NS_GET_PARENT), EPERM);
		} else {
			snprintf(what, sizeof(what), "ioctl(NS_GET_USERNS) on our %s namespace, then its parent", kinds[i]);
			int ufd = ioctl(fd, NS_GET_USERNS);
			if (ufd >= 0) {
				ATK_EXPECT_ERR_FD(what, ioctl(ufd, NS_GET_PARENT), EPERM);
				close(ufd);
			} else {
				atk_ok("%s: NS_GET_USERNS: %s", what, atk_errname(errno));
			}
		}
		close(fd);
	}
	if (getpid() != 1) {
		/* --init: pid 1 is the runtime's own process image */
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			snprintf(p, sizeof(p), "/proc/1/ns/%s", kinds[i]);
			snprintf(what, sizeof(what), "open(%s) of --init's runtime copy", p);
			ATK_EXPECT_ERR_FD(what, open(p, O_RDONLY | O_CLOEXEC), EACCES);
		}
	}
	for (int a = 1; a < argc; a++) {
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			snprintf(p, sizeof(p), "/proc/%s/ns/%s", argv[a], kinds[i]);
			snprintf(what, sizeof(what), "open(%s) of a host process", p);
			ATK_EXPECT_ERR_FD(what, open(p, O_RDONLY | O_CLOEXEC), ENOENT);
		}
	}
	return atk_finish("atk_setns");
}

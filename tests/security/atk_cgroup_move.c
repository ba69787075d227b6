/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_cgroup_move: leave the sandbox's cgroup (and its limits) by writing
 * our pid to another cgroup's cgroup.procs. No cgroup filesystem is mounted
 * inside and mounting one needs CAP_SYS_ADMIN over the cgroup namespace's
 * owner (EPERM). From a nested user + cgroup namespace a cgroup2 mount is
 * ours to make, but it is rooted at our own cgroup (the cgroup namespace
 * hides every ancestor) and its files belong to the host's root: writing
 * cgroup.procs or creating a child cgroup is EACCES. /proc/self/cgroup
 * must be the same afterwards.
 */
#include "atk.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

static char cg0[512];

static int nested(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP) < 0) {
		atk_ok("unshare(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWCGROUP): %s", atk_errname(errno));
		return 0;
	}
	if (mkdir("/tmp/cg", 0755) < 0 && errno != EEXIST)
		return atk_setup("mkdir /tmp/cg: %s", atk_errname(errno)), ATK_SETUP;
	if (mount("cgroup2", "/tmp/cg", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		atk_ok("mount cgroup2 in a nested cgroup namespace: %s", atk_errname(errno));
		return 0;
	}
	atk_note("cgroup2 mounted in the nested cgroup namespace (rooted at our own cgroup)");
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", getpid());
	int fd = open("/tmp/cg/cgroup.procs", O_WRONLY | O_CLOEXEC);
	int e = errno;
	if (fd >= 0) {
		ssize_t n = write(fd, pid, strlen(pid));
		e = errno;
		close(fd);
		if (n > 0)
			atk_hole("wrote our pid to the namespace root's cgroup.procs");
		else
			ATK_EXPECT_ERR("write our pid to cgroup.procs", (errno = e, -1), EACCES, EPERM, ENOENT);
	} else {
		ATK_EXPECT_ERR("open cgroup.procs for writing", (errno = e, -1), EACCES);
	}
	if (mkdir("/tmp/cg/sbx-escape", 0755) == 0) {
		atk_hole("created a child cgroup");
		rmdir("/tmp/cg/sbx-escape");
	} else {
		e = errno;
		ATK_EXPECT_ERR("mkdir a child cgroup", (errno = e, -1), EACCES);
	}
	/* the cgroup namespace root has no parent to climb to */
	struct stat a, b;
	if (stat("/tmp/cg", &a) == 0 && stat("/tmp/cg/..", &b) == 0 && a.st_dev == b.st_dev)
		atk_hole("/tmp/cg/.. is on the cgroup file system: an ancestor is reachable");
	return 0;
}

int main(void)
{
	if (atk_read_file("/proc/self/cgroup", cg0, sizeof(cg0)) < 0)
		return atk_setup("read /proc/self/cgroup: %s", atk_errname(errno)), atk_finish("atk_cgroup_move");
	atk_note("/proc/self/cgroup: %.*s", (int)strcspn(cg0, "\n"), cg0);
	if (mkdir("/tmp/m", 0755) < 0)
		return atk_setup("mkdir: %s", atk_errname(errno)), atk_finish("atk_cgroup_move");
	ATK_EXPECT_ERR("mount cgroup2", mount("cgroup2", "/tmp/m", "cgroup2", 0, NULL), EPERM);
	ATK_EXPECT_ERR("mount cgroup (v1, pids)", mount("cgroup", "/tmp/m", "cgroup", 0, "pids"), EPERM);
	ATK_EXPECT_ERR("mount cgroup (v1, memory)", mount("cgroup", "/tmp/m", "cgroup", 0, "memory"), EPERM);
	ATK_EXPECT_ERR_FD("open(/sys/fs/cgroup/cgroup.procs, O_WRONLY)",
			  open("/sys/fs/cgroup/cgroup.procs", O_WRONLY), ENOENT, EROFS, EACCES);
	ATK_EXPECT_ERR("unshare(CLONE_NEWCGROUP)", unshare(CLONE_NEWCGROUP), EPERM);
	atk_in_child("nested user+cgroup namespace", nested, NULL, true);
	char cg1[512];
	if (atk_read_file("/proc/self/cgroup", cg1, sizeof(cg1)) < 0 || strcmp(cg0, cg1) != 0)
		atk_hole("/proc/self/cgroup changed: %s", cg1);
	else
		atk_ok("still in the same cgroup");
	return atk_finish("atk_cgroup_move");
}

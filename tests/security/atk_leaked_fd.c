/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_leaked_fd: a runtime fd or cwd that points outside the root
 * (CVE-2024-21626 shape: runc leaked an fd to the host's /sys/fs/cgroup and
 * let the process start with its cwd there). Checks: only fds 0-2 are open
 * at start; no open fd is a directory or socket of the runtime's; our cwd
 * is inside the root (getcwd does not answer "(unreachable)") and climbing
 * ".." from it, or from any directory fd, ends at our root;
 * chdir("/proc/self/fd/N") for every N up to 1024 finds nothing (ENOENT)
 * except the three stdio fds (which are not directories: ENOTDIR); with
 * --init, /proc/1/cwd, /proc/1/root and /proc/1/fd of the runtime's reaper
 * are EACCES.
 */
#include "atk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static struct stat root;

/* Climbs ".." from dirfd until it stops moving; the top must be our root. */
static void climb(int dirfd, const char *what)
{
	int fd = dup(dirfd);
	struct stat st, prev = {0};
	for (int i = 0; i < 256 && fd >= 0; i++) {
		if (fstat(fd, &st) < 0)
			break;
		if (i && st.st_dev == prev.st_dev && st.st_ino == prev.st_ino)
			break;
		prev = st;
		int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = up;
	}
	if (fd >= 0)
		close(fd);
	if (prev.st_dev == root.st_dev && prev.st_ino == root.st_ino)
		atk_ok("%s: climbing \"..\" ends at the sandbox root", what);
	else
		atk_hole("%s: climbing \"..\" ends at dev %lu ino %lu, not the sandbox root", what,
			 (unsigned long)prev.st_dev, (unsigned long)prev.st_ino);
}

int main(void)
{
	if (stat("/", &root) < 0)
		return atk_setup("stat /: %s", atk_errname(errno)), atk_finish("atk_leaked_fd");

	/* the cwd we were started with */
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		atk_hole("getcwd: %s: the starting cwd is outside the root", atk_errname(errno));
	else if (cwd[0] != '/')
		atk_hole("getcwd: \"%s\": the starting cwd is outside the root", cwd);
	else
		atk_ok("starting cwd is %s, inside the root", cwd);
	int cfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd >= 0) {
		climb(cfd, "from the starting cwd");
		close(cfd);
	}

	/* every fd we inherited */
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return atk_setup("opendir /proc/self/fd: %s", atk_errname(errno)), atk_finish("atk_leaked_fd");
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int fd = (int)atk_num(e->d_name);
		if (fd == dirfd(d))
			continue;
		char p[64], t[512] = "";
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(p, t, sizeof(t) - 1);
		t[n > 0 ? n : 0] = '\0';
		struct stat st;
		if (fstat(fd, &st) < 0)
			continue;
		if (fd > 2)
			atk_hole("fd %d is open at start: %s (a leaked runtime fd)", fd, t);
		if (S_ISDIR(st.st_mode)) {
			atk_hole("fd %d is a directory: %s", fd, t);
			climb(fd, p);
		} else if (S_ISSOCK(st.st_mode)) {
			atk_hole("fd %d is a socket: %s", fd, t);
		} else {
			atk_note("fd %d: %s", fd, t);
		}
	}
	closedir(d);

	/* the runc shape: a cwd of /proc/self/fd/N */
	int hits = 0;
	for (int fd = 0; fd < 1024; fd++) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		if (chdir(p) == 0) {
			atk_hole("chdir(%s) worked: it is a directory", p);
			hits++;
			if (chdir("/") < 0)
				break;
		} else if (errno != ENOENT && !(fd <= 2 && errno == ENOTDIR)) {
			atk_hole("chdir(%s): unexpected %s", p, atk_errname(errno));
			hits++;
		}
	}
	if (!hits)
		atk_ok("chdir(/proc/self/fd/N), N < 1024: ENOENT (ENOTDIR for stdio)");

	if (getpid() != 1) {
		ATK_EXPECT_ERR_FD("open(/proc/1/cwd) of --init's runtime copy", open("/proc/1/cwd", O_RDONLY), EACCES);
		ATK_EXPECT_ERR_FD("open(/proc/1/root) of --init's runtime copy", open("/proc/1/root", O_RDONLY), EACCES);
		ATK_EXPECT_ERR_FD("open(/proc/1/fd) of --init's runtime copy", open("/proc/1/fd", O_RDONLY), EACCES);
		ATK_EXPECT_ERR("chdir(/proc/1/fd/3)", chdir("/proc/1/fd/3"), EACCES);
	}
	return atk_finish("atk_leaked_fd");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_host_read: read a host file from inside the sandbox. The driver puts a
 * canary file on the host (outside the rootfs) and a secret in the runtime's
 * environment; neither may be reachable by any path: direct, through
 * /proc/<pid>/root, /proc/<pid>/cwd, "..", the rootfs' host path that
 * /proc/self/mountinfo gives away, or another process's environ/cmdline.
 * Usage: atk_host_read CANARY_PATH SECRET_REVERSED
 */
#include "atk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static char secret[256];

static void try_open(const char *what, const char *path, int e1, int e2)
{
	char label[600];
	snprintf(label, sizeof(label), "%s: open(%s)", what, path);
	ATK_EXPECT_ERR_FD(label, open(path, O_RDONLY | O_CLOEXEC), e1, e2);
}

/* Searches a whole /proc file for the secret (NUL separators included). */
static void scan_proc_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* unreadable is fine: that is the protection */
	static char buf[1 << 17];
	ssize_t n, total = 0;
	while (total < (ssize_t)sizeof(buf) - 1 && (n = read(fd, buf + total, sizeof(buf) - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	if (memmem(buf, (size_t)total, secret, strlen(secret)))
		atk_hole("%s contains the runtime's secret environment value", path);
}

int main(int argc, char **argv)
{
	if (argc != 3 || !argv[1][0] || !argv[2][0]) {
		fprintf(stderr, "usage: %s CANARY_PATH SECRET_REVERSED\n", argv[0]);
		return ATK_SETUP;
	}
	const char *canary = argv[1];
	size_t sl = strlen(argv[2]);
	if (sl >= sizeof(secret))
		return ATK_SETUP;
	for (size_t i = 0; i < sl; i++)
		secret[i] = argv[2][sl - 1 - i];
	bool pid1_is_us = getpid() == 1;
	if (!pid1_is_us)
		atk_note("pid 1 is not us (--init): its /proc entries must be ptrace-protected");

	char p[4096];
	/* the sandbox's /tmp is its own tmpfs: the host's /tmp/... is not there */
	try_open("direct path", canary, ENOENT, 0);
	snprintf(p, sizeof(p), "/proc/1/root%s", canary);
	/* pid 1 is us (ENOENT in our root) or --init's runtime copy (EACCES: not ptraceable) */
	try_open("via pid 1's root", p, pid1_is_us ? ENOENT : EACCES, 0);
	snprintf(p, sizeof(p), "/proc/self/root%s", canary);
	try_open("via our own root", p, ENOENT, 0);
	snprintf(p, sizeof(p), "../../../../../../../../../..%s", canary);
	try_open("climbing with ..", p, ENOENT, 0);
	snprintf(p, sizeof(p), "/proc/self/cwd/../../../../../..%s", canary);
	try_open("via our cwd", p, ENOENT, 0);
	snprintf(p, sizeof(p), "/proc/1/cwd/../../../../../..%s", canary);
	try_open("via pid 1's cwd", p, pid1_is_us ? ENOENT : EACCES, 0);

	/* ".." of the root is the root: nothing above it */
	struct stat root, up;
	if (stat("/", &root) == 0 && stat("/..", &up) == 0 && stat("/proc/self/root/..", &up) == 0) {
		if (root.st_dev == up.st_dev && root.st_ino == up.st_ino)
			atk_ok("/.. and /proc/self/root/.. are the sandbox root");
		else
			atk_hole("/proc/self/root/.. is above the sandbox root");
	}

	/* mountinfo reveals the rootfs' host path; that path must mean nothing inside */
	char mi[65536];
	if (atk_read_file("/proc/self/mountinfo", mi, sizeof(mi)) > 0) {
		char hostroot[4096] = "";
		/* first line is the root: "id parent maj:min ROOT MOUNTPOINT ..." */
		if (sscanf(mi, "%*s %*s %*s %4095s", hostroot) == 1 && hostroot[0] == '/' && strcmp(hostroot, "/") != 0) {
			atk_note("mountinfo names the rootfs' host path %s", hostroot);
			snprintf(p, sizeof(p), "%s/../../..%s", hostroot, canary);
			try_open("the rootfs' host path", p, ENOENT, 0);
		}
	} else {
		atk_setup("cannot read /proc/self/mountinfo");
	}

	/* no process we can see may show the runtime's environment */
	DIR *d = opendir("/proc");
	if (!d) {
		atk_setup("opendir /proc: %s", atk_errname(errno));
	} else {
		struct dirent *e;
		int n = 0;
		while ((e = readdir(d))) {
			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			char f[300];
			snprintf(f, sizeof(f), "/proc/%s/environ", e->d_name);
			scan_proc_file(f);
			snprintf(f, sizeof(f), "/proc/%s/cmdline", e->d_name);
			scan_proc_file(f);
			n++;
		}
		closedir(d);
		atk_ok("environ and cmdline of %d visible processes: the runtime's secret is in none", n);
	}
	if (!pid1_is_us)
		ATK_EXPECT_ERR_FD("open(/proc/1/environ) of --init's runtime copy", open("/proc/1/environ", O_RDONLY),
				  EACCES);
	/* our own environment is the config's, not the runtime's */
	scan_proc_file("/proc/self/environ");
	return atk_finish("atk_host_read");
}

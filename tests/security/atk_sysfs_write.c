/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_sysfs_write: host-wide knobs under /sys: the uevent helper (a host
 * program the kernel runs as root: a classic container escape), power
 * state, PCI rescan/remove, block device deletion, THP, CPU hotplug, the
 * network interfaces. /sys is mounted read-only; the files belong to the
 * host's root (unmapped inside), so the permission check may answer first:
 * EROFS or EACCES. Files this kernel lacks are skipped.
 */
#include "atk.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>

static void try_write(const char *path, const char *value)
{
	char what[600];
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	snprintf(what, sizeof(what), "write %s", path);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int e = errno;
	if (fd >= 0) {
		ssize_t n = write(fd, value, strlen(value));
		e = errno;
		close(fd);
		if (n >= 0) {
			atk_hole("%s: wrote \"%s\"", what, value);
			return;
		}
		/* opened but the write refused: still refused, say how */
		atk_note("%s: opened for writing but write() failed: %s", what, atk_errname(e));
	}
	ATK_EXPECT_ERR(what, (errno = e, -1), EROFS, EACCES);
}

int main(void)
{
	try_write("/sys/kernel/uevent_helper", "/tmp/pwn");
	try_write("/sys/power/state", "freeze");
	try_write("/sys/power/disk", "shutdown");
	try_write("/sys/kernel/mm/transparent_hugepage/enabled", "never");
	try_write("/sys/kernel/mm/ksm/run", "1");
	try_write("/sys/kernel/profiling", "1");
	try_write("/sys/bus/pci/rescan", "1");
	try_write("/sys/devices/system/cpu/cpu1/online", "0");
	try_write("/sys/class/net/lo/mtu", "1280");
	try_write("/sys/class/net/lo/tx_queue_len", "1");
	try_write("/sys/module/printk/parameters/time", "N");
	try_write("/sys/fs/cgroup/cgroup.procs", "1");
	glob_t g;
	if (glob("/sys/block/*/device/delete", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			try_write(g.gl_pathv[i], "1");
		globfree(&g);
	}
	if (glob("/sys/bus/pci/devices/*/remove", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc && i < 8; i++)
			try_write(g.gl_pathv[i], "1");
		globfree(&g);
	}
	if (glob("/sys/block/*/queue/scheduler", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			try_write(g.gl_pathv[i], "none");
		globfree(&g);
	}
	ATK_EXPECT_ERR_FD("create /sys/newfile", open("/sys/newfile", O_WRONLY | O_CREAT, 0644), EROFS, EACCES);
	if (atk_tally.checks < 5)
		atk_setup("only %d /sys files found to try", atk_tally.checks);
	return atk_finish("atk_sysfs_write");
}

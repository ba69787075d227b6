/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_mount: new mounts and unmounts. A fresh proc/sysfs would show what
 * the masks hide; unmounting a mask (/proc/keys, /proc/timer_list,
 * /proc/acpi, /sys/firmware) or the read-only /proc/sys would uncover it;
 * binds and moves could stack a writable tree. All of it needs
 * CAP_SYS_ADMIN over the mount namespace's owner (EPERM, also from the
 * default seccomp profile). Afterwards the masks are checked in place.
 */
#include "atk.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

int main(void)
{
	if (mkdir("/tmp/m", 0755) < 0)
		return atk_setup("mkdir /tmp/m: %s", atk_errname(errno)), atk_finish("atk_mount");

	static const struct {
		const char *type, *src;
	} fs[] = {{"proc", "proc"}, {"sysfs", "sysfs"}, {"tmpfs", "tmpfs"}, {"devpts", "devpts"},
		  {"mqueue", "mqueue"}, {"cgroup2", "cgroup2"}, {"cgroup", "cgroup"}, {"debugfs", "debugfs"},
		  {"tracefs", "tracefs"}, {"securityfs", "securityfs"}, {"bpf", "bpf"}, {"fusectl", "fusectl"},
		  {"binfmt_misc", "binfmt_misc"}, {"ext4", "/dev/vda"}, {"overlay", "overlay"}};
	char what[200];
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		snprintf(what, sizeof(what), "mount -t %s on /tmp/m", fs[i].type);
		/* EPERM for all; a type the kernel lacks may answer ENODEV first */
		ATK_EXPECT_ERR(what, mount(fs[i].src, "/tmp/m", fs[i].type, 0, NULL), EPERM, ENODEV);
		snprintf(what, sizeof(what), "fsopen(%s)", fs[i].type);
		ATK_EXPECT_ERR_FD(what, syscall(SYS_fsopen, fs[i].type, FSOPEN_CLOEXEC), EPERM, ENODEV);
	}
	ATK_EXPECT_ERR("bind mount / on /tmp/m", mount("/", "/tmp/m", NULL, MS_BIND, NULL), EPERM);
	ATK_EXPECT_ERR("bind mount /proc/1/root on /tmp/m", mount("/proc/1/root", "/tmp/m", NULL, MS_BIND, NULL), EPERM);
	ATK_EXPECT_ERR("move mount /proc/sys to /tmp/m", mount("/proc/sys", "/tmp/m", NULL, MS_MOVE, NULL), EPERM);
	ATK_EXPECT_ERR_FD("open_tree(/proc, OPEN_TREE_CLONE)",
			  syscall(SYS_open_tree, AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC), EPERM);
	ATK_EXPECT_ERR("move_mount(/work -> /tmp/m)",
		       syscall(SYS_move_mount, AT_FDCWD, "/work", AT_FDCWD, "/tmp/m", 0), EPERM);

	static const char *const masks[] = {"/proc/keys", "/proc/timer_list", "/proc/kcore", "/proc/sched_debug",
					    "/proc/acpi", "/proc/scsi", "/sys/firmware", "/proc/sys", "/proc/bus",
					    "/proc/sysrq-trigger", "/proc/irq", "/proc/fs", "/proc", "/sys", "/dev",
					    "/dev/pts", "/tmp", "/work", "/"};
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		struct stat st;
		if (lstat(masks[i], &st) < 0)
			continue; /* not in this kernel */
		snprintf(what, sizeof(what), "umount2(%s, MNT_DETACH)", masks[i]);
		ATK_EXPECT_ERR(what, umount2(masks[i], MNT_DETACH), EPERM);
	}

	/* the masks are still there: masked files read empty, masked directories are empty */
	char buf[256];
	static const char *const files[] = {"/proc/keys", "/proc/timer_list", "/proc/kcore"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		long n = atk_read_file(files[i], buf, sizeof(buf));
		if (n > 0)
			atk_hole("%s is readable (%ld bytes): its mask is gone", files[i], n);
		else if (n == 0)
			atk_ok("%s still masked (reads empty)", files[i]);
	}
	struct stat st;
	if (stat("/sys/firmware", &st) == 0 && st.st_nlink > 2)
		atk_hole("/sys/firmware has entries: its mask is gone");
	return atk_finish("atk_mount");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_devmem: raw memory, I/O ports and disks: /dev/mem, /dev/kmem,
 * /dev/port, the host's block devices, loop/fuse/kvm/tun/vhost control
 * nodes, MSRs. The sandbox's /dev holds only null, zero, full, random,
 * urandom, tty, ptmx and pts: everything else is ENOENT. /proc/kcore is
 * masked (reads empty); a block device reached through /sys is only a
 * directory of attributes (sysfs is read-only, see atk_sysfs_write).
 */
#include "atk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

int main(void)
{
	static const char *const nodes[] = {
		"/dev/mem",	 "/dev/kmem",	       "/dev/port",    "/dev/vda",	   "/dev/vda1",
		"/dev/sda",	 "/dev/nvme0n1",       "/dev/xvda",    "/dev/loop0",	   "/dev/loop-control",
		"/dev/mapper/control", "/dev/fuse",    "/dev/kvm",     "/dev/net/tun",	   "/dev/vhost-net",
		"/dev/vhost-vsock", "/dev/vsock",       "/dev/cpu/0/msr", "/dev/snapshot", "/dev/kmsg",
		"/dev/rtc0",	 "/dev/hpet",	       "/dev/watchdog", "/dev/uinput",	   "/dev/dri/card0",
		"/dev/nvidia0",	 "/dev/disk/by-id",    "/dev/root",    "/dev/sg0",	   "/dev/userfaultfd",
	};
	char what[160];
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(what, sizeof(what), "open(%s)", nodes[i]);
		ATK_EXPECT_ERR_FD(what, open(nodes[i], O_RDWR | O_CLOEXEC | O_NOCTTY), ENOENT);
	}
	/* only the expected nodes exist in /dev */
	static const char *const allowed[] = {"null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts",
					      "shm", "mqueue", "fd", "stdin", "stdout", "stderr", "console", "core"};
	DIR *d = opendir("/dev");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		bool ok = false;
		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && !ok; i++)
			ok = strcmp(e->d_name, allowed[i]) == 0;
		char p[300];
		snprintf(p, sizeof(p), "/dev/%s", e->d_name);
		struct stat st;
		if (!ok && lstat(p, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
			atk_hole("unexpected device node %s", p);
	}
	if (d)
		closedir(d);
	atk_ok("/dev holds only the minimal set of nodes");
	char buf[64];
	long n = atk_read_file("/proc/kcore", buf, sizeof(buf));
	if (n > 0)
		atk_hole("/proc/kcore is readable");
	else
		atk_ok("/proc/kcore: %s", n == 0 ? "masked (empty)" : atk_errname((int)-n));
	return atk_finish("atk_devmem");
}

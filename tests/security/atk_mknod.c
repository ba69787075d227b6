/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_mknod: make device nodes for memory, I/O ports and the host's disk
 * in the writable tmpfs mounts. Creating a character or block device needs
 * CAP_MKNOD in the host's user namespace (EPERM); /dev is read-only
 * (EROFS); and every writable mount is nodev, so even a node that existed
 * could not be opened.
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

int main(void)
{
	static const struct {
		const char *path;
		mode_t type;
		unsigned maj, min;
		int err;
	} nodes[] = {
		{"/work/mem", S_IFCHR, 1, 1, EPERM},  {"/work/kmem", S_IFCHR, 1, 2, EPERM},
		{"/tmp/port", S_IFCHR, 1, 4, EPERM},  {"/dev/shm/kmsg", S_IFCHR, 1, 11, EPERM},
		{"/work/vda", S_IFBLK, 254, 0, EPERM}, {"/tmp/sda", S_IFBLK, 8, 0, EPERM},
		{"/work/loop0", S_IFBLK, 7, 0, EPERM}, {"/work/tty0", S_IFCHR, 4, 0, EPERM},
		{"/work/fuse", S_IFCHR, 10, 229, EPERM}, {"/dev/mem", S_IFCHR, 1, 1, EROFS},
		{"/dev/sda", S_IFBLK, 8, 0, EROFS},
	};
	char what[160];
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(what, sizeof(what), "mknod(%s, %s %u:%u)", nodes[i].path, nodes[i].type == S_IFCHR ? "char" : "block",
			 nodes[i].maj, nodes[i].min);
		ATK_EXPECT_ERR(what, mknod(nodes[i].path, nodes[i].type | 0666, makedev(nodes[i].maj, nodes[i].min)),
			       nodes[i].err);
	}
	/* the writable mounts are nodev: list them from mountinfo */
	char mi[16384];
	if (atk_read_file("/proc/self/mountinfo", mi, sizeof(mi)) > 0) {
		for (char *l = strtok(mi, "\n"); l; l = strtok(NULL, "\n")) {
			char mnt[256], opts[256];
			if (sscanf(l, "%*s %*s %*s %*s %255s %255s", mnt, opts) != 2)
				continue;
			bool rw = strncmp(opts, "rw", 2) == 0;
			bool nodev = strstr(opts, "nodev") != NULL;
			/* the bind-mounted device nodes themselves are the exception: rw files, not directories */
			struct stat st;
			if (rw && !nodev && stat(mnt, &st) == 0 && S_ISDIR(st.st_mode) && strcmp(mnt, "/dev/pts") != 0)
				atk_hole("%s is writable and allows devices (%s)", mnt, opts);
		}
		atk_ok("every writable directory mount is nodev");
	}
	return atk_finish("atk_mknod");
}

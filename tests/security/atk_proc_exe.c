/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_proc_exe: overwrite the runtime's binary through /proc/<pid>/exe
 * (CVE-2019-5736 shape). sbxctr never exec's itself inside the sandbox, so
 * /proc/self/exe is the program's own file on the read-only rootfs (EROFS
 * for any write, also after an O_PATH reopen through /proc/self/fd). Only
 * --init leaves a runtime image inside: pid 1, a fork of sbxctr that never
 * exec'd; it is non-dumpable and its mm belongs to the host's user
 * namespace, so /proc/1/exe, /proc/1/map_files and /proc/1/maps are EACCES.
 * The runtime's own host pid is not in our pid namespace (ENOENT). The
 * driver compares sbxctr's checksum before and after.
 * Usage: atk_proc_exe [RUNTIME_HOST_PID]
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/stat.h>

static void try_write_opens(const char *path, const char *label, int e1, int e2, int e3)
{
	char what[200];
	static const struct {
		int flags;
		const char *name;
	} modes[] = {{O_WRONLY, "O_WRONLY"}, {O_RDWR, "O_RDWR"}, {O_WRONLY | O_TRUNC, "O_WRONLY|O_TRUNC"},
		     {O_WRONLY | O_APPEND, "O_WRONLY|O_APPEND"}};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(what, sizeof(what), "open(%s, %s)%s", path, modes[i].name, label);
		ATK_EXPECT_ERR_FD(what, open(path, modes[i].flags | O_CLOEXEC), e1, e2, e3);
	}
}

int main(int argc, char **argv)
{
	char target[4096];
	ssize_t n = readlink("/proc/self/exe", target, sizeof(target) - 1);
	if (n < 0)
		return atk_setup("readlink /proc/self/exe: %s", atk_errname(errno)), atk_finish("atk_proc_exe");
	target[n] = '\0';
	atk_note("/proc/self/exe -> %s", target);

	/*
	 * Our own image: the file's owner (the host's root) has no mapping in our
	 * user namespace (EACCES), the rootfs is read-only (EROFS), and the file
	 * is being executed (ETXTBSY); whichever check comes first answers.
	 */
	try_write_opens("/proc/self/exe", "", EACCES, EROFS, ETXTBSY);
	ATK_EXPECT_ERR("truncate(/proc/self/exe)", truncate("/proc/self/exe", 0), EACCES, EROFS, ETXTBSY);
	int pfd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (pfd >= 0) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", pfd);
		try_write_opens(p, " (O_PATH reopen)", EACCES, EROFS, ETXTBSY);
		close(pfd);
	}

	if (getpid() != 1) {
		/* --init: pid 1 is the runtime's image */
		ATK_EXPECT_ERR("readlink(/proc/1/exe) of --init's runtime copy", readlink("/proc/1/exe", target, 10), EACCES);
		ATK_EXPECT_ERR_FD("open(/proc/1/exe, O_RDONLY)", open("/proc/1/exe", O_RDONLY), EACCES);
		try_write_opens("/proc/1/exe", " (--init's runtime copy)", EACCES, 0, 0);
		ATK_EXPECT_ERR_FD("open(/proc/1/exe, O_PATH)", open("/proc/1/exe", O_PATH), EACCES);
		ATK_EXPECT_ERR_FD("open(/proc/1/maps)", open("/proc/1/maps", O_RDONLY), EACCES);
		ATK_EXPECT_ERR_FD("open(/proc/1/map_files)", open("/proc/1/map_files", O_RDONLY | O_DIRECTORY), EACCES);
		ATK_EXPECT_ERR_FD("open(/proc/1/root/proc/1/exe)", open("/proc/1/root/proc/1/exe", O_RDONLY), EACCES);
	}
	/* map_files of our own process: needs CAP_CHECKPOINT_RESTORE in the host's namespace */
	char maps[512];
	if (atk_read_file("/proc/self/maps", maps, sizeof(maps)) > 0) {
		char *end;
		unsigned long lo = strtoul(maps, &end, 16), hi = *end == '-' ? strtoul(end + 1, NULL, 16) : 0;
		char p[128];
		if (hi > lo) {
			snprintf(p, sizeof(p), "/proc/self/map_files/%lx-%lx", lo, hi);
			ATK_EXPECT_ERR_FD("open(/proc/self/map_files/<exe mapping>, O_RDWR)", open(p, O_RDWR), EPERM, EROFS,
					  ETXTBSY);
		}
	}
	if (argc > 1) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%s/exe", argv[1]);
		try_write_opens(p, " (the runtime's host pid)", ENOENT, 0, 0);
		ATK_EXPECT_ERR_FD("open(/proc/<runtime>/exe, O_RDONLY)", open(p, O_RDONLY), ENOENT);
	}
	return atk_finish("atk_proc_exe");
}

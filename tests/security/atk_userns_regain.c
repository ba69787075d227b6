/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_userns_regain: the program holds no capability, but a new user
 * namespace grants all of them inside it. With a new mount namespace on
 * top, try to use them on what the sandbox inherited: every mount copied
 * into a less privileged mount namespace is locked (MNT_LOCKED and the
 * MNT_LOCK_* flags), so the root and the masks can be neither remounted
 * writable (EPERM) nor unmounted (EINVAL); a fresh proc or sysfs is refused
 * because the existing ones are not fully visible (the masks; EPERM); the
 * sandbox's own uts/pid/net namespaces belong to its user namespace, where
 * we have nothing (EPERM); the chroot/fchdir and pivot_root escapes end at
 * the sandbox's root. If the default seccomp profile refuses the user
 * namespace (EPERM), there is nothing to escalate and that is the result.
 * Usage: atk_userns_regain [CANARY_PATH]
 */
#include "atk.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static const char *canary;

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* unshare(CLONE_NEWUSER | extra) and map ourselves to root; false when refused */
static bool enter_nested(int extra)
{
	if (unshare(CLONE_NEWUSER | extra) < 0) {
		atk_ok("unshare(CLONE_NEWUSER...): %s: no user namespace to regain capabilities in",
		       atk_errname(errno));
		return false;
	}
	/*
	 * Mapping the sandbox's root into a namespace whose creator lacked
	 * CAP_SETFCAP is refused (EPERM): we stay the overflow uid. That does
	 * not matter here: the capabilities are ours until the next execve.
	 */
	if (write_file("/proc/self/uid_map", "0 0 1") < 0)
		atk_note("uid_map \"0 0 1\" in the nested namespace: %s (we stay unmapped)", atk_errname(errno));
	char cap[32];
	atk_status_field("CapEff", cap, sizeof(cap));
	if (!(strtoull(cap, NULL, 16) & (1ULL << 21))) { /* CAP_SYS_ADMIN */
		atk_setup("no capabilities in the nested user namespace (CapEff %s)", cap);
		return false;
	}
	atk_note("nested user namespace entered: CapEff %s", cap);
	return true;
}

static long setattr(const char *path, unsigned flags, uint64_t clr)
{
	struct mount_attr a = {.attr_clr = clr};
	return syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &a, sizeof(a));
}

static int remount_attacks(void *arg)
{
	(void)arg;
	if (!enter_nested(CLONE_NEWNS))
		return 0;
	ATK_EXPECT_ERR("remount / read-write (MS_REMOUNT|MS_BIND)", mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL),
		       EPERM);
	ATK_EXPECT_ERR("remount / read-write keeping nosuid,nodev",
		       mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL), EPERM);
	ATK_EXPECT_ERR("remount / (superblock) read-write", mount(NULL, "/", NULL, MS_REMOUNT, NULL), EPERM);
	ATK_EXPECT_ERR("mount_setattr(/, clear RDONLY)", setattr("/", 0, MOUNT_ATTR_RDONLY), EPERM);
	ATK_EXPECT_ERR("mount_setattr(/, clear NOSUID)", setattr("/", 0, MOUNT_ATTR_NOSUID), EPERM);
	ATK_EXPECT_ERR("mount_setattr(/proc/sys, clear RDONLY)", setattr("/proc/sys", 0, MOUNT_ATTR_RDONLY), EPERM);
	ATK_EXPECT_ERR("mount_setattr(/sys, AT_RECURSIVE, clear RDONLY)",
		       setattr("/sys", AT_RECURSIVE, MOUNT_ATTR_RDONLY), EPERM);
	/* a plain bind or clone of the root would reveal what the masks cover: refused */
	mkdir("/tmp/rootbind", 0755);
	ATK_EXPECT_ERR("bind / (non-recursive: would uncover the masked paths)",
		       mount("/", "/tmp/rootbind", NULL, MS_BIND, NULL), EINVAL);
	ATK_EXPECT_ERR_FD("open_tree(/, OPEN_TREE_CLONE) (non-recursive)",
			  syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC), EINVAL);
	/* a recursive bind is ours, but it keeps the locks */
	if (mount("/", "/tmp/rootbind", NULL, MS_BIND | MS_REC, NULL) == 0) {
		ATK_EXPECT_ERR("remount our recursive bind of / read-write",
			       mount(NULL, "/tmp/rootbind", NULL, MS_REMOUNT | MS_BIND, NULL), EPERM);
		ATK_EXPECT_ERR_FD("create a file through our bind of /",
				  open("/tmp/rootbind/newfile", O_WRONLY | O_CREAT, 0644), EROFS);
		ATK_EXPECT_ERR("umount2 a mask inside our bind (/tmp/rootbind/proc/keys)",
			       umount2("/tmp/rootbind/proc/keys", MNT_DETACH), EINVAL);
	} else {
		atk_note("recursive bind of / in the nested mount namespace: %s", atk_errname(errno));
	}
	int tfd = (int)syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tfd >= 0) {
		struct mount_attr a = {.attr_clr = MOUNT_ATTR_RDONLY};
		ATK_EXPECT_ERR("clear RDONLY on a detached recursive clone of /",
			       syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)), EPERM);
		close(tfd);
	} else {
		atk_note("open_tree(/, CLONE|AT_RECURSIVE): %s", atk_errname(errno));
	}

	static const char *const locked[] = {"/proc/keys", "/proc/timer_list", "/proc/acpi", "/sys/firmware",
					     "/proc/sys", "/proc", "/sys", "/"};
	char what[160];
	for (size_t i = 0; i < sizeof(locked) / sizeof(locked[0]); i++) {
		struct stat st;
		if (lstat(locked[i], &st) < 0)
			continue;
		snprintf(what, sizeof(what), "umount2(%s, MNT_DETACH) of a locked mount", locked[i]);
		ATK_EXPECT_ERR(what, umount2(locked[i], MNT_DETACH), EINVAL);
	}
	char buf[64];
	if (atk_read_file("/proc/keys", buf, sizeof(buf)) > 0)
		atk_hole("/proc/keys readable after the umount attempts");
	ATK_EXPECT_ERR_FD("open(/newfile, O_CREAT) afterwards", open("/newfile", O_WRONLY | O_CREAT, 0644), EROFS);
	ATK_EXPECT_ERR_FD("open(/proc/sys/kernel/core_pattern, O_WRONLY) afterwards",
			  open("/proc/sys/kernel/core_pattern", O_WRONLY), EROFS, EACCES);
	return 0;
}

/* A fresh proc needs a pid namespace of our own; it must still be refused (masks). */
static int fresh_proc(void *arg)
{
	(void)arg;
	if (!enter_nested(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET))
		return 0;
	mkdir("/tmp/p", 0755);
	ATK_EXPECT_ERR("mount sysfs for our own netns (the masked /sys is not fully visible)",
		       mount("sysfs", "/tmp/p", "sysfs", 0, NULL), EPERM);
	pid_t pid = fork();
	if (pid == 0) {
		/* pid 1 of the new pid namespace */
		atk_tally.checks = atk_tally.succeeded = 0;
		ATK_EXPECT_ERR("mount proc for our own pid namespace (the masked /proc is not fully visible)",
			       mount("proc", "/tmp/p", "proc", 0, NULL), EPERM);
		fflush(stdout);
		_exit(atk_tally.succeeded ? ATK_SUCCEEDED : 0);
	}
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		atk_tally.succeeded++;
	return 0;
}

/* What belongs to the sandbox's user namespace stays out of reach. */
static int outer_namespaces(void *arg)
{
	(void)arg;
	if (!enter_nested(0))
		return 0;
	ATK_EXPECT_ERR("sethostname() in the sandbox's uts namespace", sethostname("pwned", 5), EPERM);
	ATK_EXPECT_ERR("mount proc (the sandbox's pid namespace is not ours)",
		       mount("proc", "/tmp", "proc", 0, NULL), EPERM);
	ATK_EXPECT_ERR("mount tmpfs (the sandbox's mount namespace is not ours)",
		       mount("tmpfs", "/tmp", "tmpfs", 0, NULL), EPERM);
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ATK_EXPECT_ERR("setns() back into the sandbox's net namespace", setns(fd, CLONE_NEWNET), EPERM);
	close(fd);
	return 0;
}

static void check_root(const struct stat *root0, const char *when)
{
	struct stat r;
	if (stat("/", &r) == 0 && (r.st_dev != root0->st_dev || r.st_ino != root0->st_ino))
		atk_hole("%s: / is no longer the sandbox root", when);
	else
		atk_ok("%s: / is still the sandbox root", when);
	if (canary) {
		char what[200];
		snprintf(what, sizeof(what), "%s: open(host canary)", when);
		ATK_EXPECT_ERR_FD(what, open(canary, O_RDONLY), ENOENT);
	}
}

/* chroot/fchdir and pivot_root with every capability of the nested namespaces */
static int escapes(void *arg)
{
	const struct stat *root0 = arg;
	if (!enter_nested(CLONE_NEWNS))
		return 0;
	if (mkdir("/work/jail", 0755) < 0 && errno != EEXIST)
		return atk_setup("mkdir /work/jail: %s", atk_errname(errno)), ATK_SETUP;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (chroot("/work/jail") < 0) {
		atk_ok("chroot(/work/jail) in the nested userns: %s", atk_errname(errno));
	} else {
		/* escaping a chroot is possible by design; what matters is where it ends */
		if (fchdir(fd) == 0)
			for (int i = 0; i < 64; i++)
				if (chdir("..") < 0)
					break;
		if (chroot(".") < 0)
			atk_note("chroot(.) after fchdir: %s", atk_errname(errno));
		check_root(root0, "after the fchdir/chroot escape");
	}
	close(fd);
	/*
	 * pivot_root onto a bind mount of ours (a tmpfs of our own would be
	 * owned by the nested namespace, where we are unmapped): the old root
	 * is locked and may not move.
	 */
	if (mkdir("/work/nr", 0755) == 0 && mkdir("/work/nr/old", 0755) == 0 &&
	    mount("/work/nr", "/work/nr", NULL, MS_BIND, NULL) == 0) {
		errno = 0;
		long r = syscall(SYS_pivot_root, "/work/nr", "/work/nr/old");
		if (r == 0) {
			atk_note("pivot_root succeeded in the nested mount namespace");
			struct stat st;
			/* what it put aside is the sandbox's root, nothing above it */
			if (stat("/old", &st) == 0 && (st.st_dev != root0->st_dev || st.st_ino != root0->st_ino))
				atk_hole("the old root after pivot_root is not the sandbox root");
			if (canary) {
				char p[4200];
				snprintf(p, sizeof(p), "/old%s", canary);
				if (stat(p, &st) == 0)
					atk_hole("the host canary is visible under the old root");
				else
					atk_ok("the old root is the sandbox's: no host canary under it");
			}
		} else {
			ATK_EXPECT_ERR("pivot_root(/work/nr, /work/nr/old) away from the locked root", r, EINVAL, EPERM);
		}
	} else {
		atk_setup("bind mount for pivot_root: %s", atk_errname(errno));
	}
	return 0;
}

int main(int argc, char **argv)
{
	canary = argc > 1 ? argv[1] : NULL;
	struct stat root0;
	stat("/", &root0);
	atk_in_child("remounts and unmounts from a nested userns", remount_attacks, NULL, true);
	atk_in_child("fresh proc/sysfs from a nested userns", fresh_proc, NULL, true);
	atk_in_child("the sandbox's own namespaces from a nested userns", outer_namespaces, NULL, true);
	atk_in_child("chroot and pivot_root from a nested userns", escapes, &root0, true);
	check_root(&root0, "in the sandbox afterwards");
	return atk_finish("atk_userns_regain");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_handle: open_by_handle_at ("shocker"). The rootfs lives on the host's
 * filesystem, so a handle for inode 2 (the host filesystem's root) decoded
 * against any fd on the rootfs would reach the whole host disk. It needs
 * CAP_DAC_READ_SEARCH in the initial user namespace, or (since 6.10) the
 * right to mount the fd's mount with no locked mounts below it and the
 * handle's target inside it. Tried against the root mount, against a bind
 * mount made in a nested user+mount namespace, and with a real handle.
 */
#include "atk.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define FILEID_INO32_GEN 1

struct handle8 {
	struct file_handle fh;
	unsigned char bytes[MAX_HANDLE_SZ];
};

static void craft(struct handle8 *h, unsigned ino, unsigned gen)
{
	memset(h, 0, sizeof(*h));
	h->fh.handle_bytes = 8;
	h->fh.handle_type = FILEID_INO32_GEN;
	memcpy(h->fh.f_handle, &ino, 4);
	memcpy(h->fh.f_handle + 4, &gen, 4);
}

static void try_handles(const char *where, int mfd, const int *allowed_for_host_root)
{
	struct handle8 h;
	char what[200];
	for (unsigned ino = 2; ino <= 12; ino++) {
		craft(&h, ino, 0);
		snprintf(what, sizeof(what), "open_by_handle_at(%s, ext4 inode %u)", where, ino);
		errno = 0;
		long fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
		int e = errno;
		bool ok = false;
		for (const int *a = allowed_for_host_root; *a; a++)
			ok |= *a == e;
		if (fd >= 0) {
			atk_hole("%s: opened fd %ld", what, fd);
			close((int)fd);
		} else if (!ok) {
			atk_hole("%s: unexpected %s", what, atk_errname(e));
		} else if (ino == 2 || ino == 12) {
			atk_ok("%s: %s", what, atk_errname(e)); /* the others print nothing when blocked */
		} else {
			atk_tally.checks++;
		}
	}
}

/* In a nested user+mount namespace we may mount, so the 6.10 relaxed rules apply. */
static int nested(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		atk_ok("unshare(CLONE_NEWUSER|CLONE_NEWNS): %s: no nested namespace to try from", atk_errname(errno));
		return 0;
	}
	atk_note("nested user+mount namespace created: we hold every capability in it");
	int rfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* the root mount has locked mounts below it: the relaxed rule must not apply */
	try_handles("/ in a nested userns", rfd, (const int[]){EPERM, 0});
	/* our own bind mount of /usr has nothing locked below it: only its own subtree may open */
	if (mkdir("/tmp/usr", 0755) < 0 && errno != EEXIST)
		return atk_setup("mkdir /tmp/usr: %s", atk_errname(errno)), ATK_SETUP;
	if (mount("/usr", "/tmp/usr", NULL, MS_BIND, NULL) < 0) {
		atk_note("bind /usr in the nested namespace: %s", atk_errname(errno));
	} else {
		int ufd = open("/tmp/usr", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* decoding works, but the host root is outside the mount: EACCES from the subtree check */
		try_handles("a bind of /usr in a nested userns", ufd, (const int[]){EACCES, EPERM, ESTALE, 0});
		close(ufd);
	}
	close(rfd);
	return 0;
}

int main(void)
{
	int rfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return atk_setup("open /: %s", atk_errname(errno)), atk_finish("atk_handle");

	struct handle8 real = {.fh.handle_bytes = MAX_HANDLE_SZ};
	int mount_id;
	/* name_to_handle_at is harmless on its own; the default seccomp profile still refuses it */
	if (name_to_handle_at(AT_FDCWD, "/etc", &real.fh, &mount_id, 0) == 0) {
		atk_note("name_to_handle_at(/etc): type %d, %u bytes", real.fh.handle_type, real.fh.handle_bytes);
		ATK_EXPECT_ERR_FD("open_by_handle_at(/, handle of /etc)", open_by_handle_at(rfd, &real.fh, O_RDONLY),
				  EPERM);
	} else {
		atk_ok("name_to_handle_at(/etc): %s", atk_errname(errno));
	}
	static const char *const mounts[] = {"/", "/proc", "/work", "/tmp", "/dev"};
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		int mfd = open(mounts[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mfd < 0)
			continue;
		/* no CAP_DAC_READ_SEARCH anywhere and no right to mount: EPERM before any decoding */
		try_handles(mounts[i], mfd, (const int[]){EPERM, 0});
		close(mfd);
	}
	close(rfd);
	atk_in_child("nested user namespace", nested, NULL, true);
	return atk_finish("atk_handle");
}

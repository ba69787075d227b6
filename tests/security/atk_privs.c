/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_privs: get capabilities or other ids back. The program runs as root
 * of its user namespace with all five capability sets empty (the bounding
 * set too) and no_new_privs: capset cannot raise what the bounding and
 * permitted sets lack, setuid/setgroups need CAP_SETUID/CAP_SETGID,
 * ambient capabilities must already be permitted and inheritable,
 * no_new_privs cannot be unset, securebits need CAP_SETPCAP. From a nested
 * user namespace, mapping more than our own id (another sandbox's, the
 * host's) needs CAP_SETUID in our namespace, and even our own root may not
 * be mapped (the creator lacked CAP_SETFCAP).
 */
#include "atk.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static long capset_all(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0xff, sizeof(d));
	return syscall(SYS_capset, &h, d);
}

static long write_map(const char *path, const char *map)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	long n = write(fd, map, strlen(map));
	int e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

static int nested_maps(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWUSER) < 0) {
		atk_ok("unshare(CLONE_NEWUSER): %s: no nested namespace to map ids in", atk_errname(errno));
		return 0;
	}
	/* each write is a fresh attempt: a map can be written once, and none of these may succeed */
	ATK_EXPECT_ERR("nested uid_map \"0 0 65536\" (the sandbox's whole range)",
		       write_map("/proc/self/uid_map", "0 0 65536\n"), EPERM);
	ATK_EXPECT_ERR("nested uid_map \"0 1000 1\" (an id that is not ours)",
		       write_map("/proc/self/uid_map", "0 1000 1\n"), EPERM);
	ATK_EXPECT_ERR("nested uid_map \"0 0 1\" (our own root, creator lacked CAP_SETFCAP)",
		       write_map("/proc/self/uid_map", "0 0 1\n"), EPERM);
	ATK_EXPECT_ERR("nested gid_map \"0 0 1\" without setgroups=deny",
		       write_map("/proc/self/gid_map", "0 0 1\n"), EPERM);
	return 0;
}

int main(void)
{
	char v[64];
	static const char *const sets[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		atk_status_field(sets[i], v, sizeof(v));
		if (strtoull(v, NULL, 16) != 0)
			atk_hole("%s is %s at start", sets[i], v);
	}
	atk_status_field("NoNewPrivs", v, sizeof(v));
	if (strcmp(v, "1") != 0)
		atk_hole("NoNewPrivs is %s at start", v);

	/*
	 * EPERM: the id exists inside, and we may not take it. EINVAL: it does
	 * not exist at all (an ordinary user's single-id map has only 0).
	 */
	ATK_EXPECT_ERR("capset(all capabilities)", capset_all(), EPERM);
	ATK_EXPECT_ERR("setuid(1000)", setuid(1000), EPERM, EINVAL);
	ATK_EXPECT_ERR("setresuid(1000, 1000, 1000)", setresuid(1000, 1000, 1000), EPERM, EINVAL);
	ATK_EXPECT_ERR("setgid(1000)", setgid(1000), EPERM, EINVAL);
	ATK_EXPECT_ERR("setgroups({0, 1000})", setgroups(2, (gid_t[]){0, 1000}), EPERM);
	ATK_EXPECT_ERR("setfsuid(1000) (returns the old id; the new one must not stick)",
		       (setfsuid(1000), setfsuid((uid_t)-1) == 1000 ? 0 : (errno = EPERM, -1)), EPERM);
	ATK_EXPECT_ERR("prctl(PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN)",
		       prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0), EPERM);
	ATK_EXPECT_ERR("prctl(PR_SET_NO_NEW_PRIVS, 0)", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
	ATK_EXPECT_ERR("prctl(PR_SET_SECUREBITS, 0)", prctl(PR_SET_SECUREBITS, 0, 0, 0, 0), EPERM);
	ATK_EXPECT_ERR("prctl(PR_SET_KEEPCAPS) then setuid(1)", (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), setuid(1)), EPERM,
		       EINVAL);
	ATK_EXPECT_ERR("write /proc/self/uid_map of our own namespace", write_map("/proc/self/uid_map", "0 0 1\n"),
		       EPERM, EACCES);
	ATK_EXPECT_ERR("write /proc/self/setgroups", write_map("/proc/self/setgroups", "allow"), EPERM, EACCES);
	atk_in_child("id maps of a nested user namespace", nested_maps, NULL, true);

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		atk_status_field(sets[i], v, sizeof(v));
		if (strtoull(v, NULL, 16) != 0)
			atk_hole("%s is %s afterwards", sets[i], v);
	}
	if (geteuid() != 0 || getuid() != 0)
		atk_hole("uid changed: %u/%u", getuid(), geteuid());
	else
		atk_ok("still uid 0 with no capabilities and no_new_privs");
	return atk_finish("atk_privs");
}

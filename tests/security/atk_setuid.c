/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_setuid: gain ids or capabilities by executing set-user-ID, set-group-ID
 * or file-capability binaries planted in the rootfs (the driver builds a
 * private copy of the test rootfs with: suid-hostroot, setuid root on the
 * host (its owner has no mapping inside); suid-user, setuid+setgid to the
 * sandbox's uid/gid 5; fcaps, with cap_sys_admin,cap_dac_override+eip).
 * The root is mounted nosuid, the process has no_new_privs and an empty
 * bounding set, and an unmapped owner is ignored: after each execve the
 * ids and all capability sets must be what they were.
 * Usage: atk_setuid run DIR   (the targets are DIR/suid-hostroot, ...)
 *        atk_setuid report    (what the targets print)
 */
#include "atk.h"

#include <sys/stat.h>

static void report(void)
{
	char eff[32], prm[32], amb[32], bnd[32];
	atk_status_field("CapEff", eff, sizeof(eff));
	atk_status_field("CapPrm", prm, sizeof(prm));
	atk_status_field("CapAmb", amb, sizeof(amb));
	atk_status_field("CapBnd", bnd, sizeof(bnd));
	uid_t r, e, s;
	gid_t gr, ge, gs;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	printf("uid=%u,%u,%u gid=%u,%u,%u eff=%s prm=%s amb=%s bnd=%s\n", r, e, s, gr, ge, gs, eff, prm, amb, bnd);
}

static void try_target(const char *dir, const char *name, const char *expect)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct stat st;
	if (stat(path, &st) < 0) {
		atk_setup("%s: %s (the driver plants it)", path, atk_errname(errno));
		return;
	}
	atk_note("%s: mode %04o owner %u:%u inside", path, (unsigned)(st.st_mode & 07777), st.st_uid, st.st_gid);
	if (!(st.st_mode & (S_ISUID | S_ISGID)) && strcmp(name, "fcaps") != 0) {
		atk_setup("%s has no set-id bit", path);
		return;
	}
	if (strcmp(name, "suid-user") == 0 && st.st_uid != 5) {
		/* an ordinary user's single-id map has no uid 5: then it is one more unmapped owner */
		if (!atk_uid_mapped(5, NULL)) {
			atk_note("%s: uid 5 does not exist here (a single-id map): an unmapped owner like suid-hostroot",
				 path);
		} else {
			atk_setup("%s is not owned by our uid 5: the sandbox is not in the slot the driver prepared for",
				  path);
			return;
		}
	}
	int fds[2];
	if (pipe(fds) < 0)
		return atk_setup("pipe: %s", atk_errname(errno));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		execl(path, path, "report", (char *)NULL);
		printf("exec failed: %s\n", atk_errname(errno));
		_exit(3);
	}
	close(fds[1]);
	char out[512] = "";
	ssize_t n, total = 0;
	while ((n = read(fds[0], out + total, sizeof(out) - 1 - (size_t)total)) > 0)
		total += n;
	out[total] = '\0';
	out[strcspn(out, "\n")] = '\0';
	close(fds[0]);
	waitpid(pid, NULL, 0);
	if (strcmp(out, expect) == 0)
		atk_ok("execve(%s): ids and capabilities unchanged (%s)", name, out);
	else
		atk_hole("execve(%s): \"%s\", expected \"%s\"", name, out, expect);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "report") == 0) {
		report();
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "run") != 0)
		return fprintf(stderr, "usage: %s run DIR | report\n", argv[0]), ATK_SETUP;
	/* what we are before: the targets must print exactly this */
	char expect[512];
	fflush(stdout);
	int fds[2];
	if (pipe(fds) < 0)
		return ATK_SETUP;
	int saved = dup(1);
	dup2(fds[1], 1);
	report();
	fflush(stdout);
	dup2(saved, 1);
	close(fds[1]);
	ssize_t n = read(fds[0], expect, sizeof(expect) - 1);
	expect[n > 0 ? n : 0] = '\0';
	expect[strcspn(expect, "\n")] = '\0';
	close(fds[0]);
	atk_note("before: %s", expect);
	try_target(argv[2], "suid-hostroot", expect);
	try_target(argv[2], "suid-user", expect);
	try_target(argv[2], "fcaps", expect);
	return atk_finish("atk_setuid");
}

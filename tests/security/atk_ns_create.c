/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_ns_create: create namespaces with unshare(2), clone(2) and clone3(2).
 * Every namespace but the user namespace needs CAP_SYS_ADMIN (EPERM from
 * the kernel). A new user namespace needs nothing from the kernel, so only
 * the default seccomp profile stops it (EPERM; clone3 answers ENOSYS so
 * that libc falls back to clone, whose flags seccomp can inspect); a
 * user.max_user_namespaces of 0 inside would be a second way (ENOSPC).
 * What a nested user namespace could still do is atk_userns_regain's
 * subject.
 */
#include "atk.h"

#include <linux/sched.h>
#include <sched.h>
#include <sys/syscall.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	unsigned long flag;
	const char *name;
} nss[] = {
	{CLONE_NEWNS, "CLONE_NEWNS"},	    {CLONE_NEWUTS, "CLONE_NEWUTS"},	  {CLONE_NEWIPC, "CLONE_NEWIPC"},
	{CLONE_NEWNET, "CLONE_NEWNET"},	    {CLONE_NEWPID, "CLONE_NEWPID"},	  {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
	{CLONE_NEWTIME, "CLONE_NEWTIME"},   {CLONE_NEWUSER, "CLONE_NEWUSER"},
	{CLONE_NEWUSER | CLONE_NEWNS, "CLONE_NEWUSER|CLONE_NEWNS"},
	{CLONE_NEWUSER | CLONE_NEWNET, "CLONE_NEWUSER|CLONE_NEWNET"},
};

static int try_unshare(void *arg)
{
	size_t i = (size_t)arg;
	char what[96];
	snprintf(what, sizeof(what), "unshare(%s)", nss[i].name);
	if (nss[i].flag & CLONE_NEWUSER)
		ATK_EXPECT_ERR(what, unshare((int)nss[i].flag), EPERM, ENOSPC);
	else
		ATK_EXPECT_ERR(what, unshare((int)nss[i].flag), EPERM);
	return 0;
}

static int try_clone(void *arg)
{
	size_t i = (size_t)arg;
	char what[96];
	if (nss[i].flag == CLONE_NEWTIME)
		return 0; /* 0x80 is part of clone()'s exit-signal byte: only unshare and clone3 take it */
	snprintf(what, sizeof(what), "clone(%s)", nss[i].name);
	/* raw clone: the child exits at once; its existence is the hole */
	errno = 0;
	long pid = syscall(SYS_clone, nss[i].flag | SIGCHLD, 0, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	int e = errno;
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	errno = e;
	if (nss[i].flag & CLONE_NEWUSER)
		ATK_EXPECT_ERR(what, (errno = e, pid), EPERM, ENOSPC);
	else
		ATK_EXPECT_ERR(what, (errno = e, pid), EPERM);
	return 0;
}

static int try_clone3(void *arg)
{
	size_t i = (size_t)arg;
	char what[96];
	snprintf(what, sizeof(what), "clone3(%s)", nss[i].name);
	struct clone_args ca = {.flags = nss[i].flag, .exit_signal = SIGCHLD};
	errno = 0;
	long pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(0);
	int e = errno;
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	/* ENOSYS: the seccomp profile refuses clone3 outright (flags behind a pointer) */
	if (nss[i].flag & CLONE_NEWUSER)
		ATK_EXPECT_ERR(what, (errno = e, pid), EPERM, ENOSPC, ENOSYS);
	else
		ATK_EXPECT_ERR(what, (errno = e, pid), EPERM, ENOSYS);
	return 0;
}

int main(void)
{
	for (size_t i = 0; i < sizeof(nss) / sizeof(nss[0]); i++) {
		atk_in_child("unshare", try_unshare, (void *)i, true);
		atk_in_child("clone", try_clone, (void *)i, true);
		atk_in_child("clone3", try_clone3, (void *)i, true);
	}
	char v[32];
	if (atk_read_file("/proc/sys/user/max_user_namespaces", v, sizeof(v)) > 0)
		atk_note("user.max_user_namespaces inside: %s", strtok(v, "\n"));
	return atk_finish("atk_ns_create");
}

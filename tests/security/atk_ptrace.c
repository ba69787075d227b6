/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_ptrace: find and attach to processes outside the sandbox (the runtime,
 * the driver, another sandbox): /proc shows only our own pid namespace, and
 * every pid guessed in it (1..2047, then a sample up to pid_max) that is not ours is ESRCH for
 * kill(0), pidfd_open, ptrace and process_vm_readv; the host pids the driver
 * passes (the runtime's, its own, a canary's) likewise. With --init, pid 1
 * is the runtime's reaper that never exec'd and still shares the runtime's
 * own memory (runtime/spawn.h): it is non-dumpable and that memory belongs
 * to the host's user namespace, so ptrace, process_vm_readv/writev,
 * pidfd_getfd, /proc/1/mem (read or write), maps, environ and fd are
 * EPERM/EACCES, and SIGKILL/SIGSTOP from inside the namespace do not touch
 * it. The default seccomp profile refuses ptrace, process_vm_* and
 * pidfd_getfd (EPERM) too; run.sh also runs the --init case unconfined, so
 * that the kernel's own checks are what is attacked.
 * Usage: atk_ptrace [HOST_PID...]
 */
#include "atk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>

static pid_t self, init_pid;

static long vm_read(pid_t pid)
{
	static char buf[64];
	struct iovec local = {buf, sizeof(buf)}, remote = {(void *)0x400000, sizeof(buf)};
	return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

static void attack_foreign(pid_t pid, const char *label)
{
	char what[160];
	snprintf(what, sizeof(what), "kill(%s %d, 0)", label, pid);
	ATK_EXPECT_ERR(what, kill(pid, 0), ESRCH);
	snprintf(what, sizeof(what), "pidfd_open(%s %d)", label, pid);
	ATK_EXPECT_ERR_FD(what, syscall(SYS_pidfd_open, pid, 0), ESRCH);
	snprintf(what, sizeof(what), "ptrace(PTRACE_ATTACH, %s %d)", label, pid);
	ATK_EXPECT_ERR(what, ptrace(PTRACE_ATTACH, pid, 0, 0), ESRCH, EPERM);
	snprintf(what, sizeof(what), "ptrace(PTRACE_SEIZE, %s %d)", label, pid);
	ATK_EXPECT_ERR(what, ptrace(PTRACE_SEIZE, pid, 0, 0), ESRCH, EPERM);
	snprintf(what, sizeof(what), "process_vm_readv(%s %d)", label, pid);
	ATK_EXPECT_ERR(what, vm_read(pid), ESRCH, EPERM);
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/mem", pid);
	snprintf(what, sizeof(what), "open(%s)", p);
	ATK_EXPECT_ERR_FD(what, open(p, O_RDONLY), ENOENT);
}

/* --init: pid 1 is the runtime's reaper, in the runtime's memory; visible but untouchable */
static void attack_init(void)
{
	ATK_EXPECT_ERR("ptrace(PTRACE_ATTACH, 1) (--init's reaper)", ptrace(PTRACE_ATTACH, 1, 0, 0), EPERM);
	ATK_EXPECT_ERR("ptrace(PTRACE_SEIZE, 1)", ptrace(PTRACE_SEIZE, 1, 0, 0), EPERM);
	ATK_EXPECT_ERR("process_vm_readv(1)", vm_read(1), EPERM);
	ATK_EXPECT_ERR_FD("open(/proc/1/mem)", open("/proc/1/mem", O_RDONLY), EACCES);
	ATK_EXPECT_ERR_FD("open(/proc/1/fd)", open("/proc/1/fd", O_RDONLY | O_DIRECTORY), EACCES);
	ATK_EXPECT_ERR_FD("open(/proc/1/mem, O_RDWR)", open("/proc/1/mem", O_RDWR), EACCES);
	ATK_EXPECT_ERR_FD("open(/proc/1/maps)", open("/proc/1/maps", O_RDONLY), EACCES);
	ATK_EXPECT_ERR_FD("open(/proc/1/environ)", open("/proc/1/environ", O_RDONLY), EACCES);
	static char word[8] = "sbxctr!";
	struct iovec local = {word, sizeof(word)}, remote = {(void *)0x400000, sizeof(word)};
	ATK_EXPECT_ERR("process_vm_writev(1)", process_vm_writev(1, &local, 1, &remote, 1, 0), EPERM);
	int pfd = (int)syscall(SYS_pidfd_open, 1, 0);
	if (pfd < 0) {
		atk_ok("pidfd_open(1): %s", atk_errname(errno));
	} else {
		char what[64];
		for (int fd = 0; fd < 8; fd++) {
			snprintf(what, sizeof(what), "pidfd_getfd(pid 1, fd %d)", fd);
			ATK_EXPECT_ERR_FD(what, syscall(SYS_pidfd_getfd, pfd, fd, 0), EPERM);
		}
		close(pfd);
	}
	/* signals from inside the namespace that pid 1 does not handle are dropped */
	kill(1, SIGSTOP);
	kill(1, SIGKILL);
	usleep(100 * 1000);
	char st[64];
	if (atk_read_file("/proc/1/stat", st, sizeof(st)) < 0)
		atk_hole("SIGKILL from inside killed pid 1");
	else if (strstr(st, ") T ") || strstr(st, ") t "))
		atk_hole("SIGSTOP from inside stopped pid 1");
	else
		atk_ok("SIGKILL and SIGSTOP to pid 1 from inside: ignored (%.*s)", (int)strcspn(st, "\n"), st);
}

int main(int argc, char **argv)
{
	self = getpid();
	init_pid = self == 1 ? 0 : 1;
	/* 1. what /proc shows: only us (and --init's pid 1) */
	DIR *d = opendir("/proc");
	if (!d)
		return atk_setup("opendir /proc: %s", atk_errname(errno)), atk_finish("atk_ptrace");
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid_t pid = (pid_t)atk_num(e->d_name);
		n++;
		if (pid != self && pid != init_pid) {
			char c[256] = "";
			char p[64];
			snprintf(p, sizeof(p), "/proc/%d/cmdline", pid);
			atk_read_file(p, c, sizeof(c));
			atk_hole("/proc shows a process that is not ours: %d (%s)", pid, c);
		}
	}
	closedir(d);
	atk_ok("/proc lists %d process(es): only our own", n);

	/*
	 * 2. every other pid number is empty in our namespace: the low range
	 * densely (where a namespace's pids are), a sample above it
	 */
	char maxs[32] = "32768";
	atk_read_file("/proc/sys/kernel/pid_max", maxs, sizeof(maxs));
	int max = (int)atk_num(maxs), found = 0, tried = 0;
	for (int pid = 1; pid <= max && found <= 10; pid += pid < 2048 ? 1 : 97) {
		if (pid == self || pid == init_pid)
			continue;
		tried++;
		if (kill(pid, 0) == 0 || errno != ESRCH) {
			atk_hole("kill(%d, 0): %s", pid, errno ? atk_errname(errno) : "exists");
			found++;
		}
		if (pid % 16 == 0) {
			int fd = (int)syscall(SYS_pidfd_open, pid, 0);
			if (fd >= 0 || errno != ESRCH) {
				atk_hole("pidfd_open(%d): %s", pid, fd >= 0 ? "opened" : atk_errname(errno));
				if (fd >= 0)
					close(fd);
				found++;
			}
		}
	}
	if (!found)
		atk_ok("kill(pid, 0) for %d pids in 1..%d (pidfd_open for every 16th): ESRCH for all but our own", tried,
		       max);
	attack_foreign(max / 2, "guessed pid");

	/* 3. the host's pids, given by the driver */
	for (int a = 1; a < argc; a++)
		attack_foreign((pid_t)atk_num(argv[a]), "host pid");

	if (init_pid)
		attack_init();
	return atk_finish("atk_ptrace");
}

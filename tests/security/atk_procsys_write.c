/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_procsys_write: host-wide knobs under /proc/sys (core_pattern and
 * modprobe name programs the kernel runs as root on the host: classic
 * escapes; hostname, ip_forward, drop_caches, panic settings...) and
 * per-process ones that would weaken containment (oom_score_adj -1000
 * makes the process the OOM killer's last choice on the host). /proc/sys
 * is a read-only bind (EROFS; EACCES where the unmapped owner is checked
 * first); lowering oom_score_adj needs CAP_SYS_RESOURCE (EACCES).
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/stat.h>

static void try_write(const char *path, const char *value, int e1, int e2)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		atk_note("%s: not in this kernel", path);
		return;
	}
	char what[300];
	snprintf(what, sizeof(what), "write \"%s\" to %s", value, path);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int e = errno;
	if (fd >= 0) {
		ssize_t n = write(fd, value, strlen(value));
		e = errno;
		close(fd);
		if (n >= 0) {
			atk_hole("%s: written", what);
			return;
		}
	}
	ATK_EXPECT_ERR(what, (errno = e, -1), e1, e2);
}

int main(void)
{
	try_write("/proc/sys/kernel/core_pattern", "|/tmp/pwn %p", EROFS, EACCES);
	try_write("/proc/sys/kernel/modprobe", "/tmp/pwn", EROFS, EACCES);
	try_write("/proc/sys/kernel/hostname", "pwned", EROFS, EACCES);
	try_write("/proc/sys/kernel/domainname", "pwned", EROFS, EACCES);
	try_write("/proc/sys/kernel/panic", "1", EROFS, EACCES);
	try_write("/proc/sys/kernel/panic_on_oops", "1", EROFS, EACCES);
	try_write("/proc/sys/kernel/sysrq", "1", EROFS, EACCES);
	try_write("/proc/sys/kernel/randomize_va_space", "0", EROFS, EACCES);
	try_write("/proc/sys/kernel/kptr_restrict", "0", EROFS, EACCES);
	try_write("/proc/sys/kernel/perf_event_paranoid", "-1", EROFS, EACCES);
	try_write("/proc/sys/kernel/unprivileged_bpf_disabled", "0", EROFS, EACCES);
	try_write("/proc/sys/kernel/ns_last_pid", "100", EROFS, EACCES);
	try_write("/proc/sys/vm/drop_caches", "3", EROFS, EACCES);
	try_write("/proc/sys/vm/overcommit_memory", "1", EROFS, EACCES);
	try_write("/proc/sys/vm/unprivileged_userfaultfd", "1", EROFS, EACCES);
	try_write("/proc/sys/fs/file-max", "100", EROFS, EACCES);
	try_write("/proc/sys/fs/protected_hardlinks", "0", EROFS, EACCES);
	try_write("/proc/sys/net/ipv4/ip_forward", "1", EROFS, EACCES);
	try_write("/proc/sys/net/ipv4/ping_group_range", "0 2147483647", EROFS, EACCES);
	try_write("/proc/sys/net/core/bpf_jit_enable", "2", EROFS, EACCES);
	try_write("/proc/sys/user/max_user_namespaces", "100000", EROFS, EACCES);
	try_write("/proc/sys/fs/binfmt_misc/register", ":pwn:M::MZ::/tmp/pwn:", EROFS, EACCES);
	try_write("/proc/self/oom_score_adj", "-1000", EACCES, 0);
	try_write("/proc/self/oom_adj", "-17", EACCES, 0);
	try_write("/proc/1/oom_score_adj", "-1000", EACCES, 0);
	/*
	 * An unset loginuid may be set once, but only to an id of our own map
	 * (EINVAL for others): the first id above the map (65536 as root; an
	 * ordinary user's subordinate map also names the caller as 65536).
	 */
	char unmapped[24];
	unsigned long top = 65536;
	atk_uid_mapped(0, &top);
	snprintf(unmapped, sizeof(unmapped), "%lu", top);
	try_write("/proc/self/loginuid", unmapped, EINVAL, EPERM);
	ATK_EXPECT_ERR_FD("create /proc/sys/kernel/newfile", open("/proc/sys/kernel/newfile", O_WRONLY | O_CREAT, 0644),
			  EROFS, EACCES, ENOENT);
	char v[32];
	if (atk_read_file("/proc/self/oom_score_adj", v, sizeof(v)) > 0 && atk_num(v) < 0)
		atk_hole("oom_score_adj is %s", v);
	return atk_finish("atk_procsys_write");
}

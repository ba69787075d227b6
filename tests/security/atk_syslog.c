/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_syslog: the kernel log and kernel addresses: reading or clearing the
 * host's kernel log (syslog(2) needs CAP_SYSLOG: EPERM, /proc/kmsg too),
 * turning console logging off, /dev/kmsg (not in /dev), and the kernel's
 * symbol addresses in /proc/kallsyms (shown as zeros without CAP_SYSLOG:
 * any non-zero address would defeat KASLR for an exploit). The default
 * seccomp profile refuses syslog(2) (EPERM).
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/klog.h>

int main(void)
{
	static char buf[4096];
	ATK_EXPECT_ERR("syslog(READ_ALL)", klogctl(3, buf, sizeof(buf)), EPERM);
	ATK_EXPECT_ERR("syslog(CLEAR)", klogctl(5, NULL, 0), EPERM);
	ATK_EXPECT_ERR("syslog(CONSOLE_OFF)", klogctl(6, NULL, 0), EPERM);
	ATK_EXPECT_ERR("syslog(CONSOLE_LEVEL 8)", klogctl(8, NULL, 8), EPERM);
	ATK_EXPECT_ERR_FD("open(/proc/kmsg)", open("/proc/kmsg", O_RDONLY), EPERM, EACCES);
	ATK_EXPECT_ERR_FD("open(/dev/kmsg)", open("/dev/kmsg", O_RDWR), ENOENT);

	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f) {
		atk_ok("/proc/kallsyms: %s", atk_errname(errno));
	} else {
		char line[512];
		long lines = 0, nonzero = 0;
		while (fgets(line, sizeof(line), f)) {
			lines++;
			if (strtoull(line, NULL, 16) != 0)
				nonzero++;
		}
		fclose(f);
		if (nonzero)
			atk_hole("/proc/kallsyms shows %ld real kernel addresses", nonzero);
		else
			atk_ok("/proc/kallsyms: %ld symbols, every address zero", lines);
	}
	return atk_finish("atk_syslog");
}

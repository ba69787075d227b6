/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_hostname: change the host's (or even the sandbox's) host and domain
 * name. sethostname/setdomainname need CAP_SYS_ADMIN over the uts
 * namespace's owner (EPERM; the default seccomp profile answers EPERM too)
 * and /proc/sys/kernel/{hostname,domainname} are read-only. The name must
 * be the one sbxctr set; the driver checks the host's afterwards.
 * Usage: atk_hostname EXPECTED_HOSTNAME
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	const char *expect = argc > 1 ? argv[1] : "sbxctr";
	ATK_EXPECT_ERR("sethostname(\"pwned\")", sethostname("pwned", 5), EPERM);
	ATK_EXPECT_ERR("setdomainname(\"pwned\")", setdomainname("pwned", 5), EPERM);
	ATK_EXPECT_ERR_FD("open(/proc/sys/kernel/hostname, O_WRONLY)", open("/proc/sys/kernel/hostname", O_WRONLY),
			  EROFS, EACCES);
	ATK_EXPECT_ERR_FD("open(/proc/sys/kernel/domainname, O_WRONLY)", open("/proc/sys/kernel/domainname", O_WRONLY),
			  EROFS, EACCES);
	struct utsname u;
	uname(&u);
	if (strcmp(u.nodename, expect) != 0)
		atk_hole("hostname is \"%s\", expected \"%s\"", u.nodename, expect);
	else
		atk_ok("hostname is still \"%s\"", u.nodename);
	return atk_finish("atk_hostname");
}

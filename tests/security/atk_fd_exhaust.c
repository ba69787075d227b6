/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_fd_exhaust: open descriptors until something gives. The program may
 * raise its soft RLIMIT_NOFILE to the hard limit, not beyond (EPERM without
 * CAP_SYS_RESOURCE), and the last open must fail with EMFILE (our own
 * limit), never ENFILE (the host's file table). Then the same with
 * pipes, which also pin pipe buffers. All are closed again.
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/resource.h>

int main(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return atk_setup("getrlimit: %s", atk_errname(errno)), atk_finish("atk_fd_exhaust");
	atk_note("RLIMIT_NOFILE %llu/%llu", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	struct rlimit up = {rl.rlim_max + 1, rl.rlim_max + 1};
	if (rl.rlim_max != RLIM_INFINITY)
		ATK_EXPECT_ERR("setrlimit(NOFILE) above the hard limit", setrlimit(RLIMIT_NOFILE, &up), EPERM);
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		atk_note("raising the soft limit to the hard one: %s", atk_errname(errno));
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20))
		atk_hole("RLIMIT_NOFILE is %llu: no useful cap", (unsigned long long)rl.rlim_cur);

	int n = 0, e = 0, last = -1;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			e = errno;
			break;
		}
		last = fd;
		if (++n > (1 << 21))
			break;
	}
	if (e == EMFILE && (rlim_t)last + 1 == rl.rlim_cur)
		atk_ok("open() stops with EMFILE at fd %d (RLIMIT_NOFILE %llu) after %d opens", last,
		       (unsigned long long)rl.rlim_cur, n);
	else
		atk_hole("open() stopped after %d opens (last fd %d) with %s; expected EMFILE at the limit", n, last,
			 atk_errname(e));
	for (int fd = 3; fd <= last; fd++)
		close(fd);

	int pipes = 0, fds[2];
	for (;;) {
		if (pipe2(fds, O_CLOEXEC) < 0) {
			e = errno;
			break;
		}
		pipes++;
		if (pipes > (1 << 20))
			break;
	}
	if (e == EMFILE || e == ENFILE)
		atk_note("pipe2() stops after %d pipes with %s", pipes, atk_errname(e));
	if (e != EMFILE)
		atk_hole("pipe2() stopped with %s, not EMFILE", atk_errname(e));
	else
		atk_ok("pipe2() stops with EMFILE");
	for (int fd = 3; fd < (int)rl.rlim_cur; fd++)
		close(fd);
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		atk_hole("cannot open a file after closing everything: %s", atk_errname(errno));
	return atk_finish("atk_fd_exhaust");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_pids_exhaust: a fork bomb, counted. Run by the driver only with a pids
 * limit (--pids LIMIT): fork must fail (EAGAIN) once the sandbox holds
 * LIMIT tasks; every child is then killed and reaped.
 * Usage: atk_pids_exhaust LIMIT
 */
#include "atk.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		return ATK_SETUP;
	long limit = strtol(argv[1], NULL, 0);
	long n = 0;
	int e = 0;
	static pid_t kids[1 << 16];
	while (n < (long)(sizeof(kids) / sizeof(kids[0]))) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				pause();
		}
		if (p < 0) {
			e = errno;
			break;
		}
		kids[n++] = p;
		if (n > limit + 8)
			break;
	}
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	/* the sandbox's own tasks (this one, and --init's) count too */
	if (e == EAGAIN && n < limit)
		atk_ok("fork fails with EAGAIN after %ld children (limit %ld tasks)", n, limit);
	else
		atk_hole("forked %ld children with a limit of %ld (last error %s)", n, limit, atk_errname(e));
	return atk_finish("atk_pids_exhaust");
}

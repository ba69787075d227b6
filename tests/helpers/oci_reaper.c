/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci_reaper CMD [ARGS...]: runs CMD as a child subreaper would (conmon,
 * containerd's shim): every orphan below it, a created container's init
 * above all, is reparented to it and reaped. Exits with CMD's status once
 * CMD and every orphan are gone; with OCI_REAPER_STATUS=FILE, the wait
 * status of each reaped orphan is appended to FILE as "PID STATUS".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: oci_reaper CMD [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		perror("PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	pid_t cmd = fork();
	if (cmd < 0) {
		perror("fork");
		return 2;
	}
	if (cmd == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	const char *log = getenv("OCI_REAPER_STATUS");
	int code = 0, status;
	pid_t pid;
	while ((pid = wait(&status)) > 0 || errno == EINTR) {
		if (pid <= 0)
			continue;
		if (pid == cmd) {
			code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			continue;
		}
		FILE *f = log ? fopen(log, "a") : NULL;
		if (f) {
			fprintf(f, "%d %d\n", (int)pid, status);
			fclose(f);
		}
	}
	return code;
}

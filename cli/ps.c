/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr ps [--format table|json] ID: the processes of a container (host pids). */
#include "cli/global.h"
#include "cli/run.h"
#include "cli/verbs.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One table row from /proc: what `ps -o pid,ppid,stat,args` shows. */
static void print_row(pid_t pid)
{
	char path[64], stat[1024], cmd[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ssize_t n = sbx_read_file_at(AT_FDCWD, path, stat, sizeof(stat));
	/* "pid (comm) S ppid ...": comm may hold anything, so from the last ')' */
	char *rp = n > 0 ? strrchr(stat, ')') : NULL;
	char state = '?';
	int ppid = 0;
	if (rp && rp[1] == ' ' && rp[2] && rp[3] == ' ') {
		char *end;
		long v = strtol(rp + 4, &end, 10);
		if (end != rp + 4 && v >= 0 && v <= INT_MAX) {
			state = rp[2];
			ppid = (int)v;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = sbx_read_file_at(AT_FDCWD, path, cmd, sizeof(cmd));
	if (n <= 0) {
		cmd[0] = '\0';
		n = 0;
	}
	for (ssize_t i = 0; i + 1 < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	printf("%-8d %-8d %-4c %s\n", (int)pid, ppid, state, cmd);
}

int sbx_cmd_ps(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sbx_error err = {0};
	bool json = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:h", longopts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "table") == 0 || strcmp(optarg, "json") == 0)) {
			json = strcmp(optarg, "json") == 0;
		} else if (c == 'f') {
			sbx_err_set(&err, EINVAL, "ps: --format: expected table or json, got \"%s\"", optarg);
			return sbx_cli_fail(&err);
		} else if (c == 'h') {
			puts("Usage: sbxctr [GLOBAL OPTIONS] ps [-f|--format table|json] ID\n\n"
			     "The processes of container ID, by host pid: those of its cgroup, or without\n"
			     "one those of its pid namespace. json: an array of pids, as runc prints it.");
			return 0;
		} else {
			sbx_cli_getopt_error(c, argv, "ps", &err);
			return sbx_cli_fail(&err);
		}
	}
	if (argc - optind != 1) {
		/* runc passes what follows the id to ps(1); sbxctr prints its own table */
		sbx_err_set(&err, EINVAL, argc - optind ? "ps takes one container id (ps(1) options are not supported)"
							: "a container id is required");
		return sbx_cli_fail(&err);
	}
	struct sbx_container_opts g;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 ||
	    sbx_container_pids(&g, argv[optind], &pids, &n, &err) < 0)
		return sbx_cli_fail(&err);
	if (json) {
		putchar('[');
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		puts("]");
		return 0;
	}
	printf("%-8s %-8s %-4s %s\n", "PID", "PPID", "STAT", "COMMAND");
	for (size_t i = 0; i < n; i++)
		print_row(pids[i]);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr kill [--all] ID [SIGNAL]: signals a container's process (or all of them). */
#include "cli/global.h"
#include "cli/run.h"
#include "cli/verbs.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>

int sbx_cmd_kill(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sbx_error err = {0};
	bool all = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ah", longopts, NULL)) != -1) {
		if (c == 'a') {
			all = true;
		} else if (c == 'h') {
			puts("Usage: sbxctr [GLOBAL OPTIONS] kill [-a|--all] ID [SIGNAL]\n\n"
			     "Sends SIGNAL (default TERM; KILL, SIGKILL and 9 all work) to container ID's\n"
			     "process, or with --all to every process in it.");
			return 0;
		} else {
			sbx_cli_getopt_error(c, argv, "kill", &err);
			return sbx_cli_fail(&err);
		}
	}
	int rest = argc - optind;
	if (rest < 1 || rest > 2) {
		sbx_err_set(&err, EINVAL, rest ? "kill takes an id and a signal" : "a container id is required");
		return sbx_cli_fail(&err);
	}
	int sig = SIGTERM;
	if (rest == 2 && (sig = sbx_signal_parse(argv[optind + 1])) < 0) {
		sbx_err_set(&err, EINVAL, "kill: unknown signal \"%s\"", argv[optind + 1]);
		return sbx_cli_fail(&err);
	}
	struct sbx_container_opts g;
	if (sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 ||
	    sbx_container_kill(&g, argv[optind], sig, all, &err) < 0)
		return sbx_cli_fail(&err);
	return 0;
}

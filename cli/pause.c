/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr pause ID, sbxctr resume ID: the cgroup v2 freezer on a running container. */
#include "cli/global.h"
#include "cli/verbs.h"

#include <stdio.h>

static int freeze_verb(int argc, char **argv, bool pause)
{
	struct sbx_error err = {0};
	struct sbx_container_opts g;
	const char *id = NULL;
	bool help = false;
	if (sbx_cli_id_args(argc, argv, pause ? "pause" : "resume", NULL, &id, &help, &err) < 0)
		return sbx_cli_fail(&err);
	if (help) {
		puts(pause ? "Usage: sbxctr [GLOBAL OPTIONS] pause ID\n\n"
			     "Freezes every process of container ID (its cgroup's cgroup.freeze); its status\n"
			     "becomes \"paused\" until `sbxctr resume ID`."
			   : "Usage: sbxctr [GLOBAL OPTIONS] resume ID\n\nThaws a paused container.");
		return 0;
	}
	if (sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 ||
	    (pause ? sbx_container_pause(&g, id, &err) : sbx_container_resume(&g, id, &err)) < 0)
		return sbx_cli_fail(&err);
	return 0;
}

int sbx_cmd_pause(int argc, char **argv)
{
	return freeze_verb(argc, argv, true);
}

int sbx_cmd_resume(int argc, char **argv)
{
	return freeze_verb(argc, argv, false);
}

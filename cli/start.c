/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr start ID: lets a created container run its process. */
#include "cli/global.h"
#include "cli/verbs.h"
#include "core/cleanup.h"

#include <stdio.h>

int sbx_cmd_start(int argc, char **argv)
{
	struct sbx_error err = {0};
	struct sbx_container_opts g;
	const char *id = NULL;
	bool help = false;
	if (sbx_cli_id_args(argc, argv, "start", NULL, &id, &help, &err) < 0)
		return sbx_cli_fail(&err);
	if (help) {
		puts("Usage: sbxctr [GLOBAL OPTIONS] start ID\n\nLets created container ID run its process.");
		return 0;
	}
	if (sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 || sbx_container_start(&g, id, &err) < 0)
		return sbx_cli_fail(&err);
	return 0;
}


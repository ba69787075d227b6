/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr delete [--force] ID: removes a container. */
#include "cli/global.h"
#include "cli/verbs.h"
#include "core/cleanup.h"

#include <stdio.h>

int sbx_cmd_delete(int argc, char **argv)
{
	struct sbx_error err = {0};
	struct sbx_container_opts g;
	const char *id = NULL;
	bool force = false, help = false;
	if (sbx_cli_id_args(argc, argv, "delete", &force, &id, &help, &err) < 0)
		return sbx_cli_fail(&err);
	if (help) {
		puts("Usage: sbxctr [GLOBAL OPTIONS] delete [-f|--force] ID\n\n"
		     "Removes stopped container ID; --force kills a created or running one first.");
		return 0;
	}
	if (sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 ||
	    sbx_container_delete(&g, id, force, &err) < 0)
		return sbx_cli_fail(&err);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr state ID: the OCI state of a container, as JSON. */
#include "cli/global.h"
#include "cli/verbs.h"
#include "core/cleanup.h"

#include <stdio.h>

int sbx_cmd_state(int argc, char **argv)
{
	struct sbx_error err = {0};
	struct sbx_container_opts g;
	const char *id = NULL;
	bool help = false;
	if (sbx_cli_id_args(argc, argv, "state", NULL, &id, &help, &err) < 0)
		return sbx_cli_fail(&err);
	if (help) {
		puts("Usage: sbxctr [GLOBAL OPTIONS] state ID\n\nPrints the OCI state of container ID as JSON.");
		return 0;
	}
	_cleanup_free_ char *json = NULL;
	if (sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 ||
	    sbx_container_state(&g, id, &json, &err) < 0)
		return sbx_cli_fail(&err);
	printf("%s\n", json);
	return 0;
}


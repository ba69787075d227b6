/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr features: the OCI features document. */
#include "cli/verbs.h"
#include "core/cleanup.h"
#include "oci/features.h"
#include "rootfs/plan.h"

#include <stdio.h>
#include <string.h>

int sbx_cmd_features(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("Usage: sbxctr features\n\nPrints what this runtime supports (runtime-spec features.md) as JSON.");
		return 0;
	}
	_cleanup_free_ char *json = sbx_oci_features_json(sbx_mount_option_names());
	printf("%s\n", json);
	return 0;
}

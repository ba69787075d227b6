/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr list [--format table|json] [--quiet]: the containers under the root. */
#include "cli/global.h"
#include "cli/run.h"
#include "cli/verbs.h"
#include "core/util.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_json(const struct sbx_oci_state *v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		char *one = sbx_oci_state_json(&v[i], false, false);
		json_object_array_add(a, json_tokener_parse(one));
		free(one);
	}
	printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
}

int sbx_cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sbx_error err = {0};
	bool json = false, quiet = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:qh", longopts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "table") == 0 || strcmp(optarg, "json") == 0)) {
			json = strcmp(optarg, "json") == 0;
		} else if (c == 'f') {
			sbx_err_set(&err, EINVAL, "--format: expected table or json, got \"%s\"", optarg);
			return sbx_cli_fail(&err);
		} else if (c == 'q') {
			quiet = true;
		} else if (c == 'h') {
			puts("Usage: sbxctr [GLOBAL OPTIONS] list [-f|--format table|json] [-q|--quiet]\n\n"
			     "Lists the containers under the root (--root), with their status.");
			return 0;
		} else {
			sbx_cli_getopt_error(c, argv, "list", &err);
			return sbx_cli_fail(&err);
		}
	}
	if (optind < argc) {
		sbx_err_set(&err, EINVAL, "list: unexpected argument \"%s\"", argv[optind]);
		return sbx_cli_fail(&err);
	}
	struct sbx_container_opts g;
	struct sbx_oci_state *v = NULL;
	size_t n = 0;
	if (sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 || sbx_container_list(&g, &v, &n, &err) < 0)
		return sbx_cli_fail(&err);
	if (json)
		print_json(v, n);
	else if (!quiet)
		printf("%-20s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	for (size_t i = 0; i < n; i++) {
		if (quiet && !json)
			printf("%s\n", v[i].id);
		else if (!json)
			printf("%-20s %-8d %-10s %-40s %s\n", v[i].id,
			       v[i].status == SBX_OCI_STOPPED ? 0 : (int)v[i].pid, sbx_oci_status_name(v[i].status),
			       v[i].bundle ? v[i].bundle : "", v[i].created ? v[i].created : "");
		sbx_oci_state_clear(&v[i]);
	}
	free(v);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr spec [--rootless] [--bundle DIR]: writes a starter config.json, as runc spec does. */
#include "cli/global.h"
#include "cli/run.h"
#include "cli/verbs.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "oci/spec.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sbx_cmd_spec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rootless", no_argument, NULL, 'r'},
		{"bundle", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sbx_error err = {0};
	bool rootless = false;
	const char *bundle = ".";
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:h", longopts, NULL)) != -1) {
		if (c == 'r') {
			rootless = true;
		} else if (c == 'b') {
			bundle = optarg;
		} else if (c == 'h') {
			puts("Usage: sbxctr spec [--rootless] [-b|--bundle DIR]\n\n"
			     "Writes DIR/config.json (default ./config.json): sh on a terminal in DIR/rootfs, as\n"
			     "`runc spec` writes it; --rootless maps the caller's uid and gid to root in a user\n"
			     "namespace and shares the host's network.");
			return 0;
		} else {
			sbx_cli_getopt_error(c, argv, "spec", &err);
			return sbx_cli_fail(&err);
		}
	}
	if (optind < argc) {
		sbx_err_set(&err, EINVAL, "spec: unexpected argument \"%s\"", argv[optind]);
		return sbx_cli_fail(&err);
	}
	_cleanup_free_ char *path = sbx_xasprintf("%s/config.json", bundle);
	_cleanup_free_ char *text = sbx_oci_spec_json(rootless, (uint32_t)getuid(), (uint32_t)getgid());
	/* never over an existing config, as runc refuses too */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			sbx_err_set(&err, EEXIST, "%s exists already; remove it first", path);
		else
			sbx_err_sys(&err, "%s", path);
		return sbx_cli_fail(&err);
	}
	int r = sbx_write_all(fd, text, strlen(text));
	if (r < 0) {
		sbx_err_errno(&err, r, "%s", path);
		return sbx_cli_fail(&err);
	}
	return 0;
}

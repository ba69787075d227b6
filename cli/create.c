/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr create: set a container up from a bundle; its process waits for `sbxctr start`. */
#include "cli/global.h"
#include "cli/run.h"
#include "cli/verbs.h"
#include "core/log.h"
#include "core/util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: sbxctr [GLOBAL OPTIONS] create [OPTIONS] ID\n"
	"\n"
	"Creates container ID from an OCI bundle: namespaces, mounts, cgroup, hooks up to\n"
	"createContainer; every config error is reported here. Its process keeps this\n"
	"command's stdio and waits for `sbxctr start ID`.\n"
	"\n"
	"  -b, --bundle DIR        the bundle (config.json + rootfs), default .\n"
	"  --pid-file FILE         write the container's pid to FILE (no newline)\n"
	"  --console-socket PATH   unix socket that receives the pty master (process.terminal)\n"
	"  --pidfd-socket PATH     unix socket that receives a pidfd of the container's process\n"
	"  --no-pivot              chroot instead of pivot_root (roots on ramfs)\n"
	"  --no-new-keyring        keep the caller's session keyring\n"
	"  --preserve-fds N        pass fds 3..3+N-1 to the container\n";

int sbx_cmd_create(int argc, char **argv)
{
	enum { O_PID = 256, O_CONSOLE, O_PIDFD, O_NOPIVOT, O_KEYRING, O_PRESERVE };
	static const struct option longopts[] = {
		{"bundle", required_argument, NULL, 'b'},	  {"pid-file", required_argument, NULL, O_PID},
		{"console-socket", required_argument, NULL, O_CONSOLE}, {"pidfd-socket", required_argument, NULL, O_PIDFD},
		{"no-pivot", no_argument, NULL, O_NOPIVOT},	  {"no-new-keyring", no_argument, NULL, O_KEYRING},
		{"preserve-fds", required_argument, NULL, O_PRESERVE}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sbx_create_opts o = {0};
	struct sbx_error err = {0};
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.bundle = optarg;
			break;
		case O_PID:
			o.pid_file = optarg;
			break;
		case O_CONSOLE:
			o.console_socket = optarg;
			break;
		case O_PIDFD:
			o.pidfd_socket = optarg;
			break;
		case O_NOPIVOT:
			o.no_pivot = true;
			break;
		case O_KEYRING:
			o.no_new_keyring = true;
			break;
		case O_PRESERVE:
			if (sbx_parse_int(optarg, &o.preserve_fds) < 0 || o.preserve_fds < 0 || o.preserve_fds > 1024) {
				sbx_err_set(&err, EINVAL, "--preserve-fds: expected 0 to 1024, got \"%s\"", optarg);
				goto fail;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			sbx_cli_getopt_error(c, argv, "create", &err);
			goto fail;
		}
	}
	if (argc - optind != 1) {
		sbx_err_set(&err, EINVAL, argc - optind ? "create takes one container id" : "a container id is required");
		goto fail;
	}
	o.id = argv[optind];
	struct sbx_container_opts g;
	if (sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 || sbx_container_create(&g, &o, &err) < 0)
		goto fail;
	return 0;
fail:
	sbx_log(SBX_LOG_ERROR, "%s", err.msg);
	return SBX_EXIT_FAILURE;
}

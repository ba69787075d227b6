/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr create: set a container up from a bundle; its process waits for `sbxctr start`. */
#include "cli/global.h"
#include "cli/run.h"
#include "cli/verbs.h"
#include "core/log.h"
#include "core/util.h"

#include <getopt.h>
#include <stdbool.h>
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

static const char usage_detached[] =
	"Usage: sbxctr [GLOBAL OPTIONS] run -d|--detach [OPTIONS] ID\n"
	"\n"
	"runc's detached run: `create` then `start` in one call, which returns once the\n"
	"container's process runs (it keeps this command's stdio). A start that fails\n"
	"deletes the container. OPTIONS are create's (see `sbxctr create --help`);\n"
	"--no-subreaper and --keep are accepted for runc's callers and change nothing.\n";

/*
 * create's flags into o; with detached, also `run -d`'s (-d itself, and
 * runc's --no-subreaper and --keep, which have no meaning here: the
 * container's process is never our child after we return). Returns 1 for
 * --help, 0 when o is filled, -errno with err set.
 */
static int parse_create(int argc, char **argv, bool detached, struct sbx_create_opts *o, struct sbx_error *err)
{
	enum { O_PID = 256, O_CONSOLE, O_PIDFD, O_NOPIVOT, O_KEYRING, O_PRESERVE, O_IGNORED };
	static const struct option longopts[] = {
		{"bundle", required_argument, NULL, 'b'},	  {"pid-file", required_argument, NULL, O_PID},
		{"console-socket", required_argument, NULL, O_CONSOLE}, {"pidfd-socket", required_argument, NULL, O_PIDFD},
		{"no-pivot", no_argument, NULL, O_NOPIVOT},	  {"no-new-keyring", no_argument, NULL, O_KEYRING},
		{"preserve-fds", required_argument, NULL, O_PRESERVE}, {"help", no_argument, NULL, 'h'},
		{"detach", no_argument, NULL, 'd'},		  {"no-subreaper", no_argument, NULL, O_IGNORED},
		{"keep", no_argument, NULL, O_IGNORED},		  {NULL, 0, NULL, 0},
	};
	const char *verb = detached ? "run" : "create";
	int c;
	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, detached ? ":b:dh" : ":b:h", longopts, NULL)) != -1) {
		if (!detached && (c == 'd' || c == O_IGNORED))
			c = '?';
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case O_PID:
			o->pid_file = optarg;
			break;
		case O_CONSOLE:
			o->console_socket = optarg;
			break;
		case O_PIDFD:
			o->pidfd_socket = optarg;
			break;
		case O_NOPIVOT:
			o->no_pivot = true;
			break;
		case O_KEYRING:
			o->no_new_keyring = true;
			break;
		case O_PRESERVE:
			if (sbx_parse_int(optarg, &o->preserve_fds) < 0 || o->preserve_fds < 0 || o->preserve_fds > 1024)
				return sbx_err_set(err, EINVAL, "--preserve-fds: expected 0 to 1024, got \"%s\"", optarg);
			break;
		case 'd':
		case O_IGNORED:
			break;
		case 'h':
			fputs(detached ? usage_detached : usage, stdout);
			return 1;
		default:
			return sbx_cli_getopt_error(c, argv, verb, err);
		}
	}
	if (argc - optind != 1)
		return sbx_err_set(err, EINVAL, argc - optind ? "%s takes one container id" : "a container id is required",
				   detached ? "run -d" : "create");
	o->id = argv[optind];
	return 0;
}

int sbx_cmd_create(int argc, char **argv)
{
	struct sbx_create_opts o;
	struct sbx_error err = {0};
	struct sbx_container_opts g;
	int r = parse_create(argc, argv, false, &o, &err);
	if (r > 0)
		return 0;
	if (r < 0 || sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 ||
	    sbx_container_create(&g, &o, &err) < 0)
		return sbx_cli_fail(&err);
	return 0;
}

bool sbx_cli_run_detached(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--detach") == 0)
			return true;
	return false;
}

int sbx_cmd_run_detached(int argc, char **argv)
{
	struct sbx_create_opts o;
	struct sbx_error err = {0};
	struct sbx_container_opts g;
	int r = parse_create(argc, argv, true, &o, &err);
	if (r > 0)
		return 0;
	if (r < 0 || sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 ||
	    sbx_container_create(&g, &o, &err) < 0)
		return sbx_cli_fail(&err);
	if (sbx_container_start(&g, o.id, &err) < 0) {
		/* runc's run -d leaves nothing behind when the start fails */
		struct sbx_error err2 = {0};
		if (sbx_container_delete(&g, o.id, true, &err2) < 0)
			sbx_log(SBX_LOG_WARN, "%s", err2.msg);
		return sbx_cli_fail(&err);
	}
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr: the command-line front end. Parses, dispatches, prints errors, picks exit codes. */
#include "cli/verbs.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

static const char main_usage[] =
	"Usage: sbxctr COMMAND [OPTIONS]\n"
	"\n"
	"A sandbox runtime for untrusted code.\n"
	"\n"
	"Commands:\n"
	"  run       run one program in a sandbox (OCI bundle or --rootfs)\n"
	"  batch     run every job of a JOBS.jsonl file, N at a time, one result line each\n"
	"  serve     the sandbox service: an HTTP/JSON API, a warm pool, sessions, metrics\n"
	"  seccomp   check a seccomp profile, or export the filter run would load\n"
	"\n"
	"  --version print the version\n"
	"  --help    this help; `sbxctr COMMAND --help` for a command\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(main_usage, stderr);
		return SBX_EXIT_FAILURE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("sbxctr %s\n", SBX_VERSION);
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(main_usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "run") == 0)
		return sbx_cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "batch") == 0)
		return sbx_cmd_batch(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return sbx_cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "seccomp") == 0)
		return sbx_cmd_seccomp(argc - 1, argv + 1);
	sbx_log(SBX_LOG_ERROR, "unknown command \"%s\" (see sbxctr --help)", cmd);
	return SBX_EXIT_FAILURE;
}

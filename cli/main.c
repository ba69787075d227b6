/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr: the command-line front end. Parses, dispatches, prints errors, picks exit codes. */
#include "cli/global.h"
#include "cli/verbs.h"
#include "core/log.h"
#include "oci/state.h"

#include <seccomp.h>
#include <stdio.h>
#include <string.h>

static const char main_usage[] =
	"Usage: sbxctr [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
	"\n"
	"A sandbox runtime for untrusted code, and an OCI runtime.\n"
	"\n"
	"Commands:\n"
	"  run       run one program in a sandbox (OCI bundle or --rootfs)\n"
	"  batch     run every job of a JOBS.jsonl file, N at a time, one result line each\n"
	"  serve     the sandbox service: an HTTP/JSON API, a warm pool, sessions, metrics\n"
	"  seccomp   check a seccomp profile, or export the filter run would load\n"
	"\n"
	"OCI lifecycle (runc's command line):\n"
	"  create    set up a container from a bundle; its process waits for start\n"
	"  start     let a created container run its process\n"
	"  state     the OCI state of a container, as JSON\n"
	"  kill      send a signal to a container's process (--all: every process)\n"
	"  delete    remove a stopped container (--force: kill it first)\n"
	"  list      the containers under --root\n"
	"  spec      write a starter config.json\n"
	"  features  what this runtime supports, as the OCI features document\n"
	"  exec      run a process in a running container\n"
	"  ps        the processes of a container\n"
	"  pause     freeze every process of a container (resume: thaw them)\n"
	"  update    write new limits into a running container's cgroup\n"
	"  events    a container's cgroup statistics and OOM kills, as JSON lines\n"
	"\n"
	"Global options (before the command):\n"
	"  --root DIR                 where containers are kept (default /run/sbxctr)\n"
	"  --policy hardened|exact    hardened (default): sbxctr's isolation added to the config;\n"
	"                             exact: config.json as written (also SBXCTR_POLICY, and the\n"
	"                             annotation org.sbxctr.policy per container)\n"
	"  --log FILE                 log there instead of standard error (errors go to both)\n"
	"  --log-format text|json     json: one {\"level\",\"msg\",\"time\"} object a line, as runc\n"
	"  --debug                    log debug messages\n"
	"  --systemd-cgroup, --cgroup-manager cgroupfs|systemd|disabled, --rootless true|false|auto\n"
	"                             accepted for engines; the log says what they did\n"
	"  --version                  print the version\n"
	"  --help                     this help; `sbxctr COMMAND --help` for a command\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} verbs[] = {
	{"run", sbx_cmd_run},	    {"batch", sbx_cmd_batch},	{"serve", sbx_cmd_serve}, {"seccomp", sbx_cmd_seccomp},
	{"create", sbx_cmd_create}, {"start", sbx_cmd_start},	{"state", sbx_cmd_state},
	{"kill", sbx_cmd_kill},	    {"delete", sbx_cmd_delete}, {"list", sbx_cmd_list},
	{"spec", sbx_cmd_spec},	    {"features", sbx_cmd_features}, {"ps", sbx_cmd_ps},
	{"pause", sbx_cmd_pause},   {"resume", sbx_cmd_resume},	{"update", sbx_cmd_update},
	{"events", sbx_cmd_events}, {"exec", sbx_cmd_exec},
};

int main(int argc, char **argv)
{
	struct sbx_globals g;
	struct sbx_error err = {0};
	if (sbx_globals_parse(argc, argv, &g, &err) < 0) {
		sbx_log(SBX_LOG_ERROR, "%s", err.msg);
		sbx_globals_free(&g);
		return SBX_EXIT_FAILURE;
	}
	const char *cmd = g.verb < argc ? argv[g.verb] : NULL;
	if (g.version || (cmd && strcmp(cmd, "version") == 0)) {
		const struct scmp_version *v = seccomp_version();
		printf("sbxctr version %s\nspec: %s\nlibseccomp: %u.%u.%u\n", SBX_VERSION, SBX_OCI_VERSION, v->major,
		       v->minor, v->micro);
		sbx_globals_free(&g);
		return 0;
	}
	if (g.help || (cmd && strcmp(cmd, "help") == 0)) {
		fputs(main_usage, stdout);
		sbx_globals_free(&g);
		return 0;
	}
	if (!cmd) {
		fputs(main_usage, stderr);
		sbx_globals_free(&g);
		return SBX_EXIT_FAILURE;
	}
	if (sbx_globals_apply(&g, &err) < 0) {
		sbx_log(SBX_LOG_ERROR, "%s", err.msg);
		sbx_globals_free(&g);
		return SBX_EXIT_FAILURE;
	}
	sbx_cli_set_globals(&g);
	int code = -1;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(cmd, verbs[i].name) == 0 && verbs[i].fn)
			code = verbs[i].fn(argc - g.verb, argv + g.verb);
	if (code < 0) {
		sbx_log(SBX_LOG_ERROR, "unknown command \"%s\" (see sbxctr --help)", cmd);
		code = SBX_EXIT_FAILURE;
	}
	sbx_cli_set_globals(NULL);
	sbx_log_set_sink(NULL, NULL);
	sbx_globals_free(&g);
	return code;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr exec [OPTIONS] ID [--] CMD [ARGS...]: a process in a running container, with runc's flags. */
#include "cli/global.h"
#include "cli/run.h"
#include "cli/verbs.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: sbxctr [GLOBAL OPTIONS] exec [OPTIONS] ID [--] CMD [ARGS...]\n"
	"       sbxctr [GLOBAL OPTIONS] exec [OPTIONS] --process FILE ID\n"
	"\n"
	"Runs a process in running container ID: in every namespace of its init (its\n"
	"own user and mount namespaces included), in its cgroup, with its capabilities,\n"
	"rlimits, user, cwd, env and seccomp filter unless told otherwise; exits with the\n"
	"process's status (128+N for signal N) unless --detach.\n"
	"\n"
	"  -p, --process FILE       an OCI process object (args, env, cwd, user, capabilities,\n"
	"                           rlimits, noNewPrivileges, terminal)\n"
	"  -e, --env KEY=VALUE      set an environment variable (repeatable)\n"
	"  --cwd DIR                working directory\n"
	"  -u, --user UID[:GID]     numeric user and group\n"
	"  -g, --additional-gids N  supplementary group (repeatable)\n"
	"  -c, --cap CAP            add a capability to every set (repeatable)\n"
	"  --no-new-privs           set no_new_privs (always under the hardened policy)\n"
	"  -t, --tty                a terminal from the container's devpts (needs --console-socket)\n"
	"  --console-socket PATH    unix socket that receives the terminal's master\n"
	"  --pidfd-socket PATH      unix socket that receives a pidfd of the process\n"
	"  -d, --detach             return once the process runs (its subreaper reaps it)\n"
	"  --pid-file FILE          write the process's pid to FILE (no newline)\n"
	"  --preserve-fds N         pass fds 3..3+N-1 to the process\n"
	"  --apparmor, --process-label, --cgroup, --ignore-paused\n"
	"                           accepted for runc's callers and ignored (logged)\n";

struct exec_args {
	struct sbx_exec_opts o;
	char **env, **caps;
	uint32_t *gids;
	bool help;
};

static void exec_args_free(struct exec_args *a)
{
	sbx_strv_free(a->env);
	sbx_strv_free(a->caps);
	free(a->gids);
}

static int parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v;
	if (sbx_parse_u64(s, &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_exec(int argc, char **argv, struct exec_args *a, struct sbx_error *err)
{
	enum { X_CONSOLE = 256, X_PIDFD, X_PIDFILE, X_NNP, X_PRESERVE, X_CWD, X_IGNORED, X_IGNORED_FLAG };
	static const struct option longopts[] = {
		{"process", required_argument, NULL, 'p'},
		{"env", required_argument, NULL, 'e'},
		{"cwd", required_argument, NULL, X_CWD},
		{"user", required_argument, NULL, 'u'},
		{"additional-gids", required_argument, NULL, 'g'},
		{"cap", required_argument, NULL, 'c'},
		{"no-new-privs", no_argument, NULL, X_NNP},
		{"tty", no_argument, NULL, 't'},
		{"console-socket", required_argument, NULL, X_CONSOLE},
		{"pidfd-socket", required_argument, NULL, X_PIDFD},
		{"detach", no_argument, NULL, 'd'},
		{"pid-file", required_argument, NULL, X_PIDFILE},
		{"preserve-fds", required_argument, NULL, X_PRESERVE},
		{"apparmor", required_argument, NULL, X_IGNORED},
		{"process-label", required_argument, NULL, X_IGNORED},
		{"cgroup", required_argument, NULL, X_IGNORED},
		{"ignore-paused", no_argument, NULL, X_IGNORED_FLAG},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sbx_exec_opts *o = &a->o;
	size_t ngids = 0;
	int c, idx;
	optind = 0;
	opterr = 0;
	/* "+": the command's own options after the id are its, not ours */
	while ((c = getopt_long(argc, argv, "+:p:e:u:g:c:tdh", longopts, &idx)) != -1) {
		switch (c) {
		case 'p':
			o->process_file = optarg;
			break;
		case 'e':
			sbx_strv_push(&a->env, optarg);
			break;
		case X_CWD:
			o->cwd = optarg;
			break;
		case 'u': {
			if (!optarg) /* getopt guarantees one; the analyzer cannot see it */
				return sbx_err_set(err, EINVAL, "exec: --user needs a value");
			char *colon = strchr(optarg, ':');
			if (colon)
				*colon = '\0';
			if (parse_u32(optarg, &o->uid) < 0 || (colon && parse_u32(colon + 1, &o->gid) < 0))
				return sbx_err_set(err, EINVAL, "exec: --user: expected UID[:GID] (numbers), got \"%s%s%s\"",
						   optarg, colon ? ":" : "", colon ? colon + 1 : "");
			o->has_user = true;
			break;
		}
		case 'g':
			a->gids = sbx_xrealloc(a->gids, (ngids + 1) * sizeof(*a->gids));
			if (parse_u32(optarg, &a->gids[ngids]) < 0)
				return sbx_err_set(err, EINVAL, "exec: --additional-gids: expected a number, got \"%s\"", optarg);
			ngids++;
			break;
		case 'c':
			sbx_strv_push(&a->caps, optarg);
			break;
		case X_NNP:
			o->no_new_privs = true;
			break;
		case 't':
			o->tty = true;
			break;
		case X_CONSOLE:
			o->console_socket = optarg;
			break;
		case X_PIDFD:
			o->pidfd_socket = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case X_PIDFILE:
			o->pid_file = optarg;
			break;
		case X_PRESERVE:
			if (sbx_parse_int(optarg, &o->preserve_fds) < 0 || o->preserve_fds < 0 || o->preserve_fds > 1024)
				return sbx_err_set(err, EINVAL, "exec: --preserve-fds: expected 0 to 1024, got \"%s\"", optarg);
			break;
		case X_IGNORED:
		case X_IGNORED_FLAG:
			sbx_log(SBX_LOG_INFO, "exec: --%s%s%s: accepted and ignored", longopts[idx].name,
				optarg ? " " : "", optarg ? optarg : "");
			break;
		case 'h':
			a->help = true;
			return 0;
		default:
			return sbx_cli_getopt_error(c, argv, "exec", err);
		}
	}
	if (optind >= argc)
		return sbx_err_set(err, EINVAL, "a container id is required");
	o->id = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (o->process_file && optind < argc)
		return sbx_err_set(err, EINVAL, "exec: --process and a command are exclusive");
	if (!o->process_file && optind >= argc)
		return sbx_err_set(err, EINVAL, "exec: no command given (exec ID -- CMD ARGS, or --process FILE)");
	o->argv = argv + optind;
	o->env = a->env;
	o->caps = a->caps;
	o->additional_gids = a->gids;
	o->n_additional_gids = ngids;
	return 0;
}

int sbx_cmd_exec(int argc, char **argv)
{
	struct sbx_error err = {0};
	struct exec_args a = {0};
	int r = parse_exec(argc, argv, &a, &err);
	if (r == 0 && a.help) {
		fputs(usage, stdout);
		exec_args_free(&a);
		return 0;
	}
	struct sbx_container_opts g;
	int status = 0;
	if (r == 0 && (r = sbx_globals_container_opts(sbx_cli_globals(), &g, &err)) == 0)
		r = sbx_container_exec(&g, &a.o, &status, &err);
	exec_args_free(&a);
	if (r < 0) {
		sbx_log(SBX_LOG_ERROR, "%s", err.msg);
		return sbx_err_exit_status(&err);
	}
	return status;
}

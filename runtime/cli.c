/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/cli.h"
#include "runtime/cleanup.h"
#include "runtime/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char sbx_run_usage[] =
	"Usage: sbxctr run [OPTIONS] [--bundle DIR | DIR] [ID]\n"
	"       sbxctr run [OPTIONS] --rootfs DIR -- CMD [ARGS...]\n"
	"\n"
	"Runs one program in a sandbox: new user, pid, mount, network, ipc, uts and\n"
	"cgroup namespaces, a read-only root, no capabilities, no_new_privs.\n"
	"\n"
	"  --bundle DIR         OCI bundle (config.json + rootfs)\n"
	"  --rootfs DIR         run CMD in DIR with the built-in default config\n"
	"  --workdir PATH       tmpfs work directory, the program's cwd (default /work)\n"
	"  --workdir-size SIZE  its size cap, e.g. 64M (default 64M)\n"
	"  --env K=V            set an environment variable (repeatable)\n"
	"  --hostname NAME      host name inside the sandbox (default sbxctr)\n"
	"  --preserve-fds N     pass fds 3..3+N-1 to the program\n"
	"  --init               run a minimal reaping init as pid 1\n"
	"  --report FILE        write a JSON report of the run to FILE\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: the program's; 128+N if it was killed by signal N;\n"
	"125 if sbxctr failed; 126 if CMD cannot be executed; 127 if not found.\n";

void sbx_run_opts_free(struct sbx_run_opts *o)
{
	free(o->bundle);
	free(o->rootfs);
	free(o->id);
	sbx_strv_free(o->argv);
	free(o->workdir);
	sbx_strv_free(o->env);
	free(o->hostname);
	free(o->report);
	memset(o, 0, sizeof(*o));
}

enum {
	OPT_BUNDLE = 256,
	OPT_ROOTFS,
	OPT_WORKDIR,
	OPT_WORKDIR_SIZE,
	OPT_ENV,
	OPT_HOSTNAME,
	OPT_PRESERVE_FDS,
	OPT_INIT,
	OPT_REPORT,
};

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = sbx_xstrdup(v);
}

static bool valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return false;
	return id[strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")] == '\0' &&
	       id[0] != '.' && id[0] != '-';
}

int sbx_cli_parse_run(int argc, char **argv, struct sbx_run_opts *o, struct sbx_error *err)
{
	static const struct option longopts[] = {
		{"bundle", required_argument, NULL, OPT_BUNDLE},
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"workdir", required_argument, NULL, OPT_WORKDIR},
		{"workdir-size", required_argument, NULL, OPT_WORKDIR_SIZE},
		{"env", required_argument, NULL, OPT_ENV},
		{"hostname", required_argument, NULL, OPT_HOSTNAME},
		{"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
		{"init", no_argument, NULL, OPT_INIT},
		{"report", required_argument, NULL, OPT_REPORT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	/* "+": stop at the first non-option, so CMD's own flags are never ours; ":": report missing values */
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_BUNDLE:
			set_str(&o->bundle, optarg);
			break;
		case OPT_ROOTFS:
			set_str(&o->rootfs, optarg);
			break;
		case OPT_WORKDIR:
			if (optarg[0] != '/' || strcmp(optarg, "/") == 0 || strstr(optarg, ".."))
				return sbx_err_set(err, EINVAL, "--workdir: \"%s\" must be an absolute path below /",
						   optarg);
			set_str(&o->workdir, optarg);
			break;
		case OPT_WORKDIR_SIZE:
			if (sbx_parse_size(optarg, &o->workdir_size) < 0 || o->workdir_size < 4096)
				return sbx_err_set(err, EINVAL,
						   "--workdir-size: invalid size \"%s\" (e.g. 64M; at least 4k)", optarg);
			o->has_workdir_size = true;
			break;
		case OPT_ENV:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return sbx_err_set(err, EINVAL, "--env: expected KEY=VALUE, got \"%s\"", optarg);
			sbx_strv_push(&o->env, optarg);
			break;
		case OPT_HOSTNAME:
			if (!*optarg || strlen(optarg) > 64 || strchr(optarg, '/'))
				return sbx_err_set(err, EINVAL, "--hostname: invalid host name \"%s\"", optarg);
			set_str(&o->hostname, optarg);
			break;
		case OPT_PRESERVE_FDS:
			if (sbx_parse_int(optarg, &o->preserve_fds) < 0 || o->preserve_fds < 0 ||
			    o->preserve_fds > 1024)
				return sbx_err_set(err, EINVAL, "--preserve-fds: expected 0 to 1024, got \"%s\"",
						   optarg);
			break;
		case OPT_INIT:
			o->init = true;
			break;
		case OPT_REPORT:
			set_str(&o->report, optarg);
			break;
		case 'h':
			o->help = true;
			return 0;
		case ':':
			return sbx_err_set(err, EINVAL, "%s: missing value", argv[optind - 1]);
		case '?':
		default:
			if (optopt)
				return sbx_err_set(err, EINVAL, "unknown option -%c (see sbxctr run --help)", optopt);
			return sbx_err_set(err, EINVAL, "unknown option %s (see sbxctr run --help)",
					   argv[optind - 1]);
		}
	}
	bool dashdash = optind > 0 && optind <= argc && strcmp(argv[optind - 1], "--") == 0;
	if (o->rootfs) {
		if (o->bundle)
			return sbx_err_set(err, EINVAL, "--rootfs and --bundle exclude each other");
		if (optind >= argc)
			return sbx_err_set(err, EINVAL, "--rootfs needs a command: sbxctr run --rootfs DIR -- CMD");
		o->argv = sbx_strv_copy(argv + optind);
		return 0;
	}
	if (dashdash)
		return sbx_err_set(err, EINVAL, "a command after \"--\" needs --rootfs (a bundle names its "
				   "own process.args)");
	int rest = argc - optind;
	if (!o->bundle && rest > 0) {
		set_str(&o->bundle, argv[optind++]);
		rest--;
	}
	if (rest > 0) {
		set_str(&o->id, argv[optind++]);
		rest--;
		if (!valid_id(o->id))
			return sbx_err_set(err, EINVAL, "invalid sandbox id \"%s\" (1-64 of [A-Za-z0-9_.-])", o->id);
	}
	if (rest > 0)
		return sbx_err_set(err, EINVAL, "unexpected argument \"%s\"", argv[optind]);
	if (!o->bundle)
		set_str(&o->bundle, ".");
	return 0;
}

int sbx_cli_build_config(const struct sbx_run_opts *o, struct sbx_config **ret, struct sbx_error *err)
{
	_cleanup_(sbx_config_freep) struct sbx_config *c = NULL;
	int r;
	if (o->rootfs)
		r = sbx_config_default(o->rootfs, o->argv, &c, err);
	else
		r = sbx_config_load_bundle(o->bundle, &c, err);
	if (r < 0)
		return r;
	if (o->workdir) {
		set_str(&c->workdir.path, o->workdir);
		/* the default config's cwd follows its workdir */
		if (o->rootfs)
			set_str(&c->process.cwd, o->workdir);
	}
	if (o->has_workdir_size) {
		c->workdir.size = o->workdir_size;
		if (!c->workdir.path)
			return sbx_err_set(err, EINVAL, "--workdir-size: the bundle has no workdir (add --workdir)");
	}
	for (size_t i = 0; o->env && o->env[i]; i++)
		sbx_config_setenv(c, o->env[i]);
	if (o->hostname) {
		set_str(&c->hostname, o->hostname);
		if (!c->ns[SBX_NS_UTS].enabled)
			return sbx_err_set(err, EINVAL, "--hostname: the config has no uts namespace");
	}
	c->preserve_fds = o->preserve_fds;
	if (o->init)
		c->init = true;
	r = sbx_config_validate(c, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

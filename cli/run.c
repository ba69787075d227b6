/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/run.h"
#include "cli/global.h"
#include "oci/policy.h"
#include "oci/state.h"
#include "runtime/bundle.h"
#include "runtime/hooks.h"
#include "cli/verbs.h"
#include "core/log.h"
#include "runtime/report.h"
#include "runtime/sandbox.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "runtime/workdir.h"
#include "cgroups/limits.h"

#include <sys/resource.h>

#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <sys/signalfd.h>
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
	"  -t, --tty            give the program a terminal (process.terminal), relayed to\n"
	"                       this one in raw mode, window size included\n"
	"  --seccomp PROFILE    a Docker/OCI seccomp profile file, or default (the built-in\n"
	"                       default's), compute-only, unconfined\n"
	"  --report FILE        write a JSON report of the run to FILE\n"
	"  --meta FILE          write an isolate-style key:value report to FILE\n"
	"\n"
	"Limits:\n"
	"  --time SEC           CPU time of the whole process tree (e.g. 1.5, 300ms)\n"
	"  --wall-time SEC      wall-clock time\n"
	"  --output-limit SIZE  bytes per output stream; more ends the run (reason output)\n"
	"  --fsize SIZE         largest file the program may write (RLIMIT_FSIZE)\n"
	"  --nofile N           open files (RLIMIT_NOFILE)\n"
	"  --stack SIZE         stack size (RLIMIT_STACK)\n"
	"  --memory SIZE        memory limit (cgroup memory.max; swap is 0 unless --memory-swap)\n"
	"  --memory-swap SIZE   swap the sandbox may use besides --memory (memory.swap.max)\n"
	"  --memory-high SIZE   throttling threshold (memory.high)\n"
	"  --cpus N             CPU bandwidth, e.g. 0.5 or 2 (cpu.max)\n"
	"  --cpu-weight N       relative CPU weight, 1 to 10000 (cpu.weight)\n"
	"  --cpuset LIST        CPUs the sandbox may run on, e.g. 0-1,3 (cpuset.cpus)\n"
	"  --pids N             process and thread limit (pids.max)\n"
	"  --cgroups MODE       auto (default: a limit whose controller is missing is an\n"
	"                       error), required, best-effort (rlimit fallbacks), off\n"
	"  --cgroup-parent PATH parent cgroup (\"/a/b\" from the root, \"a/b\" below sbxctr's own)\n"
	"\n"
	"Files:\n"
	"  --stdin FILE         the program's stdin (default: inherited)\n"
	"  --stdout FILE        the program's stdout\n"
	"  --stderr FILE        the program's stderr\n"
	"  --stderr-to-stdout   merge stderr into stdout\n"
	"  --copy-in HOST:PATH  copy a host file or tree into the workdir before the run\n"
	"  --copy-out PATH:HOST copy a regular file out of the workdir after the run\n"
	"  --copy-out-max SIZE  size cap for each copied-out file (default: the workdir size)\n"
	"\n"
	"Network:\n"
	"  --net MODE           none (default: only lo), veth (eth0 paired with a host end), host\n"
	"  --net-ip CIDR        eth0's IPv4 address (default: a private /30 per sandbox)\n"
	"  --net-host-ip CIDR   the host end's address, the sandbox's gateway\n"
	"  --net-ip6 CIDR       an IPv6 address for eth0 (with --net-host-ip6)\n"
	"  --net-host-ip6 CIDR  the host end's IPv6 address\n"
	"  --net-host-name NAME the host end's interface name (default sbx<slot>h)\n"
	"  --net-rate-out RATE  the sandbox's egress rate, as tc spells it (8mbit, 1mbps)\n"
	"  --net-rate-in RATE   the sandbox's ingress rate\n"
	"  --net-burst SIZE     bucket size for both limits (default: 5 ms at the rate)\n"
	"  --net-latency TIME   queueing latency for both limits (default 50ms)\n"
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
	free(o->meta);
	free(o->seccomp);
	free(o->cgroup_parent);
	free(o->res.cpuset_cpus);
	free(o->stdin_path);
	free(o->stdout_path);
	free(o->stderr_path);
	for (size_t i = 0; i < o->n_copy_in; i++) {
		free(o->copy_in[i].host);
		free(o->copy_in[i].sandbox);
	}
	free(o->copy_in);
	for (size_t i = 0; i < o->n_copy_out; i++) {
		free(o->copy_out[i].host);
		free(o->copy_out[i].sandbox);
	}
	free(o->copy_out);
	char **net[] = {&o->net.mode, &o->net.ip, &o->net.host_ip, &o->net.ip6, &o->net.host_ip6,
			&o->net.host_name, &o->net.rate_out, &o->net.rate_in, &o->net.burst, &o->net.latency};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(net); i++)
		free(*net[i]);
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
	OPT_META,
	OPT_TIME,
	OPT_WALL_TIME,
	OPT_OUTPUT_LIMIT,
	OPT_FSIZE,
	OPT_NOFILE,
	OPT_STACK,
	OPT_STDIN,
	OPT_STDOUT,
	OPT_STDERR,
	OPT_STDERR_TO_STDOUT,
	OPT_COPY_IN,
	OPT_COPY_OUT,
	OPT_COPY_OUT_MAX,
	OPT_SECCOMP,
	OPT_MEMORY,
	OPT_MEMORY_SWAP,
	OPT_MEMORY_HIGH,
	OPT_CPUS,
	OPT_CPU_WEIGHT,
	OPT_CPUSET,
	OPT_PIDS,
	OPT_CGROUPS,
	OPT_CGROUP_PARENT,
	OPT_NET, /* the --net* flags follow, in net_flags[] order */
	OPT_NET_IP,
	OPT_NET_HOST_IP,
	OPT_NET_IP6,
	OPT_NET_HOST_IP6,
	OPT_NET_HOST_NAME,
	OPT_NET_RATE_OUT,
	OPT_NET_RATE_IN,
	OPT_NET_BURST,
	OPT_NET_LATENCY,
	OPT_TTY,
};

/* --net* flags are strings validated by netns/ (sbx_net_plan_build): this table maps them. */
static char **net_flag(struct sbx_net_spec *n, int opt)
{
	char **slots[] = {&n->mode,	 &n->ip,       &n->host_ip,  &n->ip6,	&n->host_ip6,
			  &n->host_name, &n->rate_out, &n->rate_in, &n->burst, &n->latency};
	return slots[opt - OPT_NET];
}

/* Flags that take a size ("64M") and their error wording. */
static int opt_size(const char *flag, const char *v, uint64_t *ret, struct sbx_error *err)
{
	int r = sbx_parse_size(v, ret);
	if (r < 0)
		return sbx_err_set(err, EINVAL, "%s: invalid size \"%s\" (e.g. 4096, 64k, 256M, 1G)", flag, v);
	return 0;
}

static int opt_seconds(const char *flag, const char *v, uint64_t *ret, struct sbx_error *err)
{
	int r = sbx_parse_seconds_us(v, ret);
	if (r < 0 || *ret == 0)
		return sbx_err_set(err, EINVAL, "%s: invalid time \"%s\" (seconds, e.g. 2, 0.5, 300ms)", flag, v);
	return 0;
}

static void push_copy(struct sbx_copy **v, size_t *n, const struct sbx_copy *c)
{
	*v = sbx_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = *c;
}

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

int sbx_cli_getopt_error(int c, char **argv, const char *verb, struct sbx_error *err)
{
	if (c == ':')
		return sbx_err_set(err, EINVAL, "%s: missing value", argv[optind - 1]);
	if (optopt)
		return sbx_err_set(err, EINVAL, "unknown option -%c (see sbxctr %s --help)", optopt, verb);
	return sbx_err_set(err, EINVAL, "unknown option %s (see sbxctr %s --help)", argv[optind - 1], verb);
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
		{"meta", required_argument, NULL, OPT_META},
		{"time", required_argument, NULL, OPT_TIME},
		{"wall-time", required_argument, NULL, OPT_WALL_TIME},
		{"output-limit", required_argument, NULL, OPT_OUTPUT_LIMIT},
		{"fsize", required_argument, NULL, OPT_FSIZE},
		{"nofile", required_argument, NULL, OPT_NOFILE},
		{"stack", required_argument, NULL, OPT_STACK},
		{"stdin", required_argument, NULL, OPT_STDIN},
		{"stdout", required_argument, NULL, OPT_STDOUT},
		{"stderr", required_argument, NULL, OPT_STDERR},
		{"stderr-to-stdout", no_argument, NULL, OPT_STDERR_TO_STDOUT},
		{"copy-in", required_argument, NULL, OPT_COPY_IN},
		{"copy-out", required_argument, NULL, OPT_COPY_OUT},
		{"copy-out-max", required_argument, NULL, OPT_COPY_OUT_MAX},
		{"seccomp", required_argument, NULL, OPT_SECCOMP},
		{"memory", required_argument, NULL, OPT_MEMORY},
		{"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
		{"memory-high", required_argument, NULL, OPT_MEMORY_HIGH},
		{"cpus", required_argument, NULL, OPT_CPUS},
		{"cpu-weight", required_argument, NULL, OPT_CPU_WEIGHT},
		{"cpuset", required_argument, NULL, OPT_CPUSET},
		{"pids", required_argument, NULL, OPT_PIDS},
		{"cgroups", required_argument, NULL, OPT_CGROUPS},
		{"cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT},
		{"net", required_argument, NULL, OPT_NET},
		{"net-ip", required_argument, NULL, OPT_NET_IP},
		{"net-host-ip", required_argument, NULL, OPT_NET_HOST_IP},
		{"net-ip6", required_argument, NULL, OPT_NET_IP6},
		{"net-host-ip6", required_argument, NULL, OPT_NET_HOST_IP6},
		{"net-host-name", required_argument, NULL, OPT_NET_HOST_NAME},
		{"net-rate-out", required_argument, NULL, OPT_NET_RATE_OUT},
		{"net-rate-in", required_argument, NULL, OPT_NET_RATE_IN},
		{"net-burst", required_argument, NULL, OPT_NET_BURST},
		{"net-latency", required_argument, NULL, OPT_NET_LATENCY},
		{"tty", no_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	/* "+": stop at the first non-option, so CMD's own flags are never ours; ":": report missing values */
	optind = 0;
	opterr = 0;
	int c, r;
	while ((c = getopt_long(argc, argv, "+:ht", longopts, NULL)) != -1) {
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
		case OPT_META:
			set_str(&o->meta, optarg);
			break;
		case OPT_TIME:
			if ((r = opt_seconds("--time", optarg, &o->time_us, err)) < 0)
				return r;
			break;
		case OPT_WALL_TIME:
			if ((r = opt_seconds("--wall-time", optarg, &o->wall_time_us, err)) < 0)
				return r;
			break;
		case OPT_OUTPUT_LIMIT:
			if ((r = opt_size("--output-limit", optarg, &o->output_limit, err)) < 0)
				return r;
			o->has_output_limit = true;
			break;
		case OPT_FSIZE:
			if ((r = opt_size("--fsize", optarg, &o->fsize, err)) < 0)
				return r;
			o->has_fsize = true;
			break;
		case OPT_NOFILE:
			if (sbx_parse_u64(optarg, &o->nofile) < 0 || o->nofile == 0 || o->nofile > (1 << 20))
				return sbx_err_set(err, EINVAL, "--nofile: expected 1 to 1048576, got \"%s\"", optarg);
			o->has_nofile = true;
			break;
		case OPT_STACK:
			if ((r = opt_size("--stack", optarg, &o->stack, err)) < 0)
				return r;
			o->has_stack = true;
			break;
		case OPT_STDIN:
			set_str(&o->stdin_path, optarg);
			break;
		case OPT_STDOUT:
			set_str(&o->stdout_path, optarg);
			break;
		case OPT_STDERR:
			set_str(&o->stderr_path, optarg);
			break;
		case OPT_STDERR_TO_STDOUT:
			o->stderr_to_stdout = true;
			break;
		case OPT_COPY_IN:
		case OPT_COPY_OUT: {
			struct sbx_copy cp = {0};
			if ((r = sbx_copy_parse(optarg, c == OPT_COPY_OUT, &cp, err)) < 0)
				return r;
			if (c == OPT_COPY_OUT)
				push_copy(&o->copy_out, &o->n_copy_out, &cp);
			else
				push_copy(&o->copy_in, &o->n_copy_in, &cp);
			break;
		}
		case OPT_COPY_OUT_MAX:
			if ((r = opt_size("--copy-out-max", optarg, &o->copy_out_max, err)) < 0)
				return r;
			break;
		case OPT_SECCOMP:
			set_str(&o->seccomp, optarg);
			break;
		case OPT_MEMORY:
		case OPT_MEMORY_SWAP:
		case OPT_MEMORY_HIGH: {
			static const char *const names[] = {"--memory", "--memory-swap", "--memory-high"};
			uint64_t v;
			if ((r = opt_size(names[c - OPT_MEMORY], optarg, &v, err)) < 0)
				return r;
			if (v > INT64_MAX)
				return sbx_err_set(err, ERANGE, "%s: \"%s\" is too large", names[c - OPT_MEMORY], optarg);
			if (c == OPT_MEMORY)
				o->res.has_memory_limit = true, o->res.memory_limit = (int64_t)v;
			else if (c == OPT_MEMORY_SWAP)
				o->res.has_swap_max = true, o->res.swap_max = (int64_t)v;
			else
				o->res.has_memory_high = true, o->res.memory_high = (int64_t)v;
			break;
		}
		case OPT_CPUS: {
			/* decimal CPUs as a quota per 100 ms period: 0.5 -> 50000/100000 */
			uint64_t micro;
			if (sbx_parse_seconds_us(optarg, &micro) < 0 || micro < 10000 || strpbrk(optarg, "smu"))
				return sbx_err_set(err, EINVAL, "--cpus: expected a number of CPUs of at least 0.01, got "
						   "\"%s\"", optarg);
			o->res.has_cpu_quota = o->res.has_cpu_period = true;
			o->res.cpu_quota = (int64_t)(micro / 10);
			o->res.cpu_period = 100000;
			break;
		}
		case OPT_CPU_WEIGHT:
			if (sbx_parse_u64(optarg, &o->res.cpu_weight) < 0 || o->res.cpu_weight < 1 ||
			    o->res.cpu_weight > 10000)
				return sbx_err_set(err, EINVAL, "--cpu-weight: expected 1 to 10000, got \"%s\"", optarg);
			o->res.has_cpu_weight = true;
			break;
		case OPT_CPUSET:
			set_str(&o->res.cpuset_cpus, optarg);
			break;
		case OPT_PIDS: {
			uint64_t v;
			if (sbx_parse_u64(optarg, &v) < 0 || v == 0 || v > INT32_MAX)
				return sbx_err_set(err, EINVAL, "--pids: expected a positive number, got \"%s\"", optarg);
			o->res.has_pids_limit = true;
			o->res.pids_limit = (int64_t)v;
			break;
		}
		case OPT_CGROUPS: {
			enum sbx_cgroup_mode m;
			if (sbx_cgroup_mode_parse(optarg, &m) < 0)
				return sbx_err_set(err, EINVAL,
						   "--cgroups: expected auto, required, best-effort or off, got \"%s\"", optarg);
			o->has_cgroup_mode = true;
			o->cgroup_mode = (int)m;
			break;
		}
		case OPT_CGROUP_PARENT:
			set_str(&o->cgroup_parent, optarg);
			break;
		case OPT_NET:
		case OPT_NET_IP:
		case OPT_NET_HOST_IP:
		case OPT_NET_IP6:
		case OPT_NET_HOST_IP6:
		case OPT_NET_HOST_NAME:
		case OPT_NET_RATE_OUT:
		case OPT_NET_RATE_IN:
		case OPT_NET_BURST:
		case OPT_NET_LATENCY:
			set_str(net_flag(&o->net, c), optarg);
			break;
		case 't':
			o->tty = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			return sbx_cli_getopt_error(c, argv, "run", err);
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
	enum sbx_policy policy;
	if ((r = sbx_policy_for(c, (enum sbx_policy)o->policy, &policy, err)) < 0 ||
	    (r = sbx_config_apply_policy(c, policy, err)) < 0)
		return r;
	if (o->tty)
		c->process.terminal = true;
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
	if (o->seccomp && (r = sbx_config_set_seccomp(c, o->seccomp, err)) < 0)
		return r;
	/* limit flags override linux.resources field by field */
	struct sbx_resources *res = &c->resources;
	const struct sbx_resources *f = &o->res;
	if (f->has_memory_limit)
		res->has_memory_limit = true, res->memory_limit = f->memory_limit;
	if (f->has_swap_max)
		res->has_swap_max = true, res->swap_max = f->swap_max, res->has_memory_swap = false;
	if (f->has_memory_high)
		res->has_memory_high = true, res->memory_high = f->memory_high;
	if (f->has_cpu_quota) {
		res->has_cpu_quota = res->has_cpu_period = true;
		res->cpu_quota = f->cpu_quota;
		res->cpu_period = f->cpu_period;
	}
	if (f->has_cpu_weight)
		res->has_cpu_weight = true, res->cpu_weight = f->cpu_weight;
	if (f->cpuset_cpus)
		set_str(&res->cpuset_cpus, f->cpuset_cpus);
	if (f->has_pids_limit)
		res->has_pids_limit = true, res->pids_limit = f->pids_limit;
	if (o->has_cgroup_mode)
		c->cgroup_mode = o->cgroup_mode;
	if (o->cgroup_parent)
		set_str(&c->cgroup_parent, o->cgroup_parent);
	if (o->time_us)
		c->limits.cpu_time_us = o->time_us;
	if (o->wall_time_us)
		c->limits.wall_time_us = o->wall_time_us;
	if (o->has_output_limit) {
		c->limits.has_output_limit = true;
		c->limits.output_limit = o->output_limit;
		c->io.capture = true;
	}
	if (o->has_fsize)
		sbx_config_set_rlimit(c, RLIMIT_FSIZE, o->fsize, o->fsize);
	if (o->has_nofile)
		sbx_config_set_rlimit(c, RLIMIT_NOFILE, o->nofile, o->nofile);
	if (o->has_stack)
		sbx_config_set_rlimit(c, RLIMIT_STACK, o->stack, o->stack);
	if (o->stdin_path)
		set_str(&c->io.stdin_path, o->stdin_path);
	else
		c->io.inherit_stdin = true;
	if (o->stdout_path)
		set_str(&c->io.stdout_path, o->stdout_path);
	if (o->stderr_path)
		set_str(&c->io.stderr_path, o->stderr_path);
	if (o->stderr_to_stdout && o->stderr_path)
		return sbx_err_set(err, EINVAL, "--stderr and --stderr-to-stdout exclude each other");
	c->io.stderr_to_stdout = o->stderr_to_stdout;
	if ((o->n_copy_in || o->n_copy_out) && !c->workdir.path)
		return sbx_err_set(err, EINVAL, "--copy-in/--copy-out need a workdir (add --workdir)");
	for (size_t i = 0; i < o->n_copy_in; i++) {
		struct sbx_copy cp = {sbx_xstrdup(o->copy_in[i].host), sbx_xstrdup(o->copy_in[i].sandbox)};
		push_copy(&c->io.copy_in, &c->io.n_copy_in, &cp);
	}
	for (size_t i = 0; i < o->n_copy_out; i++) {
		struct sbx_copy cp = {sbx_xstrdup(o->copy_out[i].host), sbx_xstrdup(o->copy_out[i].sandbox)};
		push_copy(&c->io.copy_out, &c->io.n_copy_out, &cp);
	}
	c->io.copy_out_max = o->copy_out_max;
	for (int opt = OPT_NET; opt <= OPT_NET_LATENCY; opt++) {
		char **src = net_flag((struct sbx_net_spec *)&o->net, opt);
		if (*src)
			set_str(net_flag(&c->net, opt), *src);
	}
	r = sbx_config_validate(c, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

/* --- the verb --------------------------------------------------------------- */

static int exit_code_for(const struct sbx_error *err)
{
	switch (err->kind) {
	case SBX_ERRK_EXEC_NOENT:
		return 127;
	case SBX_ERRK_EXEC_PERM:
		return 126;
	default:
		return SBX_EXIT_FAILURE;
	}
}

/* Internal errors get a report too, so that a grader never mistakes them for the program's. */
static void report_internal(const struct sbx_run_opts *o, const struct sbx_config *cfg, const struct sbx_error *e)
{
	struct sbx_result res = {.reason = SBX_REASON_INTERNAL, .error = *e};
	struct sbx_error err2 = {0};
	if (o->report && sbx_report_write(o->report, cfg, &res, &err2) < 0)
		sbx_log(SBX_LOG_ERROR, "%s", err2.msg);
	if (o->meta && sbx_meta_write(o->meta, &res, &err2) < 0)
		sbx_log(SBX_LOG_ERROR, "%s", err2.msg);
}

/* The prestart and createRuntime hooks, run from here between the child's mounts and its pivot_root. */
static int run_prepivot(void *userdata, pid_t pid, struct sbx_error *err)
{
	const struct sbx_config *cfg = userdata;
	_cleanup_free_ char *st = sbx_hooks_state(cfg, NULL, pid, SBX_OCI_CREATED);
	int r = sbx_hooks_run(&cfg->hooks[SBX_HOOK_PRESTART], SBX_HOOK_PRESTART, st, err);
	if (r == 0)
		r = sbx_hooks_run(&cfg->hooks[SBX_HOOK_CREATE_RUNTIME], SBX_HOOK_CREATE_RUNTIME, st, err);
	return r;
}

static bool has_hooks(const struct sbx_config *cfg)
{
	return cfg->hooks[SBX_HOOK_PRESTART].n || cfg->hooks[SBX_HOOK_CREATE_RUNTIME].n;
}

/*
 * runc's `run ID` (the bundle is the current directory): a lone argument
 * that is no directory, where ./config.json exists, is the id.
 */
static void runc_style_id(struct sbx_run_opts *o)
{
	struct stat st;
	if (o->rootfs || o->id || !o->bundle || stat(o->bundle, &st) == 0 || !sbx_oci_id_valid(o->bundle) ||
	    access("config.json", F_OK) < 0)
		return;
	o->id = o->bundle;
	o->bundle = sbx_xstrdup(".");
}

int sbx_cmd_run(int argc, char **argv)
{
	struct sbx_error err = {0};
	struct sbx_run_opts o;
	if (sbx_cli_parse_run(argc, argv, &o, &err) < 0) {
		sbx_log(SBX_LOG_ERROR, "%s", err.msg);
		sbx_run_opts_free(&o);
		return SBX_EXIT_FAILURE;
	}
	if (o.help) {
		fputs(sbx_run_usage, stdout);
		sbx_run_opts_free(&o);
		return 0;
	}
	int code = SBX_EXIT_FAILURE;
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	_cleanup_(sbx_sandbox_freep) struct sbx_sandbox *sb = NULL;
	_cleanup_close_ int sigfd = -1;
	struct termios saved_tty;
	bool raw = false;
	struct sbx_container_opts gopts;
	if (sbx_globals_container_opts(sbx_cli_globals(), &gopts, &err) < 0)
		goto fail;
	o.policy = (int)gopts.policy;
	runc_style_id(&o);
	if (sbx_cli_build_config(&o, &cfg, &err) < 0)
		goto fail;
	/* forwarded signals are read from a signalfd by the supervision loop */
	sigset_t fwd;
	sbx_forwarded_signals(&fwd);
	if (cfg->process.terminal)
		sigaddset(&fwd, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &fwd, NULL) < 0 || (sigfd = signalfd(-1, &fwd, SFD_CLOEXEC)) < 0) {
		sbx_err_sys(&err, "signalfd");
		goto fail;
	}
	if (sbx_stage_needed(cfg) && sbx_runtime_private_mounts(&err) < 0)
		goto fail;
	if (sbx_sandbox_create(cfg, &sb, &err) < 0)
		goto fail;
	struct sbx_sandbox_oci oci = {.id = o.id, .start_fd = -1, .console_fd = -1, .close_fds = {-1, -1},
				      .prepivot = run_prepivot, .userdata = cfg};
	if (has_hooks(cfg))
		sbx_sandbox_set_oci(sb, &oci);
	if (cfg->process.terminal) {
		/* the program's terminal is relayed to ours, in raw mode so that its own line discipline decides */
		sbx_sandbox_attach_console(sb, STDIN_FILENO, STDOUT_FILENO);
		if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
			struct termios t = saved_tty;
			cfmakeraw(&t);
			raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
		}
	}
	if (sbx_sandbox_start(sb, &err) < 0)
		goto fail;
	if (cfg->hooks[SBX_HOOK_POSTSTART].n) {
		_cleanup_free_ char *st = sbx_hooks_state(cfg, o.id, sbx_sandbox_pid(sb), SBX_OCI_RUNNING);
		sbx_hooks_run_all(&cfg->hooks[SBX_HOOK_POSTSTART], SBX_HOOK_POSTSTART, st);
	}
	struct sbx_result res;
	int wr = sbx_sandbox_wait(sb, sigfd, &res, &err);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty), raw = false;
	if (cfg->hooks[SBX_HOOK_POSTSTOP].n) {
		_cleanup_free_ char *st = sbx_hooks_state(cfg, o.id, 0, SBX_OCI_STOPPED);
		sbx_hooks_run_all(&cfg->hooks[SBX_HOOK_POSTSTOP], SBX_HOOK_POSTSTOP, st);
	}
	if (wr < 0)
		goto fail;
	code = res.exited ? res.exit_code : 128 + res.signal;
	if (res.seccomp_kill)
		fprintf(stderr, "sbxctr: seccomp: killed on syscall %s (nr %d, %s)\n", res.seccomp_syscall,
			res.seccomp_nr, res.seccomp_arch);
	else if (res.reason != SBX_REASON_NONE)
		sbx_log(SBX_LOG_WARN, "the run ended: %s limit", sbx_reason_name(res.reason));
	for (size_t i = 0; i < res.n_copy_out; i++) {
		if (!res.copy_out[i].ok) {
			sbx_log(SBX_LOG_ERROR, "--copy-out %s", res.copy_out[i].error);
			code = SBX_EXIT_FAILURE;
		}
	}
	if ((o.report && sbx_report_write(o.report, cfg, &res, &err) < 0) ||
	    (o.meta && sbx_meta_write(o.meta, &res, &err) < 0)) {
		sbx_log(SBX_LOG_ERROR, "%s", err.msg);
		code = SBX_EXIT_FAILURE;
	}
	sbx_run_opts_free(&o);
	return code;
fail:
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	sbx_log(SBX_LOG_ERROR, "%s", err.msg);
	report_internal(&o, cfg, &err);
	sbx_run_opts_free(&o);
	return exit_code_for(&err);
}

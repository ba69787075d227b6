/* SPDX-License-Identifier: Apache-2.0 */
/* `sbxctr run`: flags read through the run options table (runtime/options.h), then one sandbox. */
#include "cli/run.h"
#include "cli/global.h"
#include "oci/policy.h"
#include "oci/state.h"
#include "runtime/hooks.h"
#include "cli/verbs.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "runtime/report.h"
#include "runtime/sandbox.h"
#include "runtime/workdir.h"

#include <getopt.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

static const char usage_head[] =
	"Usage: sbxctr run [OPTIONS] [--bundle DIR | DIR] [ID]\n"
	"       sbxctr run [OPTIONS] --rootfs DIR -- CMD [ARGS...]\n"
	"       sbxctr run -d|--detach [CREATE OPTIONS] ID   (create + start; see run -d --help)\n"
	"\n"
	"Runs one program in a sandbox: new user, pid, mount, network, ipc, uts and\n"
	"cgroup namespaces, a read-only root, no capabilities, no_new_privs.\n"
	"\n";
static const char usage_tail[] =
	"  -h, --help           this help\n"
	"\n"
	"Exit status: the program's; 128+N if it was killed by signal N;\n"
	"125 if sbxctr failed; 126 if CMD cannot be executed; 127 if not found.\n";

char *sbx_cli_run_usage(void)
{
	_cleanup_free_ char *rows = sbx_options_help();
	return sbx_xasprintf("%s%s%s", usage_head, rows, usage_tail);
}

void sbx_run_opts_free(struct sbx_run_opts *o)
{
	sbx_options_clear(&o->opt);
	free(o->id);
	memset(o, 0, sizeof(*o));
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

/* getopt's table, from the run options table: val is 256 + the option's id */
#define OPT_BASE 256

int sbx_cli_parse_run(int argc, char **argv, struct sbx_run_opts *o, struct sbx_error *err)
{
	struct option longopts[SBX_OPT__COUNT + 2];
	char shorts[16 + SBX_OPT__COUNT * 2] = "+:h";
	size_t n = 0, ns = strlen(shorts);
	for (size_t i = 0; i < SBX_OPT__COUNT; i++) {
		const struct sbx_option_def *d = &sbx_option_table[i];
		if (d->flag)
			longopts[n++] = (struct option){d->flag, d->type == SBX_OT_BOOL ? no_argument : required_argument,
							NULL, OPT_BASE + (int)d->id};
		if (d->short_name) {
			shorts[ns++] = d->short_name;
			if (d->type != SBX_OT_BOOL)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n] = (struct option){NULL, 0, NULL, 0};
	memset(o, 0, sizeof(*o));
	sbx_options_init(&o->opt);
	/* "+": stop at the first non-option, so CMD's own flags are never ours; ":": report missing values */
	optind = 0;
	opterr = 0;
	int c, r;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		for (size_t i = 0; c > 0 && c < OPT_BASE && i < SBX_OPT__COUNT; i++)
			if (sbx_option_table[i].short_name == c)
				c = OPT_BASE + (int)i;
		if (c < OPT_BASE || c >= OPT_BASE + SBX_OPT__COUNT)
			return sbx_cli_getopt_error(c, argv, "run", err);
		if ((r = sbx_options_set_str(&o->opt, &sbx_option_table[c - OPT_BASE], optarg, err)) < 0)
			return r;
	}
	if ((r = sbx_options_check(&o->opt, NULL, err)) < 0)
		return r;
	bool dashdash = optind > 0 && optind <= argc && strcmp(argv[optind - 1], "--") == 0;
	if (o->opt.set[SBX_OPT_ROOTFS]) {
		if (optind >= argc)
			return sbx_err_set(err, EINVAL, "--rootfs needs a command: sbxctr run --rootfs DIR -- CMD");
		sbx_options_set_argv(&o->opt, argv + optind);
		return 0;
	}
	if (dashdash)
		return sbx_err_set(err, EINVAL, "a command after \"--\" needs --rootfs (a bundle names its "
				   "own process.args)");
	int rest = argc - optind;
	const struct sbx_option_def *bundle = &sbx_option_table[SBX_OPT_BUNDLE];
	if (!o->opt.set[SBX_OPT_BUNDLE] && rest > 0) {
		if ((r = sbx_options_set_str(&o->opt, bundle, argv[optind++], err)) < 0)
			return r;
		rest--;
	}
	if (rest > 0) {
		o->id = sbx_xstrdup(argv[optind++]);
		rest--;
		if (!valid_id(o->id))
			return sbx_err_set(err, EINVAL, "invalid sandbox id \"%s\" (1-64 of [A-Za-z0-9_.-])", o->id);
	}
	if (rest > 0)
		return sbx_err_set(err, EINVAL, "unexpected argument \"%s\"", argv[optind]);
	if (!o->opt.set[SBX_OPT_BUNDLE])
		sbx_options_set_str(&o->opt, bundle, ".", err);
	return 0;
}

bool sbx_cli_graded_init(const struct sbx_options *o)
{
	static const enum sbx_opt_id graded[] = {SBX_OPT_TIME, SBX_OPT_WALL_TIME, SBX_OPT_MEMORY,	  SBX_OPT_PIDS,
						 SBX_OPT_OUTPUT_LIMIT, SBX_OPT_FSIZE, SBX_OPT_REPORT, SBX_OPT_META};
	if (!o->set[SBX_OPT_ROOTFS] || o->set[SBX_OPT_INIT] || o->set[SBX_OPT_NO_INIT])
		return o->set[SBX_OPT_INIT] && o->init;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(graded); i++)
		if (o->set[graded[i]])
			return true;
	return false;
}

int sbx_cli_build_config(const struct sbx_run_opts *o, struct sbx_config **ret, struct sbx_error *err)
{
	_cleanup_(sbx_config_freep) struct sbx_config *c = NULL;
	enum sbx_policy policy;
	int r = sbx_options_base_config(&o->opt, NULL, o->opt.argv, &c, err);
	if (r < 0 || (r = sbx_policy_for(c, (enum sbx_policy)o->policy, &policy, err)) < 0 ||
	    (r = sbx_config_apply_policy(c, policy, err)) < 0 || (r = sbx_options_apply(&o->opt, c, err)) < 0)
		return r;
	/* the command line's own default: the program reads the terminal's stdin */
	if (!o->opt.set[SBX_OPT_STDIN])
		c->io.inherit_stdin = true;
	if (sbx_cli_graded_init(&o->opt))
		c->init = true;
	if ((c->io.n_copy_in || c->io.n_copy_out) && !c->workdir.path)
		return sbx_err_set(err, EINVAL, "--copy-in/--copy-out need a workdir (add --workdir)");
	if ((r = sbx_config_validate(c, err)) < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

/* --- the verb --------------------------------------------------------------- */

/* Internal errors get a report too, so that a grader never mistakes them for the program's. */
static void report_internal(const struct sbx_run_opts *o, const struct sbx_config *cfg, const struct sbx_error *e)
{
	struct sbx_result res = {.reason = SBX_REASON_INTERNAL, .error = *e};
	struct sbx_error err2 = {0};
	if (o->opt.report && sbx_report_write(o->opt.report, cfg, &res, &err2) < 0)
		sbx_log(SBX_LOG_ERROR, "%s", err2.msg);
	if (o->opt.meta && sbx_meta_write(o->opt.meta, &res, &err2) < 0)
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
	const char *b = o->opt.bundle;
	if (o->opt.set[SBX_OPT_ROOTFS] || o->id || !b || stat(b, &st) == 0 || !sbx_oci_id_valid(b) ||
	    access("config.json", F_OK) < 0)
		return;
	o->id = sbx_xstrdup(b);
	free(o->opt.bundle);
	o->opt.bundle = sbx_xstrdup(".");
}

int sbx_cmd_run(int argc, char **argv)
{
	if (sbx_cli_run_detached(argc, argv))
		return sbx_cmd_run_detached(argc, argv);
	struct sbx_error err = {0};
	struct sbx_run_opts o;
	if (sbx_cli_parse_run(argc, argv, &o, &err) < 0) {
		sbx_log(SBX_LOG_ERROR, "%s", err.msg);
		sbx_run_opts_free(&o);
		return SBX_EXIT_FAILURE;
	}
	if (o.help) {
		_cleanup_free_ char *usage = sbx_cli_run_usage();
		fputs(usage, stdout);
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
	if (sbx_cli_build_config(&o, &cfg, &err) < 0 || !cfg)
		goto fail;
	cfg->systemd_cgroup = gopts.systemd_cgroup;
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
	code = res.exited ? res.exit_code : SBX_EXIT_SIGNAL_BASE + res.signal;
	if (res.seccomp_kill && res.seccomp_unknown)
		fprintf(stderr, "sbxctr: seccomp: the kernel killed the program (--seccomp-kill exact: the syscall "
				"is not reported)\n");
	else if (res.seccomp_kill)
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
	if ((o.opt.report && sbx_report_write(o.opt.report, cfg, &res, &err) < 0) ||
	    (o.opt.meta && sbx_meta_write(o.opt.meta, &res, &err) < 0)) {
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
	return sbx_err_exit_status(&err);
}

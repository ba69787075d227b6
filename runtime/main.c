/* SPDX-License-Identifier: Apache-2.0 */
/* sbxctr: the command-line front end. Parses, dispatches, prints errors, picks exit codes. */
#include "profiles/seccomp_cli.h"
#include "runtime/batch.h"
#include "runtime/cleanup.h"
#include "runtime/cli.h"
#include "runtime/log.h"
#include "runtime/report.h"
#include "runtime/sandbox.h"
#include "runtime/workdir.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>

#define EXIT_SBX 125

static const char main_usage[] =
	"Usage: sbxctr COMMAND [OPTIONS]\n"
	"\n"
	"A sandbox runtime for untrusted code.\n"
	"\n"
	"Commands:\n"
	"  run       run one program in a sandbox (OCI bundle or --rootfs)\n"
	"  batch     run every job of a JOBS.jsonl file, N at a time, one result line each\n"
	"  seccomp   check a seccomp profile, or export the filter run would load\n"
	"\n"
	"  --version print the version\n"
	"  --help    this help; `sbxctr COMMAND --help` for a command\n";

static int exit_code_for(const struct sbx_error *err)
{
	switch (err->kind) {
	case SBX_ERRK_EXEC_NOENT:
		return 127;
	case SBX_ERRK_EXEC_PERM:
		return 126;
	default:
		return EXIT_SBX;
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

static int cmd_run(int argc, char **argv)
{
	struct sbx_error err = {0};
	struct sbx_run_opts o;
	if (sbx_cli_parse_run(argc, argv, &o, &err) < 0) {
		sbx_log(SBX_LOG_ERROR, "%s", err.msg);
		sbx_run_opts_free(&o);
		return EXIT_SBX;
	}
	if (o.help) {
		fputs(sbx_run_usage, stdout);
		sbx_run_opts_free(&o);
		return 0;
	}
	int code = EXIT_SBX;
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	_cleanup_(sbx_sandbox_freep) struct sbx_sandbox *sb = NULL;
	_cleanup_close_ int sigfd = -1;
	if (sbx_cli_build_config(&o, &cfg, &err) < 0)
		goto fail;
	/* forwarded signals are read from a signalfd by the supervision loop */
	sigset_t fwd;
	sbx_forwarded_signals(&fwd);
	if (sigprocmask(SIG_BLOCK, &fwd, NULL) < 0 || (sigfd = signalfd(-1, &fwd, SFD_CLOEXEC)) < 0) {
		sbx_err_sys(&err, "signalfd");
		goto fail;
	}
	if (sbx_stage_needed(cfg) && sbx_runtime_private_mounts(&err) < 0)
		goto fail;
	if (sbx_sandbox_create(cfg, &sb, &err) < 0 || sbx_sandbox_start(sb, &err) < 0)
		goto fail;
	struct sbx_result res;
	if (sbx_sandbox_wait(sb, sigfd, &res, &err) < 0)
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
			code = EXIT_SBX;
		}
	}
	if ((o.report && sbx_report_write(o.report, cfg, &res, &err) < 0) ||
	    (o.meta && sbx_meta_write(o.meta, &res, &err) < 0)) {
		sbx_log(SBX_LOG_ERROR, "%s", err.msg);
		code = EXIT_SBX;
	}
	sbx_run_opts_free(&o);
	return code;
fail:
	sbx_log(SBX_LOG_ERROR, "%s", err.msg);
	report_internal(&o, cfg, &err);
	sbx_run_opts_free(&o);
	return exit_code_for(&err);
}

static int cmd_batch(int argc, char **argv)
{
	struct sbx_error err = {0};
	struct sbx_batch_opts o;
	int code = EXIT_SBX;
	bool failed;
	if (sbx_batch_parse_args(argc, argv, &o, &err) < 0) {
		failed = true;
	} else if (o.help) {
		failed = false;
		code = fputs(sbx_batch_usage, stdout) < 0 ? EXIT_SBX : 0;
	} else {
		code = sbx_batch_run(&o, &err);
		failed = code == EXIT_SBX;
	}
	if (failed)
		sbx_log(SBX_LOG_ERROR, "%s", err.msg);
	sbx_batch_opts_free(&o);
	return code;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(main_usage, stderr);
		return EXIT_SBX;
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
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "batch") == 0)
		return cmd_batch(argc - 1, argv + 1);
	if (strcmp(cmd, "seccomp") == 0)
		return sbx_seccomp_cli_main(argc - 1, argv + 1);
	sbx_log(SBX_LOG_ERROR, "unknown command \"%s\" (see sbxctr --help)", cmd);
	return EXIT_SBX;
}

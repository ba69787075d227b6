/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public C API (include/sbxctr.h) over the runtime: options through the
 * run options table, a sandbox's lifecycle, its report. The only symbols
 * libsbxctr.so exports are these (everything else is built hidden).
 */
#include <sbxctr.h>

#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "runtime/options.h"
#include "runtime/report.h"
#include "runtime/sandbox.h"
#include "runtime/workdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* The public numbers are the internal ones: one definition each side, kept equal here. */
_Static_assert((int)SBXCTR_EXIT_FAILURE == (int)SBX_EXIT_FAILURE &&
		       (int)SBXCTR_EXIT_CANNOT_EXECUTE == (int)SBX_EXIT_CANNOT_EXECUTE &&
		       (int)SBXCTR_EXIT_NOT_FOUND == (int)SBX_EXIT_NOT_FOUND &&
		       (int)SBXCTR_EXIT_SIGNAL_BASE == (int)SBX_EXIT_SIGNAL_BASE,
	       "exit statuses");
_Static_assert((int)SBXCTR_ERROR_INTERNAL == (int)SBX_ERRK_INTERNAL &&
		       (int)SBXCTR_ERROR_EXEC_NOT_FOUND == (int)SBX_ERRK_EXEC_NOENT &&
		       (int)SBXCTR_ERROR_EXEC_DENIED == (int)SBX_ERRK_EXEC_PERM,
	       "error kinds");
_Static_assert(SBXCTR_ERROR_MESSAGE_MAX == SBX_ERR_MSG_MAX, "error message size");
_Static_assert((int)SBXCTR_REASON_NONE == (int)SBX_REASON_NONE &&
		       (int)SBXCTR_REASON_CPU_TIME == (int)SBX_REASON_CPU_TIME &&
		       (int)SBXCTR_REASON_WALL_TIME == (int)SBX_REASON_WALL_TIME &&
		       (int)SBXCTR_REASON_MEMORY == (int)SBX_REASON_MEMORY &&
		       (int)SBXCTR_REASON_OUTPUT == (int)SBX_REASON_OUTPUT &&
		       (int)SBXCTR_REASON_PIDS == (int)SBX_REASON_PIDS &&
		       (int)SBXCTR_REASON_SECCOMP == (int)SBX_REASON_SECCOMP &&
		       (int)SBXCTR_REASON_INTERNAL == (int)SBX_REASON_INTERNAL,
	       "reasons");

struct sbxctr_options {
	struct sbx_options opt;
	bool has_fd[3];
	int fd[3];
	int pass[SBX_PASS_FDS_MAX];
	size_t n_pass;
};

struct sbxctr_report {
	struct sbx_result res;
	const struct sbx_config *cfg;
};

struct sbxctr_sandbox {
	struct sbx_config *cfg;
	struct sbx_sandbox *sb;
	struct sbxctr_report report;
	bool have_report;
};

/* The internal error, copied out: the public struct is the same three fields. */
static int fail(sbxctr_error *out, const struct sbx_error *e)
{
	if (out) {
		out->code = e->code;
		out->kind = e->kind;
		snprintf(out->message, sizeof(out->message), "%s", e->msg);
	}
	return e->code > 0 ? -e->code : -EINVAL;
}

const char *sbxctr_version(void)
{
	return SBX_VERSION;
}

void sbxctr_set_log(sbxctr_log_fn fn, void *userdata, int max_level)
{
	sbx_log_set_sink(fn, userdata);
	sbx_log_set_level((enum sbx_log_level)(max_level < SBX_LOG_ERROR ? SBX_LOG_ERROR
					       : max_level > SBX_LOG_DEBUG ? SBX_LOG_DEBUG
									   : max_level));
}

/* --- options -------------------------------------------------------------------- */

sbxctr_options *sbxctr_options_new(void)
{
	sbxctr_options *o = sbx_xcalloc(1, sizeof(*o));
	sbx_options_init(&o->opt);
	return o;
}

void sbxctr_options_free(sbxctr_options *o)
{
	if (!o)
		return;
	sbx_options_clear(&o->opt);
	free(o);
}

int sbxctr_options_set(sbxctr_options *o, const char *name, const char *value, sbxctr_error *err)
{
	struct sbx_error e = {0};
	const struct sbx_option_def *d = name ? sbx_option_by_flag(name) : NULL;
	if (!d) {
		sbx_err_set(&e, EINVAL, "unknown option \"%s\" (the names of `sbxctr run --help`, without dashes)",
			    name ? name : "(null)");
		return fail(err, &e);
	}
	if (sbx_options_set_str(&o->opt, d, value, &e) < 0)
		return fail(err, &e);
	return 0;
}

int sbxctr_options_set_json(sbxctr_options *o, const char *json, size_t len, sbxctr_error *err)
{
	struct sbx_error e = {0};
	json_object *root = NULL;
	if (sbx_json_parse("options", json, len, &root, &e) < 0)
		return fail(err, &e);
	struct sbx_jloc loc = {.doc = "options"};
	int r = sbx_json_expect(root, json_type_object, &loc, &e);
	json_object_object_foreach(root, k, v)
	{
		if (r < 0)
			break;
		struct sbx_jloc kl = sbx_jloc_key(&loc, k);
		const struct sbx_option_def *d = sbx_option_by_field(k);
		r = d ? sbx_options_set_json(&o->opt, d, v, &kl, &e) : sbx_json_error(&kl, &e, "unknown field");
	}
	if (r >= 0)
		r = sbx_options_check(&o->opt, &loc, &e);
	json_object_put(root);
	return r < 0 ? fail(err, &e) : 0;
}

int sbxctr_options_set_argv(sbxctr_options *o, const char *const *argv, sbxctr_error *err)
{
	if (!argv || !argv[0] || !argv[0][0]) {
		struct sbx_error e = {0};
		sbx_err_set(&e, EINVAL, "argv: expected a non-empty command");
		return fail(err, &e);
	}
	sbx_options_set_argv(&o->opt, (char *const *)argv);
	return 0;
}

int sbxctr_options_add_file(sbxctr_options *o, const char *host_path, const char *path, sbxctr_error *err)
{
	struct sbx_error e = {0};
	return sbx_options_add_file(&o->opt, host_path, path ? path : "", &e) < 0 ? fail(err, &e) : 0;
}

int sbxctr_options_add_copy_out(sbxctr_options *o, const char *path, const char *host_path, sbxctr_error *err)
{
	struct sbx_error e = {0};
	return sbx_options_add_copy_out(&o->opt, path ? path : "", host_path, &e) < 0 ? fail(err, &e) : 0;
}

static bool fd_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

int sbxctr_options_set_stdio(sbxctr_options *o, int stdin_fd, int stdout_fd, int stderr_fd, sbxctr_error *err)
{
	int fds[3] = {stdin_fd, stdout_fd, stderr_fd};
	for (int i = 0; i < 3; i++) {
		if (fds[i] >= 0 && !fd_open(fds[i])) {
			struct sbx_error e = {0};
			sbx_err_set(&e, EBADF, "stdio: fd %d (for fd %d) is not open", fds[i], i);
			return fail(err, &e);
		}
	}
	for (int i = 0; i < 3; i++) {
		o->has_fd[i] = fds[i] >= 0;
		o->fd[i] = fds[i];
	}
	return 0;
}

int sbxctr_options_pass_fd(sbxctr_options *o, int fd, sbxctr_error *err)
{
	struct sbx_error e = {0};
	if (!fd_open(fd)) {
		sbx_err_set(&e, EBADF, "pass_fd: fd %d is not open", fd);
		return fail(err, &e);
	}
	if (o->n_pass >= SBX_PASS_FDS_MAX) {
		sbx_err_set(&e, EMFILE, "pass_fd: at most %d fds", SBX_PASS_FDS_MAX);
		return fail(err, &e);
	}
	o->pass[o->n_pass] = fd;
	return (int)(3 + o->n_pass++);
}

/* --- sandboxes ------------------------------------------------------------------ */

/* The config these options describe: the base (rootfs or bundle), every option, the lent fds. */
static int build_config(const sbxctr_options *o, struct sbx_config **ret, struct sbx_error *e)
{
	if (!o->opt.set[SBX_OPT_ROOTFS] && !o->opt.set[SBX_OPT_BUNDLE])
		return sbx_err_set(e, EINVAL, "no rootfs and no bundle: set one of them");
	if (o->opt.set[SBX_OPT_ROOTFS] && !o->opt.set[SBX_OPT_ARGV])
		return sbx_err_set(e, EINVAL, "argv: a rootfs needs a command (sbxctr_options_set_argv)");
	_cleanup_(sbx_config_freep) struct sbx_config *c = NULL;
	int r = sbx_options_check(&o->opt, NULL, e);
	if (r < 0 || (r = sbx_options_base_config(&o->opt, NULL, o->opt.argv, &c, e)) < 0 ||
	    (r = sbx_options_apply(&o->opt, c, e)) < 0)
		return r;
	for (int i = 0; i < 3; i++) {
		c->io.has_fd[i] = o->has_fd[i];
		c->io.fd[i] = o->fd[i];
	}
	if (o->n_pass) {
		c->io.pass_fds = sbx_xmalloc(o->n_pass * sizeof(int));
		memcpy(c->io.pass_fds, o->pass, o->n_pass * sizeof(int));
		c->io.n_pass_fds = o->n_pass;
	}
	if ((c->io.n_copy_in || c->io.n_copy_out) && !c->workdir.path)
		return sbx_err_set(e, EINVAL, "copy-in/copy-out need a workdir (set \"workdir\")");
	if ((r = sbx_config_validate(c, e)) < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

int sbxctr_sandbox_create(const sbxctr_options *o, sbxctr_sandbox **ret, sbxctr_error *err)
{
	struct sbx_error e = {0};
	sbxctr_sandbox *s = sbx_xcalloc(1, sizeof(*s));
	if (build_config(o, &s->cfg, &e) < 0 || sbx_sandbox_create(s->cfg, &s->sb, &e) < 0) {
		sbxctr_sandbox_destroy(s);
		return fail(err, &e);
	}
	*ret = s;
	return 0;
}

int sbxctr_sandbox_start(sbxctr_sandbox *s, sbxctr_error *err)
{
	struct sbx_error e = {0};
	if ((sbx_stage_needed(s->cfg) && sbx_runtime_private_mounts(&e) < 0) || sbx_sandbox_start(s->sb, &e) < 0)
		return fail(err, &e);
	return 0;
}

int sbxctr_sandbox_wait(sbxctr_sandbox *s, int stop_fd, sbxctr_error *err)
{
	struct sbx_error e = {0};
	int r = sbx_sandbox_wait_until(s->sb, -1, stop_fd, &s->report.res, &e);
	if (r == -ECANCELED) {
		sbx_err_set(&e, ECANCELED, "wait: stop_fd %d is readable (the sandbox still runs)", stop_fd);
		return fail(err, &e);
	}
	if (r < 0)
		return fail(err, &e);
	s->report.cfg = s->cfg;
	s->have_report = true;
	return 0;
}

int sbxctr_sandbox_kill(sbxctr_sandbox *s, int signal)
{
	return sbx_sandbox_signal(s->sb, signal);
}

pid_t sbxctr_sandbox_pid(const sbxctr_sandbox *s)
{
	return s->sb ? sbx_sandbox_pid(s->sb) : 0;
}

void sbxctr_sandbox_destroy(sbxctr_sandbox *s)
{
	if (!s)
		return;
	sbx_sandbox_free(s->sb);
	sbx_config_free(s->cfg);
	free(s);
}

/* --- the report ----------------------------------------------------------------- */

const sbxctr_report *sbxctr_sandbox_report(const sbxctr_sandbox *s)
{
	return s->have_report ? &s->report : NULL;
}

enum sbxctr_reason sbxctr_report_reason(const sbxctr_report *r)
{
	return (enum sbxctr_reason)r->res.reason;
}

const char *sbxctr_reason_name(enum sbxctr_reason reason)
{
	return sbx_reason_name((enum sbx_reason)reason);
}

int sbxctr_report_exit_code(const sbxctr_report *r)
{
	return r->res.exited ? r->res.exit_code : -1;
}

int sbxctr_report_signal(const sbxctr_report *r)
{
	return r->res.signal;
}

int sbxctr_report_exit_status(const sbxctr_report *r)
{
	if (r->res.reason == SBX_REASON_INTERNAL && !r->res.exited && !r->res.signal)
		return sbx_err_exit_status(&r->res.error);
	return r->res.exited ? r->res.exit_code : SBX_EXIT_SIGNAL_BASE + r->res.signal;
}

uint64_t sbxctr_report_cpu_user_us(const sbxctr_report *r)
{
	return r->res.cpu_user_us;
}

uint64_t sbxctr_report_cpu_sys_us(const sbxctr_report *r)
{
	return r->res.cpu_sys_us;
}

uint64_t sbxctr_report_wall_us(const sbxctr_report *r)
{
	return r->res.wall_us;
}

uint64_t sbxctr_report_peak_memory_bytes(const sbxctr_report *r)
{
	return r->res.has_memory ? r->res.peak_memory_bytes : 0;
}

const char *sbxctr_report_seccomp_syscall(const sbxctr_report *r)
{
	return r->res.seccomp_kill ? r->res.seccomp_syscall : NULL;
}

const char *sbxctr_report_error(const sbxctr_report *r)
{
	return r->res.reason == SBX_REASON_INTERNAL ? r->res.error.msg : NULL;
}

char *sbxctr_report_json(const sbxctr_report *r)
{
	json_object *o = sbx_report_build(r->cfg, &r->res);
	char *s = sbx_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

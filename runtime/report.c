/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/report.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static json_object *u64_or_null(bool has, uint64_t v)
{
	return has ? json_object_new_uint64(v) : NULL;
}

static json_object *stream_json(const struct sbx_stream_stats *s)
{
	if (!s->captured)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "bytes", json_object_new_uint64(s->bytes));
	json_object_object_add(o, "truncated", json_object_new_boolean(s->truncated));
	return o;
}

/* What the run was given, so that a report can be read without its command line. */
static json_object *limits_json(const struct sbx_config *cfg)
{
	json_object *o = json_object_new_object();
	const struct sbx_run_limits *l = &cfg->limits;
	const struct sbx_resources *r = &cfg->resources;
	json_object_object_add(o, "cpu_time_us", u64_or_null(l->cpu_time_us, l->cpu_time_us));
	json_object_object_add(o, "wall_time_us", u64_or_null(l->wall_time_us, l->wall_time_us));
	json_object_object_add(o, "output_bytes", u64_or_null(l->has_output_limit, l->output_limit));
	json_object_object_add(o, "memory_bytes", r->has_memory_limit && r->memory_limit >= 0
							  ? json_object_new_int64(r->memory_limit)
							  : NULL);
	json_object_object_add(o, "pids", r->has_pids_limit && r->pids_limit > 0 ? json_object_new_int64(r->pids_limit)
									     : NULL);
	static const struct {
		const char *key;
		int res;
	} rl[] = {{"fsize_bytes", RLIMIT_FSIZE}, {"nofile", RLIMIT_NOFILE}, {"stack_bytes", RLIMIT_STACK},
		  {"core_bytes", RLIMIT_CORE}};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(rl); i++) {
		const struct sbx_rlimit *x = sbx_config_get_rlimit(cfg, rl[i].res);
		json_object_object_add(o, rl[i].key, x && x->hard != RLIM_INFINITY ? json_object_new_uint64(x->hard) : NULL);
	}
	json_object_object_add(o, "workdir_bytes", u64_or_null(cfg->workdir.path != NULL, cfg->workdir.size));
	return o;
}

json_object *sbx_report_build(const struct sbx_config *cfg, const struct sbx_result *res)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(SBX_VERSION));
	json_object_object_add(o, "reason", json_object_new_string(sbx_reason_name(res->reason)));
	json_object_object_add(o, "exit_code", res->exited ? json_object_new_int(res->exit_code) : NULL);
	json_object_object_add(o, "signal", res->signal ? json_object_new_int(res->signal) : NULL);
	json_object_object_add(o, "cpu_user_us", u64_or_null(res->has_cpu, res->cpu_user_us));
	json_object_object_add(o, "cpu_sys_us", u64_or_null(res->has_cpu, res->cpu_sys_us));
	json_object_object_add(o, "wall_us", json_object_new_uint64(res->wall_us));
	json_object_object_add(o, "setup_us", json_object_new_uint64(res->setup_us));
	json_object_object_add(o, "peak_memory_bytes", u64_or_null(res->has_memory, res->peak_memory_bytes));
	json_object_object_add(o, "oom_kills", json_object_new_uint64(res->oom_kills));
	json_object_object_add(o, "stdout", stream_json(&res->out[0]));
	json_object_object_add(o, "stderr", stream_json(&res->out[1]));
	json_object *sc = NULL;
	if (res->seccomp_kill) {
		/* the kernel's own kill (--seccomp-kill exact), whose syscall nobody saw */
		bool known = !res->seccomp_unknown;
		sc = json_object_new_object();
		json_object_object_add(sc, "syscall", known ? json_object_new_string(res->seccomp_syscall) : NULL);
		json_object_object_add(sc, "nr", known ? json_object_new_int(res->seccomp_nr) : NULL);
		json_object_object_add(sc, "arch", known ? json_object_new_string(res->seccomp_arch) : NULL);
	}
	json_object_object_add(o, "seccomp", sc);
	json_object *un = json_object_new_array();
	for (size_t i = 0; i < res->n_unenforced; i++)
		json_object_array_add(un, json_object_new_string(res->unenforced[i]));
	json_object_object_add(o, "unenforced", un);
	json_object_object_add(o, "limits", cfg ? limits_json(cfg) : NULL);
	if (res->n_copy_out && cfg) {
		json_object *co = json_object_new_array();
		for (size_t i = 0; i < res->n_copy_out; i++) {
			json_object *e = json_object_new_object();
			json_object_object_add(e, "path", json_object_new_string(cfg->io.copy_out[i].sandbox));
			json_object_object_add(e, "ok", json_object_new_boolean(res->copy_out[i].ok));
			json_object_object_add(e, "bytes", json_object_new_uint64(res->copy_out[i].bytes));
			json_object_object_add(e, "error", res->copy_out[i].ok ? NULL
										: json_object_new_string(res->copy_out[i].error));
			json_object_array_add(co, e);
		}
		json_object_object_add(o, "copy_out", co);
	}
	json_object_object_add(o, "error", res->reason == SBX_REASON_INTERNAL
						   ? json_object_new_string(res->error.msg)
						   : NULL);
	return o;
}

static int write_atomic(const char *flag, const char *path, const char *text, struct sbx_error *err)
{
	_cleanup_close_ int fd = sbx_tmpfile_open(path, 0644);
	if (fd < 0)
		return sbx_err_errno(err, fd, "%s %s", flag, path);
	int r = sbx_write_all(fd, text, strlen(text));
	if (r == 0)
		r = sbx_tmpfile_commit(fd, path, false);
	if (r < 0)
		return sbx_err_errno(err, r, "%s %s", flag, path);
	return 0;
}

int sbx_report_write(const char *path, const struct sbx_config *cfg, const struct sbx_result *res,
		     struct sbx_error *err)
{
	json_object *o = sbx_report_build(cfg, res);
	_cleanup_free_ char *text = sbx_xasprintf(
		"%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return write_atomic("--report", path, text, err);
}

/* isolate's status letters: RE nonzero exit, SG signal, TO time, XX internal */
static const char *meta_status(const struct sbx_result *res)
{
	switch (res->reason) {
	case SBX_REASON_INTERNAL:
		return "XX";
	case SBX_REASON_CPU_TIME:
	case SBX_REASON_WALL_TIME:
		return "TO";
	case SBX_REASON_NONE:
		if (res->exited)
			return res->exit_code ? "RE" : NULL;
		return "SG";
	default:
		return res->signal ? "SG" : "RE";
	}
}

int sbx_meta_write(const char *path, const struct sbx_result *res, struct sbx_error *err)
{
	char buf[2048];
	size_t off = 0;
#define META(...) off += (size_t)snprintf(buf + off, off < sizeof(buf) ? sizeof(buf) - off : 0, __VA_ARGS__)
	if (res->has_cpu)
		META("time:%.3f\n", (double)(res->cpu_user_us + res->cpu_sys_us) / 1e6);
	META("time-wall:%.3f\n", (double)res->wall_us / 1e6);
	if (res->has_memory)
		META("max-rss:%llu\n", (unsigned long long)(res->peak_memory_bytes / 1024));
	if (res->oom_kills)
		META("cg-oom-killed:1\n");
	if (res->exited)
		META("exitcode:%d\n", res->exit_code);
	if (res->signal)
		META("exitsig:%d\n", res->signal);
	if (res->reason != SBX_REASON_NONE && res->reason != SBX_REASON_INTERNAL)
		META("killed:1\n");
	const char *st = meta_status(res);
	if (st)
		META("status:%s\n", st);
	if (res->reason == SBX_REASON_INTERNAL)
		META("message:%s\n", res->error.msg);
	else if (res->reason != SBX_REASON_NONE)
		META("message:%s\n", sbx_reason_name(res->reason));
#undef META
	if (off >= sizeof(buf))
		off = sizeof(buf) - 1;
	buf[off] = '\0';
	return write_atomic("--meta", path, buf, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/report.h"
#include "runtime/cleanup.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

json_object *sbx_report_build(const struct sbx_result *res)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(SBX_VERSION));
	json_object_object_add(o, "reason", json_object_new_string(sbx_reason_name(res->reason)));
	json_object_object_add(o, "exit_code", res->exited ? json_object_new_int(res->exit_code) : NULL);
	json_object_object_add(o, "signal", res->signal ? json_object_new_int(res->signal) : NULL);
	json_object_object_add(o, "wall_us", json_object_new_uint64(res->wall_us));
	json_object_object_add(o, "setup_us", json_object_new_uint64(res->setup_us));
	json_object_object_add(o, "error", res->reason == SBX_REASON_INTERNAL
						   ? json_object_new_string(res->error.msg)
						   : NULL);
	return o;
}

int sbx_report_write(const char *path, const struct sbx_result *res, struct sbx_error *err)
{
	json_object *o = sbx_report_build(res);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *tmp = sbx_xasprintf("%s.tmp.%d", path, getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	int r = 0;
	if (fd < 0) {
		r = sbx_err_sys(err, "--report %s", path);
		goto out;
	}
	r = sbx_write_all(fd, text, strlen(text));
	if (r == 0)
		r = sbx_write_all(fd, "\n", 1);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		r = sbx_err_errno(err, r, "--report %s", path);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		r = sbx_err_sys(err, "--report %s", path);
		unlink(tmp);
	}
out:
	json_object_put(o);
	return r;
}

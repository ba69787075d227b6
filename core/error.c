/* SPDX-License-Identifier: Apache-2.0 */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

static int err_vset(struct sbx_error *err, int code, int with_strerror, const char *fmt, va_list ap)
{
	if (code <= 0)
		code = EINVAL;
	if (!err)
		return -code;
	err->code = code;
	err->kind = SBX_ERRK_INTERNAL;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (with_strerror && n >= 0 && (size_t)n < sizeof(err->msg)) {
		/*
		 * Not strerror(): it may take the locale lock and allocate, and the
		 * sandbox child formats errors while sharing our memory (spawn.h).
		 */
		const char *d = strerrordesc_np(code);
		if (d)
			snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", d);
		else
			snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": error %d", code);
	}
	return -code;
}

int sbx_err_set(struct sbx_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(err, code, 0, fmt, ap);
	va_end(ap);
	return r;
}

int sbx_err_sys(struct sbx_error *err, const char *fmt, ...)
{
	int code = errno;
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(err, code, 1, fmt, ap);
	va_end(ap);
	return r;
}

int sbx_err_errno(struct sbx_error *err, int code, const char *fmt, ...)
{
	if (code < 0)
		code = -code;
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(err, code, 1, fmt, ap);
	va_end(ap);
	return r;
}

int sbx_err_wrap(struct sbx_error *err, const char *fmt, ...)
{
	if (!err)
		return -EINVAL;
	if (err->code == 0)
		err->code = EINVAL;
	char prefix[SBX_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -err->code;
	/* "prefix: old", truncated at the end like every message */
	size_t plen = strnlen(prefix, sizeof(prefix) - 1);
	if (plen + 2 >= sizeof(err->msg))
		plen = sizeof(err->msg) - 3;
	size_t olen = strnlen(err->msg, sizeof(err->msg) - 1);
	if (plen + 2 + olen >= sizeof(err->msg))
		olen = sizeof(err->msg) - 1 - plen - 2;
	memmove(err->msg + plen + 2, err->msg, olen);
	memcpy(err->msg, prefix, plen);
	err->msg[plen] = ':';
	err->msg[plen + 1] = ' ';
	err->msg[plen + 2 + olen] = '\0';
	return -err->code;
}

void sbx_err_clear(struct sbx_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->kind = SBX_ERRK_INTERNAL;
	err->msg[0] = '\0';
}

int sbx_err_exit_status(const struct sbx_error *err)
{
	switch (err->kind) {
	case SBX_ERRK_EXEC_NOENT:
		return SBX_EXIT_NOT_FOUND;
	case SBX_ERRK_EXEC_PERM:
		return SBX_EXIT_CANNOT_EXECUTE;
	default:
		return SBX_EXIT_FAILURE;
	}
}

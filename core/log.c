/* SPDX-License-Identifier: Apache-2.0 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

static void default_sink(int level, const char *msg, void *userdata)
{
	static const char *const names[] = {"error: ", "warning: ", "", "debug: "};
	fprintf(stderr, "sbxctr: %s%s\n", level >= 0 && level <= SBX_LOG_DEBUG ? names[level] : "", msg);
}

/* The one deliberate global: where diagnostics go. */
static struct {
	sbx_log_sink_t sink;
	void *userdata;
	enum sbx_log_level max;
} log_state = {default_sink, NULL, SBX_LOG_WARN};

void sbx_log_set_sink(sbx_log_sink_t sink, void *userdata)
{
	log_state.sink = sink ? sink : default_sink;
	log_state.userdata = userdata;
}

void sbx_log_set_level(enum sbx_log_level max)
{
	log_state.max = max;
}

void sbx_log(enum sbx_log_level level, const char *fmt, ...)
{
	if (level > log_state.max)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_state.sink(level, buf, log_state.userdata);
}

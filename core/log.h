/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostic logging. The sink is the library's only global state. */
#pragma once

enum sbx_log_level { SBX_LOG_ERROR, SBX_LOG_WARN, SBX_LOG_INFO, SBX_LOG_DEBUG };

/* level is an enum sbx_log_level (an int, so that the public API passes its callback as is) */
typedef void (*sbx_log_sink_t)(int level, const char *msg, void *userdata);

/* Installs a sink (NULL restores the default: "sbxctr: " lines on stderr). */
void sbx_log_set_sink(sbx_log_sink_t sink, void *userdata);
void sbx_log_set_level(enum sbx_log_level max);
void sbx_log(enum sbx_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define sbx_warn(...) sbx_log(SBX_LOG_WARN, __VA_ARGS__)
#define sbx_debug(...) sbx_log(SBX_LOG_DEBUG, __VA_ARGS__)

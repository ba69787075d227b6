/* SPDX-License-Identifier: Apache-2.0 */
/* Pure parsers for rates, sizes and times, spelled exactly as tc(8) spells them. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * All three parsers follow iproute2's tc/tc_util.c (get_rate64, get_size)
 * and lib/utils.c (get_time, get_time64):
 *
 *  - a decimal number ("8", "1.5", ".5", "1e3") followed directly by an
 *    optional unit; units are matched case-insensitively, as tc does;
 *  - the result is truncated toward zero, as tc's double -> integer cast.
 *
 * Where we are stricter than tc (on purpose, these come from untrusted
 * configs): no leading/trailing blanks, no sign, no hex, no "inf"/"nan", and
 * the decimal point is always '.', whatever the locale. Overflow of the
 * 64-bit result is -ERANGE instead of a silent wrap.
 *
 * Every parser returns 0, -EINVAL (syntax, unknown unit) or -ERANGE.
 */

/*
 * Rate in bytes per second. Units (tc(8) "RATES"):
 *   bit (or a bare number)  bits/s          -- tc >= 3.x: a bare number is BITS/s
 *   kbit mbit gbit tbit     10^3.. bits/s
 *   kibit mibit gibit tibit 2^10.. bits/s
 *   bps                     BYTES/s         -- tc quirk: "bps" is bytes, not bits
 *   kbps mbps gbps tbps     10^3.. bytes/s
 *   kibps mibps gibps tibps 2^10.. bytes/s
 */
int sbx_rate_parse(const char *s, uint64_t *ret_bytes_per_sec);

/*
 * Size in bytes (tc's get_size): b or a bare number = bytes; k/kb = 1024,
 * m/mb = 1024^2, g/gb = 1024^3 bytes; kbit/mbit/gbit = 1024/8, 1024^2/8,
 * 1024^3/8 bytes. tc knows no "t", "kib" or "mib" here, and neither do we.
 */
int sbx_rate_parse_size(const char *s, uint64_t *ret_bytes);

/*
 * Time in nanoseconds. A bare number is MICROseconds, as in tc's get_time
 * (the one tbf's "latency" uses); s/sec/secs, ms/msec/msecs, us/usec/usecs,
 * and ns/nsec/nsecs (from get_time64).
 */
int sbx_rate_parse_time(const char *s, uint64_t *ret_ns);

/* What a value is, for error messages. */
enum sbx_rate_kind {
	SBX_RATE_KIND_RATE,
	SBX_RATE_KIND_SIZE,
	SBX_RATE_KIND_TIME,
};

/*
 * Formats the error for a failed parse of `value` (r = the parser's return)
 * into err, naming the field:
 *   --net-rate-out: invalid rate "8 mbitz": unknown unit " mbitz" (expected ...)
 * Returns r (negative).
 */
int sbx_rate_err(struct sbx_error *err, int r, enum sbx_rate_kind kind, const char *field,
		 const char *value);

/*
 * Human-readable forms for messages and reports: "8Mbit", "1.5Gbit", "1000bit"
 * (rate, input in bytes/s), "32KiB" (size), "50ms" (time, input in ns).
 * Always NUL-terminated; returns buf.
 */
char *sbx_rate_format(uint64_t bytes_per_sec, char *buf, size_t len);
char *sbx_rate_format_size(uint64_t bytes, char *buf, size_t len);
char *sbx_rate_format_time(uint64_t ns, char *buf, size_t len);

/* SPDX-License-Identifier: Apache-2.0 */
/* tc-compatible rate/size/time parsing (pure; see rate.h for the grammar). */
#include "netns/rate.h"
#include "core/cleanup.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *name;
	/* value = number * mul / div: integers, so that the result is exact */
	uint64_t mul;
	uint64_t div;
};

/* tc/tc_util.c suffixes[] (rates in bits, then divided by 8 -> bytes/s). */
static const struct unit rate_units[] = {
	{ "", 1, 8 }, /* bare number: bits per second (tc >= 3.x) */
	{ "bit", 1, 8 },
	{ "kibit", 1024ULL, 8 },
	{ "kbit", 1000ULL, 8 },
	{ "mibit", 1024ULL * 1024, 8 },
	{ "mbit", 1000000ULL, 8 },
	{ "gibit", 1024ULL * 1024 * 1024, 8 },
	{ "gbit", 1000000000ULL, 8 },
	{ "tibit", 1024ULL * 1024 * 1024 * 1024, 8 },
	{ "tbit", 1000000000000ULL, 8 },
	{ "bps", 8, 8 },
	{ "kibps", 8ULL * 1024, 8 },
	{ "kbps", 8000ULL, 8 },
	{ "mibps", 8ULL * 1024 * 1024, 8 },
	{ "mbps", 8000000ULL, 8 },
	{ "gibps", 8ULL * 1024 * 1024 * 1024, 8 },
	{ "gbps", 8000000000ULL, 8 },
	{ "tibps", 8ULL * 1024 * 1024 * 1024 * 1024, 8 },
	{ "tbps", 8000000000000ULL, 8 },
};

/* tc/tc_util.c get_size(). */
static const struct unit size_units[] = {
	{ "", 1, 1 },
	{ "b", 1, 1 },
	{ "k", 1024, 1 },
	{ "kb", 1024, 1 },
	{ "m", 1024ULL * 1024, 1 },
	{ "mb", 1024ULL * 1024, 1 },
	{ "g", 1024ULL * 1024 * 1024, 1 },
	{ "gb", 1024ULL * 1024 * 1024, 1 },
	{ "kbit", 1024, 8 },
	{ "mbit", 1024ULL * 1024, 8 },
	{ "gbit", 1024ULL * 1024 * 1024, 8 },
};

/* lib/utils.c get_time() (bare = microseconds) plus get_time64()'s "ns". */
static const struct unit time_units[] = {
	{ "", 1000, 1 },
	{ "s", 1000000000ULL, 1 },
	{ "sec", 1000000000ULL, 1 },
	{ "secs", 1000000000ULL, 1 },
	{ "ms", 1000000, 1 },
	{ "msec", 1000000, 1 },
	{ "msecs", 1000000, 1 },
	{ "us", 1000, 1 },
	{ "usec", 1000, 1 },
	{ "usecs", 1000, 1 },
	{ "ns", 1, 1 },
	{ "nsec", 1, 1 },
	{ "nsecs", 1, 1 },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A scanned decimal number: mantissa * 10^exp10. */
struct number {
	unsigned __int128 mant; /* < 10^20: every uint64_t is exact */
	int exp10;
};

/*
 * Scans a decimal number with optional fraction and exponent. Returns the
 * number of characters consumed (0 = no number). Our own scanner instead of
 * strtod(): no locale, no hex, no inf/nan, no sign, no blanks, and exact
 * (strtod("8.2") * 10^6 / 8 truncates to 1024999 in tc; we give 1025000).
 * Digits beyond 20 significant ones are dropped (truncation, like the cast).
 */
static size_t scan_number(const char *s, struct number *ret)
{
	const char *p = s;
	struct number n = { 0, 0 };
	bool digits = false;

	while (is_digit(*p)) {
		if (n.mant < 10000000000000000000ULL)
			n.mant = n.mant * 10 + (unsigned)(*p - '0');
		else
			n.exp10++;
		digits = true;
		p++;
	}
	if (*p == '.') {
		p++;
		while (is_digit(*p)) {
			if (n.mant < 10000000000000000000ULL) {
				n.mant = n.mant * 10 + (unsigned)(*p - '0');
				n.exp10--;
			}
			digits = true;
			p++;
		}
	}
	if (!digits)
		return 0;
	/* An exponent only counts when digits follow: "1e" is 1 with unit "e". */
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;
		bool neg = false;
		if (*q == '+' || *q == '-')
			neg = *q++ == '-';
		if (is_digit(*q)) {
			int e = 0;
			while (is_digit(*q)) {
				if (e < 100000)
					e = e * 10 + (*q - '0');
				q++;
			}
			n.exp10 += neg ? -e : e;
			p = q;
		}
	}
	*ret = n;
	return (size_t)(p - s);
}

/* mant * 10^exp10 * mul / div, truncated; -ERANGE above UINT64_MAX. */
static int scale_number(struct number n, uint64_t mul, uint64_t div, uint64_t *ret)
{
	typedef unsigned __int128 u128;
	const u128 limit = (u128)UINT64_MAX * div; /* num/den fits iff num < (UINT64_MAX+1)*den */
	u128 num = n.mant * mul;		   /* < 2^67 * 2^43: no overflow */
	u128 den = div;

	if (num == 0) {
		*ret = 0;
		return 0;
	}
	if (n.exp10 >= 0) {
		for (int i = 0; i < n.exp10; i++) {
			num *= 10;
			if (num > limit + div - 1)
				return -ERANGE;
		}
	} else {
		/* num < 2^110 < 10^34: more divisions than that give 0. */
		if (n.exp10 < -34) {
			*ret = 0;
			return 0;
		}
		for (int i = 0; i < -n.exp10; i++)
			den *= 10;
	}
	u128 v = num / den;
	if (v > UINT64_MAX)
		return -ERANGE;
	*ret = (uint64_t)v;
	return 0;
}

static const struct unit *find_unit(const struct unit *units, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(units[i].name, name) == 0)
			return &units[i];
	return NULL;
}

static int parse_with(const struct unit *units, size_t n, const char *s, uint64_t *ret)
{
	struct number num;

	if (!s)
		return -EINVAL;
	size_t used = scan_number(s, &num);
	if (used == 0)
		return -EINVAL;
	const struct unit *u = find_unit(units, n, s + used);
	if (!u)
		return -EINVAL;
	return scale_number(num, u->mul, u->div, ret);
}

int sbx_rate_parse(const char *s, uint64_t *ret_bytes_per_sec)
{
	return parse_with(rate_units, SBX_ARRAY_SIZE(rate_units), s, ret_bytes_per_sec);
}

int sbx_rate_parse_size(const char *s, uint64_t *ret_bytes)
{
	return parse_with(size_units, SBX_ARRAY_SIZE(size_units), s, ret_bytes);
}

int sbx_rate_parse_time(const char *s, uint64_t *ret_ns)
{
	return parse_with(time_units, SBX_ARRAY_SIZE(time_units), s, ret_ns);
}

static const char *kind_name(enum sbx_rate_kind kind)
{
	switch (kind) {
	case SBX_RATE_KIND_RATE:
		return "rate";
	case SBX_RATE_KIND_SIZE:
		return "size";
	case SBX_RATE_KIND_TIME:
		return "time";
	default:
		return "value";
	}
}

static const char *kind_hint(enum sbx_rate_kind kind)
{
	switch (kind) {
	case SBX_RATE_KIND_RATE:
		return "expected a number and a tc unit: bit, kbit, mbit, gbit, tbit (bits/s), "
		       "bps, kbps, mbps, gbps, tbps (BYTES/s), or kibit, mibps, ... (powers of 1024); "
		       "e.g. 8mbit";
	case SBX_RATE_KIND_SIZE:
		return "expected a number and a tc unit: b, k/kb, m/mb, g/gb (bytes, powers of "
		       "1024), or kbit, mbit, gbit; e.g. 32k";
	case SBX_RATE_KIND_TIME:
		return "expected a number and a unit: s, ms, us, ns (a bare number is "
		       "microseconds); e.g. 50ms";
	default:
		return "";
	}
}

int sbx_rate_err(struct sbx_error *err, int r, enum sbx_rate_kind kind, const char *field,
		 const char *value)
{
	const char *what = kind_name(kind);
	struct number v;

	if (r >= 0)
		r = -EINVAL;
	if (!value)
		value = "";
	if (r == -ERANGE)
		return sbx_err_set(err, ERANGE, "%s: %s \"%s\" is out of range", field, what, value);
	if (!*value)
		return sbx_err_set(err, EINVAL, "%s: empty %s (%s)", field, what, kind_hint(kind));
	size_t used = scan_number(value, &v);
	if (used == 0)
		return sbx_err_set(err, EINVAL, "%s: invalid %s \"%s\": does not start with a number (%s)",
				   field, what, value, kind_hint(kind));
	return sbx_err_set(err, EINVAL, "%s: invalid %s \"%s\": unknown unit \"%s\" (%s)", field, what,
			   value, value + used, kind_hint(kind));
}

/*
 * Prints v/unit with up to three decimals, trailing zeros trimmed:
 * 1500000 / 10^6 -> "1.5".
 */
static void print_scaled(char *buf, size_t len, uint64_t v, uint64_t unit, const char *suffix)
{
	uint64_t whole = v / unit;
	uint64_t frac = (uint64_t)(((unsigned __int128)(v % unit) * 1000) / unit);
	if (frac == 0) {
		snprintf(buf, len, "%" PRIu64 "%s", whole, suffix);
		return;
	}
	char f[8];
	snprintf(f, sizeof(f), "%03" PRIu64, frac);
	for (int i = 2; i > 0 && f[i] == '0'; i--)
		f[i] = '\0';
	snprintf(buf, len, "%" PRIu64 ".%s%s", whole, f, suffix);
}

char *sbx_rate_format(uint64_t bytes_per_sec, char *buf, size_t len)
{
	static const char *const names[] = { "bit", "Kbit", "Mbit", "Gbit", "Tbit" };
	unsigned __int128 bits = (unsigned __int128)bytes_per_sec * 8;
	uint64_t unit = 1;
	size_t i = 0;

	if (len == 0)
		return buf;
	/* Above 2^64 bits/s (only from absurd inputs) report in bytes instead. */
	if (bits > UINT64_MAX) {
		snprintf(buf, len, "%" PRIu64 "bps", bytes_per_sec);
		return buf;
	}
	while (i + 1 < SBX_ARRAY_SIZE(names) && (uint64_t)bits >= unit * 1000) {
		unit *= 1000;
		i++;
	}
	print_scaled(buf, len, (uint64_t)bits, unit, names[i]);
	return buf;
}

char *sbx_rate_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	uint64_t unit = 1;
	size_t i = 0;

	if (len == 0)
		return buf;
	while (i + 1 < SBX_ARRAY_SIZE(names) && bytes >= unit * 1024) {
		unit *= 1024;
		i++;
	}
	print_scaled(buf, len, bytes, unit, names[i]);
	return buf;
}

char *sbx_rate_format_time(uint64_t ns, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (ns >= 1000000000ULL)
		print_scaled(buf, len, ns, 1000000000ULL, "s");
	else if (ns >= 1000000)
		print_scaled(buf, len, ns, 1000000, "ms");
	else if (ns >= 1000)
		print_scaled(buf, len, ns, 1000, "us");
	else
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	return buf;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "core/jsonutil.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbx_jloc sbx_jloc_key(const struct sbx_jloc *parent, const char *key)
{
	struct sbx_jloc l = {.doc = parent->doc};
	if (parent->path[0])
		snprintf(l.path, sizeof(l.path), "%s.%s", parent->path, key);
	else
		snprintf(l.path, sizeof(l.path), "%s", key);
	return l;
}

struct sbx_jloc sbx_jloc_idx(const struct sbx_jloc *parent, size_t idx)
{
	struct sbx_jloc l = {.doc = parent->doc};
	snprintf(l.path, sizeof(l.path), "%s[%zu]", parent->path, idx);
	return l;
}

void sbx_json_describe(json_object *o, char *buf, size_t size)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		snprintf(buf, size, "null");
		break;
	case json_type_object:
		snprintf(buf, size, "an object");
		break;
	case json_type_array:
		snprintf(buf, size, "an array");
		break;
	case json_type_string: {
		const char *s = json_object_get_string(o);
		if (strlen(s) > 60)
			snprintf(buf, size, "\"%.57s...\"", s);
		else
			snprintf(buf, size, "\"%s\"", s);
		break;
	}
	case json_type_boolean:
	case json_type_double:
	case json_type_int:
	default:
		snprintf(buf, size, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		break;
	}
}

static const char *loc_path(const struct sbx_jloc *loc)
{
	return loc->path[0] ? loc->path : "(top level)";
}

int sbx_json_type_error(const struct sbx_jloc *loc, json_object *o, const char *what,
			struct sbx_error *err)
{
	char v[80];
	sbx_json_describe(o, v, sizeof(v));
	return sbx_err_set(err, EINVAL, "%s: %s: expected %s, got %s", loc->doc, loc_path(loc), what, v);
}

int sbx_json_error(const struct sbx_jloc *loc, struct sbx_error *err, const char *fmt, ...)
{
	char m[SBX_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	return sbx_err_set(err, EINVAL, "%s: %s: %s", loc->doc, loc_path(loc), m);
}

/* Finds an integer literal outside strings that does not fit in 64 bits. */
static bool find_int_overflow(const char *buf, size_t len, size_t *ret_off)
{
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
			continue;
		}
		if (c != '-' && !(c >= '0' && c <= '9'))
			continue;
		size_t start = i, j = i + (c == '-');
		while (j < len && buf[j] >= '0' && buf[j] <= '9')
			j++;
		bool integer = j == len || (buf[j] != '.' && buf[j] != 'e' && buf[j] != 'E');
		size_t digits = j - start - (c == '-');
		if (integer && digits >= 19) {
			char tmp[64];
			size_t n = j - start < sizeof(tmp) - 1 ? j - start : sizeof(tmp) - 1;
			memcpy(tmp, buf + start, n);
			tmp[n] = '\0';
			errno = 0;
			if (c == '-')
				(void)strtoll(tmp, NULL, 10);
			else
				(void)strtoull(tmp, NULL, 10);
			if (errno == ERANGE || digits > 20) {
				*ret_off = start;
				return true;
			}
		}
		/* skip the rest of this number token (fraction, exponent) */
		while (j < len && strchr("0123456789.eE+-", buf[j]))
			j++;
		i = j - 1;
	}
	return false;
}

int sbx_json_parse(const char *doc, const char *buf, size_t len, json_object **ret, struct sbx_error *err)
{
	json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return sbx_err_set(err, ENOMEM, "%s: cannot allocate a JSON parser", doc);
	/* strict: no trailing commas, no single quotes, no comments */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	if (len > INT32_MAX) {
		json_tokener_free(tok);
		return sbx_err_set(err, EFBIG, "%s: document too large", doc);
	}
	json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t off = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) {
		json_object_put(o);
		return sbx_err_set(err, EINVAL, "%s: invalid JSON: unexpected end of input", doc);
	}
	if (!o || jerr != json_tokener_success) {
		json_object_put(o);
		return sbx_err_set(err, EINVAL, "%s: invalid JSON at byte %zu: %s", doc, off,
				   json_tokener_error_desc(jerr));
	}
	/* anything but whitespace after the value is an error */
	for (size_t i = off; i < len; i++) {
		if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\0') {
			json_object_put(o);
			return sbx_err_set(err, EINVAL, "%s: invalid JSON at byte %zu: trailing data", doc, i);
		}
	}
	size_t bad;
	if (find_int_overflow(buf, len, &bad)) {
		json_object_put(o);
		return sbx_err_set(err, ERANGE, "%s: number at byte %zu does not fit in 64 bits", doc, bad);
	}
	*ret = o;
	return 0;
}

int sbx_json_expect(json_object *o, enum json_type type, const struct sbx_jloc *loc, struct sbx_error *err)
{
	if (json_object_is_type(o, type))
		return 0;
	const char *what = "a value";
	switch (type) {
	case json_type_object: what = "an object"; break;
	case json_type_array: what = "an array"; break;
	case json_type_string: what = "a string"; break;
	case json_type_boolean: what = "a boolean"; break;
	case json_type_int: what = "an integer"; break;
	case json_type_double: what = "a number"; break;
	case json_type_null: what = "null"; break;
	default: break;
	}
	return sbx_json_type_error(loc, o, what, err);
}

/*
 * json-c keeps integers as int64 or, above INT64_MAX, as uint64; get_int64
 * saturates at INT64_MAX for the latter, so the sign is read first and the
 * magnitude second. Literals beyond the 64-bit range are refused while
 * parsing (json-c would silently saturate them).
 */
int sbx_json_u64(json_object *o, const struct sbx_jloc *loc, uint64_t *ret, struct sbx_error *err)
{
	if (!json_object_is_type(o, json_type_int) || json_object_get_int64(o) < 0)
		return sbx_json_type_error(loc, o, "an unsigned integer", err);
	*ret = json_object_get_uint64(o);
	return 0;
}

int sbx_json_u32(json_object *o, const struct sbx_jloc *loc, uint32_t *ret, struct sbx_error *err)
{
	uint64_t v;
	if (!json_object_is_type(o, json_type_int) || json_object_get_int64(o) < 0 ||
	    (v = json_object_get_uint64(o)) > UINT32_MAX)
		return sbx_json_type_error(loc, o, "an unsigned 32-bit integer", err);
	*ret = (uint32_t)v;
	return 0;
}

int sbx_json_i64(json_object *o, const struct sbx_jloc *loc, int64_t *ret, struct sbx_error *err)
{
	if (!json_object_is_type(o, json_type_int) ||
	    (json_object_get_int64(o) == INT64_MAX && json_object_get_uint64(o) > (uint64_t)INT64_MAX))
		return sbx_json_type_error(loc, o, "an integer", err);
	*ret = json_object_get_int64(o);
	return 0;
}

int sbx_json_int(json_object *o, const struct sbx_jloc *loc, int *ret, struct sbx_error *err)
{
	int64_t v;
	if (!json_object_is_type(o, json_type_int) || (v = json_object_get_int64(o)) > INT32_MAX ||
	    v < INT32_MIN)
		return sbx_json_type_error(loc, o, "a 32-bit integer", err);
	*ret = (int)v;
	return 0;
}

int sbx_json_bool(json_object *o, const struct sbx_jloc *loc, bool *ret, struct sbx_error *err)
{
	if (!json_object_is_type(o, json_type_boolean))
		return sbx_json_type_error(loc, o, "a boolean", err);
	*ret = json_object_get_boolean(o);
	return 0;
}

int sbx_json_str(json_object *o, const struct sbx_jloc *loc, const char **ret, struct sbx_error *err)
{
	if (!json_object_is_type(o, json_type_string))
		return sbx_json_type_error(loc, o, "a string", err);
	const char *s = json_object_get_string(o);
	/* an embedded NUL would silently truncate a path or a name */
	if ((size_t)json_object_get_string_len(o) != strlen(s))
		return sbx_json_error(loc, err, "string contains a NUL byte");
	*ret = s;
	return 0;
}

int sbx_json_strv(json_object *o, const struct sbx_jloc *loc, char ***ret, struct sbx_error *err)
{
	if (!json_object_is_type(o, json_type_array))
		return sbx_json_type_error(loc, o, "an array of strings", err);
	size_t n = json_object_array_length(o);
	_cleanup_strv_ char **v = sbx_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct sbx_jloc il = sbx_jloc_idx(loc, i);
		const char *s = NULL;
		int r = sbx_json_str(json_object_array_get_idx(o, i), &il, &s, err);
		if (r < 0)
			return r;
		v[i] = sbx_xstrdup(s);
	}
	*ret = TAKE_PTR(v);
	return 0;
}

json_object *sbx_json_get(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return json_object_is_type(v, json_type_null) ? NULL : v;
}

int sbx_json_get_strdup(json_object *obj, const struct sbx_jloc *ploc, const char *key, bool required, char **ret,
			struct sbx_error *err)
{
	json_object *o = sbx_json_get(obj, key);
	struct sbx_jloc loc = sbx_jloc_key(ploc, key);
	if (!o) {
		if (required) {
			sbx_json_error(&loc, err, "required field is missing");
			return -EINVAL;
		}
		return 0;
	}
	const char *s = NULL;
	int r = sbx_json_str(o, &loc, &s, err);
	if (r < 0 || !s)
		return r < 0 ? r : -EINVAL;
	free(*ret);
	*ret = sbx_xstrdup(s);
	return 0;
}

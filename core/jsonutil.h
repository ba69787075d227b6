/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed access to json-c values with errors that name the document, the JSON
 * path and the offending value, e.g.
 *   config.json: process.rlimits[1].hard: expected an unsigned integer, got "x"
 * Shared by the config, seccomp-profile and batch-job parsers.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

/* A location for messages: document name plus JSON path ("" for the root). */
struct sbx_jloc {
	const char *doc;
	char path[256];
};

/* Child locations: "a.b" and "a[3]". */
struct sbx_jloc sbx_jloc_key(const struct sbx_jloc *parent, const char *key);
struct sbx_jloc sbx_jloc_idx(const struct sbx_jloc *parent, size_t idx);

/* Short rendering of a value for messages: "\"x\"", "-1", "an object", ... */
void sbx_json_describe(json_object *o, char *buf, size_t size);

/* Fails with "doc: path: expected <what>, got <value>". */
int sbx_json_type_error(const struct sbx_jloc *loc, json_object *o, const char *what,
			struct sbx_error *err);
/* Fails with "doc: path: <message>". */
int sbx_json_error(const struct sbx_jloc *loc, struct sbx_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses a whole buffer; syntax errors name the document and the offset. */
int sbx_json_parse(const char *doc, const char *buf, size_t len, json_object **ret, struct sbx_error *err);

/*
 * Getters for a value `o` at `loc`. A JSON null is treated by the caller as
 * absent (use sbx_json_get() which returns NULL for both).
 */
int sbx_json_u64(json_object *o, const struct sbx_jloc *loc, uint64_t *ret, struct sbx_error *err);
int sbx_json_u32(json_object *o, const struct sbx_jloc *loc, uint32_t *ret, struct sbx_error *err);
int sbx_json_i64(json_object *o, const struct sbx_jloc *loc, int64_t *ret, struct sbx_error *err);
int sbx_json_int(json_object *o, const struct sbx_jloc *loc, int *ret, struct sbx_error *err);
int sbx_json_bool(json_object *o, const struct sbx_jloc *loc, bool *ret, struct sbx_error *err);
int sbx_json_str(json_object *o, const struct sbx_jloc *loc, const char **ret, struct sbx_error *err);
/* Array of strings into a new NULL-terminated vector. */
int sbx_json_strv(json_object *o, const struct sbx_jloc *loc, char ***ret, struct sbx_error *err);
int sbx_json_expect(json_object *o, enum json_type type, const struct sbx_jloc *loc,
		    struct sbx_error *err);

/* Member lookup; NULL when missing or JSON null. */
json_object *sbx_json_get(json_object *obj, const char *key);

/*
 * The string member key of obj (at ploc), copied into *ret (replacing what
 * is there). Missing or null: an error when required, else 0 with *ret
 * untouched.
 */
int sbx_json_get_strdup(json_object *obj, const struct sbx_jloc *ploc, const char *key, bool required, char **ret,
			struct sbx_error *err);

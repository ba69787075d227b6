/* SPDX-License-Identifier: Apache-2.0 */
/* The report of one run: JSON (--report, batch result lines) and isolate-style meta. */
#pragma once

#include <json-c/json.h>

#include "oci/config.h"
#include "core/error.h"
#include "runtime/sandbox.h"

/* Builds the report object (caller puts it). cfg may be NULL (failed before a config existed). */
json_object *sbx_report_build(const struct sbx_config *cfg, const struct sbx_result *res);

/* Writes the JSON report atomically (a temp file renamed over path). */
int sbx_report_write(const char *path, const struct sbx_config *cfg, const struct sbx_result *res,
		     struct sbx_error *err);

/* Writes isolate's --meta format ("key:value" lines) atomically. */
int sbx_meta_write(const char *path, const struct sbx_result *res, struct sbx_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON report of one run (--report FILE, batch result lines). */
#pragma once

#include <json-c/json.h>

#include "runtime/error.h"
#include "runtime/sandbox.h"

/* Builds the report object (caller puts it). */
json_object *sbx_report_build(const struct sbx_result *res);

/* Writes the report atomically (a temp file renamed over path). */
int sbx_report_write(const char *path, const struct sbx_result *res, struct sbx_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The I/O around the pure OCI model (oci/config.h): reading a bundle's
 * config.json, resolving a rootfs given by the user, reading a seccomp
 * profile file.
 */
#pragma once

#include "core/error.h"
#include "oci/config.h"

/* Reads and parses DIR/config.json (DIR made absolute first). */
int sbx_config_load_bundle(const char *bundle_dir, struct sbx_config **ret, struct sbx_error *err);
/* The built-in default config (sbx_config_default_at) for rootfs, a path as the user gave it. */
int sbx_config_default(const char *rootfs, char *const *argv, struct sbx_config **ret, struct sbx_error *err);
/* Reads a seccomp profile file (what sbx_config_set_seccomp_file() named). */
int sbx_seccomp_read_file(const char *path, char **ret, struct sbx_error *err);

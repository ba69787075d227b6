/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI features document (runtime-spec features.md) that `sbxctr features` prints. Pure. */
#pragma once

/*
 * The document as pretty JSON (malloc'd). mount_options is the list of
 * mount options the mount plan understands (rootfs/plan.h), NULL-terminated.
 */
char *sbx_oci_features_json(const char *const *mount_options);

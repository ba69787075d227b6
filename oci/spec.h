/* SPDX-License-Identifier: Apache-2.0 */
/* A starter config.json, as `runc spec` writes one (pure). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * The config (pretty JSON, malloc'd): runc's default (a terminal running
 * sh, read-only rootfs "rootfs", the usual mounts and namespaces, three
 * capabilities, no_new_privs). rootless maps uid/gid (the caller's) to root
 * in a user namespace, shares the host's network, binds /sys instead of
 * mounting sysfs and drops linux.resources, as `runc spec --rootless` does.
 */
char *sbx_oci_spec_json(bool rootless, uint32_t uid, uint32_t gid);

/* SPDX-License-Identifier: Apache-2.0 */
/* Identity and capabilities of the sandboxed process (libcap). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "runtime/config.h"
#include "runtime/error.h"

/*
 * In the sandbox child, as root of its user namespace: drops the bounding
 * set to caps->bounding, switches to uid/gid/groups keeping capabilities
 * across the switch, then sets effective/permitted/inheritable and ambient.
 */
int sbx_caps_apply_identity(const struct sbx_process *proc, struct sbx_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* Declarations shared by the seccomp sources of profiles/ only. */
#pragma once

#include <stdbool.h>

/* Is this one of runc's 18 SCMP_ARCH_* strings (whether or not libseccomp supports it)? */
bool sbx_seccomp_arch_name_known(const char *scmp_name);

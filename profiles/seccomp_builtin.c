/* SPDX-License-Identifier: Apache-2.0 */
/* Lookup of the shipped profiles embedded at build time. */
#include "profiles/seccomp_builtin.h"

#include <string.h>

const char *sbx_seccomp_builtin_profile(const char *name)
{
	for (const struct sbx_embedded_file *e = sbx_embedded_profiles; e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e->text;
	return NULL;
}

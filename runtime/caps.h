/* SPDX-License-Identifier: Apache-2.0 */
/* Identity and capabilities of the sandboxed process (libcap). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/capability.h>

#include "oci/config.h"
#include "core/error.h"

/*
 * Built in the parent: the effective/permitted/inheritable sets as a libcap
 * object (libcap allocates, which the child must not: runtime/spawn.h), and
 * the kernel's last capability, read once per start for both sides.
 */
struct sbx_caps_prepared {
	cap_t sets;
	int last_cap;
	/*
	 * The user namespace denies setgroups (an ordinary user's single-id
	 * map): the caller's supplementary groups stay, and additionalGids
	 * were refused by the identity plan.
	 */
	bool keep_groups;
};

int sbx_caps_prepare(const struct sbx_process *proc, struct sbx_caps_prepared *ret, struct sbx_error *err);
void sbx_caps_prepared_free(struct sbx_caps_prepared *p);

/*
 * In the sandbox child, as root of its user namespace: drops the bounding
 * set to caps->bounding, switches to uid/gid/groups keeping capabilities
 * across the switch, then sets the prepared sets and the ambient set.
 * Allocation-free, and setuid & co. as raw syscalls: glibc's wrappers
 * would try to change the credentials of the runtime's threads too.
 */
int sbx_caps_apply_identity(const struct sbx_process *proc, const struct sbx_caps_prepared *prepared,
			    struct sbx_error *err);

/* The highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap). */
int sbx_cap_last_cap(void);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policies: what sbxctr adds to a config before running it (pure). The
 * differences, and what each costs in the runtime-tools suite, are listed
 * in docs/oci.md.
 */
#pragma once

#include "core/error.h"
#include "oci/config.h"

#define SBX_POLICY_ANNOTATION "org.sbxctr.policy"
#define SBX_POLICY_ENV "SBXCTR_POLICY"

/* "hardened" / "exact" -> the enum; -EINVAL otherwise. */
int sbx_policy_parse(const char *s, enum sbx_policy *ret);
const char *sbx_policy_name(enum sbx_policy p);

/*
 * The policy for cfg: its org.sbxctr.policy annotation when it has one,
 * else fallback (the --policy flag, SBXCTR_POLICY or the default). A bad
 * annotation is an error naming it.
 */
int sbx_policy_for(const struct sbx_config *cfg, enum sbx_policy fallback, enum sbx_policy *ret,
		   struct sbx_error *err);

/*
 * Applies the policy to cfg and records it in cfg->policy:
 *   both:     a cgroup mount without a cgroup namespace gets a new one, as
 *             mounting cgroup2 needs (and the host's hierarchy stays as it is);
 *   hardened: a new user namespace when the config has none (joining one, or a
 *             mount namespace, by path is refused), with the rootfs idmapped
 *             to it, no_new_privs, the shipped
 *             default seccomp profile when the config has none, the OCI
 *             default masked and read-only paths when it lists none;
 *   exact:    nothing else.
 */
int sbx_config_apply_policy(struct sbx_config *cfg, enum sbx_policy policy, struct sbx_error *err);

/* The OCI (runc) default maskedPaths and readonlyPaths, NULL-terminated. */
extern const char *const sbx_oci_default_masked[];
extern const char *const sbx_oci_default_readonly[];

/* SPDX-License-Identifier: Apache-2.0 */
/* hardened and exact: what each adds to a config (docs/oci.md). */
#include "oci/policy.h"
#include "core/util.h"

#include <string.h>

const char *const sbx_oci_default_masked[] = {
	"/proc/acpi",	     "/proc/asound",	 "/proc/kcore",	      "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",	     "/sys/firmware",	 "/sys/devices/virtual/powercap", NULL,
};
const char *const sbx_oci_default_readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
						"/proc/sysrq-trigger", NULL};

int sbx_policy_parse(const char *s, enum sbx_policy *ret)
{
	if (strcmp(s, "hardened") == 0)
		*ret = SBX_POLICY_HARDENED;
	else if (strcmp(s, "exact") == 0)
		*ret = SBX_POLICY_EXACT;
	else
		return -EINVAL;
	return 0;
}

const char *sbx_policy_name(enum sbx_policy p)
{
	return p == SBX_POLICY_EXACT ? "exact" : "hardened";
}

int sbx_policy_for(const struct sbx_config *cfg, enum sbx_policy fallback, enum sbx_policy *ret,
		   struct sbx_error *err)
{
	const char *v = sbx_config_annotation(cfg, SBX_POLICY_ANNOTATION);
	if (!v) {
		*ret = fallback;
		return 0;
	}
	if (sbx_policy_parse(v, ret) < 0)
		return sbx_err_set(err, EINVAL,
				   "config.json: annotations." SBX_POLICY_ANNOTATION
				   ": expected hardened or exact, got \"%s\"",
				   v);
	return 0;
}

static bool has_cgroup_mount(const struct sbx_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const char *t = cfg->mounts[i].type;
		if (t && (strcmp(t, "cgroup") == 0 || strcmp(t, "cgroup2") == 0))
			return true;
	}
	return false;
}

int sbx_config_apply_policy(struct sbx_config *cfg, enum sbx_policy policy, struct sbx_error *err)
{
	cfg->policy = (int)policy;
	/*
	 * runc, crun, umoci and podman all write a cgroup mount without a
	 * cgroup namespace. cgroup2 can only be mounted from a user namespace
	 * in a cgroup namespace it owns, and a mount made from the host's
	 * cgroup namespace would apply its options to the host's hierarchy
	 * (the kernel re-applies them to the shared superblock): so the
	 * container gets a cgroup namespace of its own either way.
	 */
	if (has_cgroup_mount(cfg) && !cfg->ns[SBX_NS_CGROUP].enabled)
		cfg->ns[SBX_NS_CGROUP].enabled = true;
	if (policy == SBX_POLICY_EXACT)
		return 0;

	static const char *const names[] = {[SBX_NS_USER] = "user", [SBX_NS_MOUNT] = "mount"};
	for (int t = 0; t <= SBX_NS_MOUNT; t++) {
		if ((t == SBX_NS_USER || t == SBX_NS_MOUNT) && cfg->ns[t].path)
			return sbx_err_set(err, EINVAL,
					   "config.json: linux.namespaces: joining an existing %s namespace "
					   "(%s) is not supported under the hardened policy, which always "
					   "creates the container's own user and mount namespaces (use "
					   "--policy exact)",
					   names[t], cfg->ns[t].path);
	}
	/*
	 * The user namespace sbxctr adds gets its own id range: files owned by
	 * host root must still look root-owned inside, as they would without it.
	 */
	cfg->idmap_rootfs = !cfg->ns[SBX_NS_USER].enabled && cfg->n_uid_mappings == 0;
	cfg->ns[SBX_NS_USER].enabled = true;
	cfg->ns[SBX_NS_MOUNT].enabled = true;
	cfg->process.no_new_privileges = true;
	if (!cfg->seccomp_json && !cfg->seccomp_unconfined &&
	    sbx_config_set_seccomp_builtin(cfg, "default") < 0)
		return sbx_err_set(err, ENOENT, "the shipped default seccomp profile is missing");
	if (!cfg->masked_paths)
		cfg->masked_paths = sbx_strv_copy((char *const *)sbx_oci_default_masked);
	if (!cfg->readonly_paths)
		cfg->readonly_paths = sbx_strv_copy((char *const *)sbx_oci_default_readonly);
	return 0;
}

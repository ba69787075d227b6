/* SPDX-License-Identifier: Apache-2.0 */
/* What this runtime supports, as the features document says it. */
#include "oci/features.h"
#include "oci/config.h"
#include "oci/policy.h"
#include "oci/state.h"
#include "core/util.h"
#include "profiles/seccomp_profile.h"

#include <json-c/json.h>

static json_object *strv(const char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *enabled(bool on)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "enabled", json_object_new_boolean(on));
	return o;
}

static json_object *seccomp(void)
{
	json_object *s = enabled(true);
	json_object *acts = json_object_new_array();
	for (int a = SBX_SECCOMP_ACT_KILL; a <= SBX_SECCOMP_ACT_NOTIFY; a++)
		json_object_array_add(acts, json_object_new_string(sbx_seccomp_action_name((enum sbx_seccomp_action)a)));
	json_object_object_add(s, "actions", acts);
	json_object *ops = json_object_new_array();
	for (int o = SBX_SECCOMP_OP_NE; o <= SBX_SECCOMP_OP_MASKED_EQ; o++)
		json_object_array_add(ops, json_object_new_string(sbx_seccomp_op_name((enum sbx_seccomp_op)o)));
	json_object_object_add(s, "operators", ops);
	json_object *archs = json_object_new_array();
	for (size_t i = 0; sbx_seccomp_arch_name_at(i); i++)
		json_object_array_add(archs, json_object_new_string(sbx_seccomp_arch_name_at(i)));
	json_object_object_add(s, "archs", archs);
	static const char *const flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
					    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
					    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL};
	json_object_object_add(s, "knownFlags", strv(flags));
	json_object_object_add(s, "supportedFlags", strv(flags + 1));
	return s;
}

char *sbx_oci_features_json(const char *const *mount_options)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(o, "ociVersionMax", json_object_new_string(SBX_OCI_VERSION));
	json_object *hooks = json_object_new_array();
	for (int k = 0; k < SBX_HOOK__COUNT; k++)
		json_object_array_add(hooks, json_object_new_string(sbx_hook_kind_name((enum sbx_hook_kind)k)));
	json_object_object_add(o, "hooks", hooks);
	json_object_object_add(o, "mountOptions", strv(mount_options));

	json_object *lin = json_object_new_object();
	static const char *const ns[] = {"cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time", NULL};
	json_object_object_add(lin, "namespaces", strv(ns));
	json_object *caps = json_object_new_array();
	for (int c = 0; sbx_cap_to_name(c); c++)
		json_object_array_add(caps, json_object_new_string(sbx_cap_to_name(c)));
	json_object_object_add(lin, "capabilities", caps);
	json_object *cg = json_object_new_object();
	json_object_object_add(cg, "v1", json_object_new_boolean(false));
	json_object_object_add(cg, "v2", json_object_new_boolean(true));
	json_object_object_add(cg, "systemd", json_object_new_boolean(true));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(false));
	json_object_object_add(cg, "rdma", json_object_new_boolean(false));
	json_object_object_add(lin, "cgroup", cg);
	json_object_object_add(lin, "seccomp", seccomp());
	json_object_object_add(lin, "apparmor", enabled(false));
	json_object_object_add(lin, "selinux", enabled(false));
	json_object_object_add(lin, "intelRdt", enabled(false));
	/* idmapped mounts per mount (mounts[].uidMappings) are not offered; the hardened rootfs is */
	json_object *ext = json_object_new_object();
	json_object_object_add(ext, "idmap", enabled(false));
	json_object_object_add(lin, "mountExtensions", ext);
	json_object_object_add(o, "linux", lin);

	json_object *ann = json_object_new_object();
	json_object_object_add(ann, "org.sbxctr.version", json_object_new_string(SBX_VERSION));
	json_object_object_add(ann, SBX_POLICY_ANNOTATION, json_object_new_string("hardened|exact"));
	json_object_object_add(o, "annotations", ann);
	char *text = sbx_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(o);
	return text;
}

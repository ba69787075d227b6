/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI model (pure): policies, state JSON, ids, hooks and devices in
 * config.json, the features document, `spec`'s config, signal names, the
 * global flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/global.h"
#include "core/util.h"
#include "oci/config.h"
#include "oci/features.h"
#include "oci/policy.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "rootfs/plan.h"
#include "runtime/container.h"

static struct sbx_config *parse(const char *json)
{
	struct sbx_config *c = NULL;
	struct sbx_error err = {0};
	if (sbx_config_parse(json, strlen(json), "/b", &c, &err) < 0)
		fail_msg("unexpected error: %s", err.msg);
	return c;
}

static void parse_fails(const char *json, const char *want)
{
	struct sbx_config *c = NULL;
	struct sbx_error err = {0};
	if (sbx_config_parse(json, strlen(json), "/b", &c, &err) >= 0) {
		sbx_config_free(c);
		fail_msg("expected an error containing [%s]", want);
	}
	if (!strstr(err.msg, want))
		fail_msg("error [%s] does not contain [%s]", err.msg, want);
}

#define CFG(extra) \
	"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}" extra "}"

static void test_policy_hardened(void **state)
{
	struct sbx_config *c = parse(CFG(",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]},"
					 "\"mounts\":[{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\"}]"));
	struct sbx_error err = {0};
	assert_int_equal(sbx_config_apply_policy(c, SBX_POLICY_HARDENED, &err), 0);
	assert_int_equal(c->policy, SBX_POLICY_HARDENED);
	assert_true(c->ns[SBX_NS_USER].enabled);
	assert_true(c->ns[SBX_NS_MOUNT].enabled);
	assert_true(c->ns[SBX_NS_CGROUP].enabled); /* the cgroup mount asks for it */
	assert_true(c->idmap_rootfs);
	assert_true(c->process.no_new_privileges);
	assert_non_null(c->seccomp_json);
	assert_string_equal(c->masked_paths[0], "/proc/acpi");
	assert_string_equal(c->readonly_paths[0], "/proc/bus");
	sbx_config_free(c);

	/* the config's own user namespace and masks stay; no idmap then */
	c = parse(CFG(",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],\"maskedPaths\":[\"/x\"],"
		      "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}"));
	assert_int_equal(sbx_config_apply_policy(c, SBX_POLICY_HARDENED, &err), 0);
	assert_false(c->idmap_rootfs);
	assert_string_equal(c->masked_paths[0], "/x");
	assert_null(c->masked_paths[1]);
	assert_non_null(strstr(c->seccomp_json, "SCMP_ACT_ALLOW"));
	sbx_config_free(c);

	/* joining a user or mount namespace by path: exact only */
	c = parse(CFG(",\"linux\":{\"namespaces\":[{\"type\":\"mount\",\"path\":\"/proc/1/ns/mnt\"}]}"));
	assert_true(sbx_config_apply_policy(c, SBX_POLICY_HARDENED, &err) < 0);
	assert_non_null(strstr(err.msg, "joining an existing mount namespace (/proc/1/ns/mnt) is not supported under "
					"the hardened policy"));
	assert_int_equal(sbx_config_apply_policy(c, SBX_POLICY_EXACT, &err), 0);
	sbx_config_free(c);
}

static void test_policy_exact(void **state)
{
	struct sbx_config *c = parse(CFG(",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}"));
	struct sbx_error err = {0};
	assert_int_equal(sbx_config_apply_policy(c, SBX_POLICY_EXACT, &err), 0);
	assert_int_equal(c->policy, SBX_POLICY_EXACT);
	assert_false(c->ns[SBX_NS_USER].enabled);
	assert_false(c->ns[SBX_NS_MOUNT].enabled);
	assert_false(c->idmap_rootfs);
	assert_false(c->process.no_new_privileges);
	assert_null(c->seccomp_json);
	assert_null(c->masked_paths);
	sbx_config_free(c);
}

static void test_policy_choice(void **state)
{
	enum sbx_policy p;
	struct sbx_error err = {0};
	assert_int_equal(sbx_policy_parse("exact", &p), 0);
	assert_int_equal(p, SBX_POLICY_EXACT);
	assert_true(sbx_policy_parse("lax", &p) < 0);
	struct sbx_config *c = parse(CFG(",\"annotations\":{\"org.sbxctr.policy\":\"exact\"}"));
	assert_int_equal(sbx_policy_for(c, SBX_POLICY_HARDENED, &p, &err), 0);
	assert_int_equal(p, SBX_POLICY_EXACT); /* the annotation wins */
	sbx_config_free(c);
	c = parse(CFG(",\"annotations\":{\"org.sbxctr.policy\":\"lax\"}"));
	assert_true(sbx_policy_for(c, SBX_POLICY_HARDENED, &p, &err) < 0);
	assert_non_null(strstr(err.msg, "annotations.org.sbxctr.policy: expected hardened or exact, got \"lax\""));
	sbx_config_free(c);
	c = parse(CFG(""));
	assert_int_equal(sbx_policy_for(c, SBX_POLICY_EXACT, &p, &err), 0);
	assert_int_equal(p, SBX_POLICY_EXACT);
	sbx_config_free(c);
}

static void test_hooks_and_devices(void **state)
{
	struct sbx_config *c = parse(CFG(
		",\"hooks\":{\"prestart\":[{\"path\":\"/bin/a\",\"args\":[\"a\",\"1\"],\"env\":[\"X=1\"],\"timeout\":3}],"
		"\"poststop\":[{\"path\":\"/bin/b\"},{\"path\":\"/bin/c\"}]},"
		"\"linux\":{\"cgroupsPath\":\"/a/b\",\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,"
		"\"minor\":229,\"fileMode\":438,\"uid\":1,\"gid\":2},{\"path\":\"/dev/fifo\",\"type\":\"p\"}]}"));
	assert_int_equal(c->hooks[SBX_HOOK_PRESTART].n, 1);
	assert_string_equal(c->hooks[SBX_HOOK_PRESTART].v[0].args[1], "1");
	assert_string_equal(c->hooks[SBX_HOOK_PRESTART].v[0].env[0], "X=1");
	assert_int_equal(c->hooks[SBX_HOOK_PRESTART].v[0].timeout, 3);
	assert_int_equal(c->hooks[SBX_HOOK_POSTSTOP].n, 2);
	assert_null(c->hooks[SBX_HOOK_POSTSTOP].v[0].args);
	assert_int_equal(c->n_devices, 2);
	assert_int_equal(c->devices[0].type, 'c');
	assert_int_equal(c->devices[0].major, 10);
	assert_int_equal(c->devices[0].minor, 229);
	assert_int_equal(c->devices[0].mode, 0666);
	assert_int_equal(c->devices[0].gid, 2);
	assert_int_equal(c->devices[1].type, 'p');
	assert_string_equal(c->cgroups_path, "/a/b");
	assert_string_equal(sbx_hook_kind_name(SBX_HOOK_CREATE_RUNTIME), "createRuntime");

	/* without a user namespace: mknod; with one (hardened): the host's node is bound */
	struct sbx_error err = {0};
	struct sbx_mount_plan *p = NULL;
	assert_int_equal(sbx_config_apply_policy(c, SBX_POLICY_EXACT, &err), 0);
	assert_int_equal(sbx_mount_plan_build(c, &p, &err), 0);
	assert_int_equal(p->ops[0].kind, SBX_MOP_MKNOD);
	assert_int_equal(p->ops[0].dev_minor, 229);
	assert_int_equal(p->ops[1].kind, SBX_MOP_MKNOD);
	sbx_mount_plan_free(p);
	c->policy = SBX_POLICY_HARDENED;
	assert_int_equal(sbx_mount_plan_build(c, &p, &err), 0);
	assert_int_equal(p->ops[0].kind, SBX_MOP_DEVNODE);
	assert_string_equal(p->ops[0].source, "/dev/fuse");
	assert_int_equal(p->ops[1].kind, SBX_MOP_MKNOD); /* fifos are fine in a user namespace */
	sbx_mount_plan_free(p);
	sbx_config_free(c);

	parse_fails(CFG(",\"hooks\":{\"poststart\":[{\"path\":\"rel\"}]}"), "hooks.poststart[0].path: must be an absolute path");
	parse_fails(CFG(",\"hooks\":{\"prestart\":[{\"path\":\"/x\",\"timeout\":0}]}"), "hooks.prestart[0].timeout: must be "
											 "a positive");
	parse_fails(CFG(",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"z\"}]}"), "linux.devices[0].type: expected "
											   "c, b, u or p");
	parse_fails(CFG(",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\"}]}"), "needs major and minor");
	parse_fails(CFG(",\"linux\":{\"devices\":[{\"path\":\"dev/x\",\"type\":\"p\"}]}"), "linux.devices[0].path");
}

static void test_ambient_dropped(void **state)
{
	/* what runc spec writes: ambient without inheritable; dropped, not fatal (as crun does) */
	struct sbx_config *c = parse(CFG(",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":{"
					 "\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"],\"permitted\":[\"CAP_KILL\",\"CAP_CHOWN\"],"
					 "\"inheritable\":[\"CAP_CHOWN\"],\"ambient\":[\"CAP_KILL\",\"CAP_CHOWN\"]}}"));
	assert_int_equal(c->process.caps.ambient, 1ULL << 0); /* CAP_CHOWN only */
	sbx_config_free(c);
}

static void test_state_json(void **state)
{
	struct sbx_kv ann[] = {{"k", "v"}};
	struct sbx_oci_state st = {.id = "c1", .status = SBX_OCI_RUNNING, .pid = 42, .bundle = "/b", .created = "t",
				   .annotations = ann, .n_annotations = 1, .pid_start = 99, .started = true,
				   .policy = SBX_POLICY_EXACT, .cgroup = "/sys/fs/cgroup/x", .has_slot = true, .slot = 3};
	char *text = sbx_oci_state_json(&st, true, false);
	assert_non_null(strstr(text, "\"bundle\":\"/b\"")); /* no "\/" escapes */
	struct sbx_oci_state back = {0};
	struct sbx_error err = {0};
	assert_int_equal(sbx_oci_state_parse("state.json", text, strlen(text), &back, &err), 0);
	assert_string_equal(back.id, "c1");
	assert_int_equal(back.status, SBX_OCI_RUNNING);
	assert_int_equal(back.pid, 42);
	assert_int_equal(back.pid_start, 99);
	assert_true(back.started);
	assert_int_equal(back.policy, SBX_POLICY_EXACT);
	assert_string_equal(back.cgroup, "/sys/fs/cgroup/x");
	assert_true(back.has_slot);
	assert_int_equal(back.slot, 3);
	assert_string_equal(back.annotations[0].value, "v");
	sbx_oci_state_clear(&back);
	free(text);

	/* the public form: no sbxctr fields; a stopped container's pid is 0; no empty annotations */
	st.status = SBX_OCI_STOPPED;
	st.n_annotations = 0;
	text = sbx_oci_state_json(&st, false, true);
	json_object *o = json_tokener_parse(text);
	assert_non_null(o);
	assert_null(json_object_object_get(o, "sbxctr"));
	assert_null(json_object_object_get(o, "annotations"));
	assert_int_equal(json_object_get_int(json_object_object_get(o, "pid")), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "status")), "stopped");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "ociVersion")), SBX_OCI_VERSION);
	json_object_put(o);
	free(text);

	const char *odd = "{\"id\":\"x\",\"status\":\"odd\",\"sbxctr\":{}}";
	assert_true(sbx_oci_state_parse("s", odd, strlen(odd), &back, &err) < 0);
	assert_non_null(strstr(err.msg, "s: status: unknown status \"odd\""));
	const char *bare = "{\"id\":\"x\",\"status\":\"created\"}";
	assert_true(sbx_oci_state_parse("s", bare, strlen(bare), &back, &err) < 0);
	assert_non_null(strstr(err.msg, "sbxctr: required field is missing"));
}

static void test_ids(void **state)
{
	assert_true(sbx_oci_id_valid("a"));
	assert_true(sbx_oci_id_valid("0123abcd-ef01-2345-6789-abcdefabcdef"));
	assert_true(sbx_oci_id_valid("a.b_c+d-e"));
	assert_false(sbx_oci_id_valid(""));
	assert_false(sbx_oci_id_valid("."));
	assert_false(sbx_oci_id_valid(".."));
	assert_false(sbx_oci_id_valid(".hidden"));
	assert_false(sbx_oci_id_valid("a/b"));
	assert_false(sbx_oci_id_valid("a b"));
	char longid[300];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_false(sbx_oci_id_valid(longid));
	longid[255] = '\0';
	assert_true(sbx_oci_id_valid(longid));
}

static void test_signals(void **state)
{
	assert_int_equal(sbx_signal_parse("KILL"), SIGKILL);
	assert_int_equal(sbx_signal_parse("SIGKILL"), SIGKILL);
	assert_int_equal(sbx_signal_parse("sigterm"), SIGTERM);
	assert_int_equal(sbx_signal_parse("9"), 9);
	assert_int_equal(sbx_signal_parse("RTMIN+2"), SIGRTMIN + 2);
	assert_int_equal(sbx_signal_parse("SIGRTMAX"), SIGRTMAX);
	assert_int_equal(sbx_signal_parse("0"), -1);
	assert_int_equal(sbx_signal_parse("65"), -1);
	assert_int_equal(sbx_signal_parse("FOO"), -1);
	assert_int_equal(sbx_signal_parse("RTMIN+99"), -1);
}

static void test_features_and_spec(void **state)
{
	char *f = sbx_oci_features_json(sbx_mount_option_names());
	json_object *o = json_tokener_parse(f);
	assert_non_null(o);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "ociVersionMax")), SBX_OCI_VERSION);
	json_object *lin = json_object_object_get(o, "linux");
	assert_non_null(json_object_object_get(json_object_object_get(lin, "seccomp"), "actions"));
	assert_int_equal(json_object_array_length(json_object_object_get(o, "hooks")), SBX_HOOK__COUNT);
	assert_non_null(strstr(f, "\"rbind\""));
	json_object_put(o);
	free(f);

	/* what spec writes parses back, as root and rootless */
	for (int rootless = 0; rootless < 2; rootless++) {
		char *text = sbx_oci_spec_json(rootless, 1000, 1001);
		struct sbx_config *c = parse(text);
		assert_true(c->process.terminal);
		assert_true(c->root_readonly);
		assert_int_equal(c->ns[SBX_NS_USER].enabled, rootless);
		assert_int_equal(c->ns[SBX_NS_NET].enabled, !rootless);
		if (rootless) {
			assert_int_equal(c->uid_mappings[0].host_id, 1000);
			assert_int_equal(c->gid_mappings[0].host_id, 1001);
			assert_null(strstr(text, "gid=5"));
		}
		struct sbx_error err = {0};
		assert_int_equal(sbx_config_validate(c, &err), 0);
		sbx_config_free(c);
		free(text);
	}
}

static void test_global_flags(void **state)
{
	struct sbx_globals g;
	struct sbx_error err = {0};
	char *argv[] = {"sbxctr", "--root", "/r", "--log=/l", "--log-format", "json", "--debug", "--systemd-cgroup",
			"--cgroup-manager=disabled", "--rootless", "auto", "-policy", "exact", "create", "x", NULL};
	assert_int_equal(sbx_globals_parse(15, argv, &g, &err), 0);
	assert_string_equal(g.root, "/r");
	assert_string_equal(g.log_path, "/l");
	assert_true(g.log_json && g.debug && g.systemd_cgroup && g.has_policy);
	assert_int_equal(g.policy, SBX_POLICY_EXACT);
	assert_string_equal(g.cgroup_manager, "disabled");
	assert_string_equal(g.rootless, "auto");
	assert_int_equal(g.verb, 13);
	struct sbx_container_opts co;
	assert_int_equal(sbx_globals_container_opts(&g, &co, &err), 0);
	assert_string_equal(co.root, "/r");
	assert_int_equal(co.cgroup_mode, 3 /* SBX_CGROUP_OFF */);
	sbx_globals_free(&g);

	char *bad1[] = {"sbxctr", "--log-format", "xml", "state", NULL};
	assert_true(sbx_globals_parse(4, bad1, &g, &err) < 0);
	assert_non_null(strstr(err.msg, "--log-format: expected text or json, got \"xml\""));
	sbx_globals_free(&g);
	char *bad2[] = {"sbxctr", "--root", NULL};
	assert_true(sbx_globals_parse(2, bad2, &g, &err) < 0);
	assert_non_null(strstr(err.msg, "--root: missing value"));
	sbx_globals_free(&g);
	char *bad3[] = {"sbxctr", "--frobnicate", "list", NULL};
	assert_true(sbx_globals_parse(3, bad3, &g, &err) < 0);
	assert_non_null(strstr(err.msg, "unknown global option --frobnicate"));
	sbx_globals_free(&g);
	char *ver[] = {"sbxctr", "--version", NULL};
	assert_int_equal(sbx_globals_parse(2, ver, &g, &err), 0);
	assert_true(g.version);
	assert_int_equal(g.verb, 2);
	sbx_globals_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_hardened), cmocka_unit_test(test_policy_exact),
		cmocka_unit_test(test_policy_choice),	cmocka_unit_test(test_hooks_and_devices),
		cmocka_unit_test(test_ambient_dropped), cmocka_unit_test(test_state_json),
		cmocka_unit_test(test_ids),		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_features_and_spec), cmocka_unit_test(test_global_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

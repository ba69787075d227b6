/* SPDX-License-Identifier: Apache-2.0 */
/* config.json parsing: every field, and every class of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "oci/config.h"
#include "runtime/bundle.h"
#include "core/util.h"

static struct sbx_config *parse_ok(const char *json)
{
	struct sbx_config *c = NULL;
	struct sbx_error err = {0};
	int r = sbx_config_parse(json, strlen(json), "/bundle", &c, &err);
	if (r < 0)
		fail_msg("unexpected error: %s", err.msg);
	return c;
}

/* Parses json and expects an error whose message contains want. */
static void parse_err(const char *json, const char *want)
{
	struct sbx_config *c = NULL;
	struct sbx_error err = {0};
	int r = sbx_config_parse(json, strlen(json), "/bundle", &c, &err);
	if (r >= 0) {
		sbx_config_free(c);
		fail_msg("expected an error containing [%s] for %s", want, json);
	}
	assert_null(c);
	if (!strstr(err.msg, want))
		fail_msg("error [%s] does not contain [%s]", err.msg, want);
}

#define MIN_PROC "\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"}"
#define MIN "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}," MIN_PROC

static void test_minimal(void **state)
{
	struct sbx_config *c = parse_ok(MIN "}");
	assert_string_equal(c->oci_version, "1.0.2");
	assert_string_equal(c->root_path, "/bundle/rootfs");
	assert_false(c->root_readonly);
	assert_string_equal(c->process.args[0], "/bin/true");
	assert_null(c->process.args[1]);
	assert_string_equal(c->process.cwd, "/");
	assert_true(c->process.has_caps);
	assert_int_equal(c->process.caps.bounding, 0);
	assert_null(c->workdir.path);
	sbx_config_free(c);
}

static const char full_json[] =
	"{\"ociVersion\":\"1.2.0\","
	"\"root\":{\"path\":\"/abs/rootfs\",\"readonly\":true},"
	"\"process\":{\"terminal\":false,\"args\":[\"sh\",\"-c\",\"x\"],\"env\":[\"PATH=/bin\",\"A=b=c\"],"
	"\"cwd\":\"/work\",\"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,\"additionalGids\":[5,6]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":512,\"hard\":1024},"
	"{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":18446744073709551615}],"
	"\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],\"effective\":[\"CAP_KILL\"],"
	"\"inheritable\":[],\"permitted\":[\"CAP_KILL\"],\"ambient\":[]},"
	"\"noNewPrivileges\":true,\"oomScoreAdj\":500},"
	"\"hostname\":\"box\",\"domainname\":\"example\","
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"data\",\"options\":[\"rbind\",\"ro\"]}],"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/x\"},"
	"{\"type\":\"mount\"},{\"type\":\"user\"},{\"type\":\"uts\"},{\"type\":\"ipc\"},{\"type\":\"cgroup\"}],"
	"\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
	"\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
	"\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"],"
	"\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"4096\"},"
	"\"rootfsPropagation\":\"rslave\","
	"\"resources\":{\"memory\":{\"limit\":268435456,\"swap\":268435456,\"reservation\":1048576},"
	"\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\",\"mems\":\"0\"},"
	"\"pids\":{\"limit\":64},\"unified\":{\"memory.high\":\"200M\"}},"
	"\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[]}},"
	"\"annotations\":{\"org.sbxctr.workdir\":\"/work\",\"org.sbxctr.workdir-size\":\"16M\","
	"\"org.sbxctr.net\":\"veth\",\"org.sbxctr.net.rate-out\":\"8mbit\",\"org.sbxctr.init\":\"true\","
	"\"other\":\"x\"},"
	"\"unknownTopLevel\":{\"ignored\":true}}";

static void test_every_field(void **state)
{
	struct sbx_config *c = parse_ok(full_json);
	assert_string_equal(c->root_path, "/abs/rootfs");
	assert_true(c->root_readonly);
	const struct sbx_process *p = &c->process;
	assert_int_equal(sbx_strv_len(p->args), 3);
	assert_string_equal(sbx_config_getenv(c, "A"), "b=c");
	assert_string_equal(sbx_config_getenv(c, "PATH"), "/bin");
	assert_null(sbx_config_getenv(c, "PAT"));
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->gid, 100);
	assert_true(p->has_umask);
	assert_int_equal(p->umask, 022);
	assert_int_equal(p->n_additional_gids, 2);
	assert_int_equal(p->additional_gids[1], 6);
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 512);
	assert_true(p->rlimits[1].hard == UINT64_MAX);
	assert_int_equal(p->caps.bounding, (1ULL << 5) | (1ULL << 10));
	assert_int_equal(p->caps.effective, 1ULL << 5);
	assert_int_equal(p->caps.inheritable, 0);
	assert_true(p->no_new_privileges);
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, 500);
	assert_string_equal(c->hostname, "box");
	assert_string_equal(c->domainname, "example");
	assert_int_equal(c->n_mounts, 2);
	assert_string_equal(c->mounts[1].source, "/bundle/data");
	assert_string_equal(c->mounts[1].options[1], "ro");
	assert_true(c->ns[SBX_NS_PID].enabled);
	assert_null(c->ns[SBX_NS_PID].path);
	assert_string_equal(c->ns[SBX_NS_NET].path, "/run/netns/x");
	assert_false(c->ns[SBX_NS_TIME].enabled);
	assert_int_equal(c->n_uid_mappings, 1);
	assert_int_equal(c->uid_mappings[0].host_id, 100000);
	assert_string_equal(c->masked_paths[0], "/proc/kcore");
	assert_string_equal(c->readonly_paths[0], "/proc/sys");
	assert_int_equal(c->n_sysctl, 2);
	assert_int_equal(c->rootfs_propagation, MS_SLAVE | MS_REC);
	const struct sbx_resources *r = &c->resources;
	assert_true(r->has_memory_limit && r->memory_limit == 268435456);
	assert_true(r->has_memory_swap && r->has_memory_reservation);
	assert_true(r->has_cpu_shares && r->cpu_shares == 512);
	assert_true(r->has_cpu_quota && r->cpu_quota == 50000);
	assert_true(r->has_cpu_period && r->cpu_period == 100000);
	assert_string_equal(r->cpuset_cpus, "0-1");
	assert_string_equal(r->cpuset_mems, "0");
	assert_true(r->has_pids_limit && r->pids_limit == 64);
	assert_int_equal(r->n_unified, 1);
	assert_non_null(strstr(c->seccomp_json, "SCMP_ACT_ERRNO"));
	assert_string_equal(sbx_config_annotation(c, "other"), "x");
	assert_string_equal(c->workdir.path, "/work");
	assert_int_equal(c->workdir.size, 16 << 20);
	assert_string_equal(c->net.mode, "veth");
	assert_string_equal(c->net.rate_out, "8mbit");
	assert_true(c->init);
	sbx_config_free(c);
}

static void test_type_errors(void **state)
{
	parse_err("[]", "config.json: (top level): expected an object, got an array");
	parse_err("{", "config.json: invalid JSON");
	parse_err("{\"a\":1} x", "config.json: invalid JSON at byte");
	parse_err("{\"root\":{\"path\":\"r\"}," MIN_PROC "}", "ociVersion: required field is missing");
	parse_err("{\"ociVersion\":1,\"root\":{\"path\":\"r\"}," MIN_PROC "}",
		  "ociVersion: expected a string, got 1");
	parse_err("{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC "}", "unsupported version");
	parse_err("{\"ociVersion\":\"1.0.0\"," MIN_PROC "}", "root: required field is missing");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"\"}," MIN_PROC "}", "root.path: must not be empty");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\",\"readonly\":\"yes\"}," MIN_PROC "}",
		  "root.readonly: expected a boolean, got \"yes\"");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}", "process: required field is missing");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\"}}",
		  "process.args: required field is missing");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[],\"cwd\":\"/\"}}",
		  "process.args: must name a program");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\",2],\"cwd\":\"/\"}}",
		  "process.args[1]: expected a string, got 2");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"rel\"}}",
		  "process.cwd: must be an absolute path, got \"rel\"");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"]}}",
		  "process.cwd: required field is missing");
}

#define WITH_PROC(extra) \
	"{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"," extra "}}"

static void test_process_errors(void **state)
{
	parse_err(WITH_PROC("\"env\":[\"NOEQUALS\"]"), "process.env[0]: expected \"KEY=value\", got \"NOEQUALS\"");
	parse_err(WITH_PROC("\"env\":\"A=b\""), "process.env: expected an array of strings");
	parse_err(WITH_PROC("\"user\":{\"uid\":-1}"), "process.user.uid: expected an unsigned 32-bit integer, got -1");
	parse_err(WITH_PROC("\"user\":{\"uid\":4294967296}"), "process.user.uid: expected an unsigned 32-bit integer");
	parse_err(WITH_PROC("\"user\":{\"gid\":1.5}"), "process.user.gid: expected an unsigned 32-bit integer, got 1.5");
	parse_err(WITH_PROC("\"user\":{\"umask\":512}"), "process.user.umask: umask 512 is above 0777");
	parse_err(WITH_PROC("\"user\":{\"additionalGids\":[1,\"x\"]}"),
		  "process.user.additionalGids[1]: expected an unsigned 32-bit integer, got \"x\"");
	parse_err(WITH_PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":2},"
			    "{\"type\":\"RLIMIT_CPU\",\"soft\":1,\"hard\":\"x\"}]"),
		  "config.json: process.rlimits[1].hard: expected an unsigned integer, got \"x\"");
	parse_err(WITH_PROC("\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":2}]"),
		  "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
	parse_err(WITH_PROC("\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"soft\":3,\"hard\":2}]"),
		  "process.rlimits[0]: soft limit 3 is above the hard limit 2");
	parse_err(WITH_PROC("\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"soft\":1,\"hard\":2},"
			    "{\"type\":\"RLIMIT_CPU\",\"soft\":1,\"hard\":2}]"),
		  "process.rlimits[1].type: duplicate rlimit");
	parse_err(WITH_PROC("\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"soft\":1}]"),
		  "process.rlimits[0].hard: required field is missing");
	parse_err(WITH_PROC("\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"soft\":-5,\"hard\":1}]"),
		  "process.rlimits[0].soft: expected an unsigned integer, got -5");
	parse_err(WITH_PROC("\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"soft\":18446744073709551616,\"hard\":1}]"),
		  "config.json: number at byte");
	parse_err(WITH_PROC("\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"soft\":1,\"hard\":-9223372036854775809}]"),
		  "config.json: number at byte");
	parse_err(WITH_PROC("\"capabilities\":{\"bounding\":[\"CAP_FOO\"]}"),
		  "process.capabilities.bounding[0]: unknown capability \"CAP_FOO\"");
	parse_err(WITH_PROC("\"capabilities\":{\"effective\":[\"12\"]}"),
		  "process.capabilities.effective[0]: unknown capability \"12\"");
	parse_err(WITH_PROC("\"capabilities\":{\"permitted\":[\"cap_kill\"]}"), "unknown capability \"cap_kill\"");
	parse_err(WITH_PROC("\"capabilities\":[]"), "process.capabilities: expected an object, got an array");
	parse_err(WITH_PROC("\"noNewPrivileges\":1"), "process.noNewPrivileges: expected a boolean, got 1");
	parse_err(WITH_PROC("\"oomScoreAdj\":1001"), "process.oomScoreAdj: 1001 is outside [-1000, 1000]");
}

#define WITH_LINUX(extra) \
	"{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC ",\"linux\":{" extra "}}"

static void test_linux_errors(void **state)
{
	parse_err(WITH_LINUX("\"namespaces\":[{\"type\":\"foo\"}]"), "linux.namespaces[0].type: unknown namespace type \"foo\"");
	parse_err(WITH_LINUX("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]"),
		  "linux.namespaces[1].type: namespace \"pid\" is listed twice");
	parse_err(WITH_LINUX("\"namespaces\":[{\"type\":\"network\",\"path\":\"rel\"}]"),
		  "linux.namespaces[0].path: must be an absolute path");
	parse_err(WITH_LINUX("\"namespaces\":[{}]"), "linux.namespaces[0].type: required field is missing");
	parse_err(WITH_LINUX("\"uidMappings\":[{\"containerID\":0,\"hostID\":1}]"),
		  "linux.uidMappings[0].size: required field is missing");
	parse_err(WITH_LINUX("\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]"),
		  "linux.uidMappings[0].size: must be at least 1");
	parse_err(WITH_LINUX("\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":10},"
			     "{\"containerID\":5,\"hostID\":100,\"size\":10}]"),
		  "linux.gidMappings[1]: overlaps gidMappings[0]");
	parse_err(WITH_LINUX("\"uidMappings\":[{\"containerID\":4294967295,\"hostID\":1,\"size\":2}]"),
		  "range overflows");
	parse_err(WITH_LINUX("\"maskedPaths\":[\"proc/kcore\"]"), "linux.maskedPaths[0]: must be an absolute path");
	parse_err(WITH_LINUX("\"readonlyPaths\":\"/proc\""), "linux.readonlyPaths: expected an array of strings");
	parse_err(WITH_LINUX("\"sysctl\":{\"net.ipv4.ip_forward\":1}"),
		  "linux.sysctl.net.ipv4.ip_forward: expected a string, got 1");
	parse_err(WITH_LINUX("\"sysctl\":{\"../../etc/x\":\"1\"}"), "invalid sysctl name");
	parse_err(WITH_LINUX("\"rootfsPropagation\":\"sideways\""), "linux.rootfsPropagation: unknown propagation \"sideways\"");
	parse_err(WITH_LINUX("\"resources\":{\"memory\":{\"limit\":\"1G\"}}"),
		  "linux.resources.memory.limit: expected an integer, got \"1G\"");
	parse_err(WITH_LINUX("\"resources\":{\"memory\":{\"limit\":-2}}"),
		  "linux.resources.memory.limit: -2 is not a limit");
	parse_err(WITH_LINUX("\"resources\":{\"cpu\":{\"shares\":-1}}"),
		  "linux.resources.cpu.shares: expected an unsigned integer, got -1");
	parse_err(WITH_LINUX("\"resources\":{\"cpu\":{\"cpus\":5}}"), "linux.resources.cpu.cpus: expected a string, got 5");
	parse_err(WITH_LINUX("\"resources\":{\"pids\":{\"limit\":true}}"),
		  "linux.resources.pids.limit: expected an integer, got true");
	parse_err(WITH_LINUX("\"resources\":{\"unified\":{\"memory.max\":1}}"),
		  "linux.resources.unified.memory.max: expected a string, got 1");
	parse_err(WITH_LINUX("\"seccomp\":[]"), "linux.seccomp: expected an object, got an array");
}

static void test_mount_errors(void **state)
{
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC ",\"mounts\":[{\"type\":\"tmpfs\"}]}",
		  "mounts[0].destination: required field is missing");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC
		  ",\"mounts\":[{\"destination\":\"tmp\",\"type\":\"tmpfs\"}]}",
		  "mounts[0].destination: must be an absolute path, got \"tmp\"");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC
		  ",\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\"}]}",
		  "mounts[0].source: a bind mount needs a source");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC
		  ",\"mounts\":[{\"destination\":\"/d\",\"type\":\"tmpfs\",\"options\":\"ro\"}]}",
		  "mounts[0].options: expected an array of strings");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC ",\"mounts\":{}}",
		  "mounts: expected an array, got an object");
}

static void test_annotations(void **state)
{
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC ",\"annotations\":{\"a\":1}}",
		  "annotations.a: expected a string, got 1");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC
		  ",\"annotations\":{\"org.sbxctr.workdir-size\":\"lots\"}}",
		  "annotations.org.sbxctr.workdir-size: invalid size \"lots\"");
	parse_err("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC
		  ",\"annotations\":{\"org.sbxctr.workdir\":\"rel\"}}",
		  "annotations.org.sbxctr.workdir: must be an absolute path");
}

static void test_validate(void **state)
{
	struct sbx_error err = {0};
	struct sbx_config *c = parse_ok(WITH_LINUX("\"sysctl\":{\"kernel.domainname\":\"x\"},"
						  "\"namespaces\":[{\"type\":\"ipc\"}]"));
	assert_true(sbx_config_validate(c, &err) < 0);
	assert_non_null(strstr(err.msg, "linux.sysctl.kernel.domainname: needs a new uts namespace"));
	sbx_config_free(c);
	c = parse_ok(WITH_LINUX("\"sysctl\":{\"vm.swappiness\":\"1\"},\"namespaces\":[{\"type\":\"ipc\"}]"));
	assert_true(sbx_config_validate(c, &err) < 0);
	assert_non_null(strstr(err.msg, "not a namespaced sysctl"));
	sbx_config_free(c);
	c = parse_ok(WITH_LINUX("\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]"));
	assert_true(sbx_config_validate(c, &err) < 0);
	assert_non_null(strstr(err.msg, "must be given together"));
	sbx_config_free(c);
	c = parse_ok("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}," MIN_PROC ",\"hostname\":\"h\"}");
	assert_true(sbx_config_validate(c, &err) < 0);
	assert_non_null(strstr(err.msg, "needs a uts namespace"));
	sbx_config_free(c);
}

static void test_default_config(void **state)
{
	struct sbx_config *c = NULL;
	struct sbx_error err = {0};
	char *argv[] = {"echo", "hi", NULL};
	assert_int_equal(sbx_config_default("/", argv, &c, &err), 0);
	for (int i = 0; i < SBX_NS__COUNT; i++)
		assert_int_equal(c->ns[i].enabled, i != SBX_NS_TIME);
	assert_true(c->root_readonly);
	assert_string_equal(c->workdir.path, "/work");
	assert_string_equal(c->process.cwd, "/work");
	assert_true(c->process.no_new_privileges);
	assert_int_equal(c->process.caps.bounding | c->process.caps.effective | c->process.caps.permitted, 0);
	assert_true(sbx_strv_contains(c->masked_paths, "/proc/kcore"));
	assert_true(sbx_strv_contains(c->readonly_paths, "/proc/sys"));
	assert_int_equal(sbx_config_validate(c, &err), 0);
	sbx_config_free(c);
	assert_true(sbx_config_default("/", (char *[]){NULL}, &c, &err) < 0);
	assert_true(sbx_config_default("/nonexistent-rootfs", argv, &c, &err) < 0);
	assert_non_null(strstr(err.msg, "--rootfs /nonexistent-rootfs"));
}

static void test_caps_names(void **state)
{
	assert_int_equal(sbx_cap_from_name("CAP_SYS_ADMIN"), 21);
	assert_int_equal(sbx_cap_from_name("CAP_CHOWN"), 0);
	assert_int_equal(sbx_cap_from_name("SYS_ADMIN"), -1);
	assert_int_equal(sbx_cap_from_name("CAP_12"), -1);
	assert_string_equal(sbx_cap_to_name(21), "CAP_SYS_ADMIN");
	for (int i = 0; i <= 40; i++)
		assert_int_equal(sbx_cap_from_name(sbx_cap_to_name(i)), i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),	       cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_type_errors),    cmocka_unit_test(test_process_errors),
		cmocka_unit_test(test_linux_errors),   cmocka_unit_test(test_mount_errors),
		cmocka_unit_test(test_annotations),    cmocka_unit_test(test_validate),
		cmocka_unit_test(test_default_config), cmocka_unit_test(test_caps_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

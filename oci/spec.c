/* SPDX-License-Identifier: Apache-2.0 */
/* The starter config.json of `sbxctr spec`. */
#include "oci/spec.h"
#include "oci/policy.h"
#include "oci/state.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <json-c/json.h>
#include <string.h>

static json_object *strv(const char *const *v, const char *skip_prefix)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v[i]; i++)
		if (!skip_prefix || strncmp(v[i], skip_prefix, strlen(skip_prefix)) != 0)
			json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static void add_mount(json_object *mounts, const char *dest, const char *type, const char *src,
		      const char *const *opts, bool rootless)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	/* a rootless container maps only the caller's gid: gid=5 would not exist there */
	if (opts)
		json_object_object_add(m, "options", strv(opts, rootless ? "gid=" : NULL));
	json_object_array_add(mounts, m);
}

static json_object *idmap(uint32_t host)
{
	json_object *a = json_object_new_array();
	json_object *m = json_object_new_object();
	json_object_object_add(m, "containerID", json_object_new_int(0));
	json_object_object_add(m, "hostID", json_object_new_int64(host));
	json_object_object_add(m, "size", json_object_new_int(1));
	json_object_array_add(a, m);
	return a;
}

char *sbx_oci_spec_json(bool rootless, uint32_t uid, uint32_t gid)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ociVersion", json_object_new_string(SBX_OCI_VERSION));

	json_object *p = json_object_new_object();
	json_object_object_add(p, "terminal", json_object_new_boolean(true));
	json_object *user = json_object_new_object();
	json_object_object_add(user, "uid", json_object_new_int(0));
	json_object_object_add(user, "gid", json_object_new_int(0));
	json_object_object_add(p, "user", user);
	static const char *const args[] = {"sh", NULL};
	json_object_object_add(p, "args", strv(args, NULL));
	static const char *const env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
					  "TERM=xterm", NULL};
	json_object_object_add(p, "env", strv(env, NULL));
	json_object_object_add(p, "cwd", json_object_new_string("/"));
	static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
	json_object *c = json_object_new_object();
	/* no ambient set: runc's lists it without inheritable, which the kernel ignores (and sbxctr warns about) */
	static const char *const sets[] = {"bounding", "effective", "permitted"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(sets); i++)
		json_object_object_add(c, sets[i], strv(caps, NULL));
	json_object_object_add(p, "capabilities", c);
	json_object *rl = json_object_new_object();
	json_object_object_add(rl, "type", json_object_new_string("RLIMIT_NOFILE"));
	json_object_object_add(rl, "hard", json_object_new_int(1024));
	json_object_object_add(rl, "soft", json_object_new_int(1024));
	json_object *rls = json_object_new_array();
	json_object_array_add(rls, rl);
	json_object_object_add(p, "rlimits", rls);
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(true));
	json_object_object_add(o, "process", p);

	json_object *root = json_object_new_object();
	json_object_object_add(root, "path", json_object_new_string("rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(true));
	json_object_object_add(o, "root", root);
	json_object_object_add(o, "hostname", json_object_new_string("sbxctr"));

	json_object *mounts = json_object_new_array();
	add_mount(mounts, "/proc", "proc", "proc", NULL, rootless);
	add_mount(mounts, "/dev", "tmpfs", "tmpfs", (const char *const[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL},
		  rootless);
	add_mount(mounts, "/dev/pts", "devpts", "devpts",
		  (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL},
		  rootless);
	add_mount(mounts, "/dev/shm", "tmpfs", "shm",
		  (const char *const[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}, rootless);
	add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue", (const char *const[]){"nosuid", "noexec", "nodev", NULL},
		  rootless);
	if (rootless)
		add_mount(mounts, "/sys", "none", "/sys",
			  (const char *const[]){"rbind", "nosuid", "noexec", "nodev", "ro", NULL}, rootless);
	else
		add_mount(mounts, "/sys", "sysfs", "sysfs", (const char *const[]){"nosuid", "noexec", "nodev", "ro", NULL},
			  rootless);
	add_mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup",
		  (const char *const[]){"nosuid", "noexec", "nodev", "relatime", "ro", NULL}, rootless);
	json_object_object_add(o, "mounts", mounts);

	json_object *lin = json_object_new_object();
	if (rootless) {
		json_object_object_add(lin, "uidMappings", idmap(uid));
		json_object_object_add(lin, "gidMappings", idmap(gid));
	} else {
		json_object *dev = json_object_new_object();
		json_object_object_add(dev, "allow", json_object_new_boolean(false));
		json_object_object_add(dev, "access", json_object_new_string("rwm"));
		json_object *devs = json_object_new_array();
		json_object_array_add(devs, dev);
		json_object *res = json_object_new_object();
		json_object_object_add(res, "devices", devs);
		json_object_object_add(lin, "resources", res);
	}
	static const char *const ns_root[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
	static const char *const ns_rootless[] = {"pid", "ipc", "uts", "mount", "cgroup", "user", NULL};
	json_object *ns = json_object_new_array();
	for (const char *const *t = rootless ? ns_rootless : ns_root; *t; t++) {
		json_object *n = json_object_new_object();
		json_object_object_add(n, "type", json_object_new_string(*t));
		json_object_array_add(ns, n);
	}
	json_object_object_add(lin, "namespaces", ns);
	json_object_object_add(lin, "maskedPaths", strv(sbx_oci_default_masked, NULL));
	json_object_object_add(lin, "readonlyPaths", strv(sbx_oci_default_readonly, NULL));
	json_object_object_add(o, "linux", lin);

	char *text = sbx_xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
									   JSON_C_TO_STRING_SPACED |
									   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

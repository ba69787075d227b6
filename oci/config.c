/* SPDX-License-Identifier: Apache-2.0 */
/* OCI config.json (1.0-1.2) -> struct sbx_config, plus the built-in default. */
#include "oci/config.h"
#include "oci/policy.h"
#include "core/cleanup.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/util.h"
#include "profiles/seccomp_builtin.h"

#include <ctype.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* capabilities                                                              */

int sbx_cap_from_name(const char *name)
{
	/*
	 * OCI spells capabilities "CAP_X". libcap also accepts bare numbers and
	 * lowercase names; insisting on the prefix keeps "12" from meaning a cap.
	 */
	if (!name || strncmp(name, "CAP_", 4) != 0)
		return -1;
	for (const char *p = name + 4; *p; p++)
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return -1;
	cap_value_t v;
	if (cap_from_name(name, &v) < 0 || v < 0 || v > 63)
		return -1;
	return (int)v;
}

const char *sbx_cap_to_name(int cap)
{
	/* libcap's table is lowercase and malloc'd; keep a static uppercase copy per cap */
	static const char *const names[] = {
		"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
		"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
		"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
		"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
		"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
		"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
		"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
		"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
		"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
	};
	if (cap < 0 || (size_t)cap >= SBX_ARRAY_SIZE(names))
		return NULL;
	return names[cap];
}

/* ------------------------------------------------------------------------ */
/* freeing                                                                   */

static void kv_free(struct sbx_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void sbx_process_clear(struct sbx_process *p)
{
	sbx_strv_free(p->args);
	sbx_strv_free(p->env);
	free(p->cwd);
	free(p->additional_gids);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

void sbx_resources_clear(struct sbx_resources *r)
{
	free(r->cpuset_cpus);
	free(r->cpuset_mems);
	kv_free(r->unified, r->n_unified);
	memset(r, 0, sizeof(*r));
}

void sbx_config_free(struct sbx_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	free(c->bundle_dir);
	free(c->root_path);
	sbx_process_clear(&c->process);
	free(c->hostname);
	free(c->domainname);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		sbx_strv_free(c->mounts[i].options);
	}
	free(c->mounts);
	for (int i = 0; i < SBX_NS__COUNT; i++)
		free(c->ns[i].path);
	free(c->uid_mappings);
	free(c->gid_mappings);
	sbx_strv_free(c->masked_paths);
	sbx_strv_free(c->readonly_paths);
	kv_free(c->sysctl, c->n_sysctl);
	sbx_resources_clear(&c->resources);
	free(c->seccomp_json);
	free(c->seccomp_doc);
	free(c->seccomp_file);
	json_object_put(c->seccomp_obj);
	free(c->cgroup_parent);
	kv_free(c->annotations, c->n_annotations);
	for (int k = 0; k < SBX_HOOK__COUNT; k++) {
		for (size_t i = 0; i < c->hooks[k].n; i++) {
			free(c->hooks[k].v[i].path);
			sbx_strv_free(c->hooks[k].v[i].args);
			sbx_strv_free(c->hooks[k].v[i].env);
		}
		free(c->hooks[k].v);
	}
	for (size_t i = 0; i < c->n_devices; i++)
		free(c->devices[i].path);
	free(c->devices);
	free(c->cgroups_path);
	free(c->workdir.path);
	free(c->io.stdin_path);
	free(c->io.stdout_path);
	free(c->io.stderr_path);
	for (size_t i = 0; i < c->io.n_copy_in; i++) {
		free(c->io.copy_in[i].host);
		free(c->io.copy_in[i].sandbox);
	}
	free(c->io.copy_in);
	for (size_t i = 0; i < c->io.n_copy_out; i++) {
		free(c->io.copy_out[i].host);
		free(c->io.copy_out[i].sandbox);
	}
	free(c->io.pass_fds);
	free(c->io.copy_out);
	struct sbx_net_spec *n = &c->net;
	char **netstr[] = {&n->mode, &n->host_ip, &n->ip, &n->ip6, &n->host_ip6, &n->rate_out,
			   &n->rate_in, &n->burst, &n->latency, &n->host_name};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(netstr); i++)
		free(*netstr[i]);
	free(c);
}

int sbx_config_set_seccomp_builtin(struct sbx_config *cfg, const char *what)
{
	const char *builtin = strcmp(what, "unconfined") == 0 || strchr(what, '/') ? NULL
										 : sbx_seccomp_builtin_profile(what);
	if (strcmp(what, "unconfined") != 0 && !builtin)
		return -ENOENT;
	sbx_config_set_seccomp_text(cfg, NULL, NULL);
	if (!builtin) {
		cfg->seccomp_unconfined = true;
		return 0;
	}
	cfg->seccomp_json = sbx_xstrdup(builtin);
	cfg->seccomp_doc = sbx_xasprintf("profiles/%s.json", what);
	return 0;
}

void sbx_config_set_seccomp_file(struct sbx_config *cfg, const char *path)
{
	sbx_config_set_seccomp_text(cfg, NULL, NULL);
	cfg->seccomp_file = sbx_xstrdup(path);
}

void sbx_config_set_seccomp_text(struct sbx_config *cfg, char *text, const char *doc)
{
	free(cfg->seccomp_json);
	free(cfg->seccomp_doc);
	free(cfg->seccomp_file);
	json_object_put(cfg->seccomp_obj);
	cfg->seccomp_json = text;
	cfg->seccomp_doc = doc ? sbx_xstrdup(doc) : NULL;
	cfg->seccomp_file = NULL;
	cfg->seccomp_obj = NULL;
	cfg->seccomp_unconfined = false;
}

void sbx_config_set_rlimit(struct sbx_config *cfg, int resource, uint64_t soft, uint64_t hard)
{
	struct sbx_process *p = &cfg->process;
	for (size_t i = 0; i < p->n_rlimits; i++) {
		if (p->rlimits[i].resource == resource) {
			p->rlimits[i].soft = soft;
			p->rlimits[i].hard = hard;
			return;
		}
	}
	p->rlimits = sbx_xrealloc(p->rlimits, (p->n_rlimits + 1) * sizeof(*p->rlimits));
	p->rlimits[p->n_rlimits++] = (struct sbx_rlimit){resource, soft, hard};
}

const struct sbx_rlimit *sbx_config_get_rlimit(const struct sbx_config *cfg, int resource)
{
	for (size_t i = 0; i < cfg->process.n_rlimits; i++)
		if (cfg->process.rlimits[i].resource == resource)
			return &cfg->process.rlimits[i];
	return NULL;
}

const char *sbx_config_annotation(const struct sbx_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->n_annotations; i++)
		if (strcmp(cfg->annotations[i].key, key) == 0)
			return cfg->annotations[i].value;
	return NULL;
}

const char *sbx_config_getenv(const struct sbx_config *cfg, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; cfg->process.env && cfg->process.env[i]; i++)
		if (strncmp(cfg->process.env[i], key, kl) == 0 && cfg->process.env[i][kl] == '=')
			return cfg->process.env[i] + kl + 1;
	return NULL;
}

void sbx_config_setenv(struct sbx_config *cfg, const char *kv)
{
	size_t kl = strcspn(kv, "=");
	for (size_t i = 0; cfg->process.env && cfg->process.env[i]; i++) {
		if (strncmp(cfg->process.env[i], kv, kl) == 0 && cfg->process.env[i][kl] == '=') {
			free(cfg->process.env[i]);
			cfg->process.env[i] = sbx_xstrdup(kv);
			return;
		}
	}
	sbx_strv_push(&cfg->process.env, kv);
}

/* ------------------------------------------------------------------------ */
/* field parsers                                                             */

#define DOC "config.json"

static int get_bool(json_object *parent, const struct sbx_jloc *ploc, const char *key, bool *ret,
		    struct sbx_error *err)
{
	json_object *o = sbx_json_get(parent, key);
	if (!o)
		return 0;
	struct sbx_jloc loc = sbx_jloc_key(ploc, key);
	return sbx_json_bool(o, &loc, ret, err);
}

static int get_object(json_object *parent, const struct sbx_jloc *ploc, const char *key, json_object **ret,
		      struct sbx_error *err)
{
	*ret = sbx_json_get(parent, key);
	if (!*ret)
		return 0;
	struct sbx_jloc loc = sbx_jloc_key(ploc, key);
	return sbx_json_expect(*ret, json_type_object, &loc, err);
}

static int get_array(json_object *parent, const struct sbx_jloc *ploc, const char *key, json_object **ret,
		     size_t *ret_n, struct sbx_error *err)
{
	*ret = sbx_json_get(parent, key);
	*ret_n = 0;
	if (!*ret)
		return 0;
	struct sbx_jloc loc = sbx_jloc_key(ploc, key);
	int r = sbx_json_expect(*ret, json_type_array, &loc, err);
	if (r < 0)
		return r;
	*ret_n = json_object_array_length(*ret);
	return 0;
}

/* A JSON object whose values are all strings, e.g. annotations and sysctl. */
static int parse_string_map(json_object *o, const struct sbx_jloc *loc, struct sbx_kv **ret, size_t *ret_n,
			    struct sbx_error *err)
{
	int r = sbx_json_expect(o, json_type_object, loc, err);
	if (r < 0)
		return r;
	size_t n = (size_t)json_object_object_length(o), i = 0;
	struct sbx_kv *kv = sbx_xcalloc(n, sizeof(*kv));
	json_object_object_foreach(o, key, val)
	{
		struct sbx_jloc vl = sbx_jloc_key(loc, key);
		const char *s;
		r = sbx_json_str(val, &vl, &s, err);
		if (r < 0) {
			kv_free(kv, i);
			return r;
		}
		kv[i].key = sbx_xstrdup(key);
		kv[i].value = sbx_xstrdup(s);
		i++;
	}
	*ret = kv;
	*ret_n = i;
	return 0;
}

static bool is_abs_path(const char *p)
{
	return p && p[0] == '/';
}

static int parse_oci_version(json_object *root, struct sbx_config *c, struct sbx_error *err)
{
	struct sbx_jloc top = {.doc = DOC};
	int r = sbx_json_get_strdup(root, &top, "ociVersion", true, &c->oci_version, err);
	if (r < 0)
		return r;
	unsigned major, minor;
	if (sbx_parse_version(c->oci_version, &major, &minor, NULL) < 0 || major != 1) {
		struct sbx_jloc loc = sbx_jloc_key(&top, "ociVersion");
		return sbx_json_error(&loc, err, "unsupported version \"%s\" (sbxctr reads 1.0 to 1.2)",
				      c->oci_version);
	}
	if (minor > 2)
		sbx_debug("config.json: ociVersion %s is newer than 1.2; unknown fields are ignored",
			  c->oci_version);
	return 0;
}

static int parse_root(json_object *root, struct sbx_config *c, struct sbx_error *err)
{
	struct sbx_jloc top = {.doc = DOC};
	json_object *o;
	int r = get_object(root, &top, "root", &o, err);
	if (r < 0)
		return r;
	struct sbx_jloc loc = sbx_jloc_key(&top, "root");
	if (!o)
		return sbx_json_error(&loc, err, "required field is missing");
	_cleanup_free_ char *path = NULL;
	r = sbx_json_get_strdup(o, &loc, "path", true, &path, err);
	if (r < 0)
		return r;
	if (!*path) {
		struct sbx_jloc pl = sbx_jloc_key(&loc, "path");
		return sbx_json_error(&pl, err, "must not be empty");
	}
	c->root_readonly = false;
	r = get_bool(o, &loc, "readonly", &c->root_readonly, err);
	if (r < 0)
		return r;
	if (is_abs_path(path) || !c->bundle_dir)
		c->root_path = TAKE_PTR(path);
	else
		c->root_path = sbx_xasprintf("%s/%s", c->bundle_dir, path);
	return 0;
}

static const struct {
	const char *name;
	int res;
} rlimit_names[] = {
	{"RLIMIT_AS", RLIMIT_AS},	  {"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},	  {"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},	  {"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},	  {"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},	  {"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

static int parse_rlimits(json_object *proc, const struct sbx_jloc *ploc, struct sbx_process *p,
			 struct sbx_error *err)
{
	json_object *arr;
	size_t n;
	int r = get_array(proc, ploc, "rlimits", &arr, &n, err);
	if (r < 0 || !arr)
		return r;
	struct sbx_jloc aloc = sbx_jloc_key(ploc, "rlimits");
	p->rlimits = sbx_xcalloc(n, sizeof(*p->rlimits));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct sbx_jloc el = sbx_jloc_idx(&aloc, i);
		if ((r = sbx_json_expect(e, json_type_object, &el, err)) < 0)
			return r;
		_cleanup_free_ char *type = NULL;
		if ((r = sbx_json_get_strdup(e, &el, "type", true, &type, err)) < 0)
			return r;
		int res = -1;
		for (size_t k = 0; k < SBX_ARRAY_SIZE(rlimit_names); k++)
			if (strcmp(rlimit_names[k].name, type) == 0)
				res = rlimit_names[k].res;
		struct sbx_jloc tl = sbx_jloc_key(&el, "type");
		if (res < 0)
			return sbx_json_error(&tl, err, "unknown rlimit \"%s\"", type);
		for (size_t k = 0; k < i; k++)
			if (p->rlimits[k].resource == res)
				return sbx_json_error(&tl, err, "duplicate rlimit \"%s\"", type);
		struct sbx_rlimit *rl = &p->rlimits[i];
		rl->resource = res;
		const char *keys[] = {"soft", "hard"};
		uint64_t *vals[] = {&rl->soft, &rl->hard};
		for (int k = 0; k < 2; k++) {
			json_object *v = sbx_json_get(e, keys[k]);
			struct sbx_jloc vl = sbx_jloc_key(&el, keys[k]);
			if (!v)
				return sbx_json_error(&vl, err, "required field is missing");
			if ((r = sbx_json_u64(v, &vl, vals[k], err)) < 0)
				return r;
		}
		p->n_rlimits = i + 1;
		if (rl->soft > rl->hard)
			return sbx_json_error(&el, err, "soft limit %llu is above the hard limit %llu",
					      (unsigned long long)rl->soft, (unsigned long long)rl->hard);
	}
	return 0;
}

static int parse_cap_set(json_object *caps, const struct sbx_jloc *cloc, const char *key, uint64_t *ret,
			 struct sbx_error *err)
{
	json_object *arr;
	size_t n;
	int r = get_array(caps, cloc, key, &arr, &n, err);
	if (r < 0)
		return r;
	*ret = 0;
	struct sbx_jloc aloc = sbx_jloc_key(cloc, key);
	for (size_t i = 0; i < n; i++) {
		struct sbx_jloc el = sbx_jloc_idx(&aloc, i);
		const char *name;
		if ((r = sbx_json_str(json_object_array_get_idx(arr, i), &el, &name, err)) < 0)
			return r;
		int cap = sbx_cap_from_name(name);
		if (cap < 0)
			return sbx_json_error(&el, err, "unknown capability \"%s\"", name);
		/* one newer than the running kernel is dropped (with a warning) when the sets are built: runtime/caps.c */
		*ret |= 1ULL << cap;
	}
	return 0;
}

static int parse_user(json_object *proc, const struct sbx_jloc *ploc, struct sbx_process *p,
		      struct sbx_error *err)
{
	json_object *u;
	int r = get_object(proc, ploc, "user", &u, err);
	if (r < 0 || !u)
		return r;
	struct sbx_jloc uloc = sbx_jloc_key(ploc, "user");
	json_object *v;
	struct sbx_jloc l;
	if ((v = sbx_json_get(u, "uid"))) {
		l = sbx_jloc_key(&uloc, "uid");
		if ((r = sbx_json_u32(v, &l, &p->uid, err)) < 0)
			return r;
	}
	if ((v = sbx_json_get(u, "gid"))) {
		l = sbx_jloc_key(&uloc, "gid");
		if ((r = sbx_json_u32(v, &l, &p->gid, err)) < 0)
			return r;
	}
	if ((v = sbx_json_get(u, "umask"))) {
		uint32_t um;
		l = sbx_jloc_key(&uloc, "umask");
		if ((r = sbx_json_u32(v, &l, &um, err)) < 0)
			return r;
		if (um > 0777)
			return sbx_json_error(&l, err, "umask %u is above 0777 (511)", um);
		p->has_umask = true;
		p->umask = (mode_t)um;
	}
	json_object *arr;
	size_t n;
	if ((r = get_array(u, &uloc, "additionalGids", &arr, &n, err)) < 0)
		return r;
	if (n > 0) {
		l = sbx_jloc_key(&uloc, "additionalGids");
		p->additional_gids = sbx_xcalloc(n, sizeof(uint32_t));
		for (size_t i = 0; i < n; i++) {
			struct sbx_jloc el = sbx_jloc_idx(&l, i);
			if ((r = sbx_json_u32(json_object_array_get_idx(arr, i), &el, &p->additional_gids[i],
					      err)) < 0)
				return r;
		}
		p->n_additional_gids = n;
	}
	if (sbx_json_get(u, "username"))
		sbx_debug("config.json: process.user.username is Windows-only, ignored");
	return 0;
}

static int parse_env(json_object *proc, const struct sbx_jloc *ploc, struct sbx_process *p,
		     struct sbx_error *err)
{
	json_object *o = sbx_json_get(proc, "env");
	if (!o)
		return 0;
	struct sbx_jloc l = sbx_jloc_key(ploc, "env");
	int r = sbx_json_strv(o, &l, &p->env, err);
	if (r < 0)
		return r;
	for (size_t i = 0; p->env[i]; i++) {
		if (!strchr(p->env[i], '=') || p->env[i][0] == '=') {
			struct sbx_jloc el = sbx_jloc_idx(&l, i);
			return sbx_json_error(&el, err, "expected \"KEY=value\", got \"%s\"", p->env[i]);
		}
	}
	return 0;
}

/* A process object at ploc; *caps_given says whether it had "capabilities" (absent: none). */
static int parse_process_obj(json_object *proc, const struct sbx_jloc *ploc_arg, struct sbx_process *p,
			     bool *caps_given, struct sbx_error *err)
{
	const struct sbx_jloc ploc = *ploc_arg;
	int r = sbx_json_expect(proc, json_type_object, &ploc, err);
	if (r < 0)
		return r;
	json_object *args = sbx_json_get(proc, "args");
	struct sbx_jloc al = sbx_jloc_key(&ploc, "args");
	if (!args)
		return sbx_json_error(&al, err, "required field is missing");
	if ((r = sbx_json_strv(args, &al, &p->args, err)) < 0)
		return r;
	if (!p->args[0] || !p->args[0][0])
		return sbx_json_error(&al, err, "must name a program");
	if (sbx_json_get(proc, "commandLine"))
		sbx_debug("config.json: process.commandLine is Windows-only, ignored");

	if ((r = parse_env(proc, &ploc, p, err)) < 0)
		return r;
	if ((r = sbx_json_get_strdup(proc, &ploc, "cwd", true, &p->cwd, err)) < 0)
		return r;
	if (!is_abs_path(p->cwd)) {
		struct sbx_jloc l = sbx_jloc_key(&ploc, "cwd");
		return sbx_json_error(&l, err, "must be an absolute path, got \"%s\"", p->cwd);
	}
	if ((r = parse_user(proc, &ploc, p, err)) < 0)
		return r;
	if ((r = parse_rlimits(proc, &ploc, p, err)) < 0)
		return r;

	json_object *caps;
	if ((r = get_object(proc, &ploc, "capabilities", &caps, err)) < 0)
		return r;
	*caps_given = caps != NULL;
	p->has_caps = true; /* absent means "no capabilities", as in runc */
	memset(&p->caps, 0, sizeof(p->caps));
	if (caps) {
		struct sbx_jloc cl = sbx_jloc_key(&ploc, "capabilities");
		const char *keys[] = {"bounding", "effective", "inheritable", "permitted", "ambient"};
		uint64_t *sets[] = {&p->caps.bounding, &p->caps.effective, &p->caps.inheritable,
				    &p->caps.permitted, &p->caps.ambient};
		for (size_t i = 0; i < SBX_ARRAY_SIZE(keys); i++)
			if ((r = parse_cap_set(caps, &cl, keys[i], sets[i], err)) < 0)
				return r;
		/*
		 * The kernel raises an ambient capability only when it is also
		 * permitted and inheritable; crun drops the others with a warning
		 * instead of failing, and generated configs rely on that.
		 */
		uint64_t stray = p->caps.ambient & ~(p->caps.inheritable & p->caps.permitted);
		for (int cap = 0; cap < 64; cap++)
			if (stray & (1ULL << cap))
				sbx_warn("config.json: process.capabilities.ambient: %s is not also permitted and "
					 "inheritable, dropped", sbx_cap_to_name(cap) ? sbx_cap_to_name(cap) : "?");
		p->caps.ambient &= ~stray;
	}
	if ((r = get_bool(proc, &ploc, "noNewPrivileges", &p->no_new_privileges, err)) < 0)
		return r;
	json_object *v = sbx_json_get(proc, "oomScoreAdj");
	if (v) {
		struct sbx_jloc l = sbx_jloc_key(&ploc, "oomScoreAdj");
		if ((r = sbx_json_int(v, &l, &p->oom_score_adj, err)) < 0)
			return r;
		if (p->oom_score_adj < -1000 || p->oom_score_adj > 1000)
			return sbx_json_error(&l, err, "%d is outside [-1000, 1000]", p->oom_score_adj);
		p->has_oom_score_adj = true;
	}
	if ((r = get_bool(proc, &ploc, "terminal", &p->terminal, err)) < 0)
		return r;
	if (sbx_json_get(proc, "apparmorProfile") || sbx_json_get(proc, "selinuxLabel"))
		sbx_warn("%s: process.apparmorProfile/selinuxLabel are not supported and ignored", ploc.doc);
	return 0;
}

static int parse_process(json_object *root, struct sbx_config *c, struct sbx_error *err)
{
	struct sbx_jloc top = {.doc = DOC};
	json_object *proc;
	int r = get_object(root, &top, "process", &proc, err);
	if (r < 0)
		return r;
	struct sbx_jloc ploc = sbx_jloc_key(&top, "process");
	if (!proc)
		return sbx_json_error(&ploc, err, "required field is missing");
	bool caps_given;
	return parse_process_obj(proc, &ploc, &c->process, &caps_given, err);
}

static const struct {
	const char *name;
	enum sbx_ns_type type;
} ns_names[] = {
	{"user", SBX_NS_USER}, {"pid", SBX_NS_PID},   {"mount", SBX_NS_MOUNT},   {"network", SBX_NS_NET},
	{"ipc", SBX_NS_IPC},   {"uts", SBX_NS_UTS},   {"cgroup", SBX_NS_CGROUP}, {"time", SBX_NS_TIME},
};

static int parse_idmaps(json_object *lin, const struct sbx_jloc *lloc, const char *key, struct sbx_idmap **ret,
			size_t *ret_n, struct sbx_error *err)
{
	json_object *arr;
	size_t n;
	int r = get_array(lin, lloc, key, &arr, &n, err);
	if (r < 0 || !arr)
		return r;
	struct sbx_jloc aloc = sbx_jloc_key(lloc, key);
	/* the kernel accepts at most 340 lines per map */
	if (n > 340)
		return sbx_json_error(&aloc, err, "%zu entries, the kernel takes at most 340", n);
	_cleanup_free_ struct sbx_idmap *m = sbx_xcalloc(n, sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct sbx_jloc el = sbx_jloc_idx(&aloc, i);
		if ((r = sbx_json_expect(e, json_type_object, &el, err)) < 0)
			return r;
		const char *keys[] = {"containerID", "hostID", "size"};
		uint32_t *vals[] = {&m[i].container_id, &m[i].host_id, &m[i].size};
		for (int k = 0; k < 3; k++) {
			json_object *v = sbx_json_get(e, keys[k]);
			struct sbx_jloc vl = sbx_jloc_key(&el, keys[k]);
			if (!v)
				return sbx_json_error(&vl, err, "required field is missing");
			if ((r = sbx_json_u32(v, &vl, vals[k], err)) < 0)
				return r;
		}
		if (m[i].size == 0) {
			struct sbx_jloc vl = sbx_jloc_key(&el, "size");
			return sbx_json_error(&vl, err, "must be at least 1");
		}
		if ((uint64_t)m[i].container_id + m[i].size > (uint64_t)UINT32_MAX + 1 ||
		    (uint64_t)m[i].host_id + m[i].size > (uint64_t)UINT32_MAX + 1)
			return sbx_json_error(&el, err, "range overflows 32-bit ids");
		for (size_t k = 0; k < i; k++) {
			if (m[i].container_id < m[k].container_id + m[k].size &&
			    m[k].container_id < m[i].container_id + m[i].size)
				return sbx_json_error(&el, err, "overlaps %s[%zu] inside the container", key, k);
		}
	}
	*ret = TAKE_PTR(m);
	*ret_n = n;
	return 0;
}

static int parse_namespaces(json_object *lin, const struct sbx_jloc *lloc, struct sbx_config *c,
			    struct sbx_error *err)
{
	json_object *arr;
	size_t n;
	int r = get_array(lin, lloc, "namespaces", &arr, &n, err);
	if (r < 0)
		return r;
	struct sbx_jloc aloc = sbx_jloc_key(lloc, "namespaces");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct sbx_jloc el = sbx_jloc_idx(&aloc, i);
		if ((r = sbx_json_expect(e, json_type_object, &el, err)) < 0)
			return r;
		_cleanup_free_ char *type = NULL, *path = NULL;
		if ((r = sbx_json_get_strdup(e, &el, "type", true, &type, err)) < 0)
			return r;
		if ((r = sbx_json_get_strdup(e, &el, "path", false, &path, err)) < 0)
			return r;
		struct sbx_jloc tl = sbx_jloc_key(&el, "type");
		int t = -1;
		for (size_t k = 0; k < SBX_ARRAY_SIZE(ns_names); k++)
			if (strcmp(ns_names[k].name, type) == 0)
				t = (int)ns_names[k].type;
		if (t < 0)
			return sbx_json_error(&tl, err, "unknown namespace type \"%s\"", type);
		if (c->ns[t].enabled)
			return sbx_json_error(&tl, err, "namespace \"%s\" is listed twice", type);
		if (path && !is_abs_path(path)) {
			struct sbx_jloc pl = sbx_jloc_key(&el, "path");
			return sbx_json_error(&pl, err, "must be an absolute path, got \"%s\"", path);
		}
		c->ns[t].enabled = true;
		c->ns[t].path = TAKE_PTR(path);
	}
	return 0;
}

static int parse_propagation(const char *s, unsigned long *ret)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} t[] = {
		{"private", MS_PRIVATE},    {"rprivate", MS_PRIVATE | MS_REC},
		{"slave", MS_SLAVE},	    {"rslave", MS_SLAVE | MS_REC},
		{"shared", MS_SHARED},	    {"rshared", MS_SHARED | MS_REC},
		{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(t); i++) {
		if (strcmp(t[i].name, s) == 0) {
			*ret = t[i].flags;
			return 0;
		}
	}
	return -EINVAL;
}

/* Reads an optional integer member into (has, value). */
static int opt_i64(json_object *o, const struct sbx_jloc *ploc, const char *key, bool *has, int64_t *val,
		   struct sbx_error *err)
{
	json_object *v = sbx_json_get(o, key);
	if (!v)
		return 0;
	struct sbx_jloc l = sbx_jloc_key(ploc, key);
	int r = sbx_json_i64(v, &l, val, err);
	if (r < 0)
		return r;
	*has = true;
	return 0;
}

static int opt_u64(json_object *o, const struct sbx_jloc *ploc, const char *key, bool *has, uint64_t *val,
		   struct sbx_error *err)
{
	json_object *v = sbx_json_get(o, key);
	if (!v)
		return 0;
	struct sbx_jloc l = sbx_jloc_key(ploc, key);
	int r = sbx_json_u64(v, &l, val, err);
	if (r < 0)
		return r;
	*has = true;
	return 0;
}

static int check_limit(const struct sbx_jloc *ploc, const char *key, bool has, int64_t v, struct sbx_error *err)
{
	if (has && v < -1) {
		struct sbx_jloc l = sbx_jloc_key(ploc, key);
		return sbx_json_error(&l, err, "%lld is not a limit (use -1 for unlimited)", (long long)v);
	}
	return 0;
}

static int parse_resources(json_object *lin, const struct sbx_jloc *lloc, struct sbx_resources *res,
			   struct sbx_error *err)
{
	json_object *o;
	int r = get_object(lin, lloc, "resources", &o, err);
	if (r < 0 || !o)
		return r;
	struct sbx_jloc rl = sbx_jloc_key(lloc, "resources");
	json_object *mem, *cpu, *pids;
	if ((r = get_object(o, &rl, "memory", &mem, err)) < 0)
		return r;
	if (mem) {
		struct sbx_jloc ml = sbx_jloc_key(&rl, "memory");
		if ((r = opt_i64(mem, &ml, "limit", &res->has_memory_limit, &res->memory_limit, err)) < 0 ||
		    (r = opt_i64(mem, &ml, "reservation", &res->has_memory_reservation,
				 &res->memory_reservation, err)) < 0 ||
		    (r = opt_i64(mem, &ml, "swap", &res->has_memory_swap, &res->memory_swap, err)) < 0)
			return r;
		if ((r = check_limit(&ml, "limit", res->has_memory_limit, res->memory_limit, err)) < 0 ||
		    (r = check_limit(&ml, "reservation", res->has_memory_reservation, res->memory_reservation,
				     err)) < 0 ||
		    (r = check_limit(&ml, "swap", res->has_memory_swap, res->memory_swap, err)) < 0)
			return r;
	}
	if ((r = get_object(o, &rl, "cpu", &cpu, err)) < 0)
		return r;
	if (cpu) {
		struct sbx_jloc cl = sbx_jloc_key(&rl, "cpu");
		if ((r = opt_u64(cpu, &cl, "shares", &res->has_cpu_shares, &res->cpu_shares, err)) < 0 ||
		    (r = opt_i64(cpu, &cl, "quota", &res->has_cpu_quota, &res->cpu_quota, err)) < 0 ||
		    (r = opt_u64(cpu, &cl, "period", &res->has_cpu_period, &res->cpu_period, err)) < 0 ||
		    (r = sbx_json_get_strdup(cpu, &cl, "cpus", false, &res->cpuset_cpus, err)) < 0 ||
		    (r = sbx_json_get_strdup(cpu, &cl, "mems", false, &res->cpuset_mems, err)) < 0)
			return r;
		if ((r = check_limit(&cl, "quota", res->has_cpu_quota, res->cpu_quota, err)) < 0)
			return r;
	}
	if ((r = get_object(o, &rl, "pids", &pids, err)) < 0)
		return r;
	if (pids) {
		struct sbx_jloc pl = sbx_jloc_key(&rl, "pids");
		if ((r = opt_i64(pids, &pl, "limit", &res->has_pids_limit, &res->pids_limit, err)) < 0)
			return r;
	}
	json_object *uni = sbx_json_get(o, "unified");
	if (uni) {
		struct sbx_jloc ul = sbx_jloc_key(&rl, "unified");
		if ((r = parse_string_map(uni, &ul, &res->unified, &res->n_unified, err)) < 0)
			return r;
	}
	if (sbx_json_get(o, "devices") || sbx_json_get(o, "blockIO") || sbx_json_get(o, "hugepageLimits") ||
	    sbx_json_get(o, "network") || sbx_json_get(o, "rdma"))
		sbx_debug("config.json: linux.resources devices/blockIO/hugepageLimits/network/rdma are ignored");
	return 0;
}

static int parse_devices(json_object *lin, const struct sbx_jloc *lloc, struct sbx_config *c,
			 struct sbx_error *err)
{
	json_object *arr;
	size_t n;
	int r = get_array(lin, lloc, "devices", &arr, &n, err);
	if (r < 0 || !arr)
		return r;
	struct sbx_jloc aloc = sbx_jloc_key(lloc, "devices");
	c->devices = sbx_xcalloc(n, sizeof(*c->devices));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct sbx_jloc el = sbx_jloc_idx(&aloc, i);
		if ((r = sbx_json_expect(e, json_type_object, &el, err)) < 0)
			return r;
		struct sbx_device *d = &c->devices[i];
		c->n_devices = i + 1;
		_cleanup_free_ char *type = NULL;
		if ((r = sbx_json_get_strdup(e, &el, "path", true, &d->path, err)) < 0 ||
		    (r = sbx_json_get_strdup(e, &el, "type", true, &type, err)) < 0)
			return r;
		if (!is_abs_path(d->path) || strstr(d->path, "/../") || strcmp(d->path, "/") == 0) {
			struct sbx_jloc l = sbx_jloc_key(&el, "path");
			return sbx_json_error(&l, err, "must be an absolute path below /, got \"%s\"", d->path);
		}
		if (strlen(type) != 1 || !strchr("cbup", type[0])) {
			struct sbx_jloc l = sbx_jloc_key(&el, "type");
			return sbx_json_error(&l, err, "expected c, b, u or p, got \"%s\"", type);
		}
		d->type = type[0];
		bool has_major = false, has_minor = false;
		uint64_t mode = 0;
		if ((r = opt_i64(e, &el, "major", &has_major, &d->major, err)) < 0 ||
		    (r = opt_i64(e, &el, "minor", &has_minor, &d->minor, err)) < 0 ||
		    (r = opt_u64(e, &el, "fileMode", &d->has_mode, &mode, err)) < 0)
			return r;
		if (d->type != 'p' && (!has_major || !has_minor))
			return sbx_json_error(&el, err, "a %s device needs major and minor",
					      d->type == 'b' ? "block" : "character");
		if (d->major < 0 || d->major > 0xfff || d->minor < 0 || d->minor > 0xfffff)
			return sbx_json_error(&el, err, "major %lld / minor %lld out of range", (long long)d->major,
					      (long long)d->minor);
		if (mode > 07777) {
			struct sbx_jloc l = sbx_jloc_key(&el, "fileMode");
			return sbx_json_error(&l, err, "%llu is not a file mode", (unsigned long long)mode);
		}
		d->mode = (uint32_t)mode;
		json_object *v;
		struct sbx_jloc l;
		if ((v = sbx_json_get(e, "uid"))) {
			l = sbx_jloc_key(&el, "uid");
			if ((r = sbx_json_u32(v, &l, &d->uid, err)) < 0)
				return r;
		}
		if ((v = sbx_json_get(e, "gid"))) {
			l = sbx_jloc_key(&el, "gid");
			if ((r = sbx_json_u32(v, &l, &d->gid, err)) < 0)
				return r;
		}
	}
	return 0;
}

static const char *const hook_names[SBX_HOOK__COUNT] = {
	[SBX_HOOK_PRESTART] = "prestart",
	[SBX_HOOK_CREATE_RUNTIME] = "createRuntime",
	[SBX_HOOK_CREATE_CONTAINER] = "createContainer",
	[SBX_HOOK_START_CONTAINER] = "startContainer",
	[SBX_HOOK_POSTSTART] = "poststart",
	[SBX_HOOK_POSTSTOP] = "poststop",
};

const char *sbx_hook_kind_name(enum sbx_hook_kind k)
{
	return (unsigned)k < SBX_HOOK__COUNT ? hook_names[k] : "?";
}

static int parse_hooks(json_object *root, struct sbx_config *c, struct sbx_error *err)
{
	struct sbx_jloc top = {.doc = DOC};
	json_object *hooks;
	int r = get_object(root, &top, "hooks", &hooks, err);
	if (r < 0 || !hooks)
		return r;
	struct sbx_jloc hloc = sbx_jloc_key(&top, "hooks");
	for (int k = 0; k < SBX_HOOK__COUNT; k++) {
		json_object *arr;
		size_t n;
		if ((r = get_array(hooks, &hloc, hook_names[k], &arr, &n, err)) < 0)
			return r;
		if (!arr)
			continue;
		struct sbx_jloc aloc = sbx_jloc_key(&hloc, hook_names[k]);
		c->hooks[k].v = sbx_xcalloc(n, sizeof(struct sbx_hook));
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(arr, i);
			struct sbx_jloc el = sbx_jloc_idx(&aloc, i);
			if ((r = sbx_json_expect(e, json_type_object, &el, err)) < 0)
				return r;
			struct sbx_hook *h = &c->hooks[k].v[i];
			c->hooks[k].n = i + 1;
			if ((r = sbx_json_get_strdup(e, &el, "path", true, &h->path, err)) < 0)
				return r;
			if (!is_abs_path(h->path)) {
				struct sbx_jloc l = sbx_jloc_key(&el, "path");
				return sbx_json_error(&l, err, "must be an absolute path, got \"%s\"", h->path);
			}
			json_object *v;
			struct sbx_jloc l;
			if ((v = sbx_json_get(e, "args"))) {
				l = sbx_jloc_key(&el, "args");
				if ((r = sbx_json_strv(v, &l, &h->args, err)) < 0)
					return r;
			}
			if ((v = sbx_json_get(e, "env"))) {
				l = sbx_jloc_key(&el, "env");
				if ((r = sbx_json_strv(v, &l, &h->env, err)) < 0)
					return r;
			}
			if ((v = sbx_json_get(e, "timeout"))) {
				l = sbx_jloc_key(&el, "timeout");
				if ((r = sbx_json_int(v, &l, &h->timeout, err)) < 0)
					return r;
				if (h->timeout <= 0)
					return sbx_json_error(&l, err, "must be a positive number of seconds, got %d",
							      h->timeout);
			}
		}
	}
	return 0;
}

static int parse_linux(json_object *root, struct sbx_config *c, struct sbx_error *err)
{
	struct sbx_jloc top = {.doc = DOC};
	json_object *lin;
	int r = get_object(root, &top, "linux", &lin, err);
	if (r < 0 || !lin)
		return r;
	struct sbx_jloc lloc = sbx_jloc_key(&top, "linux");
	if ((r = parse_namespaces(lin, &lloc, c, err)) < 0)
		return r;
	if ((r = parse_idmaps(lin, &lloc, "uidMappings", &c->uid_mappings, &c->n_uid_mappings, err)) < 0 ||
	    (r = parse_idmaps(lin, &lloc, "gidMappings", &c->gid_mappings, &c->n_gid_mappings, err)) < 0)
		return r;
	json_object *v;
	if ((v = sbx_json_get(lin, "maskedPaths"))) {
		struct sbx_jloc l = sbx_jloc_key(&lloc, "maskedPaths");
		if ((r = sbx_json_strv(v, &l, &c->masked_paths, err)) < 0)
			return r;
	}
	if ((v = sbx_json_get(lin, "readonlyPaths"))) {
		struct sbx_jloc l = sbx_jloc_key(&lloc, "readonlyPaths");
		if ((r = sbx_json_strv(v, &l, &c->readonly_paths, err)) < 0)
			return r;
	}
	char **lists[] = {c->masked_paths, c->readonly_paths};
	const char *lnames[] = {"maskedPaths", "readonlyPaths"};
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; lists[k] && lists[k][i]; i++) {
			if (!is_abs_path(lists[k][i])) {
				struct sbx_jloc l = sbx_jloc_key(&lloc, lnames[k]);
				struct sbx_jloc el = sbx_jloc_idx(&l, i);
				return sbx_json_error(&el, err, "must be an absolute path, got \"%s\"",
						      lists[k][i]);
			}
		}
	}
	if ((v = sbx_json_get(lin, "sysctl"))) {
		struct sbx_jloc l = sbx_jloc_key(&lloc, "sysctl");
		if ((r = parse_string_map(v, &l, &c->sysctl, &c->n_sysctl, err)) < 0)
			return r;
		for (size_t i = 0; i < c->n_sysctl; i++) {
			const char *k = c->sysctl[i].key;
			/* a key becomes a path under /proc/sys: no way out of it */
			if (!*k || strstr(k, "..") || k[0] == '.' || k[0] == '/' ||
			    k[strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")]) {
				struct sbx_jloc kl = sbx_jloc_key(&l, k);
				return sbx_json_error(&kl, err, "invalid sysctl name");
			}
		}
	}
	_cleanup_free_ char *prop = NULL;
	if ((r = sbx_json_get_strdup(lin, &lloc, "rootfsPropagation", false, &prop, err)) < 0)
		return r;
	if (prop && parse_propagation(prop, &c->rootfs_propagation) < 0) {
		struct sbx_jloc l = sbx_jloc_key(&lloc, "rootfsPropagation");
		return sbx_json_error(&l, err, "unknown propagation \"%s\"", prop);
	}
	if ((r = parse_resources(lin, &lloc, &c->resources, err)) < 0)
		return r;
	if ((v = sbx_json_get(lin, "seccomp"))) {
		struct sbx_jloc l = sbx_jloc_key(&lloc, "seccomp");
		if ((r = sbx_json_expect(v, json_type_object, &l, err)) < 0)
			return r;
		/*
		 * Kept parsed (the compiler takes the object on a cache miss); its
		 * canonical serialisation is only the compile cache's key.
		 */
		c->seccomp_json = sbx_xstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		c->seccomp_obj = json_object_get(v);
		c->seccomp_doc = sbx_xstrdup("config.json: linux.seccomp");
	}
	if ((r = parse_devices(lin, &lloc, c, err)) < 0)
		return r;
	if ((r = sbx_json_get_strdup(lin, &lloc, "cgroupsPath", false, &c->cgroups_path, err)) < 0)
		return r;
	return 0;
}

static int parse_mounts(json_object *root, struct sbx_config *c, struct sbx_error *err)
{
	struct sbx_jloc top = {.doc = DOC};
	json_object *arr;
	size_t n;
	int r = get_array(root, &top, "mounts", &arr, &n, err);
	if (r < 0 || !arr)
		return r;
	struct sbx_jloc aloc = sbx_jloc_key(&top, "mounts");
	c->mounts = sbx_xcalloc(n, sizeof(*c->mounts));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct sbx_jloc el = sbx_jloc_idx(&aloc, i);
		if ((r = sbx_json_expect(e, json_type_object, &el, err)) < 0)
			return r;
		struct sbx_mount *m = &c->mounts[i];
		c->n_mounts = i + 1;
		if ((r = sbx_json_get_strdup(e, &el, "destination", true, &m->destination, err)) < 0 ||
		    (r = sbx_json_get_strdup(e, &el, "type", false, &m->type, err)) < 0 ||
		    (r = sbx_json_get_strdup(e, &el, "source", false, &m->source, err)) < 0)
			return r;
		if (!is_abs_path(m->destination)) {
			struct sbx_jloc l = sbx_jloc_key(&el, "destination");
			return sbx_json_error(&l, err, "must be an absolute path, got \"%s\"", m->destination);
		}
		json_object *opts = sbx_json_get(e, "options");
		if (opts) {
			struct sbx_jloc l = sbx_jloc_key(&el, "options");
			if ((r = sbx_json_strv(opts, &l, &m->options, err)) < 0)
				return r;
		} else {
			m->options = sbx_xcalloc(1, sizeof(char *));
		}
		bool is_bind = (m->type && strcmp(m->type, "bind") == 0) || sbx_strv_contains(m->options, "bind") ||
			       sbx_strv_contains(m->options, "rbind");
		if (is_bind && !m->source) {
			struct sbx_jloc l = sbx_jloc_key(&el, "source");
			return sbx_json_error(&l, err, "a bind mount needs a source");
		}
		if (is_bind && !is_abs_path(m->source) && c->bundle_dir) {
			char *abs = sbx_xasprintf("%s/%s", c->bundle_dir, m->source);
			free(m->source);
			m->source = abs;
		}
		if (sbx_json_get(e, "uidMappings") || sbx_json_get(e, "gidMappings"))
			return sbx_json_error(&el, err, "idmapped mounts are not supported");
	}
	return 0;
}

/*
 * sbxctr settings carried in annotations. CLI flags are applied after this
 * and override them.
 */
static int parse_sbx_annotations(struct sbx_config *c, struct sbx_error *err)
{
	const char *v;
	if ((v = sbx_config_annotation(c, "org.sbxctr.workdir"))) {
		if (*v && !is_abs_path(v))
			return sbx_err_set(err, EINVAL,
					   "config.json: annotations.org.sbxctr.workdir: must be an absolute path, "
					   "got \"%s\"",
					   v);
		free(c->workdir.path);
		c->workdir.path = *v ? sbx_xstrdup(v) : NULL;
	}
	if ((v = sbx_config_annotation(c, "org.sbxctr.workdir-size"))) {
		if (sbx_parse_size(v, &c->workdir.size) < 0 || c->workdir.size == 0)
			return sbx_err_set(err, EINVAL,
					   "config.json: annotations.org.sbxctr.workdir-size: invalid size \"%s\"", v);
	}
	if ((v = sbx_config_annotation(c, "org.sbxctr.init")))
		c->init = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
	static const struct {
		const char *key;
		size_t off;
	} netkeys[] = {
		{"org.sbxctr.net", offsetof(struct sbx_net_spec, mode)},
		{"org.sbxctr.net.host-ip", offsetof(struct sbx_net_spec, host_ip)},
		{"org.sbxctr.net.ip", offsetof(struct sbx_net_spec, ip)},
		{"org.sbxctr.net.ip6", offsetof(struct sbx_net_spec, ip6)},
		{"org.sbxctr.net.host-ip6", offsetof(struct sbx_net_spec, host_ip6)},
		{"org.sbxctr.net.rate-out", offsetof(struct sbx_net_spec, rate_out)},
		{"org.sbxctr.net.rate-in", offsetof(struct sbx_net_spec, rate_in)},
		{"org.sbxctr.net.burst", offsetof(struct sbx_net_spec, burst)},
		{"org.sbxctr.net.latency", offsetof(struct sbx_net_spec, latency)},
		{"org.sbxctr.net.host-name", offsetof(struct sbx_net_spec, host_name)},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(netkeys); i++) {
		if ((v = sbx_config_annotation(c, netkeys[i].key))) {
			char **slot = (char **)((char *)&c->net + netkeys[i].off);
			free(*slot);
			*slot = sbx_xstrdup(v);
		}
	}
	return 0;
}

int sbx_config_parse_hooks(const char *buf, size_t len, struct sbx_config **ret, struct sbx_error *err)
{
	json_object *root = NULL;
	int r = sbx_json_parse(DOC, buf, len, &root, err);
	if (r < 0)
		return r;
	_cleanup_(sbx_config_freep) struct sbx_config *c = sbx_xcalloc(1, sizeof(*c));
	if ((r = parse_hooks(root, c, err)) == 0)
		*ret = TAKE_PTR(c);
	json_object_put(root);
	return r;
}

int sbx_config_parse(const char *buf, size_t len, const char *bundle_dir, struct sbx_config **ret,
		     struct sbx_error *err)
{
	json_object *root = NULL;
	int r = sbx_json_parse(DOC, buf, len, &root, err);
	if (r < 0)
		return r;
	_cleanup_(sbx_config_freep) struct sbx_config *c = sbx_xcalloc(1, sizeof(*c));
	c->bundle_dir = sbx_xstrdup(bundle_dir);
	struct sbx_jloc top = {.doc = DOC};
	if (!json_object_is_type(root, json_type_object)) {
		r = sbx_json_expect(root, json_type_object, &top, err);
		goto out;
	}
	if ((r = parse_oci_version(root, c, err)) < 0 || (r = parse_root(root, c, err)) < 0 ||
	    (r = parse_process(root, c, err)) < 0 || (r = sbx_json_get_strdup(root, &top, "hostname", false, &c->hostname,
								      err)) < 0 ||
	    (r = sbx_json_get_strdup(root, &top, "domainname", false, &c->domainname, err)) < 0 ||
	    (r = parse_mounts(root, c, err)) < 0 || (r = parse_linux(root, c, err)) < 0)
		goto out;
	json_object *ann = sbx_json_get(root, "annotations");
	if (ann) {
		struct sbx_jloc l = sbx_jloc_key(&top, "annotations");
		if ((r = parse_string_map(ann, &l, &c->annotations, &c->n_annotations, err)) < 0)
			goto out;
	}
	if ((r = parse_hooks(root, c, err)) < 0)
		goto out;
	/* a bundle gets no workdir unless it asks for one */
	c->workdir.size = 64ULL << 20;
	c->workdir.nr_inodes = 16384;
	if ((r = parse_sbx_annotations(c, err)) < 0)
		goto out;
	*ret = TAKE_PTR(c);
	r = 0;
out:
	json_object_put(root);
	return r;
}

int sbx_process_parse(const char *buf, size_t len, const char *doc, struct sbx_process *ret, bool *ret_caps_given,
		      json_object **ret_seccomp, struct sbx_error *err)
{
	json_object *root = NULL;
	int r = sbx_json_parse(doc, buf, len, &root, err);
	if (r < 0)
		return r;
	struct sbx_jloc top = {.doc = doc};
	memset(ret, 0, sizeof(*ret));
	bool caps_given = false;
	r = parse_process_obj(root, &top, ret, &caps_given, err);
	json_object *sc = r == 0 && ret_seccomp ? sbx_json_get(root, "seccomp") : NULL;
	if (sc) {
		struct sbx_jloc l = sbx_jloc_key(&top, "seccomp");
		if ((r = sbx_json_expect(sc, json_type_object, &l, err)) == 0)
			*ret_seccomp = json_object_get(sc);
	}
	if (r < 0)
		sbx_process_clear(ret);
	else
		*ret_caps_given = caps_given;
	json_object_put(root);
	return r;
}

int sbx_resources_parse(const char *buf, size_t len, const char *doc, struct sbx_resources *ret,
			struct sbx_error *err)
{
	json_object *root = NULL;
	int r = sbx_json_parse(doc, buf, len, &root, err);
	if (r < 0)
		return r;
	/* parse_resources reads the "resources" member of its object */
	json_object *wrap = json_object_new_object();
	json_object_object_add(wrap, "resources", root);
	struct sbx_jloc top = {.doc = doc};
	memset(ret, 0, sizeof(*ret));
	r = sbx_json_expect(root, json_type_object, &top, err);
	if (r == 0)
		r = parse_resources(wrap, &top, ret, err);
	if (r < 0)
		sbx_resources_clear(ret);
	json_object_put(wrap);
	return r;
}

/* ------------------------------------------------------------------------ */
/* the built-in default                                                      */

static void add_mount(struct sbx_config *c, const char *dest, const char *type, const char *src,
		      const char *const *opts)
{
	c->mounts = sbx_xrealloc(c->mounts, (c->n_mounts + 1) * sizeof(*c->mounts));
	struct sbx_mount *m = &c->mounts[c->n_mounts++];
	m->destination = sbx_xstrdup(dest);
	m->type = sbx_xstrdup(type);
	m->source = sbx_xstrdup(src);
	m->options = sbx_xcalloc(1, sizeof(char *));
	for (size_t i = 0; opts[i]; i++)
		sbx_strv_push(&m->options, opts[i]);
}

int sbx_config_default_at(const char *abs, char *const *argv, struct sbx_config **ret, struct sbx_error *err)
{
	if (!argv || !argv[0] || !argv[0][0])
		return sbx_err_set(err, EINVAL, "no command given (use: sbxctr run --rootfs DIR -- CMD ARGS...)");
	if (abs[0] != '/')
		return sbx_err_set(err, EINVAL, "rootfs \"%s\": not an absolute path", abs);
	_cleanup_(sbx_config_freep) struct sbx_config *c = sbx_xcalloc(1, sizeof(*c));
	c->oci_version = sbx_xstrdup("1.2.0");
	c->root_path = sbx_xstrdup(abs);
	c->root_readonly = true;
	c->process.args = sbx_strv_copy(argv);
	sbx_strv_push(&c->process.env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	sbx_strv_push(&c->process.env, "HOME=/work");
	sbx_strv_push(&c->process.env, "TMPDIR=/tmp");
	c->process.cwd = sbx_xstrdup("/work");
	c->process.has_umask = true;
	c->process.umask = 022;
	c->process.has_caps = true; /* all five sets empty */
	c->process.no_new_privileges = true;
	/* no core dumps: a core_pattern pipe would run a host helper on our behalf */
	c->process.rlimits = sbx_xcalloc(1, sizeof(*c->process.rlimits));
	c->process.rlimits[0] = (struct sbx_rlimit){RLIMIT_CORE, 0, 0};
	c->process.n_rlimits = 1;
	c->hostname = sbx_xstrdup("sbxctr");
	for (int i = 0; i < SBX_NS__COUNT; i++)
		c->ns[i].enabled = i != SBX_NS_TIME;
	add_mount(c, "/proc", "proc", "proc", (const char *const[]){"nosuid", "noexec", "nodev", NULL});
	add_mount(c, "/dev", "tmpfs", "tmpfs",
		  (const char *const[]){"nosuid", "noexec", "strictatime", "mode=755", "size=64k", "ro", NULL});
	add_mount(c, "/dev/pts", "devpts", "devpts",
		  (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL});
	add_mount(c, "/dev/shm", "tmpfs", "shm",
		  (const char *const[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", "nr_inodes=16384", NULL});
	add_mount(c, "/dev/mqueue", "mqueue", "mqueue", (const char *const[]){"nosuid", "noexec", "nodev", NULL});
	add_mount(c, "/sys", "sysfs", "sysfs", (const char *const[]){"nosuid", "noexec", "nodev", "ro", NULL});
	add_mount(c, "/tmp", "tmpfs", "tmpfs",
		  (const char *const[]){"nosuid", "nodev", "mode=1777", "size=65536k", "nr_inodes=16384", NULL});
	c->masked_paths = sbx_strv_copy((char *const *)sbx_oci_default_masked);
	c->readonly_paths = sbx_strv_copy((char *const *)sbx_oci_default_readonly);
	c->workdir.path = sbx_xstrdup("/work");
	c->workdir.size = 64ULL << 20;
	c->workdir.nr_inodes = 16384;
	if (sbx_config_set_seccomp_builtin(c, "default") < 0)
		return sbx_err_set(err, ENOENT, "the shipped default seccomp profile is missing");
	*ret = TAKE_PTR(c);
	return 0;
}

/*
 * Which namespace isolates a sysctl; -1 if it is global. Only these may be
 * set, as runc does: anything else would be written for the whole host.
 */
static int sysctl_namespace(const char *k)
{
	static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
					  "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
					  "kernel.shm_rmid_forced", NULL};
	if (sbx_strv_contains((char *const *)ipc, k) || strncmp(k, "fs.mqueue.", 10) == 0)
		return SBX_NS_IPC;
	if (strncmp(k, "net.", 4) == 0)
		return SBX_NS_NET;
	if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
		return SBX_NS_UTS;
	return -1;
}

int sbx_config_validate(const struct sbx_config *c, struct sbx_error *err)
{
	if (c->workdir.path) {
		if (!is_abs_path(c->workdir.path) || strstr(c->workdir.path, "/../") ||
		    strcmp(c->workdir.path, "/") == 0)
			return sbx_err_set(err, EINVAL, "workdir: \"%s\" must be an absolute path below /",
					   c->workdir.path);
		if (c->workdir.size == 0)
			return sbx_err_set(err, EINVAL, "workdir size must be above 0");
	}
	if (c->io.n_pass_fds > SBX_PASS_FDS_MAX)
		return sbx_err_set(err, EINVAL, "%zu fds to pass: at most %d", c->io.n_pass_fds, SBX_PASS_FDS_MAX);
	if (c->io.n_pass_fds && c->preserve_fds)
		return sbx_err_set(err, EINVAL, "passed fds and --preserve-fds exclude each other");
	if (c->preserve_fds < 0 || c->preserve_fds > 1024)
		return sbx_err_set(err, EINVAL, "--preserve-fds: %d is outside [0, 1024]", c->preserve_fds);
	if ((c->n_uid_mappings == 0) != (c->n_gid_mappings == 0))
		return sbx_err_set(err, EINVAL,
				   "config.json: linux.uidMappings and linux.gidMappings must be given together");
	if (c->hostname && (strlen(c->hostname) > 64 || strchr(c->hostname, '/')))
		return sbx_err_set(err, EINVAL, "hostname: \"%s\" is not a valid host name", c->hostname);
	if (c->hostname && !c->ns[SBX_NS_UTS].enabled)
		return sbx_err_set(err, EINVAL,
				   "config.json: hostname: setting it needs a uts namespace in linux.namespaces");
	for (size_t i = 0; i < c->n_sysctl; i++) {
		const char *k = c->sysctl[i].key;
		int ns = sysctl_namespace(k);
		if (ns < 0)
			return sbx_err_set(err, EINVAL,
					   "config.json: linux.sysctl.%s: not a namespaced sysctl; it would change the "
					   "host",
					   k);
		if (!c->ns[ns].enabled || c->ns[ns].path)
			return sbx_err_set(err, EINVAL,
					   "config.json: linux.sysctl.%s: needs a new %s namespace", k,
					   ns == SBX_NS_NET ? "network" : ns == SBX_NS_UTS ? "uts" : "ipc");
	}
	return 0;
}

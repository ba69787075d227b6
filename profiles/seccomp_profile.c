/* SPDX-License-Identifier: Apache-2.0 */
/* Docker/OCI seccomp profile parsing and moby's resolution step (pure). */
#include "profiles/seccomp_profile.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "profiles/seccomp-internal.h"
#include "core/cleanup.h"
#include "core/jsonutil.h"
#include "core/util.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* libseccomp refuses ERRNO data at or above MAX_ERRNO (4095) with EINVAL. */
#define SBX_SECCOMP_ERRNO_MAX 4094

/*
 * Go's encoding/json matches a key to a field case-insensitively and, when a
 * document repeats a key, the last one wins. JSON null means absent.
 */
static json_object *jget(json_object *obj, const char *key)
{
	json_object *found = NULL;
	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	json_object_object_foreach (obj, k, v) {
		if (strcasecmp(k, key) == 0)
			found = v;
	}
	return json_object_is_type(found, json_type_null) ? NULL : found;
}

static int parse_action(json_object *o, const struct sbx_jloc *loc, enum sbx_seccomp_action *ret,
			struct sbx_error *err)
{
	const char *s;
	int r = sbx_json_str(o, loc, &s, err);
	if (r < 0)
		return r;
	/* the list is exact and case-sensitive (runc); "" is handled by the callers */
	for (int a = SBX_SECCOMP_ACT_NONE; a <= SBX_SECCOMP_ACT_NOTIFY; a++) {
		if (strcmp(s, sbx_seccomp_action_name(a)) == 0) {
			*ret = a;
			return 0;
		}
	}
	return sbx_json_error(loc, err, "unknown action \"%s\"", s);
}

static int parse_op(json_object *o, const struct sbx_jloc *loc, enum sbx_seccomp_op *ret,
		    struct sbx_error *err)
{
	const char *s;
	int r = sbx_json_str(o, loc, &s, err);
	if (r < 0)
		return r;
	for (int op = SBX_SECCOMP_OP_NE; op <= SBX_SECCOMP_OP_MASKED_EQ; op++) {
		if (strcmp(s, sbx_seccomp_op_name(op)) == 0) {
			*ret = op;
			return 0;
		}
	}
	return sbx_json_error(loc, err, "unknown operator \"%s\"", s);
}

/* Podman's "errno"/"defaultErrno": an errno name or a decimal number, as a string. */
static int parse_errno_name(json_object *o, const struct sbx_jloc *loc, uint64_t *ret,
			    struct sbx_error *err)
{
	const char *s;
	int r = sbx_json_str(o, loc, &s, err);
	if (r < 0)
		return r;
	int e = sbx_seccomp_errno_from_name(s);
	if (e < 0)
		return sbx_json_error(loc, err, "unknown errno \"%s\"", s);
	*ret = (uint64_t)e;
	return 0;
}

/*
 * Reads errnoRet (and Podman's errno, which overrides it). runc narrows the
 * value to 16 bits before libseccomp sees it; libseccomp then refuses 4095
 * and above, so such a profile could never load and is rejected here.
 */
static int parse_errno_pair(json_object *obj, const struct sbx_jloc *loc, const char *key,
			    const char *podman_key, enum sbx_seccomp_action act, bool *ret_has,
			    uint64_t *ret_val, struct sbx_error *err)
{
	json_object *o = jget(obj, key);
	json_object *p = jget(obj, podman_key);
	struct sbx_jloc kl = sbx_jloc_key(loc, p ? podman_key : key);
	int r;

	*ret_has = false;
	if (o) {
		struct sbx_jloc ol = sbx_jloc_key(loc, key);
		r = sbx_json_u64(o, &ol, ret_val, err);
		if (r < 0)
			return r;
		*ret_has = true;
	}
	if (p) {
		r = parse_errno_name(p, &kl, ret_val, err);
		if (r < 0)
			return r;
		*ret_has = true;
	}
	if (*ret_has && act == SBX_SECCOMP_ACT_ERRNO && (*ret_val & 0xffff) > SBX_SECCOMP_ERRNO_MAX)
		return sbx_json_error(&kl, err,
				      "errno %llu is out of range (libseccomp accepts 0-%d after "
				      "truncation to 16 bits)",
				      (unsigned long long)*ret_val, SBX_SECCOMP_ERRNO_MAX);
	return 0;
}

/* An optional array of strings; NULL/absent gives NULL. */
static int parse_strv_opt(json_object *obj, const struct sbx_jloc *loc, const char *key,
			  char ***ret, struct sbx_error *err)
{
	json_object *o = jget(obj, key);
	*ret = NULL;
	if (!o)
		return 0;
	struct sbx_jloc kl = sbx_jloc_key(loc, key);
	return sbx_json_strv(o, &kl, ret, err);
}

static int parse_str_opt(json_object *obj, const struct sbx_jloc *loc, const char *key, char **ret,
			 struct sbx_error *err)
{
	json_object *o = jget(obj, key);
	const char *s;
	*ret = NULL;
	if (!o)
		return 0;
	struct sbx_jloc kl = sbx_jloc_key(loc, key);
	int r = sbx_json_str(o, &kl, &s, err);
	if (r < 0)
		return r;
	*ret = sbx_xstrdup(s);
	return 0;
}

/* strconv.ParseUint(s, 10, 8): decimal digits only, 0-255. */
static bool parse_u8(const char *s, size_t len, unsigned int *ret)
{
	unsigned int v = 0;
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned int)(s[i] - '0');
		if (v > 255)
			return false;
	}
	*ret = v;
	return true;
}

/*
 * moby's KernelVersion: a JSON string "<major>.<minor>", both parts 0-255,
 * not 0.0; "" is accepted and means 0.0 (so includes always hold and excludes
 * always drop).
 */
static int parse_min_kernel(json_object *o, const struct sbx_jloc *loc, struct sbx_seccomp_cond *c,
			    struct sbx_error *err)
{
	const char *s;
	int r = sbx_json_str(o, loc, &s, err);
	if (r < 0)
		return r;
	c->has_min_kernel = true;
	c->min_kernel_major = c->min_kernel_minor = 0;
	if (!*s)
		return 0;
	const char *dot = strchr(s, '.');
	if (!dot || strchr(dot + 1, '.') || !parse_u8(s, (size_t)(dot - s), &c->min_kernel_major) ||
	    !parse_u8(dot + 1, strlen(dot + 1), &c->min_kernel_minor))
		return sbx_json_error(
			loc, err, "invalid kernel version \"%s\", expected \"<major>.<minor>\"", s);
	if (c->min_kernel_major == 0 && c->min_kernel_minor == 0)
		return sbx_json_error(loc, err,
				      "invalid kernel version \"%s\": version cannot be 0.0", s);
	return 0;
}

static int parse_cond(json_object *o, const struct sbx_jloc *loc, struct sbx_seccomp_cond *c,
		      struct sbx_error *err)
{
	int r = sbx_json_expect(o, json_type_object, loc, err);
	if (r < 0)
		return r;
	r = parse_strv_opt(o, loc, "caps", &c->caps, err);
	if (r < 0)
		return r;
	r = parse_strv_opt(o, loc, "arches", &c->arches, err);
	if (r < 0)
		return r;
	json_object *mk = jget(o, "minKernel");
	if (mk) {
		struct sbx_jloc ml = sbx_jloc_key(loc, "minKernel");
		r = parse_min_kernel(mk, &ml, c, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_arg(json_object *o, const struct sbx_jloc *loc, struct sbx_seccomp_arg *a,
		     struct sbx_error *err)
{
	int r = sbx_json_expect(o, json_type_object, loc, err);
	if (r < 0)
		return r;
	json_object *v;
	uint64_t idx = 0;
	if ((v = jget(o, "index"))) {
		struct sbx_jloc l = sbx_jloc_key(loc, "index");
		r = sbx_json_u64(v, &l, &idx, err);
		if (r < 0)
			return r;
		if (idx > 5)
			return sbx_json_error(&l, err, "argument index %llu is out of range (0-5)",
					      (unsigned long long)idx);
	}
	a->index = (unsigned int)idx;
	if ((v = jget(o, "value"))) {
		struct sbx_jloc l = sbx_jloc_key(loc, "value");
		r = sbx_json_u64(v, &l, &a->value, err);
		if (r < 0)
			return r;
	}
	if ((v = jget(o, "valueTwo"))) {
		struct sbx_jloc l = sbx_jloc_key(loc, "valueTwo");
		r = sbx_json_u64(v, &l, &a->value_two, err);
		if (r < 0)
			return r;
	}
	struct sbx_jloc ol = sbx_jloc_key(loc, "op");
	if (!(v = jget(o, "op")))
		return sbx_json_error(&ol, err,
				      "missing (one of SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, "
				      "_MASKED_EQ)");
	return parse_op(v, &ol, &a->op, err);
}

static int parse_entry(json_object *o, const struct sbx_jloc *loc, struct sbx_seccomp_entry *e,
		       struct sbx_error *err)
{
	int r = sbx_json_expect(o, json_type_object, loc, err);
	if (r < 0)
		return r;

	r = parse_strv_opt(o, loc, "names", &e->names, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *name = NULL;
	r = parse_str_opt(o, loc, "name", &name, err);
	if (r < 0)
		return r;
	/* moby: a non-empty "name" conflicts with a non-empty "names", otherwise it becomes names */
	if (name && *name) {
		if (e->names && e->names[0])
			return sbx_json_error(loc, err,
					      "both 'name' and 'names' are specified, use one");
		sbx_strv_free(e->names);
		e->names = sbx_xcalloc(2, sizeof(char *));
		e->names[0] = TAKE_PTR(name);
	}
	if (!e->names)
		e->names = sbx_xcalloc(1, sizeof(char *));
	for (size_t i = 0; e->names[i]; i++) {
		if (!*e->names[i]) {
			struct sbx_jloc nl = sbx_jloc_key(loc, "names");
			struct sbx_jloc il = sbx_jloc_idx(&nl, i);
			/* runc: "empty string is not a valid syscall" */
			return sbx_json_error(&il, err, "empty string is not a valid syscall name");
		}
	}

	struct sbx_jloc al = sbx_jloc_key(loc, "action");
	json_object *v = jget(o, "action");
	if (!v)
		return sbx_json_error(&al, err, "missing");
	r = parse_action(v, &al, &e->action, err);
	if (r < 0)
		return r;
	if (e->action == SBX_SECCOMP_ACT_NONE)
		return sbx_json_error(&al, err, "empty action");

	r = parse_errno_pair(o, loc, "errnoRet", "errno", e->action, &e->has_errno_ret,
			     &e->errno_ret, err);
	if (r < 0)
		return r;

	if ((v = jget(o, "args"))) {
		struct sbx_jloc argl = sbx_jloc_key(loc, "args");
		r = sbx_json_expect(v, json_type_array, &argl, err);
		if (r < 0)
			return r;
		e->n_args = json_object_array_length(v);
		e->args = sbx_xcalloc(e->n_args ? e->n_args : 1, sizeof(*e->args));
		for (size_t i = 0; i < e->n_args; i++) {
			struct sbx_jloc il = sbx_jloc_idx(&argl, i);
			r = parse_arg(json_object_array_get_idx(v, i), &il, &e->args[i], err);
			if (r < 0)
				return r;
		}
	}

	r = parse_str_opt(o, loc, "comment", &e->comment, err);
	if (r < 0)
		return r;
	if ((v = jget(o, "includes"))) {
		struct sbx_jloc l = sbx_jloc_key(loc, "includes");
		e->has_includes = true;
		r = parse_cond(v, &l, &e->includes, err);
		if (r < 0)
			return r;
	}
	if ((v = jget(o, "excludes"))) {
		struct sbx_jloc l = sbx_jloc_key(loc, "excludes");
		e->has_excludes = true;
		r = parse_cond(v, &l, &e->excludes, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct {
	const char *name;
	unsigned int flag;
} flag_names[] = {
	{"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
	{"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
	{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
	{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static int parse_flags(json_object *o, const struct sbx_jloc *loc, unsigned int *ret,
		       struct sbx_error *err)
{
	_cleanup_strv_ char **v = NULL;
	int r = sbx_json_strv(o, loc, &v, err);
	if (r < 0)
		return r;
	*ret = 0;
	for (size_t i = 0; v[i]; i++) {
		size_t k;
		for (k = 0; k < SBX_ARRAY_SIZE(flag_names); k++)
			if (strcmp(v[i], flag_names[k].name) == 0)
				break;
		if (k == SBX_ARRAY_SIZE(flag_names)) {
			struct sbx_jloc il = sbx_jloc_idx(loc, i);
			return sbx_json_error(&il, err, "unknown seccomp filter flag \"%s\"", v[i]);
		}
		*ret |= flag_names[k].flag;
	}
	return 0;
}

static int parse_archmap(json_object *o, const struct sbx_jloc *loc, struct sbx_seccomp_profile *p,
			 struct sbx_error *err)
{
	int r = sbx_json_expect(o, json_type_array, loc, err);
	if (r < 0)
		return r;
	p->n_arch_map = json_object_array_length(o);
	p->arch_map = sbx_xcalloc(p->n_arch_map ? p->n_arch_map : 1, sizeof(*p->arch_map));
	for (size_t i = 0; i < p->n_arch_map; i++) {
		struct sbx_jloc il = sbx_jloc_idx(loc, i);
		json_object *e = json_object_array_get_idx(o, i);
		r = sbx_json_expect(e, json_type_object, &il, err);
		if (r < 0)
			return r;
		r = parse_str_opt(e, &il, "architecture", &p->arch_map[i].arch, err);
		if (r < 0)
			return r;
		if (!p->arch_map[i].arch)
			p->arch_map[i].arch = sbx_xstrdup("");
		r = parse_strv_opt(e, &il, "subArchitectures", &p->arch_map[i].sub_arches, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_profile(json_object *root, struct sbx_seccomp_profile *p, struct sbx_error *err)
{
	struct sbx_jloc loc = {.doc = p->doc};
	snprintf(loc.path, sizeof(loc.path), "%s", p->path_prefix);
	int r = sbx_json_expect(root, json_type_object, &loc, err);
	if (r < 0)
		return r;

	json_object *v;
	if ((v = jget(root, "defaultAction"))) {
		struct sbx_jloc l = sbx_jloc_key(&loc, "defaultAction");
		r = parse_action(v, &l, &p->default_action, err);
		if (r < 0)
			return r;
		/* runc: the supervisor could never answer the calls it needs itself */
		if (p->default_action == SBX_SECCOMP_ACT_NOTIFY)
			return sbx_json_error(&l, err,
					      "SCMP_ACT_NOTIFY cannot be the default action");
	}
	r = parse_errno_pair(root, &loc, "defaultErrnoRet", "defaultErrno", p->default_action,
			     &p->has_default_errno, &p->default_errno_ret, err);
	if (r < 0)
		return r;

	r = parse_strv_opt(root, &loc, "architectures", &p->architectures, err);
	if (r < 0)
		return r;
	for (size_t i = 0; p->architectures && p->architectures[i]; i++) {
		if (!sbx_seccomp_arch_name_known(p->architectures[i])) {
			struct sbx_jloc al = sbx_jloc_key(&loc, "architectures");
			struct sbx_jloc il = sbx_jloc_idx(&al, i);
			return sbx_json_error(&il, err, "unknown architecture \"%s\"",
					      p->architectures[i]);
		}
	}
	if ((v = jget(root, "archMap"))) {
		struct sbx_jloc l = sbx_jloc_key(&loc, "archMap");
		r = parse_archmap(v, &l, p, err);
		if (r < 0)
			return r;
	}

	if ((v = jget(root, "syscalls"))) {
		struct sbx_jloc sl = sbx_jloc_key(&loc, "syscalls");
		r = sbx_json_expect(v, json_type_array, &sl, err);
		if (r < 0)
			return r;
		size_t n = json_object_array_length(v);
		p->syscalls = sbx_xcalloc(n ? n : 1, sizeof(*p->syscalls));
		for (size_t i = 0; i < n; i++) {
			struct sbx_jloc il = sbx_jloc_idx(&sl, i);
			p->n_syscalls = i + 1; /* so that free() sees the partly parsed entry */
			r = parse_entry(json_object_array_get_idx(v, i), &il, &p->syscalls[i], err);
			if (r < 0)
				return r;
		}
	}

	if ((v = jget(root, "flags"))) {
		struct sbx_jloc l = sbx_jloc_key(&loc, "flags");
		p->has_flags = true;
		r = parse_flags(v, &l, &p->flags, err);
		if (r < 0)
			return r;
	}
	r = parse_str_opt(root, &loc, "listenerPath", &p->listener_path, err);
	if (r < 0)
		return r;
	r = parse_str_opt(root, &loc, "listenerMetadata", &p->listener_metadata, err);
	if (r < 0)
		return r;
	if (p->listener_metadata && *p->listener_metadata &&
	    !(p->listener_path && *p->listener_path)) {
		struct sbx_jloc l = sbx_jloc_key(&loc, "listenerMetadata");
		/* runtime-spec: listenerMetadata MUST NOT be set without listenerPath */
		return sbx_json_error(&l, err, "set without listenerPath");
	}

	if (p->default_action == SBX_SECCOMP_ACT_NONE && p->n_syscalls > 0) {
		struct sbx_jloc l = sbx_jloc_key(&loc, "defaultAction");
		return sbx_json_error(&l, err, "missing (required when syscalls are listed)");
	}
	return 0;
}

/* body is the profile object (NULL: unconfined); path_prefix names it in messages */
static int profile_from(const char *doc, json_object *body, const char *path_prefix, struct sbx_seccomp_profile **ret,
			struct sbx_error *err)
{
	struct sbx_seccomp_profile *p = sbx_xcalloc(1, sizeof(*p));
	p->doc = sbx_xstrdup(doc);
	p->path_prefix = sbx_xstrdup(path_prefix);
	int r = body ? parse_profile(body, p, err) : 0;
	if (r < 0) {
		sbx_seccomp_profile_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int sbx_seccomp_profile_from_json(const char *doc, json_object *obj, const char *path_prefix,
				  struct sbx_seccomp_profile **ret, struct sbx_error *err)
{
	return profile_from(doc, obj, path_prefix ? path_prefix : "", ret, err);
}

int sbx_seccomp_profile_parse(const char *doc, const char *buf, size_t len,
			      struct sbx_seccomp_profile **ret, struct sbx_error *err)
{
	json_object *root = NULL;
	int r = sbx_json_parse(doc, buf, len, &root, err);
	if (r < 0)
		return r;
	json_object *body = root;
	const char *prefix = "";
	/* A whole OCI config.json: only linux.seccomp matters; none means unconfined. */
	if (json_object_is_type(root, json_type_object) &&
	    (jget(root, "ociVersion") ||
	     json_object_is_type(jget(root, "linux"), json_type_object))) {
		json_object *linux_obj = jget(root, "linux");
		struct sbx_jloc ll = {.doc = doc, .path = "linux"};
		body = linux_obj ? jget(linux_obj, "seccomp") : NULL;
		prefix = "linux.seccomp";
		if (linux_obj && !json_object_is_type(linux_obj, json_type_object))
			r = sbx_json_type_error(&ll, linux_obj, "an object", err);
	}
	if (r == 0)
		r = profile_from(doc, body, prefix, ret, err);
	json_object_put(root);
	return r;
}

static void cond_free(struct sbx_seccomp_cond *c)
{
	sbx_strv_free(c->caps);
	sbx_strv_free(c->arches);
}

void sbx_seccomp_profile_free(struct sbx_seccomp_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_syscalls; i++) {
		struct sbx_seccomp_entry *e = &p->syscalls[i];
		sbx_strv_free(e->names);
		free(e->args);
		free(e->comment);
		cond_free(&e->includes);
		cond_free(&e->excludes);
	}
	free(p->syscalls);
	for (size_t i = 0; i < p->n_arch_map; i++) {
		free(p->arch_map[i].arch);
		sbx_strv_free(p->arch_map[i].sub_arches);
	}
	free(p->arch_map);
	sbx_strv_free(p->architectures);
	free(p->listener_path);
	free(p->listener_metadata);
	free(p->doc);
	free(p->path_prefix);
	free(p);
}

/* ---- resolution (moby setupSeccomp) ------------------------------------ */

int sbx_seccomp_env_host(struct sbx_seccomp_env *ret, uint64_t bounding_caps, struct sbx_error *err)
{
	struct utsname u;
	unsigned int major, minor;
	if (uname(&u) < 0)
		return sbx_err_sys(err, "seccomp: uname");
	/* moby: the first two numbers; "-rc", "-generic" and the patch level are ignored */
	if (sbx_parse_version(u.release, &major, &minor, NULL) < 0)
		return sbx_err_set(err, EINVAL, "seccomp: cannot parse the kernel version \"%s\"",
				   u.release);
	ret->bounding_caps = bounding_caps;
	ret->native_arch = seccomp_arch_native();
	ret->kernel_major = major;
	ret->kernel_minor = minor;
	return 0;
}

static bool cap_in_set(const char *name, uint64_t set)
{
	int c = sbx_seccomp_cap_from_name(name);
	/* unknown or mis-spelled names ("SYS_ADMIN") never match, as in moby */
	return c >= 0 && c < 64 && (set & (UINT64_C(1) << c));
}

static bool kernel_ge(const struct sbx_seccomp_env *env, const struct sbx_seccomp_cond *c)
{
	if (env->kernel_major != c->min_kernel_major)
		return env->kernel_major > c->min_kernel_major;
	return env->kernel_minor >= c->min_kernel_minor;
}

static enum sbx_seccomp_drop entry_verdict(const struct sbx_seccomp_entry *e,
					   const struct sbx_seccomp_env *env, const char *goarch)
{
	/* moby checks excludes first, then includes; both must let the entry through */
	if (e->has_excludes) {
		const struct sbx_seccomp_cond *c = &e->excludes;
		if (goarch && c->arches && sbx_strv_contains(c->arches, goarch))
			return SBX_SECCOMP_DROP_EXCL_ARCH;
		for (size_t i = 0; c->caps && c->caps[i]; i++)
			if (cap_in_set(c->caps[i], env->bounding_caps))
				return SBX_SECCOMP_DROP_EXCL_CAP;
		if (c->has_min_kernel && kernel_ge(env, c))
			return SBX_SECCOMP_DROP_EXCL_KERNEL;
	}
	if (e->has_includes) {
		const struct sbx_seccomp_cond *c = &e->includes;
		if (c->arches && c->arches[0] && !(goarch && sbx_strv_contains(c->arches, goarch)))
			return SBX_SECCOMP_DROP_INCL_ARCH;
		for (size_t i = 0; c->caps && c->caps[i]; i++)
			if (!cap_in_set(c->caps[i], env->bounding_caps))
				return SBX_SECCOMP_DROP_INCL_CAP;
		if (c->has_min_kernel && !kernel_ge(env, c))
			return SBX_SECCOMP_DROP_INCL_KERNEL;
	}
	return SBX_SECCOMP_KEPT;
}

static int push_arch(struct sbx_seccomp_resolved *r, const char *name, const struct sbx_jloc *loc,
		     struct sbx_error *err)
{
	if (!sbx_seccomp_arch_name_known(name))
		return sbx_json_error(loc, err, "unknown architecture \"%s\"", name);
	uint32_t tok = sbx_seccomp_arch_from_name(name);
	if (!tok)
		return sbx_json_error(loc, err,
				      "architecture \"%s\" is not supported by libseccomp %u.%u.%u",
				      name, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
	r->arches = sbx_xrealloc(r->arches, (r->n_arches + 1) * sizeof(*r->arches));
	r->arches[r->n_arches++] = tok;
	return 0;
}

int sbx_seccomp_resolve(const struct sbx_seccomp_profile *p, const struct sbx_seccomp_env *env,
			struct sbx_seccomp_resolved **ret, struct sbx_error *err)
{
	struct sbx_jloc loc = {.doc = p->doc};
	snprintf(loc.path, sizeof(loc.path), "%s", p->path_prefix);
	_cleanup_(sbx_seccomp_resolved_freep) struct sbx_seccomp_resolved *r =
		sbx_xcalloc(1, sizeof(*r));
	r->profile = p;
	r->drop = sbx_xcalloc(p->n_syscalls ? p->n_syscalls : 1, sizeof(*r->drop));
	r->kept = sbx_xcalloc(p->n_syscalls ? p->n_syscalls : 1, sizeof(*r->kept));

	/* moby and runc: no default action and no rules means no seccomp at all */
	if (p->default_action == SBX_SECCOMP_ACT_NONE && p->n_syscalls == 0) {
		r->unconfined = true;
		*ret = TAKE_PTR(r);
		return 0;
	}
	r->default_action_scmp = sbx_seccomp_action_scmp(p->default_action, p->has_default_errno,
							 p->default_errno_ret);

	size_t n_arches = sbx_strv_len(p->architectures);
	if (n_arches > 0 && p->n_arch_map > 0)
		return sbx_json_error(&loc, err,
				      "both 'architectures' and 'archMap' are specified, use one");
	for (size_t i = 0; i < n_arches; i++) {
		struct sbx_jloc al = sbx_jloc_key(&loc, "architectures");
		struct sbx_jloc il = sbx_jloc_idx(&al, i);
		int rc = push_arch(r, p->architectures[i], &il, err);
		if (rc < 0)
			return rc;
	}
	/*
	 * archMap: the first element for the native architecture, then its
	 * sub-architectures; no match leaves the list empty ("native only").
	 * The element is chosen by the native libseccomp token, so the moby
	 * lookup bugs on loong64/mipsle are not reproduced.
	 */
	for (size_t i = 0; i < p->n_arch_map; i++) {
		const struct sbx_seccomp_archmap *m = &p->arch_map[i];
		if (sbx_seccomp_arch_from_name(m->arch) != env->native_arch || !env->native_arch)
			continue;
		struct sbx_jloc ml = sbx_jloc_key(&loc, "archMap");
		struct sbx_jloc il = sbx_jloc_idx(&ml, i);
		struct sbx_jloc al = sbx_jloc_key(&il, "architecture");
		int rc = push_arch(r, m->arch, &al, err);
		if (rc < 0)
			return rc;
		struct sbx_jloc sl = sbx_jloc_key(&il, "subArchitectures");
		for (size_t k = 0; m->sub_arches && m->sub_arches[k]; k++) {
			struct sbx_jloc kl = sbx_jloc_idx(&sl, k);
			rc = push_arch(r, m->sub_arches[k], &kl, err);
			if (rc < 0)
				return rc;
		}
		break;
	}

	const char *goarch = sbx_seccomp_arch_goname(env->native_arch);
	for (size_t i = 0; i < p->n_syscalls; i++) {
		r->drop[i] = entry_verdict(&p->syscalls[i], env, goarch);
		if (r->drop[i] == SBX_SECCOMP_KEPT)
			r->kept[r->n_kept++] = i;
	}
	*ret = TAKE_PTR(r);
	return 0;
}

void sbx_seccomp_resolved_free(struct sbx_seccomp_resolved *r)
{
	if (!r)
		return;
	free(r->arches);
	free(r->kept);
	free(r->drop);
	free(r);
}

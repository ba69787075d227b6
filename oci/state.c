/* SPDX-License-Identifier: Apache-2.0 */
/* OCI state JSON: built and read back with json-c. */
#include "oci/state.h"
#include "core/cleanup.h"
#include "core/jsonutil.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

void sbx_oci_state_clear(struct sbx_oci_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup);
	for (size_t i = 0; i < st->n_annotations; i++) {
		free(st->annotations[i].key);
		free(st->annotations[i].value);
	}
	free(st->annotations);
	memset(st, 0, sizeof(*st));
}

const char *sbx_oci_status_name(int status)
{
	static const char *const names[] = {"creating", "created", "running", "stopped", "paused"};
	return (unsigned)status < SBX_ARRAY_SIZE(names) ? names[status] : "unknown";
}

static void add_str(json_object *o, const char *key, const char *v)
{
	if (v)
		json_object_object_add(o, key, json_object_new_string(v));
}

char *sbx_oci_state_json(const struct sbx_oci_state *st, bool internal, bool pretty)
{
	json_object *o = json_object_new_object();
	add_str(o, "ociVersion", SBX_OCI_VERSION);
	add_str(o, "id", st->id);
	add_str(o, "status", sbx_oci_status_name(st->status));
	/* the spec asks for the pid while the container is created or running; runc prints 0 after */
	json_object_object_add(o, "pid", json_object_new_int(st->status == SBX_OCI_STOPPED ? 0 : (int)st->pid));
	add_str(o, "bundle", st->bundle);
	add_str(o, "rootfs", st->rootfs);
	add_str(o, "created", st->created);
	if (st->n_annotations) {
		json_object *a = json_object_new_object();
		for (size_t i = 0; i < st->n_annotations; i++)
			json_object_object_add(a, st->annotations[i].key,
					       json_object_new_string(st->annotations[i].value));
		json_object_object_add(o, "annotations", a);
	}
	if (internal) {
		json_object *s = json_object_new_object();
		json_object_object_add(s, "pid", json_object_new_int((int)st->pid));
		json_object_object_add(s, "pidStart", json_object_new_uint64(st->pid_start));
		json_object_object_add(s, "started", json_object_new_boolean(st->started));
		json_object_object_add(s, "policy", json_object_new_int(st->policy));
		add_str(s, "cgroup", st->cgroup);
		if (st->has_slot)
			json_object_object_add(s, "slot", json_object_new_int((int)st->slot));
		json_object_object_add(o, "sbxctr", s);
	}
	char *text = sbx_xstrdup(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_NOSLASHESCAPE |
			       (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN)));
	json_object_put(o);
	return text;
}

static int parse(json_object *o, const char *doc, struct sbx_oci_state *st, struct sbx_error *err)
{
	struct sbx_jloc top = {.doc = doc};
	int r;
	if ((r = sbx_json_expect(o, json_type_object, &top, err)) < 0)
		return r;
	_cleanup_free_ char *status = NULL;
	if ((r = sbx_json_get_strdup(o, &top, "id", true, &st->id, err)) < 0 ||
	    (r = sbx_json_get_strdup(o, &top, "status", true, &status, err)) < 0 ||
	    (r = sbx_json_get_strdup(o, &top, "bundle", false, &st->bundle, err)) < 0 ||
	    (r = sbx_json_get_strdup(o, &top, "rootfs", false, &st->rootfs, err)) < 0 ||
	    (r = sbx_json_get_strdup(o, &top, "created", false, &st->created, err)) < 0)
		return r;
	st->status = -1;
	for (int s = SBX_OCI_CREATING; s <= SBX_OCI_PAUSED; s++)
		if (strcmp(status, sbx_oci_status_name(s)) == 0)
			st->status = s;
	if (st->status < 0) {
		struct sbx_jloc l = sbx_jloc_key(&top, "status");
		return sbx_json_error(&l, err, "unknown status \"%s\"", status);
	}
	json_object *a = sbx_json_get(o, "annotations");
	if (a) {
		struct sbx_jloc al = sbx_jloc_key(&top, "annotations");
		if ((r = sbx_json_expect(a, json_type_object, &al, err)) < 0)
			return r;
		st->annotations = sbx_xcalloc((size_t)json_object_object_length(a) + 1, sizeof(*st->annotations));
		json_object_object_foreach(a, key, val)
		{
			struct sbx_jloc vl = sbx_jloc_key(&al, key);
			const char *s;
			if ((r = sbx_json_str(val, &vl, &s, err)) < 0)
				return r;
			st->annotations[st->n_annotations].key = sbx_xstrdup(key);
			st->annotations[st->n_annotations++].value = sbx_xstrdup(s);
		}
	}
	json_object *s = sbx_json_get(o, "sbxctr");
	struct sbx_jloc sl = sbx_jloc_key(&top, "sbxctr");
	if (!s)
		return sbx_json_error(&sl, err, "required field is missing");
	if ((r = sbx_json_expect(s, json_type_object, &sl, err)) < 0)
		return r;
	json_object *v;
	struct sbx_jloc l;
	int pid = 0, policy = 0, slot = -1;
	if ((v = sbx_json_get(s, "pid")) && (l = sbx_jloc_key(&sl, "pid"), r = sbx_json_int(v, &l, &pid, err)) < 0)
		return r;
	if ((v = sbx_json_get(s, "pidStart")) &&
	    (l = sbx_jloc_key(&sl, "pidStart"), r = sbx_json_u64(v, &l, &st->pid_start, err)) < 0)
		return r;
	if ((v = sbx_json_get(s, "started")) &&
	    (l = sbx_jloc_key(&sl, "started"), r = sbx_json_bool(v, &l, &st->started, err)) < 0)
		return r;
	if ((v = sbx_json_get(s, "policy")) &&
	    (l = sbx_jloc_key(&sl, "policy"), r = sbx_json_int(v, &l, &policy, err)) < 0)
		return r;
	if ((v = sbx_json_get(s, "slot")) && (l = sbx_jloc_key(&sl, "slot"), r = sbx_json_int(v, &l, &slot, err)) < 0)
		return r;
	if ((r = sbx_json_get_strdup(s, &sl, "cgroup", false, &st->cgroup, err)) < 0)
		return r;
	st->pid = pid;
	st->policy = policy;
	st->has_slot = slot >= 0;
	st->slot = slot >= 0 ? (unsigned)slot : 0;
	return 0;
}

int sbx_oci_state_parse(const char *doc, const char *buf, size_t len, struct sbx_oci_state *ret,
			struct sbx_error *err)
{
	json_object *o = NULL;
	int r = sbx_json_parse(doc, buf, len, &o, err);
	if (r < 0)
		return r;
	struct sbx_oci_state st = {0};
	r = parse(o, doc, &st, err);
	json_object_put(o);
	if (r < 0) {
		sbx_oci_state_clear(&st);
		return r;
	}
	*ret = st;
	return 0;
}

bool sbx_oci_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 255 || id[0] == '.')
		return false;
	return id[strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-")] == '\0';
}

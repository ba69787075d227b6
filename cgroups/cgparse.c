/* SPDX-License-Identifier: Apache-2.0 */
/* Pure parsers for the procfs and cgroupfs text that cgroups/ reads. */
#include "cgroups/cgparse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/limits.h"
#include "core/cleanup.h"
#include "core/util.h"

/* mountinfo escapes blanks, newlines and backslashes in paths as \ooo. */
static char *unescape(const char *s, size_t len)
{
	char *out = sbx_xmalloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) |
				      (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Splits the next blank-separated field off *p. */
static bool next_field(const char **p, const char *end, const char **ret, size_t *ret_len)
{
	const char *s = *p;
	while (s < end && *s == ' ')
		s++;
	if (s >= end)
		return false;
	const char *e = s;
	while (e < end && *e != ' ')
		e++;
	*ret = s;
	*ret_len = (size_t)(e - s);
	*p = e;
	return true;
}

static bool has_v1_controller(const char *opts, size_t len)
{
	/* super options: "rw,cpu,cpuacct" or "rw,name=systemd"; any real controller counts */
	static const char *const v1_only[] = {"cpuacct",  "devices",	"freezer", "net_cls",
					      "net_prio", "perf_event", "blkio"};
	const char *p = opts, *end = opts + len;
	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t n = c ? (size_t)(c - p) : (size_t)(end - p);
		if (sbx_cgroup_controller_from_name(p, n))
			return true;
		for (size_t i = 0; i < SBX_ARRAY_SIZE(v1_only); i++)
			if (strlen(v1_only[i]) == n && memcmp(v1_only[i], p, n) == 0)
				return true;
		p += n + 1;
	}
	return false;
}

int sbx_cgroup_parse_mountinfo(const char *buf, struct sbx_cgroup_mounts *ret)
{
	*ret = (struct sbx_cgroup_mounts){0};
	for (const char *line = buf; line && *line;) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		const char *next = eol ? eol + 1 : end;
		/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
		const char *sep = NULL;
		for (const char *q = line; q + 2 < end + 1; q++)
			if (q[0] == ' ' && q[1] == '-' && (q + 2 == end || q[2] == ' ')) {
				sep = q;
				break;
			}
		const char *p = line, *f[5];
		size_t fl[5];
		int nf = 0;
		while (nf < 5 && next_field(&p, sep ? sep : end, &f[nf], &fl[nf]))
			nf++;
		if (line == end) {
			line = next;
			continue;
		}
		if (!sep || nf < 5) {
			sbx_cgroup_mounts_clear(ret);
			return -EINVAL;
		}
		const char *q = sep + 2, *fstype, *source, *super;
		size_t fstype_len, source_len, super_len = 0;
		if (!next_field(&q, end, &fstype, &fstype_len)) {
			sbx_cgroup_mounts_clear(ret);
			return -EINVAL;
		}
		if (!next_field(&q, end, &source, &source_len) ||
		    !next_field(&q, end, &super, &super_len))
			super = "", super_len = 0;

		if (fstype_len == 7 && memcmp(fstype, "cgroup2", 7) == 0) {
			_cleanup_free_ char *mp = unescape(f[4], fl[4]);
			/* The conventional place wins over any other cgroup2 mount. */
			if (!ret->cgroup2_mount || (strcmp(mp, "/sys/fs/cgroup") == 0 &&
						    strcmp(ret->cgroup2_mount, mp) != 0)) {
				free(ret->cgroup2_mount);
				free(ret->cgroup2_root);
				ret->cgroup2_mount = TAKE_PTR(mp);
				ret->cgroup2_root = unescape(f[3], fl[3]);
			}
		} else if (fstype_len == 6 && memcmp(fstype, "cgroup", 6) == 0 &&
			   has_v1_controller(super, super_len)) {
			if (!ret->v1_controllers) {
				_cleanup_free_ char *mp = unescape(f[4], fl[4]);
				snprintf(ret->v1_example, sizeof(ret->v1_example), "%s", mp);
			}
			ret->v1_controllers = true;
		}
		line = next;
	}
	return 0;
}

void sbx_cgroup_mounts_clear(struct sbx_cgroup_mounts *m)
{
	if (!m)
		return;
	free(m->cgroup2_mount);
	free(m->cgroup2_root);
	*m = (struct sbx_cgroup_mounts){0};
}

int sbx_cgroup_parse_proc_cgroup(const char *buf, char **ret_path)
{
	for (const char *line = buf; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		if (len >= 3 && memcmp(line, "0::", 3) == 0) {
			char *path = sbx_xmalloc(len - 3 + 1);
			memcpy(path, line + 3, len - 3);
			path[len - 3] = '\0';
			/* A deleted cgroup reads as "/path (deleted)": unusable, but report as is
			 */
			*ret_path = path;
			return 0;
		}
		line = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

char *sbx_cgroup_path_join(const char *mount, const char *mount_root, const char *cgroup_path)
{
	size_t rl = strlen(mount_root);
	while (rl > 0 && mount_root[rl - 1] == '/')
		rl--;
	const char *rel = cgroup_path;
	if (rl > 0) {
		/* the mount shows only part of the hierarchy: our cgroup must lie below it */
		if (strncmp(cgroup_path, mount_root, rl) != 0 ||
		    (cgroup_path[rl] != '/' && cgroup_path[rl] != '\0'))
			return NULL;
		rel = cgroup_path + rl;
	}
	while (*rel == '/')
		rel++;
	size_t ml = strlen(mount);
	while (ml > 1 && mount[ml - 1] == '/')
		ml--;
	if (*rel == '\0')
		return sbx_xasprintf("%.*s", (int)ml, mount);
	return sbx_xasprintf("%.*s/%s", (int)ml, mount, rel);
}

static int parse_number(const char *s, size_t len, uint64_t *ret)
{
	if (len == 3 && memcmp(s, "max", 3) == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (len == 0 || len > 20)
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int sbx_cgroup_parse_keyed(const char *buf, const char *key, uint64_t *ret)
{
	size_t kl = strlen(key);
	for (const char *line = buf; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		if (len > kl && memcmp(line, key, kl) == 0 && line[kl] == ' ') {
			const char *v = line + kl + 1;
			size_t vl = len - kl - 1;
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\r'))
				vl--;
			return parse_number(v, vl, ret);
		}
		line = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

int sbx_cgroup_parse_value(const char *buf, uint64_t *ret)
{
	size_t len = strcspn(buf, "\n");
	return parse_number(buf, len, ret);
}

bool sbx_cgroup_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 128 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == ':' || c == '@' || c == '-'))
			return false;
	}
	return true;
}

bool sbx_cgroup_parent_valid(const char *path)
{
	if (!path || !*path || strlen(path) > 1024)
		return false;
	const char *p = path;
	if (*p == '/')
		p++;
	if (*p == '\0')
		return true; /* "/": the cgroup2 root itself */
	while (*p) {
		const char *s = strchr(p, '/');
		size_t n = s ? (size_t)(s - p) : strlen(p);
		char comp[129];
		if (n == 0 || n >= sizeof(comp))
			return false;
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (!sbx_cgroup_name_valid(comp))
			return false;
		if (!s)
			break;
		p = s + 1;
		if (*p == '\0')
			return false; /* trailing "/" */
	}
	return true;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The identity plan (pure), the caller's facts, and writing the maps. */
#include "runtime/identity.h"
#include "runtime/slot.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- pure ------------------------------------------------------------------ */

/* Strict decimal u32 of [s, end). */
static bool parse_u32_span(const char *s, const char *end, uint32_t *ret)
{
	uint64_t v = 0;
	if (s == end)
		return false;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*ret = (uint32_t)v;
	return true;
}

size_t sbx_subid_parse(const char *text, const char *name, uint32_t uid, struct sbx_idrange *ret, size_t max)
{
	size_t n = 0;
	char uidbuf[16];
	snprintf(uidbuf, sizeof(uidbuf), "%u", uid);
	for (const char *line = text; line && *line && n < max;) {
		const char *eol = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		size_t who = c1 ? (size_t)(c1 - line) : 0;
		bool mine = c1 && ((name && *name && strlen(name) == who && memcmp(line, name, who) == 0) ||
				   (strlen(uidbuf) == who && memcmp(line, uidbuf, who) == 0));
		struct sbx_idrange r;
		/* a range that wraps around the 32-bit id space is no range */
		if (mine && c2 && line[0] != '#' && parse_u32_span(c1 + 1, c2, &r.start) &&
		    parse_u32_span(c2 + 1, eol, &r.count) && r.count > 0 && (uint64_t)r.start + r.count <= UINT32_MAX)
			ret[n++] = r;
		line = *eol ? eol + 1 : eol;
	}
	return n;
}

uint32_t sbx_idmap_to_host(const struct sbx_idmap *m, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
			return m[i].host_id + (id - m[i].container_id);
	return (uint32_t)-1;
}

int64_t sbx_idmap_to_inside(const struct sbx_idmap *m, size_t n, uint32_t host_id)
{
	for (size_t i = 0; i < n; i++)
		if (host_id >= m[i].host_id && host_id - m[i].host_id < m[i].size)
			return (int64_t)m[i].container_id + (host_id - m[i].host_id);
	return -1;
}

static int idmap_format(const struct sbx_idmap *m, size_t n, bool nested, char *buf, size_t size)
{
	size_t off = 0;
	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + off, size - off, "%u %u %u\n", m[i].container_id,
				 nested ? m[i].container_id : m[i].host_id, m[i].size);
		if (w < 0 || (size_t)w >= size - off)
			return -ENOSPC;
		off += (size_t)w;
	}
	return (int)off;
}

int sbx_idmap_format(const struct sbx_idmap *m, size_t n, char *buf, size_t size)
{
	return idmap_format(m, n, false, buf, size);
}

int sbx_idmap_format_nested(const struct sbx_idmap *m, size_t n, char *buf, size_t size)
{
	return idmap_format(m, n, true, buf, size);
}

static size_t ranges_total(const struct sbx_idrange *r, size_t n)
{
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++)
		t += r[i].count;
	return t > SIZE_MAX ? SIZE_MAX : (size_t)t;
}

/*
 * Container ids 0..SBX_SUBID_SLICE-1 onto slice k of the ranges taken end
 * to end (a slice may straddle two ranges: one line each). False when the
 * ranges end before the slice does.
 */
static bool map_slice(const struct sbx_idrange *r, size_t nr, uint32_t k, struct sbx_idmap *m, size_t *n)
{
	uint64_t skip = (uint64_t)k * SBX_SUBID_SLICE, need = SBX_SUBID_SLICE;
	uint32_t inside = 0;
	*n = 0;
	for (size_t i = 0; i < nr && need > 0; i++) {
		if (skip >= r[i].count) {
			skip -= r[i].count;
			continue;
		}
		uint64_t take = r[i].count - skip;
		if (take > need)
			take = need;
		m[(*n)++] = (struct sbx_idmap){.container_id = inside, .host_id = r[i].start + (uint32_t)skip,
					       .size = (uint32_t)take};
		inside += (uint32_t)take;
		need -= take;
		skip = 0;
	}
	return need == 0;
}

/* Is host range [start, start+size) the caller's own id or inside their subordinate ranges? */
static bool host_range_allowed(uint32_t own, const struct sbx_idrange *r, size_t nr, uint32_t start, uint32_t size)
{
	if (size == 1 && start == own)
		return true;
	for (size_t i = 0; i < nr; i++)
		if (start >= r[i].start && (uint64_t)start + size <= (uint64_t)r[i].start + r[i].count)
			return true;
	return false;
}

/* A rootless config with maps of its own: directly when they are the caller's ids alone, else by the helpers. */
static int plan_config_maps(const struct sbx_config *cfg, const struct sbx_caller *c, struct sbx_identity *id,
			    struct sbx_error *err)
{
	bool own_only = cfg->n_uid_mappings == 1 && cfg->uid_mappings[0].size == 1 &&
			cfg->uid_mappings[0].host_id == c->uid && cfg->n_gid_mappings == 1 &&
			cfg->gid_mappings[0].size == 1 && cfg->gid_mappings[0].host_id == c->gid;
	if (cfg->n_uid_mappings > SBX_IDMAP_LINES_MAX || cfg->n_gid_mappings > SBX_IDMAP_LINES_MAX)
		return sbx_err_set(err, EINVAL, "linux.uidMappings: at most %d entries", SBX_IDMAP_LINES_MAX);
	memcpy(id->uid_map, cfg->uid_mappings, cfg->n_uid_mappings * sizeof(*cfg->uid_mappings));
	memcpy(id->gid_map, cfg->gid_mappings, cfg->n_gid_mappings * sizeof(*cfg->gid_mappings));
	id->n_uid_map = cfg->n_uid_mappings;
	id->n_gid_map = cfg->n_gid_mappings;
	if (own_only) {
		id->setgroups = false;
		return 0;
	}
	static const char *const field[2] = {"linux.uidMappings", "linux.gidMappings"};
	for (int g = 0; g < 2; g++) {
		const struct sbx_idmap *m = g ? id->gid_map : id->uid_map;
		size_t n = g ? id->n_gid_map : id->n_uid_map;
		const char *helper = g ? c->newgidmap : c->newuidmap;
		const char *file = g ? "/etc/subgid" : "/etc/subuid";
		if (!helper[0])
			return sbx_err_set(err, EPERM,
					   "%s: an ordinary user can map only their own id (%u) without %s (Debian "
					   "package uidmap) and a range in %s",
					   field[g], g ? c->gid : c->uid, g ? "newgidmap" : "newuidmap", file);
		for (size_t i = 0; i < n; i++)
			if (!host_range_allowed(g ? c->gid : c->uid, g ? c->subgid : c->subuid,
						g ? c->n_subgid : c->n_subuid, m[i].host_id, m[i].size))
				return sbx_err_set(err, EPERM,
						   "%s[%zu]: host ids %u..%u are neither yours (%u) nor in your "
						   "range in %s",
						   field[g], i, m[i].host_id, m[i].host_id + m[i].size - 1,
						   g ? c->gid : c->uid, file);
	}
	id->helper = true;
	id->setgroups = true;
	return 0;
}

/* A user's default: a slice of the subordinate ranges through the helpers, or the caller's ids alone. */
static void plan_user_default(const struct sbx_caller *c, unsigned slot, struct sbx_identity *id)
{
	size_t nu = 0, ng = 0;
	bool have = c->newuidmap[0] && c->newgidmap[0] && c->n_subuid && c->n_subgid;
	if (have && map_slice(c->subuid, c->n_subuid, slot, id->uid_map, &nu) &&
	    map_slice(c->subgid, c->n_subgid, slot, id->gid_map, &ng) && nu < SBX_IDMAP_LINES_MAX &&
	    ng < SBX_IDMAP_LINES_MAX) {
		id->uid_map[nu++] = (struct sbx_idmap){.container_id = SBX_SUBID_SLICE, .host_id = c->uid, .size = 1};
		id->gid_map[ng++] = (struct sbx_idmap){.container_id = SBX_SUBID_SLICE, .host_id = c->gid, .size = 1};
		id->n_uid_map = nu;
		id->n_gid_map = ng;
		id->helper = true;
		id->setgroups = true;
		id->slice = slot;
		id->keepable = true;
		return;
	}
	if ((!c->newuidmap[0] || !c->newgidmap[0]) && c->n_subuid && c->n_subgid)
		snprintf(id->note, sizeof(id->note),
			 "you have subordinate ids but no newuidmap/newgidmap (Debian package uidmap): one id only");
	else if (have)
		snprintf(id->note, sizeof(id->note),
			 "slot %u has no slice of %u ids left in the subordinate ranges (%zu uids, %zu gids): "
			 "one id only",
			 slot, SBX_SUBID_SLICE, ranges_total(c->subuid, c->n_subuid),
			 ranges_total(c->subgid, c->n_subgid));
	id->uid_map[0] = (struct sbx_idmap){.container_id = 0, .host_id = c->uid, .size = 1};
	id->gid_map[0] = (struct sbx_idmap){.container_id = 0, .host_id = c->gid, .size = 1};
	id->n_uid_map = id->n_gid_map = 1;
	id->setgroups = false;
}

int sbx_identity_plan(const struct sbx_config *cfg, const struct sbx_caller *c, unsigned slot,
		      struct sbx_identity *id, struct sbx_error *err)
{
	memset(id, 0, sizeof(*id));
	id->rootless = c->uid != 0;
	int r;
	if (!id->rootless) {
		id->setgroups = true;
		if (cfg->n_uid_mappings) {
			if (cfg->n_uid_mappings > SBX_IDMAP_LINES_MAX || cfg->n_gid_mappings > SBX_IDMAP_LINES_MAX)
				return sbx_err_set(err, EINVAL, "linux.uidMappings: at most %d entries",
						   SBX_IDMAP_LINES_MAX);
			memcpy(id->uid_map, cfg->uid_mappings, cfg->n_uid_mappings * sizeof(*cfg->uid_mappings));
			memcpy(id->gid_map, cfg->gid_mappings, cfg->n_gid_mappings * sizeof(*cfg->gid_mappings));
			id->n_uid_map = cfg->n_uid_mappings;
			id->n_gid_map = cfg->n_gid_mappings;
		} else {
			struct sbx_idmap m = {.container_id = 0, .host_id = SBX_ID_BASE + slot * SBX_ID_RANGE,
					      .size = SBX_ID_RANGE};
			id->uid_map[0] = id->gid_map[0] = m;
			id->n_uid_map = id->n_gid_map = 1;
		}
	} else if (cfg->n_uid_mappings) {
		if ((r = plan_config_maps(cfg, c, id, err)) < 0)
			return r;
	} else {
		plan_user_default(c, slot, id);
	}
	const struct sbx_process *p = &cfg->process;
	id->host_uid = sbx_idmap_to_host(id->uid_map, id->n_uid_map, p->uid);
	id->host_gid = sbx_idmap_to_host(id->gid_map, id->n_gid_map, p->gid);
	if (id->host_uid == (uint32_t)-1 || id->host_gid == (uint32_t)-1) {
		if (id->rootless && !id->helper)
			return sbx_err_set(err, EINVAL,
					   "process.user: uid %u / gid %u is not mapped: an ordinary user without "
					   "subordinate ids (newuidmap and a range in /etc/subuid and /etc/subgid) "
					   "has only uid and gid 0 inside",
					   p->uid, p->gid);
		return sbx_err_set(err, EINVAL, "process.user: uid %u / gid %u is not mapped by the user namespace",
				   p->uid, p->gid);
	}
	for (size_t i = 0; i < p->n_additional_gids; i++) {
		if (!id->setgroups)
			return sbx_err_set(err, EPERM,
					   "process.user.additionalGids: supplementary groups need setgroups, which "
					   "the kernel denies to an ordinary user's single-id map (give the user a "
					   "range in /etc/subgid and install newgidmap)");
		if (sbx_idmap_to_host(id->gid_map, id->n_gid_map, p->additional_gids[i]) == (uint32_t)-1)
			return sbx_err_set(err, EINVAL, "process.user.additionalGids[%zu]: gid %u is not mapped", i,
					   p->additional_gids[i]);
	}
	id->caller_uid_inside = sbx_idmap_to_inside(id->uid_map, id->n_uid_map, c->uid);
	id->caller_gid_inside = sbx_idmap_to_inside(id->gid_map, id->n_gid_map, c->gid);
	return 0;
}

/* ---- the caller's facts ------------------------------------------------------------ */

static void find_helper(const char *name, char *buf, size_t size)
{
	static const char *const dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin"};
	buf[0] = '\0';
	for (size_t i = 0; i < SBX_ARRAY_SIZE(dirs); i++) {
		char p[64];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dirs[i], name);
		/* set-uid root or with file capabilities: either way only root may have put it there */
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 && access(p, X_OK) == 0) {
			snprintf(buf, size, "%s", p);
			return;
		}
	}
}

void sbx_caller_probe(struct sbx_caller *c)
{
	memset(c, 0, sizeof(*c));
	c->uid = (uint32_t)geteuid();
	c->gid = (uint32_t)getegid();
	if (c->uid == 0)
		return; /* root needs none of the rest */
	char buf[4096];
	struct passwd pw, *res = NULL;
	if (getpwuid_r(c->uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(c->name, sizeof(c->name), "%s", res->pw_name);
	find_helper("newuidmap", c->newuidmap, sizeof(c->newuidmap));
	find_helper("newgidmap", c->newgidmap, sizeof(c->newgidmap));
	_cleanup_free_ char *text = NULL;
	if (sbx_read_all("/etc/subuid", 1 << 20, &text, NULL) == 0)
		c->n_subuid = sbx_subid_parse(text, c->name, c->uid, c->subuid, SBX_SUBID_RANGES_MAX);
	free(text);
	text = NULL;
	if (sbx_read_all("/etc/subgid", 1 << 20, &text, NULL) == 0)
		c->n_subgid = sbx_subid_parse(text, c->name, c->uid, c->subgid, SBX_SUBID_RANGES_MAX);
}

/* ---- writing the maps ----------------------------------------------------------------- */

static int write_proc(pid_t pid, const char *file, const char *text, const char *field, struct sbx_error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int r = sbx_write_str_at(AT_FDCWD, path, text);
	if (r < 0)
		return sbx_err_errno(err, r, "%s: writing %s", field, path);
	return 0;
}

/* A running helper: its pid and the read end of its stderr. */
struct helper_run {
	pid_t pid;
	int err_rd;
};

/* Starts "helper PID c h n ..." with its stderr on a pipe (posix_spawn: no fork of our memory). */
static int helper_start(const char *helper, pid_t pid, const struct sbx_idmap *m, size_t n, struct helper_run *run,
			struct sbx_error *err)
{
	char **argv = sbx_xcalloc(2 + 3 * n + 1, sizeof(char *));
	argv[0] = sbx_xstrdup(helper);
	argv[1] = sbx_xasprintf("%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		argv[2 + 3 * i] = sbx_xasprintf("%u", m[i].container_id);
		argv[3 + 3 * i] = sbx_xasprintf("%u", m[i].host_id);
		argv[4 + 3 * i] = sbx_xasprintf("%u", m[i].size);
	}
	int pp[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	int r = pipe2(pp, O_CLOEXEC);
	if (r == 0) {
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_adddup2(&fa, pp[1], 2);
		char *envp[] = {NULL};
		r = posix_spawn(&run->pid, helper, &fa, NULL, argv, envp);
		if (r != 0)
			sbx_err_errno(err, r, "starting %s", helper);
	} else {
		r = sbx_err_sys(err, "pipe for %s", helper);
	}
	posix_spawn_file_actions_destroy(&fa);
	if (pp[1] >= 0)
		close(pp[1]);
	sbx_strv_free(argv);
	if (r != 0) {
		if (pp[0] >= 0)
			close(pp[0]);
		return r > 0 ? -r : r;
	}
	run->err_rd = pp[0];
	return 0;
}

/* Waits for a helper; its own words (the first line of its stderr) on failure. */
static int helper_finish(const char *helper, const char *file, struct helper_run *run, struct sbx_error *err)
{
	char msg[256] = "";
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(msg) - 1 && (n = read(run->err_rd, msg + len, sizeof(msg) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	msg[len] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	close(run->err_rd);
	int st = 0;
	while (waitpid(run->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (msg[0])
		return sbx_err_set(err, EPERM, "%s failed: %s (check your range in %s)", helper, msg, file);
	return sbx_err_set(err, EPERM, "%s failed (%s %d; check your range in %s)", helper,
			   WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			   file);
}

int sbx_identity_apply(const struct sbx_identity *id, const struct sbx_caller *c, pid_t pid, struct sbx_error *err)
{
	char buf[SBX_IDMAP_LINES_MAX * 36];
	int r;
	if (id->helper) {
		/* both at once: each is an exec of a set-uid program, a millisecond or two */
		struct helper_run u = {-1, -1}, g = {-1, -1};
		if ((r = helper_start(c->newuidmap, pid, id->uid_map, id->n_uid_map, &u, err)) < 0)
			return r;
		if ((r = helper_start(c->newgidmap, pid, id->gid_map, id->n_gid_map, &g, err)) < 0) {
			struct sbx_error ignored = {0};
			helper_finish(c->newuidmap, "/etc/subuid", &u, &ignored);
			return r;
		}
		struct sbx_error ge = {0};
		int rg = helper_finish(c->newgidmap, "/etc/subgid", &g, &ge);
		if ((r = helper_finish(c->newuidmap, "/etc/subuid", &u, err)) < 0)
			return r;
		if (rg < 0) {
			*err = ge;
			return rg;
		}
		return 0;
	}
	/*
	 * Root: "allow", since the child must drop the runtime's supplementary
	 * groups. A user: "deny" is the kernel's condition for writing a gid
	 * map without CAP_SETGID over the parent namespace.
	 */
	r = write_proc(pid, "setgroups", id->setgroups ? "allow" : "deny", "setgroups", err);
	if (r < 0 && (id->rootless || err->code != ENOENT))
		return r;
	if (sbx_idmap_format(id->uid_map, id->n_uid_map, buf, sizeof(buf)) < 0)
		return sbx_err_set(err, ENOSPC, "linux.uidMappings: too long");
	if ((r = write_proc(pid, "uid_map", buf, "linux.uidMappings", err)) < 0)
		return r;
	if (sbx_idmap_format(id->gid_map, id->n_gid_map, buf, sizeof(buf)) < 0)
		return sbx_err_set(err, ENOSPC, "linux.gidMappings: too long");
	return write_proc(pid, "gid_map", buf, "linux.gidMappings", err);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Config -> mount plan. No system calls here: everything is unit-tested. */
#include "rootfs/plan.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"

#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

void sbx_mount_plan_free(struct sbx_mount_plan *plan)
{
	if (!plan)
		return;
	if (plan->root_fd >= 0)
		close(plan->root_fd);
	for (size_t i = 0; i < plan->n_ops; i++) {
		if (plan->ops[i].tree_fd >= 0)
			close(plan->ops[i].tree_fd);
		free(plan->ops[i].source);
		free(plan->ops[i].dest);
		free(plan->ops[i].fstype);
		free(plan->ops[i].data);
	}
	for (size_t i = 0; i < plan->n_ops; i++)
		if (plan->ops[i].fallback_fd >= 0)
			close(plan->ops[i].fallback_fd);
	free(plan->ops);
	free(plan->root);
	free(plan->cgroup_dir);
	free(plan->attach);
	free(plan);
}

static struct sbx_mount_op *push_op(struct sbx_mount_plan *p, enum sbx_mop_kind kind, const char *src,
				    const char *dest)
{
	p->ops = sbx_xrealloc(p->ops, (p->n_ops + 1) * sizeof(*p->ops));
	struct sbx_mount_op *op = &p->ops[p->n_ops++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->tree_fd = -1;
	op->fallback_fd = -1;
	op->source = sbx_xstrdup(src);
	op->dest = sbx_xstrdup(dest);
	return op;
}

/* Mount options that map to mount attributes (set, clear) or propagation. */
static const struct {
	const char *name;
	uint64_t set, clr;
	unsigned long prop;
	bool rec; /* OCI 1.1 recursive variants: "rro", "rnosuid", ... */
} mount_opts[] = {
	{"ro", MOUNT_ATTR_RDONLY, 0, 0, false},
	{"rw", 0, MOUNT_ATTR_RDONLY, 0, false},
	{"nosuid", MOUNT_ATTR_NOSUID, 0, 0, false},
	{"suid", 0, MOUNT_ATTR_NOSUID, 0, false},
	{"nodev", MOUNT_ATTR_NODEV, 0, 0, false},
	{"dev", 0, MOUNT_ATTR_NODEV, 0, false},
	{"noexec", MOUNT_ATTR_NOEXEC, 0, 0, false},
	{"exec", 0, MOUNT_ATTR_NOEXEC, 0, false},
	{"noatime", MOUNT_ATTR_NOATIME, 0, 0, false},
	{"relatime", MOUNT_ATTR_RELATIME, 0, 0, false},
	{"strictatime", MOUNT_ATTR_STRICTATIME, 0, 0, false},
	{"nodiratime", MOUNT_ATTR_NODIRATIME, 0, 0, false},
	{"diratime", 0, MOUNT_ATTR_NODIRATIME, 0, false},
	{"nosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0, 0, false},
	{"symfollow", 0, MOUNT_ATTR_NOSYMFOLLOW, 0, false},
	{"rro", MOUNT_ATTR_RDONLY, 0, 0, true},
	{"rrw", 0, MOUNT_ATTR_RDONLY, 0, true},
	{"rnosuid", MOUNT_ATTR_NOSUID, 0, 0, true},
	{"rsuid", 0, MOUNT_ATTR_NOSUID, 0, true},
	{"rnodev", MOUNT_ATTR_NODEV, 0, 0, true},
	{"rdev", 0, MOUNT_ATTR_NODEV, 0, true},
	{"rnoexec", MOUNT_ATTR_NOEXEC, 0, 0, true},
	{"rexec", 0, MOUNT_ATTR_NOEXEC, 0, true},
	{"rnoatime", MOUNT_ATTR_NOATIME, 0, 0, true},
	{"rrelatime", MOUNT_ATTR_RELATIME, 0, 0, true},
	{"rstrictatime", MOUNT_ATTR_STRICTATIME, 0, 0, true},
	{"private", 0, 0, MS_PRIVATE, false},
	{"rprivate", 0, 0, MS_PRIVATE | MS_REC, false},
	{"slave", 0, 0, MS_SLAVE, false},
	{"rslave", 0, 0, MS_SLAVE | MS_REC, false},
	{"shared", 0, 0, MS_SHARED, false},
	{"rshared", 0, 0, MS_SHARED | MS_REC, false},
	{"unbindable", 0, 0, MS_UNBINDABLE, false},
	{"runbindable", 0, 0, MS_UNBINDABLE | MS_REC, false},
};

const char *const *sbx_mount_option_names(void)
{
	static const char *names[SBX_ARRAY_SIZE(mount_opts) + 3];
	if (!names[0]) {
		size_t n = 0;
		names[n++] = "bind";
		names[n++] = "rbind";
		for (size_t i = 0; i < SBX_ARRAY_SIZE(mount_opts); i++)
			names[n++] = mount_opts[i].name;
		names[n] = NULL;
	}
	return names;
}

/* Options that mean nothing for us but are common in real configs. */
static const char *const ignored_opts[] = {"defaults", "async", "auto", "noauto", "nouser", "user",
					   "tmpcopyup", "nomand", "norelatime", "nostrictatime", "loud",
					   "silent", "_netdev", NULL};

int sbx_mount_options_parse(char *const *options, bool is_bind, struct sbx_mount_op *op, struct sbx_error *err)
{
	_cleanup_free_ char *data = NULL;
	for (size_t i = 0; options && options[i]; i++) {
		const char *o = options[i];
		bool found = false;
		if (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0) {
			op->recursive = op->recursive || o[0] == 'r';
			continue;
		}
		for (size_t k = 0; k < SBX_ARRAY_SIZE(mount_opts); k++) {
			if (strcmp(mount_opts[k].name, o) != 0)
				continue;
			found = true;
			op->attr_set = (op->attr_set & ~mount_opts[k].clr) | mount_opts[k].set;
			op->attr_clr = (op->attr_clr & ~mount_opts[k].set) | mount_opts[k].clr;
			/*
			 * The atime modes are one field, not bits (relatime is 0): setting
			 * one replaces the others.
			 */
			if (strstr(mount_opts[k].name, "atime") && strcmp(mount_opts[k].name, "nodiratime") != 0 &&
			    strcmp(mount_opts[k].name, "diratime") != 0) {
				op->attr_set = (op->attr_set & ~MOUNT_ATTR__ATIME) | mount_opts[k].set;
				op->attr_clr |= MOUNT_ATTR__ATIME;
			}
			if (mount_opts[k].prop)
				op->propagation = mount_opts[k].prop;
			if (mount_opts[k].rec)
				op->recursive = true;
			break;
		}
		if (found || sbx_strv_contains((char *const *)ignored_opts, o))
			continue;
		if (strcmp(o, "sync") == 0 || strcmp(o, "dirsync") == 0 || strcmp(o, "mand") == 0 ||
		    strcmp(o, "remount") == 0)
			return sbx_err_set(err, EINVAL, "mount option \"%s\" is not supported", o);
		/*
		 * Data options ("mode=755", "size=...") mean nothing to a bind, but
		 * generated configs carry them there; runc and crun ignore them.
		 */
		if (is_bind && strchr(o, '=')) {
			sbx_debug("mount option \"%s\" on a bind mount is ignored", o);
			continue;
		}
		if (is_bind)
			return sbx_err_set(err, EINVAL, "unknown option \"%s\" for a bind mount", o);
		if (!*o || strchr(o, ','))
			return sbx_err_set(err, EINVAL, "invalid mount option \"%s\"", o);
		char *nd = data ? sbx_xasprintf("%s,%s", data, o) : sbx_xstrdup(o);
		free(data);
		data = nd;
	}
	free(op->data);
	op->data = TAKE_PTR(data);
	return 0;
}

/* Normalises an absolute path: collapses "//" and "/./", refuses "..". */
static int normalize_path(const char *in, char **ret)
{
	if (in[0] != '/')
		return -EINVAL;
	char *out = sbx_xmalloc(strlen(in) + 2);
	size_t o = 0;
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, "/");
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			return -EINVAL;
		}
		out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	*ret = out;
	return 0;
}

static const char *const known_fs[] = {"proc", "tmpfs", "sysfs", "devpts", "mqueue", "cgroup2", "cgroup",
				       "ramfs", NULL};

static int plan_config_mount(struct sbx_mount_plan *p, const struct sbx_mount *m, size_t idx,
			     struct sbx_error *err)
{
	bool is_bind = (m->type && strcmp(m->type, "bind") == 0) || sbx_strv_contains(m->options, "bind") ||
		       sbx_strv_contains(m->options, "rbind");
	_cleanup_free_ char *dest = NULL;
	if (normalize_path(m->destination, &dest) < 0)
		return sbx_err_set(err, EINVAL, "config.json: mounts[%zu].destination: \"%s\" must be absolute "
				   "and free of \"..\"", idx, m->destination);
	if (strcmp(dest, "/") == 0)
		return sbx_err_set(err, EINVAL, "config.json: mounts[%zu].destination: mounting over / is not "
				   "supported; use root.path", idx);
	struct sbx_mount_op *op;
	if (is_bind) {
		op = push_op(p, SBX_MOP_BIND, m->source, dest);
	} else {
		if (!m->type)
			return sbx_err_set(err, EINVAL, "config.json: mounts[%zu].type: required for a non-bind "
					   "mount", idx);
		if (!sbx_strv_contains((char *const *)known_fs, m->type))
			return sbx_err_set(err, EINVAL, "config.json: mounts[%zu].type: filesystem \"%s\" is "
					   "not supported (use one of proc, tmpfs, sysfs, devpts, mqueue, cgroup2, "
					   "ramfs, or a bind)", idx, m->type);
		/* cgroup v1 is never mounted: the sandbox gets its namespace's cgroup2 view */
		const char *fstype = strcmp(m->type, "cgroup") == 0 ? "cgroup2" : m->type;
		op = push_op(p, SBX_MOP_FS, m->source ? m->source : fstype, dest);
		op->fstype = sbx_xstrdup(fstype);
	}
	int r = sbx_mount_options_parse(m->options, is_bind, op, err);
	if (r < 0)
		return sbx_err_wrap(err, "config.json: mounts[%zu].options", idx);
	if (is_bind && op->propagation && !op->recursive && (op->propagation & MS_REC))
		op->recursive = true;
	/*
	 * A mount can only be made read-only after the mounts below it exist
	 * (e.g. /dev before /dev/pts), so read-only-ness of filesystem mounts
	 * is applied by a SETATTR op at the end; binds get their attributes
	 * while detached, before they are ever visible.
	 */
	if (!is_bind && (op->attr_set & MOUNT_ATTR_RDONLY)) {
		op->attr_set &= ~MOUNT_ATTR_RDONLY;
		struct sbx_mount_op *sa = push_op(p, SBX_MOP_SETATTR, NULL, dest);
		sa->attr_set = MOUNT_ATTR_RDONLY;
		sa->propagation = 0;
	}
	return 0;
}

static bool config_device(const struct sbx_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (strcmp(cfg->devices[i].path, path) == 0)
			return true;
	return false;
}

/*
 * After a tmpfs at /dev: the device nodes and links every program expects.
 * The runtime, still privileged, makes that tmpfs itself with nodes of its
 * own (sbx_rootfs_prepare): a bind of the host's node would be the host's
 * inode, whose every open and write by any process an inotify watch in
 * the sandbox sees. The bind of the host's node (source) is the fallback
 * where it cannot (no CAP_MKNOD).
 */
static void plan_dev(struct sbx_mount_plan *p, const struct sbx_config *cfg, const char *dev)
{
	/* Documentation/admin-guide/devices.txt */
	static const struct {
		const char *name;
		uint32_t major, minor;
	} nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(nodes); i++) {
		_cleanup_free_ char *src = sbx_xasprintf("/dev/%s", nodes[i].name);
		_cleanup_free_ char *dst = sbx_xasprintf("%s/%s", dev, nodes[i].name);
		if (config_device(cfg, dst))
			continue; /* linux.devices decides that one */
		struct sbx_mount_op *op = push_op(p, SBX_MOP_DEVNODE, src, dst);
		op->dest_is_file = true;
		op->dev_major = nodes[i].major;
		op->dev_minor = nodes[i].minor;
		/* the fallback's binds keep device access; a tmpfs the sandbox makes is nodev anyway */
		op->attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC;
	}
	static const char *const links[][2] = {
		{"fd", "/proc/self/fd"},	{"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
		{"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},	     {"core", "/proc/kcore"},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(links); i++) {
		if (strcmp(links[i][0], "core") == 0)
			continue; /* /proc/kcore is masked; a dangling link helps nobody */
		_cleanup_free_ char *dst = sbx_xasprintf("%s/%s", dev, links[i][0]);
		push_op(p, SBX_MOP_SYMLINK, links[i][1], dst);
	}
}

/* The workdir tmpfs's options; uid/gid own its root. */
static char *workdir_data(const struct sbx_config *cfg, uint32_t uid, uint32_t gid)
{
	return sbx_xasprintf("mode=0755,size=%llu,nr_inodes=%llu,uid=%u,gid=%u", (unsigned long long)cfg->workdir.size,
			     (unsigned long long)(cfg->workdir.nr_inodes ? cfg->workdir.nr_inodes : 16384), uid, gid);
}

void sbx_mount_plan_lend_workdir(struct sbx_mount_plan *plan, const struct sbx_config *cfg, uint32_t uid,
				 uint32_t gid)
{
	if (plan->workdir_op < 0)
		return;
	struct sbx_mount_op *op = &plan->ops[plan->workdir_op];
	free(op->data);
	op->data = workdir_data(cfg, uid, gid);
	plan->workdir_lent = true;
}

/*
 * Caps on what the kernel counts per user in a user namespace, written into
 * the sandbox's own /proc/sys/user (each user namespace has its own set,
 * INT_MAX at birth, writable only with CAP_SYS_RESOURCE in it: the child's
 * until its capabilities go). Every count is charged to the namespace's
 * owner in the parent namespace too, against the host's caps there: the
 * slot's own uid (runtime/spawn.h), so one sandbox can exhaust only its own
 * share. Namespaces: a few for the programs that nest them (the default
 * seccomp profile allows none).
 */
static const struct {
	const char *key;
	const char *value;
} user_caps[] = {
	{"user/max_inotify_instances", "128"}, {"user/max_inotify_watches", "8192"},
	{"user/max_fanotify_groups", "16"},    {"user/max_fanotify_marks", "8192"},
	{"user/max_user_namespaces", "64"},    {"user/max_mnt_namespaces", "64"},
	{"user/max_pid_namespaces", "64"},     {"user/max_net_namespaces", "64"},
	{"user/max_ipc_namespaces", "64"},     {"user/max_uts_namespaces", "64"},
	{"user/max_cgroup_namespaces", "64"},  {"user/max_time_namespaces", "64"},
};

static void plan_user_caps(struct sbx_mount_plan *p)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(user_caps); i++) {
		struct sbx_mount_op *op = push_op(p, SBX_MOP_SYSCTL, user_caps[i].key, NULL);
		op->data = sbx_xstrdup(user_caps[i].value);
		/* no /proc in a bundle, or an older kernel without the key: the host's caps remain */
		op->optional = true;
	}
}

/*
 * linux.devices. A user namespace may make fifos but no device nodes (mknod
 * needs CAP_MKNOD in the initial one): there the host's node at the same
 * path is bound instead, as runc and crun do for rootless containers.
 */
static void plan_devices(struct sbx_mount_plan *p, const struct sbx_config *cfg)
{
	bool userns = cfg->policy != SBX_POLICY_EXACT || cfg->ns[SBX_NS_USER].enabled;
	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct sbx_device *d = &cfg->devices[i];
		_cleanup_free_ char *dest = NULL;
		if (normalize_path(d->path, &dest) < 0)
			continue; /* refused by the parser */
		if (userns && d->type != 'p') {
			/*
			 * Made by the runtime when it is a node of the /dev it prepares
			 * (still privileged: sbx_rootfs_prepare), else bound from the host.
			 */
			struct sbx_mount_op *op = push_op(p, SBX_MOP_DEVNODE, dest, dest);
			op->dest_is_file = true;
			op->attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC;
			op->dev_type = d->type;
			op->dev_major = (uint32_t)d->major;
			op->dev_minor = (uint32_t)d->minor;
			op->mode = d->has_mode ? d->mode : 0666;
			continue;
		}
		struct sbx_mount_op *op = push_op(p, SBX_MOP_MKNOD, NULL, dest);
		op->dev_type = d->type;
		op->dev_major = (uint32_t)d->major;
		op->dev_minor = (uint32_t)d->minor;
		op->mode = d->has_mode ? d->mode : 0666;
		op->uid = d->uid;
		op->gid = d->gid;
	}
}

void sbx_mount_plan_stage_workdir(struct sbx_mount_plan *plan, const char *src)
{
	if (plan->workdir_op < 0)
		return;
	struct sbx_mount_op *op = &plan->ops[plan->workdir_op];
	op->kind = SBX_MOP_BIND;
	free(op->source);
	op->source = sbx_xstrdup(src);
	free(op->fstype);
	op->fstype = NULL;
	free(op->data);
	op->data = NULL;
	op->recursive = false;
	op->attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
}

int sbx_mount_plan_build(const struct sbx_config *cfg, struct sbx_mount_plan **ret, struct sbx_error *err)
{
	_cleanup_(sbx_mount_plan_freep) struct sbx_mount_plan *p = sbx_xcalloc(1, sizeof(*p));
	p->root_fd = -1;
	p->root = sbx_xstrdup(cfg->root_path);
	/* hardened: never nosuid-less, a setuid binary in the rootfs must not gain anything */
	p->root_overlay = cfg->rootfs_overlay || cfg->rootfs_writable;
	p->root_writable = cfg->rootfs_writable;
	bool ro = p->root_overlay ? !p->root_writable : cfg->root_readonly;
	p->root_attr_set = (cfg->policy == SBX_POLICY_EXACT ? 0 : MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV) |
			   (ro ? MOUNT_ATTR_RDONLY : 0);
	p->root_propagation = cfg->rootfs_propagation;
	int r;
	bool have_dev_tmpfs = false;
	p->workdir_op = -1;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		r = plan_config_mount(p, &cfg->mounts[i], i, err);
		if (r < 0)
			return r;
		struct sbx_mount_op *op = &p->ops[p->n_ops - 1];
		if (op->kind == SBX_MOP_SETATTR)
			op = &p->ops[p->n_ops - 2];
		if (op->kind == SBX_MOP_FS && strcmp(op->fstype, "tmpfs") == 0 && strcmp(op->dest, "/dev") == 0) {
			have_dev_tmpfs = true;
			/* never nodev: when the runtime makes it, it holds the device nodes themselves */
			op->attr_set |= MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC;
			op->attr_set &= ~(uint64_t)MOUNT_ATTR_NODEV;
			op->dev_nodes = true;
			plan_dev(p, cfg, op->dest);
		}
	}
	if (!have_dev_tmpfs)
		sbx_debug("mount plan: no tmpfs at /dev; the rootfs's own /dev is used as is");
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].kind == SBX_MOP_FS && strcmp(p->ops[i].fstype, "cgroup2") == 0)
			p->has_cgroup_mount = true;
	plan_devices(p, cfg);
	if (cfg->workdir.path) {
		_cleanup_free_ char *wd = NULL;
		if (normalize_path(cfg->workdir.path, &wd) < 0 || strcmp(wd, "/") == 0)
			return sbx_err_set(err, EINVAL, "workdir: \"%s\" must be an absolute path below /",
					   cfg->workdir.path);
		struct sbx_mount_op *op = push_op(p, SBX_MOP_FS, "tmpfs", wd);
		p->workdir_op = (long)(p->n_ops - 1);
		op->fstype = sbx_xstrdup("tmpfs");
		op->attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
		op->data = workdir_data(cfg, cfg->process.uid, cfg->process.gid);
	}
	for (size_t i = 0; i < cfg->n_sysctl; i++) {
		struct sbx_mount_op *op = push_op(p, SBX_MOP_SYSCTL, cfg->sysctl[i].key, NULL);
		op->data = sbx_xstrdup(cfg->sysctl[i].value);
		/* "net.ipv4.ip_forward" -> "net/ipv4/ip_forward" */
		for (char *c = op->source; *c; c++)
			if (*c == '.')
				*c = '/';
	}
	/*
	 * Only in a user namespace of the sandbox's own: without one (an OCI
	 * config run under exact) /proc/sys/user is the host's, which a
	 * container must never set (and the write would fail without
	 * CAP_SYS_RESOURCE anyway).
	 */
	if (cfg->ns[SBX_NS_USER].enabled && !cfg->ns[SBX_NS_USER].path)
		plan_user_caps(p);
	for (size_t i = 0; cfg->masked_paths && cfg->masked_paths[i]; i++) {
		_cleanup_free_ char *d = NULL;
		if (normalize_path(cfg->masked_paths[i], &d) < 0)
			return sbx_err_set(err, EINVAL, "config.json: linux.maskedPaths[%zu]: invalid path \"%s\"",
					   i, cfg->masked_paths[i]);
		push_op(p, SBX_MOP_MASK, NULL, d)->optional = true;
	}
	for (size_t i = 0; cfg->readonly_paths && cfg->readonly_paths[i]; i++) {
		_cleanup_free_ char *d = NULL;
		if (normalize_path(cfg->readonly_paths[i], &d) < 0)
			return sbx_err_set(err, EINVAL,
					   "config.json: linux.readonlyPaths[%zu]: invalid path \"%s\"", i,
					   cfg->readonly_paths[i]);
		struct sbx_mount_op *op = push_op(p, SBX_MOP_READONLY, NULL, d);
		op->optional = true;
		op->recursive = true;
		op->attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	}
	/* SETATTR ops were appended in config order; move them last so children exist first */
	size_t w = 0;
	struct sbx_mount_op *sorted = sbx_xcalloc(p->n_ops, sizeof(*sorted));
	long wd_op = -1;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->n_ops; i++)
			if ((p->ops[i].kind == SBX_MOP_SETATTR) == (pass == 1)) {
				if ((long)i == p->workdir_op)
					wd_op = (long)w;
				sorted[w++] = p->ops[i];
			}
	p->workdir_op = wd_op;
	free(p->ops);
	p->ops = sorted;
	*ret = TAKE_PTR(p);
	return 0;
}

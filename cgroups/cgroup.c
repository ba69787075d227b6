/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v2 apply: parent setup, sandbox cgroups, accounting, teardown, sweep. */
#include "cgroups/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/cgparse.h"
#include "core/cleanup.h"
#include "core/util.h"

struct sbx_cgroup_root {
	enum sbx_cgroup_mode mode;
	bool usable;
	char reason[384];
	char *parent;  /* absolute directory of the parent */
	int parent_fd; /* O_RDONLY | O_DIRECTORY */
	unsigned available;
	pid_t pid;
	uint64_t seq;
	int have_kill; /* -1 unknown, 0 no cgroup.kill (< 5.14), 1 yes */
};

struct sbx_cgroup {
	char *name;
	char *path;
	int fd;	       /* directory; holds the flock; CLONE_INTO_CGROUP */
	int events_fd; /* cgroup.events, lazily */
	int have_kill;
	bool removed;
	int has_memory_peak; /* -1 unknown */
	int has_pids_peak;
	uint64_t memory_peak_polled;
	uint64_t pids_peak_polled;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_keyed_at(int dirfd, const char *file, const char *key, uint64_t *ret)
{
	char buf[2048];
	ssize_t n = sbx_read_file_at(dirfd, file, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return sbx_cgroup_parse_keyed(buf, key, ret);
}

static int read_value_at(int dirfd, const char *file, uint64_t *ret)
{
	char buf[64];
	ssize_t n = sbx_read_file_at(dirfd, file, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return sbx_cgroup_parse_value(buf, ret);
}

static unsigned read_controllers_at(int dirfd, const char *file)
{
	char buf[256];
	if (sbx_read_file_at(dirfd, file, buf, sizeof(buf)) < 0)
		return 0;
	return sbx_cgroup_controllers_parse(buf);
}

/* ---- the parent ------------------------------------------------------------- */

static void set_reason(struct sbx_cgroup_root *root, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_reason(struct sbx_cgroup_root *root, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(root->reason, sizeof(root->reason), fmt, ap);
	va_end(ap);
	root->usable = false;
}

/* Where the runtime's cgroup and the cgroup2 mount are. Read-only. */
struct where {
	struct sbx_cgroup_mounts mounts;
	char *own; /* absolute directory of our own cgroup */
};

static void where_clear(struct where *w)
{
	sbx_cgroup_mounts_clear(&w->mounts);
	free(w->own);
	w->own = NULL;
}

/* 0 and w filled, or 1 with a reason for "unusable", or -errno. */
static int locate(struct where *w, char *reason, size_t size)
{
	_cleanup_free_ char *mi = NULL, *pc = NULL, *own = NULL;
	size_t len;
	int r = sbx_read_all("/proc/self/mountinfo", 4 << 20, &mi, &len);
	if (r < 0) {
		snprintf(reason, size, "cannot read /proc/self/mountinfo: %s", strerror(-r));
		return 1;
	}
	if (sbx_cgroup_parse_mountinfo(mi, &w->mounts) < 0) {
		snprintf(reason, size, "cannot parse /proc/self/mountinfo");
		return 1;
	}
	if (w->mounts.v1_controllers) {
		snprintf(reason, size,
			 "cgroup v1 controllers are mounted (%s): hybrid or legacy cgroup "
			 "hierarchy, no usable cgroup v2 controllers",
			 w->mounts.v1_example);
		return 1;
	}
	if (!w->mounts.cgroup2_mount) {
		snprintf(reason, size, "no cgroup2 file system is mounted");
		return 1;
	}
	r = sbx_read_all("/proc/self/cgroup", 1 << 16, &pc, &len);
	if (r < 0 || sbx_cgroup_parse_proc_cgroup(pc, &own) < 0) {
		snprintf(reason, size, "cannot find the runtime's cgroup in /proc/self/cgroup");
		return 1;
	}
	if (strstr(own, " (deleted)")) {
		snprintf(reason, size, "the runtime's cgroup %s was removed", own);
		return 1;
	}
	w->own = sbx_cgroup_path_join(w->mounts.cgroup2_mount, w->mounts.cgroup2_root, own);
	if (!w->own) {
		snprintf(reason, size,
			 "the runtime's cgroup %s is not below the cgroup2 mount %s (root %s)", own,
			 w->mounts.cgroup2_mount, w->mounts.cgroup2_root);
		return 1;
	}
	return 0;
}

int sbx_cgroup_probe(unsigned need, unsigned *ret_controllers, char *reason, size_t reason_size)
{
	struct where w = {0};
	char why[384] = "";
	int r = locate(&w, why, sizeof(why));
	if (r != 0) {
		where_clear(&w);
		snprintf(reason, reason_size, "%s", why);
		return r > 0 ? 0 : r;
	}
	_cleanup_close_ int fd = open(w.own, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	unsigned have = fd >= 0 ? read_controllers_at(fd, "cgroup.controllers") : 0;
	if (ret_controllers)
		*ret_controllers = have;
	if ((have & need) != need) {
		char want[96], got[96];
		sbx_cgroup_controllers_format(need & ~have, want, sizeof(want));
		sbx_cgroup_controllers_format(have, got, sizeof(got));
		snprintf(reason, reason_size,
			 "cgroup %s lacks the %s controller(s) (it offers \"%s\")", w.own, want,
			 got);
		where_clear(&w);
		return 0;
	}
	where_clear(&w);
	if (reason_size)
		reason[0] = '\0';
	return 1;
}

/* Does dir's cgroup.procs list exactly our own process? */
static bool only_self_in(const char *dir)
{
	_cleanup_free_ char *path = sbx_xasprintf("%s/cgroup.procs", dir), *buf = NULL;
	size_t len;
	if (sbx_read_all(path, 1 << 20, &buf, &len) < 0)
		return false;
	pid_t self = getpid();
	int n = 0;
	for (char *p = buf; *p;) {
		char *e;
		long v = strtol(p, &e, 10);
		if (e == p)
			break;
		if (v != self)
			return false;
		n++;
		p = e + strspn(e, "\n");
	}
	return n == 1;
}

/*
 * Moves us into "<parent>/sbxrt-<pid>" so that our own cgroup is empty and
 * may enable controllers. The leaf must lie below our own cgroup; the sweep
 * removes it once it is empty (after we exit).
 */
static int move_self(const char *own, const char *parent, char **ret_leaf)
{
	size_t ol = strlen(own);
	if (strncmp(parent, own, ol) != 0 || parent[ol] != '/')
		return -EBUSY;
	_cleanup_free_ char *leaf =
		sbx_xasprintf("%s/" SBX_CGROUP_RUNTIME_PREFIX "%d", parent, (int)getpid());
	if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
		return -errno;
	_cleanup_close_ int fd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* "0" is the writing process (all of its threads) */
	int r = sbx_write_str_at(fd, "cgroup.procs", "0");
	if (r < 0)
		return r;
	*ret_leaf = TAKE_PTR(leaf);
	return 0;
}

static bool has_procs(int dirfd)
{
	char buf[16];
	ssize_t n = sbx_read_file_at(dirfd, "cgroup.procs", buf, sizeof(buf));
	return n != 0; /* an error counts as "maybe": do not enable then */
}

/*
 * Enables the wanted controllers that dir offers but has not enabled yet.
 * -EBUSY: dir is a non-root cgroup with processes, so it must not enable
 * any: domain controllers would fail with EBUSY, and threaded ones (cpu,
 * cpuset, pids) would quietly succeed and turn dir into a thread root, after
 * which memory can never be enabled there (EOPNOTSUPP).
 */
static int enable_at(const char *dir, unsigned want, unsigned *ret_enabled)
{
	/* domain controllers first, threaded ones last */
	static const unsigned order[] = {SBX_CG_MEMORY, SBX_CG_IO,  SBX_CG_HUGETLB, SBX_CG_RDMA,
					 SBX_CG_MISC,	SBX_CG_CPU, SBX_CG_CPUSET,  SBX_CG_PIDS};
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unsigned offered = read_controllers_at(fd, "cgroup.controllers");
	unsigned enabled = read_controllers_at(fd, "cgroup.subtree_control");
	*ret_enabled = enabled;
	if (!(want & offered & ~enabled))
		return 0;
	/* only the root cgroup lacks cgroup.type, and only it may mix processes and controllers */
	if (faccessat(fd, "cgroup.type", F_OK, 0) == 0 && has_procs(fd))
		return -EBUSY;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(order); i++) {
		unsigned bit = order[i];
		if (!(want & offered & bit) || (enabled & bit))
			continue;
		char buf[32];
		snprintf(buf, sizeof(buf), "+%s", sbx_cgroup_controller_name(bit));
		/*
		 * One at a time: a write of several is all-or-nothing. A
		 * controller that cannot be enabled is simply not available
		 * below (the plan then names it if a limit needs it).
		 */
		if (sbx_write_str_at(fd, "cgroup.subtree_control", buf) == 0)
			enabled |= bit;
	}
	*ret_enabled = enabled;
	return 0;
}

/* mkdir -p of the components of path below base (which exists). */
static int mkdir_below(const char *base, const char *path)
{
	size_t bl = strlen(base);
	_cleanup_free_ char *p = sbx_xstrdup(path);
	for (char *s = p + bl + 1; s && *s;) {
		char *slash = strchr(s, '/');
		if (slash)
			*slash = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (!slash)
			break;
		*slash = '/';
		s = slash + 1;
	}
	return 0;
}

/*
 * An ordinary user may create cgroups only in a subtree delegated to them:
 * the directory and its cgroup.procs and cgroup.subtree_control are theirs
 * (systemd's user@UID.service, a scope made with Delegate=yes, or an
 * administrator's chown).
 */
static bool delegated_to_us(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == geteuid() &&
	       faccessat(fd, "cgroup.procs", W_OK, AT_EACCESS) == 0 &&
	       faccessat(fd, "cgroup.subtree_control", W_OK, AT_EACCESS) == 0;
}

#define DELEGATE_HINT                                                                                   \
	"run it in a delegated scope (systemd-run --user --scope -p Delegate=yes sbxctr ...) or ask for " \
	"a cgroup whose cgroup.procs, cgroup.subtree_control and cgroup.threads you own"

static int setup_parent(struct sbx_cgroup_root *root, const struct sbx_cgroup_root_opts *opts,
			const struct where *w, const char *base, struct sbx_error *err)
{
	unsigned want = opts->controllers ? opts->controllers : SBX_CG_SANDBOX;
	size_t bl = strlen(base);
	int r;

	if (geteuid() != 0 && !delegated_to_us(base)) {
		set_reason(root, "cgroup %s is not delegated to uid %u, who may not create cgroups there: " DELEGATE_HINT,
			   base, (unsigned)geteuid());
		return 0;
	}

	if (strcmp(root->parent, base) != 0 && (r = mkdir_below(base, root->parent)) < 0) {
		if (geteuid() != 0 && (r == -EACCES || r == -EPERM))
			set_reason(root, "cannot create %s: %s: " DELEGATE_HINT, root->parent, strerror(-r));
		else
			set_reason(root, "cannot create %s: %s", root->parent, strerror(-r));
		return 0;
	}
	/* Enable from base down to the parent itself (its children are the sandboxes). */
	_cleanup_free_ char *level = sbx_xstrdup(root->parent);
	bool moved = false;
	for (size_t end = bl;;) {
		char saved = level[end];
		level[end] = '\0';
		unsigned enabled = 0;
		r = enable_at(level, want, &enabled);
		if (r == -EBUSY && !moved && !opts->no_move_self && strcmp(level, w->own) == 0 &&
		    only_self_in(level)) {
			_cleanup_free_ char *leaf = NULL;
			r = move_self(w->own, root->parent, &leaf);
			if (r == 0) {
				moved = true;
				r = enable_at(level, want, &enabled);
			}
		}
		if (r == -EBUSY) {
			set_reason(root,
				   "cgroup %s holds processes, so cgroup v2 cannot enable "
				   "controllers for its children (no internal processes); run "
				   "sbxctr in a cgroup of its own (e.g. systemd-run --scope -p "
				   "Delegate=yes) or pass --cgroup-parent",
				   level);
			return 0;
		}
		if (r < 0) {
			set_reason(root, "cannot set up controllers in %s: %s", level,
				   strerror(-r));
			return 0;
		}
		level[end] = saved;
		if (saved == '\0')
			break;
		char *next = strchr(level + end + 1, '/');
		end = next ? (size_t)(next - level) : strlen(level);
	}
	root->parent_fd = open(root->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root->parent_fd < 0)
		return sbx_err_sys(err, "open %s", root->parent);
	root->available = read_controllers_at(root->parent_fd, "cgroup.subtree_control");
	root->usable = true;
	root->reason[0] = '\0';
	return 0;
}

int sbx_cgroup_root_open(const struct sbx_cgroup_root_opts *opts, struct sbx_cgroup_root **ret,
			 struct sbx_error *err)
{
	static const struct sbx_cgroup_root_opts defaults = {0};
	if (!opts)
		opts = &defaults;
	if (opts->parent && !sbx_cgroup_parent_valid(opts->parent))
		return sbx_err_set(
			err, EINVAL,
			"--cgroup-parent: \"%s\" is not a cgroup path (\"/a/b\" from the cgroup2 "
			"root or \"a/b\" below the runtime's cgroup; components of "
			"[A-Za-z0-9_.:@-])",
			opts->parent);

	struct sbx_cgroup_root *root = sbx_xcalloc(1, sizeof(*root));
	root->mode = opts->mode;
	root->parent_fd = -1;
	root->pid = getpid();
	root->have_kill = -1;
	struct where w = {0};
	int r = 0;

	if (opts->mode == SBX_CGROUP_OFF) {
		set_reason(root, "cgroups are disabled (--cgroups off)");
		goto done;
	}
	r = locate(&w, root->reason, sizeof(root->reason));
	if (r < 0)
		goto fail;
	if (r > 0) {
		root->usable = false;
		goto done;
	}
	const char *base;
	if (!opts->parent) {
		base = w.own;
		root->parent = sbx_xasprintf("%s/" SBX_CGROUP_DEFAULT_PARENT, w.own);
	} else if (opts->parent[0] == '/') {
		base = w.mounts.cgroup2_mount;
		root->parent = opts->parent[1] ? sbx_xasprintf("%s%s", base, opts->parent)
					       : sbx_xstrdup(base);
	} else {
		base = w.own;
		root->parent = sbx_xasprintf("%s/%s", w.own, opts->parent);
	}
	r = setup_parent(root, opts, &w, base, err);
	if (r < 0)
		goto fail;
done:
	where_clear(&w);
	if (!root->usable && opts->mode == SBX_CGROUP_REQUIRED) {
		r = sbx_err_set(err, ENOTSUP, "--cgroups required: cgroup v2 is not usable: %s",
				root->reason);
		sbx_cgroup_root_free(root);
		return r;
	}
	*ret = root;
	return 0;
fail:
	where_clear(&w);
	sbx_cgroup_root_free(root);
	return r;
}

void sbx_cgroup_root_free(struct sbx_cgroup_root *root)
{
	if (!root)
		return;
	if (root->parent_fd >= 0)
		close(root->parent_fd);
	free(root->parent);
	free(root);
}

bool sbx_cgroup_root_usable(const struct sbx_cgroup_root *root)
{
	return root && root->usable;
}

const char *sbx_cgroup_root_reason(const struct sbx_cgroup_root *root)
{
	return root ? root->reason : "no cgroup root";
}

unsigned sbx_cgroup_root_controllers(const struct sbx_cgroup_root *root)
{
	return root && root->usable ? root->available : 0;
}

const char *sbx_cgroup_root_parent(const struct sbx_cgroup_root *root)
{
	return root && root->usable ? root->parent : NULL;
}

void sbx_cgroup_root_plan_opts(const struct sbx_cgroup_root *root, struct sbx_cgroup_plan_opts *ret)
{
	*ret = (struct sbx_cgroup_plan_opts){
		.mode = root ? root->mode : SBX_CGROUP_OFF,
		.cgroup_usable = sbx_cgroup_root_usable(root),
		.available = sbx_cgroup_root_controllers(root),
		.unusable_reason = root && !root->usable ? root->reason : NULL,
		.parent = sbx_cgroup_root_parent(root),
	};
}

/* ---- one sandbox cgroup ------------------------------------------------------- */

static bool swap_active(void)
{
	char buf[512];
	ssize_t n = sbx_read_file_at(AT_FDCWD, "/proc/swaps", buf, sizeof(buf));
	if (n < 0)
		return true; /* cannot tell: assume the worst */
	/* a header line, then one line per active swap area */
	const char *nl = strchr(buf, '\n');
	return nl && nl[1] != '\0';
}

static int apply_write(struct sbx_cgroup *cg, const struct sbx_cgroup_write *w,
		       struct sbx_error *err)
{
	int r = sbx_write_str_at(cg->fd, w->file, w->value);
	if (r == 0)
		return 0;
	if (r == -ENOENT && (w->flags & SBX_CGW_OPTIONAL))
		return 0;
	if (r == -ENOENT && (w->flags & SBX_CGW_SWAP)) {
		/* No swap accounting: without swap there is nothing to escape into. */
		if (strcmp(w->value, "0") == 0 && !swap_active())
			return 0;
		return sbx_err_set(
			err, ENOTSUP,
			"cannot set %s to %s in %s: the kernel does not account swap "
			"(swapaccount=0?) while swap is active, so the memory limit could be "
			"escaped through swap",
			w->file, w->value, cg->path);
	}
	return sbx_err_errno(err, r, "cannot set %s to \"%s\" (%s) in %s", w->file, w->value,
			     w->what, cg->path);
}

static struct sbx_cgroup *cgroup_new(const char *parent, const char *name, int fd, int have_kill)
{
	struct sbx_cgroup *cg = sbx_xcalloc(1, sizeof(*cg));
	cg->name = sbx_xstrdup(name);
	cg->path = sbx_xasprintf("%s/%s", parent, name);
	cg->fd = fd;
	cg->events_fd = -1;
	cg->have_kill = have_kill;
	cg->has_memory_peak = -1;
	cg->has_pids_peak = -1;
	return cg;
}

/* Locks the directory name under parent_fd: 0 and the fd, -EWOULDBLOCK, -ESTALE (replaced), -errno.
 */
static int open_locked(int parent_fd, const char *name, int *ret_fd)
{
	*ret_fd = -1; /* defined on every path, not only on success */
	_cleanup_close_ int fd =
		openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -errno;
	/*
	 * A sweeper may have removed (and someone recreated) the directory
	 * between our open and our lock: the name must still be this inode.
	 */
	struct stat a, b;
	if (fstat(fd, &a) < 0)
		return -errno;
	if (fstatat(parent_fd, name, &b, AT_SYMLINK_NOFOLLOW) < 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev)
		return -ESTALE;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int destroy_dir(int parent_fd, const char *name, int fd, int *have_kill, int timeout_ms,
		       struct sbx_error *err);

int sbx_cgroup_create(struct sbx_cgroup_root *root, const struct sbx_cgroup_plan *plan,
		      const char *label, struct sbx_cgroup **ret, struct sbx_error *err)
{
	if (!root || !root->usable)
		return sbx_err_set(err, ENOTSUP, "cannot create a sandbox cgroup: %s",
				   sbx_cgroup_root_reason(root));
	if (plan && !plan->use_cgroup)
		return sbx_err_set(err, EINVAL,
				   "internal error: the cgroup plan does not use a cgroup");
	if (plan && (plan->controllers & ~root->available)) {
		char miss[96];
		sbx_cgroup_controllers_format(plan->controllers & ~root->available, miss,
					      sizeof(miss));
		return sbx_err_set(err, ENOTSUP, "cgroup controller(s) %s not available in %s",
				   miss, root->parent);
	}
	if (label && (strlen(label) > 64 || !sbx_cgroup_name_valid(label)))
		return sbx_err_set(err, EINVAL, "invalid cgroup label \"%s\"", label);

	char name[160];
	int fd = -1, r = 0;
	for (int attempt = 0; attempt < 16; attempt++) {
		snprintf(name, sizeof(name), SBX_CGROUP_PREFIX "%d-%" PRIu64 "%s%s", (int)root->pid,
			 ++root->seq, label ? "-" : "", label ? label : "");
		if (mkdirat(root->parent_fd, name, 0755) < 0) {
			if (errno != EEXIST)
				return sbx_err_sys(err, "cannot create cgroup %s/%s", root->parent,
						   name);
			/*
			 * Left by an earlier runtime with our pid: take it over if its lock is
			 * free.
			 */
			int sfd;
			if (open_locked(root->parent_fd, name, &sfd) == 0)
				(void)destroy_dir(root->parent_fd, name, sfd, &root->have_kill,
						  1000, NULL);
			continue;
		}
		r = open_locked(root->parent_fd, name, &fd);
		if (r == 0)
			break;
		if (r != -EWOULDBLOCK && r != -ESTALE && r != -ENOENT)
			return sbx_err_errno(err, r, "cannot open cgroup %s/%s", root->parent,
					     name);
		/* a sweeper got there first: leave that name to it */
	}
	if (fd < 0)
		return sbx_err_set(err, EAGAIN,
				   "cannot create a sandbox cgroup in %s: too many collisions",
				   root->parent);

	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg =
		cgroup_new(root->parent, name, fd, root->have_kill);
	for (size_t i = 0; plan && i < plan->n_writes; i++) {
		r = apply_write(cg, &plan->writes[i], err);
		if (r < 0) {
			/* nothing joined yet: a plain rmdir undoes it */
			if (unlinkat(root->parent_fd, name, AT_REMOVEDIR) == 0)
				cg->removed = true;
			return r;
		}
	}
	*ret = TAKE_PTR(cg);
	return 0;
}

int sbx_cgroup_create_named(struct sbx_cgroup_root *root, const struct sbx_cgroup_plan *plan, const char *name,
			    struct sbx_cgroup **ret, struct sbx_error *err)
{
	if (!root || !root->usable)
		return sbx_err_set(err, ENOTSUP, "cannot create a cgroup: %s", sbx_cgroup_root_reason(root));
	if (!*name || strlen(name) > 128 || !sbx_cgroup_name_valid(name))
		return sbx_err_set(err, EINVAL, "invalid cgroup name \"%s\"", name);
	bool made = mkdirat(root->parent_fd, name, 0755) == 0;
	if (!made && errno != EEXIST)
		return sbx_err_sys(err, "cannot create cgroup %s/%s", root->parent, name);
	int fd = openat(root->parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_sys(err, "cannot open cgroup %s/%s", root->parent, name);
	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg = cgroup_new(root->parent, name, fd, root->have_kill);
	for (size_t i = 0; plan && i < plan->n_writes; i++) {
		int r = apply_write(cg, &plan->writes[i], err);
		if (r < 0) {
			if (made && unlinkat(root->parent_fd, name, AT_REMOVEDIR) == 0)
				cg->removed = true;
			return r;
		}
	}
	*ret = TAKE_PTR(cg);
	return 0;
}

int sbx_cgroup_apply(struct sbx_cgroup *cg, const struct sbx_cgroup_plan *plan, struct sbx_error *err)
{
	for (size_t i = 0; i < plan->n_writes; i++) {
		int r = apply_write(cg, &plan->writes[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

int sbx_cgroup_open(const char *path, struct sbx_cgroup **ret, struct sbx_error *err)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return sbx_err_set(err, EINVAL, "not a cgroup directory: %s", path);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_sys(err, "cgroup %s", path);
	_cleanup_free_ char *parent = sbx_xstrdup(path);
	parent[slash - path] = '\0';
	*ret = cgroup_new(parent, slash + 1, fd, -1);
	return 0;
}

int sbx_cgroup_own_dir(char **ret)
{
	struct where w = {0};
	char reason[256];
	int r = locate(&w, reason, sizeof(reason));
	if (r == 0)
		*ret = TAKE_PTR(w.own);
	where_clear(&w);
	return r < 0 ? r : r > 0 ? -ENOENT : 0;
}

int sbx_cgroup_fd(const struct sbx_cgroup *cg)
{
	return cg ? cg->fd : -1;
}

const char *sbx_cgroup_path(const struct sbx_cgroup *cg)
{
	return cg ? cg->path : NULL;
}

const char *sbx_cgroup_name(const struct sbx_cgroup *cg)
{
	return cg ? cg->name : NULL;
}

/* ---- accounting ------------------------------------------------------------------ */

int sbx_cgroup_cpu_usage(struct sbx_cgroup *cg, uint64_t *ret_us)
{
	return read_keyed_at(cg->fd, "cpu.stat", "usage_usec", ret_us);
}

int sbx_cgroup_poll(struct sbx_cgroup *cg)
{
	uint64_t v;
	if (cg->has_memory_peak < 0)
		cg->has_memory_peak = faccessat(cg->fd, "memory.peak", F_OK, 0) == 0;
	if (cg->has_pids_peak < 0)
		cg->has_pids_peak = faccessat(cg->fd, "pids.peak", F_OK, 0) == 0;
	if (!cg->has_memory_peak && read_value_at(cg->fd, "memory.current", &v) == 0 &&
	    v > cg->memory_peak_polled)
		cg->memory_peak_polled = v;
	if (!cg->has_pids_peak && read_value_at(cg->fd, "pids.current", &v) == 0 &&
	    v > cg->pids_peak_polled)
		cg->pids_peak_polled = v;
	return 0;
}

int sbx_cgroup_stats(struct sbx_cgroup *cg, struct sbx_cgroup_stats *ret, struct sbx_error *err)
{
	struct sbx_cgroup_stats st = {0};
	char buf[2048];
	ssize_t n = sbx_read_file_at(cg->fd, "cpu.stat", buf, sizeof(buf));
	if (n < 0)
		return sbx_err_errno(err, (int)n, "cannot read %s/cpu.stat", cg->path);
	(void)sbx_cgroup_parse_keyed(buf, "usage_usec", &st.cpu_usage_us);
	(void)sbx_cgroup_parse_keyed(buf, "user_usec", &st.cpu_user_us);
	(void)sbx_cgroup_parse_keyed(buf, "system_usec", &st.cpu_system_us);
	(void)sbx_cgroup_parse_keyed(buf, "nr_throttled", &st.cpu_nr_throttled);
	(void)sbx_cgroup_parse_keyed(buf, "throttled_usec", &st.cpu_throttled_us);

	sbx_cgroup_poll(cg); /* a last sample, where peaks are polled */
	if (read_value_at(cg->fd, "memory.current", &st.memory_current) == 0) {
		st.has_memory = true;
		if (cg->has_memory_peak &&
		    read_value_at(cg->fd, "memory.peak", &st.memory_peak) == 0) {
			st.memory_peak_polled = false;
		} else {
			st.memory_peak = cg->memory_peak_polled;
			st.memory_peak_polled = true;
		}
		n = sbx_read_file_at(cg->fd, "memory.events", buf, sizeof(buf));
		if (n >= 0) {
			(void)sbx_cgroup_parse_keyed(buf, "max", &st.memory_max_events);
			(void)sbx_cgroup_parse_keyed(buf, "oom", &st.oom_events);
			(void)sbx_cgroup_parse_keyed(buf, "oom_kill", &st.oom_kills);
		}
		(void)read_value_at(cg->fd, "memory.swap.current", &st.swap_current);
	}
	if (read_value_at(cg->fd, "pids.current", &st.pids_current) == 0) {
		st.has_pids = true;
		if (cg->has_pids_peak && read_value_at(cg->fd, "pids.peak", &st.pids_peak) == 0) {
			st.pids_peak_polled = false;
		} else {
			st.pids_peak = cg->pids_peak_polled;
			st.pids_peak_polled = true;
		}
		(void)read_keyed_at(cg->fd, "pids.events", "max", &st.pids_max_events);
	}
	*ret = st;
	return 0;
}

/* ---- teardown -------------------------------------------------------------------- */

static int populated_fd(int events_fd)
{
	char buf[256];
	ssize_t n = pread(events_fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	uint64_t v;
	int r = sbx_cgroup_parse_keyed(buf, "populated", &v);
	return r < 0 ? r : v != 0;
}

int sbx_cgroup_events_fd(struct sbx_cgroup *cg)
{
	if (cg->events_fd < 0)
		cg->events_fd = openat(cg->fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	return cg->events_fd < 0 ? -errno : cg->events_fd;
}

int sbx_cgroup_populated(struct sbx_cgroup *cg)
{
	int fd = sbx_cgroup_events_fd(cg);
	return fd < 0 ? fd : populated_fd(fd);
}

static int wait_empty_fd(int events_fd, int timeout_ms)
{
	int64_t deadline = now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	for (;;) {
		int r = populated_fd(events_fd);
		if (r <= 0)
			return r;
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		/* kernfs signals a change of cgroup.events as POLLPRI (and POLLERR) */
		struct pollfd p = {.fd = events_fd, .events = POLLPRI};
		if (poll(&p, 1, (int)(left > 100 ? 100 : left)) < 0 && errno != EINTR)
			return -errno;
	}
}

/*
 * Calls fn for every pid in cgroup.procs of dirfd and of its descendants
 * (bounded depth: a tenant may nest cgroups deeply). A line that is not a
 * pid (none should be) is skipped. -errno only when dirfd's own cgroup.procs
 * cannot be read; a descendant that vanished mid-walk is not an error.
 */
static int walk_pids_at(int dirfd, int depth, int (*fn)(pid_t pid, void *ud), void *ud)
{
	/* the whole list: a cgroup may hold thousands of processes */
	_cleanup_fclose_ FILE *f = NULL;
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!(f = fdopen(fd, "re"))) {
		int r = -errno;
		close(fd);
		return r;
	}
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		int pid;
		if (sbx_parse_int(line, &pid) == 0 && pid > 0)
			fn(pid, ud);
	}
	if (depth >= 16)
		return 0;
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_close_ int sub =
			openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			(void)walk_pids_at(sub, depth + 1, fn, ud);
	}
	return 0;
}

int sbx_cgroup_walk_pids(int dirfd, int (*fn)(pid_t pid, void *ud), void *ud)
{
	return walk_pids_at(dirfd, 0, fn, ud);
}

static int kill_one(pid_t pid, void *ud)
{
	if (kill(pid, SIGKILL) == 0)
		++*(int *)ud;
	return 0;
}

/* SIGKILL to every process below dirfd; how many were sent. */
static int kill_procs_at(int dirfd)
{
	int n = 0;
	(void)walk_pids_at(dirfd, 0, kill_one, &n);
	return n;
}

static int kill_frozen_fd(int fd, const char *path, struct sbx_error *err)
{
	/*
	 * Freezing first stops fork() racing the kill loop. Without
	 * cgroup.freeze (< 5.2) the loop below simply repeats until nothing is
	 * left.
	 */
	bool frozen = sbx_write_str_at(fd, "cgroup.freeze", "1") == 0;
	if (frozen) {
		_cleanup_close_ int ev = openat(fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
		int64_t deadline = now_ms() + 1000;
		uint64_t f = 0;
		char buf[256];
		while (ev >= 0 && now_ms() < deadline) {
			ssize_t n = pread(ev, buf, sizeof(buf) - 1, 0);
			if (n < 0)
				break;
			buf[n] = '\0';
			if (sbx_cgroup_parse_keyed(buf, "frozen", &f) == 0 && f)
				break;
			struct pollfd p = {.fd = ev, .events = POLLPRI};
			poll(&p, 1, 20);
		}
	}
	/*
	 * Killed tasks leave even while frozen (a fatal signal ends the freeze
	 * for its task); repeat while any are listed, which also catches, where
	 * there is no freezer, the children of a fork that raced a round.
	 */
	for (int round = 0; round < 200 && kill_procs_at(fd) > 0; round++)
		usleep(1000);
	if (frozen && sbx_write_str_at(fd, "cgroup.freeze", "0") < 0)
		return sbx_err_sys(err, "cannot thaw %s", path);
	return 0;
}

static int kill_fd(int fd, int *have_kill, const char *path, struct sbx_error *err)
{
	if (*have_kill != 0) {
		int r = sbx_write_str_at(fd, "cgroup.kill", "1");
		if (r == 0) {
			*have_kill = 1;
			return 0;
		}
		if (r != -ENOENT)
			return sbx_err_errno(err, r, "cannot write %s/cgroup.kill", path);
		*have_kill = 0;
	}
	return kill_frozen_fd(fd, path, err);
}

int sbx_cgroup_kill(struct sbx_cgroup *cg, struct sbx_error *err)
{
	return kill_fd(cg->fd, &cg->have_kill, cg->path, err);
}

int sbx_cgroup_kill_frozen(struct sbx_cgroup *cg, struct sbx_error *err)
{
	return kill_frozen_fd(cg->fd, cg->path, err);
}

int sbx_cgroup_wait_empty(struct sbx_cgroup *cg, int timeout_ms, struct sbx_error *err)
{
	int fd = sbx_cgroup_events_fd(cg);
	if (fd < 0)
		return sbx_err_errno(err, fd, "cannot open %s/cgroup.events", cg->path);
	int r = wait_empty_fd(fd, timeout_ms);
	if (r == -ETIMEDOUT)
		return sbx_err_set(err, ETIMEDOUT, "%s still has processes after %d ms", cg->path,
				   timeout_ms);
	if (r < 0)
		return sbx_err_errno(err, r, "cannot read %s/cgroup.events", cg->path);
	return 0;
}

/* rmdir of dir's child cgroups (depth first), then of name itself. */
static int remove_tree(int parent_fd, const char *name, int depth)
{
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY || depth >= 16)
		return -errno;
	/* EBUSY: child cgroups (the sandbox made some) or live processes */
	int dfd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	bool children = false;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		children = true;
		int r = remove_tree(dirfd(d), de->d_name, depth + 1);
		if (r < 0)
			return r;
	}
	if (!children)
		return -EBUSY;
	return unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -errno;
}

static int remove_path(const char *path)
{
	_cleanup_free_ char *copy = sbx_xstrdup(path);
	char *slash = strrchr(copy, '/');
	if (!slash || slash == copy)
		return -EINVAL;
	*slash = '\0';
	_cleanup_close_ int pfd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	return remove_tree(pfd, slash + 1, 0);
}

int sbx_cgroup_try_remove(struct sbx_cgroup *cg, struct sbx_error *err)
{
	if (cg->removed)
		return 1;
	int r = sbx_cgroup_populated(cg);
	if (r < 0)
		return sbx_err_errno(err, r, "cannot read %s/cgroup.events", cg->path);
	if (r > 0)
		return 0;
	r = remove_path(cg->path);
	if (r == -EBUSY)
		return 0; /* a process got in between (cannot, once killed) or a child cgroup is
			     busy */
	if (r < 0)
		return sbx_err_errno(err, r, "cannot remove cgroup %s", cg->path);
	cg->removed = true;
	return 1;
}

int sbx_cgroup_destroy(struct sbx_cgroup *cg_arg, int timeout_ms, struct sbx_error *err)
{
	/* freed on every return, as the header promises */
	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg = cg_arg;
	if (!cg)
		return 0;
	if (cg->removed)
		return 0;
	/*
	 * Fast path: the sandbox's init was reaped, so the pid namespace, and with it the cgroup,
	 * is empty.
	 */
	int r = remove_path(cg->path);
	if (r == 0) {
		cg->removed = true;
		return 0;
	}
	if (r != -EBUSY)
		return sbx_err_errno(err, r, "cannot remove cgroup %s", cg->path);
	if ((r = sbx_cgroup_kill(cg, err)) < 0 ||
	    (r = sbx_cgroup_wait_empty(cg, timeout_ms, err)) < 0)
		return r;
	r = remove_path(cg->path);
	if (r < 0)
		return sbx_err_errno(err, r, "cannot remove cgroup %s", cg->path);
	cg->removed = true;
	return 0;
}

void sbx_cgroup_free(struct sbx_cgroup *cg)
{
	if (!cg)
		return;
	if (cg->events_fd >= 0)
		close(cg->events_fd);
	if (cg->fd >= 0)
		close(cg->fd); /* drops the lock: a leftover directory is now the sweep's */
	free(cg->name);
	free(cg->path);
	free(cg);
}

/* ---- sweep -------------------------------------------------------------------------- */

/* Kills, waits for and removes name (whose lock fd we hold); closes fd. */
static int destroy_dir(int parent_fd, const char *name, int fd_arg, int *have_kill, int timeout_ms,
		       struct sbx_error *err)
{
	_cleanup_close_ int fd = fd_arg;
	int r = unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 ? 0 : -errno;
	if (r == 0 || r == -ENOENT)
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "%s", name);
	if ((r = kill_fd(fd, have_kill, path, err)) < 0)
		return r;
	_cleanup_close_ int ev = openat(fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (ev < 0)
		return sbx_err_sys(err, "cannot open %s/cgroup.events", name);
	r = wait_empty_fd(ev, timeout_ms);
	if (r < 0)
		return sbx_err_errno(err, r, "stale cgroup %s: processes remain", name);
	r = remove_tree(parent_fd, name, 0);
	if (r < 0)
		return sbx_err_errno(err, r, "cannot remove stale cgroup %s", name);
	return 0;
}

int sbx_cgroup_sweep(struct sbx_cgroup_root *root, int timeout_ms, unsigned *ret_removed,
		     struct sbx_error *err)
{
	unsigned removed = 0;
	int first = 0;
	if (ret_removed)
		*ret_removed = 0;
	if (!root || !root->usable)
		return 0;
	int dfd = openat(root->parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sbx_err_sys(err, "cannot open %s", root->parent);
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return sbx_err_sys(err, "cannot list %s", root->parent);
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_type != DT_DIR)
			continue;
		if (strncmp(de->d_name, SBX_CGROUP_RUNTIME_PREFIX,
			    strlen(SBX_CGROUP_RUNTIME_PREFIX)) == 0) {
			/* a runtime's own leaf: only while empty, i.e. once its runtime is gone */
			if (unlinkat(root->parent_fd, de->d_name, AT_REMOVEDIR) == 0)
				removed++;
			continue;
		}
		if (strncmp(de->d_name, SBX_CGROUP_PREFIX, strlen(SBX_CGROUP_PREFIX)) != 0)
			continue;
		int fd;
		int r = open_locked(root->parent_fd, de->d_name, &fd);
		if (r == -EWOULDBLOCK || r == -ENOENT || r == -ESTALE)
			continue; /* alive, or gone meanwhile */
		struct sbx_error e = {0};
		if (r < 0)
			r = sbx_err_errno(&e, r, "cannot open stale cgroup %s/%s", root->parent,
					  de->d_name);
		else
			r = destroy_dir(root->parent_fd, de->d_name, fd, &root->have_kill,
					timeout_ms, &e);
		if (r == 0)
			removed++;
		else if (!first) {
			first = r;
			if (err)
				*err = e;
		}
	}
	if (ret_removed)
		*ret_removed = removed;
	return first;
}

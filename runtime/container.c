/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI lifecycle verbs on the state root (see container.h for the layout and the rules). */
#include "runtime/container.h"
#include "runtime/container-internal.h"
#include "cgroups/cgroup.h"
#include "cgroups/limits.h"
#include "cgroups/live.h"
#include "cgroups/systemd.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "oci/policy.h"
#include "runtime/bundle.h"
#include "runtime/hooks.h"
#include "runtime/notify.h"
#include "runtime/sandbox.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define STATE_FILE "state.json"
#define CONFIG_FILE "config.json"
#define START_SOCK "start"
/* config.json copies are read back by delete; the same cap as a bundle's */
#define CONFIG_MAX_BYTES (16u << 20)

void sbx_ctr_close(struct ctr *c)
{
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->dir_fd >= 0)
		close(c->dir_fd); /* drops the lock */
	if (c->root_fd >= 0)
		close(c->root_fd);
	sbx_oci_state_clear(&c->st);
	c->pidfd = c->dir_fd = c->root_fd = -1;
}

static const char *root_path(const struct sbx_container_opts *g)
{
	return g->root ? g->root : SBX_CONTAINER_ROOT;
}

/*
 * Names the runtime itself keeps in its state directory: refused as ids
 * when the container root is that directory (the default).
 */
static bool reserved_id(const struct sbx_container_opts *g, const char *id)
{
	static const char *const names[] = {"slots", "root", "work", "seccomp-cache", "batch", NULL};
	return strcmp(root_path(g), sbx_state_dir()) == 0 && sbx_strv_contains((char *const *)names, id);
}

static int check_id(const char *id, struct sbx_error *err)
{
	if (!id || !*id)
		return sbx_err_set(err, EINVAL, "a container id is required");
	if (!sbx_oci_id_valid(id))
		return sbx_err_set(err, EINVAL, "invalid container id \"%s\" (1-255 of [A-Za-z0-9_+.-], not "
				   "starting with '.')", id);
	return 0;
}

static int not_found(const char *id, struct sbx_error *err)
{
	return sbx_err_set(err, ENOENT, "container \"%s\" does not exist", id);
}

/* mkdir -p of the root (0711: created inits reach their start socket by fd, not by path). */
static int open_root(const struct sbx_container_opts *g, bool create, struct sbx_error *err)
{
	const char *root = root_path(g);
	if (root[0] != '/')
		return sbx_err_set(err, EINVAL, "--root %s: must be an absolute path", root);
	if (create) {
		_cleanup_free_ char *p = sbx_xstrdup(root);
		for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
			if (s)
				*s = '\0';
			if (mkdir(p, 0711) < 0 && errno != EEXIST)
				return sbx_err_sys(err, "--root %s: creating %s", root, p);
			if (!s)
				break;
			*s = '/';
		}
	}
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_sys(err, "--root %s", root);
	return fd;
}

static int read_state(int dir_fd, const char *id, struct sbx_oci_state *st, struct sbx_error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/" STATE_FILE, dir_fd);
	_cleanup_free_ char *buf = NULL;
	size_t n;
	/* annotations make it as large as the config's */
	int r = sbx_read_all(path, CONFIG_MAX_BYTES, &buf, &n);
	if (r == -ENOENT)
		return -ENOENT;
	if (r < 0)
		return sbx_err_errno(err, r, "container \"%s\": reading %s", id, STATE_FILE);
	char doc[300];
	snprintf(doc, sizeof(doc), "container %s: %s", id, STATE_FILE);
	return sbx_oci_state_parse(doc, buf, n, st, err);
}

/* Creates (or truncates) dir_fd/name with data. */
static int write_new(int dir_fd, const char *name, const char *data, size_t len)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	return sbx_write_all(fd, data, len);
}

/* Replaces state.json whole: readers never see half a file. */
static int write_state(int dir_fd, const struct sbx_oci_state *st, struct sbx_error *err)
{
	_cleanup_free_ char *text = sbx_oci_state_json(st, true, false);
	char tmp[32];
	snprintf(tmp, sizeof(tmp), ".%s.%d", STATE_FILE, (int)getpid());
	int r = write_new(dir_fd, tmp, text, strlen(text));
	if (r == 0 && renameat(dir_fd, tmp, dir_fd, STATE_FILE) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dir_fd, tmp, 0);
		return sbx_err_errno(err, r, "container \"%s\": writing %s", st->id, STATE_FILE);
	}
	return 0;
}

/*
 * Whether the init recorded in st still runs: its pid has the recorded
 * start time and it is not a zombie. The pidfd is taken first and the
 * start time checked after, so the pidfd is the init's or nothing.
 */
int sbx_ctr_find_init(const struct sbx_oci_state *st)
{
	if (st->pid <= 0)
		return -1;
	int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0)
		return -1;
	char state;
	uint64_t start;
	if (sbx_proc_stat(st->pid, &state, &start) < 0 || start != st->pid_start || state == 'Z' || state == 'X') {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the container's cgroup is frozen (pause): only the freezer knows. */
static bool frozen(const struct sbx_oci_state *st)
{
	if (!st->cgroup)
		return false;
	_cleanup_(sbx_cgroup_freep) struct sbx_cgroup *cg = NULL;
	struct sbx_error e = {0};
	return sbx_cgroup_open(st->cgroup, &cg, &e) == 0 && sbx_cgroup_frozen(cg) == 1;
}

/* created, running, paused or stopped, from what state.json says, whether the init lives, the freezer. */
static void refresh(struct ctr *c)
{
	if (c->st.status == SBX_OCI_CREATING)
		return;
	c->pidfd = sbx_ctr_find_init(&c->st);
	if (c->pidfd < 0)
		c->st.status = SBX_OCI_STOPPED;
	else if (!c->st.started)
		c->st.status = SBX_OCI_CREATED;
	else
		c->st.status = frozen(&c->st) ? SBX_OCI_PAUSED : SBX_OCI_RUNNING;
}

/* Waits until the process of pidfd has exited (zombie or reaped); -ETIMEDOUT after ms. */
int sbx_ctr_wait_gone(int pidfd, int ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int n;
	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

static void remove_dir(struct ctr *c)
{
	static const char *const files[] = {STATE_FILE, CONFIG_FILE, START_SOCK};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(files); i++)
		unlinkat(c->dir_fd, files[i], 0);
	unlinkat(c->dir_fd, SBX_NOTIFY_SUBDIR "/" SBX_NOTIFY_SOCK, 0);
	unlinkat(c->dir_fd, SBX_NOTIFY_SUBDIR, AT_REMOVEDIR);
	if (unlinkat(c->root_fd, c->id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		sbx_warn("container \"%s\": removing %s/%s: %s", c->id, "--root", c->id, strerror(errno));
}

static void destroy_cgroup(const struct sbx_oci_state *st)
{
	if (!st->cgroup)
		return;
	struct sbx_cgroup *cg = NULL;
	struct sbx_error e = {0};
	if ((sbx_cgroup_open(st->cgroup, &cg, &e) < 0 || sbx_cgroup_destroy(cg, 5000, &e) < 0) && e.code != ENOENT) {
		sbx_warn("container \"%s\": %s", st->id, e.msg);
		return;
	}
	/* a container in a systemd scope (--systemd-cgroup) leaves the scope's directories to clean */
	sbx_systemd_scope_trim(st->cgroup);
}

/*
 * The leftovers of a create that died (status "creating", lock free): its
 * init is killed (it had not yet stopped depending on create, or it had
 * just), its cgroup and directory removed.
 */
static void sweep(struct ctr *c)
{
	sbx_debug("container \"%s\": removing what a create that died left", c->id);
	int pidfd = sbx_ctr_find_init(&c->st);
	if (pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		sbx_ctr_wait_gone(pidfd, 5000);
		close(pidfd);
	}
	destroy_cgroup(&c->st);
	remove_dir(c);
}

/*
 * Opens container id. lock: flock(LOCK_EX), waiting for other verbs (a
 * mutating verb); otherwise read without a lock. ENOENT -> "does not exist".
 */
int sbx_ctr_open(const struct sbx_container_opts *g, const char *id, bool lock, struct ctr *c,
		    struct sbx_error *err)
{
	*c = (struct ctr){.id = id, .root_fd = -1, .dir_fd = -1, .pidfd = -1};
	int r = check_id(id, err);
	if (r < 0)
		return r;
	c->root_fd = open_root(g, false, err);
	if (c->root_fd < 0) {
		if (c->root_fd == -ENOENT)
			return not_found(id, err);
		return c->root_fd;
	}
	c->dir_fd = openat(c->root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->dir_fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? not_found(id, err)
							    : sbx_err_sys(err, "container \"%s\"", id);
	bool held;
	if (lock) {
		while ((r = flock(c->dir_fd, LOCK_EX)) < 0 && errno == EINTR)
			;
		if (r < 0)
			return sbx_err_sys(err, "container \"%s\": lock", id);
		held = true;
	} else {
		/* a probe only: whether a live verb (create above all) holds it */
		held = flock(c->dir_fd, LOCK_SH | LOCK_NB) == 0;
	}
	/* a delete that ran while we waited leaves an unlinked directory: no state there */
	r = read_state(c->dir_fd, id, &c->st, err);
	if (r == -ENOENT)
		return not_found(id, err);
	if (r < 0)
		return r;
	if (c->st.status == SBX_OCI_CREATING && held) {
		/* nobody holds the lock: its create died */
		if (lock)
			sweep(c);
		return not_found(id, err);
	}
	if (!lock && held)
		flock(c->dir_fd, LOCK_UN);
	refresh(c);
	return 0;
}

/* The state hooks read: the container's, with the status they are run at. */
static char *hook_state(const struct sbx_oci_state *st, int status)
{
	struct sbx_oci_state s = *st;
	s.status = status;
	s.rootfs = NULL;
	s.created = NULL;
	return sbx_oci_state_json(&s, false, false);
}

/* --- create ------------------------------------------------------------------- */

struct creating {
	const struct sbx_config *cfg;
	struct sbx_oci_state *st;
	int dir_fd;
};

/* The init exists: its pid, start time and cgroup go to state.json at once (see sweep()). */
static int spawned(void *userdata, pid_t pid, const char *cgroup, struct sbx_error *err)
{
	struct creating *cr = userdata;
	cr->st->pid = pid;
	int r = sbx_proc_stat(pid, NULL, &cr->st->pid_start);
	if (r < 0)
		return sbx_err_errno(err, r, "the container's init %d", (int)pid);
	free(cr->st->cgroup);
	cr->st->cgroup = cgroup ? sbx_xstrdup(cgroup) : NULL;
	return write_state(cr->dir_fd, cr->st, err);
}

/* prestart, then createRuntime, in our namespaces: the init waits before its pivot_root. */
static int prepivot_hooks(void *userdata, pid_t pid, struct sbx_error *err)
{
	struct creating *cr = userdata;
	cr->st->pid = pid;
	_cleanup_free_ char *state = hook_state(cr->st, SBX_OCI_CREATED);
	int r = sbx_hooks_run(&cr->cfg->hooks[SBX_HOOK_PRESTART], SBX_HOOK_PRESTART, state, err);
	if (r == 0)
		r = sbx_hooks_run(&cr->cfg->hooks[SBX_HOOK_CREATE_RUNTIME], SBX_HOOK_CREATE_RUNTIME, state, err);
	return r;
}

int sbx_ctr_connect_unix(const char *path, int type, const char *what, struct sbx_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return sbx_err_set(err, ENAMETOOLONG, "%s %s: path too long for a unix socket", what, path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sbx_err_sys(err, "%s: socket", what);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return sbx_err_errno(err, e, "%s %s", what, path);
	}
	return fd;
}

/* The start socket, made in the container's directory by its fd (the root's path may be long). */
static int listen_start(int dir_fd, struct sbx_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" START_SOCK, dir_fd);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
		return sbx_err_sys(err, "the start socket");
	return TAKE_FD(fd);
}

int sbx_ctr_send_pidfd(const char *path, pid_t pid, struct sbx_error *err)
{
	_cleanup_close_ int s = sbx_ctr_connect_unix(path, SOCK_STREAM, "--pidfd-socket", err);
	if (s < 0)
		return s;
	_cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return sbx_err_sys(err, "--pidfd-socket: pidfd of %d", (int)pid);
	int r = sbx_send_fd(s, "", 1, pfd);
	return r < 0 ? sbx_err_errno(err, r, "--pidfd-socket %s", path) : 0;
}

/* The pid file: the bare pid, no newline, replaced whole. */
int sbx_ctr_write_pid_file(const char *path, pid_t pid, struct sbx_error *err)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	int fd = sbx_tmpfile_open(path, 0644);
	if (fd < 0)
		return sbx_err_errno(err, fd, "--pid-file %s", path);
	int r = sbx_write_all(fd, buf, (size_t)n);
	if (r == 0)
		r = sbx_tmpfile_commit(fd, path, false);
	close(fd);
	if (r < 0)
		return sbx_err_errno(err, r, "--pid-file %s", path);
	return 0;
}

/* The bundle's config with the policy and the lifecycle's own settings applied; NULL and err on failure. */
static struct sbx_config *create_config(const struct sbx_container_opts *g, const struct sbx_create_opts *o,
					struct sbx_error *err)
{
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	enum sbx_policy policy;
	if (sbx_config_load_bundle(o->bundle ? o->bundle : ".", &cfg, err) < 0 || !cfg ||
	    sbx_policy_for(cfg, g->policy, &policy, err) < 0 || sbx_config_apply_policy(cfg, policy, err) < 0)
		return NULL;
	sbx_debug("container \"%s\": policy %s", o->id, sbx_policy_name(policy));
	/* nobody supervises a created container: the kernel's seccomp kills, the caller's stdio */
	cfg->seccomp_kill_exact = true;
	cfg->io.inherit_stdin = true;
	cfg->preserve_fds = o->preserve_fds;
	if (cfg->init)
		sbx_warn("org.sbxctr.init is ignored by create: the process is the container's init");
	cfg->init = false;
	if (g->cgroup_mode >= 0)
		cfg->cgroup_mode = g->cgroup_mode;
	cfg->systemd_cgroup = g->systemd_cgroup;
	if (cfg->process.terminal && !o->console_socket) {
		sbx_err_set(err, EINVAL,
			    "config.json: process.terminal is true: create needs --console-socket to hand the terminal to");
		return NULL;
	}
	const char *notify = getenv("NOTIFY_SOCKET");
	if (notify && *notify) {
		_cleanup_free_ char *dir = sbx_xasprintf("%s/%s", root_path(g), o->id);
		sbx_notify_prepare(cfg, dir);
	}
	return TAKE_PTR(cfg);
}

/* Copies the bundle's config.json into the container's directory, for delete's poststop hooks. */
static int keep_config(int dir_fd, const struct sbx_config *cfg, struct sbx_error *err)
{
	_cleanup_free_ char *path = sbx_xasprintf("%s/config.json", cfg->bundle_dir);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = sbx_read_all(path, CONFIG_MAX_BYTES, &text, &len);
	if (r == 0)
		r = write_new(dir_fd, CONFIG_FILE, text, len);
	return r < 0 ? sbx_err_errno(err, r, "keeping %s", path) : 0;
}

int sbx_container_create(const struct sbx_container_opts *g, const struct sbx_create_opts *o, struct sbx_error *err)
{
	int r = check_id(o->id, err);
	if (r < 0)
		return r;
	if (reserved_id(g, o->id))
		return sbx_err_set(err, EINVAL, "container id \"%s\" is reserved in %s", o->id, root_path(g));
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = create_config(g, o, err);
	if (!cfg)
		return -(err->code > 0 ? err->code : EINVAL);
	_cleanup_close_ int console = -1;
	if (o->console_socket && cfg->process.terminal &&
	    (console = sbx_ctr_connect_unix(o->console_socket, SOCK_STREAM, "--console-socket", err)) < 0)
		return console;
	/* every config error is found here, before anything exists */
	_cleanup_(sbx_sandbox_freep) struct sbx_sandbox *sb = NULL;
	if ((r = sbx_sandbox_create(cfg, &sb, err)) < 0)
		return r;

	struct ctr c = {.id = o->id, .root_fd = -1, .dir_fd = -1, .pidfd = -1};
	c.root_fd = open_root(g, true, err);
	if (c.root_fd < 0)
		return c.root_fd;
	/* mkdir and lock as one step for anyone who judges a directory without a state */
	flock(c.root_fd, LOCK_EX);
	if (mkdirat(c.root_fd, o->id, 0711) < 0) {
		r = errno == EEXIST ? sbx_err_set(err, EEXIST, "container \"%s\" already exists", o->id)
				    : sbx_err_sys(err, "container \"%s\"", o->id);
		sbx_ctr_close(&c);
		return r;
	}
	c.dir_fd = openat(c.root_fd, o->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.dir_fd < 0 || flock(c.dir_fd, LOCK_EX) < 0) {
		r = sbx_err_sys(err, "container \"%s\"", o->id);
		unlinkat(c.root_fd, o->id, AT_REMOVEDIR);
		sbx_ctr_close(&c);
		return r;
	}
	flock(c.root_fd, LOCK_UN);
	/* the directory the container's NOTIFY_SOCKET lives in (bound at /run/notify) */
	const char *notify = getenv("NOTIFY_SOCKET");
	if (notify && *notify && mkdirat(c.dir_fd, SBX_NOTIFY_SUBDIR, 0711) < 0) {
		r = sbx_err_sys(err, "container \"%s\": %s/", o->id, SBX_NOTIFY_SUBDIR);
		remove_dir(&c);
		sbx_ctr_close(&c);
		return r;
	}

	char created[64];
	sbx_now_rfc3339(created, sizeof(created));
	c.st = (struct sbx_oci_state){
		.id = sbx_xstrdup(o->id),
		.status = SBX_OCI_CREATING,
		.bundle = sbx_xstrdup(cfg->bundle_dir),
		.rootfs = sbx_xstrdup(cfg->root_path),
		.created = sbx_xstrdup(created),
		.policy = cfg->policy,
	};
	/* borrowed from cfg for the state and the hooks; handed back before the clear */
	c.st.annotations = cfg->annotations;
	c.st.n_annotations = cfg->n_annotations;
	_cleanup_close_ int start_fd = -1;
	if ((r = write_state(c.dir_fd, &c.st, err)) < 0 || (r = keep_config(c.dir_fd, cfg, err)) < 0 ||
	    (start_fd = listen_start(c.dir_fd, err)) < 0) {
		r = r < 0 ? r : start_fd;
		goto fail;
	}
	struct creating cr = {.cfg = cfg, .st = &c.st, .dir_fd = c.dir_fd};
	struct sbx_sandbox_oci oci = {
		.id = o->id,
		.detach = true,
		.start_fd = start_fd,
		.console_fd = console,
		.no_pivot = o->no_pivot,
		.no_new_keyring = o->no_new_keyring,
		.close_fds = {c.dir_fd, c.root_fd},
		.prepivot = cfg->hooks[SBX_HOOK_PRESTART].n || cfg->hooks[SBX_HOOK_CREATE_RUNTIME].n ? prepivot_hooks
												    : NULL,
		.spawned = spawned,
		.userdata = &cr,
	};
	sbx_sandbox_set_oci(sb, &oci);
	/* the init's pid and cgroup are recorded by spawned() as soon as it exists */
	if ((r = sbx_sandbox_start(sb, err)) < 0)
		goto fail;
	if ((o->pid_file && (r = sbx_ctr_write_pid_file(o->pid_file, c.st.pid, err)) < 0) ||
	    (o->pidfd_socket && (r = sbx_ctr_send_pidfd(o->pidfd_socket, c.st.pid, err)) < 0))
		goto fail;
	if ((r = sbx_sandbox_detach(sb, err)) < 0)
		goto fail;
	c.st.status = SBX_OCI_CREATED;
	if ((r = write_state(c.dir_fd, &c.st, err)) < 0) {
		/* the init is on its own now: kill it by pidfd, since the sandbox no longer will */
		int pidfd = sbx_ctr_find_init(&c.st);
		if (pidfd >= 0) {
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			close(pidfd);
		}
		destroy_cgroup(&c.st);
		goto fail;
	}
	c.st.annotations = NULL;
	c.st.n_annotations = 0;
	sbx_ctr_close(&c);
	return 0;
fail:
	/* kills the init (not yet detached), removes its cgroup; then the directory */
	sbx_sandbox_free(TAKE_PTR(sb));
	if (o->pid_file && c.st.pid > 0)
		unlink(o->pid_file);
	remove_dir(&c);
	c.st.annotations = NULL;
	c.st.n_annotations = 0;
	sbx_ctr_close(&c);
	return r;
}

/* --- start, state, kill, delete, list ------------------------------------------- */

/* The config.json kept at create (for its poststart and poststop hooks), or NULL. */
struct sbx_config *sbx_ctr_kept_config(const struct ctr *c)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/" CONFIG_FILE, c->dir_fd);
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct sbx_config *cfg = NULL;
	struct sbx_error e = {0};
	int r = sbx_read_all(path, CONFIG_MAX_BYTES, &text, &len);
	if (r < 0 || sbx_config_parse_hooks(text, len, &cfg, &e) < 0) {
		sbx_warn("container \"%s\": its config.json: %s", c->id, r < 0 ? strerror(-r) : e.msg);
		return NULL;
	}
	return cfg;
}

int sbx_ctr_config(const struct ctr *c, struct sbx_config **ret, struct sbx_error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/" CONFIG_FILE, c->dir_fd);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = sbx_read_all(path, CONFIG_MAX_BYTES, &text, &len);
	if (r < 0)
		return sbx_err_errno(err, r, "container \"%s\": its config.json", c->id);
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = NULL;
	if (sbx_config_parse(text, len, c->st.bundle, &cfg, err) < 0 ||
	    sbx_config_apply_policy(cfg, (enum sbx_policy)c->st.policy, err) < 0)
		return sbx_err_wrap(err, "container \"%s\"", c->id);
	*ret = TAKE_PTR(cfg);
	return 0;
}

int sbx_ctr_status_error(const struct ctr *c, const char *verb, struct sbx_error *err)
{
	return sbx_err_set(err, EINVAL, "cannot %s container \"%s\": it is %s", verb, c->id,
			   sbx_oci_status_name(c->st.status));
}

static int start_created(struct ctr *c, struct sbx_error *err)
{
	if (c->st.status != SBX_OCI_CREATED)
		return sbx_ctr_status_error(c, "start", err);
	/* sd_notify: listening before the process runs, so that no READY=1 is lost */
	const char *notify = getenv("NOTIFY_SOCKET");
	struct stat nst;
	_cleanup_close_ int notify_fd = -1;
	if (notify && *notify && fstatat(c->dir_fd, SBX_NOTIFY_SUBDIR, &nst, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (notify_fd = sbx_notify_listen(c->dir_fd, err)) < 0)
		return notify_fd;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" START_SOCK, c->dir_fd);
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* refused while the init lives: a start that died after the init's exec */
		if (errno != ECONNREFUSED)
			return sbx_err_sys(err, "container \"%s\": the start socket", c->id);
		c->st.started = true;
		write_state(c->dir_fd, &c->st, NULL);
		return sbx_err_set(err, EINVAL, "cannot start container \"%s\": it is running", c->id);
	}
	/* the init runs startContainer hooks and execs: EOF (close-on-exec), or its error */
	struct {
		uint32_t type;
		int32_t pid;
		struct sbx_error err;
	} m;
	ssize_t n;
	do
		n = recv(s, &m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	unlinkat(c->dir_fd, START_SOCK, 0);
	c->st.started = true;
	if (n == (ssize_t)sizeof(m)) {
		write_state(c->dir_fd, &c->st, NULL);
		*err = m.err;
		err->msg[sizeof(err->msg) - 1] = '\0';
		return -(err->code > 0 ? err->code : EIO);
	}
	if (n < 0)
		return sbx_err_sys(err, "container \"%s\": start", c->id);
	int r = write_state(c->dir_fd, &c->st, err);
	if (r < 0)
		return r;
	if (notify_fd >= 0) {
		/* the wait may be long: other verbs (kill above all) must not wait for it */
		flock(c->dir_fd, LOCK_UN);
		if ((r = sbx_notify_wait_ready(notify_fd, c->pidfd, c->st.pid, notify, err)) < 0)
			return r;
	}
	/* poststart: after the process started (and said it is ready), before start returns; a failure is a warning */
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = sbx_ctr_kept_config(c);
	if (cfg && cfg->hooks[SBX_HOOK_POSTSTART].n) {
		_cleanup_free_ char *state = hook_state(&c->st, SBX_OCI_RUNNING);
		sbx_hooks_run_all(&cfg->hooks[SBX_HOOK_POSTSTART], SBX_HOOK_POSTSTART, state);
	}
	return 0;
}

int sbx_container_start(const struct sbx_container_opts *g, const char *id, struct sbx_error *err)
{
	struct ctr c;
	int r = sbx_ctr_open(g, id, true, &c, err);
	if (r == 0)
		r = start_created(&c, err);
	sbx_ctr_close(&c);
	return r;
}

int sbx_container_state(const struct sbx_container_opts *g, const char *id, char **ret_json, struct sbx_error *err)
{
	struct ctr c;
	int r = sbx_ctr_open(g, id, false, &c, err);
	if (r == 0)
		*ret_json = sbx_oci_state_json(&c.st, false, true);
	sbx_ctr_close(&c);
	return r;
}

int sbx_signal_parse(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} t[] = {
		{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},	  {"TRAP", SIGTRAP},
		{"ABRT", SIGABRT}, {"IOT", SIGIOT},   {"BUS", SIGBUS},	   {"FPE", SIGFPE},	  {"KILL", SIGKILL},
		{"USR1", SIGUSR1}, {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},	  {"ALRM", SIGALRM},
		{"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},	  {"STOP", SIGSTOP},
		{"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},   {"URG", SIGURG},	  {"XCPU", SIGXCPU},
		{"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
		{"POLL", SIGPOLL}, {"PWR", SIGPWR},   {"SYS", SIGSYS},
	};
	int n;
	if (sbx_parse_int(s, &n) == 0)
		return n > 0 && n < NSIG ? n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(t); i++)
		if (strcasecmp(t[i].name, s) == 0)
			return t[i].sig;
	/* RTMIN+N, RTMAX-N */
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		int base = toupper((unsigned char)s[3]) == 'I' ? SIGRTMIN : SIGRTMAX, off = 0;
		if (s[5] && (sbx_parse_int(s + 6, &off) < 0 || (s[5] != '+' && s[5] != '-')))
			return -1;
		int sig = s[5] == '-' ? base - off : base + off;
		return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
	}
	return -1;
}

int sbx_container_kill(const struct sbx_container_opts *g, const char *id, int sig, bool all, struct sbx_error *err)
{
	struct ctr c;
	int r = sbx_ctr_open(g, id, true, &c, err);
	if (r < 0)
		goto out;
	if (c.st.status == SBX_OCI_STOPPED) {
		r = sbx_err_set(err, ESRCH, "container \"%s\" is not running", id);
		goto out;
	}
	if (all && (r = sbx_ctr_kill_all(&c, sig, err)) < 0)
		goto out;
	if (syscall(SYS_pidfd_send_signal, c.pidfd, sig, NULL, 0) < 0)
		r = sbx_err_sys(err, "container \"%s\": signal %d", id, sig);
out:
	sbx_ctr_close(&c);
	return r;
}

static int delete_locked(struct ctr *c, bool force, struct sbx_error *err)
{
	if (c->st.status != SBX_OCI_STOPPED) {
		if (!force)
			return sbx_err_set(err, EBUSY,
					   "cannot delete container \"%s\" that is not stopped: it is %s (use --force)",
					   c->id, sbx_oci_status_name(c->st.status));
		/* the init's end takes its pid namespace along; the cgroup catches the rest */
		syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
		if (sbx_ctr_wait_gone(c->pidfd, 10000) < 0)
			sbx_warn("container \"%s\": its init %d did not exit within 10 s", c->id, (int)c->st.pid);
		c->st.status = SBX_OCI_STOPPED;
	}
	destroy_cgroup(&c->st);
	/* the config copy is read before the directory goes; poststop runs once it is gone */
	_cleanup_(sbx_config_freep) struct sbx_config *cfg = sbx_ctr_kept_config(c);
	remove_dir(c);
	if (cfg && cfg->hooks[SBX_HOOK_POSTSTOP].n) {
		_cleanup_free_ char *state = hook_state(&c->st, SBX_OCI_STOPPED);
		sbx_hooks_run_all(&cfg->hooks[SBX_HOOK_POSTSTOP], SBX_HOOK_POSTSTOP, state);
	}
	return 0;
}

int sbx_container_delete(const struct sbx_container_opts *g, const char *id, bool force, struct sbx_error *err)
{
	struct ctr c;
	int r = sbx_ctr_open(g, id, true, &c, err);
	if (r == 0)
		r = delete_locked(&c, force, err);
	sbx_ctr_close(&c);
	return r;
}

static int cmp_state(const void *a, const void *b)
{
	return strcmp(((const struct sbx_oci_state *)a)->id, ((const struct sbx_oci_state *)b)->id);
}

int sbx_container_list(const struct sbx_container_opts *g, struct sbx_oci_state **ret, size_t *ret_n,
		       struct sbx_error *err)
{
	*ret = NULL;
	*ret_n = 0;
	int root_fd = open_root(g, false, err);
	if (root_fd == -ENOENT)
		return 0;
	if (root_fd < 0)
		return root_fd;
	DIR *d = fdopendir(root_fd);
	if (!d) {
		close(root_fd);
		return sbx_err_sys(err, "--root %s", root_path(g));
	}
	struct sbx_oci_state *v = NULL;
	size_t n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR || !sbx_oci_id_valid(de->d_name) ||
		    reserved_id(g, de->d_name))
			continue;
		struct ctr c;
		struct sbx_error e = {0};
		/* a stale "creating" one is removed by taking its lock; a live one is only read */
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		bool stale = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0;
		if (fd >= 0)
			close(fd);
		if (sbx_ctr_open(g, de->d_name, stale, &c, &e) == 0) {
			v = sbx_xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = c.st;
			memset(&c.st, 0, sizeof(c.st));
		}
		sbx_ctr_close(&c);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_state);
	*ret = v;
	*ret_n = n;
	return 0;
}

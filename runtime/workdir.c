/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/workdir.h"
#include "core/cleanup.h"
#include "runtime/slot.h"
#include "core/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int sbx_runtime_private_mounts(struct sbx_error *err)
{
	/* an ordinary user mounts nothing of their own: their stage is lent by the child */
	if (geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return sbx_err_sys(err, "unshare(CLONE_NEWNS) for the runtime's own mounts");
	/* slave, not private: host mounts made later stay visible to us, ours never leak out */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return sbx_err_sys(err, "making the runtime's mounts private");
	return 0;
}

int sbx_scratch_create(const char *kind, struct sbx_scratch *ret, struct sbx_error *err)
{
	*ret = (struct sbx_scratch){0};
	int r = sbx_state_dir_create(err);
	if (r < 0)
		return r;
	_cleanup_free_ char *base = sbx_xasprintf("%s/%s", sbx_state_dir(), kind);
	if (mkdir(base, 0700) < 0 && errno != EEXIST)
		return sbx_err_sys(err, "scratch directory %s", base);
	ret->path = sbx_xasprintf("%s/%d", base, (int)getpid());
	if (mkdir(ret->path, 0700) < 0 && errno != EEXIST)
		return sbx_err_sys(err, "scratch directory %s", ret->path);
	if (geteuid() != 0)
		return 0;
	if (mount("tmpfs", ret->path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return sbx_err_sys(err, "scratch tmpfs on %s", ret->path);
	ret->mounted = true;
	return 0;
}

void sbx_scratch_destroy(struct sbx_scratch *s)
{
	if (!s->path)
		return;
	if (s->mounted) {
		umount2(s->path, MNT_DETACH);
		/*
		 * A sandbox killed a moment ago may still have a copy of the mount
		 * in its dying mount namespace (EBUSY); the next sweep takes it otherwise.
		 */
		for (int i = 0; i < 50 && rmdir(s->path) < 0 && errno == EBUSY; i++)
			usleep(10000);
	} else {
		(void)sbx_remove_tree_at(AT_FDCWD, s->path, 0);
	}
	free(s->path);
	*s = (struct sbx_scratch){0};
}

bool sbx_stage_needed(const struct sbx_config *cfg)
{
	return cfg->workdir.path && (cfg->io.n_copy_in > 0 || cfg->io.n_copy_out > 0);
}

bool sbx_copy_inside_ok(const char *inside)
{
	return *inside && !strstr(inside, "..");
}

int sbx_copy_parse(const char *arg, bool out, struct sbx_copy *c, struct sbx_error *err)
{
	const char *flag = out ? "--copy-out" : "--copy-in";
	const char *colon = strrchr(arg, ':');
	if (!colon || colon == arg || !colon[1])
		return sbx_err_set(err, EINVAL, "%s: expected %s, got \"%s\"", flag, out ? "PATH:HOST" : "HOST:PATH",
				   arg);
	_cleanup_free_ char *a = sbx_xasprintf("%.*s", (int)(colon - arg), arg);
	const char *b = colon + 1;
	const char *inside = out ? a : b;
	if (!sbx_copy_inside_ok(inside))
		return sbx_err_set(err, EINVAL, "%s: \"%s\" must stay inside the workdir (no \"..\")", flag, inside);
	c->host = sbx_xstrdup(out ? b : a);
	c->sandbox = sbx_xstrdup(inside);
	return 0;
}

int sbx_stage_create(const struct sbx_config *cfg, unsigned slot, uid_t uid, gid_t gid, struct sbx_stage *st,
		     struct sbx_error *err)
{
	memset(st, 0, sizeof(*st));
	st->fd = -1;
	st->chown = true;
	st->uid = uid;
	st->gid = gid;
	/*
	 * On the host the per-slot directory is an empty 0700 mount point: the
	 * tmpfs exists only in the runtime's private mount namespace, and the
	 * parent hands it to the sandbox as a cloned tree (rootfs/mount.c).
	 */
	_cleanup_free_ char *base = sbx_xasprintf("%s/work", sbx_state_dir());
	if (mkdir(base, 0700) < 0 && errno != EEXIST)
		return sbx_err_sys(err, "staging directory %s", base);
	st->path = sbx_xasprintf("%s/%u", base, slot);
	if (mkdir(st->path, 0700) < 0 && errno != EEXIST)
		return sbx_err_sys(err, "staging directory %s", st->path);
	char data[160];
	snprintf(data, sizeof(data), "mode=0755,size=%llu,nr_inodes=%llu,uid=%u,gid=%u",
		 (unsigned long long)cfg->workdir.size,
		 (unsigned long long)(cfg->workdir.nr_inodes ? cfg->workdir.nr_inodes : 16384), uid, gid);
	if (mount("tmpfs", st->path, "tmpfs", MS_NOSUID | MS_NODEV, data) < 0)
		return sbx_err_sys(err, "workdir tmpfs on %s", st->path);
	st->mounted = true;
	return 0;
}

void sbx_stage_adopt(struct sbx_stage *st, int fd)
{
	free(st->path);
	memset(st, 0, sizeof(*st));
	st->fd = fd;
	st->path = sbx_xasprintf("/proc/self/fd/%d", fd);
}

/* linux_dirent64, which glibc does not declare */
struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int chown_tree(int dfd, int64_t fu, int64_t fg, uid_t uid, gid_t gid, int depth)
{
	if (depth > 64)
		return -ELOOP;
	char buf[1024] __attribute__((aligned(8)));
	for (;;) {
		long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (long off = 0; off < n;) {
			const struct dirent64_raw *d = (const void *)(buf + off);
			off += d->d_reclen;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			struct stat s;
			if (fstatat(dfd, d->d_name, &s, AT_SYMLINK_NOFOLLOW) < 0)
				return -errno;
			bool u = (int64_t)s.st_uid == fu, g = (int64_t)s.st_gid == fg;
			if ((u || g) && fchownat(dfd, d->d_name, u ? uid : (uid_t)-1, g ? gid : (gid_t)-1,
						 AT_SYMLINK_NOFOLLOW) < 0)
				return -errno;
			if (!S_ISDIR(s.st_mode))
				continue;
			int sub = openat(dfd, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				return -errno;
			int r = chown_tree(sub, fu, fg, uid, gid, depth + 1);
			close(sub);
			if (r < 0)
				return r;
		}
	}
}

int sbx_stage_chown(const char *workdir, int64_t from_uid, int64_t from_gid, uid_t uid, gid_t gid,
		    struct sbx_error *err)
{
	if ((from_uid < 0 || from_uid == uid) && (from_gid < 0 || from_gid == gid))
		return 0;
	int fd = open(workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_sys(err, "workdir %s", workdir);
	int64_t fu = from_uid == uid ? -1 : from_uid, fg = from_gid == gid ? -1 : from_gid;
	struct stat s;
	int r = fstat(fd, &s) < 0 ? -errno : 0;
	/* the root first: it was made for us (sbx_mount_plan_lend_workdir) */
	if (r == 0 && ((int64_t)s.st_uid == fu || (int64_t)s.st_gid == fg) &&
	    fchown(fd, (int64_t)s.st_uid == fu ? uid : (uid_t)-1, (int64_t)s.st_gid == fg ? gid : (gid_t)-1) < 0)
		r = -errno;
	if (r == 0)
		r = chown_tree(fd, fu, fg, uid, gid, 0);
	close(fd);
	if (r < 0)
		return sbx_err_errno(err, r, "workdir %s: giving the copied files to uid %u", workdir, uid);
	return 0;
}

void sbx_stage_destroy(struct sbx_stage *st)
{
	if (st->mounted)
		umount2(st->path, MNT_DETACH);
	st->mounted = false;
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	free(st->path);
	st->path = NULL;
}

static int copy_fd(int in, int out)
{
	for (;;) {
		ssize_t n = sendfile(out, in, NULL, 1 << 20);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
	}
}

/* Copies host entry src (file, dir or symlink) to name under dirfd, owned by the sandbox user. */
static int copy_in_entry(int srcdirfd, const char *src, int dstfd, const char *name, const struct sbx_stage *st,
			 int depth)
{
	if (depth > 64)
		return -ELOOP;
	struct stat s;
	if (fstatat(srcdirfd, src, &s, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(s.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(srcdirfd, src, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlinkat(target, dstfd, name) < 0)
			return -errno;
		return st->chown && fchownat(dstfd, name, st->uid, st->gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	}
	if (S_ISDIR(s.st_mode)) {
		if (mkdirat(dstfd, name, s.st_mode & 0777) < 0 && errno != EEXIST)
			return -errno;
		_cleanup_close_ int sub = openat(dstfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return -errno;
		if (st->chown && fchown(sub, st->uid, st->gid) < 0)
			return -errno;
		int sfd = openat(srcdirfd, src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			return -errno;
		_cleanup_closedir_ DIR *d = fdopendir(sfd);
		if (!d) {
			close(sfd);
			return -errno;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			int r = copy_in_entry(dirfd(d), e->d_name, sub, e->d_name, st, depth + 1);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (!S_ISREG(s.st_mode))
		return -EINVAL; /* devices, fifos and sockets are not copied */
	_cleanup_close_ int in = openat(srcdirfd, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	_cleanup_close_ int out = openat(dstfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
					 s.st_mode & 0777);
	if (out < 0)
		return -errno;
	int r = copy_fd(in, out);
	if (r < 0)
		return r;
	return st->chown && fchown(out, st->uid, st->gid) < 0 ? -errno : 0;
}

/* Creates the parent directories of rel inside the stage; returns a dirfd of the last one. */
static int stage_parent(const struct sbx_stage *st, const char *rel)
{
	_cleanup_free_ char *p = sbx_xstrdup(rel);
	char *slash = strrchr(p, '/');
	_cleanup_close_ int dfd = open(st->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (!slash)
		return TAKE_FD(dfd);
	*slash = '\0';
	char *save = NULL;
	for (char *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (mkdirat(dfd, c, 0755) == 0) {
			if (st->chown && fchownat(dfd, c, st->uid, st->gid, AT_SYMLINK_NOFOLLOW) < 0)
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		}
		int n = openat(dfd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (n < 0)
			return -errno;
		close(dfd);
		dfd = n;
	}
	return TAKE_FD(dfd);
}

/* "/work/a/b" or "a/b" -> "a/b", relative to the workdir. */
static const char *rel_to_workdir(const struct sbx_config *cfg, const char *p)
{
	size_t n = strlen(cfg->workdir.path);
	if (strncmp(p, cfg->workdir.path, n) == 0 && p[n] == '/')
		p += n;
	while (*p == '/')
		p++;
	return p;
}

int sbx_stage_copy_in(struct sbx_stage *st, const struct sbx_config *cfg, struct sbx_error *err)
{
	for (size_t i = 0; i < cfg->io.n_copy_in; i++) {
		const struct sbx_copy *c = &cfg->io.copy_in[i];
		const char *rel = rel_to_workdir(cfg, c->sandbox);
		if (!*rel)
			return sbx_err_set(err, EINVAL, "--copy-in %s: the destination must name a file or directory",
					   c->host);
		/* the last component, created in the directory stage_parent returns */
		const char *slash = strrchr(rel, '/');
		const char *name = slash ? slash + 1 : rel;
		_cleanup_close_ int dfd = stage_parent(st, rel);
		if (dfd < 0)
			return sbx_err_errno(err, dfd, "--copy-in %s:%s", c->host, c->sandbox);
		int r = copy_in_entry(AT_FDCWD, c->host, dfd, name, st, 0);
		if (r == -ENOSPC || r == -EDQUOT)
			return sbx_err_errno(err, r, "--copy-in %s: does not fit in the workdir", c->host);
		if (r < 0)
			return sbx_err_errno(err, r, "--copy-in %s:%s", c->host, c->sandbox);
	}
	return 0;
}

static void copy_out_one(const struct sbx_stage *st, const struct sbx_config *cfg, const struct sbx_copy *c,
			 struct sbx_copy_result *res)
{
	memset(res, 0, sizeof(*res));
	_cleanup_close_ int root = open(st->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		snprintf(res->error, sizeof(res->error), "workdir: %s", strerror(errno));
		return;
	}
	/*
	 * Everything under the stage was written by the program: no symlink is
	 * followed (not even in a directory component), nothing leaves the
	 * stage, and O_NONBLOCK keeps a planted FIFO from blocking the open.
	 */
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	const char *rel = rel_to_workdir(cfg, c->sandbox);
	_cleanup_close_ int in = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	if (in < 0) {
		snprintf(res->error, sizeof(res->error), "%s: %s%s", c->sandbox, strerror(errno),
			 errno == ELOOP ? " (a symlink is never followed)" : "");
		return;
	}
	struct stat s;
	if (fstat(in, &s) < 0) {
		snprintf(res->error, sizeof(res->error), "%s: %s", c->sandbox, strerror(errno));
		return;
	}
	if (!S_ISREG(s.st_mode)) {
		snprintf(res->error, sizeof(res->error), "%s: not a regular file", c->sandbox);
		return;
	}
	if (s.st_nlink != 1) {
		snprintf(res->error, sizeof(res->error), "%s: has %lu hard links, refused", c->sandbox,
			 (unsigned long)s.st_nlink);
		return;
	}
	uint64_t max = cfg->io.copy_out_max ? cfg->io.copy_out_max : cfg->workdir.size;
	if ((uint64_t)s.st_size > max) {
		snprintf(res->error, sizeof(res->error), "%s: %lld bytes, above the %llu-byte cap", c->sandbox,
			 (long long)s.st_size, (unsigned long long)max);
		return;
	}
	/* execute bits are kept (as cp keeps them), so that a compiled artifact stays runnable */
	_cleanup_close_ int out = sbx_tmpfile_open(c->host, 0644 | (s.st_mode & 0111));
	if (out < 0) {
		snprintf(res->error, sizeof(res->error), "%s: %s", c->host, strerror(-out));
		return;
	}
	/* the file may still grow if something kept it open: never copy beyond the cap */
	uint64_t done = 0;
	while (done < (uint64_t)s.st_size) {
		ssize_t n = sendfile(out, in, NULL, (size_t)((uint64_t)s.st_size - done));
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				snprintf(res->error, sizeof(res->error), "%s: %s", c->host, strerror(errno));
				return;
			}
			break;
		}
		done += (uint64_t)n;
	}
	int r = sbx_tmpfile_commit(out, c->host, false);
	if (r < 0) {
		snprintf(res->error, sizeof(res->error), "%s: %s", c->host, strerror(-r));
		return;
	}
	res->ok = true;
	res->bytes = done;
}

void sbx_stage_copy_out(struct sbx_stage *st, const struct sbx_config *cfg, struct sbx_copy_result *ret)
{
	for (size_t i = 0; i < cfg->io.n_copy_out; i++)
		copy_out_one(st, cfg, &cfg->io.copy_out[i], &ret[i]);
}

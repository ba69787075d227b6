/* SPDX-License-Identifier: Apache-2.0 */
/* Files in a session's workdir from the host side: see files.h for the rules. */
#include "serve/files.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RESOLVE_SAFE (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

static int openat2_safe(int dfd, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW), .resolve = RESOLVE_SAFE};
	int fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/* An errno of a path operation as an API error. */
static int path_error(struct sbx_api_error *e, const char *rel, int code)
{
	switch (code) {
	case ENOENT:
		return sbx_api_fail(e, 404, "path", "%s: no such file in the workdir", rel);
	case ELOOP:
	case EXDEV:
		return sbx_api_fail(e, 403, "path", "%s: a symlink (or a mount) is in the way: never followed", rel);
	case ENOTDIR:
		return sbx_api_fail(e, 409, "path", "%s: a component is not a directory", rel);
	case EISDIR:
		return sbx_api_fail(e, 409, "path", "%s: is a directory", rel);
	case ENOTEMPTY:
		return sbx_api_fail(e, 409, "path", "%s: the directory is not empty", rel);
	case ENOSPC:
	case EDQUOT:
		return sbx_api_fail(e, 507, "path", "%s: does not fit in the workdir", rel);
	case ENAMETOOLONG:
		return sbx_api_fail(e, 400, "path", "%s: name too long", rel);
	default:
		return sbx_api_fail(e, 500, "path", "%s: %s", rel, strerror(code));
	}
}

/*
 * The directory that holds rel's last component, as an O_PATH fd; with
 * create, missing directories are made (owned by uid/gid). *ret_name
 * points into rel at the last component.
 */
static int parent_dir(int root, const char *rel, bool create, uid_t uid, gid_t gid, const char **ret_name)
{
	_cleanup_free_ char *p = sbx_xstrdup(rel);
	char *slash = strrchr(p, '/');
	*ret_name = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	int dfd = fcntl(root, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0 || !slash)
		return dfd < 0 ? -errno : dfd;
	*slash = '\0';
	char *save = NULL;
	for (char *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (create) {
			if (mkdirat(dfd, c, 0755) == 0) {
				if (fchownat(dfd, c, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
					int r = -errno;
					close(dfd);
					return r;
				}
			} else if (errno != EEXIST) {
				int r = -errno;
				close(dfd);
				return r;
			}
		}
		int n = openat2_safe(dfd, c, O_PATH | O_DIRECTORY);
		close(dfd);
		if (n < 0)
			return n;
		dfd = n;
	}
	return dfd;
}

int sbx_wfile_put(const char *root, const char *rel, const char *data, size_t len, mode_t mode,
		  struct sbx_api_error *e)
{
	_cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat rs;
	if (rfd < 0 || fstat(rfd, &rs) < 0)
		return sbx_api_fail(e, 500, NULL, "workdir %s: %s", root, strerror(errno));
	/* the workdir's root belongs to the sandbox's user: so does what we create */
	const char *name;
	_cleanup_close_ int dfd = parent_dir(rfd, rel, true, rs.st_uid, rs.st_gid, &name);
	if (dfd < 0)
		return path_error(e, rel, -dfd);
	/* a fresh name in the same directory, renamed over the target once complete */
	char tmp[64];
	uint64_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (uint64_t)getpid() ^ (uint64_t)(uintptr_t)&rnd;
	snprintf(tmp, sizeof(tmp), ".sbxctr-put-%016llx", (unsigned long long)rnd);
	_cleanup_close_ int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return path_error(e, rel, errno);
	int r = sbx_write_all(fd, data, len);
	if (r == 0 && (fchown(fd, rs.st_uid, rs.st_gid) < 0 || fchmod(fd, mode & 0777) < 0))
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return path_error(e, rel, -r);
	}
	return 0;
}

int sbx_wfile_open(const char *root, const char *rel, uint64_t max, uint64_t *ret_size, struct sbx_api_error *e)
{
	_cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return sbx_api_fail(e, 500, NULL, "workdir %s: %s", root, strerror(errno));
	/* O_NONBLOCK: a planted FIFO must not block the open */
	_cleanup_close_ int fd = openat2_safe(rfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return path_error(e, rel, -fd);
	struct stat s;
	if (fstat(fd, &s) < 0)
		return path_error(e, rel, errno);
	if (S_ISDIR(s.st_mode))
		return path_error(e, rel, EISDIR);
	if (!S_ISREG(s.st_mode))
		return sbx_api_fail(e, 403, "path", "%s: not a regular file", rel);
	if (s.st_nlink != 1)
		return sbx_api_fail(e, 403, "path", "%s: has %lu hard links, refused", rel, (unsigned long)s.st_nlink);
	if ((uint64_t)s.st_size > max)
		return sbx_api_fail(e, 413, "path", "%s: %lld bytes, above the %llu-byte cap", rel, (long long)s.st_size,
				    (unsigned long long)max);
	*ret_size = (uint64_t)s.st_size;
	return TAKE_FD(fd);
}

int sbx_wfile_delete(const char *root, const char *rel, struct sbx_api_error *e)
{
	_cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return sbx_api_fail(e, 500, NULL, "workdir %s: %s", root, strerror(errno));
	const char *name;
	_cleanup_close_ int dfd = parent_dir(rfd, rel, false, 0, 0, &name);
	if (dfd < 0)
		return path_error(e, rel, -dfd);
	if (unlinkat(dfd, name, 0) == 0)
		return 0;
	if (errno == EISDIR && unlinkat(dfd, name, AT_REMOVEDIR) == 0)
		return 0;
	return path_error(e, rel, errno);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "core/util.h"
#include "core/log.h"
#include "core/cleanup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define SBX_CLONE_NEWTIME 0x00000080
#else
#define SBX_CLONE_NEWTIME CLONE_NEWTIME
#endif

/* Through the log sink (a stack buffer, no allocation): the library itself never writes to a terminal. */
static void oom(void)
{
	sbx_log(SBX_LOG_ERROR, "out of memory");
	abort();
}

void *sbx_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *sbx_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *sbx_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

char *sbx_xstrdup(const char *s)
{
	if (!s)
		return NULL;
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *sbx_xasprintf(const char *fmt, ...)
{
	char *p = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return p;
}

size_t sbx_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void sbx_strv_push(char ***v, const char *s)
{
	size_t n = sbx_strv_len(*v);
	*v = sbx_xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = sbx_xstrdup(s);
	(*v)[n + 1] = NULL;
}

char **sbx_strv_copy(char *const *v)
{
	size_t n = sbx_strv_len(v);
	char **r = sbx_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		r[i] = sbx_xstrdup(v[i]);
	return r;
}

bool sbx_strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

int sbx_parse_u64(const char *s, uint64_t *ret)
{
	if (!s || !*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int sbx_parse_int(const char *s, int *ret)
{
	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
		return -ERANGE;
	if (*end || end == s)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* A decimal unsigned int at the start of s (digits only); *ret_end after it. */
static int parse_uint_prefix(const char *s, unsigned *ret, const char **ret_end)
{
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno == ERANGE || v > UINT_MAX)
		return -ERANGE;
	*ret = (unsigned)v;
	*ret_end = end;
	return 0;
}

int sbx_parse_version(const char *s, unsigned *ret_major, unsigned *ret_minor, const char **ret_end)
{
	unsigned major, minor;
	const char *p;
	int r = parse_uint_prefix(s, &major, &p);
	if (r < 0)
		return r;
	if (*p != '.')
		return -EINVAL;
	r = parse_uint_prefix(p + 1, &minor, &p);
	if (r < 0)
		return r;
	*ret_major = major;
	*ret_minor = minor;
	if (ret_end)
		*ret_end = p;
	return 0;
}

/*
 * Parses "<digits>[.<digits>]" into an integer part and a fraction scaled by
 * `scale` (rounded down), without floating point so that "0.3" is exact.
 */
static int parse_decimal(const char *s, const char **end, uint64_t *ip, uint64_t *frac, uint64_t scale)
{
	const char *p = s;
	uint64_t v = 0;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	uint64_t f = 0;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		uint64_t div = 1;
		for (; isdigit((unsigned char)*p); p++) {
			if (div <= UINT64_MAX / 10 / (scale ? scale : 1)) {
				f = f * 10 + (uint64_t)(*p - '0');
				div *= 10;
			}
		}
		f = f * scale / div;
	}
	*ip = v;
	*frac = f;
	*end = p;
	return 0;
}

static int mul_add(uint64_t a, uint64_t b, uint64_t c, uint64_t *ret)
{
	uint64_t m;
	if (__builtin_mul_overflow(a, b, &m) || __builtin_add_overflow(m, c, ret))
		return -ERANGE;
	return 0;
}

int sbx_parse_size(const char *s, uint64_t *ret)
{
	if (!s)
		return -EINVAL;
	const char *p;
	uint64_t ip, frac;
	/* fractions are kept to 1/1024 units so that "1.5G" is exact */
	int r = parse_decimal(s, &p, &ip, &frac, 1024);
	if (r < 0)
		return r;
	uint64_t mult = 1;
	switch (*p) {
	case 'k': case 'K': mult = 1ULL << 10; p++; break;
	case 'm': case 'M': mult = 1ULL << 20; p++; break;
	case 'g': case 'G': mult = 1ULL << 30; p++; break;
	case 't': case 'T': mult = 1ULL << 40; p++; break;
	default: break;
	}
	if (mult > 1 && *p == 'i' && p[1] == 'B')
		p += 2;
	else if (*p == 'B' || *p == 'b')
		p++;
	if (*p)
		return -EINVAL;
	if (mult == 1 && frac)
		return -EINVAL; /* "1.5" bytes means nothing */
	return mul_add(ip, mult, frac * (mult / 1024), ret);
}

int sbx_parse_seconds_us(const char *s, uint64_t *ret_us)
{
	if (!s)
		return -EINVAL;
	const char *p;
	uint64_t ip, frac;
	int r = parse_decimal(s, &p, &ip, &frac, 1000000);
	if (r < 0)
		return r;
	uint64_t us;
	if (*p == '\0' || strcmp(p, "s") == 0)
		r = mul_add(ip, 1000000, frac, &us);
	else if (strcmp(p, "ms") == 0)
		r = mul_add(ip, 1000, frac / 1000, &us);
	else if (strcmp(p, "us") == 0)
		us = ip, r = frac ? -EINVAL : 0;
	else
		return -EINVAL;
	if (r < 0)
		return r;
	*ret_us = us;
	return 0;
}

int sbx_tmpfile_open(const char *path, mode_t mode)
{
	/* the directory part: "." without a slash, "/" for "/name" */
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	return fd < 0 ? -errno : fd;
}

int sbx_tmpfile_commit(int fd, const char *path, bool keep_existing)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_nlink > 0)
		return 0; /* the fallback: path itself was written */
	if (!keep_existing && unlink(path) < 0 && errno != ENOENT)
		return -errno;
	/* a moment without the file beats a stray temporary after a crash */
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return 0;
}

int sbx_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sbx_write_file_at(int dirfd, const char *path, const char *data, size_t len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* cgroupfs and procfs take one write per value: never split it */
	ssize_t n = write(fd, data, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int sbx_write_str_at(int dirfd, const char *path, const char *s)
{
	return sbx_write_file_at(dirfd, path, s, strlen(s));
}

ssize_t sbx_read_file_at(int dirfd, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	size_t off = 0;
	while (off + 1 < size) {
		ssize_t n = read(fd, buf + off, size - 1 - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	return (ssize_t)off;
}

int sbx_read_all(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = sbx_xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > max)
				return -EFBIG;
			cap *= 2;
			buf = sbx_xrealloc(buf, cap);
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

/*
 * Whether dir is a directory of the caller's own that nobody else may write
 * (pam_systemd makes $XDG_RUNTIME_DIR so; one inherited from another user,
 * as runuser(1) passes it on, is not ours to use).
 */
static bool own_private_dir(const char *dir)
{
	struct stat st;
	return dir && dir[0] == '/' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

static char state_dir_buf[PATH_MAX];
static pthread_once_t state_dir_once = PTHREAD_ONCE_INIT;

static void state_dir_resolve(void)
{
	const char *d = getenv("SBXCTR_STATE_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (d && d[0] == '/') {
		snprintf(state_dir_buf, sizeof(state_dir_buf), "%s", d);
	} else if (geteuid() == 0) {
		snprintf(state_dir_buf, sizeof(state_dir_buf), "/run/sbxctr");
	} else if (own_private_dir(xdg)) {
		snprintf(state_dir_buf, sizeof(state_dir_buf), "%s/sbxctr", xdg);
	} else {
		const char *home = getenv("HOME");
		char pwbuf[4096];
		struct passwd pw, *res = NULL;
		if ((!home || home[0] != '/') && getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res &&
		    res->pw_dir[0] == '/')
			home = res->pw_dir;
		if (home && home[0] == '/')
			snprintf(state_dir_buf, sizeof(state_dir_buf), "%s/.local/state/sbxctr", home);
		else
			/* no home at all: where systemd would have put the runtime directory (creating it fails clearly) */
			snprintf(state_dir_buf, sizeof(state_dir_buf), "/run/user/%u/sbxctr", (unsigned)geteuid());
	}
}

const char *sbx_state_dir(void)
{
	/* resolved once: the environment and the user it reads do not change during a run */
	pthread_once(&state_dir_once, state_dir_resolve);
	return state_dir_buf;
}

int sbx_state_dir_create(struct sbx_error *err)
{
	const char *dir = sbx_state_dir();
	/*
	 * Root's is traversed by every sandbox on its way to the attach point
	 * (rootfs/mount.c): 0711. A user's is theirs alone: 0700, and its
	 * parents (~/.local/state) are made as needed.
	 */
	mode_t mode = geteuid() == 0 ? 0711 : 0700;
	if (mkdir(dir, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || geteuid() == 0)
		return sbx_err_sys(err, "state directory %s", dir);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return sbx_err_sys(err, "state directory %s: creating %s", dir, p);
		*s = '/';
	}
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return sbx_err_sys(err, "state directory %s", dir);
	return 0;
}

char *sbx_default_socket_path(void)
{
	return sbx_xasprintf("%s/api.sock", sbx_state_dir());
}

int sbx_remove_tree_at(int parent_fd, const char *name, int depth)
{
	if (depth > 64)
		return -ELOOP;
	if (unlinkat(parent_fd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			r = sbx_remove_tree_at(dirfd(d), e->d_name, depth + 1);
	closedir(d);
	if (r == 0 && unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

ssize_t sbx_send_with_fd(int sock, const void *buf, size_t len, int fd)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	ssize_t n = sbx_send_fds(sock, &iov, 1, &fd, fd >= 0 ? 1 : 0);
	if (n < 0) {
		errno = (int)-n;
		return -1;
	}
	return n;
}

ssize_t sbx_recv_with_fd(int sock, void *buf, size_t len, int *ret_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	*ret_fd = -1;
	for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
	return n;
}

int sbx_proc_stat(pid_t pid, char *ret_state, uint64_t *ret_start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ssize_t n = sbx_read_file_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n == -ENOENT)
		return -ESRCH;
	if (n < 0)
		return (int)n;
	/* the command name may hold spaces and parentheses: fields start after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EINVAL;
	char state = p[2];
	p += 3;
	/* fields 4 to 21, then 22: starttime */
	for (int f = 4; f <= 21; f++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	uint64_t start = strtoull(p + 1, NULL, 10);
	if (ret_state)
		*ret_state = state;
	if (ret_start)
		*ret_start = start;
	return 0;
}

int sbx_send_fd(int sock, const void *data, size_t len, int fd)
{
	return sbx_send_with_fd(sock, data, len, fd) < 0 ? -errno : 0;
}

void sbx_now_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

unsigned sbx_usable_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

void sbx_sweep_pid_dirs(const char *base)
{
	_cleanup_closedir_ DIR *d = opendir(base);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		int pid;
		if (sbx_parse_int(e->d_name, &pid) < 0 || pid <= 0)
			continue;
		/* a live pid owns its directory: only the dead ones' go (a user's, not a tmpfs, with their files) */
		if (kill(pid, 0) < 0 && errno == ESRCH)
			sbx_remove_tree_at(dirfd(d), e->d_name, 0);
	}
}

ssize_t sbx_send_fds(int sock, const struct iovec *iov, size_t n_iov, const int *fds, size_t nfds)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = n_iov};
	if (nfds > 4)
		return -EINVAL;
	if (nfds) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}


const char *sbx_strv_getenv(char *const *env, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

int sbx_find_program(const char *prog, char *const *env, char *buf, size_t size, struct sbx_error *err)
{
	if (strchr(prog, '/')) {
		snprintf(buf, size, "%s", prog);
		return 0;
	}
	const char *path = sbx_strv_getenv(env, "PATH");
	int first_err = ENOENT;
	for (const char *p = path ? path : SBX_DEFAULT_PATH;; p++) {
		const char *end = strchrnul(p, ':');
		int n = snprintf(buf, size, "%.*s%s%s", (int)(end - p), p, end == p ? "" : "/", prog);
		struct stat st;
		if (n > 0 && (size_t)n < size && stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(buf, X_OK) == 0)
				return 0;
			first_err = EACCES;
		}
		if (!*end)
			break;
		p = end;
	}
	sbx_err_errno(err, first_err, "exec \"%s\"", prog);
	err->kind = first_err == ENOENT ? SBX_ERRK_EXEC_NOENT : SBX_ERRK_EXEC_PERM;
	return -first_err;
}

int sbx_ns_to_join(pid_t pid)
{
	static const struct {
		const char *name;
		int flag;
	} ns[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},   {"pid", CLONE_NEWPID},
		  {"net", CLONE_NEWNET},   {"ipc", CLONE_NEWIPC},  {"uts", CLONE_NEWUTS},
		  {"cgroup", CLONE_NEWCGROUP}, {"time", SBX_CLONE_NEWTIME}};
	int flags = 0;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char a[64], b[64];
		struct stat sa, sb;
		snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, ns[i].name);
		snprintf(b, sizeof(b), "/proc/self/ns/%s", ns[i].name);
		if (stat(a, &sa) < 0)
			continue; /* a kernel without that namespace kind */
		if (stat(b, &sb) < 0 || sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev)
			flags |= ns[i].flag;
	}
	return flags;
}

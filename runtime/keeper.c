/* SPDX-License-Identifier: Apache-2.0 */
/* Kept user namespaces for an ordinary user's slots: see keeper.h. */
#include "runtime/keeper.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

unsigned sbx_keeper_idle(void)
{
	const char *v = getenv("SBXCTR_USERNS_KEEP");
	if (!v || !*v)
		return SBX_KEEPER_IDLE_DEFAULT;
	char *end;
	errno = 0;
	unsigned long s = strtoul(v, &end, 10);
	if (errno || *end || s > 86400) {
		sbx_warn("SBXCTR_USERNS_KEEP=%s: not a number of seconds (0..86400): %u taken", v,
			 SBX_KEEPER_IDLE_DEFAULT);
		return SBX_KEEPER_IDLE_DEFAULT;
	}
	return (unsigned)s;
}

static int cmp_idmap(const void *a, const void *b)
{
	const struct sbx_idmap *x = a, *y = b;
	return x->container_id < y->container_id ? -1 : x->container_id > y->container_id;
}

bool sbx_keeper_map_matches(const char *text, const struct sbx_idmap *m, size_t n)
{
	if (n == 0 || n > SBX_IDMAP_LINES_MAX)
		return false;
	_cleanup_free_ struct sbx_idmap *got = sbx_xcalloc(SBX_IDMAP_LINES_MAX, sizeof(*got));
	_cleanup_free_ struct sbx_idmap *want = sbx_xcalloc(n, sizeof(*want));
	size_t k = 0;
	const char *p = text;
	while (*p == ' ' || *p == '\n')
		p++;
	while (*p) {
		/* a line: three decimal numbers, as the kernel prints them (right-aligned) */
		unsigned long v[3];
		for (int i = 0; i < 3; i++) {
			while (*p == ' ')
				p++;
			char *end;
			errno = 0;
			v[i] = *p >= '0' && *p <= '9' ? strtoul(p, &end, 10) : 0;
			if (*p < '0' || *p > '9' || errno || v[i] > UINT32_MAX)
				return false;
			p = end;
		}
		if (k == n || (*p != '\n' && *p != '\0' && *p != ' '))
			return false;
		got[k++] = (struct sbx_idmap){.container_id = (uint32_t)v[0], .host_id = (uint32_t)v[1],
					      .size = (uint32_t)v[2]};
		while (*p == ' ' || *p == '\n')
			p++;
	}
	if (k != n)
		return false;
	memcpy(want, m, n * sizeof(*m));
	qsort(got, k, sizeof(*got), cmp_idmap);
	qsort(want, n, sizeof(*want), cmp_idmap);
	return memcmp(got, want, n * sizeof(*want)) == 0;
}

/* ---- the keeper itself ------------------------------------------------------------------ */

/* What the keeper needs after the fork, all made before it (the runtime may have threads). */
struct keeper_args {
	int listen_fd;		/* bound to $STATE/keepers/<slot>.sock and listening */
	ino_t sock_ino;		/* that path's inode: unlinked at the end only if still ours */
	char sock_path[4096];
	char slot_lock[4096];	/* $STATE/slots/<slot>.lock */
	unsigned idle;
	int report_wr, go_rd;
};

/* A start's requests (one byte each) */
#define KEEPER_ASK 'n'	   /* the namespace, please */
#define KEEPER_LEAVE 'q'   /* its maps are out of date: leave */
#define KEEPER_DISPOSE 'd' /* with a descriptor: close it for me */

/* The keeper's answer to each start: its pid (whose maps the start checks) and its namespace. */
struct keeper_hello {
	int32_t pid;
};

static uint64_t mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static void unlink_if_mine(const struct keeper_args *a)
{
	struct stat st;
	if (stat(a->sock_path, &st) == 0 && st.st_ino == a->sock_ino)
		unlink(a->sock_path);
}

/* Waits up to 2 s for one byte (and a descriptor) on conn; 0 when none came. */
static char recv_request(int conn, int *ret_fd)
{
	struct pollfd p = {.fd = conn, .events = POLLIN};
	char c = 0;
	*ret_fd = -1;
	if (poll(&p, 1, 2000) != 1 || sbx_recv_with_fd(conn, &c, 1, ret_fd) != 1)
		return 0;
	return c;
}

/*
 * One start's request: KEEPER_ASK, the namespace handed over, then its
 * answer, nothing (closed) or KEEPER_LEAVE (maps out of date: true);
 * KEEPER_DISPOSE, a finished sandbox's mount namespace, closed here.
 */
static bool serve_one(int conn, int ns_fd)
{
	int fd;
	char c = recv_request(conn, &fd);
	if (c == KEEPER_DISPOSE) {
		/*
		 * The last reference once the runtime closed its own and then
		 * the connection: the kernel unmounts the sandbox's tree at our
		 * close, in our time, not the runtime's.
		 */
		struct pollfd p = {.fd = conn, .events = POLLIN};
		char eof;
		if (poll(&p, 1, 2000) == 1)
			(void)!read(conn, &eof, 1);
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (fd >= 0)
		close(fd);
	struct keeper_hello h = {.pid = getpid()};
	if (c != KEEPER_ASK || sbx_send_fd(conn, &h, sizeof(h), ns_fd) < 0)
		return false;
	c = recv_request(conn, &fd);
	if (fd >= 0)
		close(fd);
	return c == KEEPER_LEAVE;
}

/*
 * The keeper: makes the user namespace, reports, waits to be mapped, then
 * hands it to each start that connects, until idle seconds passed without
 * one while nobody holds the slot.
 */
static _Noreturn void keeper_main(const struct keeper_args *a)
{
	struct {
		pid_t pid;
		int err;
	} rep = {getpid(), 0};
	if (unshare(CLONE_NEWUSER) < 0)
		rep.err = errno;
	/* (unshare made us non-dumpable: our memory, a copy of the runtime's, stays out of reach) */
	if (write(a->report_wr, &rep, sizeof(rep)) != (ssize_t)sizeof(rep) || rep.err)
		_exit(1);
	char go = 0;
	ssize_t n;
	while ((n = read(a->go_rd, &go, 1)) < 0 && errno == EINTR)
		;
	if (n != 1 || go != 1) {
		unlink_if_mine(a); /* the runtime could not map us, or died: nobody may use this namespace */
		_exit(0);
	}
	close(a->report_wr);
	close(a->go_rd);
	int ns_fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (ns_fd < 0) {
		unlink_if_mine(a);
		_exit(1);
	}
	uint64_t last = mono_s();
	for (;;) {
		struct pollfd p = {.fd = a->listen_fd, .events = POLLIN};
		int r = poll(&p, 1, a->idle < 2 ? 250 : 1000);
		if (r == 1) {
			int conn = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (conn < 0)
				continue;
			bool quit = serve_one(conn, ns_fd);
			close(conn);
			last = mono_s();
			if (quit)
				break;
			continue;
		}
		if (mono_s() - last < a->idle)
			continue;
		/* idle; but a start holding the slot may be about to connect */
		int lfd = open(a->slot_lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) < 0) {
			close(lfd);
			continue;
		}
		break;
	}
	unlink_if_mine(a);
	_exit(0);
}

/*
 * ps shows a process's command line from its own memory: ours is the
 * runtime's (or the embedding program's), copied at the fork. Said what
 * we are instead, over it (fields 48 and 49 of /proc/self/stat bound it).
 */
static void rename_cmdline(void)
{
	char buf[1024];
	if (sbx_read_file_at(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf)) <= 0)
		return;
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return;
	p += 2; /* field 3 */
	for (int f = 3; f < 48 && p; f++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return;
	char *end;
	unsigned long long start = strtoull(p, &end, 10), stop = *end == ' ' ? strtoull(end + 1, NULL, 10) : 0;
	if (!start || stop <= start || stop - start < sizeof(SBX_KEEPER_NAME))
		return;
	memset((void *)(uintptr_t)start, 0, stop - start);
	memcpy((void *)(uintptr_t)start, SBX_KEEPER_NAME, sizeof(SBX_KEEPER_NAME));
}

/* In the forked child: a detached process with nothing of the runtime's but what keeper_main needs. */
static _Noreturn void keeper_start(struct keeper_args *a)
{
	/* the grandchild, so that nobody has to reap it: it belongs to init (or a subreaper) */
	if (setsid() < 0 && errno != EPERM)
		_exit(1);
	pid_t pid = fork();
	if (pid != 0)
		_exit(pid < 0);
	prctl(PR_SET_NAME, SBX_KEEPER_NAME, 0, 0, 0);
	rename_cmdline();
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, s == SIGHUP || s == SIGINT || s == SIGPIPE ? SIG_IGN : SIG_DFL);
	/*
	 * Nothing of the caller's: no pipe of theirs stays open (a shell
	 * waiting for EOF), no lock (the slot's), no directory in use.
	 */
	int *keep[] = {&a->listen_fd, &a->report_wr, &a->go_rd};
	for (int i = 0; i < 3; i++) {
		int high = fcntl(*keep[i], F_DUPFD_CLOEXEC, 10);
		if (high < 0 || dup2(high, 3 + i) < 0)
			_exit(1);
		*keep[i] = 3 + i;
	}
	syscall(SYS_close_range, 6, ~0U, 0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 || chdir("/") < 0)
		_exit(1);
	close(null);
	keeper_main(a);
}

/* ---- finding or making one ----------------------------------------------------------------- */

static bool maps_match(pid_t pid, const struct sbx_identity *id)
{
	char path[64], buf[SBX_IDMAP_LINES_MAX * 40];
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (sbx_read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 ||
	    !sbx_keeper_map_matches(buf, id->uid_map, id->n_uid_map))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	return sbx_read_file_at(AT_FDCWD, path, buf, sizeof(buf)) >= 0 &&
	       sbx_keeper_map_matches(buf, id->gid_map, id->n_gid_map);
}

/* path as a unix socket address; false when it does not fit */
static bool unix_addr(const char *path, struct sockaddr_un *sa)
{
	*sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa->sun_path))
		return false;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return true;
}

/* Only processes of ours can listen in our state directory (0700). */
static int connect_keeper(const char *path)
{
	struct sockaddr_un sa;
	if (!unix_addr(path, &sa))
		return -1;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

static char *keeper_path(unsigned slot)
{
	return sbx_xasprintf("%s/keepers/%u.sock", sbx_state_dir(), slot);
}

/* The request sent: a connected socket for take_answer, or -1 (no keeper listens there). */
static int ask_keeper(const char *path)
{
	int s = connect_keeper(path);
	char ask = KEEPER_ASK;
	if (s >= 0 && write(s, &ask, 1) != 1) {
		close(s);
		s = -1;
	}
	return s;
}

/*
 * The answer to asked (closed here): the slot keeper's namespace if it is
 * mapped as id plans, else -1 (a keeper whose maps no longer match, after
 * /etc/subuid changed, is told to leave).
 */
static int take_answer(int asked, const struct sbx_identity *id)
{
	_cleanup_close_ int s = asked;
	if (s < 0)
		return -1;
	struct keeper_hello h = {0};
	int fd = -1;
	/* a keeper answers at once; one that hangs is not waited for long */
	struct timeval tv = {.tv_sec = 2};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sbx_recv_with_fd(s, &h, sizeof(h), &fd) != (ssize_t)sizeof(h) || fd < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* it waits for our answer: while we check, the pid is still the keeper's */
	if (!maps_match(h.pid, id)) {
		sbx_debug("slot keeper %d: its maps are not this start's plan: told to leave", (int)h.pid);
		char q = KEEPER_LEAVE;
		if (write(s, &q, 1) != 1)
			sbx_debug("slot keeper %d: %s", (int)h.pid, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A new keeper for the slot, listening at path, mapped by the helpers. */
static int make_keeper(const char *path, unsigned slot, const struct sbx_identity *id,
		       const struct sbx_caller *caller, struct sbx_error *err)
{
	struct keeper_args a = {.idle = sbx_keeper_idle(), .listen_fd = -1};
	snprintf(a.sock_path, sizeof(a.sock_path), "%s", path);
	snprintf(a.slot_lock, sizeof(a.slot_lock), "%s/slots/%u.lock", sbx_state_dir(), slot);
	/* bound under a temporary name and renamed over a dead keeper's socket: never a moment without */
	_cleanup_free_ char *tmp = sbx_xasprintf("%s.%d", path, (int)getpid());
	struct sockaddr_un sa;
	if (!unix_addr(tmp, &sa))
		return sbx_err_set(err, ENAMETOOLONG, "slot keeper socket %s: path too long", path);
	_cleanup_close_ int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return sbx_err_sys(err, "slot keeper socket");
	unlink(tmp);
	struct stat st;
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0 || rename(tmp, path) < 0 ||
	    stat(path, &st) < 0) {
		int r = sbx_err_sys(err, "slot keeper socket %s", path);
		unlink(tmp);
		return r;
	}
	a.sock_ino = st.st_ino;
	int rp[2], gp[2];
	if (pipe2(rp, O_CLOEXEC) < 0)
		return sbx_err_sys(err, "pipe for the slot keeper");
	if (pipe2(gp, O_CLOEXEC) < 0) {
		int r = sbx_err_sys(err, "pipe for the slot keeper");
		close(rp[0]);
		close(rp[1]);
		return r;
	}
	_cleanup_close_ int report_rd = rp[0], go_wr = gp[1];
	a.report_wr = rp[1];
	a.go_rd = gp[0];
	a.listen_fd = lfd;
	pid_t mid = fork();
	if (mid == 0)
		keeper_start(&a);
	close(rp[1]);
	close(gp[0]);
	if (mid < 0) {
		unlink(path);
		return sbx_err_sys(err, "fork of the slot keeper");
	}
	int wst;
	while (waitpid(mid, &wst, 0) < 0 && errno == EINTR)
		;
	struct {
		pid_t pid;
		int err;
	} rep = {0, 0};
	ssize_t n;
	while ((n = read(report_rd, &rep, sizeof(rep))) < 0 && errno == EINTR)
		;
	/* from here on, closing go_wr without a 1 tells the keeper to leave (and to take its socket) */
	if (n != (ssize_t)sizeof(rep)) {
		unlink(path);
		return sbx_err_set(err, ECHILD, "the slot keeper did not start");
	}
	if (rep.err)
		return sbx_err_errno(err, rep.err, "the slot keeper's user namespace");
	int r = sbx_identity_apply(id, caller, rep.pid, err);
	if (r < 0)
		return r;
	char go = 1;
	if (write(go_wr, &go, 1) != 1)
		return sbx_err_sys(err, "the slot keeper");
	sbx_debug("slot %u: new keeper %d holds its mapped user namespace", slot, (int)rep.pid);
	int fd = take_answer(ask_keeper(path), id);
	if (fd < 0)
		return sbx_err_set(err, EPROTO, "the new slot keeper %d did not answer", (int)rep.pid);
	return fd;
}

int sbx_keeper_ask(unsigned slot)
{
	_cleanup_free_ char *path = keeper_path(slot);
	return ask_keeper(path);
}

int sbx_keeper_open(unsigned slot, int asked, const struct sbx_identity *id, const struct sbx_caller *caller,
		    struct sbx_error *err)
{
	int fd = take_answer(asked, id);
	if (fd >= 0)
		return fd;
	int r = sbx_state_dir_create(err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = sbx_xasprintf("%s/keepers", sbx_state_dir());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return sbx_err_sys(err, "%s", dir);
	_cleanup_free_ char *path = keeper_path(slot);
	return make_keeper(path, slot, id, caller, err);
}

bool sbx_keeper_dispose(unsigned slot, int *fd)
{
	_cleanup_free_ char *path = keeper_path(slot);
	_cleanup_close_ int s = connect_keeper(path);
	char d = KEEPER_DISPOSE;
	bool sent = s >= 0 && sbx_send_fd(s, &d, 1, *fd) == 0;
	/* ours first, then the connection: the keeper closes its copy only after both */
	close(*fd);
	*fd = -1;
	return sent;
}

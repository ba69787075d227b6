/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp monitor: the parent's side of violation reporting.
 *
 * The child loads the profile's kill decisions as a user-notification filter
 * (see profiles/seccomp_runtime.h) and hands the listener over; a syscall the
 * profile would kill then blocks in the kernel until we read it, and we
 * record its number and architecture before killing the sandbox. This needs
 * nothing from the sandboxed program and covers every process and thread in
 * it, since filters are inherited.
 */
#include "core/cleanup.h"
#include "core/log.h"
#include "runtime/sandbox-internal.h"
#include "core/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

pid_t sbx_sandbox_program_pid(const struct sbx_sandbox *sb)
{
	if (!sb->cfg->init)
		return sb->pid;
	char path[64], buf[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", sb->pid, sb->pid);
	if (sbx_read_file_at(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return -1;
	buf[strcspn(buf, " \n")] = '\0';
	int pid;
	return sbx_parse_int(buf, &pid) == 0 && pid > 0 ? pid : -1;
}

/* The OCI state a listenerPath agent receives with the fd (as runc sends it). */
static int hand_to_agent(struct sbx_sandbox *sb, int fd, pid_t owner, struct sbx_error *err)
{
	const struct sbx_seccomp_plan *sc = sb->seccomp;
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return sbx_err_sys(err, "seccomp listenerPath: socket");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(sc->listener_path) >= sizeof(sa.sun_path))
		return sbx_err_set(err, ENAMETOOLONG, "seccomp listenerPath %s: too long", sc->listener_path);
	memcpy(sa.sun_path, sc->listener_path, strlen(sc->listener_path) + 1);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return sbx_err_sys(err, "seccomp listenerPath %s", sc->listener_path);
	json_object *st = json_object_new_object();
	json_object_object_add(st, "ociVersion", json_object_new_string("1.2.0"));
	json_object *fds = json_object_new_array();
	json_object_array_add(fds, json_object_new_string("seccompFd"));
	json_object_object_add(st, "fds", fds);
	json_object_object_add(st, "pid", json_object_new_int(owner));
	json_object_object_add(st, "metadata", json_object_new_string(sc->listener_metadata ? sc->listener_metadata : ""));
	json_object *state = json_object_new_object();
	json_object_object_add(state, "ociVersion", json_object_new_string("1.2.0"));
	json_object_object_add(state, "id", json_object_new_string("sbxctr"));
	json_object_object_add(state, "status", json_object_new_string("creating"));
	json_object_object_add(state, "pid", json_object_new_int(owner));
	json_object_object_add(state, "bundle", json_object_new_string(sb->cfg->bundle_dir ? sb->cfg->bundle_dir : ""));
	json_object_object_add(st, "state", state);
	const char *text = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN);
	int r = sbx_send_fd(s, text, strlen(text), fd);
	json_object_put(st);
	if (r < 0)
		return sbx_err_errno(err, r, "seccomp listenerPath %s: sending the listener", sc->listener_path);
	return 0;
}

/* The listener is ours: kept for the kill reports, or handed to the profile's agent (listenerPath). */
static int adopt_listener(struct sbx_sandbox *sb, int fd, struct sbx_error *err)
{
	sb->listener_taken = true;
	if (sb->seccomp->has_notify) {
		int r = hand_to_agent(sb, fd, sbx_sandbox_program_pid(sb), err);
		close(fd);
		return r;
	}
	sb->listener = fd;
	return 0;
}

/* The published listener, copied out of the filtered process (pidfd_getfd); the child is let go. */
static int take_published(struct sbx_sandbox *sb, struct sbx_error *err)
{
	struct sbx_handoff *h = sb->handoff;
	pid_t owner = sbx_sandbox_program_pid(sb);
	_cleanup_close_ int pfd = owner == sb->pid ? dup(sb->pidfd) : (int)syscall(SYS_pidfd_open, owner, 0);
	if (pfd < 0)
		return sbx_err_sys(err, "seccomp: pidfd of the filtered process");
	int fd = (int)syscall(SYS_pidfd_getfd, pfd, h->fd, 0);
	if (fd < 0)
		return sbx_err_sys(err, "seccomp: taking the listener (pidfd_getfd)");
	__atomic_store_n(&h->state, 2, __ATOMIC_RELEASE);
	syscall(SYS_futex, &h->state, FUTEX_WAKE, 1, NULL, NULL, 0);
	return adopt_listener(sb, fd, err);
}

/*
 * Waits until the child has published the listener: it is loading its
 * filter (a fraction of a millisecond), then publishes the fd and wakes us.
 * Its wake-up may itself wait for the listener (a profile that kills
 * futex): hence the short timed waits, after which the page is read anyway.
 * About 2 s in all. 1: published; 0: the child failed or died (its message
 * is on the sync socket); -errno.
 */
static int wait_published(struct sbx_sandbox *sb, struct sbx_error *err)
{
	struct sbx_handoff *h = sb->handoff;
	for (int i = 0; i < 2000 && __atomic_load_n(&h->state, __ATOMIC_ACQUIRE) != 1; i++) {
		struct timespec ms = {.tv_nsec = 1000000};
		syscall(SYS_futex, &h->state, FUTEX_WAIT, 0, &ms, NULL, 0);
		siginfo_t si = {0};
		if (__atomic_load_n(&h->state, __ATOMIC_ACQUIRE) != 1 &&
		    (waitid(P_PIDFD, (id_t)sb->pidfd, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid != 0))
			return 0;
	}
	if (__atomic_load_n(&h->state, __ATOMIC_ACQUIRE) != 1)
		return sbx_err_set(err, ETIMEDOUT, "seccomp: the sandbox did not hand over its listener");
	return 1;
}

int sbx_scmon_take_listener(struct sbx_sandbox *sb, struct sbx_error *err)
{
	int r = wait_published(sb, err);
	return r <= 0 ? r : take_published(sb, err);
}

static bool runs_runtime(const struct sbx_sandbox *sb, pid_t pid);

/* Whether fd is a seccomp listener, not a file of the program's that took its number after execve. */
static bool is_listener(int fd)
{
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return strcmp(link, "anon_inode:seccomp notify") == 0;
}

int sbx_scmon_take_listener_sent(struct sbx_sandbox *sb, struct sbx_error *err)
{
	int r = wait_published(sb, err);
	if (r <= 0)
		return r;
	/*
	 * Usually we are quicker than its send and execve; taken this way, the
	 * child is let go (it waits only where the profile refused the send)
	 * and the copy in its message is closed when it comes.
	 */
	struct sbx_handoff *h = sb->handoff;
	pid_t owner = sbx_sandbox_program_pid(sb);
	_cleanup_close_ int pfd = owner == sb->pid ? dup(sb->pidfd) : (int)syscall(SYS_pidfd_open, owner, 0);
	int fd = pfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pfd, h->fd, 0);
	if (fd >= 0 && is_listener(fd)) {
		__atomic_store_n(&h->state, 2, __ATOMIC_RELEASE);
		syscall(SYS_futex, &h->state, FUTEX_WAKE, 1, NULL, NULL, 0);
		return adopt_listener(sb, fd, err);
	}
	if (fd >= 0)
		close(fd);
	else if (runs_runtime(sb, owner))
		return sbx_err_sys(err, "seccomp: taking the listener (pidfd_getfd)");
	/* it has exec'd already (its copy closed): only after its send went through, so the message is queued */
	sb->listener_pending = true;
	return 0;
}

int sbx_scmon_listener_msg(struct sbx_sandbox *sb, int fd, struct sbx_error *err)
{
	if (sb->listener_taken) {
		close(fd); /* taken from the child already: this copy is not needed */
		return 0;
	}
	sb->listener_pending = false;
	return adopt_listener(sb, fd, err);
}

static int notif_recv(int fd, struct seccomp_notif *req)
{
	memset(req, 0, sizeof(*req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return -errno;
	return 0;
}

static void record(struct sbx_sandbox *sb, const struct seccomp_notif *req)
{
	struct sbx_result *res = &sb->res;
	if (res->seccomp_kill)
		return; /* the first violation is the verdict */
	res->seccomp_kill = true;
	res->seccomp_nr = req->data.nr;
	if (sbx_seccomp_syscall_name(req->data.arch, req->data.nr, res->seccomp_syscall,
				     sizeof(res->seccomp_syscall)) < 0)
		snprintf(res->seccomp_syscall, sizeof(res->seccomp_syscall), "?");
	snprintf(res->seccomp_arch, sizeof(res->seccomp_arch), "%s",
		 sbx_seccomp_audit_arch_label(req->data.arch, req->data.nr));
}

/*
 * Whether task pid still runs our own code (it has not exec'd the program
 * yet): this runtime's binary, or the --init stub, which starts the program
 * from its own process (runtime/init-stub/init_stub.c).
 */
static bool runs_runtime(const struct sbx_sandbox *sb, pid_t pid)
{
	char path[64];
	struct stat a, b;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (stat(path, &a) < 0)
		return false;
	if (stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return true;
	return sb->init_stub_fd >= 0 && fstat(sb->init_stub_fd, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int sbx_scmon_setup_event(struct sbx_sandbox *sb, struct sbx_error *err)
{
	/*
	 * execve closes the sync socket before the program makes its first
	 * syscall, so "no EOF yet" proves this notification comes from our own
	 * set-up code; after EOF it is the program's and the supervisor's.
	 */
	char c;
	if (recv(sb->sync_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
		return 1;
	struct seccomp_notif req;
	int r = notif_recv(sb->listener, &req);
	if (r == -ENOENT || r == -EINTR)
		return 0;
	if (r < 0)
		return sbx_err_errno(err, r, "seccomp: reading a notification");
	/*
	 * No EOF is not enough: with --init, the init's copy of the sync socket
	 * may outlive the program's execve by a moment. Our own last steps run
	 * the sbxctr binary; a task running anything else is the program.
	 */
	if (!runs_runtime(sb, (pid_t)req.pid) || ioctl(sb->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0) {
		record(sb, &req);
		sbx_sandbox_kill(sb, SBX_REASON_SECCOMP);
		return 0;
	}
	if (req.data.nr == __NR_execve || req.data.nr == __NR_execveat) {
		record(sb, &req);
		sbx_sandbox_kill(sb, SBX_REASON_SECCOMP);
		return sbx_err_set(err, EPERM, "seccomp: the profile %s kills execve: the program cannot start",
				   sb->cfg->seccomp_doc ? sb->cfg->seccomp_doc : "");
	}
	/* the runtime's own last steps (the listener's hand-off, close): let them through */
	struct seccomp_notif_resp resp = {.id = req.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
	if (ioctl(sb->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
		return sbx_err_sys(err, "seccomp: answering a notification");
	return 0;
}

void sbx_scmon_violation(struct sbx_sandbox *sb)
{
	struct seccomp_notif req;
	int r = notif_recv(sb->listener, &req);
	if (r < 0) {
		if (r != -EINTR && r != -ENOENT) {
			close(sb->listener); /* no filtered task left (or a broken listener) */
			sb->listener = -1;
		}
		return;
	}
	record(sb, &req);
	/* the task stays blocked in the kernel until it dies with the rest of the sandbox */
	sbx_sandbox_kill(sb, SBX_REASON_SECCOMP);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NOTIFY_SOCKET for containers whose program calls sd_notify(3) (podman
 * --sdnotify=container, systemd units of Type=notify around an engine), as
 * runc and crun pass it: `create` binds the container's notify/ directory
 * into it at /run/notify and sets NOTIFY_SOCKET=/run/notify/notify.sock in
 * its environment; `start` listens there before the process runs and
 * returns once it said READY=1 (or ended), forwarding READY=1 and MAINPID
 * to the caller's own NOTIFY_SOCKET.
 */
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "runtime/notify.h"

#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int sbx_notify_prepare(struct sbx_config *cfg, const char *ctr_dir)
{
	cfg->mounts = sbx_xrealloc(cfg->mounts, (cfg->n_mounts + 1) * sizeof(*cfg->mounts));
	struct sbx_mount *m = &cfg->mounts[cfg->n_mounts++];
	*m = (struct sbx_mount){
		.destination = sbx_xstrdup(SBX_NOTIFY_DIR),
		.type = sbx_xstrdup("bind"),
		.source = sbx_xasprintf("%s/" SBX_NOTIFY_SUBDIR, ctr_dir),
	};
	static const char *const opts[] = {"bind", "nosuid", "nodev", "noexec", NULL};
	m->options = sbx_strv_copy((char *const *)opts);
	sbx_config_setenv(cfg, "NOTIFY_SOCKET=" SBX_NOTIFY_DIR "/" SBX_NOTIFY_SOCK);
	return 0;
}

/* The unix address of path ("@name": abstract), its length in *ret_len. */
static int notify_addr(const char *path, struct sockaddr_un *sa, socklen_t *ret_len)
{
	size_t len = strlen(path);
	*sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	if (len == 0 || len >= sizeof(sa->sun_path))
		return -EINVAL;
	memcpy(sa->sun_path, path, len);
	if (sa->sun_path[0] == '@')
		sa->sun_path[0] = '\0';
	*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '@' ? 0 : 1));
	return 0;
}

int sbx_notify_listen(int dir_fd, struct sbx_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" SBX_NOTIFY_SUBDIR "/" SBX_NOTIFY_SOCK, dir_fd);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sbx_err_sys(err, "NOTIFY_SOCKET: socket");
	unlinkat(dir_fd, SBX_NOTIFY_SUBDIR "/" SBX_NOTIFY_SOCK, 0);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return sbx_err_sys(err, "NOTIFY_SOCKET: binding the container's socket");
	/* the container's own root is an unprivileged id on the host (hardened): anyone may send */
	if (fchmodat(dir_fd, SBX_NOTIFY_SUBDIR "/" SBX_NOTIFY_SOCK, 0777, 0) < 0)
		return sbx_err_sys(err, "NOTIFY_SOCKET: chmod");
	return TAKE_FD(fd);
}

/* Sends msg to the caller's socket (host), as sd_notify would. */
static int forward(const char *host, const char *msg, struct sbx_error *err)
{
	struct sockaddr_un sa;
	socklen_t len;
	if (notify_addr(host, &sa, &len) < 0)
		return sbx_err_set(err, EINVAL, "NOTIFY_SOCKET \"%s\": not a unix socket address", host);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		return sbx_err_sys(err, "NOTIFY_SOCKET %s", host);
	return 0;
}

int sbx_notify_wait_ready(int fd, int pidfd, pid_t pid, const char *host, struct sbx_error *err)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		int n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sbx_err_sys(err, "NOTIFY_SOCKET: poll");
		if (p[0].revents & POLLIN) {
			char buf[4096];
			ssize_t len = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
			if (len < 0)
				continue;
			buf[len] = '\0';
			/* one "KEY=value" a line; only READY=1 ends the wait, the rest is the program's status */
			for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
				if (strcmp(l, "READY=1") != 0)
					continue;
				char msg[64];
				snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%d", (int)pid);
				sbx_debug("NOTIFY_SOCKET: the container is ready");
				return forward(host, msg, err);
			}
		} else if (p[1].revents) {
			sbx_debug("NOTIFY_SOCKET: the container ended before READY=1");
			return 0;
		}
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console_recv SOCKET OUT [INPUT]: what an engine does with
 * --console-socket. Listens on the unix socket SOCKET, takes one
 * connection and one message carrying a pty master (SCM_RIGHTS) with the
 * pty's name as data, writes "name=NAME fds=N" to OUT, then INPUT (if any)
 * to the master, then appends everything the pty prints until it hangs up
 * (the container is gone) or 10 s pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: console_recv SOCKET OUT [INPUT]\n");
		return 2;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0) {
		perror("console_recv: listen");
		return 1;
	}
	/* ready: the caller waits for the socket file */
	int c = accept(l, NULL, NULL);
	if (c < 0) {
		perror("console_recv: accept");
		return 1;
	}
	char name[256] = "", cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(c, &mh, 0);
	if (n < 0) {
		perror("console_recv: recvmsg");
		return 1;
	}
	name[n] = '\0';
	int fds = 0, master = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			fds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(&master, CMSG_DATA(cm), sizeof(int));
		}
	}
	FILE *out = fopen(argv[2], "w");
	if (!out)
		return 1;
	fprintf(out, "name=%s fds=%d\n", name, fds);
	fflush(out);
	if (master < 0)
		return 1;
	if (argc > 3 && write(master, argv[3], strlen(argv[3])) < 0)
		perror("console_recv: write");
	for (;;) {
		struct pollfd p = {.fd = master, .events = POLLIN};
		if (poll(&p, 1, 10000) <= 0)
			break;
		char buf[4096];
		ssize_t r = read(master, buf, sizeof(buf));
		if (r <= 0)
			break; /* EIO: every slave is closed */
		fwrite(buf, 1, (size_t)r, out);
		fflush(out);
	}
	fclose(out);
	return 0;
}

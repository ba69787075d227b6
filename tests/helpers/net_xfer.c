/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static probe: a TCP bulk transfer to measure shaped rates.
 *
 *   net_xfer recv PORT            listen on [::]:PORT (v4 too), print "ready",
 *                                 take one connection, count bytes to EOF,
 *                                 answer the count (8 bytes), print "received N"
 *   net_xfer send ADDR PORT BYTES connect, send BYTES, half-close, wait for the
 *                                 receiver's count; print "sent N ms M"; the
 *                                 time runs from connect to the count, so it is
 *                                 the time for all bytes to ARRIVE
 *   net_xfer loop ADDR BYTES      both ends in this program (a forked
 *                                 receiver on an ephemeral port): loopback test
 *   net_xfer push PORT BYTES      listen, print "ready", take one connection,
 *                                 send it BYTES, half-close, wait for the
 *                                 peer's count; print "pushed N"
 *   net_xfer pull ADDR PORT       connect, count bytes to EOF, answer the
 *                                 count; print "pulled N ms M" (from connect
 *                                 to EOF: the time to RECEIVE, for ingress)
 *
 * Exit 0 when every byte arrived, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int fail(const char *what)
{
	fprintf(stderr, "net_xfer: %s: %s\n", what, strerror(errno));
	return 1;
}

static int listen_any(unsigned port, unsigned *ret_port)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int zero = 0, one = 1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
		return -1;
	socklen_t len = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	if (ret_port)
		*ret_port = ntohs(sa.sin6_port);
	return fd;
}

/* Reads fd to EOF, counting the bytes: 0, or 1 (reported) on a read error. */
static int count_to_eof(int fd, uint64_t *ret_total)
{
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("read");
		if (n == 0)
			break;
		total += (uint64_t)n;
	}
	*ret_total = total;
	return 0;
}

static int serve_one(int lfd)
{
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return fail("accept");
	uint64_t total = 0;
	if (count_to_eof(c, &total))
		return 1;
	if (write(c, &total, sizeof(total)) != sizeof(total))
		return fail("write count");
	close(c);
	printf("received %llu\n", (unsigned long long)total);
	fflush(stdout);
	return 0;
}

static int do_recv(unsigned port)
{
	int lfd = listen_any(port, NULL);
	if (lfd < 0)
		return fail("listen");
	printf("ready\n");
	fflush(stdout);
	return serve_one(lfd);
}

static int connect_to(const char *addr, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		len = sizeof(*s6);
	} else {
		errno = EINVAL;
		return -1;
	}
	/* The receiver may still be starting: retry refused connections for 2 s. */
	for (int i = 0; i < 200; i++) {
		int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&ss, len) == 0)
			return fd;
		int e = errno;
		close(fd);
		if (e != ECONNREFUSED) {
			errno = e;
			return -1;
		}
		usleep(10000);
	}
	errno = ECONNREFUSED;
	return -1;
}

/* BYTES to fd, then a half-close and the peer's count back: 0 when it got them all. */
static int send_counted(int fd, uint64_t bytes, uint64_t *ret_got)
{
	memset(buf, 'x', sizeof(buf));
	for (uint64_t left = bytes; left > 0;) {
		size_t chunk = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t n = write(fd, buf, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("write");
		left -= (uint64_t)n;
	}
	shutdown(fd, SHUT_WR);
	uint64_t got = 0;
	size_t have = 0;
	while (have < sizeof(got)) {
		ssize_t n = read(fd, (char *)&got + have, sizeof(got) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail("read count");
		have += (size_t)n;
	}
	*ret_got = got;
	return 0;
}

static int do_send(const char *addr, unsigned port, uint64_t bytes)
{
	int fd = connect_to(addr, port);
	if (fd < 0)
		return fail("connect");
	int64_t t0 = now_us();
	uint64_t got = 0;
	if (send_counted(fd, bytes, &got))
		return 1;
	int64_t t1 = now_us();
	printf("sent %llu ms %lld\n", (unsigned long long)bytes, (long long)((t1 - t0) / 1000));
	fflush(stdout);
	if (got != bytes) {
		fprintf(stderr, "net_xfer: receiver got %llu of %llu bytes\n", (unsigned long long)got,
			(unsigned long long)bytes);
		return 1;
	}
	return 0;
}

static int do_loop(const char *addr, uint64_t bytes)
{
	unsigned port;
	int lfd = listen_any(0, &port);
	if (lfd < 0)
		return fail("listen");
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0)
		_exit(serve_one(lfd));
	close(lfd);
	int r = do_send(addr, port, bytes);
	int st;
	waitpid(pid, &st, 0);
	return r || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
}

static int do_push(unsigned port, uint64_t bytes)
{
	int lfd = listen_any(port, NULL);
	if (lfd < 0)
		return fail("listen");
	printf("ready\n");
	fflush(stdout);
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return fail("accept");
	uint64_t got = 0;
	if (send_counted(c, bytes, &got))
		return 1;
	printf("pushed %llu\n", (unsigned long long)got);
	return got == bytes ? 0 : 1;
}

static int do_pull(const char *addr, unsigned port)
{
	int fd = connect_to(addr, port);
	if (fd < 0)
		return fail("connect");
	int64_t t0 = now_us();
	uint64_t total = 0;
	if (count_to_eof(fd, &total))
		return 1;
	int64_t t1 = now_us();
	if (write(fd, &total, sizeof(total)) != sizeof(total))
		return fail("write count");
	printf("pulled %llu ms %lld\n", (unsigned long long)total, (long long)((t1 - t0) / 1000));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "recv") == 0)
		return do_recv((unsigned)strtoul(argv[2], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], (unsigned)strtoul(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "loop") == 0)
		return do_loop(argv[2], strtoull(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "push") == 0)
		return do_push((unsigned)strtoul(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "pull") == 0)
		return do_pull(argv[2], (unsigned)strtoul(argv[3], NULL, 10));
	fprintf(stderr, "usage: net_xfer recv PORT | send ADDR PORT BYTES | loop ADDR BYTES | push PORT BYTES | "
			"pull ADDR PORT\n");
	return 2;
}

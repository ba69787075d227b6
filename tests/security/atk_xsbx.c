/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_xsbx: two sandboxes running at once must not see each other. The
 * driver starts sandbox A ("serve TOKEN"), which leaves the token wherever
 * a neighbour might look: a SysV shared memory segment, message queue and
 * semaphore set under a fixed key, a POSIX shm object and message queue,
 * an abstract unix socket, a TCP and a UDP port on 127.0.0.1, files in
 * /tmp, /work and /dev/shm. Sandbox B ("probe TOKEN A_HOST_PID") must find
 * none of it (separate ipc, net, mount and pid namespaces, private tmpfs
 * mounts), must not see A's processes in /proc, and must not reach A's
 * host pid. A is in another slot, so it also runs under other host ids.
 * Usage: atk_xsbx serve TOKEN | probe TOKEN A_HOST_PID
 */
#include "atk.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define KEY 0x5b5ec0de
#define PORT 47011
#define ABSTRACT "\0sbx-sec-xsbx"

static socklen_t abstract_addr(struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, ABSTRACT, sizeof(ABSTRACT) - 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof(ABSTRACT) - 1);
}

static struct sockaddr_in lo_addr(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int put_file(const char *path, const char *token)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, token, strlen(token));
	close(fd);
	return n < 0 ? -1 : 0;
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static int serve(const char *token)
{
	/* pid 1 ignores signals it has no handler for: the driver ends us with SIGTERM */
	signal(SIGTERM, on_term);
	int shm = shmget(KEY, 4096, IPC_CREAT | 0666);
	char *p = shm >= 0 ? shmat(shm, NULL, 0) : (void *)-1;
	if (p == (void *)-1)
		return fprintf(stderr, "shm: %s\n", atk_errname(errno)), ATK_SETUP;
	snprintf(p, 4096, "%s", token);
	int mq = msgget(KEY, IPC_CREAT | 0666);
	struct {
		long type;
		char text[64];
	} msg = {1, ""};
	snprintf(msg.text, sizeof(msg.text), "%s", token);
	if (mq < 0 || msgsnd(mq, &msg, sizeof(msg.text), 0) < 0)
		return fprintf(stderr, "msg: %s\n", atk_errname(errno)), ATK_SETUP;
	if (semget(KEY, 1, IPC_CREAT | 0666) < 0)
		return fprintf(stderr, "sem: %s\n", atk_errname(errno)), ATK_SETUP;
	int pshm = shm_open("/sbx-sec-xsbx", O_RDWR | O_CREAT, 0666);
	if (pshm < 0 || write(pshm, token, strlen(token)) < 0)
		return fprintf(stderr, "shm_open: %s\n", atk_errname(errno)), ATK_SETUP;
	struct mq_attr ma = {.mq_maxmsg = 1, .mq_msgsize = 64};
	mqd_t q = mq_open("/sbx-sec-xsbx", O_RDWR | O_CREAT, 0666, &ma);
	if (q == (mqd_t)-1 || mq_send(q, token, strlen(token), 0) < 0)
		return fprintf(stderr, "mq_open: %s\n", atk_errname(errno)), ATK_SETUP;
	if (put_file("/tmp/sbx-sec-xsbx", token) || put_file("/work/sbx-sec-xsbx", token) ||
	    put_file("/dev/shm/sbx-sec-xsbx-file", token))
		return fprintf(stderr, "files: %s\n", atk_errname(errno)), ATK_SETUP;
	struct sockaddr_un ua;
	socklen_t ul = abstract_addr(&ua);
	int us = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (us < 0 || bind(us, (struct sockaddr *)&ua, ul) < 0 || listen(us, 4) < 0)
		return fprintf(stderr, "abstract socket: %s\n", atk_errname(errno)), ATK_SETUP;
	struct sockaddr_in ia = lo_addr();
	int ts = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	setsockopt(ts, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ts < 0 || bind(ts, (struct sockaddr *)&ia, sizeof(ia)) < 0 || listen(ts, 4) < 0) {
		/* lo may be down until the network module brings it up: the namespace is still private */
		fprintf(stderr, "note: tcp listen on 127.0.0.1: %s\n", atk_errname(errno));
	}
	int ds = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ds < 0 || bind(ds, (struct sockaddr *)&ia, sizeof(ia)) < 0)
		fprintf(stderr, "note: udp bind on 127.0.0.1: %s\n", atk_errname(errno));
	printf("ready %d\n", getpid());
	fflush(stdout);
	/* stay until the driver is done with B (it kills us), at most 30 s */
	sleep(30);
	return 0;
}

static void scan_proc(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		n++;
		char p[300], c[512] = "";
		snprintf(p, sizeof(p), "/proc/%s/cmdline", e->d_name);
		long l = atk_read_file(p, c, sizeof(c));
		for (long i = 0; i < l; i++)
			if (!c[i])
				c[i] = ' ';
		if (atk_num(e->d_name) != getpid() || strstr(c, "serve"))
			atk_hole("/proc/%s is not ours: %s", e->d_name, c);
	}
	if (d)
		closedir(d);
	atk_ok("/proc shows %d process(es): only our own", n);
}

static void read_for(const char *what, const char *path, const char *token)
{
	char buf[256];
	long n = atk_read_file(path, buf, sizeof(buf));
	if (n >= 0 && strstr(buf, token))
		atk_hole("%s: %s holds the other sandbox's token", what, path);
	else
		ATK_EXPECT_ERR(what, n < 0 ? (errno = (int)-n, -1) : 0, ENOENT);
}

static int probe(const char *token, pid_t a_pid)
{
	scan_proc();
	ATK_EXPECT_ERR("shmget(the shared key)", shmget(KEY, 0, 0), ENOENT);
	ATK_EXPECT_ERR("msgget(the shared key)", msgget(KEY, 0), ENOENT);
	ATK_EXPECT_ERR("semget(the shared key)", semget(KEY, 0, 0), ENOENT);
	ATK_EXPECT_ERR_FD("shm_open(/sbx-sec-xsbx)", shm_open("/sbx-sec-xsbx", O_RDONLY, 0), ENOENT);
	ATK_EXPECT_ERR("mq_open(/sbx-sec-xsbx)", (long)mq_open("/sbx-sec-xsbx", O_RDONLY), ENOENT);
	read_for("the other sandbox's /tmp file", "/tmp/sbx-sec-xsbx", token);
	read_for("the other sandbox's /work file", "/work/sbx-sec-xsbx", token);
	read_for("the other sandbox's /dev/shm file", "/dev/shm/sbx-sec-xsbx-file", token);

	struct sockaddr_un ua;
	socklen_t ul = abstract_addr(&ua);
	int us = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ATK_EXPECT_ERR("connect(abstract @sbx-sec-xsbx)", connect(us, (struct sockaddr *)&ua, ul), ECONNREFUSED);
	close(us);
	struct sockaddr_in ia = lo_addr();
	int ts = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* a private lo: nobody listens (ECONNREFUSED), or lo is still down (ENETUNREACH) */
	ATK_EXPECT_ERR("connect(127.0.0.1:47011/tcp)", connect(ts, (struct sockaddr *)&ia, sizeof(ia)), ECONNREFUSED,
		       ENETUNREACH);
	close(ts);
	/* our own bind of the same port works: it is a different namespace */
	int ds = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (bind(ds, (struct sockaddr *)&ia, sizeof(ia)) == 0)
		atk_ok("127.0.0.1:47011/udp is free here: the other sandbox's bind is not in our namespace");
	else if (errno == EADDRINUSE)
		atk_hole("127.0.0.1:47011/udp is in use: we share a network namespace");
	else
		atk_note("bind 127.0.0.1:47011/udp: %s", atk_errname(errno));
	close(ds);

	char what[128];
	snprintf(what, sizeof(what), "kill(the other sandbox's host pid %d, 0)", a_pid);
	ATK_EXPECT_ERR(what, kill(a_pid, 0), ESRCH);
	snprintf(what, sizeof(what), "pidfd_open(%d)", a_pid);
	ATK_EXPECT_ERR_FD(what, syscall(SYS_pidfd_open, a_pid, 0), ESRCH);
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/root/tmp/sbx-sec-xsbx", a_pid);
	read_for("via the other sandbox's /proc/<pid>/root", p, token);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2]);
	if (argc == 4 && strcmp(argv[1], "probe") == 0) {
		probe(argv[2], (pid_t)atk_num(argv[3]));
		return atk_finish("atk_xsbx");
	}
	fprintf(stderr, "usage: %s serve TOKEN | probe TOKEN A_HOST_PID\n", argv[0]);
	return ATK_SETUP;
}

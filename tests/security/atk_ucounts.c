/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_ucounts: one sandbox uses up every per-user kernel count it can, to
 * starve the host and its neighbours. The kernel keeps these counts (inotify
 * instances and watches, POSIX message-queue bytes, the max_* namespaces)
 * per user in each user namespace and charges them to the namespace's owner
 * in the parent too: were the owner host root, as for any namespace a root
 * process creates, the sandbox would exhaust host root's share.
 *
 *   exhaust   (sandbox A) creates inotify instances and message queues until
 *             the kernel refuses, checks its own caps (/proc/sys/user) are
 *             finite and read-only, says "ready", holds everything until
 *             SIGTERM
 *   probe     (sandbox B, and the host) one inotify instance and one
 *             message queue must still work
 */
#include "atk.h"

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/inotify.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static long read_cap(const char *name)
{
	char path[128], buf[32];
	snprintf(path, sizeof(path), "/proc/sys/user/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

static int exhaust(void)
{
	signal(SIGTERM, on_term);
	long cap = read_cap("max_inotify_instances");
	if (cap > 0 && cap <= 1024)
		atk_ok("this sandbox's own cap on inotify instances is %ld", cap);
	else
		atk_hole("this sandbox's own cap on inotify instances is %ld (unbounded)", cap);
	int fd = open("/proc/sys/user/max_inotify_instances", O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, "100000", 6) == 6)
		atk_hole("raised its own cap to 100000");
	else
		atk_ok("raising its own cap: %s", atk_errname(errno));
	if (fd >= 0)
		close(fd);
	int n = 0, e = 0;
	for (; n < 100000; n++)
		if (inotify_init1(IN_CLOEXEC) < 0) {
			e = errno;
			break;
		}
	atk_note("inotify instances: %d, then %s", n, atk_errname(e));
	struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = 8192};
	int m = 0, me = 0;
	for (; m < 1000; m++) {
		char name[64];
		snprintf(name, sizeof(name), "/atk-ucounts-%d", m);
		if (mq_open(name, O_CREAT | O_RDWR | O_CLOEXEC, 0600, &attr) < 0) {
			me = errno;
			break;
		}
	}
	atk_note("message queues of 80 KiB: %d, then %s", m, atk_errname(me));
	if (e != EMFILE && e != ENFILE)
		atk_setup("inotify instances did not run out (%s)", atk_errname(e));
	if (me != EMFILE && me != ENOMEM && me != ENOSPC)
		atk_setup("message queues did not run out (%s)", atk_errname(me));
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}

static int probe(void)
{
	int fd = inotify_init1(IN_CLOEXEC);
	if (fd >= 0)
		atk_ok("an inotify instance is still available");
	else
		atk_hole("no inotify instance: %s (the exhausted sandbox's count is ours)", atk_errname(errno));
	char name[64];
	snprintf(name, sizeof(name), "/atk-ucounts-probe-%d", (int)getpid());
	struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = 8192};
	mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attr);
	if (q >= 0) {
		atk_ok("a message queue is still available");
		mq_close(q);
		mq_unlink(name);
	} else {
		atk_hole("no message queue: %s (the exhausted sandbox's bytes are ours)", atk_errname(errno));
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exhaust") == 0)
		exhaust();
	else if (argc > 1 && strcmp(argv[1], "probe") == 0)
		probe();
	else {
		fprintf(stderr, "usage: atk_ucounts exhaust | probe\n");
		return ATK_SETUP;
	}
	return atk_finish("atk_ucounts");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_devnodes: the device nodes in a sandbox's /dev (and the /dev/null that
 * masks /proc files) must be inodes of its own. A bind of the host's
 * /dev/null is the host's inode: an inotify watch on it sees every open and
 * write of /dev/null by any host process, and two sandboxes can signal each
 * other through it.
 *
 *   watch   (sandbox A) watches every node and masked file, says "ready",
 *           and on SIGTERM reports any event it saw: none may come while
 *           the host and another sandbox use their own
 *   use     (sandbox B, and the host) opens, reads and writes them
 */
#include "atk.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const struct {
	const char *path;
	unsigned major, minor; /* 0, 0: a masked file, whatever it is */
} nodes[] = {
	{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},	  {"/dev/full", 1, 7},		{"/dev/random", 1, 8},
	{"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},	  {"/proc/kcore", 0, 0},	{"/proc/keys", 0, 0},
	{"/proc/timer_list", 0, 0}, {"/proc/sched_debug", 0, 0}, {"/proc/latency_stats", 0, 0},
};
#define N_NODES (sizeof(nodes) / sizeof(nodes[0]))

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int watch(void)
{
	signal(SIGTERM, on_term);
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0) {
		atk_setup("inotify_init1: %s", atk_errname(errno));
		return 0;
	}
	int wd[N_NODES];
	for (size_t i = 0; i < N_NODES; i++) {
		struct stat st;
		wd[i] = -1;
		if (stat(nodes[i].path, &st) < 0)
			continue; /* a masked file this kernel does not have */
		if (nodes[i].major && (!S_ISCHR(st.st_mode) || major(st.st_rdev) != nodes[i].major ||
				       minor(st.st_rdev) != nodes[i].minor)) {
			atk_setup("%s is not the character device %u:%u", nodes[i].path, nodes[i].major,
				  nodes[i].minor);
			continue;
		}
		wd[i] = inotify_add_watch(in, nodes[i].path, IN_ALL_EVENTS);
		if (wd[i] < 0)
			atk_setup("watch on %s: %s", nodes[i].path, atk_errname(errno));
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	int seen[N_NODES] = {0};
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n; p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len)
			for (size_t i = 0; i < N_NODES; i++)
				if (wd[i] >= 0 && ((struct inotify_event *)p)->wd == wd[i])
					seen[i]++;
	for (size_t i = 0; i < N_NODES; i++) {
		if (wd[i] < 0)
			continue;
		if (seen[i])
			atk_hole("%s: the watch saw %d events of the host's or the neighbour's use", nodes[i].path,
				 seen[i]);
		else
			atk_ok("%s: the watch saw nothing of the others' use", nodes[i].path);
	}
	return 0;
}

static int use(void)
{
	char buf[64];
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < N_NODES; i++) {
			int fd = open(nodes[i].path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
			if (fd < 0)
				fd = open(nodes[i].path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
			if (fd < 0)
				continue;
			if (nodes[i].major) {
				ssize_t r = read(fd, buf, sizeof(buf));
				(void)r;
				r = write(fd, "x", 1);
				(void)r;
			}
			close(fd);
		}
	printf("used every node three times\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "watch") == 0)
		watch();
	else if (argc > 1 && strcmp(argv[1], "use") == 0)
		return use();
	else {
		fprintf(stderr, "usage: atk_devnodes watch | use\n");
		return ATK_SETUP;
	}
	return atk_finish("atk_devnodes");
}

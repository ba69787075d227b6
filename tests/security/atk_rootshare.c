/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_rootshare: two sandboxes on the same rootfs must not meet through its
 * inodes. Bound as it is, the rootfs is the same inodes in every sandbox:
 * one sandbox's flock() on a file blocks another's (a covert channel), and
 * an inotify watch in one sees the other's opens (a view of a neighbour's
 * activity). With a private overlay of the rootfs (--rootfs-overlay, batch's
 * default) each sandbox has inodes of its own.
 *
 *   hold FILE...   (sandbox A) takes an exclusive flock on the first FILE and
 *                  watches them all, says "ready", and on SIGTERM reports any
 *                  event it saw
 *   probe FILE...  (sandbox B, and the host) the same lock, without waiting,
 *                  then opens and reads every FILE
 */
#include "atk.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/inotify.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int hold(int n, char **files)
{
	signal(SIGTERM, on_term);
	int lfd = open(files[0], O_RDONLY | O_CLOEXEC);
	if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		atk_setup("flock(%s): %s", files[0], atk_errname(errno));
		return 0;
	}
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	int wd[16];
	for (int i = 0; i < n && i < 16; i++)
		if ((wd[i] = inotify_add_watch(in, files[i], IN_OPEN | IN_ACCESS | IN_CLOSE_NOWRITE)) < 0)
			atk_setup("watch on %s: %s", files[i], atk_errname(errno));
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	int seen[16] = {0};
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t r;
	while ((r = read(in, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + r; p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len)
			for (int i = 0; i < n && i < 16; i++)
				if (((struct inotify_event *)p)->wd == wd[i])
					seen[i]++;
	for (int i = 0; i < n && i < 16; i++) {
		if (seen[i])
			atk_hole("%s: the watch saw %d events of the others' use", files[i], seen[i]);
		else if (wd[i] >= 0)
			atk_ok("%s: the watch saw nothing of the others' use", files[i]);
	}
	return 0;
}

static int probe(int n, char **files)
{
	int lfd = open(files[0], O_RDONLY | O_CLOEXEC);
	if (lfd < 0) {
		atk_setup("open(%s): %s", files[0], atk_errname(errno));
		return 0;
	}
	if (flock(lfd, LOCK_EX | LOCK_NB) == 0)
		atk_ok("flock(%s): ours alone (the neighbour's lock is on another inode)", files[0]);
	else
		atk_hole("flock(%s): %s: the neighbour's lock reaches us", files[0], atk_errname(errno));
	close(lfd);
	char buf[256];
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < n; i++) {
			int fd = open(files[i], O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			ssize_t r = read(fd, buf, sizeof(buf));
			(void)r;
			close(fd);
		}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "hold") == 0)
		hold(argc - 2, argv + 2);
	else if (argc > 2 && strcmp(argv[1], "probe") == 0)
		probe(argc - 2, argv + 2);
	else {
		fprintf(stderr, "usage: atk_rootshare hold|probe FILE...\n");
		return ATK_SETUP;
	}
	return atk_finish("atk_rootshare");
}

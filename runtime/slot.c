/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/slot.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int slots_dir(void)
{
	char path[4096];
	struct sbx_error e = {0};
	int r = sbx_state_dir_create(&e);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/slots", sbx_state_dir());
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/* Whether the lock file (whose lock we hold or probe) names a live process it was handed over to. */
static bool handed_over_alive(int fd)
{
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *end;
	unsigned long long pid = strtoull(buf, &end, 10), start;
	if (end == buf || *end != ' ' || pid == 0 || pid > INT32_MAX)
		return false;
	start = strtoull(end + 1, &end, 10);
	if (*end != '\n')
		return false;
	uint64_t now;
	char state;
	if (sbx_proc_stat((pid_t)pid, &state, &now) < 0)
		return false;
	/* a zombie init is a stopped container: its range is free again */
	return now == start && state != 'Z' && state != 'X';
}

int sbx_slot_hand_over(struct sbx_slot *slot, pid_t pid, struct sbx_error *err)
{
	uint64_t start;
	int r = sbx_proc_stat(pid, NULL, &start);
	if (r < 0)
		return sbx_err_errno(err, r, "the container's init %d", (int)pid);
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%d %llu\n", (int)pid, (unsigned long long)start);
	if (ftruncate(slot->lock_fd, 0) < 0 || pwrite(slot->lock_fd, buf, (size_t)n, 0) != n)
		return sbx_err_sys(err, "slot %u: handing it over to the container", slot->n);
	return 0;
}

int sbx_slot_acquire(struct sbx_slot *ret, struct sbx_error *err)
{
	_cleanup_close_ int dfd = slots_dir();
	if (dfd < 0)
		return sbx_err_errno(err, dfd, "state directory %s/slots", sbx_state_dir());
	/*
	 * Lowest free slot first: a runtime that crashed left its slot free, so
	 * the next start usually reuses (and so cleans) exactly that slot.
	 */
	for (unsigned n = 0; n < SBX_SLOT_MAX; n++) {
		char name[32];
		snprintf(name, sizeof(name), "%u.lock", n);
		int fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return sbx_err_sys(err, "slot lock %s/slots/%s", sbx_state_dir(), name);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (handed_over_alive(fd)) {
				close(fd);
				continue;
			}
			if (ftruncate(fd, 0) < 0) {
				int e = errno;
				close(fd);
				return sbx_err_errno(err, e, "slot lock %s", name);
			}
			ret->n = n;
			ret->lock_fd = fd;
			return 0;
		}
		int e = errno;
		close(fd);
		if (e != EWOULDBLOCK)
			return sbx_err_errno(err, e, "slot lock %s", name);
	}
	return sbx_err_set(err, EBUSY, "all %d sandbox slots are in use", SBX_SLOT_MAX);
}

void sbx_slot_release(struct sbx_slot *slot)
{
	if (slot->lock_fd >= 0)
		close(slot->lock_fd);
	slot->lock_fd = -1;
}

bool sbx_slot_alive(unsigned n, void *userdata)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/slots/%u.lock", sbx_state_dir(), n);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		return handed_over_alive(fd); /* nobody holds it: closing the fd drops our probe lock */
	return true;
}

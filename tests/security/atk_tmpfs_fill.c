/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_tmpfs_fill: fill the writable tmpfs mounts (/work, /tmp, /dev/shm),
 * whose pages and inodes are host memory. Each must have a size cap no
 * larger than the configured one (the default 64M) and an inode cap; a
 * write past the cap fails with ENOSPC (not a host-wide error), and the
 * number of files that can be created stops at the inode cap (at most
 * MAX_INODES, default 65536 as a generous bound). Everything is deleted
 * again before the next mount is tried.
 * Usage: atk_tmpfs_fill [MAX_BYTES [MAX_INODES]]
 */
#include "atk.h"

#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/stat.h>

static void fill_bytes(const char *dir, unsigned long long cap, unsigned long long max)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/sbx-fill", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return atk_setup("open %s: %s", path, atk_errname(errno));
	static char chunk[1 << 20];
	memset(chunk, 'x', sizeof(chunk));
	unsigned long long total = 0;
	int e = 0;
	for (;;) {
		ssize_t n = write(fd, chunk, sizeof(chunk));
		if (n < 0) {
			e = errno;
			break;
		}
		total += (unsigned long long)n;
		if (total > max + (8ULL << 20)) {
			e = 0;
			break;
		}
	}
	close(fd);
	unlink(path);
	if (e == ENOSPC && total <= cap && total <= max)
		atk_ok("%s: writes stop with ENOSPC after %llu MiB (cap %llu MiB)", dir, total >> 20, cap >> 20);
	else if (e == 0)
		atk_hole("%s: wrote %llu MiB, past the %llu MiB bound", dir, total >> 20, max >> 20);
	else
		atk_hole("%s: writes stopped after %llu MiB with %s (expected ENOSPC at the cap)", dir, total >> 20,
			 atk_errname(e));
}

static void fill_inodes(const char *dir, unsigned long long max)
{
	char path[256];
	unsigned long long n = 0;
	int e = 0;
	for (;; n++) {
		snprintf(path, sizeof(path), "%s/i%llu", dir, n);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			e = errno;
			break;
		}
		close(fd);
		if (n > max) {
			e = 0;
			break;
		}
	}
	for (unsigned long long i = 0; i <= n; i++) {
		snprintf(path, sizeof(path), "%s/i%llu", dir, i);
		unlink(path);
	}
	if (e == ENOSPC)
		atk_ok("%s: file creation stops with ENOSPC after %llu files", dir, n);
	else if (e == 0)
		atk_hole("%s: created more than %llu files: no inode cap (each costs unaccounted kernel memory)", dir,
			 max);
	else
		atk_hole("%s: file creation stopped after %llu files with %s (expected ENOSPC)", dir, n, atk_errname(e));
}

int main(int argc, char **argv)
{
	unsigned long long max = argc > 1 ? strtoull(argv[1], NULL, 0) : 64ULL << 20;
	unsigned long long max_inodes = argc > 2 ? strtoull(argv[2], NULL, 0) : 65536;
	static const char *const dirs[] = {"/work", "/tmp", "/dev/shm"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct statfs sf;
		if (statfs(dirs[i], &sf) < 0) {
			atk_setup("statfs %s: %s", dirs[i], atk_errname(errno));
			continue;
		}
		unsigned long long cap = (unsigned long long)sf.f_blocks * (unsigned long long)sf.f_bsize;
		atk_note("%s: %llu MiB, %llu inodes", dirs[i], cap >> 20, (unsigned long long)sf.f_files);
		if (cap == 0 || cap > max)
			atk_hole("%s: size cap %llu MiB is above %llu MiB", dirs[i], cap >> 20, max >> 20);
		fill_bytes(dirs[i], cap, max);
		fill_inodes(dirs[i], max_inodes);
	}
	return atk_finish("atk_tmpfs_fill");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Pure parsers for the procfs and cgroupfs text that cgroups/ reads (buffers in, values out). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* What /proc/self/mountinfo says about cgroups. */
struct sbx_cgroup_mounts {
	char *cgroup2_mount; /* mount point of the cgroup2 hierarchy (prefers /sys/fs/cgroup); NULL
				if none */
	char *cgroup2_root; /* the hierarchy path mounted there (mountinfo field 4), "/" normally */
	/*
	 * A cgroup v1 hierarchy with controllers is mounted: legacy or hybrid
	 * mode. sbxctr then treats cgroups as unusable and writes nothing, so
	 * that it never touches v1 hierarchies or a hybrid host's unified one.
	 */
	bool v1_controllers;
	char v1_example[64]; /* the first such mount point, for messages */
};

/* Parses mountinfo text. Returns 0, or -EINVAL on a malformed line. */
int sbx_cgroup_parse_mountinfo(const char *buf, struct sbx_cgroup_mounts *ret);
void sbx_cgroup_mounts_clear(struct sbx_cgroup_mounts *m);

/*
 * The cgroup v2 path in /proc/PID/cgroup text (the "0::/path" line) as a new
 * string. Returns 0, or -ENOENT when there is no v2 line.
 */
int sbx_cgroup_parse_proc_cgroup(const char *buf, char **ret_path);

/*
 * Maps a path from /proc/self/cgroup (relative to the cgroup namespace root)
 * into the file system under the cgroup2 mount whose hierarchy root is
 * mount_root. Returns a new "MOUNT/rel" string, or NULL when the cgroup is
 * not below the mounted root.
 */
char *sbx_cgroup_path_join(const char *mount, const char *mount_root, const char *cgroup_path);

/*
 * Flat-keyed files ("key value" lines: cpu.stat, memory.events,
 * cgroup.events, pids.events...). Returns 0, -ENOENT when key is absent,
 * -EINVAL when its value is not a number ("max" is UINT64_MAX).
 */
int sbx_cgroup_parse_keyed(const char *buf, const char *key, uint64_t *ret);

/* A single-value file ("123\n" or "max\n" -> UINT64_MAX). Returns 0 or -EINVAL. */
int sbx_cgroup_parse_value(const char *buf, uint64_t *ret);

/*
 * Checks that a cgroup name is one path component of [A-Za-z0-9_.:@-], 1..128 bytes, not "." or
 * "..".
 */
bool sbx_cgroup_name_valid(const char *name);

/*
 * Validates --cgroup-parent: absolute ("/a/b", from the cgroup2 root) or
 * relative ("a/b", below the runtime's own cgroup); components as above, no
 * "." or ".." components, no empty ones except a single leading "/".
 */
bool sbx_cgroup_parent_valid(const char *path);

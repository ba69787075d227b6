/* SPDX-License-Identifier: Apache-2.0 */
/*
 * systemd's cgroup manager, the engines' way (runc's and crun's
 * --systemd-cgroup): linux.cgroupsPath "slice:prefix:name" names a
 * transient scope "prefix-name.scope" in "slice", which systemd creates
 * over D-Bus (StartTransientUnit, Delegate=yes) with the runtime in it;
 * the runtime then makes the container's cgroup below it as it does in
 * any delegated subtree (cgroup.h). libsystemd's sd-bus is opened with
 * dlopen() only when a scope is asked for: linked, it and its compression
 * and crypto libraries would be loaded by every sbxctr run.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"

/* A parsed "slice:prefix:name". */
struct sbx_systemd_scope {
	char *slice; /* "system.slice" (root) or "user.slice" (a user) when the path leaves it empty */
	char *unit;  /* "prefix-name.scope", or "name.scope" without a prefix */
};

/*
 * Parses linux.cgroupsPath in systemd's form (pure). NULL or "" gives
 * "<default slice>:sbxctr:<id>". Errors name the field and the value.
 */
int sbx_systemd_scope_parse(const char *path, const char *id, bool as_root, struct sbx_systemd_scope *ret,
			    struct sbx_error *err);
void sbx_systemd_scope_clear(struct sbx_systemd_scope *s);

/*
 * Asks systemd for the transient scope with Delegate=yes holding pid, and
 * waits until pid is in it (/proc/PID/cgroup names the scope). Talks
 * to the system bus, or to systemd's private socket where there is no
 * D-Bus daemon (as runc does). Root only for now: a user gets ENOTSUP.
 * Returns 0 or -errno with the bus's own error text.
 */
int sbx_systemd_scope_start(const struct sbx_systemd_scope *s, pid_t pid, const char *description,
			    struct sbx_error *err);

/*
 * After a container's cgroup (removed) at "<unit>.scope/sbxctr/<name>":
 * removes what is left of ours below the scope, once empty (the runtimes'
 * "sbxrt-*" leaves and "sbxctr"), and then the scope's directory if that is
 * empty too. systemd removes a scope's cgroup when its last process
 * leaves, but only once: when that races with our own removal of the
 * container's cgroup (a dying cgroup is EBUSY for a moment), it gives up
 * and the directories stayed for good. Nothing that is not empty is
 * touched; any other path is left alone.
 */
void sbx_systemd_scope_trim(const char *container_cgroup);

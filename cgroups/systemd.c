/* SPDX-License-Identifier: Apache-2.0 */
#include "cgroups/systemd.h"
#include "cgroups/cgroup.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

/* A unit or slice name component as systemd accepts it (unit_name_is_valid's character set). */
static bool unit_chars_ok(const char *s)
{
	if (!*s || strlen(s) > 200)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr(":-_.\\@", *s)))
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int sbx_systemd_scope_parse(const char *path, const char *id, bool as_root, struct sbx_systemd_scope *ret,
			    struct sbx_error *err)
{
	*ret = (struct sbx_systemd_scope){0};
	const char *def_slice = as_root ? "system.slice" : "user.slice";
	if (!path || !*path) {
		if (!id || !unit_chars_ok(id))
			return sbx_err_set(err, EINVAL, "linux.cgroupsPath: absent, and the id \"%s\" cannot name a unit",
					   id ? id : "");
		ret->slice = sbx_xstrdup(def_slice);
		ret->unit = sbx_xasprintf("sbxctr-%s.scope", id);
		return 0;
	}
	/* exactly two colons: "slice:prefix:name", as runc and crun read it */
	const char *c1 = strchr(path, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || strchr(c2 + 1, ':'))
		return sbx_err_set(err, EINVAL,
				   "linux.cgroupsPath: \"%s\" is not slice:prefix:name, which --systemd-cgroup needs", path);
	_cleanup_free_ char *slice = sbx_xasprintf("%.*s", (int)(c1 - path), path);
	_cleanup_free_ char *prefix = sbx_xasprintf("%.*s", (int)(c2 - c1 - 1), c1 + 1);
	const char *name = c2 + 1;
	if (!*name)
		return sbx_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\" has no name (slice:prefix:name)", path);
	if (*slice && (!ends_with(slice, ".slice") || !unit_chars_ok(slice)))
		return sbx_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": the slice \"%s\" is not a slice unit name",
				   path, slice);
	if ((*prefix && !unit_chars_ok(prefix)) || !unit_chars_ok(name))
		return sbx_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": prefix and name must be unit name characters",
				   path);
	if (ends_with(name, ".slice"))
		return sbx_err_set(err, ENOTSUP, "linux.cgroupsPath: \"%s\": a slice as the container's unit is not supported",
				   path);
	/* a name that is already a scope keeps its suffix */
	const char *suffix = ends_with(name, ".scope") ? "" : ".scope";
	ret->unit = *prefix ? sbx_xasprintf("%s-%s%s", prefix, name, suffix) : sbx_xasprintf("%s%s", name, suffix);
	ret->slice = sbx_xstrdup(*slice ? slice : def_slice);
	return 0;
}

void sbx_systemd_scope_clear(struct sbx_systemd_scope *s)
{
	free(s->slice);
	free(s->unit);
	*s = (struct sbx_systemd_scope){0};
}

void sbx_systemd_scope_trim(const char *container_cgroup)
{
	_cleanup_free_ char *parent = sbx_xstrdup(container_cgroup);
	char *slash = strrchr(parent, '/');
	if (!slash)
		return;
	*slash = '\0';
	slash = strrchr(parent, '/');
	if (!slash || strcmp(slash + 1, SBX_CGROUP_DEFAULT_PARENT) != 0)
		return;
	_cleanup_free_ char *scope = sbx_xasprintf("%.*s", (int)(slash - parent), parent);
	if (!ends_with(scope, ".scope"))
		return;
	_cleanup_closedir_ DIR *d = opendir(parent);
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_type == DT_DIR &&
		    strncmp(de->d_name, SBX_CGROUP_RUNTIME_PREFIX, strlen(SBX_CGROUP_RUNTIME_PREFIX)) == 0)
			unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
	/* EBUSY (still in use) and ENOENT (systemd was first) are both fine */
	if (rmdir(parent) == 0 || errno == ENOENT)
		rmdir(scope);
}

/* The few sd-bus calls made here, resolved from libsystemd.so.0 for one call's time. */
struct sdbus {
	void *lib;
	__typeof__(&sd_bus_open_system) open_system;
	__typeof__(&sd_bus_new) new_bus;
	__typeof__(&sd_bus_set_address) set_address;
	__typeof__(&sd_bus_start) start;
	__typeof__(&sd_bus_flush_close_unref) close_unref;
	__typeof__(&sd_bus_message_new_method_call) new_method_call;
	__typeof__(&sd_bus_message_open_container) open_container;
	__typeof__(&sd_bus_message_close_container) close_container;
	__typeof__(&sd_bus_message_append) append;
	__typeof__(&sd_bus_message_unref) message_unref;
	__typeof__(&sd_bus_call) call;
	__typeof__(&sd_bus_error_free) error_free;
};

static int sdbus_load(struct sdbus *b, struct sbx_error *err)
{
	*b = (struct sdbus){0};
	b->lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	/* (explicit constants: every return but the last leaves the table unusable) */
	if (!b->lib) {
		sbx_err_set(err, ELIBACC, "--systemd-cgroup: libsystemd (Debian package libsystemd0): %s", dlerror());
		return -ELIBACC;
	}
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define SYM(field, fn) {#fn, offsetof(struct sdbus, field)}
		SYM(open_system, sd_bus_open_system),
		SYM(new_bus, sd_bus_new),
		SYM(set_address, sd_bus_set_address),
		SYM(start, sd_bus_start),
		SYM(close_unref, sd_bus_flush_close_unref),
		SYM(new_method_call, sd_bus_message_new_method_call),
		SYM(open_container, sd_bus_message_open_container),
		SYM(close_container, sd_bus_message_close_container),
		SYM(append, sd_bus_message_append),
		SYM(message_unref, sd_bus_message_unref),
		SYM(call, sd_bus_call),
		SYM(error_free, sd_bus_error_free),
#undef SYM
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(syms); i++) {
		void *p = dlsym(b->lib, syms[i].name);
		if (!p) {
			dlclose(b->lib);
			b->lib = NULL;
			sbx_err_set(err, ELIBACC, "--systemd-cgroup: libsystemd.so.0 has no %s", syms[i].name);
			return -ELIBACC;
		}
		/* POSIX: a data pointer from dlsym() converts to the function pointer it names */
		memcpy((char *)b + syms[i].off, &p, sizeof(p));
	}
	return 0;
}

/*
 * The system bus, else systemd's own private socket (there may be no D-Bus
 * daemon at all: a minimal host, a container whose init is systemd), which
 * is what runc falls back to. Root only (sbx_systemd_scope_start).
 */
static int bus_open(const struct sdbus *b, sd_bus **ret, struct sbx_error *err)
{
	if (b->open_system(ret) >= 0)
		return 0;
	sd_bus *bus = NULL;
	int r = b->new_bus(&bus);
	if (r >= 0 && (r = b->set_address(bus, "unix:path=/run/systemd/private")) >= 0 && (r = b->start(bus)) >= 0) {
		*ret = bus;
		return 0;
	}
	if (bus)
		b->close_unref(bus);
	return sbx_err_errno(err, -r, "--systemd-cgroup: neither the system bus nor /run/systemd/private answers "
				      "(is systemd the init here?)");
}

/* Whether /proc/PID/cgroup puts pid in the unit (the unified line "0::/.../unit"). */
static bool pid_in_unit(pid_t pid, const char *unit)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	ssize_t n = sbx_read_file_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0)
		return false;
	_cleanup_free_ char *needle = sbx_xasprintf("/%s", unit);
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "0::", 3) != 0)
			continue;
		const char *at = strstr(l, needle);
		return at && (at[strlen(needle)] == '\0' || at[strlen(needle)] == '/');
	}
	return false;
}

static int start_unit(const struct sdbus *b, sd_bus *bus, const struct sbx_systemd_scope *s, pid_t pid,
		      const char *description, struct sbx_error *err)
{
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = b->new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				   "org.freedesktop.systemd1.Manager", "StartTransientUnit");
	/* name, mode, properties a(sv), auxiliary units a(sa(sv)) */
	if (r >= 0)
		r = b->append(m, "ss", s->unit, "fail");
	if (r >= 0)
		r = b->open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = b->append(m, "(sv)(sv)(sv)(sv)", "Description", "s", description, "Slice", "s", s->slice,
			      "Delegate", "b", 1, "PIDs", "au", 1, (uint32_t)pid);
	if (r >= 0)
		r = b->close_container(m);
	if (r >= 0)
		r = b->append(m, "a(sa(sv))", 0);
	if (r < 0) {
		b->message_unref(m);
		return sbx_err_errno(err, -r, "--systemd-cgroup: building the StartTransientUnit call");
	}
	r = b->call(bus, m, 30 * 1000000ULL, &e, &reply);
	b->message_unref(m);
	b->message_unref(reply);
	if (r < 0) {
		sbx_err_errno(err, -r, "--systemd-cgroup: starting %s in %s: %s", s->unit, s->slice,
			      e.message ? e.message : "systemd refused");
		b->error_free(&e);
		return -err->code;
	}
	b->error_free(&e);
	return 0;
}

int sbx_systemd_scope_start(const struct sbx_systemd_scope *s, pid_t pid, const char *description,
			    struct sbx_error *err)
{
	/* a user's scopes would be their systemd --user's, on their own bus: not done (nor testable here) yet */
	if (geteuid() != 0)
		return sbx_err_set(err, ENOTSUP, "--systemd-cgroup: not supported for an ordinary user yet (use the "
						 "cgroupfs manager in a delegated subtree: docs/rootless.md)");
	struct sdbus b;
	int r = sdbus_load(&b, err);
	if (r < 0)
		return r;
	sd_bus *bus = NULL;
	if ((r = bus_open(&b, &bus, err)) == 0) {
		r = start_unit(&b, bus, s, pid, description, err);
		b.close_unref(bus);
	}
	dlclose(b.lib);
	if (r < 0)
		return r;
	/*
	 * The call returns once the start job is queued; systemd moves pid
	 * into the scope when the job runs. Polled, not waited on as a
	 * JobRemoved signal: the fact needed is where pid is.
	 */
	for (int i = 0; i < 10000; i++) {
		if (pid_in_unit(pid, s->unit))
			return 0;
		struct timespec ms = {.tv_nsec = 1000000};
		nanosleep(&ms, NULL);
	}
	return sbx_err_set(err, ETIMEDOUT, "--systemd-cgroup: systemd did not move pid %d into %s within 10 s",
			   pid, s->unit);
}

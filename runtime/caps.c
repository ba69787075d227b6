/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/caps.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"

#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void cap_freep(cap_t *c)
{
	if (*c)
		cap_free(*c);
}

static int fill_set(cap_t c, cap_flag_t flag, uint64_t mask, int last)
{
	for (int i = 0; i <= last; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		cap_value_t v = i;
		if (cap_set_flag(c, flag, 1, &v, CAP_SET) < 0)
			return -errno;
	}
	return 0;
}

int sbx_cap_last_cap(void)
{
	char buf[32];
	if (sbx_read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)) <= 0)
		return CAP_LAST_CAP;
	int v;
	buf[strcspn(buf, "\n")] = '\0';
	if (sbx_parse_int(buf, &v) < 0 || v < 0 || v > 63)
		return CAP_LAST_CAP;
	return v;
}

int sbx_caps_prepare(const struct sbx_process *proc, struct sbx_caps_prepared *ret, struct sbx_error *err)
{
	const struct sbx_caps *caps = &proc->caps;
	int last = sbx_cap_last_cap();
	/* as runc: a capability newer than the running kernel is ignored, not fatal */
	uint64_t all = caps->bounding | caps->effective | caps->permitted | caps->inheritable | caps->ambient;
	for (int i = last + 1; i < 64; i++)
		if (all & (1ULL << i))
			sbx_warn("process.capabilities: %s is unknown to this kernel, ignored", sbx_cap_to_name(i));
	_cleanup_(cap_freep) cap_t c = cap_init(); /* all sets empty */
	if (!c)
		return sbx_err_sys(err, "cap_init");
	int r;
	if ((r = fill_set(c, CAP_EFFECTIVE, caps->effective, last)) < 0 ||
	    (r = fill_set(c, CAP_PERMITTED, caps->permitted, last)) < 0 ||
	    (r = fill_set(c, CAP_INHERITABLE, caps->inheritable, last)) < 0)
		return sbx_err_errno(err, r, "building the capability sets");
	ret->sets = c;
	ret->last_cap = last;
	ret->keep_groups = false;
	c = NULL;
	return 0;
}

void sbx_caps_prepared_free(struct sbx_caps_prepared *p)
{
	if (p->sets)
		cap_free(p->sets);
	p->sets = NULL;
}

int sbx_caps_apply_identity(const struct sbx_process *proc, const struct sbx_caps_prepared *prepared,
			    struct sbx_error *err)
{
	const struct sbx_caps *caps = &proc->caps;
	const int last = prepared->last_cap;
	/* the bounding set first: it needs CAP_SETPCAP, which we still have */
	for (int i = 0; i <= last; i++) {
		if (caps->bounding & (1ULL << i))
			continue;
		if (cap_drop_bound(i) < 0 && errno != EINVAL)
			return sbx_err_sys(err, "dropping %s from the bounding set", sbx_cap_to_name(i));
	}
	/* keep the permitted set across setuid() so that the sets below can be set */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return sbx_err_sys(err, "PR_SET_KEEPCAPS");
	/*
	 * setgroups() whenever the user namespace allows it: a root runtime's
	 * supplementary groups would otherwise follow the sandbox (still
	 * honoured for host files).
	 */
	gid_t groups[1024];
	size_t ng = proc->n_additional_gids < 1024 ? proc->n_additional_gids : 1024;
	for (size_t i = 0; i < ng; i++)
		groups[i] = proc->additional_gids[i];
	if (!prepared->keep_groups && syscall(SYS_setgroups, ng, groups) < 0)
		return sbx_err_sys(err, "setgroups (process.user.additionalGids)");
	if (syscall(SYS_setresgid, proc->gid, proc->gid, proc->gid) < 0)
		return sbx_err_sys(err, "setresgid %u (process.user.gid; is it mapped?)", proc->gid);
	if (syscall(SYS_setresuid, proc->uid, proc->uid, proc->uid) < 0)
		return sbx_err_sys(err, "setresuid %u (process.user.uid; is it mapped?)", proc->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return sbx_err_sys(err, "PR_SET_KEEPCAPS");

	if (cap_set_proc(prepared->sets) < 0)
		return sbx_err_sys(err, "setting capabilities (effective must be within permitted)");
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return sbx_err_sys(err, "clearing ambient capabilities");
	for (int i = 0; i <= last; i++) {
		if (!(caps->ambient & (1ULL << i)))
			continue;
		/* ambient needs the cap in permitted and inheritable; the kernel says EPERM otherwise */
		if (cap_set_ambient(i, CAP_SET) < 0)
			return sbx_err_sys(err, "raising ambient %s (it must be permitted and inheritable)",
					   sbx_cap_to_name(i));
	}
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The parent side of one sandbox: plans, clone3, id maps, set-up hand-off, teardown. */
#include "rootfs/mount.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "cgroups/systemd.h"
#include "runtime/bundle.h"
#include "runtime/keeper.h"
#include "runtime/proctree.h"
#include "runtime/sandbox-internal.h"
#include "core/util.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <linux/nsfs.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const uint64_t ns_clone_flag[SBX_NS__COUNT] = {
	[SBX_NS_USER] = CLONE_NEWUSER, [SBX_NS_PID] = CLONE_NEWPID,	  [SBX_NS_MOUNT] = CLONE_NEWNS,
	[SBX_NS_NET] = CLONE_NEWNET,   [SBX_NS_IPC] = CLONE_NEWIPC,	  [SBX_NS_UTS] = CLONE_NEWUTS,
	[SBX_NS_CGROUP] = CLONE_NEWCGROUP, [SBX_NS_TIME] = CLONE_NEWTIME,
};

void sbx_sandbox_set_hold(struct sbx_sandbox *sb, enum sbx_hold hold)
{
	if (sb->started)
		return;
	sb->hold = hold != SBX_HOLD_NONE;
	sb->hold_filtered = hold == SBX_HOLD_FILTERED;
}

void sbx_sandbox_stage_workdir(struct sbx_sandbox *sb)
{
	if (!sb->started && sb->cfg->workdir.path)
		sb->force_stage = true;
}

void sbx_sandbox_share_workdir(struct sbx_sandbox *sb)
{
	sbx_sandbox_stage_workdir(sb);
	if (!sb->started)
		sb->share_stage = true;
}

const char *sbx_sandbox_stage_path(const struct sbx_sandbox *sb)
{
	/* a user's stage is the child's lent tmpfs: its path is /proc/self/fd/N, ours while we hold N */
	return sbx_stage_ready(&sb->stage) ? sb->stage.path : NULL;
}

int sbx_sandbox_stage_copy_in(struct sbx_sandbox *sb, const struct sbx_config *cfg, struct sbx_error *err)
{
	if (!sbx_stage_ready(&sb->stage))
		return sbx_err_set(err, EINVAL, "the sandbox has no staged workdir");
	return sbx_stage_copy_in(&sb->stage, cfg, err);
}

bool sbx_sandbox_held(const struct sbx_sandbox *sb)
{
	return sb->held;
}

void sbx_sandbox_use_cgroup_root(struct sbx_sandbox *sb, struct sbx_cgroup_root *root)
{
	if (sb->started || sb->cg_root)
		return;
	sb->cg_root = root;
	sb->cg_root_lent = true;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Reaps the child if it has exited (or waits for it when block). */
static int reap(struct sbx_sandbox *sb, bool block, siginfo_t *ret)
{
	if (sb->reaped || sb->pidfd < 0)
		return 0;
	siginfo_t si = {0};
	for (;;) {
		if (waitid(P_PIDFD, (id_t)sb->pidfd, &si, WEXITED | (block ? 0 : WNOHANG)) == 0)
			break;
		if (errno != EINTR)
			return -errno;
	}
	if (si.si_pid == 0)
		return 0; /* still running */
	sb->reaped = true;
	/* its donor thread may go now; joined at free, by when it is usually gone (two wake-ups saved) */
	sbx_spawn_release(sb->spawn);
	if (ret)
		*ret = si;
	return 1;
}

void sbx_sandbox_set_oci(struct sbx_sandbox *sb, const struct sbx_sandbox_oci *oci)
{
	sb->oci = *oci;
	sb->has_oci = true;
	/*
	 * The detached init outlives this process, so it cannot share its
	 * memory; hooks in the init allocate. Both need the fork-style child.
	 */
	if (oci->detach)
		sb->child_hooks = true;
}

void sbx_sandbox_attach_console(struct sbx_sandbox *sb, int in_fd, int out_fd)
{
	sb->console.in_fd = in_fd;
	sb->console.out_fd = out_fd;
}

const char *sbx_sandbox_cgroup_path(const struct sbx_sandbox *sb)
{
	return sb->cg ? sbx_cgroup_path(sb->cg) : NULL;
}

void sbx_sandbox_free(struct sbx_sandbox *sb)
{
	if (!sb)
		return;
	if (sb->detached) {
		/* the init runs on without us: let go of it and of its cgroup, kill nothing */
		sb->reaped = true;
		sbx_cgroup_free(sb->cg);
		sb->cg = NULL;
	}
	if (sb->started && !sb->reaped) {
		/* killing pid 1 of the pid namespace takes every process in it along */
		syscall(SYS_pidfd_send_signal, sb->pidfd, SIGKILL, NULL, 0);
		reap(sb, true, NULL);
	}
	sbx_caps_prepared_free(&sb->caps);
	close_fd(&sb->init_stub_fd);
	/* the sandbox's mounts go now (see sbx_sandbox_start), in the slot keeper's time if there is one */
	if (sb->hopped && sb->mnt_ns_fd >= 0)
		sbx_keeper_dispose(sb->slot.n, &sb->mnt_ns_fd);
	close_fd(&sb->mnt_ns_fd);
	close_fd(&sb->keeper_userns);
	close_fd(&sb->keeper_ask);
	close_fd(&sb->pidfd);
	close_fd(&sb->listener);
	if (sb->cg) {
		struct sbx_error e = {0};
		/* kills whatever is left (a sandbox without its own pid namespace), waits, rmdir */
		if (sbx_cgroup_destroy(sb->cg, 2000, &e) < 0)
			sbx_warn("%s (the next start sweeps it)", e.msg);
		sb->cg = NULL;
	}
	sbx_cgroup_plan_free(sb->cg_plan);
	if (!sb->cg_root_lent)
		sbx_cgroup_root_free(sb->cg_root);
	if (sb->handoff)
		munmap(sb->handoff, sb->handoff_size);
	close_fd(&sb->handoff_fd);
	sbx_strv_free(sb->stub_argv);
	if (sb->release)
		munmap(sb->release, sizeof(*sb->release));
	if (!sb->seccomp_lent)
		sbx_seccomp_plan_free(sb->seccomp);
	for (int i = 0; i < 3; i++) {
		/* stdout and stderr may share one fd when merged */
		if (i == 2 && sb->child_stdio[2] == sb->child_stdio[1])
			sb->child_stdio[2] = -1;
		close_fd(&sb->child_stdio[i]);
	}
	for (size_t i = 0; i < sb->n_pass_fds; i++)
		close_fd(&sb->pass_fds[i]);
	sb->n_pass_fds = 0;
	for (int i = 0; i < 2; i++) {
		close_fd(&sb->out[i].rd);
		if (sb->out[i].close_sink)
			close_fd(&sb->out[i].sink);
	}
	close_fd(&sb->wall_tfd);
	close_fd(&sb->cpu_tfd);
	close_fd(&sb->cpu_clock_fd);
	close_fd(&sb->kill_tfd);
	sbx_stage_destroy(&sb->stage);
	free(sb->res.copy_out);
	close_fd(&sb->sync_fd);
	close_fd(&sb->child_fd);
	close_fd(&sb->status_rd);
	close_fd(&sb->status_wr);
	close_fd(&sb->console.master);
	for (int i = 0; i < SBX_NS__COUNT; i++)
		close_fd(&sb->join_fds[i]);
	sbx_net_state_free(sb->net_state);
	sbx_pasta_stop(sb->pasta);
	sb->pasta = NULL;
	sbx_slot_release(&sb->slot);
	/*
	 * Reaped: nothing runs on the child's stacks or borrows the donor's TLS
	 * any more. Last, so that the donor thread, let go at the reaping, has
	 * usually ended by now and the join does not wait for it.
	 */
	sbx_spawn_free(sb->spawn);
	sb->spawn = NULL;
	free(sb->id);
	free(sb->caller);
	sbx_mount_plan_free(sb->plan);
	free(sb->exec_path);
	free(sb->exec_cfg);
	free(sb);
}

/*
 * The network plan. A config without a network namespace shares the host's
 * network, as the OCI spec says, unless --net/org.sbxctr.net asks otherwise.
 */
static int net_plan(struct sbx_sandbox *sb, unsigned slot, struct sbx_error *err)
{
	const struct sbx_config *cfg = sb->cfg;
	struct sbx_net_spec spec = cfg->net;
	if (!cfg->ns[SBX_NS_NET].enabled && !spec.mode)
		spec.mode = (char *)"host";
	int r = sbx_net_plan_build(&spec, slot, &sb->net, err);
	if (r < 0)
		return r;
	if (cfg->ns[SBX_NS_NET].enabled && cfg->ns[SBX_NS_NET].path &&
	    (r = sbx_net_plan_join(&sb->net, cfg->ns[SBX_NS_NET].path, err)) < 0)
		return r;
	bool rootless = sb->caller->uid != 0;
	if (sb->net.mode == SBX_NET_MODE_VETH && rootless)
		return sbx_err_set(err, EPERM,
				   "--net veth: a veth pair is made in the host's network namespace, which needs "
				   "root (CAP_NET_ADMIN there); as an ordinary user use --net pasta");
	if (sb->net.mode == SBX_NET_MODE_PASTA && !rootless)
		return sbx_err_set(err, EPERM,
				   "--net pasta: for ordinary users (pasta started by root drops to nobody, and "
				   "would outlive a killed runtime); as root use --net veth");
	/*
	 * Egress shaping is a qdisc inside the sandbox's own netns (with pasta,
	 * ingress shaping too): it holds only while the sandbox cannot
	 * administer that netns.
	 */
	const struct sbx_caps *c = &cfg->process.caps;
	uint64_t netadmin = 1ULL << 12; /* CAP_NET_ADMIN */
	bool inside = (sb->net.mode == SBX_NET_MODE_VETH && spec.rate_out) ||
		      (sb->net.mode == SBX_NET_MODE_PASTA && (spec.rate_out || spec.rate_in));
	if (inside && ((c->bounding | c->permitted | c->effective | c->ambient) & netadmin))
		return sbx_err_set(err, EINVAL,
				   "%s: the sandbox holds CAP_NET_ADMIN and could remove its own limit; drop "
				   "the capability or the limit",
				   spec.rate_out ? "--net-rate-out" : "--net-rate-in");
	if (sb->net.new_netns)
		sb->clone_flags |= CLONE_NEWNET;
	else
		sb->clone_flags &= ~(uint64_t)CLONE_NEWNET;
	return 0;
}

struct sbx_sandbox *sbx_sandbox_alloc(const struct sbx_config *cfg)
{
	struct sbx_sandbox *sb = sbx_xcalloc(1, sizeof(*sb));
	clock_gettime(CLOCK_MONOTONIC, &sb->t_create);
	sb->cfg = cfg;
	sb->limits = cfg->limits;
	sb->exec_argv = cfg->process.args;
	sb->exec_env = cfg->process.env;
	sb->caller = sbx_xmalloc(sizeof(*sb->caller));
	sbx_caller_probe(sb->caller);
	sb->sync_fd = sb->child_fd = sb->status_rd = sb->status_wr = sb->pidfd = -1;
	sb->wall_tfd = sb->cpu_tfd = sb->kill_tfd = sb->listener = sb->init_stub_fd = sb->handoff_fd = -1;
	sb->mnt_ns_fd = sb->cpu_clock_fd = sb->keeper_userns = sb->keeper_ask = -1;
	sb->console.master = sb->console.in_fd = sb->console.out_fd = -1;
	sb->oci.start_fd = sb->oci.console_fd = sb->oci.close_fds[0] = sb->oci.close_fds[1] = -1;
	for (int i = 0; i < 3; i++)
		sb->child_stdio[i] = -1;
	for (int i = 0; i < 2; i++)
		sb->out[i].rd = sb->out[i].sink = -1;
	sb->slot.lock_fd = -1;
	sb->stage.fd = -1;
	for (int i = 0; i < SBX_NS__COUNT; i++)
		sb->join_fds[i] = -1;
	return sb;
}

int sbx_sandbox_create(const struct sbx_config *cfg, struct sbx_sandbox **ret, struct sbx_error *err)
{
	int r = sbx_config_validate(cfg, err);
	if (r < 0)
		return r;
	_cleanup_(sbx_sandbox_freep) struct sbx_sandbox *sb = sbx_sandbox_alloc(cfg);
	/*
	 * Under hardened the user and mount namespaces are not optional: sbxctr
	 * never runs a program as host root, and it needs its own mounts to
	 * pivot_root. Under exact the config decides, but the mount namespace
	 * is still always a new one unless one is joined by path.
	 */
	bool exact = cfg->policy == SBX_POLICY_EXACT;
	if (exact && cfg->ns[SBX_NS_USER].path)
		return sbx_err_set(err, ENOTSUP,
				   "config.json: linux.namespaces: joining an existing user namespace (%s) is not "
				   "supported",
				   cfg->ns[SBX_NS_USER].path);
	sb->clone_flags = exact ? 0 : CLONE_NEWUSER;
	if (!exact)
		sb->clone_flags |= CLONE_NEWNS;
	if (exact && !cfg->ns[SBX_NS_MOUNT].enabled && cfg->n_mounts)
		sbx_warn("config.json: no mount namespace: the container shares the runtime's, so its mounts are "
			 "not made (it only gets its root by chroot)");
	for (int i = 0; i < SBX_NS__COUNT; i++)
		if (i != SBX_NS_NET && cfg->ns[i].enabled && !cfg->ns[i].path)
			sb->clone_flags |= ns_clone_flag[i];
	for (int k = SBX_HOOK_CREATE_CONTAINER; k <= SBX_HOOK_START_CONTAINER; k++)
		if (cfg->hooks[k].n)
			sb->child_hooks = true;
	/* validated now with slot 0; rebuilt with the real slot at start (veth defaults) */
	if ((r = net_plan(sb, 0, err)) < 0)
		return r;
	for (int fd = 3; fd < 3 + cfg->preserve_fds; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return sbx_err_set(err, EBADF, "--preserve-fds %d: fd %d is not open", cfg->preserve_fds, fd);
	for (size_t i = 0; i < cfg->process.n_rlimits; i++)
		if (cfg->process.rlimits[i].soft > cfg->process.rlimits[i].hard)
			return sbx_err_set(err, EINVAL, "process.rlimits[%zu]: soft above hard", i);
	if ((r = sbx_mount_plan_build(cfg, &sb->plan, err)) < 0)
		return r;
	/* the limits' values are checked now (pure); the host's controllers at start */
	_cleanup_(sbx_cgroup_plan_freep) struct sbx_cgroup_plan *check = NULL;
	struct sbx_cgroup_plan_opts all = {.mode = (enum sbx_cgroup_mode)cfg->cgroup_mode, .cgroup_usable = true,
					   .available = ~0u};
	if ((r = sbx_cgroup_plan(&cfg->resources, &all, &check, err)) < 0)
		return r;
	/* compiled (or taken from the cache) before anything exists, so that a bad profile costs nothing */
	_cleanup_free_ char *file_text = NULL;
	const char *text = cfg->seccomp_json, *doc = cfg->seccomp_doc ? cfg->seccomp_doc : "seccomp profile";
	if (cfg->seccomp_file && !cfg->seccomp_unconfined) {
		if ((r = sbx_seccomp_read_file(cfg->seccomp_file, &file_text, err)) < 0)
			return r;
		text = file_text;
		doc = cfg->seccomp_file;
	}
	if (text && !cfg->seccomp_unconfined &&
	    (r = sbx_seccomp_plan_build(doc, text, file_text ? NULL : cfg->seccomp_obj, cfg->process.caps.bounding,
					cfg->seccomp_kill_exact, &sb->seccomp, err)) < 0)
		return r;
	*ret = TAKE_PTR(sb);
	return 0;
}

/* struct sbx_rootfs_ids: what the parent creates for the sandbox belongs to its ids. */
static uint32_t host_id_of(const void *ctx, bool is_gid, uint32_t id)
{
	const struct sbx_identity *idt = ctx;
	return is_gid ? sbx_idmap_to_host(idt->gid_map, idt->n_gid_map, id)
		      : sbx_idmap_to_host(idt->uid_map, idt->n_uid_map, id);
}

/*
 * Between clone and GO: process.oomScoreAdj (written by us: lowering it
 * needs CAP_SYS_RESOURCE in the initial user namespace, which the child in
 * its own user namespace never has) and the idmapped rootfs.
 */
static int after_clone(struct sbx_sandbox *sb, struct sbx_error *err)
{
	const struct sbx_config *cfg = sb->cfg;
	char path[64];
	int r;
	if (cfg->process.has_oom_score_adj) {
		char v[16];
		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", sb->pid);
		snprintf(v, sizeof(v), "%d", cfg->process.oom_score_adj);
		if ((r = sbx_write_str_at(AT_FDCWD, path, v)) < 0)
			return sbx_err_errno(err, r, "process.oomScoreAdj %d: writing %s", cfg->process.oom_score_adj,
					     path);
	}
	/*
	 * hardened, with sbxctr's own id range: files owned by host root appear
	 * owned by root inside (and root may write where the root is not
	 * read-only), through an idmapped mount of the rootfs with the
	 * container's user namespace, set while the tree is still detached.
	 */
	if (cfg->idmap_rootfs && (sb->clone_flags & CLONE_NEWUSER) && sb->plan->root_fd >= 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", sb->pid);
		_cleanup_close_ int userns = open(path, O_RDONLY | O_CLOEXEC);
		if (userns < 0)
			return sbx_err_sys(err, "%s", path);
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
		if (mount_setattr(sb->plan->root_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0 &&
		    mount_setattr(sb->plan->root_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
			sbx_debug("rootfs %s: no idmapped mount (%s): its files keep their host owners",
				  sb->plan->root, strerror(errno));
	}
	return 0;
}

/*
 * Namespaces given by path are joined by the runtime itself before clone3,
 * so that the child starts inside them; the child could not setns() into
 * namespaces owned by the host's user namespace from its new one.
 */
static int join_namespaces(struct sbx_sandbox *sb, struct sbx_error *err)
{
	const struct sbx_config *cfg = sb->cfg;
	static const char *const names[SBX_NS__COUNT] = {"user", "pid", "mount", "network", "ipc", "uts",
							 "cgroup", "time"};
	for (int i = 0; i < SBX_NS__COUNT; i++) {
		if (!cfg->ns[i].enabled || !cfg->ns[i].path)
			continue;
		sb->join_fds[i] = open(cfg->ns[i].path, O_RDONLY | O_CLOEXEC);
		if (sb->join_fds[i] < 0)
			return sbx_err_sys(err, "linux.namespaces: %s namespace %s", names[i], cfg->ns[i].path);
		/* the child joins the mount namespace: we still need the host's paths */
		if (i == SBX_NS_MOUNT) {
			if (ioctl(sb->join_fds[i], NS_GET_NSTYPE) != CLONE_NEWNS)
				return sbx_err_set(err, EINVAL, "linux.namespaces: %s is not a mount namespace",
						   cfg->ns[i].path);
			continue;
		}
		if (setns(sb->join_fds[i], (int)ns_clone_flag[i]) < 0)
			return sbx_err_sys(err, "linux.namespaces: joining %s namespace %s", names[i],
					   cfg->ns[i].path);
	}
	return 0;
}

/*
 * --systemd-cgroup: systemd makes the transient scope that linux.cgroupsPath
 * names (slice:prefix:name) with us in it and Delegate=yes; the cgroup
 * root is then opened from there like any delegated one (cgroups/cgroup.h:
 * we move into a leaf of our own, the container's cgroup is made beside
 * it). The scope goes when its last process does, so a failure leaves it
 * to go with us.
 */
static int join_systemd_scope(struct sbx_sandbox *sb, struct sbx_error *err)
{
	const struct sbx_config *cfg = sb->cfg;
	struct sbx_systemd_scope sc;
	const char *id = sb->oci.id ? sb->oci.id : "sbxctr";
	int r = sbx_systemd_scope_parse(cfg->cgroups_path, id, geteuid() == 0, &sc, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *desc = sbx_xasprintf("sbxctr container %s", id);
	r = sbx_systemd_scope_start(&sc, getpid(), desc, err);
	if (r == 0)
		sbx_debug("systemd scope %s in %s", sc.unit, sc.slice);
	sbx_systemd_scope_clear(&sc);
	return r;
}

/*
 * The sandbox's cgroup, with every limit written before anything joins it
 * (the child is born in it by CLONE_INTO_CGROUP), or the rlimit fallbacks
 * the plan chose when cgroups cannot enforce a limit here.
 */
static int setup_cgroup(struct sbx_sandbox *sb, struct sbx_error *err)
{
	const struct sbx_config *cfg = sb->cfg;
	struct sbx_cgroup_root_opts ro = {.mode = (enum sbx_cgroup_mode)cfg->cgroup_mode, .parent = cfg->cgroup_parent};
	/*
	 * A detached container's cgroup outlives us: linux.cgroupsPath ("/a/b"
	 * from the cgroup2 root, "a/b" below ours), else "oci-<id>" in the
	 * usual parent. Its name is never an "sbx-" one, so no sweep takes it.
	 */
	_cleanup_free_ char *oci_parent = NULL, *oci_name = NULL;
	bool named = sb->oci.detach || cfg->cgroups_path;
	int r;
	if (named) {
		const char *cp = cfg->cgroups_path;
		if (cfg->systemd_cgroup && cfg->cgroup_mode != SBX_CGROUP_OFF) {
			/* we join the scope, and the container's cgroup goes below it, as in any delegated subtree */
			if ((r = join_systemd_scope(sb, err)) < 0)
				return r;
			cp = NULL;
		} else if (cp && strchr(cp, ':')) {
			sbx_warn("linux.cgroupsPath \"%s\": the systemd slice:prefix:name form needs --systemd-cgroup; "
				 "using the default cgroup", cp);
			cp = NULL;
		}
		const char *slash = cp ? strrchr(cp, '/') : NULL;
		if (cp && slash && slash[1]) {
			oci_parent = slash == cp ? sbx_xstrdup("/") : sbx_xasprintf("%.*s", (int)(slash - cp), cp);
			oci_name = sbx_xstrdup(slash + 1);
		} else if (cp && !slash && *cp) {
			oci_name = sbx_xstrdup(cp);
		} else {
			oci_name = sbx_xasprintf("oci-%s", sb->oci.id ? sb->oci.id : "sbxctr");
		}
		if (oci_parent)
			ro.parent = oci_parent;
	}
	if (!sb->cg_root && (r = sbx_cgroup_root_open(&ro, &sb->cg_root, err)) < 0)
		return r;
	if (!sb->cg_root_lent && !named && sbx_cgroup_root_usable(sb->cg_root)) {
		struct sbx_error e = {0};
		/* cgroups of runtimes that died (their ownership lock is gone) */
		if (sbx_cgroup_sweep(sb->cg_root, 1000, NULL, &e) < 0)
			sbx_warn("cgroup sweep: %s", e.msg);
	}
	struct sbx_cgroup_plan_opts po;
	sbx_cgroup_root_plan_opts(sb->cg_root, &po);
	/*
	 * The root gives the host's facts; the mode is this run's own. A root
	 * lent by sbxctr batch is opened once for jobs of every mode, and each
	 * job's "cgroups" field must decide for its own sandbox.
	 */
	po.mode = (enum sbx_cgroup_mode)cfg->cgroup_mode;
	/*
	 * An ordinary user without a delegated cgroup gets what --cgroups
	 * best-effort gives (rlimit fallbacks, the rest listed unenforced):
	 * the limits they ask for are theirs to lose, not an error.
	 */
	if (sb->id->rootless && po.mode == SBX_CGROUP_AUTO && !po.cgroup_usable)
		po.mode = SBX_CGROUP_BEST_EFFORT;
	if ((r = sbx_cgroup_plan(&cfg->resources, &po, &sb->cg_plan, err)) < 0)
		return r;
	const struct sbx_cgroup_fallback *fb = &sb->cg_plan->fallback;
	for (size_t i = 0; i < fb->n_unenforced && sb->res.n_unenforced < SBX_MAX_UNENFORCED; i++)
		sb->res.unenforced[sb->res.n_unenforced++] = fb->unenforced[i].limit;
	if (named && sbx_cgroup_root_usable(sb->cg_root))
		return sbx_cgroup_create_named(sb->cg_root, sb->cg_plan, oci_name, &sb->cg, err);
	if (!sb->cg_plan->use_cgroup)
		return 0;
	char label[32];
	snprintf(label, sizeof(label), "slot%u", sb->slot.n);
	return sbx_cgroup_create(sb->cg_root, sb->cg_plan, label, &sb->cg, err);
}

/*
 * Whether the child may share our memory (runtime/spawn.h). A memory
 * cgroup's OOM kill of a task takes every process sharing its address
 * space along, so no task sharing ours may ever be an OOM candidate:
 * --init's pid 1 leaves it (the stub) before the program runs, and the
 * child's own set-up and exec charge a few hundred KiB of kernel memory,
 * which cannot reach a memory.max this far above it. Below it, and where
 * the stub cannot be had, the child gets a copy of our memory instead.
 */
#define SHARE_MIN_MEMORY_MAX (16ULL << 20)

static void choose_spawn(struct sbx_sandbox *sb)
{
	sb->share_memory = SBX_SPAWN_SHARED_VM && !sb->child_hooks &&
			   sbx_cgroup_plan_memory_max(sb->cg_plan) >= SHARE_MIN_MEMORY_MAX;
	/*
	 * A parked child may become an idle pid 1 (SBX_REL_IDLE), which needs
	 * the stub: where it shares our memory; and where it holds a copy,
	 * since that copy (the service's token and every request in it) is
	 * non-dumpable, and for an ordinary user a non-dumpable process whose
	 * memory was not made in the sandbox's user namespace cannot be
	 * joined (setns) by sbx_sandbox_exec(); the exec'd stub's memory is
	 * the sandbox's own.
	 */
	if (!sb->cfg->init && !sb->hold)
		return;
	/* also without sharing: the stub starts the program from its own pages (init_stub.c) */
	struct sbx_error e = {0};
	int fd = sbx_spawn_init_stub(&e);
	if (fd < 0) {
		sbx_debug("%s: the sandbox child gets a copy of the runtime's memory", e.msg);
		sb->share_memory = false;
		return;
	}
	sb->init_stub_fd = fd;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Copies a seccomp program after the hand-off struct, at *off. */
static void handoff_put_prog(struct sbx_handoff *h, struct sbx_handoff_prog *hp, const struct sbx_seccomp_prog *p,
			     size_t *off)
{
	if (!p)
		return;
	size_t n = (size_t)p->len * sizeof(struct sock_filter);
	*hp = (struct sbx_handoff_prog){.off = (uint32_t)*off, .len = p->len, .flags = p->flags,
					.flags_optional = p->flags_optional};
	memcpy((char *)h + *off, p->insns, n);
	*off = align8(*off + n);
}

/*
 * Under --init, the stub's exec drops the clock attached to pid 1 at the
 * clone (struct sbx_handoff's clock_state): the program's process asks
 * for one of its own (take_program_clock), if there is a CPU limit and
 * perf events work here at all (the first clock opened). Before GO or the
 * release: what the child reads after them is what we wrote before.
 */
static void ask_program_clock(struct sbx_sandbox *sb)
{
	/* (a created container's program starts after we are gone: no one would answer) */
	if (sb->handoff && sb->init_stub_fd >= 0 && sb->cfg->init && sb->cpu_clock_fd >= 0 && sb->limits.cpu_time_us &&
	    !sb->oci.detach)
		sb->handoff->flags |= SBX_HANDOFF_CLOCK;
}

/* SBX_MSG_CLOCK: the program's process waits until we have tried; a clock we cannot attach is no error. */
static void take_program_clock(struct sbx_sandbox *sb)
{
	pid_t pid = sbx_sandbox_program_pid(sb);
	int fd = pid > 0 ? sbx_proctree_clock_open(pid) : -1;
	close_fd(&sb->cpu_clock_fd);
	sb->cpu_clock_fd = fd < 0 ? -1 : fd;
	if (fd >= 0)
		sbx_debug("CPU clock: perf task clock on the program's process");
	__atomic_store_n(&sb->handoff->clock_state, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &sb->handoff->clock_state, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/*
 * The area shared with the child (struct sbx_handoff), a memfd so that the
 * --init stub can map it too, with the seccomp programs the stub loads
 * for the program; and the stub's argv, which the child cannot allocate.
 */
static int setup_handoff(struct sbx_sandbox *sb, struct sbx_error *err)
{
	/* the stub starts the program under --init (without, a parked pid 1 may exec it only to idle) */
	bool stub_starts = sb->init_stub_fd >= 0 && sb->cfg->init;
	const struct sbx_seccomp_plan *sc = stub_starts && sb->seccomp && !sb->seccomp->none ? sb->seccomp : NULL;
	size_t size = align8(sizeof(struct sbx_handoff));
	if (sc && sc->main)
		size += align8((size_t)sc->main->len * sizeof(struct sock_filter));
	sb->handoff_fd = memfd_create("sbxctr-handoff", MFD_CLOEXEC);
	if (sb->handoff_fd < 0 || ftruncate(sb->handoff_fd, (off_t)size) < 0)
		return sbx_err_sys(err, "memfd for the sandbox hand-off");
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, sb->handoff_fd, 0);
	if (m == MAP_FAILED)
		return sbx_err_sys(err, "mmap of the sandbox hand-off");
	sb->handoff = m;
	sb->handoff_size = size;
	if (!stub_starts)
		return 0;
	size_t off = align8(sizeof(struct sbx_handoff));
	if (sc) {
		sb->handoff->flags = sc->has_notify || sc->report ? SBX_HANDOFF_LISTENER : 0;
		handoff_put_prog(sb->handoff, &sb->handoff->main, sc->main, &off);
	}
	/* sbxctr-init STATUS_FD SYNC_FD HANDOFF_FD HANDOFF_SIZE -- ARGV... (init_stub.c; SBX_STUB_ARGS before ARGV) */
	char **argv = NULL;
	sbx_strv_push(&argv, "sbxctr-init");
	const long nums[] = {sb->status_wr, sb->child_fd, sb->handoff_fd, (long)size};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(nums); i++) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%ld", nums[i]);
		sbx_strv_push(&argv, buf);
	}
	sbx_strv_push(&argv, "--");
	for (char **a = sb->cfg->process.args; a && *a; a++)
		sbx_strv_push(&argv, *a);
	sb->stub_argv = argv;
	return 0;
}

static void child_entry(void *arg)
{
	sbx_child_main(arg);
}

/*
 * The child born in the slot's kept user namespace (keeper.h, the hop in
 * spawn.h), its own nested in it. False where that failed, which leaves
 * nothing behind: the caller clones as without a keeper.
 */
static bool clone_in_kept(struct sbx_sandbox *sb, struct clone_args *args, long *ret)
{
	const size_t size = (size_t)SBX_IDMAP_LINES_MAX * 36; /* "c c n\n": three 10-digit numbers each */
	_cleanup_free_ char *u = sbx_xmalloc(size), *g = sbx_xmalloc(size);
	long pid = -ENOSPC;
	if (sbx_idmap_format_nested(sb->id->uid_map, sb->id->n_uid_map, u, size) >= 0 &&
	    sbx_idmap_format_nested(sb->id->gid_map, sb->id->n_gid_map, g, size) >= 0) {
		const struct sbx_spawn_hop hop = {.userns_fd = sb->keeper_userns, .uid_map = u, .gid_map = g};
		pid = sbx_spawn_run_hop(sb->spawn, args, child_entry, sb->share_memory, &hop);
	}
	close_fd(&sb->keeper_userns);
	if (pid > 0) {
		sb->hopped = true;
		*ret = pid;
		return true;
	}
	sbx_debug("slot %u: the kept user namespace failed (%s): this start maps its own", sb->slot.n,
		  strerror((int)-pid));
	return false;
}

/* The spawn (its stacks, and the child's own copy of sb: we go on changing ours while it runs). */
static int prepare_spawn(struct sbx_sandbox *sb, struct sbx_error *err)
{
	int r = sbx_spawn_prepare(sizeof(*sb), &sb->spawn, err);
	if (r < 0)
		return r;
	sb->aux_stack = sbx_spawn_aux_stack(sb->spawn, &sb->aux_stack_size);
	memcpy(sbx_spawn_arg(sb->spawn), sb, sizeof(*sb));
	return 0;
}

static int do_clone(struct sbx_sandbox *sb, struct sbx_error *err)
{
	struct clone_args args = {
		/* net_later: the child makes its network namespace itself, beside its mounts */
		.flags = (sb->clone_flags & ~(uint64_t)(sb->net_later ? CLONE_NEWNET : 0)) | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&sb->pidfd,
		.exit_signal = SIGCHLD,
	};
	if (sb->cg) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)sbx_cgroup_fd(sb->cg);
	}
	int r = prepare_spawn(sb, err);
	if (r < 0)
		return r;
	long pid = -1;
	if (sb->keeper_userns >= 0 && !clone_in_kept(sb, &args, &pid)) {
		/* a fresh start: the failed one's donor is released, its stacks unmapped */
		sbx_spawn_free(sb->spawn);
		sb->spawn = NULL;
		if ((r = prepare_spawn(sb, err)) < 0)
			return r;
	}
	if (!sb->hopped) {
		/*
		 * The user namespace belongs to the slot's own unprivileged uid, not to
		 * host root: the kernel charges its per-user counts there (spawn.h).
		 * The slot's base is unique among running sandboxes whatever the
		 * config maps (a bundle's own uidMappings included).
		 */
		const struct sbx_spawn_owner owner = {.uid = SBX_ID_BASE + sb->slot.n * SBX_ID_RANGE,
						      .gid = SBX_ID_BASE + sb->slot.n * SBX_ID_RANGE};
		pid = sbx_spawn_run(sb->spawn, &args, child_entry, sb->share_memory, &owner);
		if (pid < 0)
			return sbx_err_errno(err, (int)-pid, "clone3 into new namespaces");
	}
	sb->pid = (pid_t)pid;
	sb->started = true;
	return 0;
}

/*
 * One message from the child, with the fd it passed along (SBX_MSG_PTY,
 * SBX_MSG_STAGE), if any, and with hold the sender's pid (SO_PASSCRED).
 */
static ssize_t recv_child(struct sbx_sandbox *sb, struct sbx_msg *m, int *ret_fd, pid_t *ret_pid)
{
	char cbuf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	*ret_fd = -1;
	ssize_t n = recvmsg(sb->sync_fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return n;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(ret_fd, CMSG_DATA(cm), sizeof(int));
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;
			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			*ret_pid = uc.pid;
		}
	}
	return n;
}

/* The child's pty master: relayed to the caller's terminal, with its window size. */
static void take_pty(struct sbx_sandbox *sb, int fd)
{
	close_fd(&sb->console.master);
	sb->console.master = fd;
	if (sb->console.out_fd < 0)
		return;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	struct winsize ws;
	if (sb->console.in_fd >= 0 && ioctl(sb->console.in_fd, TIOCGWINSZ, &ws) == 0)
		ioctl(fd, TIOCSWINSZ, &ws);
}

/* prestart and createRuntime hooks, between the child's mounts and its pivot_root. */
static int prepivot(struct sbx_sandbox *sb, struct sbx_error *err)
{
	int r = sb->oci.prepivot(sb->oci.userdata, sb->pid, err);
	if (r < 0)
		return r;
	struct sbx_msg done = {.type = SBX_MSG_HOOKS_DONE};
	if (send(sb->sync_fd, &done, sizeof(done), MSG_NOSIGNAL) != (ssize_t)sizeof(done))
		return sbx_err_sys(err, "sandbox setup: sync socket");
	return 0;
}

/*
 * Rootless: the child lent us its workdir (fd). We fill it as ourselves;
 * the child gives what we wrote to the program's user once told so.
 */
static int fill_lent_stage(struct sbx_sandbox *sb, int fd, struct sbx_error *err)
{
	if (fd < 0 || !sb->plan->workdir_lent) {
		if (fd >= 0)
			close(fd);
		return sbx_err_set(err, EPROTO, "sandbox setup: an unexpected workdir from the child");
	}
	sbx_stage_adopt(&sb->stage, fd);
	int r = sbx_stage_copy_in(&sb->stage, sb->cfg, err);
	if (r < 0)
		return r;
	struct sbx_msg ready = {.type = SBX_MSG_STAGE_READY};
	if (send(sb->sync_fd, &ready, sizeof(ready), MSG_NOSIGNAL) != (ssize_t)sizeof(ready))
		return sbx_err_sys(err, "sandbox setup: sync socket");
	return 0;
}

/*
 * After GO (or a release): EOF means the program was exec'd (or, detached,
 * SBX_MSG_CREATED that the init waits for start; with hold, SBX_MSG_HELD
 * that the child parked: sync_fd stays open); SBX_MSG_SECCOMP announces the listener
 * hand-off; SBX_MSG_HOOKS asks for the prestart/createRuntime hooks;
 * SBX_MSG_PTY brings the pty master; SBX_MSG_STAGE lends a rootless
 * child's workdir; SBX_MSG_ERROR means set-up failed. Notifications that
 * arrive meanwhile come from our own last steps (see scmon.c).
 */
int sbx_sandbox_wait_setup(struct sbx_sandbox *sb, struct sbx_error *err)
{
	struct sbx_msg m;
	ssize_t n;
	pid_t sender = 0;
	for (;;) {
		struct pollfd pfd[2] = {{.fd = sb->sync_fd, .events = POLLIN}, {.fd = sb->listener, .events = POLLIN}};
		if (poll(pfd, sb->listener >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return sbx_err_sys(err, "poll");
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP)) && (pfd[1].revents & (POLLHUP | POLLERR)) &&
		    !(pfd[1].revents & POLLIN)) {
			/* nothing is filtered any more: the child died; its status comes next */
			close_fd(&sb->listener);
			continue;
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP)) && (pfd[1].revents & POLLIN)) {
			int r = sbx_scmon_setup_event(sb, err);
			if (r < 0) {
				reap(sb, true, NULL);
				return r;
			}
			continue;
		}
		/*
		 * A child that exits with a message of ours unread (NET_READY,
		 * when it failed before reading it) makes the kernel report
		 * ECONNRESET once; what it sent is still queued behind that.
		 */
		int fd = -1;
		do
			n = recv_child(sb, &m, &fd, &sender);
		while (n < 0 && (errno == EINTR || errno == ECONNRESET));
		if (n != (ssize_t)sizeof(m))
			break;
		if (m.type == SBX_MSG_PTY && fd >= 0) {
			take_pty(sb, fd);
			continue;
		}
		if (m.type == SBX_MSG_STAGE) {
			int r = fill_lent_stage(sb, fd, err);
			if (r < 0)
				return r;
			continue;
		}
		if (m.type == SBX_MSG_LISTENER && fd >= 0) {
			int r = sbx_scmon_listener_msg(sb, fd, err);
			if (r < 0)
				return r;
			continue;
		}
		close_fd(&fd);
		int r = 0;
		if (m.type == SBX_MSG_SECCOMP)
			r = sbx_scmon_take_listener(sb, err);
		else if (m.type == SBX_MSG_SECCOMP_FD)
			r = sbx_scmon_take_listener_sent(sb, err);
		else if (m.type == SBX_MSG_CLOCK && sb->handoff && (sb->handoff->flags & SBX_HANDOFF_CLOCK))
			take_program_clock(sb);
		else if (m.type == SBX_MSG_HOOKS && sb->oci.prepivot)
			r = prepivot(sb, err);
		else
			break;
		if (r < 0)
			return r;
	}
	if (n == 0 && sb->listener_pending) {
		/* cannot happen: the child exec'd only after its message with the listener was queued */
		reap(sb, true, NULL);
		return sbx_err_set(err, EPROTO, "seccomp: the sandbox's listener did not arrive");
	}
	if (n == 0 || (n == (ssize_t)sizeof(m) && m.type == SBX_MSG_CREATED && sb->oci.detach))
		return 0;
	if (n == (ssize_t)sizeof(m) && m.type == SBX_MSG_HELD && sb->hold && !sb->held) {
		sb->held = true;
		sb->held_pid = sender;
		return 0;
	}
	if (n == (ssize_t)sizeof(m) && m.type == SBX_MSG_ERROR) {
		*err = m.err;
		err->msg[sizeof(err->msg) - 1] = '\0';
		if (err->code <= 0)
			err->code = EIO;
		/* the --init stub says only how the program's execve failed: worded here */
		if (!err->msg[0]) {
			int kind = err->kind;
			sbx_err_errno(err, err->code, "exec \"%s\"", sb->cfg->process.args[0]);
			err->kind = kind;
		}
		reap(sb, true, NULL);
		return -err->code;
	}
	if (n < 0)
		return sbx_err_sys(err, "sandbox setup: sync socket");
	siginfo_t si = {0};
	reap(sb, true, &si);
	return sbx_err_set(err, EPROTO, "sandbox setup: the child died unexpectedly (%s %d)",
			   si.si_code == CLD_EXITED ? "exit" : "signal", si.si_status);
}

/*
 * A message to the child could not be sent: it has failed or died. Its own
 * error (queued on the socket) is the one to report; what comes back from
 * sbx_sandbox_wait_setup() is that, or how it died. A child that had already
 * exec'd cannot be here: it waits for our messages before it gets that far.
 */
static int child_error(struct sbx_sandbox *sb, const char *what, struct sbx_error *err)
{
	int saved = errno;
	int r = sbx_sandbox_wait_setup(sb, err);
	if (r < 0)
		return r;
	return sbx_err_errno(err, saved, "%s", what);
}

static int open_ns(pid_t pid, const char *ns, int *ret, struct sbx_error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	*ret = open(path, O_RDONLY | O_CLOEXEC);
	if (*ret < 0)
		return sbx_err_sys(err, "%s", path);
	return 0;
}

/*
 * Something we did to the child failed (r, err). If the child has already
 * failed by itself (it exits after sending its error), its error is the
 * cause and is what we report; if it still lives (waiting for us), ours is.
 */
static int child_error_first(struct sbx_sandbox *sb, int r, struct sbx_error *err)
{
	siginfo_t si = {0};
	if (waitid(P_PIDFD, (id_t)sb->pidfd, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
		return r;
	struct sbx_error cerr = {0};
	int cr = sbx_sandbox_wait_setup(sb, &cerr);
	if (cr >= 0)
		return r;
	*err = cerr;
	return cr;
}

int sbx_sandbox_start(struct sbx_sandbox *sb, struct sbx_error *err)
{
	const struct sbx_config *cfg = sb->cfg;
	int r;
	if (sb->started)
		return sbx_err_set(err, EALREADY, "sandbox already started");
	if (sb->oci.detach && sb->seccomp && sb->seccomp->has_notify)
		return sbx_err_set(err, ENOTSUP,
				   "%s: SCMP_ACT_NOTIFY with a listenerPath is not supported for created "
				   "containers yet (sbxctr run supports it)",
				   cfg->seccomp_doc ? cfg->seccomp_doc : "linux.seccomp");
	if ((r = sbx_slot_acquire(&sb->slot, err)) < 0)
		return r;
	sb->id = sbx_xcalloc(1, sizeof(*sb->id));
	/* a shared stage: no subordinate ids for a user (sbx_sandbox_share_workdir says why) */
	struct sbx_caller one_id;
	const struct sbx_caller *caller = sb->caller;
	if (sb->share_stage && sb->caller->uid != 0) {
		one_id = *sb->caller;
		one_id.n_subuid = one_id.n_subgid = 0;
		caller = &one_id;
	}
	if ((r = sbx_identity_plan(cfg, caller, sb->slot.n, sb->id, err)) < 0)
		return r;
	if (sb->id->note[0])
		sbx_warn("user namespace: %s", sb->id->note);
	/* a user's slice through the helpers: the slot's kept namespace spares them (keeper.h), asked now */
	bool keep = sb->id->keepable && (sb->clone_flags & CLONE_NEWUSER) && sbx_keeper_idle() > 0;
	if (keep)
		sb->keeper_ask = sbx_keeper_ask(sb->slot.n);
	sb->host_uid = sb->id->host_uid;
	sb->host_gid = sb->id->host_gid;
	if ((r = net_plan(sb, sb->slot.n, err)) < 0 || (r = setup_cgroup(sb, err)) < 0)
		return r;
	/* host ends of crashed runtimes; only veth mode can meet them */
	if (sb->net.mode == SBX_NET_MODE_VETH && (r = sbx_net_sweep(sbx_slot_alive, NULL, NULL, err)) < 0)
		return r;
	bool rootless = sb->id->rootless;
	bool stage = sbx_stage_needed(cfg) || sb->force_stage;
	if (stage && rootless) {
		/* the child lends its workdir; we write there as ourselves (runtime/workdir.h) */
		if (sb->id->caller_uid_inside < 0 || sb->id->caller_gid_inside < 0)
			return sbx_err_set(err, EPERM,
					   "--copy-in/--copy-out: the runtime fills the workdir as you, so your own uid "
					   "%u and gid %u must be mapped (linux.uidMappings, linux.gidMappings)",
					   sb->caller->uid, sb->caller->gid);
		sbx_mount_plan_lend_workdir(sb->plan, cfg, (uint32_t)sb->id->caller_uid_inside,
					    (uint32_t)sb->id->caller_gid_inside);
	} else if (stage) {
		if ((r = sbx_stage_create(cfg, sb->slot.n, sb->host_uid, sb->host_gid, &sb->stage, err)) < 0 ||
		    (r = sbx_stage_copy_in(&sb->stage, cfg, err)) < 0)
			return r;
		sbx_mount_plan_stage_workdir(sb->plan, sb->stage.path);
	}
	if (sb->plan->has_cgroup_mount && !sb->plan->cgroup_dir) {
		if (sb->cg)
			sb->plan->cgroup_dir = sbx_xstrdup(sbx_cgroup_path(sb->cg));
		else if (sbx_cgroup_own_dir(&sb->plan->cgroup_dir) < 0)
			sb->plan->cgroup_dir = NULL;
	}
	sb->plan->binds_in_child = !(sb->clone_flags & CLONE_NEWUSER);
	/* a container sharing our mount namespace (exact) gets no mounts: nothing to prepare */
	bool own_mounts = (sb->clone_flags & CLONE_NEWNS) || cfg->ns[SBX_NS_MOUNT].path;
	/* an ordinary user cannot clone the host's trees: the child does, with the same permissions */
	const struct sbx_rootfs_ids ids = {.map = host_id_of, .ctx = sb->id};
	if (own_mounts && ((r = sbx_rootfs_attach_point(sb->plan, err)) < 0 ||
			   (r = sbx_rootfs_prepare(sb->plan, &ids, !rootless, err)) < 0))
		return r;
	/* nor enter the sandbox's network namespace from here */
	sb->lo_by_child = sb->net.lo_in_child && rootless;
	bool hooks = false;
	for (size_t k = 0; k < SBX_ARRAY_SIZE(cfg->hooks); k++)
		hooks = hooks || cfg->hooks[k].n;
	sb->net_later = sb->lo_by_child && sb->net.mode == SBX_NET_MODE_NONE && (sb->clone_flags & CLONE_NEWNET) &&
			!cfg->ns[SBX_NS_NET].path && !hooks && !sb->oci.detach;
	sb->net_ready_msg = (sb->net.lo_in_child && !rootless) || sb->net.mode == SBX_NET_MODE_PASTA;
	if ((r = sbx_supervise_prepare(sb, err)) < 0)
		return r;
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return sbx_err_sys(err, "socketpair");
	sb->sync_fd = sp[0];
	sb->child_fd = sp[1];
	/*
	 * With --init, pid 1 parks before it starts the reaper, which loads
	 * the filter in the program's own process (init_stub.c): pid 1 itself
	 * stays unfiltered, so a release loads it as a cold start does.
	 */
	if (cfg->init)
		sb->hold_filtered = false;
	if (sb->hold) {
		/* the parked process's pid comes with its message (its own getpid() is its namespace's) */
		int one = 1;
		if (setsockopt(sb->sync_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
			return sbx_err_sys(err, "SO_PASSCRED");
		sb->release = mmap(NULL, sizeof(*sb->release), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
		if (sb->release == MAP_FAILED) {
			sb->release = NULL;
			return sbx_err_sys(err, "mmap");
		}
	}
	if (cfg->init) {
		int pp[2];
		if (pipe2(pp, O_CLOEXEC) < 0)
			return sbx_err_sys(err, "pipe");
		sb->status_rd = pp[0];
		sb->status_wr = pp[1];
	}
	if ((r = sbx_caps_prepare(&cfg->process, &sb->caps, err)) < 0)
		return r;
	sb->caps.keep_groups = !sb->id->setgroups;
	/* the embedding program's fds for 3, 4, ...: duplicates, so that ours can be closed after the clone */
	for (size_t i = 0; i < cfg->io.n_pass_fds; i++) {
		sb->pass_fds[i] = fcntl(cfg->io.pass_fds[i], F_DUPFD_CLOEXEC, 3);
		if (sb->pass_fds[i] < 0)
			return sbx_err_sys(err, "passed fd %d", cfg->io.pass_fds[i]);
		sb->n_pass_fds = i + 1;
	}
	if (keep) {
		struct sbx_error ke = {0};
		int fd = sbx_keeper_open(sb->slot.n, sb->keeper_ask, sb->id, sb->caller, &ke);
		sb->keeper_ask = -1;
		if (fd >= 0)
			sb->keeper_userns = fd;
		else
			sbx_debug("slot %u: no kept user namespace (%s): this start maps its own", sb->slot.n, ke.msg);
	}
	choose_spawn(sb);
	if ((r = setup_handoff(sb, err)) < 0)
		return r;
	if ((r = join_namespaces(sb, err)) < 0)
		return r;
	if ((r = do_clone(sb, err)) < 0)
		return r;
	close_fd(&sb->child_fd);
	close_fd(&sb->status_wr);
	/*
	 * The CPU limit's clock, attached while the child has done next to
	 * nothing (it waits for GO), so that it counts what the set-up sample
	 * (struct sbx_handoff) counts, from the clone on. A parked sandbox
	 * learns its limit only with its release: it gets one too. Without
	 * perf events the limit is checked on the lagging sources (check_cpu).
	 */
	if (sb->limits.cpu_time_us || sb->hold) {
		int fd = sbx_proctree_clock_open(sb->pid);
		sb->cpu_clock_fd = fd < 0 ? -1 : fd;
		if (fd < 0)
			sbx_debug("CPU clock: no perf task clock (%s): the CPU limit goes by the kernel's figures alone",
				  strerror(-fd));
		else
			sbx_debug("CPU clock: perf task clock on pid 1");
		ask_program_clock(sb);
	}
	/* the child has its copies; ours would keep the capture pipes from reaching EOF */
	for (int i = 0; i < 3; i++) {
		if (i == 2 && sb->child_stdio[2] == sb->child_stdio[1])
			sb->child_stdio[2] = -1;
		close_fd(&sb->child_stdio[i]);
	}
	for (size_t i = 0; i < sb->n_pass_fds; i++)
		close_fd(&sb->pass_fds[i]);
	sb->n_pass_fds = 0;
	/*
	 * pasta's way into the sandbox, opened while the child still has our
	 * credentials (as a subordinate id it would be out of our reach)
	 */
	_cleanup_close_ int userns_fd = -1, netns_fd = -1;
	if (sb->net.mode == SBX_NET_MODE_PASTA &&
	    ((r = open_ns(sb->pid, "user", &userns_fd, err)) < 0 || (r = open_ns(sb->pid, "net", &netns_fd, err)) < 0))
		return child_error_first(sb, r, err);
	if ((sb->clone_flags & CLONE_NEWUSER) && !sb->hopped &&
	    (r = sbx_identity_apply(sb->id, sb->caller, sb->pid, err)) < 0)
		return child_error_first(sb, r, err);
	if ((r = after_clone(sb, err)) < 0)
		return r;
	if (sb->oci.spawned && (r = sb->oci.spawned(sb->oci.userdata, sb->pid, sbx_sandbox_cgroup_path(sb), err)) < 0)
		return r;
	/*
	 * Everything the parent needs of the child is opened before GO: once
	 * GO is sent, the child may fail (and exit) at any moment, and its own
	 * error must be what we report, not "/proc/PID/ns/net: No such file".
	 */
	_cleanup_close_ int nsfd = -1;
	/*
	 * The sandbox's mount namespace, held until sbx_sandbox_free(): when
	 * its last process exits, the kernel unmounts the whole tree and waits
	 * for an RCU grace period in that exit, before the parent hears of it.
	 * Held here, that happens at free time instead, after the result.
	 */
	if ((r = open_ns(sb->pid, "mnt", &sb->mnt_ns_fd, err)) < 0)
		return r;
	if ((sb->net.mode == SBX_NET_MODE_VETH || (sb->net_ready_msg && !rootless)) &&
	    (r = open_ns(sb->pid, "net", &nsfd, err)) < 0)
		return r;
	if (sb->net.mode == SBX_NET_MODE_VETH) {
		r = sbx_net_setup_host(&sb->net, nsfd, &sb->net_state, err);
		/* closed at once: an open netns fd would keep the veth alive after the sandbox */
		close_fd(&nsfd);
		if (r < 0)
			return r;
	}
	struct sbx_msg go = {.type = SBX_MSG_GO, .pid = sb->pid};
	if (send(sb->sync_fd, &go, sizeof(go), MSG_NOSIGNAL) != (ssize_t)sizeof(go))
		return child_error(sb, "sandbox setup: sync socket", err);
	/*
	 * lo is brought up from here while the child does its mounts (a
	 * netlink round trip that costs as much as half of them); the child
	 * waits for NET_READY before its last steps. The namespace fd we hold
	 * keeps it alive even if the child has already failed.
	 */
	if (sb->net_ready_msg) {
		/* pasta takes ~20 ms to make eth0: the child's mounts run meanwhile */
		if (sb->net.mode == SBX_NET_MODE_PASTA) {
			struct sbx_pasta_ns ns = {.user_fd = userns_fd, .net_fd = netns_fd};
			r = sbx_pasta_start(&sb->net, &ns, &sb->pasta, err);
		} else {
			r = sbx_net_setup_lo_in(nsfd, err);
		}
		/* closed at once: they would keep the namespaces alive after the sandbox */
		close_fd(&nsfd);
		close_fd(&userns_fd);
		close_fd(&netns_fd);
		if (r < 0)
			return child_error_first(sb, r, err);
		struct sbx_msg ready = {.type = SBX_MSG_NET_READY};
		if (send(sb->sync_fd, &ready, sizeof(ready), MSG_NOSIGNAL) != (ssize_t)sizeof(ready))
			return child_error(sb, "sandbox setup: sync socket", err);
	}
	if ((r = sbx_sandbox_wait_setup(sb, err)) < 0)
		return r;
	/* parked: the sync socket carries the release; detached: DETACH (sbx_sandbox_detach) */
	if (!sb->held && !sb->oci.detach)
		close_fd(&sb->sync_fd);
	return 0;
}

/* Appends s (and its NUL) to the release's data. */
static int put_str(char *data, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;
	if (*len + n > SBX_RELEASE_DATA_MAX)
		return -E2BIG;
	memcpy(data + *len, s, n);
	*len += n;
	return 0;
}

int sbx_sandbox_release(struct sbx_sandbox *sb, const struct sbx_release *rel, struct sbx_error *err)
{
	if (!sb->held)
		return sbx_err_set(err, EINVAL, "release: the sandbox is not parked");
	struct sbx_release_msg h = {.type = SBX_MSG_RELEASE};
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int fds[3], nfds = 0, r = 0;
	if (rel->idle) {
		h.flags |= SBX_REL_IDLE;
	} else {
		char *const *argv = rel->argv ? rel->argv : sb->cfg->process.args;
		char *const *env = rel->env ? rel->env : sb->cfg->process.env;
		if (!argv || !argv[0])
			return sbx_err_set(err, EINVAL, "release: no program");
		size_t need = rel->cwd ? strlen(rel->cwd) + 1 : 0;
		for (size_t i = 0; argv[i]; i++)
			need += strlen(argv[i]) + 1;
		for (size_t i = 0; env && env[i]; i++)
			need += strlen(env[i]) + 1;
		if (need > SBX_RELEASE_DATA_MAX)
			return sbx_err_set(err, E2BIG, "release: argv, env and cwd above %u bytes", SBX_RELEASE_DATA_MAX);
		data = sbx_xmalloc(need ? need : 1);
		if (rel->cwd) {
			r = put_str(data, &len, rel->cwd);
			h.cwd_len = (uint32_t)len;
		}
		for (size_t i = 0; r == 0 && argv[i]; i++, h.argc++)
			r = put_str(data, &len, argv[i]);
		for (size_t i = 0; r == 0 && env && env[i]; i++, h.envc++)
			r = put_str(data, &len, env[i]);
		if (r < 0 || h.argc + h.envc > SBX_RELEASE_STRINGS_MAX)
			return sbx_err_set(err, E2BIG, "release: argv, env and cwd above %u bytes or %u strings",
					   SBX_RELEASE_DATA_MAX, SBX_RELEASE_STRINGS_MAX);
		if (rel->limits)
			sb->limits = *rel->limits;
		h.cpu_time_us = sb->limits.cpu_time_us;
		ask_program_clock(sb);
	}
	h.data_len = (uint32_t)len;
	/* stdin always to the child; stdout/stderr are the sinks of captured streams, else the child's */
	static const uint32_t flag[3] = {SBX_REL_STDIN, SBX_REL_STDOUT, SBX_REL_STDERR};
	for (int i = 0; i < 3; i++) {
		if (rel->stdio[i] < 0)
			continue;
		struct sbx_stream *st = i > 0 ? &sb->out[i - 1] : NULL;
		if (st && st->rd >= 0) {
			int sink = fcntl(rel->stdio[i], F_DUPFD_CLOEXEC, 3);
			if (sink < 0)
				return sbx_err_sys(err, "release: stdio fd %d", rel->stdio[i]);
			if (st->close_sink)
				close_fd(&st->sink);
			st->sink = sink;
			st->close_sink = true;
			continue;
		}
		h.flags |= flag[i];
		fds[nfds++] = rel->stdio[i];
	}
	/*
	 * The program runs with the scheduling policy and priority of whoever
	 * releases it, not of whoever set it up (a pool fills at a lower one).
	 */
	struct sched_param sp = {0};
	int policy = sched_getscheduler(0);
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, 0);
	pid_t who[2] = {sb->pid, sb->held_pid != sb->pid ? sb->held_pid : 0};
	for (int i = 0; i < 2 && errno == 0 && policy >= 0; i++) {
		if (who[i] <= 0)
			continue;
		sched_setscheduler(who[i], policy, &sp);
		setpriority(PRIO_PROCESS, (id_t)who[i], prio);
	}
	struct iovec iov[2] = {{.iov_base = &h, .iov_len = sizeof(h)}, {.iov_base = data, .iov_len = len}};
	sb->held = false;
	clock_gettime(CLOCK_MONOTONIC, &sb->t_create);
	ssize_t sent = sbx_send_fds(sb->sync_fd, iov, 2, fds, (size_t)nfds);
	if (sent < 0) {
		errno = (int)-sent;
		return child_error(sb, "release: sync socket", err);
	}
	if ((r = sbx_sandbox_wait_setup(sb, err)) < 0)
		return r;
	/* detached: the sync socket still carries DETACH (sbx_sandbox_detach) */
	if (!sb->oci.detach)
		close_fd(&sb->sync_fd);
	return 0;
}

int sbx_sandbox_detach(struct sbx_sandbox *sb, struct sbx_error *err)
{
	if (!sb->oci.detach || !sb->started || sb->sync_fd < 0)
		return sbx_err_set(err, EINVAL, "internal error: the sandbox is not a created container");
	/*
	 * The uid range must stay the init's after we exit: the slot names it
	 * before the init stops dying with us, so at no moment can a live init
	 * hold a range that another sandbox could be given.
	 */
	int r = sbx_slot_hand_over(&sb->slot, sb->pid, err);
	if (r < 0)
		return r;
	struct sbx_msg m = {.type = SBX_MSG_DETACH};
	if (send(sb->sync_fd, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return sbx_err_sys(err, "detaching the container's init: sync socket");
	ssize_t n;
	do
		n = recv(sb->sync_fd, &m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(m) || m.type != SBX_MSG_DETACHED)
		return sbx_err_set(err, EPROTO, "detaching the container's init: it did not answer");
	close_fd(&sb->sync_fd);
	sb->detached = true;
	return 0;
}



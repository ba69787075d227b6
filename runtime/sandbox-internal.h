/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the parent (sandbox.c) and the child (child.c) sides. */
#pragma once

#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

#include "cgroups/cgroup.h"
#include "netns/net.h"
#include "profiles/seccomp_runtime.h"
#include "rootfs/plan.h"
#include "runtime/caps.h"
#include "oci/config.h"
#include "core/error.h"
#include "runtime/sandbox.h"
#include "runtime/slot.h"
#include "runtime/spawn.h"
#include "runtime/workdir.h"

/* Messages on the sync socket (SOCK_SEQPACKET: one message per send). */
enum sbx_msg_type {
	SBX_MSG_GO = 1, /* parent -> child: id maps are written, go on */
	SBX_MSG_ERROR,	/* child -> parent: setup failed, err says why */
	SBX_MSG_SECCOMP, /* child -> parent: about to load a filter with a listener (see scmon.c) */
	SBX_MSG_NET_READY, /* parent -> child: lo is up (the parent did it during the mounts) */
	SBX_MSG_HELD,	   /* child -> parent (hold): set up and parked just before execve */
	SBX_MSG_RELEASE,   /* parent -> child: struct sbx_release_msg, its strings, stdio fds (SCM_RIGHTS) */
};

/*
 * The release of a parked child (sbx_sandbox_release): this header, then
 * data_len bytes: cwd (cwd_len bytes, possibly 0), then argc NUL-terminated
 * arguments, then envc NUL-terminated "K=V" strings. stdio fds travel as
 * SCM_RIGHTS, in the order of the SBX_REL_STDIN/STDOUT/STDERR flags.
 */
enum {
	SBX_REL_IDLE = 1u << 0,	  /* no program: pid 1 only holds the namespaces (sbx_sandbox_exec) */
	SBX_REL_STDIN = 1u << 1,  /* an fd for 0 follows */
	SBX_REL_STDOUT = 1u << 2, /* an fd for 1 follows */
	SBX_REL_STDERR = 1u << 3, /* an fd for 2 follows */
};
struct sbx_release_msg {
	uint32_t type; /* SBX_MSG_RELEASE */
	uint32_t flags;
	uint32_t argc, envc;
	uint32_t cwd_len, data_len;
	uint64_t cpu_time_us; /* the run's CPU limit (the RLIMIT_CPU backstop), 0: none */
};
/* What one release may carry, and where the child receives it (mapped by the parent). */
#define SBX_RELEASE_DATA_MAX (128u << 10)
#define SBX_RELEASE_STRINGS_MAX 4096
struct sbx_release_buf {
	struct sbx_release_msg hdr;
	char data[SBX_RELEASE_DATA_MAX + 1];
	char *ptrs[SBX_RELEASE_STRINGS_MAX + 2]; /* argv, NULL, env, NULL */
	char path[4096];			  /* the program, looked up in the released PATH */
};

/*
 * Shared with the child (MAP_SHARED): once the child has loaded a filter
 * with a listener it publishes the fd number here and waits (a futex on
 * state) until the parent has taken its copy (see scmon.c for why this
 * cannot deadlock even when the filter sends futex to the listener).
 */
struct sbx_handoff {
	uint32_t state; /* 0, 1 = fd published (child), 2 = taken (parent); atomics */
	int32_t fd;
	/*
	 * CPU the sandbox child spent setting up before execve (getrusage just
	 * before the last steps): it is in pid 1's rusage and in the cgroup's
	 * cpu.stat, and it is not the program's, so the result subtracts it.
	 */
	uint64_t setup_utime_us, setup_stime_us;
};

struct sbx_msg {
	uint32_t type;
	struct sbx_error err;
};

/* A captured output stream: the sandbox writes a pipe, we forward and count. */
struct sbx_stream {
	int rd;	  /* read end, -1 once at EOF */
	int sink; /* where the bytes go */
	bool close_sink;
	uint64_t bytes;
	bool truncated;
};

struct sbx_sandbox {
	const struct sbx_config *cfg;
	struct sbx_mount_plan *plan;
	struct sbx_slot slot;
	uint64_t clone_flags; /* CLONE_NEW* to create */
	struct sbx_net_plan net;
	struct sbx_net_state *net_state;
	struct sbx_cgroup_root *cg_root;
	bool cg_root_lent; /* not ours to free */
	struct sbx_cgroup_plan *cg_plan;
	struct sbx_cgroup *cg; /* NULL: no cgroup for this run */
	struct sbx_seccomp_plan *seccomp;
	struct sbx_handoff *handoff; /* the page shared with the child */
	int listener;		     /* seccomp user-notification fd held by us, -1 */
	int join_fds[SBX_NS__COUNT]; /* namespaces to join (by path), -1 otherwise */
	bool seccomp_lent;	     /* seccomp is another sandbox's plan (sbx_sandbox_exec): not ours to free */
	/*
	 * The run's limits: the config's, or those a release handed over
	 * (supervise.c reads these, never cfg->limits).
	 */
	struct sbx_run_limits limits;
	bool force_stage;	     /* a staged workdir even without copies (sbx_sandbox_stage_workdir) */
	bool hold;		     /* start parks the child before execve (sbx_sandbox_set_hold) */
	bool hold_filtered;	     /* ... with its seccomp filter loaded (SBX_HOLD_FILTERED) */
	bool held;		     /* parked now: sync_fd stays open for the release */
	pid_t held_pid;		     /* the parked process, as the host sees it */
	struct sbx_release_buf *release; /* the child's receive buffer (hold), mapped here */
	struct sbx_config *exec_cfg;	/* sbx_sandbox_exec: cfg, a shallow copy (free() only) */
	/* the child's own copy: what it execs (the config's, or a release's) */
	char *const *exec_argv;
	char *const *exec_env;
	char *exec_path;	     /* resolved in the child */
	struct sbx_caps_prepared caps; /* built before clone for the child */
	struct sbx_spawn *spawn;     /* the child's stacks, its copy of this struct, its TLS donor */
	void *aux_stack;	     /* --init's program's stack (lowest address), in spawn */
	size_t aux_stack_size;
	bool share_memory;	     /* the child shares our address space (spawn.h) */
	int init_stub_fd;	     /* --init with share_memory: the reaper pid 1 execs, else -1 */

	int mnt_ns_fd; /* the sandbox's mount namespace, held until free (see sbx_sandbox_start) */
	int sync_fd;   /* parent's end */
	int child_fd;  /* child's end (closed in the parent after clone) */
	int status_rd; /* --init: the program's wait status, written by our init */
	int status_wr;
	int pidfd;
	pid_t pid;
	bool started;
	bool reaped;

	/* stdio for the child: fds it dup2()s onto 0, 1, 2 (-1: inherit) */
	int child_stdio[3];
	/* duplicates of cfg->io.pass_fds, which the child puts on 3, 4, ... */
	int pass_fds[SBX_PASS_FDS_MAX];
	size_t n_pass_fds;
	struct sbx_stream out[2]; /* stdout, stderr when captured */
	struct sbx_stage stage;
	uid_t host_uid; /* the program's user and group as the host sees them */
	gid_t host_gid;

	/* supervision */
	bool armed; /* the limit timers run (sbx_sandbox_arm) */
	int wall_tfd;
	int cpu_tfd;
	bool killed;
	enum sbx_reason kill_reason;
	siginfo_t si;	  /* pid 1's exit */
	struct rusage ru; /* pid 1's rusage, with every descendant it reaped */
	bool result_done;
	/*
	 * Without a cgroup, the tree's CPU sampled from /proc just before we
	 * kill: what pid 1 never reaped is missing from its rusage.
	 */
	uint64_t kill_user_us, kill_sys_us;
	struct sbx_result res;

	struct timespec t_create, t_exec;
};

/* A sandbox object with nothing opened yet (every fd -1). */
struct sbx_sandbox *sbx_sandbox_alloc(const struct sbx_config *cfg);

/* supervise.c: prepares the timers and capture pipes; called by start(). */
int sbx_supervise_prepare(struct sbx_sandbox *sb, struct sbx_error *err);


/* scmon.c: the seccomp listener (taking it, notifications, the agent hand-off). */
int sbx_scmon_take_listener(struct sbx_sandbox *sb, struct sbx_error *err);
/* A notification during set-up: 1 = it came after execve (leave it), 0 = handled, <0 = error. */
int sbx_scmon_setup_event(struct sbx_sandbox *sb, struct sbx_error *err);
/* A notification after execve: a violation; records it and ends the run. */
void sbx_scmon_violation(struct sbx_sandbox *sb);

/* The child's entry point after clone3(); never returns. */
__attribute__((noreturn)) void sbx_child_main(struct sbx_sandbox *sb);

/*
 * Pieces of the child's last steps that sbx_sandbox_exec()'s process takes
 * too (child.c; allocation-free, as everything the child runs).
 */
__attribute__((noreturn)) void sbx_child_fail(struct sbx_sandbox *sb, const struct sbx_error *err);
void sbx_child_reset_signals(void);
int sbx_child_stdio(struct sbx_sandbox *sb, struct sbx_error *err);
int sbx_child_rlimits(const struct sbx_sandbox *sb, struct sbx_error *err);
int sbx_child_cpu_backstop(uint64_t cpu_time_us, struct sbx_error *err);
int sbx_child_resolve(const char *prog, char *const *env, char *buf, size_t size, struct sbx_error *err);
/* no_new_privs, setsid, the death signal again, the runtime-alive check, fds above 2 close-on-exec */
int sbx_child_last_steps(struct sbx_sandbox *sb, struct sbx_error *err);
/* The filter(s), then execve(path, argv, env); never returns. */
__attribute__((noreturn)) void sbx_child_exec(struct sbx_sandbox *sb, const char *path, char *const *argv,
					      char *const *env);

/* sandbox.c: after GO (or a release), until the program runs (0), the child parks (0, held) or fails. */
int sbx_sandbox_wait_setup(struct sbx_sandbox *sb, struct sbx_error *err);

uint64_t sbx_now_us(void);
uint64_t sbx_elapsed_us(const struct timespec *since);

/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the parent (sandbox.c) and the child (child.c) sides. */
#pragma once

#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

#include "cgroups/cgroup.h"
#include "netns/net.h"
#include "netns/pasta.h"
#include "profiles/seccomp_runtime.h"
#include "rootfs/plan.h"
#include "runtime/caps.h"
#include "runtime/handoff.h"
#include "runtime/identity.h"
#include "oci/config.h"
#include "core/error.h"
#include "runtime/sandbox.h"
#include "runtime/slot.h"
#include "runtime/spawn.h"
#include "runtime/workdir.h"

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
/* sbxctr-init STATUS_FD SYNC_FD HANDOFF_FD HANDOFF_SIZE -- (runtime/init-stub/init_stub.c) */
#define SBX_STUB_ARGS 6
struct sbx_release_buf {
	struct sbx_release_msg hdr;
	char data[SBX_RELEASE_DATA_MAX + 1];
	char *ptrs[SBX_RELEASE_STRINGS_MAX + 2]; /* argv, NULL, env, NULL */
	/* --init's stub: its own arguments (SBX_STUB_ARGS of them, see setup_handoff), then argv, NULL */
	char *stub_argv[SBX_STUB_ARGS + SBX_RELEASE_STRINGS_MAX + 1];
};

/* The pty relay of `run -t` (supervise.c). */
struct sbx_console {
	int master;    /* -1: none */
	int in_fd;     /* the caller's input, -1 once at EOF */
	int out_fd;    /* where the pty's output goes; -1: no relay */
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
	struct sbx_caller *caller;  /* who runs us, and the subordinate ids they have */
	struct sbx_identity *id;    /* the user namespace's maps (from start on) */
	uint64_t clone_flags; /* CLONE_NEW* to create */
	struct sbx_net_plan net;
	bool lo_by_child; /* the child brings lo up itself (rootless: nobody outside may enter its netns) */
	/*
	 * With lo_by_child and nothing outside that needs it early (no pasta,
	 * no hooks, not a created container): the network namespace is not
	 * made by the clone but by a second task of the child's while it
	 * mounts, and joined before sysfs (child.c, make_net).
	 */
	bool net_later;
	pid_t net_maker; /* the child's own: that task, and the descriptor its namespace lands on */
	int net_fd;
	bool net_ready_msg; /* the parent sets the network up during the child's mounts and says when (NET_READY) */
	struct sbx_net_state *net_state;
	struct sbx_pasta *pasta; /* --net pasta: the helper that carries the sandbox's traffic */
	struct sbx_cgroup_root *cg_root;
	bool cg_root_lent; /* not ours to free */
	struct sbx_cgroup_plan *cg_plan;
	struct sbx_cgroup *cg; /* NULL: no cgroup for this run */
	struct sbx_seccomp_plan *seccomp;
	struct sbx_handoff *handoff; /* the area shared with the child (MAP_SHARED of handoff_fd) */
	int handoff_fd;		     /* its memfd, for the --init stub to map */
	size_t handoff_size;
	int listener;		     /* seccomp user-notification fd held by us, -1 */
	int join_fds[SBX_NS__COUNT]; /* namespaces to join (by path), -1 otherwise */
	struct sbx_sandbox_oci oci;  /* the OCI lifecycle's settings (zero: a plain run) */
	bool has_oci;
	pid_t host_pid;		     /* the child's own copy: its pid on the host (from GO) */
	bool child_hooks;	     /* createContainer/startContainer hooks run in the child */
	bool net_ready;		     /* the child's own copy: NET_READY arrived */
	struct sbx_console console;
	bool seccomp_lent;	     /* seccomp is another sandbox's plan (sbx_sandbox_exec): not ours to free */
	/*
	 * The run's limits: the config's, or those a release handed over
	 * (supervise.c reads these, never cfg->limits).
	 */
	struct sbx_run_limits limits;
	bool force_stage;	     /* a staged workdir even without copies (sbx_sandbox_stage_workdir) */
	bool share_stage;	     /* the caller writes the stage while the program runs (sbx_sandbox_share_workdir) */
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
	int init_stub_fd;	     /* --init: the reaper pid 1 execs (where the build has it), else -1 */
	char **stub_argv;	     /* its argv, built before clone: the child may not allocate */

	int mnt_ns_fd; /* the sandbox's mount namespace, held until free (see sbx_sandbox_start) */
	int keeper_userns; /* a user's: the slot's kept user namespace, born in through the hop (keeper.h) */
	int keeper_ask;	   /* the question to the slot's keeper, until its answer is taken */
	bool hopped;	   /* the child was: its maps are written */
	int sync_fd;   /* parent's end */
	int child_fd;  /* child's end (closed in the parent after clone) */
	int status_rd; /* --init: the program's wait status, written by our init */
	int status_wr;
	int pidfd;
	pid_t pid;
	bool started;
	bool reaped;
	/* the child's listener by message: to come (it exec'd before we could take it); taken already */
	bool listener_pending, listener_taken;
	bool detached; /* create: the init runs on without us */

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
	int cpu_clock_fd; /* the tree's perf CPU clock (sbx_proctree_clock_open), or -1 */
	/* check_cpu(): the last moment the kernel's own figure moved, and the perf clock then */
	struct {
		bool valid;
		uint64_t used_us, clock_us, at_us;
	} cpu_mark;
	uint64_t cpu_floor_us; /* the program's CPU when the limit killed it, as check_cpu() counted it */
	int kill_tfd;	   /* --init without a cgroup: the grace the init gets to end the run */
	bool init_ending;  /* it was asked to (SBX_INIT_SIG_END) */
	bool killed;
	enum sbx_reason kill_reason;
	siginfo_t si;	  /* pid 1's exit */
	struct rusage ru; /* pid 1's rusage, with every descendant it reaped */
	uint64_t end_ns;  /* CLOCK_MONOTONIC when pid 1 was reaped */
	/*
	 * --init's report (struct sbx_init_report), read as soon as it comes:
	 * the tree is gone then, pid 1 not yet; the cgroup's figures sampled
	 * at that moment leave out pid 1's exit (the namespaces' teardown),
	 * which is the runtime's work, not the program's.
	 */
	bool have_init_rep;
	struct sbx_init_report init_rep;
	bool have_end_stats;
	struct sbx_cgroup_stats end_stats;
	bool result_done;
	/*
	 * Without a cgroup, the tree's CPU sampled from /proc just before we
	 * kill: what pid 1 never reaped is missing from its rusage.
	 */
	uint64_t kill_user_us, kill_sys_us;
	struct sbx_result res;

	struct timespec t_create;
};

/* A sandbox object with nothing opened yet (every fd -1). */
struct sbx_sandbox *sbx_sandbox_alloc(const struct sbx_config *cfg);

/* supervise.c: prepares the timers and capture pipes; called by start(). */
int sbx_supervise_prepare(struct sbx_sandbox *sb, struct sbx_error *err);


/* scmon.c: the seccomp listener (taking it, notifications, the agent hand-off). */
int sbx_scmon_take_listener(struct sbx_sandbox *sb, struct sbx_error *err);
/*
 * The sandbox child's listener, which it also sends (SBX_MSG_SECCOMP_FD,
 * then SBX_MSG_LISTENER) and does not wait for: taken from it as from the
 * stub when we are quicker, else from its message (listener_msg: the copy
 * that came, closed when taken already).
 */
int sbx_scmon_take_listener_sent(struct sbx_sandbox *sb, struct sbx_error *err);
int sbx_scmon_listener_msg(struct sbx_sandbox *sb, int fd, struct sbx_error *err);
/* A notification during set-up: 1 = it came after execve (leave it), 0 = handled, <0 = error. */
int sbx_scmon_setup_event(struct sbx_sandbox *sb, struct sbx_error *err);
/* A notification after execve: a violation; records it and ends the run. */
void sbx_scmon_violation(struct sbx_sandbox *sb);
/* The program's process: pid 1, or with --init its only child (-1 if there is none yet). */
pid_t sbx_sandbox_program_pid(const struct sbx_sandbox *sb);

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
/* no_new_privs, setsid, the death signal again, the runtime-alive check, fds above 2 close-on-exec */
int sbx_child_last_steps(struct sbx_sandbox *sb, struct sbx_error *err);
/* The end of the set-up: its CPU and the moment the run's wall time starts, into the hand-off (struct sbx_handoff). */
void sbx_child_setup_sample(struct sbx_sandbox *sb);
/* The filter(s), then execve(path, argv, env); never returns. */
__attribute__((noreturn)) void sbx_child_exec(struct sbx_sandbox *sb, const char *path, char *const *argv,
					      char *const *env);

/* sandbox.c: after GO (or a release), until the program runs (0), the child parks (0, held) or fails. */
int sbx_sandbox_wait_setup(struct sbx_sandbox *sb, struct sbx_error *err);

/* control.c: arms a one-shot timerfd (0: fires at once). */
int sbx_arm_timer(int tfd, uint64_t us);

uint64_t sbx_now_us(void);
uint64_t sbx_elapsed_us(const struct timespec *since);

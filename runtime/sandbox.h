/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One sandbox: create (plan, host-side preparation), start (clone3 into the
 * namespaces, set up, execve), supervise, collect the result, tear down.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/config.h"
#include "core/error.h"
#include "runtime/workdir.h"

/* Why the run ended (the report's "reason"). */
enum sbx_reason {
	SBX_REASON_NONE = 0, /* the program ended by itself */
	SBX_REASON_CPU_TIME,
	SBX_REASON_WALL_TIME,
	SBX_REASON_MEMORY,
	SBX_REASON_OUTPUT,
	SBX_REASON_PIDS,
	SBX_REASON_SECCOMP,
	SBX_REASON_INTERNAL,
};

const char *sbx_reason_name(enum sbx_reason r);

struct sbx_stream_stats {
	bool captured; /* false: the stream was not read by sbxctr (inherited fd) */
	uint64_t bytes;
	bool truncated;
};

#define SBX_MAX_UNENFORCED 8

struct sbx_result {
	enum sbx_reason reason;
	bool exited;	   /* exit_code is valid */
	int exit_code;
	int signal;	   /* terminating signal, 0 if it exited */
	uint64_t wall_us;  /* from execve to the end of the sandbox */
	uint64_t setup_us; /* from start to execve */
	bool has_cpu;
	uint64_t cpu_user_us, cpu_sys_us; /* the whole process tree */
	bool has_memory;
	uint64_t peak_memory_bytes;
	uint64_t oom_kills;
	struct sbx_stream_stats out[2]; /* stdout, stderr */
	bool seccomp_kill;
	bool seccomp_unknown; /* the kernel's own kill (--seccomp-kill exact): the syscall is not known */
	char seccomp_syscall[32];
	int seccomp_nr;
	char seccomp_arch[16];
	/* limits that were asked for but could not be enforced on this host */
	const char *unenforced[SBX_MAX_UNENFORCED];
	size_t n_unenforced;
	struct sbx_copy_result *copy_out; /* one per config io.copy_out, owned by the sandbox */
	size_t n_copy_out;
	struct sbx_error error; /* reason == SBX_REASON_INTERNAL */
};

struct sbx_sandbox;

/*
 * Validates cfg and builds every plan; touches nothing on the host yet.
 * cfg must outlive the sandbox.
 */
int sbx_sandbox_create(const struct sbx_config *cfg, struct sbx_sandbox **ret, struct sbx_error *err);

/*
 * Prepares the host side, clones the sandbox and runs its setup. Returns 0
 * once the program has been exec'd, or an error (setup failure; exec
 * failures carry err->kind SBX_ERRK_EXEC_*) after reaping the child and
 * undoing everything.
 */
int sbx_sandbox_start(struct sbx_sandbox *sb, struct sbx_error *err);

/*
 * Supervises until the sandbox ends. sigfd (or -1) is a signalfd whose
 * signals are forwarded to the sandbox.
 */
int sbx_sandbox_wait(struct sbx_sandbox *sb, int sigfd, struct sbx_result *ret, struct sbx_error *err);
/*
 * The same, also returning -ECANCELED as soon as stop_fd (or -1) becomes
 * readable or hangs up; ret may be NULL (take the result later).
 */
int sbx_sandbox_wait_until(struct sbx_sandbox *sb, int sigfd, int stop_fd, struct sbx_result *ret,
			   struct sbx_error *err);
/*
 * The same with up to SBX_SANDBOX_STOPFDS stop conditions, each a pollfd
 * with the events to watch (e.g. POLLRDHUP of a client's socket): any event
 * on one returns -ECANCELED. The result is sbx_sandbox_result()'s.
 */
#define SBX_SANDBOX_STOPFDS 4
struct pollfd;
int sbx_sandbox_wait_stop(struct sbx_sandbox *sb, int sigfd, const struct pollfd *stop, size_t n_stop,
			  struct sbx_error *err);

/*
 * The same supervision, piecewise, for callers that multiplex many
 * sandboxes in one poll loop (sbxctr batch):
 *   sbx_sandbox_arm() once after start (starts the limit timers); then
 *   n = sbx_sandbox_poll_prepare(sb, pfds) adds at most SBX_SANDBOX_POLLFDS;
 *   after poll(), sbx_sandbox_poll_dispatch(sb, pfds, n) handles them and
 *   returns 1 once the sandbox has finished (0: still running);
 *   a poll timeout of sbx_sandbox_poll_timeout_ms() calls sbx_sandbox_poll_timeout();
 *   sbx_sandbox_result() then gives the result (valid until the sandbox is freed).
 */
#define SBX_SANDBOX_POLLFDS 10
struct pollfd;
int sbx_sandbox_arm(struct sbx_sandbox *sb, struct sbx_error *err);
size_t sbx_sandbox_poll_prepare(struct sbx_sandbox *sb, struct pollfd *pfd);
int sbx_sandbox_poll_dispatch(struct sbx_sandbox *sb, const struct pollfd *pfd, size_t n, struct sbx_error *err);
int sbx_sandbox_poll_timeout_ms(const struct sbx_sandbox *sb);
void sbx_sandbox_poll_timeout(struct sbx_sandbox *sb);
bool sbx_sandbox_finished(const struct sbx_sandbox *sb);
int sbx_sandbox_result(struct sbx_sandbox *sb, struct sbx_result *ret);
/* Ends the run now (SIGKILL), recording reason unless an earlier one was recorded. */
void sbx_sandbox_kill(struct sbx_sandbox *sb, enum sbx_reason reason);

struct sbx_cgroup_root;
/*
 * Lends a cgroup root (opened once per process, see cgroups/cgroup.h) to a
 * sandbox that has not started: it then neither opens nor sweeps its own.
 * A process that runs many sandboxes at once (sbxctr batch) must do this:
 * its workers share one cgroup, where each opening its own root would fail.
 */
void sbx_sandbox_use_cgroup_root(struct sbx_sandbox *sb, struct sbx_cgroup_root *root);

/*
 * Hold (before start): start sets everything up and parks the child just
 * before its execve (after the mounts, the identity and capabilities, the
 * rlimits, no_new_privs; before the seccomp filter, which is loaded with
 * the program; with --init, pid 1 parks before it starts the reaper) and
 * returns; sbx_sandbox_held() is then true. Nothing runs
 * in the sandbox meanwhile. sbx_sandbox_release() hands over the program.
 * The warm pool (serve/pool.c) parks sandboxes this way, sessions keep an
 * idle pid 1 that sbx_sandbox_exec() joins; a created OCI container that
 * waits for `start` is the same kind of hold.
 */
enum sbx_hold {
	SBX_HOLD_NONE = 0,
	SBX_HOLD = 1, /* park before the filter and execve */
	/*
	 * Park after loading the seccomp filter: what the child does after its
	 * release (receive it, stdio, chdir, the CPU rlimit, the PATH lookup,
	 * execve) then runs under the filter, and the release is that much
	 * shorter. Only for profiles that allow those (the shipped default
	 * does); the warm pool's shape uses it.
	 * Without effect under --init (the reaper loads the filter in the
	 * program's process).
	 */
	SBX_HOLD_FILTERED = 2,
};
void sbx_sandbox_set_hold(struct sbx_sandbox *sb, enum sbx_hold hold);
bool sbx_sandbox_held(const struct sbx_sandbox *sb);

struct sbx_release {
	bool idle;	    /* no program: pid 1 just keeps the namespaces (for sbx_sandbox_exec) */
	char *const *argv;  /* NULL: the config's process.args */
	char *const *env;   /* NULL: the config's process.env */
	const char *cwd;    /* NULL: the config's process.cwd */
	int stdio[3];	    /* -1: keep; for a captured stream, the sink its bytes go to */
	const struct sbx_run_limits *limits; /* NULL: the config's */
};
/*
 * Sends the parked child its program and waits until it runs it (0; then
 * sbx_sandbox_wait() & co. as after start) or fails (exec errors carry
 * err->kind SBX_ERRK_EXEC_*; the sandbox is then finished). The program
 * runs at the calling thread's priority. argv, env and cwd together at
 * most 128 KiB and 4096 strings.
 */
int sbx_sandbox_release(struct sbx_sandbox *sb, const struct sbx_release *rel, struct sbx_error *err);

/*
 * A staged workdir (runtime/workdir.h) even when the config copies nothing
 * in or out (before start): the caller then reaches the workdir from the
 * host through sbx_sandbox_stage_path() (the pool copies a request's files
 * in, sessions read and write files there).
 */
void sbx_sandbox_stage_workdir(struct sbx_sandbox *sb);

/*
 * The staged workdir stays the caller's to write while the program runs
 * (sessions: files put between commands). Implies sbx_sandbox_stage_workdir.
 * For an ordinary user the sandbox then gets the single-id map (the caller's
 * own uid and gid as 0) even when subordinate ids exist: a subordinate id
 * could not write what the caller puts there, nor the caller what it makes.
 * Root's sandboxes are unchanged (root writes any id's files).
 */
void sbx_sandbox_share_workdir(struct sbx_sandbox *sb);
/* The staged workdir's host path (in the runtime's mount namespace), or NULL. */
const char *sbx_sandbox_stage_path(const struct sbx_sandbox *sb);
/* Copies cfg's io.copy_in list into the staged workdir (owned by the sandbox's user). */
int sbx_sandbox_stage_copy_in(struct sbx_sandbox *sb, const struct sbx_config *cfg, struct sbx_error *err);

/*
 * Runs a program inside a running sandbox (a session's idle pid 1, a
 * container's process): a new process that joins every namespace of the
 * sandbox's pid 1 (user and mount included) and its cgroup, then takes the
 * sandbox's identity and capabilities (or spec's user), its rlimits,
 * no_new_privs, a new session, spec's cwd and env, and the seccomp filter
 * (the sandbox's, or spec's own) last, before execve. The program is pid 1
 * of a pid namespace of its own below the sandbox's, so that ending it
 * ends everything it started. The handle is a sandbox of its own for
 * supervision: sbx_sandbox_wait()/poll/result/kill/free work on it, with
 * spec's limits (CPU time counted over its process tree, wall time, output
 * per stream); its result is its own (peak memory: its largest process).
 * sb must outlive the handle.
 */
struct sbx_seccomp_plan;
struct sbx_exec_spec {
	char *const *argv;		/* required */
	char *const *env;		/* NULL: the sandbox's process.env */
	const char *cwd;		/* NULL: the sandbox's process.cwd */
	bool has_user;			/* run as uid/gid instead of the sandbox's process user */
	uint32_t uid, gid;
	int stdio[3];			/* fds for 0, 1, 2 (sinks when capture); -1: /dev/null */
	bool capture;			/* stdout/stderr through counted, capped pipes */
	bool stderr_to_stdout;
	struct sbx_run_limits limits;
	const struct sbx_seccomp_plan *seccomp; /* NULL: the sandbox's own filter */
};
int sbx_sandbox_exec(struct sbx_sandbox *sb, const struct sbx_exec_spec *spec, struct sbx_sandbox **ret,
		     struct sbx_error *err);
/* True while the sandbox's pid 1 runs (a session's pid 1 may have been killed). */
bool sbx_sandbox_alive(struct sbx_sandbox *sb);

/* The config the sandbox runs with (for an exec's handle: the sandbox's, with the exec's program and limits). */
const struct sbx_config *sbx_sandbox_config(const struct sbx_sandbox *sb);

/*
 * The OCI lifecycle's settings for one sandbox (runtime/container.c), set
 * before start. With detach, start returns once the init is set up and
 * waits for `sbxctr start` on start_fd; sbx_sandbox_detach() then lets it
 * outlive the runtime.
 */
struct sbx_sandbox_oci {
	const char *id;	     /* for the state hooks read */
	bool detach;	     /* create: the init waits for start, then execs */
	int start_fd;	     /* listening socket the init accepts `start` on (detach), -1 */
	int console_fd;	     /* connected --console-socket: the pty master goes there, -1 */
	bool no_pivot;	     /* MS_MOVE + chroot instead of pivot_root */
	bool no_new_keyring; /* keep the caller's session keyring */
	/*
	 * The caller's descriptors the init closes first thing (-1: none): a
	 * flock belongs to the open file, so the init's copy of the container's
	 * lock would otherwise hold it for as long as the init sets up.
	 */
	int close_fds[2];
	/*
	 * Called with the init's pid once it has its namespaces and mounts,
	 * before pivot_root: the prestart and createRuntime hooks.
	 */
	int (*prepivot)(void *userdata, pid_t pid, struct sbx_error *err);
	/*
	 * Called as soon as the init exists (its pid, its cgroup), before it
	 * does anything: the lifecycle records them, so that a create killed
	 * from here on leaves what the next verb needs to clean up. May be NULL.
	 */
	int (*spawned)(void *userdata, pid_t pid, const char *cgroup, struct sbx_error *err);
	void *userdata;
};

/* Copies oci (its strings must outlive the sandbox). Before sbx_sandbox_start(). */
void sbx_sandbox_set_oci(struct sbx_sandbox *sb, const struct sbx_sandbox_oci *oci);
/*
 * After a detached start: tells the init to stop depending on us (no death
 * signal), hands its uid range over to it, keeps its cgroup, and releases
 * the sandbox's hold on everything without killing anything.
 */
int sbx_sandbox_detach(struct sbx_sandbox *sb, struct sbx_error *err);
/* The container's cgroup directory, or NULL. */
const char *sbx_sandbox_cgroup_path(const struct sbx_sandbox *sb);
/*
 * process.terminal without a console socket (`sbxctr run -t`): the pty
 * master is relayed to out_fd and in_fd to it while the sandbox runs, and
 * the window size of in_fd follows SIGWINCH read from the signalfd. Before
 * sbx_sandbox_start().
 */
void sbx_sandbox_attach_console(struct sbx_sandbox *sb, int in_fd, int out_fd);
/* SIGWINCH: the caller's window size to the program's terminal. */
void sbx_sandbox_console_resize(struct sbx_sandbox *sb);

/* Sends sig to the sandbox's pid 1. */
int sbx_sandbox_signal(struct sbx_sandbox *sb, int sig);
pid_t sbx_sandbox_pid(const struct sbx_sandbox *sb);
unsigned sbx_sandbox_slot(const struct sbx_sandbox *sb);

/* Kills whatever still runs, releases everything. NULL is fine. */
void sbx_sandbox_free(struct sbx_sandbox *sb);
static inline void sbx_sandbox_freep(struct sbx_sandbox **sb)
{
	sbx_sandbox_free(*sb);
}

/* The signals `sbxctr run` forwards to the sandbox. */
void sbx_forwarded_signals(sigset_t *set);

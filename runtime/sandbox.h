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
 * The same supervision, piecewise, for callers that multiplex many
 * sandboxes in one poll loop (sbxctr batch):
 *   sbx_sandbox_arm() once after start (starts the limit timers); then
 *   n = sbx_sandbox_poll_prepare(sb, pfds) adds at most SBX_SANDBOX_POLLFDS;
 *   after poll(), sbx_sandbox_poll_dispatch(sb, pfds, n) handles them and
 *   returns 1 once the sandbox has finished (0: still running);
 *   a poll timeout of sbx_sandbox_poll_timeout_ms() calls sbx_sandbox_poll_timeout();
 *   sbx_sandbox_result() then gives the result (valid until the sandbox is freed).
 */
#define SBX_SANDBOX_POLLFDS 8
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

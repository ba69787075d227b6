/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the runtime, the sandbox child and the freestanding --init stub
 * (runtime/init-stub/) share: the sync socket's messages, the shared
 * hand-off page, and the init's report. Plain data only: the stub has no
 * libc.
 */
#pragma once

#include <stdint.h>

#include "core/error.h"

/* Messages on the sync socket (SOCK_SEQPACKET: one message per send). */
enum sbx_msg_type {
	SBX_MSG_GO = 1,	   /* parent -> child: id maps are written, go on */
	SBX_MSG_ERROR,	   /* child -> parent: setup failed, err says why (no text: an exec failure of the stub's) */
	SBX_MSG_SECCOMP,   /* child -> parent: about to load a filter with a listener (see scmon.c) */
	SBX_MSG_NET_READY, /* parent -> child: lo is up (the parent did it during the mounts) */
	SBX_MSG_HOOKS,	    /* child -> parent: mounts done, before pivot_root: run prestart/createRuntime */
	SBX_MSG_HOOKS_DONE, /* parent -> child: they ran */
	SBX_MSG_PTY,	    /* child -> parent: the pty master (SCM_RIGHTS) */
	SBX_MSG_CREATED,    /* child -> parent (detach): set up, waiting for start */
	SBX_MSG_DETACH,	    /* parent -> child: stop depending on the runtime */
	SBX_MSG_DETACHED,   /* child -> parent: done */
	SBX_MSG_STAGE,	   /* child -> parent: the workdir's tmpfs, lent (SCM_RIGHTS; rootless) */
	SBX_MSG_STAGE_READY, /* parent -> child: the lent workdir is filled */
	SBX_MSG_HELD,	     /* child -> parent (hold): set up and parked just before execve */
	SBX_MSG_RELEASE,     /* parent -> child: struct sbx_release_msg, its strings, stdio fds (SCM_RIGHTS) */
	SBX_MSG_CLOCK,	     /* stub's program process -> parent: attach the CPU clock to me (clock_state) */
	SBX_MSG_SECCOMP_FD,  /* child -> parent: as SBX_MSG_SECCOMP, the listener to come as SBX_MSG_LISTENER */
	SBX_MSG_LISTENER,    /* child -> parent: the listener (SCM_RIGHTS); the child goes on at once */
};

struct sbx_msg {
	uint32_t type;
	int32_t pid; /* GO: the child's pid as the host sees it (for the state hooks read) */
	struct sbx_error err;
};

/* One seccomp program in the hand-off area: len sock_filter instructions at off. */
struct sbx_handoff_prog {
	uint32_t off, len;
	uint32_t flags;		 /* SECCOMP_FILTER_FLAG_* always passed */
	uint32_t flags_optional; /* passed too, dropped on EINVAL (see profiles/seccomp_filter.h) */
};

enum {
	/* main is loaded with a listener: the kill reports' (to the runtime) or the profile's NOTIFY rules' (its agent) */
	SBX_HANDOFF_LISTENER = 1u << 1,
	SBX_HANDOFF_CLOCK = 1u << 2, /* the program's process asks for its CPU clock first (SBX_MSG_CLOCK) */
};

/*
 * A memfd shared by the runtime and the sandbox (MAP_SHARED: the same pages
 * in every process that maps it, so that futexes on state work across
 * them, the --init stub's mapping included). The child publishes the
 * listener fd number here and waits (a futex on state) until the parent
 * has taken its copy (see scmon.c for why this cannot deadlock even when
 * the filter sends futex to the listener). The sandbox child itself sends
 * the listener instead (SBX_MSG_LISTENER) and does not wait; the published
 * number is then the parent's way to it should the profile stop the send.
 */
struct sbx_handoff {
	uint32_t state; /* 0, 1 = fd published (child), 2 = taken (parent); atomics */
	int32_t fd;
	/*
	 * SBX_HANDOFF_CLOCK: 0, then 1 once the parent has attached the CPU
	 * limit's clock to the program's process (or given up); an atomic and
	 * a futex, like state. The clock the parent attached to pid 1 at the
	 * clone is gone by then: the kernel drops a process's perf counters
	 * when it execs a file it may not read, and the stub is execute-only
	 * (runtime/spawn.c says why).
	 */
	uint32_t clock_state;
	/*
	 * CPU the sandbox child spent setting up (getrusage just before the
	 * last steps): it is in pid 1's rusage and in the cgroup's cpu.stat,
	 * and it is not the program's, so the result subtracts it. setup_end_ns
	 * is CLOCK_MONOTONIC at the same moment: the run's wall time starts
	 * there, so that it can never be shorter than the CPU time counted.
	 */
	uint64_t setup_utime_us, setup_stime_us;
	uint64_t setup_end_ns;
	/* for the --init stub, which starts the program itself (written by the runtime) */
	uint32_t flags; /* SBX_HANDOFF_* */
	struct sbx_handoff_prog main;
	char exec_path[4096]; /* the program, resolved by the child in the sandbox's PATH */
	/* the program's instructions follow, at its offset from the start of this struct */
};

/*
 * The --init reaper's last words, on its status pipe: the program's wait
 * status and the rusage of everything it reaped (the program and every
 * other process of the sandbox, which it kills when the program ends):
 * the CPU and peak memory of the run, without pid 1's own (the runtime's
 * set-up, whose memory it shared).
 */
struct sbx_init_report {
	int32_t status;
	uint32_t reserved;
	uint64_t utime_us, stime_us;
	uint64_t maxrss_kib;
};

/*
 * Sent by the runtime to pid 1 to end the run (a limit): the init kills
 * every process, reaps them (their CPU and memory go into its report) and
 * exits. A real-time signal that neither glibc (32, 33) nor the forwarded
 * ones use; a program that sends it to pid 1 only ends its own run.
 */
#define SBX_INIT_SIG_END 40

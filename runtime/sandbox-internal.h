/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the parent (sandbox.c) and the child (child.c) sides. */
#pragma once

#include <stdint.h>
#include <time.h>

#include "rootfs/plan.h"
#include "runtime/config.h"
#include "runtime/error.h"
#include "runtime/sandbox.h"
#include "runtime/slot.h"

/* Messages on the sync socket (SOCK_SEQPACKET: one message per send). */
enum sbx_msg_type {
	SBX_MSG_GO = 1, /* parent -> child: id maps are written, go on */
	SBX_MSG_ERROR,	/* child -> parent: setup failed, err says why */
};

struct sbx_msg {
	uint32_t type;
	struct sbx_error err;
};

struct sbx_sandbox {
	const struct sbx_config *cfg;
	struct sbx_mount_plan *plan;
	struct sbx_slot slot;
	uint64_t clone_flags; /* CLONE_NEW* to create */
	int join_fds[SBX_NS__COUNT]; /* namespaces to join (by path), -1 otherwise */
	char *exec_path;	     /* resolved in the child */

	int sync_fd;   /* parent's end */
	int child_fd;  /* child's end (closed in the parent after clone) */
	int status_rd; /* --init: the program's wait status, written by our init */
	int status_wr;
	int pidfd;
	pid_t pid;
	bool started;
	bool reaped;

	struct timespec t_create, t_exec;
};

/* The child's entry point after clone3(); never returns. */
__attribute__((noreturn)) void sbx_child_main(struct sbx_sandbox *sb);

uint64_t sbx_now_us(void);
uint64_t sbx_elapsed_us(const struct timespec *since);

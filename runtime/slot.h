/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Slots: a small integer unique among the sandboxes running on this host,
 * held as an flock() on /run/sbxctr/slots/<n>.lock for the runtime's life.
 * The kernel drops the lock when the runtime dies, even by SIGKILL, so
 * "lock can be taken" means "whatever carries this slot's number is stale".
 * Slots give each sandbox its own uid range, addresses and cgroup name.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

#define SBX_SLOT_MAX 8192
/* uid/gid range of slot n: SBX_ID_BASE + n * SBX_ID_RANGE, SBX_ID_RANGE ids */
#define SBX_ID_BASE 0x40000000u
#define SBX_ID_RANGE 65536u

struct sbx_slot {
	unsigned n;
	int lock_fd;
};

int sbx_slot_acquire(struct sbx_slot *ret, struct sbx_error *err);
/*
 * A created container's init outlives the runtime that holds its slot:
 * the lock file then names the init (pid and start time), and the slot
 * stays taken for as long as that process lives, lock or no lock.
 */
int sbx_slot_hand_over(struct sbx_slot *slot, pid_t pid, struct sbx_error *err);
void sbx_slot_release(struct sbx_slot *slot);
/* True while some runtime holds slot n. */
bool sbx_slot_alive(unsigned n, void *userdata);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kept user namespaces: an ordinary user's sandboxes without newuidmap and
 * newgidmap on every start.
 *
 * A user with subordinate ids gets a 65536-id map per sandbox (a slice of
 * the ranges per slot, runtime/identity.h), which only the set-uid helpers
 * may write: two execs of programs that link half a dozen libraries, 1 ms
 * or more each on every start, more than the rest of a start costs. As
 * rootless podman keeps its user namespace in a "pause" process, sbxctr
 * keeps one per slot: the first start in a slot forks a keeper
 * ("sbxctr-keeper") that makes a user namespace, has the helpers map it
 * with the slot's slice, and then only holds it. Later starts in that slot
 * connect to $STATE/keepers/<slot>.sock (the state directory is the
 * user's, 0700), get the namespace as a descriptor (SCM_RIGHTS: the
 * keeper is not dumpable, so /proc/PID/ns/user would be out of reach),
 * check that its maps are still the plan's, and make the sandbox's user
 * namespace *inside* it (runtime/spawn.h, the hop), mapping
 * the kept ids onto themselves, which the owner may write without helpers.
 *
 * What a sandbox gets is the same: the same host ids, and a user namespace
 * of its own (nested: its keyrings and per-user counts are not the kept
 * namespace's, so nothing passes from one sandbox of a slot to the next
 * through it). The kept namespace holds no process of any sandbox and is
 * reachable from the host only: the keeper is in the host's pid, mount and
 * network namespaces, which no sandbox sees.
 *
 * A keeper leaves after SBXCTR_USERNS_KEEP seconds without a start in its
 * slot (default 30; 0: no keepers at all, every start runs the helpers),
 * and never while its slot is held. Root needs none (it writes maps
 * itself), nor does a user's single-id map.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "runtime/identity.h"

#define SBX_KEEPER_IDLE_DEFAULT 30u
#define SBX_KEEPER_NAME "sbxctr-keeper"

/* Seconds a keeper outlives its slot's last start: SBXCTR_USERNS_KEEP, else the default; 0 = none. */
unsigned sbx_keeper_idle(void);

/*
 * Asks the keeper of slot (held by the caller: the slot's lock) for its
 * namespace, early: the answer is taken by sbx_keeper_open, so that the
 * keeper's wake-up overlaps the rest of the caller's preparations. A
 * connected socket, or -1 where no keeper listens.
 */
int sbx_keeper_ask(unsigned slot);
/*
 * An O_CLOEXEC descriptor of the user namespace kept for slot, mapped as id
 * plans: the answer to asked (sbx_keeper_ask's socket, closed here, or -1),
 * or, when there is none or the one that answered no longer matches, a new
 * keeper's, made with the helpers. -errno with err set when none can be
 * had: the caller then makes its own.
 */
int sbx_keeper_open(unsigned slot, int asked, const struct sbx_identity *id, const struct sbx_caller *caller,
		    struct sbx_error *err);

/*
 * Hands a finished sandbox's mount namespace to the slot's keeper and
 * closes *fd (-1 after): the keeper's close of its copy is the last, so
 * tearing down the sandbox's mounts (an RCU grace period, a quarter of a
 * millisecond here) costs the keeper's time, not the runtime's exit.
 * False where no keeper took it (then this close did the work).
 */
bool sbx_keeper_dispose(unsigned slot, int *fd);

/* Pure: whether a /proc/PID/uid_map (or gid_map) text, read from the host, holds exactly the map m. */
bool sbx_keeper_map_matches(const char *text, const struct sbx_idmap *m, size_t n);

/* SPDX-License-Identifier: Apache-2.0 */
/* The sandbox's network: a pure plan from the settings, then its application by netlink. */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "netns/link.h"
#include "netns/tc.h"
#include "oci/config.h"
#include "core/error.h"

/*
 * How the runtime uses this module (one sandbox):
 *
 *   1. before clone, any process:   sbx_net_plan_build(&cfg->net, slot, &plan, err)
 *      and, if linux.namespaces[net].path is set, sbx_net_plan_join(&plan, path, err).
 *      clone3 gets CLONE_NEWNET iff plan.new_netns (with CLONE_NEWUSER, so the
 *      new netns belongs to the sandbox's user namespace).
 *   2. child, right after clone, before dropping capabilities:
 *      if (plan.lo_in_child) sbx_net_setup_sandbox_lo(err).
 *   3. parent, host netns, after clone and BEFORE releasing the child:
 *      fd = open("/proc/CHILD/ns/net", O_RDONLY|O_CLOEXEC);
 *      sbx_net_setup_host(&plan, fd, &state, err);  close(fd);
 *      (a no-op for modes other than veth). On failure nothing is left.
 *   4. after the sandbox is gone: sbx_net_state_free(state). Nothing else: the
 *      veth pair dies with the sandbox's netns (the kernel deletes both ends
 *      when the netns holding eth0 is destroyed), so teardown costs nothing
 *      on the critical path. The parent must not keep the netns fd open.
 *   5. at startup, any time: sbx_net_sweep(slot_alive, ud, &n, err) removes
 *      host ends left by crashed runtimes.
 */

enum sbx_net_mode {
	SBX_NET_MODE_NONE, /* new netns, only lo, up (the default) */
	SBX_NET_MODE_VETH, /* new netns, lo + eth0 paired with a host end */
	SBX_NET_MODE_HOST, /* no new netns: the host's network (explicit opt-in) */
	SBX_NET_MODE_JOIN, /* an existing netns by path (the runtime does the setns) */
	SBX_NET_MODE_PASTA, /* new netns, lo + eth0 a tap of pasta(1): the caller's own sockets outside */
};

/* Host ends are named "sbx<slot>h": the prefix lets a sweep find leftovers. */
#define SBX_NET_HOST_PREFIX "sbx"
#define SBX_NET_HOST_SUFFIX "h"
#define SBX_NET_SANDBOX_IFNAME "eth0"
/*
 * Default addresses: each slot owns one /30 of 10.201.0.0/16, host end .1,
 * sandbox .2 of its /30, so concurrently running sandboxes (distinct slots)
 * never share a subnet. Slots 0..SBX_NET_SLOT_MAX.
 */
#define SBX_NET_DEFAULT_BASE 0x0ac90000u /* 10.201.0.0 */
#define SBX_NET_SLOT_MAX 16383u
/* One full frame of a 1500-MTU veth (1500 + 14 bytes of Ethernet header). */
#define SBX_NET_MIN_BURST 1514u
#define SBX_NET_DEFAULT_LATENCY_NS (50ull * 1000 * 1000)
#define SBX_NET_DEFAULT_MIN_BURST (16ull * 1024)
/* With pasta, the least queue of each shaper, whatever --net-latency says (net.c says why). */
#define SBX_NET_PASTA_MIN_QUEUE (4u << 20)

struct sbx_net_plan {
	enum sbx_net_mode mode;
	bool new_netns;	  /* clone3 with CLONE_NEWNET */
	bool lo_in_child; /* the child brings lo up itself (mode none) */
	unsigned slot;
	/* veth only: */
	char host_name[IFNAMSIZ];
	bool host_name_derived; /* "sbx<slot>h": a leftover of that name is ours to replace */
	char sandbox_name[IFNAMSIZ];
	struct sbx_ipaddr host_ip, ip; /* IPv4, always set in veth mode */
	bool has_ip6;
	struct sbx_ipaddr host_ip6, ip6;
	/*
	 * Shaping. The sandbox's ingress is the host end's egress: a tbf at
	 * the host end's root, out of the sandbox's reach. The sandbox's
	 * egress is a tbf at the root of eth0 inside the sandbox netns, put
	 * there by the parent: the sandbox process holds no CAP_NET_ADMIN over
	 * its netns, so it cannot remove it. (See net.c for why not ifb.)
	 * With pasta both are inside the sandbox netns (sbx_net_setup_inside).
	 */
	struct sbx_tc_tbf egress;
	struct sbx_tc_tbf ingress;
};

/*
 * Validates the settings and builds the plan. Pure: no syscalls. slot is the
 * runtime's small per-sandbox integer, unique among concurrently running
 * sandboxes (only used in veth mode, for default names and addresses).
 * Errors name the flag and the value:
 *   --net-ip "10.0.0.300/30": invalid IPv4 address
 * Each --net-X flag corresponds to the annotation org.sbxctr.net.X (the mode
 * to org.sbxctr.net).
 */
int sbx_net_plan_build(const struct sbx_net_spec *spec, unsigned slot, struct sbx_net_plan *ret,
		       struct sbx_error *err);
/*
 * The config joins an existing netns (OCI linux.namespaces[net].path): only
 * valid with mode none (the default). Sets mode join: no new netns, no lo.
 */
int sbx_net_plan_join(struct sbx_net_plan *plan, const char *path, struct sbx_error *err);
const char *sbx_net_mode_name(enum sbx_net_mode mode);
/* "sbx<slot>h" into buf (IFNAMSIZ bytes). */
void sbx_net_host_name_for_slot(unsigned slot, char buf[IFNAMSIZ]);
/* Whether name is an automatic host-end name; sets *ret_slot. */
bool sbx_net_host_name_parse(const char *name, unsigned *ret_slot);

/* Where the setup ended up; only needed for an explicit teardown. */
struct sbx_net_state;

/*
 * In the runtime parent (host netns, root), after clone and before the child
 * runs: creates the veth pair (eth0 directly inside sandbox_netns_fd),
 * addresses, default route(s), lo up and both tbf qdiscs; ~10 rtnetlink
 * requests in 3 batches. Creates nothing for other modes (*ret = NULL).
 * On failure returns -errno, and deletes the host end (taking everything
 * else with it) so that nothing is left behind.
 */
int sbx_net_setup_host(const struct sbx_net_plan *plan, int sandbox_netns_fd,
		       struct sbx_net_state **ret, struct sbx_error *err);
/* In the child, in its new netns, while it still has CAP_NET_ADMIN there. */
int sbx_net_setup_sandbox_lo(struct sbx_error *err);
/*
 * The same from outside, by the runtime (host root), given the sandbox's
 * netns fd: it can then run while the child sets up its mounts.
 */
int sbx_net_setup_lo_in(int sandbox_netns_fd, struct sbx_error *err);
/*
 * Inside the sandbox's network namespace, with CAP_NET_ADMIN there (the
 * runtime's helper that joined the sandbox's user namespace), after pasta
 * made eth0: the egress tbf at eth0's root, and for ingress an ifb
 * ("ifb0") that eth0's ingress redirects to (u32 match-all, mirred), with
 * the ingress tbf at its root. Both die with the namespace. Nothing for
 * other modes or without limits.
 */
int sbx_net_setup_inside(const struct sbx_net_plan *plan, struct sbx_error *err);

/*
 * Optional and synchronous (~30 ms): deletes the host end now. Only for the
 * odd case where the sandbox's netns outlives the sandbox (something else
 * keeps it open). Missing interface = success.
 */
int sbx_net_teardown(struct sbx_net_state *state, struct sbx_error *err);
void sbx_net_state_free(struct sbx_net_state *state);
static inline void sbx_net_state_freep(struct sbx_net_state **s)
{
	sbx_net_state_free(*s);
}

/*
 * Deletes host ends left behind by runtimes that died: only veth links named
 * "sbx<slot>h" (never a name a user chose, never another kind of link), and
 * only those whose slot_alive(slot, ud) is false. Runs in the caller's
 * (host) netns. *ret_removed (optional) counts deletions; each costs ~30 ms.
 */
int sbx_net_sweep(bool (*slot_alive)(unsigned slot, void *ud), void *ud, unsigned *ret_removed,
		  struct sbx_error *err);
/*
 * A slot_alive for the lock-file scheme: slot N is alive while someone holds
 * a flock on DIR/N.lock (ud = DIR as a const char *, NULL = /run/sbxctr/slots).
 * A missing file is a free slot; an unreadable one counts as alive.
 */
bool sbx_net_slot_alive_lockfile(unsigned slot, void *ud);

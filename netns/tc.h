/* SPDX-License-Identifier: Apache-2.0 */
/* Traffic shaping requests (tbf) built with libnl-route-3, sent through our rtnetlink batches. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "netns/nl.h"
#include "core/error.h"

/*
 * Token bucket parameters, all already validated by the planner (net.c):
 * 0 < rate <= SBX_TC_MAX_RATE, burst >= one full frame, limit = rate *
 * latency + burst fits 32 bits.
 */
struct sbx_tc_tbf {
	bool enabled;
	uint64_t rate;	/* bytes per second */
	uint32_t burst; /* bucket size, bytes */
	uint32_t limit; /* queue size, bytes (from latency, as tc computes it) */
};

/*
 * libnl's rtnl_qdisc_tbf_set_rate() takes an int of bytes/s and sends no
 * TCA_TBF_RATE64, so ~17.18 Gbit/s is the largest rate we can express. That
 * is far above what a veth pair carries per sandbox anyway.
 */
#define SBX_TC_MAX_RATE ((uint64_t)INT32_MAX)

/*
 * Appends "tc qdisc add dev IFNAME root handle 1: tbf rate R burst B limit L"
 * for ifindex to the batch. The message is built by libnl-route-3 (rate
 * table, psched tick conversion) and sent by our own socket, so errors carry
 * the kernel's extended-ACK text like every other request. libnl's -NLE_*
 * codes are translated to -errno here. Returns 0 or -errno with err set.
 */
int sbx_tc_put_tbf(struct sbx_nl_batch *b, int ifindex, const char *ifname,
		   const struct sbx_tc_tbf *tbf, struct sbx_error *err);

/*
 * Appends "tc qdisc add dev IFNAME ingress" and a match-all u32 filter on it
 * whose mirred action redirects every received packet to the egress of
 * to_ifindex (an ifb, where a tbf can shape what IFNAME receives). Built by
 * libnl-route-3 like the tbf. Returns 0 or -errno with err set.
 */
int sbx_tc_put_ingress_redirect(struct sbx_nl_batch *b, int ifindex, const char *ifname, int to_ifindex,
				const char *to_ifname, struct sbx_error *err);

/* libnl -NLE_* (negative or positive) -> negative errno; for errors raised inside netns/. */
int sbx_tc_nle_to_errno(int nle);

/* SPDX-License-Identifier: Apache-2.0 */
/* Links, addresses and routes as rtnetlink requests (libmnl): loopback, veth, delete. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "netns/nl.h"
#include "core/error.h"

/* An interface address with its prefix length ("10.201.0.2/30"). */
struct sbx_ipaddr {
	int family; /* AF_INET or AF_INET6; 0 = unset */
	uint8_t prefix;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

/* "10.201.0.2/30", "fd00::2/64"; buf should hold INET6_ADDRSTRLEN + 4. Returns buf. */
char *sbx_ipaddr_format(const struct sbx_ipaddr *a, char *buf, size_t len);
/* Address only, without the prefix ("10.201.0.1"). */
char *sbx_ipaddr_format_addr(const struct sbx_ipaddr *a, char *buf, size_t len);

/*
 * Brings `lo` up in the calling thread's network namespace: one socket, one
 * request, one answer. The kernel then adds 127.0.0.1/8 and ::1 itself.
 * Meant for the sandbox child right after clone (it is root of its own user
 * namespace there, so it holds CAP_NET_ADMIN over its new netns).
 */
int sbx_link_lo_up(struct sbx_error *err);

/* Appends "ip link add NAME type ifb" (down; bring it up with sbx_link_put_up once its index is known). */
int sbx_link_put_ifb(struct sbx_nl_batch *b, const char *name);

/*
 * Request builders: each appends one request to a batch and returns 0 or
 * -ENOBUFS when the batch is full (a programming error).
 */

/*
 * A veth pair: `name` in the socket's namespace and `peer_name` created
 * directly in peer_netns_fd's namespace (IFLA_NET_NS_FD inside
 * VETH_INFO_PEER: the peer is never visible on the host, nothing is moved
 * afterwards). With up, the local end is created administratively up, which
 * spares an RTM_NEWLINK; the peer can only be set up afterwards (the kernel
 * configures it before the pair is linked, when opening it fails).
 */
int sbx_link_put_veth(struct sbx_nl_batch *b, const char *name, const char *peer_name,
		      int peer_netns_fd, bool up);
/* Sets IFF_UP on ifindex (1 = lo in every namespace). */
int sbx_link_put_up(struct sbx_nl_batch *b, int ifindex, const char *ifname);
/* Adds a (v4 or v6) address; IPv6 ones skip DAD: the link is a private pair. */
int sbx_link_put_addr(struct sbx_nl_batch *b, int ifindex, const char *ifname,
		      const struct sbx_ipaddr *addr);
/* Adds the default route of gw's family via gw on ifindex. */
int sbx_link_put_default_route(struct sbx_nl_batch *b, int ifindex, const char *ifname,
			       const struct sbx_ipaddr *gw);

/*
 * Deletes a link by name in nl's namespace (a veth takes its peer along).
 * Synchronous and slow (~30 ms: the kernel waits for RCU); keep it off the
 * critical path. Returns 0, -ENODEV if there is no such link, or -errno.
 */
int sbx_link_delete(struct sbx_nl *nl, const char *name, struct sbx_error *err);
/*
 * The same by ifindex (name only for messages): for a link found by a dump,
 * so that a newer link that took over the name meanwhile is never hit
 * (ifindexes are allocated cyclically, not reused at once).
 */
int sbx_link_delete_index(struct sbx_nl *nl, int ifindex, const char *name, struct sbx_error *err);

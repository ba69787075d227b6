/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink over libmnl: sockets with extended ACKs, batched requests, dumps. */
#pragma once

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * One NETLINK_ROUTE socket, bound to the network namespace that was current
 * when it was opened (a socket keeps its netns for life, whatever the thread
 * does later). NETLINK_EXT_ACK and NETLINK_CAP_ACK are on, so errors carry
 * the kernel's own text and never echo our request back.
 */
struct sbx_nl;

/* Opens a socket in the calling thread's current network namespace. */
int sbx_nl_open(struct sbx_nl **ret, struct sbx_error *err);
/*
 * Opens a socket in the network namespace netns_fd (an nsfs fd, e.g.
 * /proc/PID/ns/net; not a pidfd) by entering it with setns() and returning to
 * the thread's namespace before this returns. Needs CAP_SYS_ADMIN over both
 * namespaces. The runtime is single-threaded when it calls this; only the
 * calling thread moves.
 */
int sbx_nl_open_in_netns(int netns_fd, struct sbx_nl **ret, struct sbx_error *err);
/* Closes the socket (NULL is fine). A socket pins its netns: close sandbox ones promptly. */
void sbx_nl_close(struct sbx_nl *nl);
static inline void sbx_nl_closep(struct sbx_nl **nl)
{
	sbx_nl_close(*nl);
}
/* The socket's fd, for poll() or ioctl(); still owned by nl. */
int sbx_nl_fd(const struct sbx_nl *nl);

/*
 * Interface name -> index in the socket's namespace, through the socket-level
 * SIOCGIFINDEX fallback that every socket family (netlink too) has: one
 * syscall, no dump. Returns the index or -errno (-ENODEV).
 */
int sbx_nl_ifindex(struct sbx_nl *nl, const char *name);

/* The name of an rtnetlink message type ("RTM_NEWLINK"), for messages. */
const char *sbx_nl_type_name(uint16_t type);

/*
 * A batch: several requests written into one buffer and sent with a single
 * sendmsg(). The kernel runs them in order; only the last asks for an ACK,
 * earlier ones answer only when they fail, so a successful batch costs one
 * send and one receive. Each request carries a short description for errors.
 */
#define SBX_NL_BATCH_MAX 16
#define SBX_NL_BATCH_BUF 16384

struct sbx_nl_batch {
	size_t len; /* bytes used in buf by finished messages */
	unsigned n;
	struct nlmsghdr *cur; /* the message being built */
	uint16_t types[SBX_NL_BATCH_MAX];
	char what[SBX_NL_BATCH_MAX][96];
	char buf[SBX_NL_BATCH_BUF] __attribute__((aligned(8)));
};

void sbx_nl_batch_init(struct sbx_nl_batch *b);
/*
 * Starts a request of `type` with `flags` (NLM_F_REQUEST is added) followed
 * by a zeroed family header of hdrlen bytes (struct ifinfomsg, ifaddrmsg...;
 * mnl_nlmsg_get_payload() returns it). `what` describes the request in
 * errors ("eth0 10.0.0.2/30"). Fill attributes with mnl_attr_put*(): each
 * request has at least 2 KiB of room. Returns NULL when the batch is full.
 */
struct nlmsghdr *sbx_nl_batch_add(struct sbx_nl_batch *b, uint16_t type, uint16_t flags,
				  size_t hdrlen, const char *what_fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Appends a finished message built elsewhere (libnl); header fields are reset. */
int sbx_nl_batch_add_raw(struct sbx_nl_batch *b, const struct nlmsghdr *msg, const char *what);
/*
 * Sends the batch and reads the answers. On failure returns -errno and fills
 * err with "netlink: RTM_NEWADDR eth0 10.0.0.2/30: File exists (kernel: ...)"
 * for the first request that failed. The batch is reset either way.
 */
int sbx_nl_batch_commit(struct sbx_nl *nl, struct sbx_nl_batch *b, struct sbx_error *err);

/*
 * sbx_nl_batch_commit() on a socket of its own, opened in the calling
 * thread's network namespace and closed before returning. Allocation-free
 * (b may live on the stack): for a process that must not allocate, such as
 * the sandbox child (runtime/spawn.h).
 */
int sbx_nl_batch_run(struct sbx_nl_batch *b, struct sbx_error *err);

/*
 * Sends a dump request (NLM_F_DUMP is added) and calls cb for each answer
 * (a libmnl mnl_cb_t: return MNL_CB_OK to go on, MNL_CB_ERROR to stop).
 */
int sbx_nl_dump(struct sbx_nl *nl, uint16_t type, const void *hdr, size_t hdrlen,
		int (*cb)(const struct nlmsghdr *nlh, void *data), void *data, struct sbx_error *err);

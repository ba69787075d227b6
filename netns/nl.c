/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink over libmnl: extended ACKs to sbx_error, batches, dumps, netns sockets. */
#include "netns/nl.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/util.h"

/* A plain socket, not libmnl's (which allocates): sbx_nl_batch_run() keeps one on the stack. */
struct sbx_nl {
	int fd;
	uint32_t seq;
};

/* Room kept free for the message being built by sbx_nl_batch_add(). */
#define BATCH_MSG_ROOM 2048

/* Opens the socket into nl; allocation-free. */
static int nl_init(struct sbx_nl *nl, struct sbx_error *err)
{
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0)
		return sbx_err_sys(err, "netlink: cannot open a NETLINK_ROUTE socket");
	/*
	 * EXT_ACK: the kernel explains its refusals ("Specified qdisc kind is
	 * unknown"); CAP_ACK: ACKs do not echo our (large) request back. Both
	 * are optional features; a kernel without them still works, with
	 * plainer errors.
	 */
	int one = 1;
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Any start works: replies are matched on seq and the kernel's sender id. */
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

int sbx_nl_open(struct sbx_nl **ret, struct sbx_error *err)
{
	struct sbx_nl tmp;
	int r = nl_init(&tmp, err);
	if (r < 0)
		return r;
	struct sbx_nl *nl = sbx_xmalloc(sizeof(*nl));
	*nl = tmp;
	*ret = nl;
	return 0;
}

/* The kernel's address, for sendto(). */
static ssize_t send_to_kernel(const struct sbx_nl *nl, const void *buf, size_t len)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	return sendto(nl->fd, buf, len, 0, (const struct sockaddr *)&sa, sizeof(sa));
}

int sbx_nl_open_in_netns(int netns_fd, struct sbx_nl **ret, struct sbx_error *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return sbx_err_sys(err, "netlink: cannot open /proc/thread-self/ns/net");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return sbx_err_sys(err, "netlink: cannot enter the sandbox network namespace");

	struct sbx_nl *nl = NULL;
	int r = sbx_nl_open(&nl, err);

	/*
	 * The socket stays in the sandbox namespace; the thread goes back. If
	 * going back failed the thread would act on the wrong namespace from
	 * here on, so that is reported as the error, whatever happened before.
	 */
	if (setns(self, CLONE_NEWNET) < 0) {
		int e = errno;
		sbx_nl_close(nl);
		return sbx_err_errno(err, e,
				     "netlink: cannot return to the original network namespace "
				     "(this thread is now in the sandbox's)");
	}
	if (r < 0)
		return r;
	*ret = nl;
	return 0;
}

void sbx_nl_close(struct sbx_nl *nl)
{
	if (!nl)
		return;
	if (nl->fd >= 0)
		close(nl->fd);
	free(nl);
}

int sbx_nl_fd(const struct sbx_nl *nl)
{
	return nl->fd;
}

int sbx_nl_ifindex(struct sbx_nl *nl, const char *name)
{
	struct ifreq ifr;

	if (!name || !*name || strlen(name) >= sizeof(ifr.ifr_name))
		return -EINVAL;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(sbx_nl_fd(nl), SIOCGIFINDEX, &ifr) < 0)
		return -errno;
	return ifr.ifr_ifindex;
}

const char *sbx_nl_type_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK:
		return "RTM_NEWLINK";
	case RTM_DELLINK:
		return "RTM_DELLINK";
	case RTM_GETLINK:
		return "RTM_GETLINK";
	case RTM_NEWADDR:
		return "RTM_NEWADDR";
	case RTM_DELADDR:
		return "RTM_DELADDR";
	case RTM_GETADDR:
		return "RTM_GETADDR";
	case RTM_NEWROUTE:
		return "RTM_NEWROUTE";
	case RTM_DELROUTE:
		return "RTM_DELROUTE";
	case RTM_GETROUTE:
		return "RTM_GETROUTE";
	case RTM_NEWQDISC:
		return "RTM_NEWQDISC";
	case RTM_DELQDISC:
		return "RTM_DELQDISC";
	case RTM_GETQDISC:
		return "RTM_GETQDISC";
	case RTM_NEWTFILTER:
		return "RTM_NEWTFILTER";
	default:
		return "RTM_?";
	}
}

void sbx_nl_batch_init(struct sbx_nl_batch *b)
{
	b->len = 0;
	b->n = 0;
	b->cur = NULL;
}

/* Closes the message being built: its final length is now known. */
static void batch_finish_cur(struct sbx_nl_batch *b)
{
	if (!b->cur)
		return;
	b->len = (size_t)((char *)b->cur - b->buf) + NLMSG_ALIGN(b->cur->nlmsg_len);
	b->cur = NULL;
}

struct nlmsghdr *sbx_nl_batch_add(struct sbx_nl_batch *b, uint16_t type, uint16_t flags,
				  size_t hdrlen, const char *what_fmt, ...)
{
	batch_finish_cur(b);
	if (b->n >= SBX_NL_BATCH_MAX || b->len + BATCH_MSG_ROOM > sizeof(b->buf))
		return NULL;

	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b->buf + b->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	if (hdrlen)
		mnl_nlmsg_put_extra_header(nlh, hdrlen);

	va_list ap;
	va_start(ap, what_fmt);
	vsnprintf(b->what[b->n], sizeof(b->what[b->n]), what_fmt, ap);
	va_end(ap);
	b->types[b->n++] = type;
	b->cur = nlh;
	return nlh;
}

int sbx_nl_batch_add_raw(struct sbx_nl_batch *b, const struct nlmsghdr *msg, const char *what)
{
	batch_finish_cur(b);
	if (msg->nlmsg_len < sizeof(*msg))
		return -EINVAL;
	if (b->n >= SBX_NL_BATCH_MAX || b->len + NLMSG_ALIGN(msg->nlmsg_len) > sizeof(b->buf))
		return -ENOBUFS;

	struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + b->len);
	memcpy(nlh, msg, msg->nlmsg_len);
	/* Only the request flags that describe the operation survive (CREATE/EXCL/REPLACE). */
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | (msg->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL |
									      NLM_F_REPLACE | NLM_F_APPEND)));
	nlh->nlmsg_pid = 0;
	snprintf(b->what[b->n], sizeof(b->what[b->n]), "%s", what);
	b->types[b->n++] = msg->nlmsg_type;
	b->len += NLMSG_ALIGN(msg->nlmsg_len);
	return 0;
}

/*
 * Receives one datagram, accepting it only from the kernel (nl_pid 0): any
 * local process may unicast to our port id, and a forged ACK must not make a
 * failed setup look successful.
 */
static ssize_t recv_from_kernel(struct sbx_nl *nl, void *buf, size_t len)
{
	for (;;) {
		struct sockaddr_nl sa;
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct msghdr msg = {
			.msg_name = &sa,
			.msg_namelen = sizeof(sa),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(sbx_nl_fd(nl), &msg, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
			continue;
		return n;
	}
}

struct ack_info {
	int error; /* negative errno from the kernel, 0 = success */
	const char *ext_msg;
};

static int ext_ack_attr_cb(const struct nlattr *attr, void *data)
{
	struct ack_info *info = data;
	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		info->ext_msg = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

/* Decodes an NLMSG_ERROR: the errno and, if the kernel sent one, its text. */
static void parse_ack(const struct nlmsghdr *nlh, struct ack_info *info)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	info->error = -EPROTO;
	info->ext_msg = NULL;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return;
	info->error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* The TLVs follow the error, after our request unless the ACK was capped. */
	size_t off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return;
	(void)mnl_attr_parse(nlh, (unsigned)off, ext_ack_attr_cb, info);
}

int sbx_nl_batch_commit(struct sbx_nl *nl, struct sbx_nl_batch *b, struct sbx_error *err)
{
	batch_finish_cur(b);
	unsigned n = b->n;
	if (n == 0)
		return 0;

	/* Number the requests; only the last asks for an ACK (see nl.h). */
	uint32_t first_seq = nl->seq + 1;
	size_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + off);
		nlh->nlmsg_seq = ++nl->seq;
		if (i == n - 1)
			nlh->nlmsg_flags |= NLM_F_ACK;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	uint32_t last_seq = nl->seq;
	size_t len = b->len;
	sbx_nl_batch_init(b);

	if (send_to_kernel(nl, b->buf, len) < 0)
		return sbx_err_sys(err, "netlink: %s %s: send failed", sbx_nl_type_name(b->types[0]),
				   b->what[0]);

	int first_err = 0;
	unsigned err_idx = 0;
	char ext[256] = "";
	char rbuf[8192] __attribute__((aligned(8)));
	for (bool done = false; !done;) {
		ssize_t r = recv_from_kernel(nl, rbuf, sizeof(rbuf));
		if (r < 0)
			return sbx_err_errno(err, (int)r, "netlink: %s %s: no answer from the kernel",
					     sbx_nl_type_name(b->types[n - 1]), b->what[n - 1]);
		int left = (int)r;
		for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			/* Stale answers to an earlier, abandoned exchange are skipped. */
			if (nlh->nlmsg_seq < first_seq || nlh->nlmsg_seq > last_seq)
				continue;
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			struct ack_info info;
			parse_ack(nlh, &info);
			if (info.error != 0 && first_err == 0) {
				first_err = info.error;
				err_idx = nlh->nlmsg_seq - first_seq;
				snprintf(ext, sizeof(ext), "%s", info.ext_msg ? info.ext_msg : "");
			}
			if (nlh->nlmsg_seq == last_seq)
				done = true;
		}
	}
	/*
	 * Only the first failure is reported: later requests of a batch often
	 * fail because of it (a route without its address), which would hide
	 * the cause.
	 */
	if (first_err == 0)
		return 0;
	if (first_err > 0) /* not an errno: the kernel never does this */
		first_err = -EPROTO;
	if (ext[0])
		return sbx_err_set(err, -first_err, "netlink: %s %s: %s (kernel: %s)",
				   sbx_nl_type_name(b->types[err_idx]), b->what[err_idx],
				   strerror(-first_err), ext);
	return sbx_err_set(err, -first_err, "netlink: %s %s: %s", sbx_nl_type_name(b->types[err_idx]),
			   b->what[err_idx], strerror(-first_err));
}

int sbx_nl_batch_run(struct sbx_nl_batch *b, struct sbx_error *err)
{
	struct sbx_nl nl = {.fd = -1, .seq = 0};
	int r = nl_init(&nl, err);
	if (r < 0)
		return r;
	r = sbx_nl_batch_commit(&nl, b, err);
	close(nl.fd);
	return r;
}

struct dump_ctx {
	int (*cb)(const struct nlmsghdr *nlh, void *data);
	void *data;
	int cb_failed;
};

/* Keeps reading to NLMSG_DONE after a callback fails: a half-read dump would poison the socket. */
static int dump_wrap_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *ctx = data;
	if (ctx->cb_failed)
		return MNL_CB_OK;
	if (ctx->cb(nlh, ctx->data) < MNL_CB_OK)
		ctx->cb_failed = 1;
	return MNL_CB_OK;
}

int sbx_nl_dump(struct sbx_nl *nl, uint16_t type, const void *hdr, size_t hdrlen,
		int (*cb)(const struct nlmsghdr *nlh, void *data), void *data, struct sbx_error *err)
{
	char buf[32768] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++nl->seq;
	if (hdrlen)
		memcpy(mnl_nlmsg_put_extra_header(nlh, hdrlen), hdr, hdrlen);
	uint32_t seq = nlh->nlmsg_seq;

	if (send_to_kernel(nl, nlh, nlh->nlmsg_len) < 0)
		return sbx_err_sys(err, "netlink: %s dump: send failed", sbx_nl_type_name(type));

	struct dump_ctx ctx = { cb, data, 0 };
	for (;;) {
		ssize_t n = recv_from_kernel(nl, buf, sizeof(buf));
		if (n < 0)
			return sbx_err_errno(err, (int)n, "netlink: %s dump", sbx_nl_type_name(type));
		/* A stale reply to an earlier, abandoned exchange: skip it. */
		if ((size_t)n >= sizeof(struct nlmsghdr) && ((struct nlmsghdr *)buf)->nlmsg_seq != seq)
			continue;
		int r = mnl_cb_run(buf, (size_t)n, seq, 0, dump_wrap_cb, &ctx);
		if (r == MNL_CB_STOP)
			break;
		if (r < 0)
			return sbx_err_sys(err, "netlink: %s dump", sbx_nl_type_name(type));
	}
	if (ctx.cb_failed)
		return sbx_err_set(err, EPROTO, "netlink: %s dump: unexpected answer", sbx_nl_type_name(type));
	return 0;
}

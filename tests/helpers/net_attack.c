/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static attack probe, run inside a sandbox: tries to reconfigure the
 * sandbox's network and to open raw/packet sockets. Prints one line per try:
 *
 *   DENIED  <what>: <errno text>     (EPERM/EACCES: what we want)
 *   ALLOWED <what>                   (the sandbox could do it: a hole)
 *   ODD     <what>: <errno text>     (failed for another reason: inconclusive,
 *                                     counted as a failure so it is looked at)
 *
 * Usage: net_attack [IFNAME]   (default eth0, falling back to lo)
 * Exit 0 iff every try was DENIED.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;

static void verdict(const char *what, int ok, int err)
{
	if (ok) {
		printf("ALLOWED %s\n", what);
		failures++;
	} else if (err == EPERM || err == EACCES) {
		printf("DENIED  %s: %s\n", what, strerror(err));
	} else {
		printf("ODD     %s: %s\n", what, strerror(err));
		failures++;
	}
}

struct req {
	struct nlmsghdr nlh;
	char payload[512];
};

static void put_attr(struct req *r, int type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)&r->nlh + NLMSG_ALIGN(r->nlh.nlmsg_len));
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static void *start(struct req *r, int type, int flags, size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	r->nlh.nlmsg_type = (unsigned short)type;
	r->nlh.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
	return NLMSG_DATA(&r->nlh);
}

/* Sends one request; returns 0 on success or the positive errno. */
static int talk(struct req *r)
{
	static unsigned seq;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return errno;
	r->nlh.nlmsg_seq = ++seq;
	if (send(fd, r, r->nlh.nlmsg_len, 0) < 0) {
		int e = errno;
		close(fd);
		return e;
	}
	char buf[8192] __attribute__((aligned(8)));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			int e = errno;
			close(fd);
			return e;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == seq) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				close(fd);
				return -e->error;
			}
		}
	}
}

static void nl_try(const char *what, struct req *r)
{
	int e = talk(r);
	verdict(what, e == 0, e);
}

static void sock_try(const char *what, int domain, int type, int proto)
{
	int fd = socket(domain, type | SOCK_CLOEXEC, proto);
	int e = errno;
	/* sbxctr's default seccomp profile refuses these families outright (EAFNOSUPPORT) */
	if (fd < 0 && e == EAFNOSUPPORT && domain == AF_PACKET) {
		printf("DENIED  %s: %s (seccomp)\n", what, strerror(e));
		return;
	}
	verdict(what, fd >= 0, e);
	if (fd >= 0)
		close(fd);
}

static void ioctl_try(const char *what, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		verdict(what, 0, errno);
		return;
	}
	int r = ioctl(fd, req, ifr);
	verdict(what, r == 0, errno);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "eth0";
	int idx = (int)if_nametoindex(dev);
	if (idx == 0) {
		dev = "lo";
		idx = 1;
	}
	printf("target %s (ifindex %d)\n", dev, idx);
	struct req r;
	char what[128];

	/* addresses */
	struct ifaddrmsg *ifa = start(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = (unsigned)idx;
	struct in_addr a4;
	inet_pton(AF_INET, "10.99.0.1", &a4);
	put_attr(&r, IFA_LOCAL, &a4, sizeof(a4));
	snprintf(what, sizeof(what), "add address 10.99.0.1/24 to %s", dev);
	nl_try(what, &r);

	ifa = start(&r, RTM_DELADDR, 0, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_index = (unsigned)idx;
	snprintf(what, sizeof(what), "delete the addresses of %s", dev);
	nl_try(what, &r);

	/* routes */
	struct rtmsg *rtm = start(&r, RTM_DELROUTE, 0, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	nl_try("delete the default route", &r);

	rtm = start(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	put_attr(&r, RTA_OIF, &idx, sizeof(idx));
	nl_try("replace the default route", &r);

	/* qdiscs: lifting the egress limit */
	struct tcmsg *tcm = start(&r, RTM_DELQDISC, 0, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = idx;
	tcm->tcm_parent = TC_H_ROOT;
	snprintf(what, sizeof(what), "delete the root qdisc of %s", dev);
	nl_try(what, &r);

	tcm = start(&r, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = idx;
	tcm->tcm_parent = TC_H_ROOT;
	put_attr(&r, TCA_KIND, "pfifo", 6);
	snprintf(what, sizeof(what), "replace the root qdisc of %s with pfifo", dev);
	nl_try(what, &r);

	tcm = start(&r, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = idx;
	tcm->tcm_parent = TC_H_INGRESS;
	tcm->tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0);
	put_attr(&r, TCA_KIND, "ingress", 8);
	snprintf(what, sizeof(what), "add an ingress qdisc to %s", dev);
	nl_try(what, &r);

	/* links */
	struct ifinfomsg *ifi = start(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	ifi->ifi_change = IFF_UP; /* flags 0: down */
	snprintf(what, sizeof(what), "set %s down", dev);
	nl_try(what, &r);

	ifi = start(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	unsigned mtu = 9000;
	put_attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
	snprintf(what, sizeof(what), "set the mtu of %s", dev);
	nl_try(what, &r);

	ifi = start(&r, RTM_DELLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	snprintf(what, sizeof(what), "delete %s", dev);
	nl_try(what, &r);

	ifi = start(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	put_attr(&r, IFLA_IFNAME, "evil0", 6);
	nl_try("create a new link", &r);

	/* the same through ioctls */
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_flags = 0;
	ioctl_try("SIOCSIFFLAGS (down)", SIOCSIFFLAGS, &ifr);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_mtu = 9000;
	ioctl_try("SIOCSIFMTU", SIOCSIFMTU, &ifr);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr = a4;
	ioctl_try("SIOCSIFADDR", SIOCSIFADDR, &ifr);

	/* raw and packet sockets */
	sock_try("socket(AF_PACKET, SOCK_RAW)", AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sock_try("socket(AF_PACKET, SOCK_DGRAM)", AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	sock_try("socket(AF_INET, SOCK_RAW, IPPROTO_RAW)", AF_INET, SOCK_RAW, IPPROTO_RAW);
	sock_try("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)", AF_INET, SOCK_RAW, IPPROTO_ICMP);
	sock_try("socket(AF_INET, SOCK_RAW, IPPROTO_TCP)", AF_INET, SOCK_RAW, IPPROTO_TCP);
	sock_try("socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)", AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);

	/* SO_MARK would let traffic escape a mark-based policy */
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		int mark = 1;
		int rr = setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
		verdict("setsockopt(SO_MARK)", rr == 0, errno);
		close(fd);
	}

	printf("%s: %d hole(s)\n", failures ? "FAIL" : "OK", failures);
	return failures ? 1 : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_netlink_route: change links, addresses and routes over rtnetlink.
 * NETLINK_ROUTE sockets are allowed (reading the sandbox's own interfaces is
 * normal), but every change needs CAP_NET_ADMIN over the network
 * namespace's owner: the kernel acknowledges each request with -EPERM.
 * Tried: add an address to lo, delete 127.0.0.1, set lo down, create a
 * dummy and a veth link, move lo to pid 1's namespace, add a default route.
 * Afterwards lo must be as the runtime left it; the driver compares the
 * host's links, addresses and routes.
 */
#include "atk.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

struct req {
	struct nlmsghdr n;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	};
	char attrs[512];
};

static void add_attr(struct nlmsghdr *n, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static struct rtattr *nest_start(struct nlmsghdr *n, unsigned short type)
{
	struct rtattr *a = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
	add_attr(n, type, NULL, 0);
	return a;
}

static void nest_end(struct nlmsghdr *n, struct rtattr *a)
{
	a->rta_len = (unsigned short)((char *)n + n->nlmsg_len - (char *)a);
}

/* Sends one request and returns the kernel's ack as -errno (0 = it worked). */
static long talk(int fd, struct req *r)
{
	static unsigned seq;
	r->n.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->n.nlmsg_seq = ++seq;
	if (send(fd, r, r->n.nlmsg_len, 0) < 0)
		return -errno;
	char buf[8192];
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)len); h = NLMSG_NEXT(h, len))
			if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == seq)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
}

static void expect_eperm(const char *what, int fd, struct req *r)
{
	long e = talk(fd, r);
	ATK_EXPECT_ERR(what, (errno = (int)-e, e < 0 ? -1 : 0), EPERM);
}

static void init_req(struct req *r, unsigned short type, unsigned short flags, size_t body)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = (unsigned)NLMSG_LENGTH(body);
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = flags;
}

static int lo_flags(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	int r = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 ? ifr.ifr_flags : -1;
	if (s >= 0)
		close(s);
	return r;
}

int main(void)
{
	int flags0 = lo_flags();
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return atk_setup("socket(NETLINK_ROUTE): %s", atk_errname(errno)), atk_finish("atk_netlink_route");
	int lo = (int)if_nametoindex("lo");
	struct req r;

	init_req(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifaddrmsg));
	r.ifa.ifa_family = AF_INET;
	r.ifa.ifa_prefixlen = 24;
	r.ifa.ifa_index = (unsigned)lo;
	struct in_addr a;
	inet_pton(AF_INET, "10.99.0.1", &a);
	add_attr(&r.n, IFA_LOCAL, &a, 4);
	add_attr(&r.n, IFA_ADDRESS, &a, 4);
	expect_eperm("RTM_NEWADDR 10.99.0.1/24 on lo", fd, &r);

	init_req(&r, RTM_DELADDR, 0, sizeof(struct ifaddrmsg));
	r.ifa.ifa_family = AF_INET;
	r.ifa.ifa_prefixlen = 8;
	r.ifa.ifa_index = (unsigned)lo;
	inet_pton(AF_INET, "127.0.0.1", &a);
	add_attr(&r.n, IFA_LOCAL, &a, 4);
	expect_eperm("RTM_DELADDR 127.0.0.1/8", fd, &r);

	init_req(&r, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	r.ifi.ifi_index = lo;
	r.ifi.ifi_change = IFF_UP;
	r.ifi.ifi_flags = 0;
	expect_eperm("RTM_NEWLINK set lo down", fd, &r);

	init_req(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	add_attr(&r.n, IFLA_IFNAME, "sbxevil0", 9);
	struct rtattr *li = nest_start(&r.n, IFLA_LINKINFO);
	add_attr(&r.n, IFLA_INFO_KIND, "dummy", 6);
	nest_end(&r.n, li);
	expect_eperm("RTM_NEWLINK create dummy sbxevil0", fd, &r);

	init_req(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	add_attr(&r.n, IFLA_IFNAME, "sbxevil1", 9);
	li = nest_start(&r.n, IFLA_LINKINFO);
	add_attr(&r.n, IFLA_INFO_KIND, "veth", 5);
	struct rtattr *data = nest_start(&r.n, IFLA_INFO_DATA);
	struct rtattr *peer = nest_start(&r.n, VETH_INFO_PEER);
	r.n.nlmsg_len += sizeof(struct ifinfomsg);
	add_attr(&r.n, IFLA_IFNAME, "sbxevil2", 9);
	unsigned pid1 = 1;
	add_attr(&r.n, IFLA_NET_NS_PID, &pid1, 4);
	nest_end(&r.n, peer);
	nest_end(&r.n, data);
	nest_end(&r.n, li);
	expect_eperm("RTM_NEWLINK create veth sbxevil1 with its peer in pid 1's netns", fd, &r);

	init_req(&r, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	r.ifi.ifi_index = lo;
	add_attr(&r.n, IFLA_NET_NS_PID, &pid1, 4);
	expect_eperm("RTM_NEWLINK move lo to pid 1's netns", fd, &r);

	init_req(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct rtmsg));
	r.rt.rtm_family = AF_INET;
	r.rt.rtm_table = RT_TABLE_MAIN;
	r.rt.rtm_protocol = RTPROT_BOOT;
	r.rt.rtm_scope = RT_SCOPE_UNIVERSE;
	r.rt.rtm_type = RTN_UNICAST;
	inet_pton(AF_INET, "127.0.0.1", &a);
	add_attr(&r.n, RTA_GATEWAY, &a, 4);
	add_attr(&r.n, RTA_OIF, &lo, 4);
	expect_eperm("RTM_NEWROUTE default via 127.0.0.1", fd, &r);
	close(fd);

	/* lo is as the runtime left it */
	int flags1 = lo_flags();
	if (flags1 != flags0)
		atk_hole("lo's flags changed: %#x -> %#x", (unsigned)flags0, (unsigned)flags1);
	else
		atk_ok("lo is as the runtime left it (%s)", flags1 & IFF_UP ? "up" : "down");
	if (if_nametoindex("sbxevil0") || if_nametoindex("sbxevil1") || if_nametoindex("sbxevil2"))
		atk_hole("a link of ours exists");
	return atk_finish("atk_netlink_route");
}

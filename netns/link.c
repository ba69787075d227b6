/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink requests for links, addresses and routes, built with libmnl. */
#include "netns/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"

char *sbx_ipaddr_format_addr(const struct sbx_ipaddr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (!a || (a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

char *sbx_ipaddr_format(const struct sbx_ipaddr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	sbx_ipaddr_format_addr(a, tmp, sizeof(tmp));
	snprintf(buf, len, "%s/%u", tmp, a ? (unsigned)a->prefix : 0u);
	return buf;
}

static void *put_zero_header(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

int sbx_link_put_up(struct sbx_nl_batch *b, int ifindex, const char *ifname)
{
	struct nlmsghdr *nlh =
		sbx_nl_batch_add(b, RTM_NEWLINK, 0, sizeof(struct ifinfomsg), "%s up", ifname);
	if (!nlh)
		return -ENOBUFS;
	struct ifinfomsg *ifi = put_zero_header(nlh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return 0;
}

int sbx_link_lo_up(struct sbx_error *err)
{
	struct sbx_nl_batch b;
	sbx_nl_batch_init(&b);
	/* lo is ifindex 1 in every namespace (LOOPBACK_IFINDEX): no lookup needed. */
	int r = sbx_link_put_up(&b, 1, "lo");
	if (r < 0)
		return sbx_err_errno(err, r, "lo up");
	return sbx_nl_batch_run(&b, err);
}

int sbx_link_put_ifb(struct sbx_nl_batch *b, const char *name)
{
	struct nlmsghdr *nlh = sbx_nl_batch_add(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg),
						"ifb %s", name);
	if (!nlh)
		return -ENOBUFS;
	struct ifinfomsg *ifi = put_zero_header(nlh);
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ifb");
	mnl_attr_nest_end(nlh, linkinfo);
	return 0;
}

int sbx_link_put_veth(struct sbx_nl_batch *b, const char *name, const char *peer_name,
		      int peer_netns_fd, bool up)
{
	struct nlmsghdr *nlh = sbx_nl_batch_add(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
						sizeof(struct ifinfomsg), "veth %s (peer %s)", name,
						peer_name);
	if (!nlh)
		return -ENOBUFS;
	struct ifinfomsg *ifi = put_zero_header(nlh);
	ifi->ifi_family = AF_UNSPEC;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);

	struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* VETH_INFO_PEER holds a whole ifinfomsg, then the peer's attributes. */
	/*
	 * The peer stays down here: the kernel configures it before the pair
	 * is linked, and opening a veth without its peer fails (ENOTCONN).
	 */
	struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return 0;
}

int sbx_link_put_addr(struct sbx_nl_batch *b, int ifindex, const char *ifname,
		      const struct sbx_ipaddr *addr)
{
	char abuf[INET6_ADDRSTRLEN + 8];
	struct nlmsghdr *nlh =
		sbx_nl_batch_add(b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifaddrmsg),
				 "%s %s", ifname, sbx_ipaddr_format(addr, abuf, sizeof(abuf)));
	if (!nlh)
		return -ENOBUFS;
	struct ifaddrmsg *ifa = put_zero_header(nlh);
	ifa->ifa_family = (uint8_t)addr->family;
	ifa->ifa_prefixlen = addr->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	size_t alen = addr->family == AF_INET ? sizeof(addr->v4) : sizeof(addr->v6);
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr->bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr->bytes);
	if (addr->family == AF_INET6) {
		/*
		 * Without NODAD the address stays "tentative" for about a
		 * second and the sandbox's first IPv6 packets fail. Nothing
		 * else can own an address on a private pair.
		 */
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return 0;
}

int sbx_link_put_default_route(struct sbx_nl_batch *b, int ifindex, const char *ifname,
			       const struct sbx_ipaddr *gw)
{
	char abuf[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh = sbx_nl_batch_add(
		b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct rtmsg), "default via %s dev %s",
		sbx_ipaddr_format_addr(gw, abuf, sizeof(abuf)), ifname);
	if (!nlh)
		return -ENOBUFS;
	struct rtmsg *rtm = put_zero_header(nlh);
	rtm->rtm_family = (uint8_t)gw->family;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, gw->family == AF_INET ? sizeof(gw->v4) : sizeof(gw->v6),
		     gw->bytes);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return 0;
}

int sbx_link_delete(struct sbx_nl *nl, const char *name, struct sbx_error *err)
{
	struct sbx_nl_batch b;
	sbx_nl_batch_init(&b);
	struct nlmsghdr *nlh = sbx_nl_batch_add(&b, RTM_DELLINK, 0, sizeof(struct ifinfomsg), "%s", name);
	if (!nlh)
		return sbx_err_set(err, ENOBUFS, "netlink: RTM_DELLINK %s: batch full", name);
	struct ifinfomsg *ifi = put_zero_header(nlh);
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return sbx_nl_batch_commit(nl, &b, err);
}

int sbx_link_delete_index(struct sbx_nl *nl, int ifindex, const char *name, struct sbx_error *err)
{
	struct sbx_nl_batch b;
	sbx_nl_batch_init(&b);
	struct nlmsghdr *nlh = sbx_nl_batch_add(&b, RTM_DELLINK, 0, sizeof(struct ifinfomsg), "%s (ifindex %d)",
						name, ifindex);
	if (!nlh)
		return sbx_err_set(err, ENOBUFS, "netlink: RTM_DELLINK %s: batch full", name);
	struct ifinfomsg *ifi = put_zero_header(nlh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return sbx_nl_batch_commit(nl, &b, err);
}

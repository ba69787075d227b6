/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static probe: prints what this network namespace looks like, through raw
 * rtnetlink dumps (no libraries, so it runs in a bare rootfs):
 *
 *   link NAME up|down [KIND]
 *   addr NAME ADDR/PREFIX
 *   route default|DST/LEN [via GW] dev NAME          (main table, v4 and v6)
 *   qdisc NAME KIND root|other [rate BYTES/S limit BYTES]   (tbf shows its rate)
 *
 * Only IFF_UP is reported as "up". Routes of the local/kernel-managed kinds
 * (local, broadcast, multicast, IPv6 link-local fe80::/64) are skipped so the
 * output is what a configuration put there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DUMP_MAX_LINKS 64

static char names[DUMP_MAX_LINKS][IF_NAMESIZE];
static int indexes[DUMP_MAX_LINKS];
static int n_links;
static char rbuf[65536] __attribute__((aligned(8)));

static const char *ifname(int idx)
{
	for (int i = 0; i < n_links; i++)
		if (indexes[i] == idx)
			return names[i];
	return "?";
}

typedef void (*msg_cb)(struct nlmsghdr *nlh);

static int dump(int fd, int type, void *hdr, size_t hdrlen, msg_cb cb)
{
	struct {
		struct nlmsghdr nlh;
		char payload[64];
	} req;
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	req.nlh.nlmsg_type = (unsigned short)type;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = (unsigned)type;
	memcpy(NLMSG_DATA(&req.nlh), hdr, hdrlen);
	if (send(fd, &req, req.nlh.nlmsg_len, 0) < 0)
		return -1;
	for (;;) {
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return -1;
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);
				errno = -e->error;
				return -1;
			}
			cb(nlh);
		}
	}
}

static void parse_attrs(struct rtattr **tb, int max, struct rtattr *rta, int len)
{
	for (int i = 0; i <= max; i++)
		tb[i] = NULL;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type <= max)
			tb[rta->rta_type] = rta;
}

static int collect_only;

static void on_link(struct nlmsghdr *nlh)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nlh);
	struct rtattr *tb[IFLA_MAX + 1];
	parse_attrs(tb, IFLA_MAX, IFLA_RTA(ifi), (int)IFLA_PAYLOAD(nlh));
	if (!tb[IFLA_IFNAME])
		return;
	const char *name = RTA_DATA(tb[IFLA_IFNAME]);
	if (collect_only) {
		if (n_links < DUMP_MAX_LINKS) {
			snprintf(names[n_links], IF_NAMESIZE, "%s", name);
			indexes[n_links++] = ifi->ifi_index;
		}
		return;
	}
	char kind[32] = "";
	if (tb[IFLA_LINKINFO]) {
		struct rtattr *li[IFLA_INFO_MAX + 1];
		parse_attrs(li, IFLA_INFO_MAX, RTA_DATA(tb[IFLA_LINKINFO]), (int)RTA_PAYLOAD(tb[IFLA_LINKINFO]));
		if (li[IFLA_INFO_KIND])
			snprintf(kind, sizeof(kind), " %.*s", (int)RTA_PAYLOAD(li[IFLA_INFO_KIND]),
				 (const char *)RTA_DATA(li[IFLA_INFO_KIND]));
		/* some kernels include the NUL in the payload */
		kind[strcspn(kind, "\n")] = '\0';
	}
	printf("link %s %s%s\n", name, (ifi->ifi_flags & IFF_UP) ? "up" : "down", kind);
}

static void on_addr(struct nlmsghdr *nlh)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(nlh);
	struct rtattr *tb[IFA_MAX + 1];
	parse_attrs(tb, IFA_MAX, IFA_RTA(ifa), (int)IFA_PAYLOAD(nlh));
	struct rtattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return;
	char s[INET6_ADDRSTRLEN];
	inet_ntop(ifa->ifa_family, RTA_DATA(a), s, sizeof(s));
	/* kernel-made IPv6 link-local addresses are noise here */
	if (ifa->ifa_family == AF_INET6 && strncmp(s, "fe80:", 5) == 0)
		return;
	printf("addr %s %s/%u\n", ifname((int)ifa->ifa_index), s, ifa->ifa_prefixlen);
}

static void on_route(struct nlmsghdr *nlh)
{
	struct rtmsg *rtm = NLMSG_DATA(nlh);
	struct rtattr *tb[RTA_MAX + 1];
	parse_attrs(tb, RTA_MAX, RTM_RTA(rtm), (int)RTM_PAYLOAD(nlh));
	if (rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST)
		return;
	char dst[INET6_ADDRSTRLEN + 8] = "default", gw[INET6_ADDRSTRLEN + 8] = "";
	if (tb[RTA_DST]) {
		char s[INET6_ADDRSTRLEN];
		inet_ntop(rtm->rtm_family, RTA_DATA(tb[RTA_DST]), s, sizeof(s));
		if (rtm->rtm_family == AF_INET6 && strncmp(s, "fe80:", 5) == 0)
			return;
		snprintf(dst, sizeof(dst), "%s/%u", s, rtm->rtm_dst_len);
	}
	if (tb[RTA_GATEWAY]) {
		char s[INET6_ADDRSTRLEN];
		inet_ntop(rtm->rtm_family, RTA_DATA(tb[RTA_GATEWAY]), s, sizeof(s));
		snprintf(gw, sizeof(gw), " via %s", s);
	}
	int oif = tb[RTA_OIF] ? *(int *)RTA_DATA(tb[RTA_OIF]) : 0;
	printf("route %s%s dev %s\n", dst, gw, ifname(oif));
}

static void on_qdisc(struct nlmsghdr *nlh)
{
	struct tcmsg *tcm = NLMSG_DATA(nlh);
	struct rtattr *tb[TCA_MAX + 1];
	parse_attrs(tb, TCA_MAX, (struct rtattr *)((char *)tcm + NLMSG_ALIGN(sizeof(*tcm))),
		    (int)(nlh->nlmsg_len - NLMSG_LENGTH(sizeof(*tcm))));
	if (!tb[TCA_KIND])
		return;
	const char *kind = RTA_DATA(tb[TCA_KIND]);
	/* "noqueue" and friends are the kernel's defaults, not configuration */
	if (strcmp(kind, "noqueue") == 0 || strcmp(kind, "pfifo_fast") == 0 || strcmp(kind, "mq") == 0 ||
	    strcmp(kind, "noop") == 0 || strcmp(kind, "fq_codel") == 0)
		return;
	printf("qdisc %s %s %s", ifname(tcm->tcm_ifindex), kind,
	       tcm->tcm_parent == TC_H_ROOT ? "root" : "other");
	if (strcmp(kind, "tbf") == 0 && tb[TCA_OPTIONS]) {
		struct rtattr *o[TCA_TBF_MAX + 1];
		parse_attrs(o, TCA_TBF_MAX, RTA_DATA(tb[TCA_OPTIONS]), (int)RTA_PAYLOAD(tb[TCA_OPTIONS]));
		if (o[TCA_TBF_PARMS]) {
			struct tc_tbf_qopt *q = RTA_DATA(o[TCA_TBF_PARMS]);
			printf(" rate %u limit %u", q->rate.rate, q->limit);
		}
	}
	printf("\n");
}

int main(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		perror("net_dump: socket");
		return 1;
	}
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct rtmsg rtm = { .rtm_family = AF_UNSPEC };
	struct tcmsg tcm = { .tcm_family = AF_UNSPEC };

	collect_only = 1;
	if (dump(fd, RTM_GETLINK, &ifi, sizeof(ifi), on_link) < 0)
		goto fail;
	collect_only = 0;
	if (dump(fd, RTM_GETLINK, &ifi, sizeof(ifi), on_link) < 0 ||
	    dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), on_addr) < 0 ||
	    dump(fd, RTM_GETROUTE, &rtm, sizeof(rtm), on_route) < 0 ||
	    dump(fd, RTM_GETQDISC, &tcm, sizeof(tcm), on_qdisc) < 0)
		goto fail;
	return 0;
fail:
	perror("net_dump: dump");
	return 1;
}

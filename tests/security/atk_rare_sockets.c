/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_rare_sockets: protocol families and netlink protocols that untrusted
 * code does not need and that carry a history of kernel bugs (or, on
 * kernels with modules, make the host load a module: "net-pf-N"). The
 * default seccomp profile allows only AF_UNIX, AF_INET, AF_INET6 and
 * NETLINK_ROUTE, and answers EAFNOSUPPORT for everything else; a family
 * the kernel lacks answers the same (or EPROTONOSUPPORT/ESOCKTNOSUPPORT),
 * and privileged ones (AF_KEY, AF_XDP) EPERM.
 */
#include "atk.h"

#include <linux/netlink.h>
#include <sys/socket.h>

#ifndef AF_MCTP
#define AF_MCTP 45
#endif

int main(void)
{
	static const struct {
		int family, type, proto;
		const char *name;
	} fams[] = {
		{AF_AX25, SOCK_SEQPACKET, 0, "AF_AX25"},   {AF_IPX, SOCK_DGRAM, 0, "AF_IPX"},
		{AF_APPLETALK, SOCK_DGRAM, 0, "AF_APPLETALK"}, {AF_X25, SOCK_SEQPACKET, 0, "AF_X25"},
		{AF_DECnet, SOCK_SEQPACKET, 0, "AF_DECnet"}, {AF_KEY, SOCK_RAW, 2, "AF_KEY"},
		{AF_RDS, SOCK_SEQPACKET, 0, "AF_RDS"},	     {AF_TIPC, SOCK_RDM, 0, "AF_TIPC"},
		{AF_CAN, SOCK_RAW, 1, "AF_CAN"},	     {AF_BLUETOOTH, SOCK_RAW, 1, "AF_BLUETOOTH"},
		{AF_LLC, SOCK_DGRAM, 0, "AF_LLC"},	     {AF_PHONET, SOCK_DGRAM, 0, "AF_PHONET"},
		{AF_IEEE802154, SOCK_DGRAM, 0, "AF_IEEE802154"}, {AF_XDP, SOCK_RAW, 0, "AF_XDP"},
		{AF_SMC, SOCK_STREAM, 0, "AF_SMC"},	     {AF_QIPCRTR, SOCK_DGRAM, 0, "AF_QIPCRTR"},
		{AF_KCM, SOCK_DGRAM, 0, "AF_KCM"},	     {AF_NFC, SOCK_SEQPACKET, 0, "AF_NFC"},
		{AF_RXRPC, SOCK_DGRAM, 2, "AF_RXRPC"},	     {AF_ISDN, SOCK_RAW, 0, "AF_ISDN"},
		{AF_MCTP, SOCK_DGRAM, 0, "AF_MCTP"},	     {AF_PPPOX, SOCK_STREAM, 0, "AF_PPPOX"},
		{AF_ATMPVC, SOCK_DGRAM, 0, "AF_ATMPVC"},     {AF_NETROM, SOCK_SEQPACKET, 0, "AF_NETROM"},
		{AF_ROSE, SOCK_SEQPACKET, 0, "AF_ROSE"},     {AF_CAIF, SOCK_SEQPACKET, 0, "AF_CAIF"},
		{AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, "NETLINK_AUDIT"},
		{AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER, "NETLINK_NETFILTER"},
		{AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, "NETLINK_GENERIC"},
		{AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT, "NETLINK_KOBJECT_UEVENT"},
		{AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG, "NETLINK_SOCK_DIAG"},
		{AF_NETLINK, SOCK_RAW, NETLINK_XFRM, "NETLINK_XFRM"},
		{AF_NETLINK, SOCK_RAW, NETLINK_CONNECTOR, "NETLINK_CONNECTOR"},
		{AF_NETLINK, SOCK_RAW, NETLINK_SCSITRANSPORT, "NETLINK_SCSITRANSPORT"},
		{AF_NETLINK, SOCK_RAW, NETLINK_RDMA, "NETLINK_RDMA"},
		{AF_NETLINK, SOCK_RAW, NETLINK_CRYPTO, "NETLINK_CRYPTO"},
		{AF_NETLINK, SOCK_RAW, NETLINK_SELINUX, "NETLINK_SELINUX"},
		{AF_NETLINK, SOCK_RAW, NETLINK_FIB_LOOKUP, "NETLINK_FIB_LOOKUP"},
		{AF_NETLINK, SOCK_RAW, NETLINK_ISCSI, "NETLINK_ISCSI"},
	};
	char what[96];
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		snprintf(what, sizeof(what), "socket(%s)", fams[i].name);
		ATK_EXPECT_ERR_FD(what, socket(fams[i].family, fams[i].type | SOCK_CLOEXEC, fams[i].proto), EAFNOSUPPORT,
				  EPROTONOSUPPORT, ESOCKTNOSUPPORT, EPERM);
	}
	/* families beyond the kernel's table */
	for (int f = AF_MAX; f < AF_MAX + 3; f++) {
		snprintf(what, sizeof(what), "socket(family %d)", f);
		ATK_EXPECT_ERR_FD(what, socket(f, SOCK_DGRAM | SOCK_CLOEXEC, 0), EAFNOSUPPORT, EINVAL);
	}
	return atk_finish("atk_rare_sockets");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_raw_socket: raw IP and packet sockets (spoofing, sniffing, crafting
 * frames for the kernel's less-travelled parsers). They need CAP_NET_RAW
 * in the network namespace's owner, which the program lacks (EPERM). The
 * default seccomp profile refuses AF_PACKET outright (EAFNOSUPPORT) and
 * leaves raw AF_INET/AF_INET6 to the kernel's EPERM. ICMP "ping" sockets
 * are governed by net.ipv4.ping_group_range (EACCES unless allowed).
 */
#include "atk.h"

#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(void)
{
	static const struct {
		int family, type, proto;
		const char *name;
		int e1, e2;
	} socks[] = {
		{AF_INET, SOCK_RAW, IPPROTO_RAW, "socket(AF_INET, SOCK_RAW, IPPROTO_RAW)", EPERM, 0},
		{AF_INET, SOCK_RAW, IPPROTO_ICMP, "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)", EPERM, 0},
		{AF_INET, SOCK_RAW, IPPROTO_TCP, "socket(AF_INET, SOCK_RAW, IPPROTO_TCP)", EPERM, 0},
		{AF_INET6, SOCK_RAW, IPPROTO_RAW, "socket(AF_INET6, SOCK_RAW, IPPROTO_RAW)", EPERM, 0},
		{AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, "socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)", EPERM, 0},
		{AF_PACKET, SOCK_RAW, 0x0300 /* htons(ETH_P_ALL) */, "socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)", EPERM,
		 EAFNOSUPPORT},
		{AF_PACKET, SOCK_DGRAM, 0x0008 /* htons(ETH_P_IP) */, "socket(AF_PACKET, SOCK_DGRAM, ETH_P_IP)", EPERM,
		 EAFNOSUPPORT},
		{AF_INET, SOCK_PACKET, 0x0300, "socket(AF_INET, SOCK_PACKET) (obsolete packet interface)", EPERM,
		 ESOCKTNOSUPPORT},
		{AF_INET, SOCK_DGRAM, IPPROTO_ICMP, "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) (ping socket)", EACCES, 0},
	};
	for (size_t i = 0; i < sizeof(socks) / sizeof(socks[0]); i++)
		ATK_EXPECT_ERR_FD(socks[i].name, socket(socks[i].family, socks[i].type | SOCK_CLOEXEC, socks[i].proto),
				  socks[i].e1, socks[i].e2);
	return atk_finish("atk_raw_socket");
}

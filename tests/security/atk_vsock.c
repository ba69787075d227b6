/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_vsock: AF_VSOCK talks to the hypervisor and other VMs, around the
 * network namespace (vsock is not namespaced): on a VM host it is a
 * channel out of the sandbox that no netns rule sees. The default seccomp
 * profile refuses the family (EAFNOSUPPORT); a kernel without vsock
 * answers the same. Nothing is connected to: only socket creation and the
 * local CID query are tried.
 */
#include "atk.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>

int main(void)
{
	static const struct {
		int type;
		const char *name;
	} types[] = {{SOCK_STREAM, "SOCK_STREAM"}, {SOCK_DGRAM, "SOCK_DGRAM"}, {SOCK_SEQPACKET, "SOCK_SEQPACKET"}};
	char what[64];
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(what, sizeof(what), "socket(AF_VSOCK, %s)", types[i].name);
		/* ESOCKTNOSUPPORT/ENODEV: a type no loaded transport offers */
		ATK_EXPECT_ERR_FD(what, socket(AF_VSOCK, types[i].type | SOCK_CLOEXEC, 0), EAFNOSUPPORT, EPERM,
				  ESOCKTNOSUPPORT, ENODEV);
	}
	return atk_finish("atk_vsock");
}

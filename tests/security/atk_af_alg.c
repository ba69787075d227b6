/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_af_alg: the kernel crypto API over AF_ALG sockets: any unprivileged
 * process may bind an algorithm and feed it data, which has exposed
 * numerous kernel bugs (CVE-2017-17805, CVE-2019-8912, ...). A sandbox for
 * untrusted code has no need for it: the default seccomp profile refuses
 * the family (EAFNOSUPPORT).
 */
#include "atk.h"

#include <linux/if_alg.h>
#include <sys/socket.h>

int main(void)
{
	int fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	int e = errno;
	if (fd >= 0) {
		struct sockaddr_alg sa = {.salg_family = AF_ALG, .salg_type = "hash", .salg_name = "sha256"};
		int b = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		atk_hole("socket(AF_ALG) created%s", b == 0 ? " and bound to hash/sha256" : "");
		close(fd);
	} else {
		ATK_EXPECT_ERR("socket(AF_ALG, SOCK_SEQPACKET)", (errno = e, -1), EAFNOSUPPORT, EPERM);
	}
	return atk_finish("atk_af_alg");
}

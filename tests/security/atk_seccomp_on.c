/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_seccomp_on: the layer every "blocked by the profile" line relies on.
 * The program must start under a seccomp filter (Seccomp: 2 in
 * /proc/self/status) with no_new_privs, so it cannot drop or weaken the
 * filter: a further filter can only add restrictions, PR_SET_SECCOMP
 * strict mode would only kill us, and prctl(PR_SET_NO_NEW_PRIVS, 0) is
 * EINVAL. ptrace, the classic way to rewrite a filtered call, is refused
 * (atk_ptrace).
 */
#include "atk.h"

#include <sys/prctl.h>

int main(void)
{
	char mode[16], filters[16], nnp[16];
	atk_status_field("Seccomp", mode, sizeof(mode));
	atk_status_field("Seccomp_filters", filters, sizeof(filters));
	atk_status_field("NoNewPrivs", nnp, sizeof(nnp));
	if (strcmp(mode, "2") != 0)
		atk_hole("Seccomp: %s (no filter: the default profile is not applied)", mode);
	else
		atk_ok("Seccomp: 2 (%s filter(s))", filters);
	if (strcmp(nnp, "1") != 0)
		atk_hole("NoNewPrivs: %s", nnp);
	else
		atk_ok("NoNewPrivs: 1");
	ATK_EXPECT_ERR("prctl(PR_SET_NO_NEW_PRIVS, 0)", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
	int m = prctl(PR_GET_SECCOMP);
	if (m != 2)
		atk_hole("prctl(PR_GET_SECCOMP) = %d, not 2 (filter)", m);
	return atk_finish("atk_seccomp_on");
}

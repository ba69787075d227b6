/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: seccomp profile parsing, resolution, compilation and split-notify. */
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>

#include "profiles/seccomp_filter.h"
#include "profiles/seccomp_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_error err = {0};
	struct sbx_seccomp_profile *p = NULL;
	if (sbx_seccomp_profile_parse("fuzz.json", (const char *)data, size, &p, &err) < 0)
		return 0;
	/* fixed inputs: the fuzzer explores the profile, not the host */
	struct sbx_seccomp_env env = {.bounding_caps = sbx_seccomp_docker_default_caps(),
				      .native_arch = SCMP_ARCH_X86_64,
				      .kernel_major = 6,
				      .kernel_minor = 1};
	struct sbx_seccomp_filter *f = NULL;
	if (sbx_seccomp_compile(p, &env, &f, &err) == 0 && f->prog) {
		struct sock_fprog n, m;
		if (sbx_seccomp_filter_split_notify(f, &n, &m) == 0) {
			free(n.filter);
			free(m.filter);
		}
	}
	sbx_seccomp_filter_free(f);
	sbx_seccomp_profile_free(p);
	return 0;
}

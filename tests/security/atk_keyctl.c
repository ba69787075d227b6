/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_keyctl: the kernel keyring. Keys are a kernel-wide facility charged
 * to the host uid (shared by every run that gets the same slot) and a large
 * attack surface; request_key with callout data even runs a helper on the
 * host. The default seccomp profile refuses add_key, keyctl and request_key
 * (EPERM). Modes: "plant TOKEN" stores a key, "find TOKEN" (a later
 * sandbox) must not see it, no argument tries everything.
 * "plant-open TOKEN" plants where a profile allows keyctl (no check:
 * planting is no escape), for "find" to look for it under the same profile.
 * Usage: atk_keyctl [plant|plant-open|find TOKEN]
 */
#include "atk.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>

static long add_key(const char *desc, const char *payload, long ring)
{
	return syscall(SYS_add_key, "user", desc, payload, strlen(payload), ring);
}

int main(int argc, char **argv)
{
	char desc[128];
	if (argc == 3 && strcmp(argv[1], "find") == 0) {
		snprintf(desc, sizeof(desc), "sbx-sec-%s", argv[2]);
		static const struct {
			long ring;
			const char *name;
		} rings[] = {{KEY_SPEC_USER_KEYRING, "@u"}, {KEY_SPEC_USER_SESSION_KEYRING, "@us"},
			     {KEY_SPEC_SESSION_KEYRING, "@s"}};
		for (size_t i = 0; i < sizeof(rings) / sizeof(rings[0]); i++) {
			char what[200];
			snprintf(what, sizeof(what), "keyctl(SEARCH, %s, \"%s\") planted by an earlier sandbox", rings[i].name,
				 desc);
			ATK_EXPECT_ERR(what, syscall(SYS_keyctl, KEYCTL_SEARCH, rings[i].ring, "user", desc, 0), ENOKEY,
				       EPERM);
		}
		return atk_finish("atk_keyctl find");
	}
	if (argc == 3 && strcmp(argv[1], "plant-open") == 0) {
		/*
		 * Under a profile that allows keyctl (unconfined): the key goes
		 * into this sandbox's own user and session keyrings, and "find"
		 * in a later sandbox of the same slot must not see it (its user
		 * namespace, where the user keyrings live, is a fresh one even
		 * where an ordinary user's slot keeps its mapped parent).
		 */
		snprintf(desc, sizeof(desc), "sbx-sec-%s", argv[2]);
		long u = add_key(desc, "secret", KEY_SPEC_USER_KEYRING);
		long s = add_key(desc, "secret", KEY_SPEC_SESSION_KEYRING);
		printf("# planted: @u %s, @s %s\n", u >= 0 ? "yes" : strerror(errno), s >= 0 ? "yes" : strerror(errno));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "plant") == 0) {
		snprintf(desc, sizeof(desc), "sbx-sec-%s", argv[2]);
		ATK_EXPECT_ERR("add_key(user, @u) for a later sandbox to find", add_key(desc, "secret", KEY_SPEC_USER_KEYRING),
			       EPERM);
		return atk_finish("atk_keyctl plant");
	}
	ATK_EXPECT_ERR("add_key(user, @s)", add_key("sbx-sec", "x", KEY_SPEC_SESSION_KEYRING), EPERM);
	ATK_EXPECT_ERR("add_key(keyring, @u)",
		       syscall(SYS_add_key, "keyring", "sbx-sec-ring", NULL, 0, KEY_SPEC_USER_KEYRING), EPERM);
	ATK_EXPECT_ERR("keyctl(GET_KEYRING_ID, @u)", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0),
		       EPERM);
	ATK_EXPECT_ERR("keyctl(JOIN_SESSION_KEYRING, \"_ses\")", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "_ses"),
		       EPERM);
	ATK_EXPECT_ERR("keyctl(GET_PERSISTENT, -1)",
		       syscall(SYS_keyctl, KEYCTL_GET_PERSISTENT, -1, KEY_SPEC_PROCESS_KEYRING), EPERM);
	/*
	 * Without callout data no helper runs on the host and the kernel answers
	 * ENOKEY; with the profile, EPERM. (With callout data it would run
	 * /sbin/request-key on the host: never tried here.)
	 */
	ATK_EXPECT_ERR("request_key(user, \"sbx-sec-none\") without callout",
		       syscall(SYS_request_key, "user", "sbx-sec-none", NULL, KEY_SPEC_SESSION_KEYRING), EPERM, ENOKEY);
	return atk_finish("atk_keyctl");
}

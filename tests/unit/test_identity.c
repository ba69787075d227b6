/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the identity plan (root, a user with and without subordinate ids) and /etc/subuid parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/identity.h"
#include "runtime/keeper.h"
#include "runtime/slot.h"

static struct sbx_config *cfg_default(void)
{
	struct sbx_config *c = NULL;
	struct sbx_error err = {0};
	char *argv[] = {"/bin/true", NULL};
	assert_int_equal(sbx_config_default_at("/tmp", argv, &c, &err), 0);
	return c;
}

/* A user, uid 1000 / gid 1000, with the helpers and the given ranges (count 0: none). */
static void user(struct sbx_caller *c, uint32_t sub_start, uint32_t sub_count)
{
	memset(c, 0, sizeof(*c));
	c->uid = c->gid = 1000;
	snprintf(c->name, sizeof(c->name), "alice");
	snprintf(c->newuidmap, sizeof(c->newuidmap), "/usr/bin/newuidmap");
	snprintf(c->newgidmap, sizeof(c->newgidmap), "/usr/bin/newgidmap");
	if (sub_count) {
		c->subuid[0] = c->subgid[0] = (struct sbx_idrange){sub_start, sub_count};
		c->n_subuid = c->n_subgid = 1;
	}
}

static char *fmt(const struct sbx_idmap *m, size_t n)
{
	static char buf[4][512];
	static int i;
	i = (i + 1) % 4;
	assert_true(sbx_idmap_format(m, n, buf[i], sizeof(buf[i])) >= 0);
	return buf[i];
}

static void test_subid_parse(void **state)
{
	(void)state;
	struct sbx_idrange r[8];
	const char *text = "# comment\n"
			   "bob:100000:65536\n"
			   "alice:165536:65536\n"
			   "alice:bad:1\n"
			   "alice:1:0\n"		/* empty */
			   "alice:4294967295:2\n" /* wraps */
			   "1000:300000:10\n"	/* by uid */
			   "alic:1:1\n"
			   "alice:400000:5"; /* no newline at the end */
	size_t n = sbx_subid_parse(text, "alice", 1000, r, 8);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].start, 165536);
	assert_int_equal(r[0].count, 65536);
	assert_int_equal(r[1].start, 300000);
	assert_int_equal(r[1].count, 10);
	assert_int_equal(r[2].start, 400000);
	/* a uid with no passwd name still finds its numeric lines */
	assert_int_equal(sbx_subid_parse(text, "", 1000, r, 8), 1);
	assert_int_equal(sbx_subid_parse(text, "alice", 1000, r, 1), 1);
	assert_int_equal(sbx_subid_parse("", "alice", 1000, r, 8), 0);
}

static void test_root_slot_range(void **state)
{
	(void)state;
	struct sbx_config *c = cfg_default();
	struct sbx_caller root = {0};
	struct sbx_identity id;
	struct sbx_error err = {0};
	assert_int_equal(sbx_identity_plan(c, &root, 3, &id, &err), 0);
	assert_false(id.rootless);
	assert_false(id.helper);
	assert_true(id.setgroups);
	char want[64];
	snprintf(want, sizeof(want), "0 %u 65536\n", SBX_ID_BASE + 3 * SBX_ID_RANGE);
	assert_string_equal(fmt(id.uid_map, id.n_uid_map), want);
	assert_string_equal(fmt(id.gid_map, id.n_gid_map), want);
	assert_int_equal(id.host_uid, SBX_ID_BASE + 3 * SBX_ID_RANGE);
	assert_int_equal(id.caller_uid_inside, -1);
	sbx_config_free(c);
}

static void test_user_single(void **state)
{
	(void)state;
	struct sbx_config *c = cfg_default();
	struct sbx_caller u;
	struct sbx_identity id;
	struct sbx_error err = {0};
	user(&u, 0, 0); /* helpers, no ranges */
	assert_int_equal(sbx_identity_plan(c, &u, 0, &id, &err), 0);
	assert_true(id.rootless);
	assert_false(id.helper);
	assert_false(id.setgroups);
	assert_string_equal(fmt(id.uid_map, id.n_uid_map), "0 1000 1\n");
	assert_int_equal(id.host_uid, 1000);
	assert_int_equal(id.caller_uid_inside, 0);
	assert_string_equal(id.note, "");

	/* ranges but no helpers: single, and said so */
	user(&u, 100000, 65536);
	u.newgidmap[0] = '\0';
	assert_int_equal(sbx_identity_plan(c, &u, 0, &id, &err), 0);
	assert_false(id.helper);
	assert_non_null(strstr(id.note, "newuidmap"));

	/* only 0 exists inside: another user is refused, naming what would help */
	c->process.uid = 5;
	user(&u, 0, 0);
	assert_int_equal(sbx_identity_plan(c, &u, 0, &id, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "process.user: uid 5"));
	assert_non_null(strstr(err.msg, "/etc/subuid"));
	c->process.uid = 0;

	/* and supplementary groups need setgroups */
	uint32_t extra[] = {0};
	c->process.additional_gids = extra;
	c->process.n_additional_gids = 1;
	assert_int_equal(sbx_identity_plan(c, &u, 0, &id, &err), -EPERM);
	assert_non_null(strstr(err.msg, "additionalGids"));
	c->process.additional_gids = NULL;
	c->process.n_additional_gids = 0;
	sbx_config_free(c);
}

static void test_user_slices(void **state)
{
	(void)state;
	struct sbx_config *c = cfg_default();
	struct sbx_caller u;
	struct sbx_identity a, b, d;
	struct sbx_error err = {0};
	user(&u, 100000, 2 * 65536);
	assert_int_equal(sbx_identity_plan(c, &u, 0, &a, &err), 0);
	assert_int_equal(sbx_identity_plan(c, &u, 1, &b, &err), 0);
	assert_true(a.helper && a.setgroups);
	assert_string_equal(fmt(a.uid_map, a.n_uid_map), "0 100000 65536\n65536 1000 1\n");
	assert_string_equal(fmt(b.uid_map, b.n_uid_map), "0 165536 65536\n65536 1000 1\n");
	assert_string_equal(fmt(b.gid_map, b.n_gid_map), "0 165536 65536\n65536 1000 1\n");
	/* concurrent sandboxes never share a host id */
	assert_int_not_equal(a.host_uid, b.host_uid);
	assert_int_equal(a.caller_uid_inside, 65536);
	/* the third has no slice left: the caller's ids alone, and a note that says why */
	assert_int_equal(sbx_identity_plan(c, &u, 2, &d, &err), 0);
	assert_false(d.helper);
	assert_string_equal(fmt(d.uid_map, d.n_uid_map), "0 1000 1\n");
	assert_non_null(strstr(d.note, "slot 2"));

	/* a slice straddles two ranges: one line each */
	user(&u, 100000, 40000);
	u.subuid[1] = u.subgid[1] = (struct sbx_idrange){500000, 30000};
	u.n_subuid = u.n_subgid = 2;
	assert_int_equal(sbx_identity_plan(c, &u, 0, &a, &err), 0);
	assert_string_equal(fmt(a.uid_map, a.n_uid_map), "0 100000 40000\n40000 500000 25536\n65536 1000 1\n");
	sbx_config_free(c);
}

static void test_user_config_maps(void **state)
{
	(void)state;
	struct sbx_config *c = cfg_default();
	struct sbx_caller u;
	struct sbx_identity id;
	struct sbx_error err = {0};
	/* runc spec --rootless: container 0 = the caller, one id: written directly */
	struct sbx_idmap own_u = {0, 1000, 1}, own_g = {0, 1000, 1};
	c->uid_mappings = &own_u;
	c->gid_mappings = &own_g;
	c->n_uid_mappings = c->n_gid_mappings = 1;
	user(&u, 0, 0);
	assert_int_equal(sbx_identity_plan(c, &u, 0, &id, &err), 0);
	assert_false(id.helper);
	assert_false(id.setgroups);

	/* more than that needs the helpers and ids of the caller's range */
	struct sbx_idmap wide_u[2] = {{0, 1000, 1}, {1, 100000, 65536}};
	struct sbx_idmap wide_g[2] = {{0, 1000, 1}, {1, 100000, 65536}};
	c->uid_mappings = wide_u;
	c->gid_mappings = wide_g;
	c->n_uid_mappings = c->n_gid_mappings = 2;
	user(&u, 100000, 65536);
	assert_int_equal(sbx_identity_plan(c, &u, 7, &id, &err), 0);
	assert_true(id.helper);
	assert_string_equal(fmt(id.uid_map, id.n_uid_map), "0 1000 1\n1 100000 65536\n");
	/* ids outside the range are refused before anything runs */
	user(&u, 100000, 1000);
	assert_int_equal(sbx_identity_plan(c, &u, 0, &id, &err), -EPERM);
	assert_non_null(strstr(err.msg, "linux.uidMappings[1]"));
	/* and without the helpers, said so */
	user(&u, 100000, 65536);
	u.newuidmap[0] = '\0';
	assert_int_equal(sbx_identity_plan(c, &u, 0, &id, &err), -EPERM);
	assert_non_null(strstr(err.msg, "newuidmap"));
	c->uid_mappings = c->gid_mappings = NULL;
	c->n_uid_mappings = c->n_gid_mappings = 0;
	sbx_config_free(c);
}

static void test_idmap_lookup(void **state)
{
	(void)state;
	struct sbx_idmap m[2] = {{0, 100000, 65536}, {65536, 1000, 1}};
	assert_int_equal(sbx_idmap_to_host(m, 2, 0), 100000);
	assert_int_equal(sbx_idmap_to_host(m, 2, 65535), 165535);
	assert_int_equal(sbx_idmap_to_host(m, 2, 65536), 1000);
	assert_int_equal(sbx_idmap_to_host(m, 2, 65537), (uint32_t)-1);
	assert_int_equal(sbx_idmap_to_inside(m, 2, 1000), 65536);
	assert_int_equal(sbx_idmap_to_inside(m, 2, 99999), -1);
	char small[8];
	assert_int_equal(sbx_idmap_format(m, 2, small, sizeof(small)), -ENOSPC);
}

/* The slot keepers' pure parts (runtime/keeper.h): which plans they serve, the nested maps, the check. */
static void test_keeper_maps(void **state)
{
	(void)state;
	struct sbx_config *c = cfg_default();
	struct sbx_caller u;
	struct sbx_identity a, one;
	struct sbx_error err = {0};
	user(&u, 100000, 65536);
	assert_int_equal(sbx_identity_plan(c, &u, 0, &a, &err), 0);
	assert_true(a.keepable);
	/* the single-id map needs no helper, so no keeper; nor does root */
	user(&u, 0, 0);
	assert_int_equal(sbx_identity_plan(c, &u, 0, &one, &err), 0);
	assert_false(one.keepable);
	u.uid = u.gid = 0;
	assert_int_equal(sbx_identity_plan(c, &u, 0, &one, &err), 0);
	assert_false(one.keepable);

	/* nested: each of the kept namespace's ids onto itself */
	char buf[512];
	assert_true(sbx_idmap_format_nested(a.uid_map, a.n_uid_map, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "0 0 65536\n65536 65536 1\n");
	assert_int_equal(sbx_idmap_format_nested(a.uid_map, a.n_uid_map, buf, 8), -ENOSPC);

	/* the kernel's /proc/PID/uid_map as the host reads it, in its column layout and any order */
	assert_true(sbx_keeper_map_matches("         0     100000      65536\n     65536       1000          1\n", a.uid_map,
					   a.n_uid_map));
	assert_true(sbx_keeper_map_matches("     65536       1000          1\n         0     100000      65536\n", a.uid_map,
					   a.n_uid_map));
	/* another slice, a missing or an extra line, a different size, garbage: no match */
	assert_false(sbx_keeper_map_matches("0 165536 65536\n65536 1000 1\n", a.uid_map, a.n_uid_map));
	assert_false(sbx_keeper_map_matches("0 100000 65536\n", a.uid_map, a.n_uid_map));
	assert_false(sbx_keeper_map_matches("0 100000 65536\n65536 1000 1\n70000 2000 1\n", a.uid_map, a.n_uid_map));
	assert_false(sbx_keeper_map_matches("0 100000 65535\n65536 1000 1\n", a.uid_map, a.n_uid_map));
	assert_false(sbx_keeper_map_matches("0 100000 x\n", a.uid_map, a.n_uid_map));
	assert_false(sbx_keeper_map_matches("", a.uid_map, a.n_uid_map));
	sbx_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subid_parse),	 cmocka_unit_test(test_root_slot_range),
		cmocka_unit_test(test_user_single),	 cmocka_unit_test(test_user_slices),
		cmocka_unit_test(test_user_config_maps), cmocka_unit_test(test_idmap_lookup),
		cmocka_unit_test(test_keeper_maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the network planner (modes, defaults per slot, validation messages). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netns/net.h"
#include "netns/pasta.h"
#include "core/cleanup.h"

static char *addr_str(const struct sbx_ipaddr *a)
{
	static char buf[4][64];
	static int i;
	i = (i + 1) % 4;
	return sbx_ipaddr_format(a, buf[i], sizeof(buf[i]));
}

static void test_default_is_none(void **state)
{
	(void)state;
	struct sbx_net_plan p;
	struct sbx_error err;

	assert_int_equal(sbx_net_plan_build(NULL, 0, &p, &err), 0);
	assert_int_equal(p.mode, SBX_NET_MODE_NONE);
	assert_true(p.new_netns);
	assert_true(p.lo_in_child);

	struct sbx_net_spec spec = { 0 };
	assert_int_equal(sbx_net_plan_build(&spec, 3, &p, &err), 0);
	assert_int_equal(p.mode, SBX_NET_MODE_NONE);

	spec.mode = "none";
	assert_int_equal(sbx_net_plan_build(&spec, 3, &p, &err), 0);
	assert_int_equal(p.mode, SBX_NET_MODE_NONE);
	assert_false(p.egress.enabled);
	assert_false(p.ingress.enabled);
}

static void test_host_mode(void **state)
{
	(void)state;
	struct sbx_net_plan p;
	struct sbx_error err;
	struct sbx_net_spec spec = { .mode = "host" };

	assert_int_equal(sbx_net_plan_build(&spec, 0, &p, &err), 0);
	assert_int_equal(p.mode, SBX_NET_MODE_HOST);
	assert_false(p.new_netns);
	assert_false(p.lo_in_child);
	assert_string_equal(sbx_net_mode_name(p.mode), "host");

	/* host mode cannot join a path either */
	assert_int_equal(sbx_net_plan_join(&p, "/run/netns/x", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "cannot be combined with --net host"));
}

static void test_join(void **state)
{
	(void)state;
	struct sbx_net_plan p;
	struct sbx_error err;

	assert_int_equal(sbx_net_plan_build(NULL, 0, &p, &err), 0);
	assert_int_equal(sbx_net_plan_join(&p, "/run/netns/judge", &err), 0);
	assert_int_equal(p.mode, SBX_NET_MODE_JOIN);
	assert_false(p.new_netns);
	assert_false(p.lo_in_child);

	struct sbx_net_spec spec = { .mode = "veth" };
	assert_int_equal(sbx_net_plan_build(&spec, 0, &p, &err), 0);
	assert_int_equal(sbx_net_plan_join(&p, "/run/netns/judge", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "\"/run/netns/judge\": cannot be combined with --net veth"));

	assert_int_equal(sbx_net_plan_build(NULL, 0, &p, &err), 0);
	assert_int_equal(sbx_net_plan_join(&p, "", &err), -EINVAL);
}

static void test_unknown_mode(void **state)
{
	(void)state;
	struct sbx_net_plan p;
	struct sbx_error err;
	struct sbx_net_spec spec = { .mode = "bridge" };

	assert_int_equal(sbx_net_plan_build(&spec, 0, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "--net \"bridge\": unknown network mode (expected none, veth, pasta or host)");
}

static void test_veth_defaults(void **state)
{
	(void)state;
	struct sbx_net_plan p;
	struct sbx_error err;
	struct sbx_net_spec spec = { .mode = "veth" };

	assert_int_equal(sbx_net_plan_build(&spec, 0, &p, &err), 0);
	assert_int_equal(p.mode, SBX_NET_MODE_VETH);
	assert_true(p.new_netns);
	assert_false(p.lo_in_child); /* the parent does lo together with eth0 */
	assert_string_equal(p.host_name, "sbx0h");
	assert_true(p.host_name_derived);
	assert_string_equal(p.sandbox_name, "eth0");
	assert_string_equal(addr_str(&p.host_ip), "10.201.0.1/30");
	assert_string_equal(addr_str(&p.ip), "10.201.0.2/30");
	assert_false(p.has_ip6);
	assert_false(p.egress.enabled);
	assert_false(p.ingress.enabled);

	assert_int_equal(sbx_net_plan_build(&spec, 70, &p, &err), 0);
	assert_string_equal(p.host_name, "sbx70h");
	assert_string_equal(addr_str(&p.host_ip), "10.201.1.25/30");
	assert_string_equal(addr_str(&p.ip), "10.201.1.26/30");

	assert_int_equal(sbx_net_plan_build(&spec, SBX_NET_SLOT_MAX, &p, &err), 0);
	assert_string_equal(addr_str(&p.host_ip), "10.201.255.253/30");
	assert_string_equal(addr_str(&p.ip), "10.201.255.254/30");
	assert_string_equal(p.host_name, "sbx16383h");

	assert_int_equal(sbx_net_plan_build(&spec, SBX_NET_SLOT_MAX + 1, &p, &err), -ERANGE);
	assert_non_null(strstr(err.msg, "network slot 16384"));
}

/* Every pair of slots gets disjoint /30s and distinct names: concurrent sandboxes never collide. */
static void test_slots_never_collide(void **state)
{
	(void)state;
	struct sbx_net_spec spec = { .mode = "veth" };
	struct sbx_error err;
	const unsigned n = SBX_NET_SLOT_MAX + 1;
	uint8_t *seen = calloc(1u << 16, 1);
	assert_non_null(seen);

	for (unsigned s = 0; s < n; s++) {
		struct sbx_net_plan p;
		assert_int_equal(sbx_net_plan_build(&spec, s, &p, &err), 0);
		uint32_t h = ntohl(p.host_ip.v4.s_addr), c = ntohl(p.ip.v4.s_addr);
		/* both inside 10.201/16, same /30, neither network nor broadcast */
		assert_int_equal(h >> 16, 0x0ac9);
		assert_int_equal(h & ~3u, c & ~3u);
		assert_true((h & 3) == 1 && (c & 3) == 2);
		uint32_t sub = (h & 0xffff) >> 2;
		assert_int_equal(seen[sub], 0);
		seen[sub] = 1;
		unsigned back;
		assert_true(sbx_net_host_name_parse(p.host_name, &back));
		assert_int_equal(back, s);
	}
	free(seen);
}

static void test_host_name_pattern(void **state)
{
	(void)state;
	unsigned s;
	assert_true(sbx_net_host_name_parse("sbx0h", &s));
	assert_int_equal(s, 0);
	assert_true(sbx_net_host_name_parse("sbx123h", &s));
	assert_int_equal(s, 123);
	assert_false(sbx_net_host_name_parse("sbx00h", &s));
	assert_false(sbx_net_host_name_parse("sbx012h", &s));
	assert_false(sbx_net_host_name_parse("sbxh", &s));
	assert_false(sbx_net_host_name_parse("sbx1", &s));
	assert_false(sbx_net_host_name_parse("sbx1hx", &s));
	assert_false(sbx_net_host_name_parse("xsbx1h", &s));
	assert_false(sbx_net_host_name_parse("sbx16384h", &s));
	assert_false(sbx_net_host_name_parse("sbx99999999999999999999h", &s));
	assert_false(sbx_net_host_name_parse("eth0", &s));
	assert_false(sbx_net_host_name_parse(NULL, &s));
}

static void test_veth_explicit(void **state)
{
	(void)state;
	struct sbx_net_plan p;
	struct sbx_error err;
	struct sbx_net_spec spec = {
		.mode = "veth",
		.ip = "10.200.0.2/30",
		.host_ip = "10.200.0.1/30",
		.ip6 = "fd00:db8::2/64",
		.host_ip6 = "fd00:db8::1/64",
		.host_name = "judge7",
	};

	assert_int_equal(sbx_net_plan_build(&spec, 99999, &p, &err), 0); /* slot unused: nothing derived */
	assert_string_equal(p.host_name, "judge7");
	assert_false(p.host_name_derived);
	assert_string_equal(addr_str(&p.ip), "10.200.0.2/30");
	assert_string_equal(addr_str(&p.host_ip), "10.200.0.1/30");
	assert_true(p.has_ip6);
	assert_string_equal(addr_str(&p.ip6), "fd00:db8::2/64");
	assert_string_equal(addr_str(&p.host_ip6), "fd00:db8::1/64");

	/* RFC 3021 /31 pairs are fine */
	spec.ip = "192.168.7.1/31";
	spec.host_ip = "192.168.7.0/31";
	assert_int_equal(sbx_net_plan_build(&spec, 0, &p, &err), 0);
	spec.ip6 = "fd00::1/127";
	spec.host_ip6 = "fd00::/127";
	assert_int_equal(sbx_net_plan_build(&spec, 0, &p, &err), 0);
	spec.ip6 = "fe80::2/64"; /* link-local works: routes name the interface */
	spec.host_ip6 = "fe80::1/64";
	assert_int_equal(sbx_net_plan_build(&spec, 0, &p, &err), 0);
}

/* Each bad value -> the exact error message naming the flag and the value. */
struct bad_case {
	struct sbx_net_spec spec;
	int code;
	const char *msg; /* substring */
};

static void test_validation(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ { .mode = "veth", .ip = "10.0.0.300/30", .host_ip = "10.0.0.1/30" }, EINVAL,
		  "--net-ip \"10.0.0.300/30\": invalid IPv4 address" },
		{ { .mode = "veth", .ip = "10.0.0.2", .host_ip = "10.0.0.1/30" }, EINVAL,
		  "--net-ip \"10.0.0.2\": missing prefix length (e.g. 10.200.0.2/30)" },
		{ { .mode = "veth", .ip = "10.0.0.2/30", .host_ip = "10.0.0.1/33" }, EINVAL,
		  "--net-host-ip \"10.0.0.1/33\": prefix length must be 1..31" },
		{ { .mode = "veth", .ip = "10.0.0.2/30", .host_ip = "10.0.0.1/3x" }, EINVAL,
		  "--net-host-ip \"10.0.0.1/3x\": invalid prefix length \"3x\"" },
		{ { .mode = "veth", .ip = "10.0.0.2/0", .host_ip = "10.0.0.1/0" }, EINVAL,
		  "--net-ip \"10.0.0.2/0\": prefix length must be 1..31" },
		{ { .mode = "veth", .ip = "10.0.0.2/30", .host_ip = "10.0.0.1/29" }, EINVAL,
		  "the prefix lengths differ" },
		{ { .mode = "veth", .ip = "10.0.0.2/30", .host_ip = "10.0.1.1/30" }, EINVAL,
		  "--net-ip \"10.0.0.2/30\" and --net-host-ip \"10.0.1.1/30\": not in the same subnet" },
		{ { .mode = "veth", .ip = "10.0.0.1/30", .host_ip = "10.0.0.1/30" }, EINVAL,
		  "the two ends need different addresses" },
		{ { .mode = "veth", .ip = "10.0.0.0/30", .host_ip = "10.0.0.1/30" }, EINVAL,
		  "--net-ip \"10.0.0.0/30\": that is the subnet's network address" },
		{ { .mode = "veth", .ip = "10.0.0.2/30", .host_ip = "10.0.0.3/30" }, EINVAL,
		  "--net-host-ip \"10.0.0.3/30\": that is the subnet's broadcast address" },
		{ { .mode = "veth", .ip = "127.0.0.2/8", .host_ip = "127.0.0.1/8" }, EINVAL,
		  "--net-ip \"127.0.0.2/8\": not a unicast address" },
		{ { .mode = "veth", .ip = "224.0.0.2/30", .host_ip = "224.0.0.1/30" }, EINVAL,
		  "not a unicast address" },
		{ { .mode = "veth", .ip = "010.0.0.2/30", .host_ip = "10.0.0.1/30" }, EINVAL,
		  "--net-ip \"010.0.0.2/30\": invalid IPv4 address" },
		{ { .mode = "veth", .ip = "fd00::2/64", .host_ip = "fd00::1/64" }, EINVAL,
		  "--net-ip \"fd00::2/64\": invalid IPv4 address" },
		{ { .mode = "veth", .ip = "10.0.0.2/30" }, EINVAL,
		  "--net-ip and --net-host-ip must be given together (got only --net-ip \"10.0.0.2/30\")" },
		{ { .mode = "veth", .host_ip6 = "fd00::1/64" }, EINVAL,
		  "--net-ip6 and --net-host-ip6 must be given together (got only --net-host-ip6" },
		{ { .mode = "veth", .ip6 = "fd00::2/64", .host_ip6 = "fd01::1/64" }, EINVAL,
		  "not in the same subnet" },
		{ { .mode = "veth", .ip6 = "fd00::2", .host_ip6 = "fd00::1/64" }, EINVAL,
		  "--net-ip6 \"fd00::2\": missing prefix length (e.g. fd00:db8::2/64)" },
		{ { .mode = "veth", .ip6 = "fd00::2/128", .host_ip6 = "fd00::1/128" }, EINVAL,
		  "prefix length must be 1..127" },
		{ { .mode = "veth", .ip6 = "ff02::2/64", .host_ip6 = "ff02::1/64" }, EINVAL,
		  "--net-ip6 \"ff02::2/64\": not a unicast address" },
		{ { .mode = "veth", .ip6 = "fd00::/64", .host_ip6 = "fd00::1/64" }, EINVAL,
		  "--net-ip6 \"fd00::/64\": that is the subnet's network address" },
		{ { .mode = "veth", .ip6 = "fd00::zz/64", .host_ip6 = "fd00::1/64" }, EINVAL,
		  "--net-ip6 \"fd00::zz/64\": invalid IPv6 address" },
		{ { .mode = "veth", .host_name = "a/b" }, EINVAL,
		  "--net-host-name \"a/b\": interface names cannot contain" },
		{ { .mode = "veth", .host_name = "sixteen-chars-xx" }, EINVAL,
		  "--net-host-name \"sixteen-chars-xx\": interface names have at most 15 characters" },
		{ { .mode = "veth", .host_name = "sbx5h" }, EINVAL,
		  "--net-host-name \"sbx5h\": names sbx<N>h are reserved for automatic host ends" },
		{ { .mode = "veth", .host_name = ".." }, EINVAL, "not a valid interface name" },
		{ { .mode = "veth", .rate_out = "8 mbitz" }, EINVAL,
		  "--net-rate-out: invalid rate \"8 mbitz\": unknown unit \" mbitz\"" },
		{ { .mode = "veth", .rate_in = "fast" }, EINVAL,
		  "--net-rate-in: invalid rate \"fast\": does not start with a number" },
		{ { .mode = "veth", .rate_in = "0mbit" }, EINVAL,
		  "--net-rate-in \"0mbit\": must be at least 8bit" },
		{ { .mode = "veth", .rate_out = "40gbit" }, ERANGE,
		  "--net-rate-out \"40gbit\": above the largest supported rate, 17.179Gbit" },
		{ { .mode = "veth", .rate_out = "1e40tbit" }, ERANGE,
		  "--net-rate-out: rate \"1e40tbit\" is out of range" },
		{ { .mode = "veth", .rate_out = "8mbit", .burst = "1k" }, EINVAL,
		  "--net-burst \"1k\": must be at least 1514 bytes" },
		{ { .mode = "veth", .rate_out = "8mbit", .burst = "3g" }, ERANGE, "--net-burst \"3g\": at most 2 GiB" },
		{ { .mode = "veth", .rate_out = "8mbit", .burst = "32kk" }, EINVAL,
		  "--net-burst: invalid size \"32kk\": unknown unit \"kk\"" },
		{ { .mode = "veth", .burst = "32k" }, EINVAL,
		  "--net-burst \"32k\": needs --net-rate-out or --net-rate-in" },
		{ { .mode = "veth", .latency = "50ms" }, EINVAL,
		  "--net-latency \"50ms\": needs --net-rate-out or --net-rate-in" },
		{ { .mode = "veth", .rate_in = "8mbit", .latency = "50 ms" }, EINVAL,
		  "--net-latency: invalid time \"50 ms\"" },
		{ { .mode = "veth", .rate_in = "8mbit", .latency = "0ms" }, EINVAL,
		  "--net-latency \"0ms\": must be more than 0" },
		{ { .mode = "veth", .rate_in = "10gbit", .latency = "10s" }, ERANGE,
		  "--net-rate-in \"10gbit\": 10s of latency at this rate" },
		{ { .mode = "none", .rate_out = "8mbit" }, EINVAL,
		  "--net-rate-out \"8mbit\": needs --net veth (network mode \"none\" has no interface" },
		{ { .rate_in = "8mbit" }, EINVAL, "--net-rate-in \"8mbit\": needs --net veth" },
		{ { .mode = "host", .ip = "10.0.0.2/30" }, EINVAL,
		  "--net-ip \"10.0.0.2/30\": needs --net veth (network mode \"host\"" },
		{ { .mode = "none", .host_name = "x" }, EINVAL, "--net-host-name \"x\": needs --net veth" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sbx_net_plan p;
		struct sbx_error err = { 0 };
		memset(&p, 0xa5, sizeof(p));
		struct sbx_net_plan before = p;
		int r = sbx_net_plan_build(&cases[i].spec, 1, &p, &err);
		if (r != -cases[i].code || err.code != cases[i].code || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: r=%d code=%d msg=\"%s\"; expected -%d and \"%s\"", i, r, err.code,
				 err.msg, cases[i].code, cases[i].msg);
		/* ret_ out-parameters are never clobbered on failure */
		assert_memory_equal(&p, &before, sizeof(p));
	}
}

static void test_tbf_params(void **state)
{
	(void)state;
	struct sbx_net_plan p;
	struct sbx_error err;
	struct sbx_net_spec spec = { .mode = "veth", .rate_out = "8mbit" };

	assert_int_equal(sbx_net_plan_build(&spec, 2, &p, &err), 0);
	assert_true(p.egress.enabled);
	assert_false(p.ingress.enabled);
	assert_int_equal(p.egress.rate, 1000000);
	/* default bucket: 5 ms at the rate, at least 16 KiB */
	assert_int_equal(p.egress.burst, 16384);
	/* limit = rate * 50 ms + burst, as tc computes it */
	assert_int_equal(p.egress.limit, 50000 + 16384);

	spec.rate_out = NULL;
	spec.rate_in = "1gbit";
	assert_int_equal(sbx_net_plan_build(&spec, 2, &p, &err), 0);
	assert_false(p.egress.enabled);
	assert_true(p.ingress.enabled);
	assert_int_equal(p.ingress.rate, 125000000);
	assert_int_equal(p.ingress.burst, 625000);
	assert_int_equal(p.ingress.limit, 6250000 + 625000);

	struct sbx_net_spec both = {
		.mode = "veth", .rate_out = "100kbps", .rate_in = "2mbit", .burst = "4k", .latency = "20ms"
	};
	assert_int_equal(sbx_net_plan_build(&both, 2, &p, &err), 0);
	assert_int_equal(p.egress.rate, 100000);
	assert_int_equal(p.egress.burst, 4096);
	assert_int_equal(p.egress.limit, 2000 + 4096);
	assert_int_equal(p.ingress.rate, 250000);
	assert_int_equal(p.ingress.burst, 4096);
	assert_int_equal(p.ingress.limit, 5000 + 4096);

	/* the largest rate libnl's tbf can express */
	struct sbx_net_spec max = { .mode = "veth", .rate_in = "2147483647bps", .latency = "10ms" };
	assert_int_equal(sbx_net_plan_build(&max, 2, &p, &err), 0);
	assert_int_equal(p.ingress.rate, INT32_MAX);
}

static void test_pasta_plan(void **state)
{
	(void)state;
	struct sbx_net_plan p;
	struct sbx_error err;

	struct sbx_net_spec spec = {.mode = "pasta"};
	assert_int_equal(sbx_net_plan_build(&spec, 5, &p, &err), 0);
	assert_int_equal(p.mode, SBX_NET_MODE_PASTA);
	assert_true(p.new_netns);
	assert_true(p.lo_in_child);
	assert_string_equal(p.sandbox_name, "eth0");
	assert_false(p.egress.enabled || p.ingress.enabled);
	assert_string_equal(sbx_net_mode_name(p.mode), "pasta");

	/* both limits, each queue at least SBX_NET_PASTA_MIN_QUEUE whatever the latency gives */
	struct sbx_net_spec rates = {.mode = "pasta", .rate_out = "8mbit", .rate_in = "100mbit", .latency = "10ms"};
	assert_int_equal(sbx_net_plan_build(&rates, 0, &p, &err), 0);
	assert_true(p.egress.enabled && p.ingress.enabled);
	assert_int_equal(p.egress.rate, 1000000);
	assert_int_equal(p.egress.limit, SBX_NET_PASTA_MIN_QUEUE);
	/* 100mbit for 10 s is far above it: kept */
	struct sbx_net_spec big = {.mode = "pasta", .rate_in = "100mbit", .latency = "10s"};
	assert_int_equal(sbx_net_plan_build(&big, 0, &p, &err), 0);
	assert_true(p.ingress.limit > SBX_NET_PASTA_MIN_QUEUE);

	/* the addresses are pasta's (the host's): naming them is an error, as for none */
	struct sbx_net_spec ip = {.mode = "pasta", .ip = "10.0.0.2/30", .host_ip = "10.0.0.1/30"};
	assert_int_equal(sbx_net_plan_build(&ip, 0, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--net-ip"));
	assert_non_null(strstr(err.msg, "needs --net veth"));
	struct sbx_net_spec burst = {.mode = "pasta", .burst = "64k"};
	assert_int_equal(sbx_net_plan_build(&burst, 0, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "needs --net-rate-out or --net-rate-in"));
}

static bool argv_has(char **v, const char *a, const char *b)
{
	for (size_t i = 0; v[i]; i++)
		if (strcmp(v[i], a) == 0 && (!b || (v[i + 1] && strcmp(v[i + 1], b) == 0)))
			return true;
	return false;
}

static void test_pasta_argv(void **state)
{
	(void)state;
	struct sbx_net_plan p;
	struct sbx_error err;
	struct sbx_net_spec spec = {.mode = "pasta"};
	struct sbx_pasta_ns ns = {.user_fd = 7, .net_fd = 8};
	assert_int_equal(sbx_net_plan_build(&spec, 0, &p, &err), 0);
	_cleanup_strv_ char **v = sbx_pasta_argv("/usr/bin/pasta", &p, &ns, 9);
	assert_string_equal(v[0], "/usr/bin/pasta");
	assert_true(argv_has(v, "--foreground", NULL));
	assert_true(argv_has(v, "--config-net", NULL));
	assert_true(argv_has(v, "--ns-ifname", "eth0"));
	/* nothing forwarded either way, the host's loopback not behind the gateway */
	assert_true(argv_has(v, "--tcp-ports", "none"));
	assert_true(argv_has(v, "--udp-ports", "none"));
	assert_true(argv_has(v, "--tcp-ns", "none"));
	assert_true(argv_has(v, "--udp-ns", "none"));
	assert_true(argv_has(v, "--no-map-gw", NULL));
	/* our descriptors, as /proc/self/fd paths */
	assert_true(argv_has(v, "--userns", "/proc/self/fd/7"));
	assert_true(argv_has(v, "--netns", "/proc/self/fd/8"));
	assert_true(argv_has(v, "--pid", "/proc/self/fd/9"));
	/* pasta's 65520 MTU only when nothing is shaped */
	assert_false(argv_has(v, "--mtu", NULL));
	struct sbx_net_spec shaped = {.mode = "pasta", .rate_out = "1mbit"};
	assert_int_equal(sbx_net_plan_build(&shaped, 0, &p, &err), 0);
	_cleanup_strv_ char **w = sbx_pasta_argv("/usr/bin/pasta", &p, &ns, 9);
	assert_true(argv_has(w, "--mtu", "1500"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_is_none),	   cmocka_unit_test(test_host_mode),
		cmocka_unit_test(test_join),		   cmocka_unit_test(test_unknown_mode),
		cmocka_unit_test(test_veth_defaults),	   cmocka_unit_test(test_slots_never_collide),
		cmocka_unit_test(test_host_name_pattern), cmocka_unit_test(test_veth_explicit),
		cmocka_unit_test(test_validation),	   cmocka_unit_test(test_tbf_params),
		cmocka_unit_test(test_pasta_plan),	   cmocka_unit_test(test_pasta_argv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

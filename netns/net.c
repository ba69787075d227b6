/* SPDX-License-Identifier: Apache-2.0 */
/* Network plan (pure validation of --net* settings) and its application over rtnetlink. */
#include "netns/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/rate.h"
#include "core/cleanup.h"
#include "core/util.h"

/*
 * Why the sandbox's egress is shaped on eth0 and not on the host end:
 * traffic the sandbox sends arrives as *ingress* at the host end, and
 * ingress can only be policed (act_police: drops, a sawtooth for TCP, and
 * not even built into every kernel -- not into this project's test kernel)
 * or redirected to an ifb device and shaped there. An ifb is a separate
 * device in the host netns: it does not die with the sandbox's netns, so it
 * would need a synchronous ~30 ms delete and a sweep of its own. A tbf at
 * eth0's root queues properly, dies with the netns, and costs one request.
 * Its only requirement is that the sandbox has no CAP_NET_ADMIN over its own
 * netns -- which is the runtime's default (no capabilities). A config that
 * grants CAP_NET_ADMIN together with --net-rate-out lets the program lift its
 * egress limit; the runtime should refuse that combination.
 */

/* Field labels for messages: the CLI flag; org.sbxctr.net.<flag minus --net-> is the annotation. */
#define F_MODE "--net"
#define F_IP "--net-ip"
#define F_HOST_IP "--net-host-ip"
#define F_IP6 "--net-ip6"
#define F_HOST_IP6 "--net-host-ip6"
#define F_RATE_OUT "--net-rate-out"
#define F_RATE_IN "--net-rate-in"
#define F_BURST "--net-burst"
#define F_LATENCY "--net-latency"
#define F_HOST_NAME "--net-host-name"

const char *sbx_net_mode_name(enum sbx_net_mode mode)
{
	switch (mode) {
	case SBX_NET_MODE_NONE:
		return "none";
	case SBX_NET_MODE_VETH:
		return "veth";
	case SBX_NET_MODE_HOST:
		return "host";
	case SBX_NET_MODE_JOIN:
		return "join";
	case SBX_NET_MODE_PASTA:
		return "pasta";
	default:
		return "?";
	}
}

void sbx_net_host_name_for_slot(unsigned slot, char buf[IFNAMSIZ])
{
	snprintf(buf, IFNAMSIZ, SBX_NET_HOST_PREFIX "%u" SBX_NET_HOST_SUFFIX, slot);
}

bool sbx_net_host_name_parse(const char *name, unsigned *ret_slot)
{
	const size_t plen = strlen(SBX_NET_HOST_PREFIX);
	if (!name || strncmp(name, SBX_NET_HOST_PREFIX, plen) != 0)
		return false;
	const char *p = name + plen;
	unsigned long v = 0;
	size_t nd = 0;
	while (p[nd] >= '0' && p[nd] <= '9') {
		v = v * 10 + (unsigned long)(p[nd] - '0');
		if (v > SBX_NET_SLOT_MAX)
			return false;
		nd++;
	}
	/* Exactly what sbx_net_host_name_for_slot() prints: no leading zeros. */
	if (nd == 0 || (nd > 1 && p[0] == '0') || strcmp(p + nd, SBX_NET_HOST_SUFFIX) != 0)
		return false;
	if (ret_slot)
		*ret_slot = (unsigned)v;
	return true;
}

static bool is_set(const char *s)
{
	return s && *s;
}

/* The kernel's dev_valid_name(), plus our reserved automatic names. */
static int check_ifname(const char *field, const char *name, struct sbx_error *err)
{
	size_t len = strlen(name);
	if (len >= IFNAMSIZ)
		return sbx_err_set(err, EINVAL, "%s \"%s\": interface names have at most %d characters",
				   field, name, IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return sbx_err_set(err, EINVAL, "%s \"%s\": not a valid interface name", field, name);
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (unsigned char)*p <= 0x20 ||
		    (unsigned char)*p >= 0x7f)
			return sbx_err_set(err, EINVAL,
					   "%s \"%s\": interface names cannot contain '/', ':', blanks "
					   "or control characters",
					   field, name);
	if (sbx_net_host_name_parse(name, NULL))
		return sbx_err_set(err, EINVAL,
				   "%s \"%s\": names " SBX_NET_HOST_PREFIX "<N>" SBX_NET_HOST_SUFFIX
				   " are reserved for automatic host ends",
				   field, name);
	return 0;
}

/*
 * "a.b.c.d/p" or "x:y::z/p". inet_pton() is strict (dotted quad, decimal
 * only), which is what we want from configs; the prefix is mandatory because
 * a guessed one silently changes who is reachable.
 */
static int parse_cidr(const char *field, const char *s, int family, struct sbx_ipaddr *ret,
		      struct sbx_error *err)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	const char *example = family == AF_INET ? "10.200.0.2/30" : "fd00:db8::2/64";
	char buf[INET6_ADDRSTRLEN + 8];
	struct sbx_ipaddr a = { .family = family };

	const char *slash = strchr(s, '/');
	if (!slash)
		return sbx_err_set(err, EINVAL, "%s \"%s\": missing prefix length (e.g. %s)", field, s,
				   example);
	size_t alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(buf))
		return sbx_err_set(err, EINVAL, "%s \"%s\": invalid %s address", field, s, fam);
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(family, buf, a.bytes) != 1)
		return sbx_err_set(err, EINVAL, "%s \"%s\": invalid %s address", field, s, fam);

	const char *p = slash + 1;
	unsigned pfx = 0;
	size_t nd = 0;
	while (p[nd] >= '0' && p[nd] <= '9' && nd < 4)
		pfx = pfx * 10 + (unsigned)(p[nd++] - '0');
	if (nd == 0 || p[nd] != '\0')
		return sbx_err_set(err, EINVAL, "%s \"%s\": invalid prefix length \"%s\"", field, s, p);
	/* /0 routes everything to the pair, /32 and /128 leave no gateway on the link. */
	unsigned max = family == AF_INET ? 31 : 127;
	if (pfx < 1 || pfx > max)
		return sbx_err_set(err, EINVAL, "%s \"%s\": prefix length must be 1..%u", field, s, max);
	a.prefix = (uint8_t)pfx;

	if (family == AF_INET) {
		uint32_t h = ntohl(a.v4.s_addr);
		if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 14)
			return sbx_err_set(err, EINVAL,
					   "%s \"%s\": not a unicast address for an interface "
					   "(0/8, 127/8, multicast and 240/4 are excluded)",
					   field, s);
	} else {
		const struct in6_addr *v6 = &a.v6;
		if (IN6_IS_ADDR_UNSPECIFIED(v6) || IN6_IS_ADDR_LOOPBACK(v6) || IN6_IS_ADDR_MULTICAST(v6) ||
		    IN6_IS_ADDR_V4MAPPED(v6))
			return sbx_err_set(err, EINVAL,
					   "%s \"%s\": not a unicast address for an interface "
					   "(::, ::1, ff00::/8 and ::ffff:0:0/96 are excluded)",
					   field, s);
	}
	*ret = a;
	return 0;
}

/* Bit i of the address, most significant first. */
static bool addr_bit(const struct sbx_ipaddr *a, unsigned i)
{
	return (a->bytes[i / 8] >> (7 - i % 8)) & 1;
}

static bool same_subnet(const struct sbx_ipaddr *a, const struct sbx_ipaddr *b, unsigned prefix)
{
	for (unsigned i = 0; i < prefix; i++)
		if (addr_bit(a, i) != addr_bit(b, i))
			return false;
	return true;
}

/* Host bits all zero (network) or, for IPv4, all one (broadcast). */
static bool host_bits_all(const struct sbx_ipaddr *a, bool one)
{
	unsigned bits = a->family == AF_INET ? 32 : 128;
	for (unsigned i = a->prefix; i < bits; i++)
		if (addr_bit(a, i) != one)
			return false;
	return true;
}

/* The two ends: one subnet, same prefix, distinct, neither network nor broadcast. */
static int check_pair(const char *f_ip, const char *ip_s, const struct sbx_ipaddr *ip,
		      const char *f_host, const char *host_s, const struct sbx_ipaddr *host,
		      struct sbx_error *err)
{
	if (ip->prefix != host->prefix)
		return sbx_err_set(err, EINVAL, "%s \"%s\" and %s \"%s\": the prefix lengths differ",
				   f_ip, ip_s, f_host, host_s);
	if (!same_subnet(ip, host, ip->prefix))
		return sbx_err_set(err, EINVAL,
				   "%s \"%s\" and %s \"%s\": not in the same subnet, the host end "
				   "could not be the sandbox's gateway",
				   f_ip, ip_s, f_host, host_s);
	if (memcmp(ip->bytes, host->bytes, sizeof(ip->bytes)) == 0)
		return sbx_err_set(err, EINVAL, "%s \"%s\" and %s \"%s\": the two ends need different addresses",
				   f_ip, ip_s, f_host, host_s);
	/* RFC 3021: a /31 (and an IPv6 /127) has no network or broadcast address. */
	unsigned p2p = ip->family == AF_INET ? 31 : 127;
	if (ip->prefix < p2p) {
		const struct {
			const char *f, *s;
			const struct sbx_ipaddr *a;
		} ends[] = { { f_ip, ip_s, ip }, { f_host, host_s, host } };
		for (size_t i = 0; i < SBX_ARRAY_SIZE(ends); i++) {
			if (host_bits_all(ends[i].a, false))
				return sbx_err_set(err, EINVAL, "%s \"%s\": that is the subnet's network address",
						   ends[i].f, ends[i].s);
			if (ip->family == AF_INET && host_bits_all(ends[i].a, true))
				return sbx_err_set(err, EINVAL,
						   "%s \"%s\": that is the subnet's broadcast address",
						   ends[i].f, ends[i].s);
		}
	}
	return 0;
}

static void default_v4(unsigned slot, uint32_t host_part, struct sbx_ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->prefix = 30;
	a->v4.s_addr = htonl(SBX_NET_DEFAULT_BASE + slot * 4 + host_part);
}

static int parse_rate_field(const char *field, const char *s, uint64_t *ret, struct sbx_error *err)
{
	char max[32];
	int r = sbx_rate_parse(s, ret);
	if (r < 0)
		return sbx_rate_err(err, r, SBX_RATE_KIND_RATE, field, s);
	if (*ret == 0)
		return sbx_err_set(err, EINVAL, "%s \"%s\": must be at least 8bit (1 byte per second)",
				   field, s);
	if (*ret > SBX_TC_MAX_RATE)
		return sbx_err_set(err, ERANGE, "%s \"%s\": above the largest supported rate, %s", field, s,
				   sbx_rate_format(SBX_TC_MAX_RATE, max, sizeof(max)));
	return 0;
}

/* Burst/limit from rate, burst and latency, as tc tbf computes the limit. */
static int plan_tbf(const char *f_rate, const char *rate_s, uint64_t rate, const char *burst_s,
		    uint64_t burst, uint64_t latency_ns, struct sbx_tc_tbf *ret, struct sbx_error *err)
{
	if (!burst_s) {
		/*
		 * Default bucket: 5 ms at the rate, at least 16 KiB. Too small a
		 * bucket makes the rate depend on timer wake-ups (the kernel
		 * refills it only when a watchdog fires); 5 ms is generous on a
		 * busy host, and the burst it allows is negligible next to any
		 * transfer worth shaping.
		 */
		burst = rate / 200;
		if (burst < SBX_NET_DEFAULT_MIN_BURST)
			burst = SBX_NET_DEFAULT_MIN_BURST;
		if (burst > INT32_MAX)
			burst = INT32_MAX;
	}
	unsigned __int128 limit = (unsigned __int128)rate * latency_ns / 1000000000u + burst;
	if (limit > INT32_MAX) {
		char rb[32];
		return sbx_err_set(err, ERANGE,
				   "%s \"%s\": %s of latency at this rate (plus the burst) is a "
				   "queue above 2 GiB; lower --net-latency or --net-burst",
				   f_rate, rate_s,
				   sbx_rate_format_time(latency_ns, rb, sizeof(rb)));
	}
	ret->enabled = true;
	ret->rate = rate;
	ret->burst = (uint32_t)burst;
	ret->limit = (uint32_t)limit;
	return 0;
}

static int plan_rates(const struct sbx_net_spec *spec, struct sbx_net_plan *p, struct sbx_error *err);

static int plan_veth(const struct sbx_net_spec *spec, unsigned slot, struct sbx_net_plan *p,
		     struct sbx_error *err)
{
	int r;

	bool derived = !is_set(spec->host_name) || !is_set(spec->ip) || !is_set(spec->host_ip);
	if (derived && slot > SBX_NET_SLOT_MAX)
		return sbx_err_set(err, ERANGE, "network slot %u: at most %u sandboxes with a veth run at once",
				   slot, SBX_NET_SLOT_MAX + 1);

	if (is_set(spec->host_name)) {
		r = check_ifname(F_HOST_NAME, spec->host_name, err);
		if (r < 0)
			return r;
		snprintf(p->host_name, sizeof(p->host_name), "%s", spec->host_name);
	} else {
		sbx_net_host_name_for_slot(slot, p->host_name);
		p->host_name_derived = true;
	}
	snprintf(p->sandbox_name, sizeof(p->sandbox_name), "%s", SBX_NET_SANDBOX_IFNAME);

	/* Addresses come in pairs: half a pair would be a guess at the other half. */
	if (is_set(spec->ip) != is_set(spec->host_ip))
		return sbx_err_set(err, EINVAL, "%s and %s must be given together (got only %s \"%s\")",
				   F_IP, F_HOST_IP, is_set(spec->ip) ? F_IP : F_HOST_IP,
				   is_set(spec->ip) ? spec->ip : spec->host_ip);
	if (is_set(spec->ip)) {
		if ((r = parse_cidr(F_IP, spec->ip, AF_INET, &p->ip, err)) < 0 ||
		    (r = parse_cidr(F_HOST_IP, spec->host_ip, AF_INET, &p->host_ip, err)) < 0 ||
		    (r = check_pair(F_IP, spec->ip, &p->ip, F_HOST_IP, spec->host_ip, &p->host_ip, err)) < 0)
			return r;
	} else {
		default_v4(slot, 1, &p->host_ip);
		default_v4(slot, 2, &p->ip);
	}

	if (is_set(spec->ip6) != is_set(spec->host_ip6))
		return sbx_err_set(err, EINVAL, "%s and %s must be given together (got only %s \"%s\")",
				   F_IP6, F_HOST_IP6, is_set(spec->ip6) ? F_IP6 : F_HOST_IP6,
				   is_set(spec->ip6) ? spec->ip6 : spec->host_ip6);
	if (is_set(spec->ip6)) {
		if ((r = parse_cidr(F_IP6, spec->ip6, AF_INET6, &p->ip6, err)) < 0 ||
		    (r = parse_cidr(F_HOST_IP6, spec->host_ip6, AF_INET6, &p->host_ip6, err)) < 0 ||
		    (r = check_pair(F_IP6, spec->ip6, &p->ip6, F_HOST_IP6, spec->host_ip6, &p->host_ip6,
				    err)) < 0)
			return r;
		p->has_ip6 = true;
	}

	return plan_rates(spec, p, err);
}

/* The rate limits (veth and pasta): both tbfs, from the rates, burst and latency. */
static int plan_rates(const struct sbx_net_spec *spec, struct sbx_net_plan *p, struct sbx_error *err)
{
	int r;
	uint64_t rate_out = 0, rate_in = 0, burst = 0, latency = SBX_NET_DEFAULT_LATENCY_NS;
	if (is_set(spec->rate_out) && (r = parse_rate_field(F_RATE_OUT, spec->rate_out, &rate_out, err)) < 0)
		return r;
	if (is_set(spec->rate_in) && (r = parse_rate_field(F_RATE_IN, spec->rate_in, &rate_in, err)) < 0)
		return r;
	bool any_rate = is_set(spec->rate_out) || is_set(spec->rate_in);
	if (is_set(spec->burst)) {
		if (!any_rate)
			return sbx_err_set(err, EINVAL, "%s \"%s\": needs %s or %s", F_BURST, spec->burst,
					   F_RATE_OUT, F_RATE_IN);
		r = sbx_rate_parse_size(spec->burst, &burst);
		if (r < 0)
			return sbx_rate_err(err, r, SBX_RATE_KIND_SIZE, F_BURST, spec->burst);
		if (burst < SBX_NET_MIN_BURST)
			return sbx_err_set(err, EINVAL,
					   "%s \"%s\": must be at least %u bytes (one full-size frame), "
					   "or no packet could ever pass",
					   F_BURST, spec->burst, SBX_NET_MIN_BURST);
		if (burst > INT32_MAX)
			return sbx_err_set(err, ERANGE, "%s \"%s\": at most 2 GiB", F_BURST, spec->burst);
	}
	if (is_set(spec->latency)) {
		if (!any_rate)
			return sbx_err_set(err, EINVAL, "%s \"%s\": needs %s or %s", F_LATENCY, spec->latency,
					   F_RATE_OUT, F_RATE_IN);
		r = sbx_rate_parse_time(spec->latency, &latency);
		if (r < 0)
			return sbx_rate_err(err, r, SBX_RATE_KIND_TIME, F_LATENCY, spec->latency);
		if (latency == 0)
			return sbx_err_set(err, EINVAL,
					   "%s \"%s\": must be more than 0 (it sizes the queue)", F_LATENCY,
					   spec->latency);
	}
	const char *burst_s = is_set(spec->burst) ? spec->burst : NULL;
	if (is_set(spec->rate_out) &&
	    (r = plan_tbf(F_RATE_OUT, spec->rate_out, rate_out, burst_s, burst, latency, &p->egress, err)) < 0)
		return r;
	if (is_set(spec->rate_in) &&
	    (r = plan_tbf(F_RATE_IN, spec->rate_in, rate_in, burst_s, burst, latency, &p->ingress, err)) < 0)
		return r;
	return 0;
}

int sbx_net_plan_build(const struct sbx_net_spec *spec, unsigned slot, struct sbx_net_plan *ret,
		       struct sbx_error *err)
{
	static const struct sbx_net_spec empty;
	struct sbx_net_plan p;
	int r;

	if (!spec)
		spec = &empty;
	memset(&p, 0, sizeof(p));
	p.slot = slot;

	const char *mode = is_set(spec->mode) ? spec->mode : "none";
	if (strcmp(mode, "none") == 0)
		p.mode = SBX_NET_MODE_NONE;
	else if (strcmp(mode, "veth") == 0)
		p.mode = SBX_NET_MODE_VETH;
	else if (strcmp(mode, "host") == 0)
		p.mode = SBX_NET_MODE_HOST;
	else if (strcmp(mode, "pasta") == 0)
		p.mode = SBX_NET_MODE_PASTA;
	else
		return sbx_err_set(err, EINVAL,
				   "%s \"%s\": unknown network mode (expected none, veth, pasta or host)", F_MODE,
				   spec->mode);

	if (p.mode != SBX_NET_MODE_VETH) {
		/*
		 * Settings that only a veth can honour are errors, not silently
		 * ignored; pasta takes the rates (its addresses are the host's).
		 */
		bool pasta = p.mode == SBX_NET_MODE_PASTA;
		const struct {
			const char *field, *value;
			bool pasta_too;
		} veth_only[] = {
			{ F_IP, spec->ip, false },
			{ F_HOST_IP, spec->host_ip, false },
			{ F_IP6, spec->ip6, false },
			{ F_HOST_IP6, spec->host_ip6, false },
			{ F_RATE_OUT, spec->rate_out, true },
			{ F_RATE_IN, spec->rate_in, true },
			{ F_BURST, spec->burst, true },
			{ F_LATENCY, spec->latency, true },
			{ F_HOST_NAME, spec->host_name, false },
		};
		for (size_t i = 0; i < SBX_ARRAY_SIZE(veth_only); i++)
			if (is_set(veth_only[i].value) && !(pasta && veth_only[i].pasta_too))
				return sbx_err_set(err, EINVAL,
						   "%s \"%s\": needs %s veth (network mode \"%s\" has no "
						   "interface to configure)",
						   veth_only[i].field, veth_only[i].value, F_MODE, mode);
	}

	switch (p.mode) {
	case SBX_NET_MODE_NONE:
		p.new_netns = true;
		p.lo_in_child = true;
		break;
	case SBX_NET_MODE_VETH:
		p.new_netns = true;
		/* The parent brings lo up in the same batch as eth0's settings. */
		p.lo_in_child = false;
		r = plan_veth(spec, slot, &p, err);
		if (r < 0)
			return r;
		break;
	case SBX_NET_MODE_PASTA:
		/* lo by the runtime as for none; eth0 by pasta, the limits from inside (sbx_net_setup_inside) */
		p.new_netns = true;
		p.lo_in_child = true;
		snprintf(p.sandbox_name, sizeof(p.sandbox_name), "%s", SBX_NET_SANDBOX_IFNAME);
		r = plan_rates(spec, &p, err);
		if (r < 0)
			return r;
		/*
		 * pasta's own TCP, at the far end of eth0, recovers from a
		 * dropped segment only after long stalls (2 MB took 20-40 s
		 * instead of 2 at 8mbit with the 50 ms queue): the queues hold
		 * at least a TCP window's worth so that a flow meets the rate by
		 * waiting, not by losing segments.
		 */
		for (struct sbx_tc_tbf *t = &p.egress; t; t = t == &p.egress ? &p.ingress : NULL)
			if (t->enabled && t->limit < SBX_NET_PASTA_MIN_QUEUE)
				t->limit = SBX_NET_PASTA_MIN_QUEUE;
		break;
	case SBX_NET_MODE_HOST:
	case SBX_NET_MODE_JOIN:
	default:
		break;
	}
	*ret = p;
	return 0;
}

int sbx_net_plan_join(struct sbx_net_plan *plan, const char *path, struct sbx_error *err)
{
	if (!path || !*path)
		return sbx_err_set(err, EINVAL, "network namespace path: empty");
	if (plan->mode != SBX_NET_MODE_NONE)
		return sbx_err_set(err, EINVAL,
				   "network namespace path \"%s\": cannot be combined with %s %s (the "
				   "sandbox joins an existing namespace as it is)",
				   path, F_MODE, sbx_net_mode_name(plan->mode));
	plan->mode = SBX_NET_MODE_JOIN;
	plan->new_netns = false;
	plan->lo_in_child = false;
	return 0;
}

/* ---- application ------------------------------------------------------ */

struct sbx_net_state {
	char host_name[IFNAMSIZ];
};

void sbx_net_state_free(struct sbx_net_state *state)
{
	free(state);
}

int sbx_net_setup_sandbox_lo(struct sbx_error *err)
{
	int r = sbx_link_lo_up(err);
	if (r < 0)
		return sbx_err_wrap(err, "sandbox network (loopback)");
	return 0;
}

int sbx_net_setup_lo_in(int sandbox_netns_fd, struct sbx_error *err)
{
	_cleanup_(sbx_nl_closep) struct sbx_nl *nl = NULL;
	int r = sbx_nl_open_in_netns(sandbox_netns_fd, &nl, err);
	if (r < 0)
		return sbx_err_wrap(err, "sandbox network (loopback)");
	struct sbx_nl_batch b;
	sbx_nl_batch_init(&b);
	if ((r = sbx_link_put_up(&b, 1, "lo")) < 0)
		return sbx_err_errno(err, r, "sandbox network (loopback)");
	if (sbx_nl_batch_commit(nl, &b, err) < 0)
		return sbx_err_wrap(err, "sandbox network (loopback)");
	return 0;
}

/* Says which side a duplicate name is on, since the kernel's EEXIST does not. */
static int explain_eexist(const struct sbx_net_plan *plan, struct sbx_nl *host, struct sbx_nl *sbx,
			  struct sbx_error *err)
{
	if (sbx_nl_ifindex(host, plan->host_name) > 0)
		return sbx_err_wrap(err,
				    "veth %s: an interface of that name already exists in the host "
				    "network namespace (%s)",
				    plan->host_name,
				    plan->host_name_derived ? "and could not be replaced" : "choose another " F_HOST_NAME);
	if (sbx_nl_ifindex(sbx, plan->sandbox_name) > 0)
		return sbx_err_wrap(err, "veth %s: the sandbox's network namespace already has an %s",
				    plan->host_name, plan->sandbox_name);
	return sbx_err_wrap(err, "veth %s", plan->host_name);
}

static int create_veth(const struct sbx_net_plan *plan, int sandbox_netns_fd, struct sbx_nl *host,
		       struct sbx_nl *sbx, struct sbx_error *err)
{
	struct sbx_nl_batch b;

	for (int attempt = 0;; attempt++) {
		sbx_nl_batch_init(&b);
		int r = sbx_link_put_veth(&b, plan->host_name, plan->sandbox_name, sandbox_netns_fd, true);
		if (r < 0)
			return sbx_err_errno(err, r, "veth %s", plan->host_name);
		r = sbx_nl_batch_commit(host, &b, err);
		if (r != -EEXIST)
			return r;
		/*
		 * A leftover "sbx<slot>h" while we hold the slot belongs to a dead
		 * sandbox of this slot (its netns may still be in the kernel's
		 * asynchronous cleanup): delete it once and retry. A name the
		 * user chose is never deleted.
		 */
		if (attempt > 0 || !plan->host_name_derived || sbx_nl_ifindex(host, plan->host_name) <= 0)
			return explain_eexist(plan, host, sbx, err);
		struct sbx_error derr;
		r = sbx_link_delete(host, plan->host_name, &derr);
		if (r < 0 && r != -ENODEV)
			return explain_eexist(plan, host, sbx, err);
	}
}

static int configure(const struct sbx_net_plan *plan, struct sbx_nl *host, struct sbx_nl *sbx,
		     struct sbx_error *err)
{
	struct sbx_nl_batch hb, sb;
	int r;

	int host_idx = sbx_nl_ifindex(host, plan->host_name);
	if (host_idx < 0)
		return sbx_err_errno(err, host_idx, "veth %s: looking up the new host end", plan->host_name);
	int sbx_idx = sbx_nl_ifindex(sbx, plan->sandbox_name);
	if (sbx_idx < 0)
		return sbx_err_errno(err, sbx_idx, "veth %s: looking up %s in the sandbox", plan->host_name,
				     plan->sandbox_name);

	/* Host side: addresses, then the shaper of what the sandbox receives. */
	sbx_nl_batch_init(&hb);
	if ((r = sbx_link_put_addr(&hb, host_idx, plan->host_name, &plan->host_ip)) < 0 ||
	    (plan->has_ip6 && (r = sbx_link_put_addr(&hb, host_idx, plan->host_name, &plan->host_ip6)) < 0))
		return sbx_err_errno(err, r, "veth %s: building requests", plan->host_name);
	if (plan->ingress.enabled &&
	    (r = sbx_tc_put_tbf(&hb, host_idx, plan->host_name, &plan->ingress, err)) < 0)
		return r;

	/* Sandbox side: lo, eth0 up, addresses, default routes (after the addresses they need), shaper. */
	sbx_nl_batch_init(&sb);
	if ((r = sbx_link_put_up(&sb, 1, "lo")) < 0 || (r = sbx_link_put_up(&sb, sbx_idx, plan->sandbox_name)) < 0 ||
	    (r = sbx_link_put_addr(&sb, sbx_idx, plan->sandbox_name, &plan->ip)) < 0 ||
	    (plan->has_ip6 && (r = sbx_link_put_addr(&sb, sbx_idx, plan->sandbox_name, &plan->ip6)) < 0) ||
	    (r = sbx_link_put_default_route(&sb, sbx_idx, plan->sandbox_name, &plan->host_ip)) < 0 ||
	    (plan->has_ip6 &&
	     (r = sbx_link_put_default_route(&sb, sbx_idx, plan->sandbox_name, &plan->host_ip6)) < 0))
		return sbx_err_errno(err, r, "veth %s: building requests", plan->host_name);
	if (plan->egress.enabled &&
	    (r = sbx_tc_put_tbf(&sb, sbx_idx, plan->sandbox_name, &plan->egress, err)) < 0)
		return r;

	if (sbx_nl_batch_commit(host, &hb, err) < 0)
		return sbx_err_wrap(err, "veth %s (host end)", plan->host_name);
	if (sbx_nl_batch_commit(sbx, &sb, err) < 0)
		return sbx_err_wrap(err, "veth %s (sandbox end)", plan->host_name);
	return 0;
}

/*
 * Order and cost: two sockets (one opened inside the sandbox netns by a
 * setns round trip), then three batches -- the veth alone (everything else
 * needs its ifindexes), then host-side and sandbox-side settings, each one
 * sendmsg() and one ACK. Both sockets are closed before returning: a socket
 * in the sandbox netns would keep that netns, and so the veth, alive after
 * the sandbox ends.
 */
int sbx_net_setup_host(const struct sbx_net_plan *plan, int sandbox_netns_fd,
		       struct sbx_net_state **ret, struct sbx_error *err)
{
	_cleanup_(sbx_nl_closep) struct sbx_nl *host = NULL;
	_cleanup_(sbx_nl_closep) struct sbx_nl *sbx = NULL;
	int r;

	*ret = NULL;
	if (plan->mode != SBX_NET_MODE_VETH)
		return 0;
	if (sandbox_netns_fd < 0)
		return sbx_err_set(err, EBADF, "sandbox network: no network namespace fd");
	/*
	 * Handing us our own namespace by mistake would put "eth0" and a
	 * default route on the host: refuse it up front (two stat calls).
	 */
	struct stat self_st, sbx_st;
	if (fstat(sandbox_netns_fd, &sbx_st) == 0 && stat("/proc/thread-self/ns/net", &self_st) == 0 &&
	    sbx_st.st_dev == self_st.st_dev && sbx_st.st_ino == self_st.st_ino)
		return sbx_err_set(err, EINVAL,
				   "sandbox network: the sandbox's network namespace is the caller's own");

	if (sbx_nl_open(&host, err) < 0 || sbx_nl_open_in_netns(sandbox_netns_fd, &sbx, err) < 0)
		return sbx_err_wrap(err, "sandbox network");

	r = create_veth(plan, sandbox_netns_fd, host, sbx, err);
	if (r < 0) {
		if (r == -EPERM)
			sbx_err_wrap(err, "sandbox network (veth needs CAP_NET_ADMIN in the host network "
					  "namespace: run as root)");
		else
			sbx_err_wrap(err, "sandbox network");
		return r;
	}

	r = configure(plan, host, sbx, err);
	if (r < 0) {
		/*
		 * Deleting the host end takes the peer and everything attached
		 * to either end (addresses, routes, qdiscs) with it.
		 */
		struct sbx_error derr;
		sbx_err_clear(&derr);
		int d = sbx_link_delete(host, plan->host_name, &derr);
		if (d < 0 && d != -ENODEV)
			sbx_err_wrap(err, "sandbox network (and cleaning up failed too: %s)", derr.msg);
		else
			sbx_err_wrap(err, "sandbox network");
		return r;
	}

	struct sbx_net_state *st = sbx_xcalloc(1, sizeof(*st));
	snprintf(st->host_name, sizeof(st->host_name), "%s", plan->host_name);
	*ret = st;
	return 0;
}

#define SBX_NET_IFB_NAME "ifb0"

/*
 * Why an ifb here, against the reasoning at the top of this file: with
 * pasta there is no host end to shape on, since what the sandbox receives
 * is written into eth0 (a tap) by pasta, and an ifb inside the sandbox's
 * network namespace dies with it like everything else there.
 */
int sbx_net_setup_inside(const struct sbx_net_plan *plan, struct sbx_error *err)
{
	_cleanup_(sbx_nl_closep) struct sbx_nl *nl = NULL;
	struct sbx_nl_batch b;
	int r;
	if (plan->mode != SBX_NET_MODE_PASTA || (!plan->egress.enabled && !plan->ingress.enabled))
		return 0;
	if (sbx_nl_open(&nl, err) < 0)
		return sbx_err_wrap(err, "sandbox network (rate limits)");
	if (plan->ingress.enabled) {
		sbx_nl_batch_init(&b);
		if ((r = sbx_link_put_ifb(&b, SBX_NET_IFB_NAME)) < 0)
			return sbx_err_errno(err, r, "sandbox network: ifb");
		if (sbx_nl_batch_commit(nl, &b, err) < 0)
			return sbx_err_wrap(err, "sandbox network (--net-rate-in)");
	}
	int eth = sbx_nl_ifindex(nl, plan->sandbox_name);
	if (eth < 0)
		return sbx_err_errno(err, eth, "sandbox network: %s (made by pasta)", plan->sandbox_name);
	sbx_nl_batch_init(&b);
	if (plan->egress.enabled && (r = sbx_tc_put_tbf(&b, eth, plan->sandbox_name, &plan->egress, err)) < 0)
		return r;
	if (plan->ingress.enabled) {
		int ifb = sbx_nl_ifindex(nl, SBX_NET_IFB_NAME);
		if (ifb < 0)
			return sbx_err_errno(err, ifb, "sandbox network: %s", SBX_NET_IFB_NAME);
		if ((r = sbx_link_put_up(&b, ifb, SBX_NET_IFB_NAME)) < 0)
			return sbx_err_errno(err, r, "sandbox network: %s up", SBX_NET_IFB_NAME);
		if ((r = sbx_tc_put_tbf(&b, ifb, SBX_NET_IFB_NAME, &plan->ingress, err)) < 0 ||
		    (r = sbx_tc_put_ingress_redirect(&b, eth, plan->sandbox_name, ifb, SBX_NET_IFB_NAME, err)) < 0)
			return r;
	}
	if (sbx_nl_batch_commit(nl, &b, err) < 0)
		return sbx_err_wrap(err, "sandbox network (rate limits)");
	return 0;
}

int sbx_net_teardown(struct sbx_net_state *state, struct sbx_error *err)
{
	_cleanup_(sbx_nl_closep) struct sbx_nl *host = NULL;

	if (!state)
		return 0;
	int r = sbx_nl_open(&host, err);
	if (r < 0)
		return r;
	r = sbx_link_delete(host, state->host_name, err);
	if (r == -ENODEV) {
		sbx_err_clear(err);
		return 0;
	}
	return r;
}

/* ---- sweep ------------------------------------------------------------- */

struct sweep_candidate {
	unsigned slot;
	int ifindex;
	char name[IFNAMSIZ];
};

struct sweep_ctx {
	struct sweep_candidate *c;
	size_t n, cap;
};

struct link_attrs {
	const char *name;
	const char *kind; /* not always NUL-terminated: kind_len bytes */
	size_t kind_len;
};

static int linkinfo_attr_cb(const struct nlattr *attr, void *data)
{
	struct link_attrs *la = data;
	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND && mnl_attr_validate(attr, MNL_TYPE_STRING) >= 0) {
		la->kind = mnl_attr_get_payload(attr);
		la->kind_len = mnl_attr_get_payload_len(attr);
	}
	return MNL_CB_OK;
}

/* Whether the len bytes at p are s, with or without a terminating NUL. */
static bool attr_str_eq(const char *p, size_t len, const char *s)
{
	size_t n = strlen(s);
	return (len == n || (len == n + 1 && p[n] == '\0')) && memcmp(p, s, n) == 0;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct link_attrs *la = data;
	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
			la->name = mnl_attr_get_str(attr);
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) >= 0)
			(void)mnl_attr_parse_nested(attr, linkinfo_attr_cb, la);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int sweep_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sweep_ctx *ctx = data;
	struct link_attrs la = { NULL, NULL, 0 };
	unsigned slot;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	(void)mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, &la);
	/* IFLA_INFO_KIND is "veth" without a NUL in some kernels: compare by its length. */
	if (!la.name || !la.kind || !attr_str_eq(la.kind, la.kind_len, "veth") ||
	    !sbx_net_host_name_parse(la.name, &slot))
		return MNL_CB_OK;
	if (ctx->n == ctx->cap) {
		ctx->cap = ctx->cap ? ctx->cap * 2 : 8;
		ctx->c = sbx_xrealloc(ctx->c, ctx->cap * sizeof(*ctx->c));
	}
	ctx->c[ctx->n].slot = slot;
	ctx->c[ctx->n].ifindex = ((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index;
	snprintf(ctx->c[ctx->n].name, IFNAMSIZ, "%s", la.name);
	ctx->n++;
	return MNL_CB_OK;
}

int sbx_net_sweep(bool (*slot_alive)(unsigned slot, void *ud), void *ud, unsigned *ret_removed,
		  struct sbx_error *err)
{
	_cleanup_(sbx_nl_closep) struct sbx_nl *nl = NULL;
	struct sweep_ctx ctx = { NULL, 0, 0 };
	unsigned removed = 0;
	int r;

	if (ret_removed)
		*ret_removed = 0;
	if (!slot_alive)
		return sbx_err_set(err, EINVAL, "network sweep: no slot_alive callback");
	if (sbx_nl_open(&nl, err) < 0)
		return sbx_err_wrap(err, "network sweep");

	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	r = sbx_nl_dump(nl, RTM_GETLINK, &ifi, sizeof(ifi), sweep_link_cb, &ctx, err);
	if (r < 0) {
		free(ctx.c);
		return sbx_err_wrap(err, "network sweep");
	}
	/* Delete after the dump: deleting during one would make it restart. */
	for (size_t i = 0; i < ctx.n && r >= 0; i++) {
		if (slot_alive(ctx.c[i].slot, ud))
			continue;
		/*
		 * By ifindex: a runtime that took this slot since the dump may
		 * already have created a new link of the same name.
		 */
		int d = sbx_link_delete_index(nl, ctx.c[i].ifindex, ctx.c[i].name, err);
		if (d == -ENODEV) /* gone meanwhile (its netns finished dying) */
			continue;
		if (d < 0)
			r = sbx_err_wrap(err, "network sweep: stale %s", ctx.c[i].name);
		else
			removed++;
	}
	free(ctx.c);
	if (ret_removed)
		*ret_removed = removed;
	return r < 0 ? r : 0;
}

bool sbx_net_slot_alive_lockfile(unsigned slot, void *ud)
{
	const char *dir = ud ? (const char *)ud : "/run/sbxctr/slots";
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%u.lock", dir, slot) >= sizeof(path))
		return true;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno != ENOENT;
	/* An exclusive probe conflicts with any holder, shared or exclusive. */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		(void)flock(fd, LOCK_UN);
		return false;
	}
	return true;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Pure cgroup v2 planning: limits -> cgroupfs writes, controllers, rlimit fallbacks. */
#include "cgroups/limits.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/cleanup.h"
#include "core/util.h"

/* Kernel order (cgroup_subsys.h), which is also how cgroup.controllers lists them. */
static const struct {
	unsigned bit;
	const char *name;
} controllers[] = {
	{SBX_CG_CPUSET, "cpuset"}, {SBX_CG_CPU, "cpu"},		{SBX_CG_IO, "io"},
	{SBX_CG_MEMORY, "memory"}, {SBX_CG_HUGETLB, "hugetlb"}, {SBX_CG_PIDS, "pids"},
	{SBX_CG_RDMA, "rdma"},	   {SBX_CG_MISC, "misc"},
};

const char *sbx_cgroup_controller_name(unsigned bit)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(controllers); i++)
		if (controllers[i].bit == bit)
			return controllers[i].name;
	return NULL;
}

unsigned sbx_cgroup_controller_from_name(const char *name, size_t len)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(controllers); i++)
		if (strlen(controllers[i].name) == len &&
		    memcmp(controllers[i].name, name, len) == 0)
			return controllers[i].bit;
	return 0;
}

unsigned sbx_cgroup_controllers_parse(const char *buf)
{
	unsigned mask = 0;
	const char *p = buf;
	while (p && *p) {
		p += strspn(p, " \t\n");
		size_t len = strcspn(p, " \t\n");
		if (len == 0)
			break;
		mask |= sbx_cgroup_controller_from_name(p, len);
		p += len;
	}
	return mask;
}

void sbx_cgroup_controllers_format(unsigned mask, char *buf, size_t size)
{
	size_t off = 0;
	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < SBX_ARRAY_SIZE(controllers); i++) {
		if (!(mask & controllers[i].bit))
			continue;
		int n = snprintf(buf + off, size - off, "%s%s", off ? " " : "",
				 controllers[i].name);
		if (n < 0 || (size_t)n >= size - off)
			return;
		off += (size_t)n;
	}
}

static const char *const mode_names[] = {
	[SBX_CGROUP_AUTO] = "auto",
	[SBX_CGROUP_REQUIRED] = "required",
	[SBX_CGROUP_BEST_EFFORT] = "best-effort",
	[SBX_CGROUP_OFF] = "off",
};

int sbx_cgroup_mode_parse(const char *s, enum sbx_cgroup_mode *ret)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(mode_names); i++)
		if (s && strcmp(s, mode_names[i]) == 0) {
			*ret = (enum sbx_cgroup_mode)i;
			return 0;
		}
	return -EINVAL;
}

const char *sbx_cgroup_mode_name(enum sbx_cgroup_mode mode)
{
	return (unsigned)mode < SBX_ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

/*
 * cpu.shares -> cpu.weight. Both runtimes first mapped [2, 262144] linearly
 * onto [1, 10000] (y = 1 + (x - 2) * 9999 / 262142: crun's
 * convert_shares_to_weight in src/libcrun/cgroup-internal.h up to 1.22, the
 * Debian 12 crun 1.8.1 included, and runc's ConvertCPUSharesToCgroupV2Value
 * up to 1.3.1), which sends the v1 default 1024 to 39, not to the v2 default
 * 100. opencontainers/cgroups (runc >= 1.3.2, opencontainers/runc#4785) and
 * current crun (containers/crun#1721; its tests pin 1024 -> ~100, 2 -> 1,
 * 262144 -> 10000) switched to a quadratic fit in log2 space that keeps the
 * ends and maps the default onto the default:
 *     l = log2(shares); w = ceil(10^((l^2 + 125 l) / 612 - 7/34))
 * sbxctr follows the current runtimes. libm is not linked into the core, so
 * log2 and 10^x are computed below in long double (series), which is more
 * precise than the float64 the Go code uses; the result was checked equal to
 * the libm double computation for every shares value in [2, 262144].
 */
static long double ln_ld(long double x) /* x > 0 */
{
	static const long double ln2 = 0.693147180559945309417232121458176568L;
	int k = 0;
	/* x = m * 2^k with m in [sqrt(1/2), sqrt(2)) so that the series below converges fast */
	while (x >= 1.41421356237309504880L) {
		x /= 2;
		k++;
	}
	while (x < 0.70710678118654752440L) {
		x *= 2;
		k--;
	}
	/* ln(m) = 2 atanh(z), z = (m - 1) / (m + 1), |z| < 0.172 */
	long double z = (x - 1) / (x + 1), z2 = z * z, term = z, sum = 0;
	for (int n = 1; n < 60; n += 2) {
		sum += term / n;
		term *= z2;
	}
	return 2 * sum + k * ln2;
}

static long double exp_ld(long double y) /* 0 <= y < 64 */
{
	static const long double ln2 = 0.693147180559945309417232121458176568L;
	int j = (int)(y / ln2);
	long double r = y - j * ln2, term = 1, sum = 1;
	for (int n = 1; n < 40; n++) {
		term *= r / n;
		sum += term;
	}
	while (j-- > 0)
		sum *= 2;
	return sum;
}

uint64_t sbx_cgroup_shares_to_weight(uint64_t shares)
{
	static const long double ln2 = 0.693147180559945309417232121458176568L;
	static const long double ln10 = 2.302585092994045684017991454684364208L;
	if (shares == 0)
		return 0;
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	/* Exact for powers of two, as log2() is: 1024 must give exactly 10 -> 100. */
	long double l;
	if ((shares & (shares - 1)) == 0)
		l = 63 - __builtin_clzll(shares);
	else
		l = ln_ld((long double)shares) / ln2;
	/* One division keeps e exact when it is an integer (l = 10 -> e = 2). */
	long double e = (l * l + 125 * l - 126) / 612, w = 1;
	if (e > 0 && (long double)(uint64_t)e == e)
		for (uint64_t i = 0; i < (uint64_t)e; i++)
			w *= 10;
	else if (e > 0)
		w = exp_ld(e * ln10);
	uint64_t iw = (uint64_t)w;
	if ((long double)iw < w)
		iw++;
	return iw < 1 ? 1 : iw > 10000 ? 10000 : iw;
}

/* ---- cpuset lists ---------------------------------------------------------- */

static int parse_cpu_number(const char **p, unsigned long *ret)
{
	const char *s = *p;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	unsigned long v = 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > SBX_CPUSET_MAX)
			return -ERANGE;
		s++;
	}
	*p = s;
	*ret = v;
	return 0;
}

int sbx_cpuset_parse(const char *s, uint64_t *bits, size_t n_words, const char **ret_bad)
{
	const char *p = s;
	memset(bits, 0, n_words * sizeof(*bits));
	p += strspn(p, " \t");
	if (*p == '\0' || *p == '\n')
		return 0;
	for (;;) {
		unsigned long lo, hi;
		p += strspn(p, " \t");
		const char *item = p;
		int r = parse_cpu_number(&p, &lo);
		if (r < 0) {
			if (ret_bad)
				*ret_bad = p;
			return r;
		}
		hi = lo;
		if (*p == '-') {
			p++;
			r = parse_cpu_number(&p, &hi);
			if (r < 0 || hi < lo) {
				if (ret_bad)
					*ret_bad = r < 0 ? p : item;
				return r < 0 ? r : -EINVAL;
			}
		}
		if (hi / 64 >= n_words) {
			if (ret_bad)
				*ret_bad = item;
			return -ERANGE;
		}
		for (unsigned long c = lo; c <= hi; c++)
			bits[c / 64] |= UINT64_C(1) << (c % 64);
		p += strspn(p, " \t");
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\n')
			p++;
		if (*p != '\0') {
			if (ret_bad)
				*ret_bad = p;
			return -EINVAL;
		}
		return 0;
	}
}

void sbx_cpuset_format(const uint64_t *bits, size_t n_words, char *buf, size_t size)
{
	size_t off = 0, n = n_words * 64;
	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t c = 0; c < n;) {
		if (!(bits[c / 64] & (UINT64_C(1) << (c % 64)))) {
			c++;
			continue;
		}
		size_t e = c;
		while (e + 1 < n && (bits[(e + 1) / 64] & (UINT64_C(1) << ((e + 1) % 64))))
			e++;
		int w = e == c ? snprintf(buf + off, size - off, "%s%zu", off ? "," : "", c)
			       : snprintf(buf + off, size - off, "%s%zu-%zu", off ? "," : "", c, e);
		if (w < 0 || (size_t)w >= size - off) {
			buf[off] = '\0';
			return;
		}
		off += (size_t)w;
		c = e + 1;
	}
}

/* ---- plan building ------------------------------------------------------------ */

#define CPUSET_WORDS ((SBX_CPUSET_MAX + 1) / 64)
#define CPU_PERIOD_DEFAULT 100000
#define CPU_PERIOD_MIN 1000 /* kernel: 1 ms .. 1 s */
#define CPU_PERIOD_MAX 1000000
#define CPU_QUOTA_MIN 1000

struct writes {
	struct sbx_cgroup_write *v;
	size_t n, cap;
	unsigned requested;
};

static void writes_clear(struct writes *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->v[i].file);
		free(w->v[i].value);
	}
	free(w->v);
	*w = (struct writes){0};
}

static struct sbx_cgroup_write *writes_find(struct writes *w, const char *file)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].file, file) == 0)
			return &w->v[i];
	return NULL;
}

static void writes_add(struct writes *w, const char *file, const char *value, unsigned controller,
		       unsigned flags, const char *what)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		w->v = sbx_xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n++] = (struct sbx_cgroup_write){
		.file = sbx_xstrdup(file),
		.value = sbx_xstrdup(value),
		.controller = controller,
		.flags = flags,
		.what = what,
	};
	if (!(flags & SBX_CGW_OPTIONAL))
		w->requested |= controller;
}

static void writes_add_u64(struct writes *w, const char *file, uint64_t v, unsigned controller,
			   unsigned flags, const char *what)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	writes_add(w, file, buf, controller, flags, what);
}

static int plan_cpuset(struct writes *w, const char *list, const char *file, const char *field,
		       const char *what, struct sbx_error *err)
{
	if (!list)
		return 0;
	_cleanup_free_ uint64_t *bits = sbx_xcalloc(CPUSET_WORDS, sizeof(uint64_t));
	const char *bad = list;
	int r = sbx_cpuset_parse(list, bits, CPUSET_WORDS, &bad);
	if (r == -ERANGE)
		return sbx_err_set(err, EINVAL, "%s: \"%s\": number out of range (at most %d)",
				   field, list, SBX_CPUSET_MAX);
	if (r < 0)
		return sbx_err_set(
			err, EINVAL,
			"%s: \"%s\": invalid list at offset %td (expected numbers and ranges like "
			"\"0-3,5\")",
			field, list, bad - list);
	char buf[512];
	sbx_cpuset_format(bits, CPUSET_WORDS, buf, sizeof(buf));
	if (buf[0] == '\0')
		return 0; /* "" is "unset" in OCI */
	if (strlen(buf) >= sizeof(buf) - 1)
		return sbx_err_set(err, EINVAL, "%s: \"%s\": list too long", field, list);
	writes_add(w, file, buf, SBX_CG_CPUSET, 0, what);
	return 0;
}

/* memory.* byte values: -1 = unlimited (no write: a new cgroup starts at "max"), 0 = unset. */
static int check_bytes(int64_t v, const char *field, struct sbx_error *err)
{
	if (v < -1)
		return sbx_err_set(err, EINVAL,
				   "%s: invalid value %" PRId64
				   " (expected bytes > 0, or -1 for unlimited)",
				   field, v);
	return 0;
}

static int plan_memory(struct writes *w, const struct sbx_resources *res, struct sbx_error *err)
{
	static const char f_limit[] = "linux.resources.memory.limit (--memory)";
	static const char f_resv[] = "linux.resources.memory.reservation";
	static const char f_swap[] = "linux.resources.memory.swap";
	static const char f_swapmax[] = "--memory-swap";
	static const char f_high[] = "--memory-high";
	int64_t limit = res->has_memory_limit ? res->memory_limit : 0;
	int r;

	if (res->has_memory_limit && (r = check_bytes(limit, f_limit, err)) < 0)
		return r;
	if (res->has_memory_reservation) {
		if ((r = check_bytes(res->memory_reservation, f_resv, err)) < 0)
			return r;
		if (res->memory_reservation > 0)
			writes_add_u64(w, "memory.low", (uint64_t)res->memory_reservation,
				       SBX_CG_MEMORY, 0, "memory reservation");
	}
	if (res->has_memory_high) {
		if ((r = check_bytes(res->memory_high, f_high, err)) < 0)
			return r;
		if (res->memory_high > 0)
			writes_add_u64(w, "memory.high", (uint64_t)res->memory_high, SBX_CG_MEMORY,
				       0, "memory high limit");
	}
	if (limit > 0)
		writes_add_u64(w, "memory.max", (uint64_t)limit, SBX_CG_MEMORY, SBX_CGW_MEMORY_LIMIT, "memory limit");

	/*
	 * Swap. The direct flag wins; OCI's memory.swap is memory + swap (a v1
	 * notion) and converts as runc and crun do (swap.max = swap - limit);
	 * without either, a memory limit implies no swap at all, or the limit
	 * could be escaped by swapping out.
	 */
	int64_t swap = -2; /* -2: no write, -1: max */
	if (res->has_swap_max) {
		if (res->swap_max < -1)
			return sbx_err_set(err, EINVAL,
					   "%s: invalid value %" PRId64
					   " (expected bytes >= 0, or -1 for unlimited)",
					   f_swapmax, res->swap_max);
		swap = res->swap_max;
	} else if (res->has_memory_swap && res->memory_swap != 0) {
		if ((r = check_bytes(res->memory_swap, f_swap, err)) < 0)
			return r;
		if (res->memory_swap == -1)
			swap = -1;
		else if (limit == -1)
			swap = res->memory_swap; /* unlimited memory: the total is all swap */
		else if (limit == 0)
			return sbx_err_set(err, EINVAL,
					   "%s: %" PRId64
					   " needs a memory limit (OCI swap is memory + swap)",
					   f_swap, res->memory_swap);
		else if (res->memory_swap < limit)
			return sbx_err_set(err, EINVAL,
					   "%s: %" PRId64 " is less than the memory limit %" PRId64
					   " (OCI swap is memory + swap)",
					   f_swap, res->memory_swap, limit);
		else
			swap = res->memory_swap - limit;
	} else if (limit > 0) {
		swap = 0;
	}
	if (swap >= 0)
		writes_add_u64(w, "memory.swap.max", (uint64_t)swap, SBX_CG_MEMORY, SBX_CGW_SWAP,
			       "swap limit");
	else if (swap == -1 && limit > 0)
		/* explicit "max" next to a memory limit: written, the parent may differ */
		writes_add(w, "memory.swap.max", "max", SBX_CG_MEMORY, SBX_CGW_SWAP, "swap limit");
	return 0;
}

static int plan_cpu(struct writes *w, const struct sbx_resources *res, struct sbx_error *err)
{
	static const char f_quota[] = "linux.resources.cpu.quota (--cpus)";
	static const char f_period[] = "linux.resources.cpu.period";
	int r;

	if (res->has_cpu_weight) {
		if (res->cpu_weight < 1 || res->cpu_weight > 10000)
			return sbx_err_set(err, EINVAL,
					   "--cpu-weight: %" PRIu64 " is out of range (1-10000)",
					   res->cpu_weight);
		writes_add_u64(w, "cpu.weight", res->cpu_weight, SBX_CG_CPU, 0, "CPU weight");
	} else if (res->has_cpu_shares && res->cpu_shares != 0) {
		writes_add_u64(w, "cpu.weight", sbx_cgroup_shares_to_weight(res->cpu_shares),
			       SBX_CG_CPU, 0, "CPU shares");
	}

	bool quota = res->has_cpu_quota && res->cpu_quota != 0 && res->cpu_quota != -1;
	if (res->has_cpu_quota && res->cpu_quota < -1)
		return sbx_err_set(err, EINVAL,
				   "%s: invalid value %" PRId64
				   " (expected microseconds per period, or -1 for no limit)",
				   f_quota, res->cpu_quota);
	if (quota && res->cpu_quota < CPU_QUOTA_MIN)
		return sbx_err_set(err, EINVAL,
				   "%s: %" PRId64 " us is below the kernel's minimum of %d us",
				   f_quota, res->cpu_quota, CPU_QUOTA_MIN);
	uint64_t period = CPU_PERIOD_DEFAULT;
	if (res->has_cpu_period && (quota || res->cpu_period != 0)) {
		if (res->cpu_period < CPU_PERIOD_MIN || res->cpu_period > CPU_PERIOD_MAX)
			return sbx_err_set(err, EINVAL,
					   "%s: %" PRIu64 " us is out of range (%d-%d)%s", f_period,
					   res->cpu_period, CPU_PERIOD_MIN, CPU_PERIOD_MAX,
					   quota ? " for the CPU quota" : "");
		period = res->cpu_period;
	}
	if (quota) {
		char buf[48];
		snprintf(buf, sizeof(buf), "%" PRId64 " %" PRIu64, res->cpu_quota, period);
		writes_add(w, "cpu.max", buf, SBX_CG_CPU, 0, "CPU quota");
	}

	if ((r = plan_cpuset(w, res->cpuset_cpus, "cpuset.cpus",
			     "linux.resources.cpu.cpus (--cpuset)", "cpuset CPUs", err)) < 0)
		return r;
	return plan_cpuset(w, res->cpuset_mems, "cpuset.mems", "linux.resources.cpu.mems",
			   "cpuset memory nodes", err);
}

static int plan_unified(struct writes *w, const struct sbx_resources *res, struct sbx_error *err)
{
	for (size_t i = 0; i < res->n_unified; i++) {
		const char *key = res->unified[i].key, *value = res->unified[i].value;
		if (!key || !value)
			return sbx_err_set(err, EINVAL,
					   "linux.resources.unified[%zu]: missing key or value", i);
		const char *dot = strchr(key, '.');
		unsigned ctrl = dot ? sbx_cgroup_controller_from_name(key, (size_t)(dot - key)) : 0;
		/*
		 * Only plain "<controller>.<file>" names: no path separators or
		 * "..", which could reach outside the sandbox cgroup, and no
		 * cgroup.* core files (procs, subtree_control, kill...), which
		 * would break the runtime's own management of the cgroup.
		 */
		if (strchr(key, '/') || strstr(key, "..") || !dot || dot[1] == '\0')
			return sbx_err_set(
				err, EINVAL,
				"linux.resources.unified[\"%s\"]: not a cgroup file name "
				"(expected \"<controller>.<file>\")",
				key);
		if (!ctrl)
			return sbx_err_set(err, EINVAL,
					   "linux.resources.unified[\"%s\"]: unknown or "
					   "unsupported controller \"%.*s\"",
					   key, (int)(dot - key), key);
		if (strlen(key) > 64 || value[0] == '\0' || strlen(value) > 4096)
			return sbx_err_set(
				err, EINVAL,
				"linux.resources.unified[\"%s\"]: invalid value \"%.64s\"", key,
				value);
		/* As crun does: unified entries are written last and override the typed fields. */
		struct sbx_cgroup_write *old = writes_find(w, key);
		if (old) {
			free(old->value);
			old->value = sbx_xstrdup(value);
			old->flags = 0;
			old->what = "linux.resources.unified";
			continue;
		}
		writes_add(w, key, value, ctrl, 0, "linux.resources.unified");
	}
	return 0;
}

static int build_writes(const struct sbx_resources *res, struct writes *w, struct sbx_error *err)
{
	static const struct sbx_resources none = {0};
	int r;
	if (!res)
		res = &none;
	if ((r = plan_cpu(w, res, err)) < 0 || (r = plan_memory(w, res, err)) < 0)
		goto fail;
	if (res->has_pids_limit && res->pids_limit > 0)
		writes_add_u64(w, "pids.max", (uint64_t)res->pids_limit, SBX_CG_PIDS, 0,
			       "pids limit");
	if ((r = plan_unified(w, res, err)) < 0)
		goto fail;
	/*
	 * cpuset first: with cpuset.cpus written before cpu.max the quota is
	 * never briefly spread over more CPUs than the sandbox gets.
	 */
	for (size_t i = 0, j = 0; i < w->n; i++)
		if (w->v[i].controller == SBX_CG_CPUSET) {
			struct sbx_cgroup_write t = w->v[i];
			memmove(&w->v[j + 1], &w->v[j], (i - j) * sizeof(*w->v));
			w->v[j++] = t;
		}
	return 0;
fail:
	writes_clear(w);
	return r;
}

static void fallback_add(struct sbx_cgroup_fallback *fb, const char *limit, const char *fallback)
{
	for (size_t i = 0; i < fb->n_unenforced; i++)
		if (strcmp(fb->unenforced[i].limit, limit) == 0)
			return;
	fb->unenforced =
		sbx_xrealloc(fb->unenforced, (fb->n_unenforced + 1) * sizeof(*fb->unenforced));
	fb->unenforced[fb->n_unenforced++] =
		(struct sbx_cgroup_unenforced){sbx_xstrdup(limit), fallback};
}

void sbx_cgroup_fallback_clear(struct sbx_cgroup_fallback *fb)
{
	if (!fb)
		return;
	for (size_t i = 0; i < fb->n_unenforced; i++)
		free(fb->unenforced[i].limit);
	free(fb->unenforced);
	*fb = (struct sbx_cgroup_fallback){0};
}

static void fallback_compute(const struct sbx_resources *res, const struct writes *w,
			     unsigned available, bool have_cgroup, struct sbx_cgroup_fallback *fb)
{
	*fb = (struct sbx_cgroup_fallback){0};
	if (!have_cgroup)
		available = 0;
	for (size_t i = 0; i < w->n; i++) {
		const struct sbx_cgroup_write *x = &w->v[i];
		if ((x->controller & available) || (x->flags & SBX_CGW_OPTIONAL))
			continue;
		/* the memory limit option itself, not a raw unified["memory.max"] */
		bool as = (x->flags & SBX_CGW_MEMORY_LIMIT) && res && res->has_memory_limit && res->memory_limit > 0;
		if (as) {
			/* Address space, not resident memory: a blunt but real upper bound. */
			fb->rlimits[fb->n_rlimits++] =
				(struct sbx_rlimit){RLIMIT_AS, (uint64_t)res->memory_limit,
						    (uint64_t)res->memory_limit};
		}
		/* the same count as pids.max (see struct sbx_cgroup_fallback): enforced, not listed */
		if (strcmp(x->file, "pids.max") == 0 && res && res->has_pids_limit && res->pids_limit > 0) {
			fb->rlimits[fb->n_rlimits++] =
				(struct sbx_rlimit){RLIMIT_NPROC, (uint64_t)res->pids_limit,
						    (uint64_t)res->pids_limit};
			continue;
		}
		fallback_add(fb, x->file, as ? "RLIMIT_AS" : NULL);
	}
}

int sbx_cgroup_fallback(const struct sbx_resources *res, unsigned available, bool have_cgroup,
			struct sbx_cgroup_fallback *ret, struct sbx_error *err)
{
	struct writes w = {0};
	int r = build_writes(res, &w, err);
	if (r < 0)
		return r;
	fallback_compute(res, &w, available, have_cgroup, ret);
	writes_clear(&w);
	return 0;
}

/* The first write whose controller is in mask, for messages. */
static const struct sbx_cgroup_write *first_needing(const struct writes *w, unsigned mask)
{
	for (size_t i = 0; i < w->n; i++)
		if ((w->v[i].controller & mask) && !(w->v[i].flags & SBX_CGW_OPTIONAL))
			return &w->v[i];
	return NULL;
}

int sbx_cgroup_plan(const struct sbx_resources *res, const struct sbx_cgroup_plan_opts *opts,
		    struct sbx_cgroup_plan **ret, struct sbx_error *err)
{
	static const struct sbx_cgroup_plan_opts defaults = {
		.mode = SBX_CGROUP_AUTO, .cgroup_usable = true, .available = SBX_CG_ALL};
	if (!opts)
		opts = &defaults;
	struct writes w = {0};
	int r = build_writes(res, &w, err);
	if (r < 0)
		return r;

	bool usable = opts->cgroup_usable && opts->mode != SBX_CGROUP_OFF;
	unsigned available = usable ? opts->available : 0;
	unsigned missing = w.requested & ~available;
	const char *reason =
		opts->unusable_reason ? opts->unusable_reason : "cgroup v2 is not usable";
	const char *parent = opts->parent ? opts->parent : "the sbxctr parent cgroup";

	if (opts->mode == SBX_CGROUP_REQUIRED && !usable) {
		writes_clear(&w);
		return sbx_err_set(err, ENOTSUP,
				   "--cgroups required: cannot create a sandbox cgroup: %s",
				   reason);
	}
	if (missing && (opts->mode == SBX_CGROUP_AUTO || opts->mode == SBX_CGROUP_REQUIRED)) {
		/* Name the first missing controller and the limit that needs it. */
		const struct sbx_cgroup_write *x = first_needing(&w, missing);
		const char *name = sbx_cgroup_controller_name(x->controller);
		if (usable)
			r = sbx_err_set(err, ENOTSUP,
					"cgroup controller \"%s\" is not available in %s: needed "
					"for the %s (%s); use --cgroups best-effort to run with "
					"rlimit fallbacks",
					name, parent, x->what, x->file);
		else
			r = sbx_err_set(err, ENOTSUP,
					"cgroup controller \"%s\" is not available (%s): needed "
					"for the %s (%s); use --cgroups best-effort to run with "
					"rlimit fallbacks",
					name, reason, x->what, x->file);
		writes_clear(&w);
		return r;
	}

	struct sbx_cgroup_plan *plan = sbx_xcalloc(1, sizeof(*plan));
	plan->use_cgroup = usable;
	plan->requested = w.requested;
	fallback_compute(res, &w, available, usable, &plan->fallback);
	if (usable) {
		/* Keep what the host can enforce, in plan order. */
		size_t j = 0;
		for (size_t i = 0; i < w.n; i++) {
			if (w.v[i].controller & available) {
				plan->controllers |= w.v[i].controller;
				w.v[j++] = w.v[i];
			} else {
				free(w.v[i].file);
				free(w.v[i].value);
			}
		}
		w.n = j;
		/*
		 * Always, limits or not: an OOM kill (of the sandbox's own limit or
		 * of the whole machine) takes the whole sandbox, never one process
		 * of it, so that a run ends with a clear "memory" verdict.
		 */
		if ((available & SBX_CG_MEMORY) && !writes_find(&w, "memory.oom.group")) {
			writes_add(&w, "memory.oom.group", "1", SBX_CG_MEMORY, SBX_CGW_OPTIONAL,
				   "OOM group kill");
			plan->controllers |= SBX_CG_MEMORY;
		}
		plan->writes = w.v;
		plan->n_writes = w.n;
	} else {
		writes_clear(&w);
	}
	*ret = plan;
	return 0;
}

uint64_t sbx_cgroup_plan_memory_max(const struct sbx_cgroup_plan *plan)
{
	uint64_t max = UINT64_MAX;
	if (!plan || !plan->use_cgroup)
		return max;
	for (size_t i = 0; i < plan->n_writes; i++) {
		const struct sbx_cgroup_write *w = &plan->writes[i];
		if (strcmp(w->file, "memory.max") != 0 || strcmp(w->value, "max") == 0)
			continue;
		char *end = NULL;
		errno = 0;
		unsigned long long v = strtoull(w->value, &end, 10);
		if (errno || !end || end == w->value || *end)
			v = 0;
		if (v < max)
			max = v;
	}
	return max;
}

void sbx_cgroup_plan_free(struct sbx_cgroup_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_writes; i++) {
		free(plan->writes[i].file);
		free(plan->writes[i].value);
	}
	free(plan->writes);
	sbx_cgroup_fallback_clear(&plan->fallback);
	free(plan);
}

const struct sbx_cgroup_write *sbx_cgroup_plan_find(const struct sbx_cgroup_plan *plan,
						    const char *file)
{
	for (size_t i = 0; plan && i < plan->n_writes; i++)
		if (strcmp(plan->writes[i].file, file) == 0)
			return &plan->writes[i];
	return NULL;
}

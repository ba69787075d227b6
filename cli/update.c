/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbxctr update [--resources FILE|-] [--memory ..] [--cpu-quota ..] ... ID:
 * new limits written into a running container's cgroup, with runc's flags.
 */
#include "cli/global.h"
#include "cli/run.h"
#include "cli/verbs.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"Usage: sbxctr [GLOBAL OPTIONS] update [OPTIONS] ID\n"
	"\n"
	"Writes new limits into running container ID's cgroup, as create would have.\n"
	"\n"
	"  -r, --resources FILE|-   an OCI linux.resources object (\"-\": standard input);\n"
	"                           the flags below override its fields\n"
	"  --memory SIZE            memory.max (\"512m\", bytes, -1: unlimited)\n"
	"  --memory-swap SIZE       memory+swap, as OCI memory.swap (-1: unlimited)\n"
	"  --memory-reservation SIZE  memory.low\n"
	"  --cpu-quota US           cpu.max quota (-1: max)\n"
	"  --cpu-period US          cpu.max period\n"
	"  --cpu-share N            cpu.weight, converted from shares\n"
	"  --cpuset-cpus LIST, --cpuset-mems LIST\n"
	"  --pids-limit N           pids.max (0 or -1: unlimited)\n"
	"  --blkio-weight, --cpu-rt-period, --cpu-rt-runtime, --kernel-memory,\n"
	"  --kernel-memory-tcp, --l3-cache-schema, --mem-bw-schema\n"
	"                           accepted for runc's callers; not cgroup v2 limits sbxctr sets\n";

enum {
	U_MEMORY = 256, U_SWAP, U_RESERVATION, U_QUOTA, U_PERIOD, U_SHARES, U_CPUS, U_MEMS, U_PIDS, U_IGNORED,
};

/* A size flag: bytes with runc's unit suffixes, or -1 for unlimited. */
static int size_arg(const char *flag, const char *v, int64_t *ret, struct sbx_error *err)
{
	uint64_t u;
	if (strcmp(v, "-1") == 0) {
		*ret = -1;
		return 0;
	}
	if (sbx_parse_size(v, &u) < 0 || u > INT64_MAX)
		return sbx_err_set(err, EINVAL, "update: --%s: expected a size (bytes, 512m, 1g) or -1, got \"%s\"", flag,
				   v);
	*ret = (int64_t)u;
	return 0;
}

static int int_arg(const char *flag, const char *v, int64_t min, int64_t *ret, struct sbx_error *err)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < min)
		return sbx_err_set(err, EINVAL, "update: --%s: expected an integer >= %lld, got \"%s\"", flag,
				   (long long)min, v);
	*ret = n;
	return 0;
}

static int read_resources(const char *path, struct sbx_resources *res, struct sbx_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = sbx_read_all(strcmp(path, "-") == 0 ? "/proc/self/fd/0" : path, 1u << 20, &buf, &len);
	if (r < 0)
		return sbx_err_errno(err, r, "update: --resources %s", path);
	_cleanup_free_ char *doc = sbx_xasprintf("--resources %s", path);
	return sbx_resources_parse(buf, len, doc, res, err);
}

/* One flag's value into res; flags come after --resources, whose fields they override. */
static int apply_flag(int c, const char *flag, const char *v, struct sbx_resources *res, struct sbx_error *err)
{
	int64_t n = 0;
	int r = 0;
	switch (c) {
	case U_MEMORY:
		if ((r = size_arg(flag, v, &res->memory_limit, err)) == 0)
			res->has_memory_limit = true;
		break;
	case U_SWAP:
		if ((r = size_arg(flag, v, &res->memory_swap, err)) == 0)
			res->has_memory_swap = true;
		break;
	case U_RESERVATION:
		if ((r = size_arg(flag, v, &res->memory_reservation, err)) == 0)
			res->has_memory_reservation = true;
		break;
	case U_QUOTA:
		if ((r = int_arg(flag, v, -1, &res->cpu_quota, err)) == 0)
			res->has_cpu_quota = true;
		break;
	case U_PERIOD:
		if ((r = int_arg(flag, v, 1, &n, err)) == 0) {
			res->cpu_period = (uint64_t)n;
			res->has_cpu_period = true;
		}
		break;
	case U_SHARES:
		if ((r = int_arg(flag, v, 0, &n, err)) == 0) {
			res->cpu_shares = (uint64_t)n;
			res->has_cpu_shares = true;
		}
		break;
	case U_CPUS:
		free(res->cpuset_cpus);
		res->cpuset_cpus = sbx_xstrdup(v);
		break;
	case U_MEMS:
		free(res->cpuset_mems);
		res->cpuset_mems = sbx_xstrdup(v);
		break;
	case U_PIDS:
		if ((r = int_arg(flag, v, -1, &res->pids_limit, err)) == 0)
			res->has_pids_limit = true;
		break;
	default:
		sbx_log(SBX_LOG_INFO, "update: --%s %s: accepted and ignored (not a cgroup v2 limit sbxctr sets)", flag, v);
		break;
	}
	return r;
}

int sbx_cli_parse_update(int argc, char **argv, struct sbx_resources *res, const char **ret_id, bool *help,
			 struct sbx_error *err)
{
	static const struct option longopts[] = {
		{"resources", required_argument, NULL, 'r'},
		{"memory", required_argument, NULL, U_MEMORY},
		{"memory-swap", required_argument, NULL, U_SWAP},
		{"memory-reservation", required_argument, NULL, U_RESERVATION},
		{"cpu-quota", required_argument, NULL, U_QUOTA},
		{"cpu-period", required_argument, NULL, U_PERIOD},
		{"cpu-share", required_argument, NULL, U_SHARES},
		{"cpuset-cpus", required_argument, NULL, U_CPUS},
		{"cpuset-mems", required_argument, NULL, U_MEMS},
		{"pids-limit", required_argument, NULL, U_PIDS},
		{"blkio-weight", required_argument, NULL, U_IGNORED},
		{"cpu-rt-period", required_argument, NULL, U_IGNORED},
		{"cpu-rt-runtime", required_argument, NULL, U_IGNORED},
		{"kernel-memory", required_argument, NULL, U_IGNORED},
		{"kernel-memory-tcp", required_argument, NULL, U_IGNORED},
		{"l3-cache-schema", required_argument, NULL, U_IGNORED},
		{"mem-bw-schema", required_argument, NULL, U_IGNORED},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(res, 0, sizeof(*res));
	int c, r, idx;
	/* --resources first, whatever its place: the flags override its fields */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:h", longopts, &idx)) != -1) {
		if (c == 'h') {
			*help = true;
			return 0;
		}
		if (c == 'r') {
			sbx_resources_clear(res);
			if ((r = read_resources(optarg, res, err)) < 0)
				return r;
		} else if (c == ':' || c == '?') {
			return sbx_cli_getopt_error(c, argv, "update", err);
		}
	}
	optind = 0;
	while ((c = getopt_long(argc, argv, ":r:h", longopts, &idx)) != -1)
		if (c >= U_MEMORY && (r = apply_flag(c, longopts[idx].name, optarg, res, err)) < 0)
			return r;
	if (argc - optind != 1)
		return sbx_err_set(err, EINVAL, argc - optind ? "update takes one container id" : "a container id is required");
	*ret_id = argv[optind];
	return 0;
}

int sbx_cmd_update(int argc, char **argv)
{
	struct sbx_error err = {0};
	struct sbx_resources res;
	const char *id = NULL;
	bool help = false;
	int r = sbx_cli_parse_update(argc, argv, &res, &id, &help, &err);
	if (r == 0 && help) {
		fputs(usage, stdout);
		sbx_resources_clear(&res);
		return 0;
	}
	struct sbx_container_opts g;
	if (r == 0 && (r = sbx_globals_container_opts(sbx_cli_globals(), &g, &err)) == 0)
		r = sbx_container_update(&g, id, &res, &err);
	sbx_resources_clear(&res);
	return r < 0 ? sbx_cli_fail(&err) : 0;
}

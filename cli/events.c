/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbxctr events [--stats] [--interval D] ID: runc's event stream, one JSON
 * object a line: {"type":"stats","id":ID,"data":{...}} every interval (with
 * --stats once, then exit), {"type":"oom","id":ID} when the kernel killed a
 * process of the container for memory. Ends when the container does.
 */
#include "cgroups/live.h"
#include "cli/global.h"
#include "cli/run.h"
#include "cli/verbs.h"
#include "core/cleanup.h"
#include "core/util.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static json_object *u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* runc's types.Stats, from cgroup v2 (times in ns, as runc reports them). */
static json_object *stats_json(const struct sbx_cgroup_live_stats *s)
{
	json_object *cpu = json_object_new_object(), *usage = json_object_new_object(),
		    *thr = json_object_new_object();
	json_object_object_add(usage, "total", u64(s->cpu_usage_us * 1000));
	json_object_object_add(usage, "percpu", json_object_new_array());
	json_object_object_add(usage, "kernel", u64(s->cpu_system_us * 1000));
	json_object_object_add(usage, "user", u64(s->cpu_user_us * 1000));
	json_object_object_add(thr, "periods", u64(s->cpu_periods));
	json_object_object_add(thr, "throttledPeriods", u64(s->cpu_throttled_periods));
	json_object_object_add(thr, "throttledTime", u64(s->cpu_throttled_us * 1000));
	json_object_object_add(cpu, "usage", usage);
	json_object_object_add(cpu, "throttling", thr);
	json_object *data = json_object_new_object();
	json_object_object_add(data, "cpu", cpu);
	if (s->has_memory) {
		json_object *mem = json_object_new_object(), *mu = json_object_new_object(),
			    *sw = json_object_new_object(), *raw = json_object_new_object();
		json_object_object_add(mu, "limit", u64(s->memory_max));
		json_object_object_add(mu, "usage", u64(s->memory_usage));
		json_object_object_add(mu, "max", u64(s->memory_peak));
		json_object_object_add(mu, "failcnt", u64(s->memory_failcnt));
		json_object_object_add(sw, "limit", u64(s->swap_max));
		json_object_object_add(sw, "usage", u64(s->swap_usage));
		for (size_t i = 0; i < s->n_stat; i++)
			json_object_object_add(raw, s->stat_keys[i], u64(s->stat_values[i]));
		json_object_object_add(mem, "usage", mu);
		json_object_object_add(mem, "swap", sw);
		json_object_object_add(mem, "raw", raw);
		json_object_object_add(data, "memory", mem);
	}
	if (s->has_pids) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "current", u64(s->pids_current));
		json_object_object_add(p, "limit", u64(s->pids_max));
		json_object_object_add(data, "pids", p);
	}
	json_object_object_add(data, "blkio", json_object_new_object());
	json_object_object_add(data, "hugetlb", json_object_new_object());
	return data;
}

static void print_event(const char *type, const char *id, json_object *data)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "id", json_object_new_string(id));
	if (data)
		json_object_object_add(o, "data", data);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(o);
}

int sbx_cmd_events(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"stats", no_argument, NULL, 's'},
		{"interval", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sbx_error err = {0};
	bool once = false;
	uint64_t interval_us = 5000000;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 's') {
			once = true;
		} else if (c == 'i') {
			if (sbx_parse_seconds_us(optarg, &interval_us) < 0 || interval_us < 1000 ||
			    interval_us > 86400000000ULL) {
				sbx_err_set(&err, EINVAL, "events: --interval: expected a duration from 1ms to 24h (5s, "
					    "500ms), got \"%s\"", optarg);
				return sbx_cli_fail(&err);
			}
		} else if (c == 'h') {
			puts("Usage: sbxctr [GLOBAL OPTIONS] events [--stats] [--interval 5s] ID\n\n"
			     "JSON lines about container ID until it stops: its cgroup's statistics every\n"
			     "interval ({\"type\":\"stats\",...}; --stats: once, then exit) and {\"type\":\"oom\"}\n"
			     "when the kernel kills one of its processes for memory.");
			return 0;
		} else {
			sbx_cli_getopt_error(c, argv, "events", &err);
			return sbx_cli_fail(&err);
		}
	}
	if (argc - optind != 1) {
		sbx_err_set(&err, EINVAL, argc - optind ? "events takes one container id" : "a container id is required");
		return sbx_cli_fail(&err);
	}
	const char *id = argv[optind];
	struct sbx_container_opts g;
	_cleanup_(sbx_container_watch_freep) struct sbx_container_watch *w = NULL;
	if (sbx_globals_container_opts(sbx_cli_globals(), &g, &err) < 0 ||
	    sbx_container_watch_open(&g, id, &w, &err) < 0)
		return sbx_cli_fail(&err);
	for (;;) {
		struct sbx_cgroup_live_stats st;
		if (sbx_container_watch_stats(w, &st, &err) < 0)
			return sbx_cli_fail(&err);
		print_event("stats", id, stats_json(&st));
		if (once)
			return 0;
		int ev;
		while ((ev = sbx_container_watch_wait(w, (int)(interval_us / 1000), &err)) == SBX_WATCH_OOM)
			print_event("oom", id, NULL);
		if (ev < 0)
			return sbx_cli_fail(&err);
		if (ev == SBX_WATCH_EXITED)
			return 0;
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Global flags before the verb, and the log sink they choose. */
#include "cli/global.h"
#include "cli/run.h"
#include "cli/verbs.h"
#include "cgroups/limits.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "oci/policy.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The parsed argv is the program's one global, as the style allows. */
static const struct sbx_globals *globals;

const struct sbx_globals *sbx_cli_globals(void)
{
	static const struct sbx_globals none = {.policy = SBX_POLICY_HARDENED};
	return globals ? globals : &none;
}

void sbx_cli_set_globals(const struct sbx_globals *g)
{
	globals = g;
}

void sbx_globals_free(struct sbx_globals *g)
{
	free(g->root);
	free(g->log_path);
	free(g->cgroup_manager);
	free(g->rootless);
	if (g->log)
		fclose(g->log);
	memset(g, 0, sizeof(*g));
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]; NULL when argv[*i] is not --name. */
static const char *flag_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (!a || *i >= argc)
		return NULL;
	/* runc takes one or two dashes */
	if (a[1] == '-')
		a++;
	if (strncmp(a + 1, name, n) != 0)
		return NULL;
	if (a[1 + n] == '=')
		return a + 2 + n;
	if (a[1 + n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static bool flag_is(const char *a, const char *name)
{
	if (a[0] != '-')
		return false;
	a += a[1] == '-' ? 2 : 1;
	return strcmp(a, name) == 0;
}

static void set(char **dst, const char *v)
{
	free(*dst);
	*dst = sbx_xstrdup(v);
}

int sbx_globals_parse(int argc, char **argv, struct sbx_globals *g, struct sbx_error *err)
{
	memset(g, 0, sizeof(*g));
	int i;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i], *v;
		bool missing = false;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (flag_is(a, "version") || strcmp(a, "-v") == 0) {
			g->version = true;
		} else if (flag_is(a, "help") || strcmp(a, "-h") == 0) {
			g->help = true;
		} else if (flag_is(a, "debug")) {
			g->debug = true;
		} else if (flag_is(a, "systemd-cgroup")) {
			g->systemd_cgroup = true;
		} else if ((v = flag_value(argc, argv, &i, "root", &missing))) {
			if (v[0] != '/')
				return sbx_err_set(err, EINVAL, "--root: \"%s\" must be an absolute path", v);
			set(&g->root, v);
		} else if ((v = flag_value(argc, argv, &i, "log", &missing))) {
			set(&g->log_path, v);
		} else if ((v = flag_value(argc, argv, &i, "log-format", &missing))) {
			if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
				return sbx_err_set(err, EINVAL, "--log-format: expected text or json, got \"%s\"", v);
			g->log_json = strcmp(v, "json") == 0;
		} else if ((v = flag_value(argc, argv, &i, "cgroup-manager", &missing))) {
			if (strcmp(v, "cgroupfs") != 0 && strcmp(v, "systemd") != 0 && strcmp(v, "disabled") != 0)
				return sbx_err_set(err, EINVAL,
						   "--cgroup-manager: expected cgroupfs, systemd or disabled, got \"%s\"", v);
			set(&g->cgroup_manager, v);
		} else if ((v = flag_value(argc, argv, &i, "rootless", &missing))) {
			if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0 && strcmp(v, "auto") != 0)
				return sbx_err_set(err, EINVAL, "--rootless: expected true, false or auto, got \"%s\"", v);
			set(&g->rootless, v);
		} else if ((v = flag_value(argc, argv, &i, "policy", &missing))) {
			if (sbx_policy_parse(v, &g->policy) < 0)
				return sbx_err_set(err, EINVAL, "--policy: expected hardened or exact, got \"%s\"", v);
			g->has_policy = true;
		} else if (flag_value(argc, argv, &i, "criu", &missing)) {
			/* runc's checkpointing tool: accepted, nothing here uses it */
		} else if (missing) {
			return sbx_err_set(err, EINVAL, "%s: missing value", a);
		} else {
			return sbx_err_set(err, EINVAL, "unknown global option %s (see sbxctr --help)", a);
		}
		if (missing)
			return sbx_err_set(err, EINVAL, "%s: missing value", a);
	}
	g->verb = i;
	return 0;
}

/*
 * With --log: every message goes to the file (runc's JSON lines with
 * --log-format json, which conmon and containerd's shim read), and errors
 * to standard error too, where callers that only look there find them.
 */
static void file_sink(int level, const char *msg, void *userdata)
{
	const struct sbx_globals *g = userdata;
	static const char *const names[] = {"error", "warning", "info", "debug"};
	char t[64];
	sbx_now_rfc3339(t, sizeof(t));
	if (g->log_json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "level", json_object_new_string(names[level]));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		json_object_object_add(o, "time", json_object_new_string(t));
		fprintf(g->log, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		fprintf(g->log, "time=\"%s\" level=%s msg=\"%s\"\n", t, names[level], msg);
	}
	fflush(g->log);
	if (level == SBX_LOG_ERROR)
		fprintf(stderr, "sbxctr: error: %s\n", msg);
}

int sbx_globals_apply(struct sbx_globals *g, struct sbx_error *err)
{
	if (g->debug)
		sbx_log_set_level(SBX_LOG_DEBUG);
	if (g->log_path) {
		g->log = fopen(g->log_path, "ae");
		if (!g->log)
			return sbx_err_sys(err, "--log %s", g->log_path);
		if (!g->debug)
			sbx_log_set_level(SBX_LOG_INFO);
		sbx_log_set_sink(file_sink, g);
	}
	if (g->systemd_cgroup || (g->cgroup_manager && strcmp(g->cgroup_manager, "systemd") == 0))
		sbx_log(SBX_LOG_INFO, "systemd cgroups: a container's cgroup is a transient scope "
				      "(linux.cgroupsPath slice:prefix:name)");
	else if (g->cgroup_manager && strcmp(g->cgroup_manager, "disabled") == 0)
		sbx_log(SBX_LOG_INFO, "--cgroup-manager=disabled: containers get no cgroup");
	if (g->rootless)
		sbx_log(SBX_LOG_INFO, "--rootless %s: accepted; sbxctr decides from its own uid (%s)", g->rootless,
			getuid() == 0 ? "root: not rootless" : "not root");
	return 0;
}

int sbx_globals_container_opts(const struct sbx_globals *g, struct sbx_container_opts *ret, struct sbx_error *err)
{
	*ret = (struct sbx_container_opts){.root = g->root, .policy = g->policy, .cgroup_mode = -1};
	if (!g->has_policy) {
		const char *env = getenv(SBX_POLICY_ENV);
		if (env && *env && sbx_policy_parse(env, &ret->policy) < 0)
			return sbx_err_set(err, EINVAL, SBX_POLICY_ENV ": expected hardened or exact, got \"%s\"", env);
	}
	if (g->cgroup_manager && strcmp(g->cgroup_manager, "disabled") == 0)
		ret->cgroup_mode = SBX_CGROUP_OFF;
	ret->systemd_cgroup = g->systemd_cgroup || (g->cgroup_manager && strcmp(g->cgroup_manager, "systemd") == 0);
	return 0;
}

/* Parses "VERB [-f|--force] ID"; force may be NULL (no such flag). */
int sbx_cli_id_args(int argc, char **argv, const char *verb, bool *force, const char **ret_id, bool *help,
		   struct sbx_error *err)
{
	static const struct option longopts[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, force ? ":fh" : ":h", force ? longopts : longopts + 1, NULL)) != -1) {
		if (c == 'f' && force)
			*force = true;
		else if (c == 'h')
			*help = true;
		else
			return sbx_cli_getopt_error(c, argv, verb, err);
	}
	if (*help)
		return 0;
	if (argc - optind != 1)
		return sbx_err_set(err, EINVAL, argc - optind ? "%s takes one container id" : "a container id is required",
				   verb);
	*ret_id = argv[optind];
	return 0;
}

int sbx_cli_fail(const struct sbx_error *err)
{
	sbx_log(SBX_LOG_ERROR, "%s", err->msg);
	return SBX_EXIT_FAILURE;
}

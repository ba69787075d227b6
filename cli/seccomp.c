/* SPDX-License-Identifier: Apache-2.0 */
/* `sbxctr seccomp check|export`: validate a profile, show its decisions, export BPF or PFC. */
#include "cli/verbs.h"
#include "profiles/seccomp_builtin.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "profiles/seccomp_filter.h"
#include "profiles/seccomp_profile.h"
#include "core/cleanup.h"
#include "core/util.h"

#define PROFILE_MAX_BYTES (16u << 20)

static const char usage_text[] =
	"Usage:\n"
	"  sbxctr seccomp check PROFILE [--caps LIST] [--arch ARCH] [--kernel X.Y]\n"
	"  sbxctr seccomp export PROFILE [--caps LIST] [--arch ARCH] [--kernel X.Y]\n"
	"                        (--bpf FILE | --pfc FILE)\n"
	"\n"
	"PROFILE is a Docker seccomp profile, an OCI linux.seccomp object or a whole\n"
	"config.json, or the name of a shipped profile: default, compute-only\n"
	"(write ./default for a file of that name).\n"
	"\n"
	"check   validates the profile, resolves it as Docker would for the given\n"
	"        capabilities, architecture and kernel, and prints the decision for\n"
	"        every syscall of the architecture, the ENOSYS stub thresholds and\n"
	"        the warnings (unknown syscall names, skipped rules).\n"
	"export  writes the program the kernel would get: --bpf the raw sock_filter\n"
	"        array (stub included), --pfc libseccomp's pseudo-code with a comment\n"
	"        describing the stub. FILE - is standard output.\n"
	"\n"
	"Options:\n"
	"  --caps LIST     bounding capabilities the includes/excludes see, comma\n"
	"                  separated: CAP_SYS_ADMIN or sys_admin, \"docker\" for Docker's\n"
	"                  14 defaults, \"all\", \"none\" (default: none, as sbxctr run)\n"
	"  --arch ARCH     native architecture: x86_64, aarch64, s390x, ... or\n"
	"                  SCMP_ARCH_* or Go names (amd64, arm64) (default: this host)\n"
	"  --kernel X.Y    kernel version for minKernel (default: this host)\n"
	"  -h, --help      show this help\n"
	"\n"
	"Exit status: 0 on success, 125 on any error.\n";

struct cli_opts {
	const char *cmd;
	const char *profile;
	const char *caps;
	const char *arch;
	const char *kernel;
	const char *bpf;
	const char *pfc;
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("sbxctr: seccomp: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return SBX_EXIT_FAILURE;
}

/* "--opt VALUE" or "--opt=VALUE"; returns 1 if argv[*i] was this option. */
static int take_value(int argc, char **argv, int *i, const char *opt, const char **ret, int *rc)
{
	size_t n = strlen(opt);
	if (strncmp(argv[*i], opt, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*ret = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		*rc = fail("option %s needs a value", opt);
		return 1;
	}
	*ret = argv[++*i];
	return 1;
}

static int parse_args(int argc, char **argv, struct cli_opts *o, bool *help)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int rc = 0;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			*help = true;
			return 0;
		}
		if (take_value(argc, argv, &i, "--caps", &o->caps, &rc) ||
		    take_value(argc, argv, &i, "--arch", &o->arch, &rc) ||
		    take_value(argc, argv, &i, "--kernel", &o->kernel, &rc) ||
		    take_value(argc, argv, &i, "--bpf", &o->bpf, &rc) ||
		    take_value(argc, argv, &i, "--pfc", &o->pfc, &rc)) {
			if (rc)
				return rc;
			continue;
		}
		if (a[0] == '-' && a[1] != '\0')
			return fail("unknown option %s (see sbxctr seccomp --help)", a);
		if (!o->cmd)
			o->cmd = a;
		else if (!o->profile)
			o->profile = a;
		else
			return fail("unexpected argument \"%s\"", a);
	}
	return 0;
}

static int parse_caps(const char *list, uint64_t *ret)
{
	*ret = 0;
	_cleanup_free_ char *copy = sbx_xstrdup(list);
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*t))
			t++;
		if (strcasecmp(t, "none") == 0 || !*t)
			continue;
		if (strcasecmp(t, "docker") == 0) {
			*ret |= sbx_seccomp_docker_default_caps();
			continue;
		}
		if (strcasecmp(t, "all") == 0) {
			for (int c = 0; sbx_seccomp_cap_name(c); c++)
				*ret |= UINT64_C(1) << c;
			continue;
		}
		char name[64];
		snprintf(name, sizeof(name), "%s%s", strncasecmp(t, "CAP_", 4) == 0 ? "" : "CAP_",
			 t);
		for (char *c = name; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		int cap = sbx_seccomp_cap_from_name(name);
		if (cap < 0)
			return fail("--caps: unknown capability \"%s\"", t);
		*ret |= UINT64_C(1) << cap;
	}
	return 0;
}

static int parse_arch(const char *s, uint32_t *ret)
{
	static const char *const tokens[] = {
		"SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
		"SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
		"SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
		"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
		"SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_RISCV64",
		"SCMP_ARCH_S390",     "SCMP_ARCH_S390X",
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(tokens); i++) {
		uint32_t tok = sbx_seccomp_arch_from_name(tokens[i]);
		const char *go = sbx_seccomp_arch_goname(tok);
		if (strcmp(s, tokens[i]) == 0 || strcmp(s, sbx_seccomp_arch_label(tok)) == 0 ||
		    (go && strcmp(s, go) == 0)) {
			/* x32 is never a native architecture (moby has no Go name for it) */
			if (tok == SCMP_ARCH_X32)
				break;
			*ret = tok;
			return 0;
		}
	}
	return fail("--arch: unknown architecture \"%s\"", s);
}

static int load_text(const char *profile, char **ret_text, size_t *ret_len, const char **ret_doc)
{
	const char *builtin = strchr(profile, '/') ? NULL : sbx_seccomp_builtin_profile(profile);
	if (builtin) {
		*ret_text = sbx_xstrdup(builtin);
		*ret_len = strlen(builtin);
		*ret_doc = profile;
		return 0;
	}
	int r = sbx_read_all(profile, PROFILE_MAX_BYTES, ret_text, ret_len);
	if (r < 0)
		return fail("cannot read %s: %s", profile, strerror(-r));
	*ret_doc = profile;
	return 0;
}

static void cond_text(const struct sbx_seccomp_arg *a, char *buf, size_t size)
{
	static const char *const ops[] = {"", "!=", "<", "<=", "==", ">=", ">"};
	char v[32], w[32];
	snprintf(v, sizeof(v), a->value > 4096 ? "0x%llx" : "%llu", (unsigned long long)a->value);
	snprintf(w, sizeof(w), a->value_two > 4096 ? "0x%llx" : "%llu",
		 (unsigned long long)a->value_two);
	if (a->op == SBX_SECCOMP_OP_MASKED_EQ)
		snprintf(buf, size, "(arg%u & %s) == %s", a->index, v, w);
	else
		snprintf(buf, size, "arg%u %s %s", a->index, ops[a->op], v);
}

static void action_text(uint32_t act, char *buf, size_t size)
{
	uint32_t data = act & SECCOMP_RET_DATA;
	switch (act & SECCOMP_RET_ACTION_FULL) {
	case SCMP_ACT_KILL_PROCESS: snprintf(buf, size, "KILL_PROCESS"); break;
	case SCMP_ACT_KILL_THREAD: snprintf(buf, size, "KILL_THREAD"); break;
	case SCMP_ACT_TRAP: snprintf(buf, size, "TRAP"); break;
	case SECCOMP_RET_ERRNO: snprintf(buf, size, "ERRNO(%u)", data); break;
	case SECCOMP_RET_TRACE: snprintf(buf, size, "TRACE(%u)", data); break;
	case SCMP_ACT_LOG: snprintf(buf, size, "LOG"); break;
	case SCMP_ACT_ALLOW: snprintf(buf, size, "ALLOW"); break;
	case SCMP_ACT_NOTIFY: snprintf(buf, size, "NOTIFY"); break;
	default: snprintf(buf, size, "0x%08x", act); break;
	}
}

static void append(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(char **s, const char *fmt, ...)
{
	char part[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(part, sizeof(part), fmt, ap);
	va_end(ap);
	char *n = sbx_xasprintf("%s%s", *s ? *s : "", part);
	free(*s);
	*s = n;
}

/*
 * The decision for one syscall as libseccomp merges the rules (doc §6.6): the
 * first unconditional rule wins over everything, conditional rules are
 * listed (libseccomp orders overlapping ones itself), the rest is the default.
 */
static char *decision_text(const struct sbx_seccomp_resolved *r, const struct sbx_seccomp_filter *f,
			   const char *name, int nr)
{
	const struct sbx_seccomp_profile *p = r->profile;
	char act[32], def[32];
	action_text(r->default_action_scmp, def, sizeof(def));
	for (size_t i = 0; i < f->n_stubs; i++)
		if (f->stubs[i].arch == f->native_arch && nr > f->stubs[i].max_nr)
			return sbx_xasprintf("ERRNO(38) [ENOSYS stub: above %s]",
					     f->stubs[i].max_name);

	char *conds = NULL;
	bool any = false;
	for (size_t k = 0; k < r->n_kept; k++) {
		const struct sbx_seccomp_entry *e = &p->syscalls[r->kept[k]];
		if (!sbx_strv_contains(e->names, name))
			continue;
		uint32_t a = sbx_seccomp_action_scmp(e->action, e->has_errno_ret, e->errno_ret);
		if (a == r->default_action_scmp)
			continue;
		action_text(a, act, sizeof(act));
		if (e->n_args == 0) {
			free(conds);
			return sbx_xasprintf("%s [syscalls[%zu]]", act, r->kept[k]);
		}
		bool split = false;
		for (size_t i = 0; i < e->n_args; i++)
			for (size_t j = i + 1; j < e->n_args; j++)
				split |= e->args[i].index == e->args[j].index;
		for (size_t i = 0; i < e->n_args; i++) {
			char c[128];
			cond_text(&e->args[i], c, sizeof(c));
			if (i == 0 || split)
				append(&conds, "%s%s if %s", any ? " | " : "", act, c);
			else
				append(&conds, " && %s", c);
			any = true;
		}
	}
	if (!conds)
		return sbx_xasprintf("%s (default)", def);
	char *out = sbx_xasprintf("conditional: %s; otherwise %s", conds, def);
	free(conds);
	return out;
}

static const char *drop_text(enum sbx_seccomp_drop d)
{
	switch (d) {
	case SBX_SECCOMP_DROP_EXCL_ARCH: return "excludes.arches matches the architecture";
	case SBX_SECCOMP_DROP_EXCL_CAP:
		return "excludes.caps: a listed capability is in the bounding set";
	case SBX_SECCOMP_DROP_EXCL_KERNEL: return "excludes.minKernel: the kernel is that new";
	case SBX_SECCOMP_DROP_INCL_ARCH: return "includes.arches does not list the architecture";
	case SBX_SECCOMP_DROP_INCL_CAP:
		return "includes.caps: a listed capability is not in the bounding set";
	case SBX_SECCOMP_DROP_INCL_KERNEL: return "includes.minKernel: the kernel is older";
	case SBX_SECCOMP_KEPT:
	default: return "kept";
	}
}

struct sys_row {
	char *name;
	int nr;
};

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sys_row *)a)->name, ((const struct sys_row *)b)->name);
}

static void print_check(const struct sbx_seccomp_profile *p, const struct sbx_seccomp_env *env,
			const struct sbx_seccomp_resolved *r, const struct sbx_seccomp_filter *f)
{
	char buf[64];
	printf("profile: %s\n", p->doc);
	printf("resolved for: %s (%s), kernel %u.%u, bounding caps:",
	       sbx_seccomp_arch_label(env->native_arch),
	       sbx_seccomp_arch_goname(env->native_arch) ? sbx_seccomp_arch_goname(env->native_arch)
							 : "-",
	       env->kernel_major, env->kernel_minor);
	bool any = false;
	for (int c = 0; c < 64; c++)
		if (env->bounding_caps & (UINT64_C(1) << c)) {
			printf("%s%s", any ? "," : " ",
			       sbx_seccomp_cap_name(c) ? sbx_seccomp_cap_name(c) : "?");
			any = true;
		}
	printf("%s\n", any ? "" : " none");
	if (f->unconfined) {
		printf("result: UNCONFINED - the profile has no defaultAction and no syscalls, so "
		       "no filter "
		       "is installed (Docker and runc behave the same)\n");
		return;
	}
	action_text(r->default_action_scmp, buf, sizeof(buf));
	printf("default action: %s\n", buf);
	printf("architectures: %s", sbx_seccomp_arch_label(f->native_arch));
	for (size_t i = 0; i < r->n_arches; i++)
		if (r->arches[i] != f->native_arch)
			printf(" %s", sbx_seccomp_arch_label(r->arches[i]));
	printf(" (other ABIs: KILL_THREAD)\n");
	printf("entries: %zu, kept %zu\n", p->n_syscalls, r->n_kept);
	for (size_t i = 0; i < p->n_syscalls; i++)
		if (r->drop[i] != SBX_SECCOMP_KEPT)
			printf("  syscalls[%zu] (%s%s) dropped: %s\n", i,
			       p->syscalls[i].names[0] ? p->syscalls[i].names[0] : "no names",
			       p->syscalls[i].names[0] && p->syscalls[i].names[1] ? ", ..." : "",
			       drop_text(r->drop[i]));
	printf("program: %u instructions, %zu libseccomp rules, %zu skipped as equal to the "
	       "default\n",
	       f->prog->len, f->n_rules, f->n_skipped_default);
	uint32_t def = r->default_action_scmp & SECCOMP_RET_ACTION_FULL;
	if (f->n_stubs == 0 &&
	    (def == SCMP_ACT_ALLOW || def == SCMP_ACT_LOG || def == SECCOMP_RET_TRACE))
		printf("ENOSYS stub: none (permissive default action)\n");
	else if (f->n_stubs == 0)
		printf("ENOSYS stub: none (no syscall numbered above 0 in any ABI)\n");
	for (size_t i = 0; i < f->n_stubs; i++)
		printf("ENOSYS stub: %-8s syscall nr > %d (%s) returns ENOSYS\n",
		       sbx_seccomp_arch_label(f->stubs[i].arch), f->stubs[i].max_nr,
		       f->stubs[i].max_name);

	struct sys_row *rows = NULL;
	size_t n_rows = 0;
	/* every number libseccomp names for the native ABI (MIPS bases reach 6xxx) */
	for (int nr = 0; nr < 8192; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(f->native_arch, nr);
		if (!name)
			continue;
		rows = sbx_xrealloc(rows, (n_rows + 1) * sizeof(*rows));
		rows[n_rows++] = (struct sys_row){.name = name, .nr = nr};
	}
	qsort(rows, n_rows, sizeof(*rows), row_cmp);
	printf("\nsyscalls (%s ABI):\n", sbx_seccomp_arch_label(f->native_arch));
	for (size_t i = 0; i < n_rows; i++) {
		_cleanup_free_ char *d = decision_text(r, f, rows[i].name, rows[i].nr);
		printf("  %-26s %5d  %s\n", rows[i].name, rows[i].nr, d);
		free(rows[i].name);
	}
	free(rows);
	printf("\nwarnings:%s\n", f->warnings ? "" : " none");
	for (size_t i = 0; f->warnings && f->warnings[i]; i++)
		printf("  %s\n", f->warnings[i]);
}

static int open_out(const char *path)
{
	if (strcmp(path, "-") == 0)
		return dup(STDOUT_FILENO);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

int sbx_cmd_seccomp(int argc, char **argv)
{
	struct cli_opts o = {0};
	bool help = false;
	int rc = parse_args(argc, argv, &o, &help);
	if (rc)
		return rc;
	if (help || (o.cmd && strcmp(o.cmd, "help") == 0)) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!o.cmd)
		return fail("missing subcommand: check or export (see sbxctr seccomp --help)");
	bool check = strcmp(o.cmd, "check") == 0;
	if (!check && strcmp(o.cmd, "export") != 0)
		return fail("unknown subcommand \"%s\" (check, export)", o.cmd);
	if (!o.profile)
		return fail("%s: missing PROFILE", o.cmd);
	if (check && (o.bpf || o.pfc))
		return fail("check: --bpf and --pfc belong to export");
	if (!check && !!o.bpf == !!o.pfc)
		return fail("export: give exactly one of --bpf FILE or --pfc FILE");

	uint64_t caps = 0;
	if (o.caps && (rc = parse_caps(o.caps, &caps)))
		return rc;
	struct sbx_error err = {0};
	struct sbx_seccomp_env env;
	if (sbx_seccomp_env_host(&env, caps, &err) < 0)
		return fail("%s", err.msg);
	if (o.arch && (rc = parse_arch(o.arch, &env.native_arch)))
		return rc;
	if (o.kernel) {
		unsigned int ma, mi;
		const char *end;
		if (sbx_parse_version(o.kernel, &ma, &mi, &end) < 0 || *end)
			return fail("--kernel: expected X.Y, got \"%s\"", o.kernel);
		env.kernel_major = ma;
		env.kernel_minor = mi;
	}

	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	const char *doc = NULL;
	if ((rc = load_text(o.profile, &text, &len, &doc)))
		return rc;
	_cleanup_(sbx_seccomp_profile_freep) struct sbx_seccomp_profile *p = NULL;
	if (sbx_seccomp_profile_parse(doc, text, len, &p, &err) < 0)
		return fail("%s", err.msg);
	_cleanup_(sbx_seccomp_resolved_freep) struct sbx_seccomp_resolved *r = NULL;
	if (sbx_seccomp_resolve(p, &env, &r, &err) < 0)
		return fail("%s", err.msg);
	_cleanup_(sbx_seccomp_filter_freep) struct sbx_seccomp_filter *f = NULL;
	if (sbx_seccomp_compile(p, &env, &f, &err) < 0)
		return fail("%s", err.msg);

	if (check) {
		print_check(p, &env, r, f);
		return fflush(stdout) == 0 ? 0 : fail("writing the report: %s", strerror(errno));
	}
	for (size_t i = 0; f->warnings && f->warnings[i]; i++)
		fprintf(stderr, "sbxctr: seccomp: warning: %s\n", f->warnings[i]);
	const char *out = o.bpf ? o.bpf : o.pfc;
	_cleanup_close_ int fd = open_out(out);
	if (fd < 0)
		return fail("cannot open %s: %s", out, strerror(errno));
	fflush(stdout);
	if ((o.bpf ? sbx_seccomp_export_bpf(f, fd, &err) : sbx_seccomp_export_pfc(f, fd, &err)) < 0)
		return fail("%s", err.msg);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Compiles a resolved profile with libseccomp as runc does, and prepends runc's ENOSYS stub. */
#include "profiles/seccomp_filter.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/jsonutil.h"
#include "core/util.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define X32_SYSCALL_BIT 0x40000000u
/* runc enables libseccomp's binary-tree optimisation above this many rules */
#define OPTIMIZE_ABOVE_RULES 32

static void scmp_ctx_releasep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}

static void add_warning(struct sbx_seccomp_filter *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_warning(struct sbx_seccomp_filter *f, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sbx_strv_push(&f->warnings, buf);
}

static struct sbx_jloc entry_loc(const struct sbx_seccomp_profile *p, size_t idx)
{
	struct sbx_jloc root = {.doc = p->doc};
	snprintf(root.path, sizeof(root.path), "%s", p->path_prefix);
	struct sbx_jloc sl = sbx_jloc_key(&root, "syscalls");
	return sbx_jloc_idx(&sl, idx);
}

/* runc splits an entry into one-condition rules when any index repeats (OR semantics). */
static bool args_repeat_index(const struct sbx_seccomp_entry *e)
{
	unsigned int count[6] = {0};
	for (size_t i = 0; i < e->n_args; i++)
		if (++count[e->args[i].index] > 1)
			return true;
	return false;
}

static const char *rule_error_hint(int rc)
{
	switch (rc) {
	case -EEXIST: return " (another rule has the same conditions and a different action)";
	case -EINVAL: return " (invalid action, errno or argument comparison)";
	case -EOPNOTSUPP: return " (the action is not supported by this kernel or libseccomp)";
	default: return "";
	}
}

static int add_entry(scmp_filter_ctx ctx, const struct sbx_seccomp_profile *p, size_t idx,
		     uint32_t default_act, struct sbx_seccomp_filter *f, struct sbx_error *err)
{
	const struct sbx_seccomp_entry *e = &p->syscalls[idx];
	struct sbx_jloc loc = entry_loc(p, idx);
	uint32_t act = sbx_seccomp_action_scmp(e->action, e->has_errno_ret, e->errno_ret);

	if (e->has_errno_ret && e->action != SBX_SECCOMP_ACT_ERRNO &&
	    e->action != SBX_SECCOMP_ACT_TRACE)
		add_warning(f, "%s: %s.errnoRet: ignored for %s (as runc does)", loc.doc, loc.path,
			    sbx_seccomp_action_name(e->action));
	if (!e->names[0]) {
		add_warning(f, "%s: %s: no syscall names, the entry has no effect", loc.doc,
			    loc.path);
		return 0;
	}
	/* runc #3109: libseccomp refuses a rule whose action is the default; runc skips it */
	if (act == default_act) {
		size_t n = sbx_strv_len(e->names);
		f->n_skipped_default += n;
		add_warning(f, "%s: %s: action equals the default action, %zu rule%s skipped",
			    loc.doc, loc.path, n, n == 1 ? "" : "s");
		return 0;
	}
	if (e->action == SBX_SECCOMP_ACT_NOTIFY) {
		f->has_notify = true;
		/* runc: it needs write(2) itself to hand over the listener */
		if (sbx_strv_contains(e->names, "write"))
			return sbx_json_error(&loc, err,
					      "SCMP_ACT_NOTIFY is not allowed on \"write\"");
	}

	size_t n_cmps = e->n_args;
	_cleanup_free_ struct scmp_arg_cmp *cmps = sbx_xcalloc(n_cmps ? n_cmps : 1, sizeof(*cmps));
	for (size_t i = 0; i < n_cmps; i++) {
		cmps[i] = (struct scmp_arg_cmp){
			.arg = e->args[i].index,
			.op = (enum scmp_compare)e->args[i].op,
			.datum_a = e->args[i].value, /* the mask for MASKED_EQ */
			.datum_b = e->args[i].value_two,
		};
	}
	bool split = args_repeat_index(e);

	_cleanup_free_ char *unknown = NULL;
	size_t n_unknown = 0;
	for (size_t k = 0; e->names[k]; k++) {
		const char *name = e->names[k];
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) {
			/* runc skips names the linked libseccomp does not know (debug log only) */
			char *u = sbx_xasprintf("%s%s%s", unknown ? unknown : "",
						unknown ? ", " : "", name);
			free(unknown);
			unknown = u;
			n_unknown++;
			continue;
		}
		int rc = 0;
		if (n_cmps == 0) {
			/* non-exact: lets libseccomp add socketcall/ipc companions on x86 */
			rc = seccomp_rule_add_array(ctx, act, nr, 0, NULL);
			f->n_rules++;
		} else if (split) {
			for (size_t i = 0; i < n_cmps && rc == 0; i++, f->n_rules++)
				rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmps[i]);
		} else {
			rc = seccomp_rule_add_array(ctx, act, nr, (unsigned int)n_cmps, cmps);
			f->n_rules++;
		}
		if (rc < 0)
			return sbx_err_errno(err, -rc, "%s: %s (%s): libseccomp refused the rule%s",
					     loc.doc, loc.path, name, rule_error_hint(rc));
	}
	if (n_unknown)
		add_warning(
			f, "%s: %s: %zu syscall name%s unknown to libseccomp %u.%u.%u, ignored: %s",
			loc.doc, loc.path, n_unknown, n_unknown == 1 ? "" : "s", SCMP_VER_MAJOR,
			SCMP_VER_MINOR, SCMP_VER_MICRO, unknown);
	return 0;
}

/* Reads libseccomp's BPF back through a memfd (2.5 has no in-memory export). */
static int export_body(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_n,
		       struct sbx_error *err)
{
	_cleanup_close_ int fd = memfd_create("sbx-seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return sbx_err_sys(err, "seccomp: memfd_create");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return sbx_err_errno(err, -rc, "seccomp: exporting the BPF program");
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return sbx_err_sys(err, "seccomp: lseek");
	if (size == 0 || size % (off_t)sizeof(struct sock_filter) != 0)
		return sbx_err_set(err, EIO,
				   "seccomp: libseccomp exported a malformed program (%lld bytes)",
				   (long long)size);
	_cleanup_free_ struct sock_filter *insns = sbx_xmalloc((size_t)size);
	size_t done = 0;
	while (done < (size_t)size) {
		ssize_t n = pread(fd, (char *)insns + done, (size_t)size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sbx_err_sys(err, "seccomp: reading the exported program");
		if (n == 0)
			return sbx_err_set(err, EIO,
					   "seccomp: the exported program shrank while reading");
		done += (size_t)n;
	}
	*ret_n = (size_t)size / sizeof(struct sock_filter);
	*ret = TAKE_PTR(insns);
	return 0;
}

/* SCMP_ARCH_* tokens equal AUDIT_ARCH_* except x32, which shares x86_64's. */
static uint32_t audit_arch_of(uint32_t token)
{
	return token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
}

/*
 * runc's thresholds: per ABI in the filter (the listed ones plus native), the
 * largest number any name of any kept entry has in that ABI, whatever its
 * action; unknown names and names missing from the ABI do not count, and an
 * ABI where nothing is positive gets no threshold (runc's "largest != 0").
 */
static void compute_thresholds(const struct sbx_seccomp_resolved *r, uint32_t native,
			       struct sbx_seccomp_filter *f)
{
	uint32_t tokens[SBX_ARRAY_SIZE(f->stubs)];
	size_t n_tokens = 0;
	tokens[n_tokens++] = native;
	for (size_t i = 0; i < r->n_arches; i++) {
		bool dup = false;
		for (size_t k = 0; k < n_tokens; k++)
			dup |= tokens[k] == r->arches[i];
		if (!dup && n_tokens < SBX_ARRAY_SIZE(tokens))
			tokens[n_tokens++] = r->arches[i];
	}
	for (size_t t = 0; t < n_tokens; t++) {
		struct sbx_seccomp_stub s = {.arch = tokens[t],
					     .audit_arch = audit_arch_of(tokens[t])};
		for (size_t i = 0; i < r->n_kept; i++) {
			char *const *names = r->profile->syscalls[r->kept[i]].names;
			for (size_t k = 0; names[k]; k++) {
				int nr = seccomp_syscall_resolve_name_arch(tokens[t], names[k]);
				if (nr > s.max_nr) {
					s.max_nr = nr;
					snprintf(s.max_name, sizeof(s.max_name), "%s", names[k]);
				}
			}
		}
		if (s.max_nr > 0)
			f->stubs[f->n_stubs++] = s;
		else
			add_warning(f,
				    "%s: no syscall of the profile is numbered above 0 on %s: no "
				    "ENOSYS "
				    "stub for %s (as runc)",
				    r->profile->doc, sbx_seccomp_arch_label(tokens[t]),
				    sbx_seccomp_arch_label(tokens[t]));
	}
}

/* Stub assembly: jump targets are labels resolved once the layout is known. */
enum { LBL_NONE = -1, LBL_ENOSYS = -2, LBL_FILTER = -3 };

struct stub_insn {
	struct sock_filter ins;
	int jt, jf; /* label, or LBL_NONE to keep ins.jt/ins.jf */
	int k;	    /* label for BPF_JA, or LBL_NONE */
};

struct stub_asm {
	struct stub_insn v[128];
	size_t n;
	int section_at[SBX_ARRAY_SIZE(((struct sbx_seccomp_filter *)0)->stubs)];
};

static void emit(struct stub_asm *a, uint16_t code, uint32_t k, int jt, int jf)
{
	/* 128 covers 8 ABIs of at most 6 instructions plus the dispatch */
	a->v[a->n++] =
		(struct stub_insn){.ins = BPF_STMT(code, k), .jt = jt, .jf = jf, .k = LBL_NONE};
}

static int label_pos(const struct stub_asm *a, int lbl, size_t n_total)
{
	if (lbl == LBL_ENOSYS)
		return (int)n_total - 1;
	if (lbl == LBL_FILTER)
		return (int)n_total;
	return a->section_at[lbl];
}

/*
 * Builds runc's patchbpf stub (enosys_linux.go) as plain instructions:
 *
 *   ld  [4]                          ; arch
 *   jeq AUDIT_ARCH_<a>, sect_a       ; one per ABI with a threshold
 *   ja  filter
 * sect_a:
 *   ld  [0]                          ; nr
 *   (s390/s390x: jeq 0, enosys)      ; setup(2) multiplexes unknown calls
 *   (x86_64: jset 0x40000000 selects the x32 or the x86_64 threshold)
 *   jgt <max_nr>, enosys, filter
 * enosys:
 *   ret ERRNO(ENOSYS)
 * filter:                            ; libseccomp's program
 */
static int build_stub(const struct sbx_seccomp_filter *f, struct sock_filter **ret, size_t *ret_n,
		      struct sbx_error *err)
{
	struct stub_asm a = {.n = 0};
	uint32_t groups[SBX_ARRAY_SIZE(f->stubs)];
	size_t n_groups = 0;

	*ret = NULL;
	*ret_n = 0;
	if (f->n_stubs == 0)
		return 0;
	for (size_t i = 0; i < f->n_stubs; i++) {
		bool dup = false;
		for (size_t g = 0; g < n_groups; g++)
			dup |= groups[g] == f->stubs[i].audit_arch;
		if (!dup)
			groups[n_groups++] = f->stubs[i].audit_arch;
	}

	emit(&a, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), LBL_NONE, LBL_NONE);
	for (size_t g = 0; g < n_groups; g++)
		emit(&a, BPF_JMP | BPF_JEQ | BPF_K, groups[g], (int)g, LBL_NONE);
	emit(&a, BPF_JMP | BPF_JA, 0, LBL_NONE, LBL_NONE);
	a.v[a.n - 1].k = LBL_FILTER;

	for (size_t g = 0; g < n_groups; g++) {
		const struct sbx_seccomp_stub *s64 = NULL, *s32 = NULL, *only = NULL;
		for (size_t i = 0; i < f->n_stubs; i++) {
			if (f->stubs[i].audit_arch != groups[g])
				continue;
			if (f->stubs[i].arch == SCMP_ARCH_X32)
				s32 = &f->stubs[i];
			else if (f->stubs[i].arch == SCMP_ARCH_X86_64)
				s64 = &f->stubs[i];
			else
				only = &f->stubs[i];
		}
		a.section_at[g] = (int)a.n;
		emit(&a, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), LBL_NONE,
		     LBL_NONE);
		if (only && (only->arch == SCMP_ARCH_S390 || only->arch == SCMP_ARCH_S390X))
			emit(&a, BPF_JMP | BPF_JEQ | BPF_K, 0, LBL_ENOSYS, LBL_NONE);
		if (s64 && s32) {
			/* bit 30 set: x32, skip the x86_64 comparison */
			emit(&a, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, LBL_NONE, LBL_NONE);
			a.v[a.n - 1].ins.jt = 1;
			emit(&a, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)s64->max_nr, LBL_ENOSYS,
			     LBL_FILTER);
			emit(&a, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)s32->max_nr, LBL_ENOSYS,
			     LBL_FILTER);
		} else if (s64) {
			/* x32 not in the filter: its calls go on to libseccomp's bad-arch handling */
			emit(&a, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, LBL_FILTER, LBL_NONE);
			emit(&a, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)s64->max_nr, LBL_ENOSYS,
			     LBL_FILTER);
		} else if (s32) {
			emit(&a, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, LBL_NONE, LBL_FILTER);
			emit(&a, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)s32->max_nr, LBL_ENOSYS,
			     LBL_FILTER);
		} else {
			emit(&a, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)only->max_nr, LBL_ENOSYS,
			     LBL_FILTER);
		}
	}
	emit(&a, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS, LBL_NONE, LBL_NONE);

	/* resolve the labels into relative offsets (pc + 1 + off = target) */
	struct sock_filter *out = sbx_xcalloc(a.n, sizeof(*out));
	for (size_t i = 0; i < a.n; i++) {
		struct stub_insn *si = &a.v[i];
		out[i] = si->ins;
		int targets[3] = {si->jt, si->jf, si->k};
		for (int t = 0; t < 3; t++) {
			if (targets[t] == LBL_NONE)
				continue;
			int off = label_pos(&a, targets[t], a.n) - (int)i - 1;
			if (off < 0 || (t < 2 && off > 255)) {
				free(out);
				return sbx_err_set(err, E2BIG,
						   "seccomp: ENOSYS stub jump out of range");
			}
			if (t == 0)
				out[i].jt = (uint8_t)off;
			else if (t == 1)
				out[i].jf = (uint8_t)off;
			else
				out[i].k = (uint32_t)off;
		}
	}
	*ret = out;
	*ret_n = a.n;
	return 0;
}

static bool action_is_permissive(uint32_t act)
{
	/* runc's isAllowAction: no stub for ALLOW, LOG and TRACE defaults */
	uint32_t a = act & SECCOMP_RET_ACTION_FULL;
	return a == SCMP_ACT_ALLOW || a == SCMP_ACT_LOG || a == SECCOMP_RET_TRACE;
}

static int finish_prog(const struct sbx_seccomp_resolved *r, scmp_filter_ctx ctx,
		       struct sbx_seccomp_filter *f, struct sbx_error *err)
{
	const struct sbx_seccomp_profile *p = r->profile;
	_cleanup_free_ struct sock_filter *body = NULL, *stub = NULL;
	size_t n_body = 0, n_stub = 0;
	int rc = export_body(ctx, &body, &n_body, err);
	if (rc < 0)
		return rc;
	if (!body || n_body == 0)
		return sbx_err_set(err, EIO, "seccomp: libseccomp exported an empty program");
	if (!action_is_permissive(r->default_action_scmp)) {
		compute_thresholds(r, f->native_arch, f);
		rc = build_stub(f, &stub, &n_stub, err);
		if (rc < 0)
			return rc;
	}
	if (n_stub + n_body > BPF_MAXINSNS)
		return sbx_err_set(err, E2BIG,
				   "%s: the filter has %zu instructions, the kernel accepts %d",
				   p->doc, n_stub + n_body, BPF_MAXINSNS);

	f->prog = sbx_xcalloc(1, sizeof(*f->prog) + (n_stub + n_body) * sizeof(struct sock_filter));
	f->prog->magic = SBX_SECCOMP_PROG_MAGIC;
	f->prog->len = (uint32_t)(n_stub + n_body);
	if (n_stub)
		memcpy(f->prog->insns, stub, n_stub * sizeof(*stub));
	memcpy(f->prog->insns + n_stub, body, n_body * sizeof(*body));

	/* runc: absent "flags" means SPEC_ALLOW where supported; [] means none; TSYNC is ignored */
	if (!p->has_flags)
		f->prog->flags_optional = SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	else
		f->prog->flags =
			p->flags & (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
				    SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
	if (f->has_notify)
		f->prog->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	return 0;
}

static int check_notify(const struct sbx_seccomp_profile *p, struct sbx_seccomp_filter *f,
			struct sbx_error *err)
{
	struct sbx_jloc root = {.doc = p->doc};
	snprintf(root.path, sizeof(root.path), "%s", p->path_prefix);
	if (f->has_notify && !(p->listener_path && *p->listener_path)) {
		struct sbx_jloc l = sbx_jloc_key(&root, "listenerPath");
		return sbx_json_error(&l, err, "missing (required by SCMP_ACT_NOTIFY rules)");
	}
	/* the kernel accepts WAIT_KILLABLE_RECV only together with NEW_LISTENER */
	if (p->has_flags && (p->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) && !f->has_notify) {
		struct sbx_jloc l = sbx_jloc_key(&root, "flags");
		return sbx_json_error(
			&l, err,
			"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs an SCMP_ACT_NOTIFY rule");
	}
	return 0;
}

int sbx_seccomp_compile(const struct sbx_seccomp_profile *p, const struct sbx_seccomp_env *env,
			struct sbx_seccomp_filter **ret, struct sbx_error *err)
{
	_cleanup_(sbx_seccomp_resolved_freep) struct sbx_seccomp_resolved *r = NULL;
	int rc = sbx_seccomp_resolve(p, env, &r, err);
	if (rc < 0)
		return rc;

	_cleanup_(sbx_seccomp_filter_freep) struct sbx_seccomp_filter *f =
		sbx_xcalloc(1, sizeof(*f));
	f->native_arch = env->native_arch;
	f->unconfined = r->unconfined;
	if (p->listener_path)
		f->listener_path = sbx_xstrdup(p->listener_path);
	if (p->listener_metadata)
		f->listener_metadata = sbx_xstrdup(p->listener_metadata);
	if (r->unconfined) {
		*ret = TAKE_PTR(f);
		return 0;
	}
	if (p->has_default_errno && p->default_action != SBX_SECCOMP_ACT_ERRNO &&
	    p->default_action != SBX_SECCOMP_ACT_TRACE)
		add_warning(f, "%s: defaultErrnoRet: ignored for %s (as runc does)", p->doc,
			    sbx_seccomp_action_name(p->default_action));

	_cleanup_(scmp_ctx_releasep) scmp_filter_ctx ctx = seccomp_init(r->default_action_scmp);
	if (!ctx)
		return sbx_err_set(err, EINVAL, "%s: defaultAction: libseccomp refused %s", p->doc,
				   sbx_seccomp_action_name(p->default_action));
	/* building for another architecture (check/export --arch): swap the native one */
	if (env->native_arch != seccomp_arch_native()) {
		rc = seccomp_arch_add(ctx, env->native_arch);
		if (rc == 0)
			rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
		if (rc < 0)
			return sbx_err_errno(err, -rc, "seccomp: cannot build for %s",
					     sbx_seccomp_arch_label(env->native_arch));
	}
	for (size_t i = 0; i < r->n_arches; i++) {
		rc = seccomp_arch_add(ctx, r->arches[i]);
		if (rc < 0 && rc != -EEXIST)
			return sbx_err_errno(err, -rc, "%s: architecture %s", p->doc,
					     sbx_seccomp_arch_label(r->arches[i]));
	}
	/* no_new_privs is the runtime's business (set in the child before loading) */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc < 0)
		return sbx_err_errno(err, -rc, "seccomp: SCMP_FLTATR_CTL_NNP");

	size_t n_names = 0;
	for (size_t i = 0; i < r->n_kept; i++)
		n_names += sbx_strv_len(p->syscalls[r->kept[i]].names);
	if (n_names > OPTIMIZE_ABOVE_RULES) {
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
		if (rc < 0)
			add_warning(f,
				    "seccomp: libseccomp cannot build a binary tree (%s); the "
				    "filter is "
				    "linear",
				    strerror(-rc));
	}
	for (size_t i = 0; i < r->n_kept; i++) {
		rc = add_entry(ctx, p, r->kept[i], r->default_action_scmp, f, err);
		if (rc < 0)
			return rc;
	}
	rc = check_notify(p, f, err);
	if (rc < 0)
		return rc;
	rc = finish_prog(r, ctx, f, err);
	if (rc < 0)
		return rc;
	f->ctx = TAKE_PTR(ctx);
	*ret = TAKE_PTR(f);
	return 0;
}

void sbx_seccomp_filter_free(struct sbx_seccomp_filter *f)
{
	if (!f)
		return;
	if (f->ctx)
		seccomp_release(f->ctx);
	free(f->prog);
	free(f->listener_path);
	free(f->listener_metadata);
	sbx_strv_free(f->warnings);
	free(f);
}

/* ---- loading ------------------------------------------------------------ */

int sbx_seccomp_filter_load(const struct sock_fprog *prog, unsigned int flags, int *ret_listener_fd)
{
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
	if (rc < 0)
		return -errno;
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		if (ret_listener_fd)
			*ret_listener_fd = (int)rc;
		else
			close((int)rc);
	}
	return 0;
}

int sbx_seccomp_prog_validate(const struct sbx_seccomp_prog *p, size_t size)
{
	if (!p || size < sizeof(*p) || p->magic != SBX_SECCOMP_PROG_MAGIC || p->len == 0 ||
	    p->len > BPF_MAXINSNS || sbx_seccomp_prog_size(p) != size)
		return -EINVAL;
	return 0;
}

int sbx_seccomp_prog_load(const struct sbx_seccomp_prog *prog, int *ret_listener_fd)
{
	if (!prog)
		return 0; /* unconfined */
	if (prog->magic != SBX_SECCOMP_PROG_MAGIC || prog->len == 0 || prog->len > BPF_MAXINSNS)
		return -EINVAL;
	struct sock_fprog fp = {
		.len = (unsigned short)prog->len,
		/* the kernel copies the program; it never writes to it */
		.filter = (struct sock_filter *)prog->insns,
	};
	int rc = sbx_seccomp_filter_load(&fp, prog->flags | prog->flags_optional, ret_listener_fd);
	/* kernels before 4.17 have no SPEC_ALLOW: runc and crun then load without it */
	if (rc == -EINVAL && prog->flags_optional)
		rc = sbx_seccomp_filter_load(&fp, prog->flags, ret_listener_fd);
	return rc;
}

/* ---- export ------------------------------------------------------------- */

int sbx_seccomp_export_bpf(const struct sbx_seccomp_filter *f, int fd, struct sbx_error *err)
{
	if (!f->prog)
		return sbx_err_set(err, ENODATA,
				   "seccomp: the profile is unconfined: there is no program");
	int rc = sbx_write_all(fd, f->prog->insns, f->prog->len * sizeof(struct sock_filter));
	if (rc < 0)
		return sbx_err_errno(err, -rc, "seccomp: writing the BPF program");
	return 0;
}

static void flags_text(uint32_t flags, char *buf, size_t size)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{SECCOMP_FILTER_FLAG_LOG, "LOG"},
		{SECCOMP_FILTER_FLAG_SPEC_ALLOW, "SPEC_ALLOW"},
		{SECCOMP_FILTER_FLAG_NEW_LISTENER, "NEW_LISTENER"},
		{SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, "WAIT_KILLABLE_RECV"},
	};
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < SBX_ARRAY_SIZE(names); i++)
		if (flags & names[i].bit)
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
					      n ? "|" : "", names[i].name);
	if (!n)
		snprintf(buf, size, "none");
}

int sbx_seccomp_export_pfc(const struct sbx_seccomp_filter *f, int fd, struct sbx_error *err)
{
	if (!f->prog || !f->ctx)
		return sbx_err_set(err, ENODATA,
				   "seccomp: the profile is unconfined: there is no program");
	char fl[128], opt[128];
	flags_text(f->prog->flags, fl, sizeof(fl));
	flags_text(f->prog->flags_optional, opt, sizeof(opt));
	_cleanup_free_ char *hdr =
		sbx_xasprintf("#\n# sbxctr seccomp filter (%u instructions)\n"
			      "# seccomp(2) flags: %s; tried first, dropped on EINVAL: %s\n",
			      f->prog->len, fl, opt);
	if (f->n_stubs == 0) {
		char *h = sbx_xasprintf("%s# no ENOSYS stub (permissive default action)\n", hdr);
		free(hdr);
		hdr = h;
	} else {
		char *h = sbx_xasprintf(
			"%s# ENOSYS stub, evaluated before the filter below (runc patchbpf):\n",
			hdr);
		free(hdr);
		hdr = h;
		for (size_t i = 0; i < f->n_stubs; i++) {
			const struct sbx_seccomp_stub *s = &f->stubs[i];
			h = sbx_xasprintf("%s#   %-8s syscall nr > %d (%s) -> ERRNO(%d)\n", hdr,
					  sbx_seccomp_arch_label(s->arch), s->max_nr, s->max_name,
					  ENOSYS);
			free(hdr);
			hdr = h;
		}
	}
	char *h = sbx_xasprintf("%s#\n", hdr);
	free(hdr);
	hdr = h;
	int rc = sbx_write_all(fd, hdr, strlen(hdr));
	if (rc < 0)
		return sbx_err_errno(err, -rc, "seccomp: writing the PFC");
	rc = seccomp_export_pfc(f->ctx, fd);
	if (rc < 0)
		return sbx_err_errno(err, -rc, "seccomp: exporting the PFC");
	return 0;
}

/* ---- violation reporting ------------------------------------------------ */

static bool ret_is_kill(uint32_t k)
{
	uint32_t a = k & SECCOMP_RET_ACTION_FULL;
	return a == SECCOMP_RET_KILL_PROCESS || a == SECCOMP_RET_KILL_THREAD;
}

int sbx_seccomp_filter_split_notify(const struct sbx_seccomp_filter *f,
				    struct sock_fprog *ret_notify, struct sock_fprog *ret_main)
{
	if (!f->prog)
		return -ENODATA;
	/* one listener per filter chain (kernel: EBUSY) */
	if (f->has_notify)
		return -EBUSY;
	size_t n = f->prog->len;
	_cleanup_free_ struct sock_filter *notify = sbx_xmalloc(n * sizeof(*notify));
	_cleanup_free_ struct sock_filter *main_prog = sbx_xmalloc(n * sizeof(*main_prog));
	memcpy(notify, f->prog->insns, n * sizeof(*notify));
	memcpy(main_prog, f->prog->insns, n * sizeof(*main_prog));
	for (size_t i = 0; i < n; i++) {
		if (BPF_CLASS(notify[i].code) != BPF_RET)
			continue;
		/* only constant returns can be rewritten; libseccomp and the stub emit no others */
		if (BPF_RVAL(notify[i].code) != BPF_K)
			return -EINVAL;
		bool kill = ret_is_kill(notify[i].k);
		notify[i].k = kill ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW;
		if (kill)
			main_prog[i].k = SECCOMP_RET_ALLOW;
	}
	ret_notify->len = (unsigned short)n;
	ret_notify->filter = TAKE_PTR(notify);
	ret_main->len = (unsigned short)n;
	ret_main->filter = TAKE_PTR(main_prog);
	return 0;
}

int sbx_seccomp_filter_notify_kills(const struct sbx_seccomp_filter *f, struct sock_fprog *ret)
{
	if (!f->prog)
		return -ENODATA;
	if (f->has_notify)
		return -EBUSY;
	size_t n = f->prog->len;
	_cleanup_free_ struct sock_filter *prog = sbx_xmalloc(n * sizeof(*prog));
	memcpy(prog, f->prog->insns, n * sizeof(*prog));
	for (size_t i = 0; i < n; i++) {
		if (BPF_CLASS(prog[i].code) != BPF_RET)
			continue;
		if (BPF_RVAL(prog[i].code) != BPF_K)
			return -EINVAL;
		if (ret_is_kill(prog[i].k))
			prog[i].k = SECCOMP_RET_USER_NOTIF;
	}
	ret->len = (unsigned short)n;
	ret->filter = TAKE_PTR(prog);
	return 0;
}

size_t sbx_seccomp_prune_allow(struct sock_filter *insns, size_t len)
{
	if (len == 0)
		return 0;
	_cleanup_free_ bool *allow = sbx_xcalloc(len, sizeof(bool));
	_cleanup_free_ bool *keep = sbx_xcalloc(len, sizeof(bool));
	_cleanup_free_ size_t *newidx = sbx_xcalloc(len, sizeof(size_t));
	/* classic BPF only jumps forward: one backward pass decides "always ALLOW" */
	for (size_t i = len; i-- > 0;) {
		const struct sock_filter *f = &insns[i];
		if (BPF_CLASS(f->code) == BPF_RET) {
			allow[i] = BPF_RVAL(f->code) == BPF_K && f->k == SECCOMP_RET_ALLOW;
		} else if (BPF_CLASS(f->code) == BPF_JMP) {
			size_t t = i + 1 + (BPF_OP(f->code) == BPF_JA ? f->k : f->jt);
			size_t e = i + 1 + (BPF_OP(f->code) == BPF_JA ? f->k : f->jf);
			allow[i] = t < len && e < len && allow[t] && allow[e];
		} else {
			allow[i] = i + 1 < len && allow[i + 1];
		}
	}
	if (allow[0])
		return 0;
	/* reachable instructions, not looking past one that always allows */
	keep[0] = true;
	for (size_t i = 0; i < len; i++) {
		if (!keep[i] || allow[i])
			continue;
		const struct sock_filter *f = &insns[i];
		if (BPF_CLASS(f->code) == BPF_RET)
			continue;
		if (BPF_CLASS(f->code) == BPF_JMP) {
			if (BPF_OP(f->code) == BPF_JA) {
				keep[i + 1 + f->k] = true;
			} else {
				keep[i + 1 + f->jt] = true;
				keep[i + 1 + f->jf] = true;
			}
		} else {
			keep[i + 1] = true;
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (keep[i])
			newidx[i] = n++;
	/* compaction only shortens jumps, so every offset still fits */
	size_t w = 0;
	for (size_t i = 0; i < len; i++) {
		if (!keep[i])
			continue;
		struct sock_filter f = insns[i];
		if (allow[i]) {
			f = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		} else if (BPF_CLASS(f.code) == BPF_JMP) {
			if (BPF_OP(f.code) == BPF_JA) {
				f.k = (uint32_t)(newidx[i + 1 + f.k] - newidx[i] - 1);
			} else {
				f.jt = (uint8_t)(newidx[i + 1 + f.jt] - newidx[i] - 1);
				f.jf = (uint8_t)(newidx[i + 1 + f.jf] - newidx[i] - 1);
			}
		}
		insns[w++] = f;
	}
	return w;
}

/* ---- naming --------------------------------------------------------------- */

static uint32_t token_of(uint32_t audit_arch, int nr)
{
	if (audit_arch == AUDIT_ARCH_X86_64 && ((uint32_t)nr & X32_SYSCALL_BIT))
		return SCMP_ARCH_X32;
	return audit_arch;
}

const char *sbx_seccomp_audit_arch_label(uint32_t audit_arch, int nr)
{
	return sbx_seccomp_arch_label(token_of(audit_arch, nr));
}

int sbx_seccomp_syscall_name(uint32_t audit_arch, int nr, char *buf, size_t size)
{
	_cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(token_of(audit_arch, nr), nr);
	if (!name)
		return -ENOENT;
	snprintf(buf, size, "%s", name);
	return 0;
}

void sbx_seccomp_format_kill(uint32_t audit_arch, int nr, char *buf, size_t size)
{
	char name[64];
	const char *label = sbx_seccomp_audit_arch_label(audit_arch, nr);
	if (sbx_seccomp_syscall_name(audit_arch, nr, name, sizeof(name)) == 0)
		snprintf(buf, size, "killed on syscall %s (nr %d, %s)", name, nr, label);
	else if (strcmp(label, "unknown") == 0)
		snprintf(buf, size, "killed on syscall nr %d (audit arch 0x%08x)", nr, audit_arch);
	else
		snprintf(buf, size, "killed on syscall nr %d (%s)", nr, label);
}

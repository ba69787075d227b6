/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a sandbox needs from a seccomp profile: flat programs ready for the
 * child, compiled once and cached, and split for violation reporting.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "profiles/seccomp_filter.h"
#include "core/error.h"

struct sbx_seccomp_plan {
	bool none;   /* no filter at all ("{}", --seccomp unconfined) */
	/*
	 * Violation reporting: the profile's kills become a user notification
	 * (notify, loaded first, with a listener the runtime holds) plus the
	 * profile with kills turned into allows (main, loaded last). Together
	 * they decide exactly as the profile does, except that a would-be kill
	 * waits for the runtime, which records the syscall and kills.
	 */
	bool report;
	struct sbx_seccomp_prog *notify;
	struct sbx_seccomp_prog *main; /* also the only program when !report */
	bool has_notify;		/* the profile's own NOTIFY rules (no reporting then) */
	char *listener_path;
	char *listener_metadata;
};

/*
 * Compiles profile text (Docker or OCI format, or a whole config.json) for
 * this host and the given bounding set, or takes it from the compile cache
 * (<state>/seccomp-cache, keyed by the exact profile text and everything the
 * compilation depends on, verified byte for byte on every hit). doc names
 * the profile in errors.
 */
int sbx_seccomp_plan_build(const char *doc, const char *text, uint64_t bounding_caps, struct sbx_seccomp_plan **ret,
			   struct sbx_error *err);
/*
 * The same; with report_kills false the profile's KILL actions keep the
 * kernel's meaning (the thread or process dies, nobody is told): the OCI
 * lifecycle, where no supervisor holds a listener.
 */
int sbx_seccomp_plan_build_kills(const char *doc, const char *text, uint64_t bounding_caps, bool report_kills,
				 struct sbx_seccomp_plan **ret, struct sbx_error *err);
void sbx_seccomp_plan_free(struct sbx_seccomp_plan *p);
static inline void sbx_seccomp_plan_freep(struct sbx_seccomp_plan **p)
{
	sbx_seccomp_plan_free(*p);
}

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
	 * Violation reporting: the profile's kills become user notifications
	 * (main, loaded with a listener the runtime holds: one program,
	 * sbx_seccomp_filter_notify_kills). It decides exactly as the profile
	 * does, except that a would-be kill waits for the runtime, which
	 * records the syscall and kills.
	 */
	bool report;
	/*
	 * The profile kills (some rule or the default is a KILL action). With
	 * exact kills (sbx_seccomp_plan_build) there is no split: the kernel
	 * kills the thread or the process as the profile says.
	 */
	bool kills;
	struct sbx_seccomp_prog *main; /* the only program */
	bool has_notify;		/* the profile's own NOTIFY rules (no reporting then) */
	char *listener_path;
	char *listener_metadata;
};

/*
 * Compiles profile text (Docker or OCI format, or a whole config.json) for
 * this host and the given bounding set, or takes it from the compile cache
 * (<state>/seccomp-cache, keyed by the exact profile text and everything the
 * compilation depends on, verified byte for byte on every hit). doc names
 * the profile in errors. obj (or NULL) is the same profile already parsed
 * (an OCI linux.seccomp object, whose text is then its canonical json-c
 * serialisation): a cache miss compiles it without parsing the text again.
 * exact_kills: the kills stay the kernel's (no report split), as
 * --seccomp-kill exact asks.
 */
struct json_object;
int sbx_seccomp_plan_build(const char *doc, const char *text, struct json_object *obj, uint64_t bounding_caps,
			   bool exact_kills,
			   struct sbx_seccomp_plan **ret, struct sbx_error *err);
void sbx_seccomp_plan_free(struct sbx_seccomp_plan *p);
static inline void sbx_seccomp_plan_freep(struct sbx_seccomp_plan **p)
{
	sbx_seccomp_plan_free(*p);
}

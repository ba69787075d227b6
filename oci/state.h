/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI state of a container (runtime-spec runtime.md "State"): what
 * `sbxctr state` prints and hooks read on stdin, plus what sbxctr keeps
 * beside it in the container's state.json. Pure: JSON in and out.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "oci/config.h"

#define SBX_OCI_VERSION "1.2.0"

enum sbx_oci_status {
	SBX_OCI_CREATING = 0,
	SBX_OCI_CREATED,
	SBX_OCI_RUNNING,
	SBX_OCI_STOPPED,
	SBX_OCI_PAUSED, /* runc's: running, with its cgroup frozen */
};

struct sbx_oci_state {
	char *id;
	int status; /* enum sbx_oci_status */
	pid_t pid;  /* host pid of the container's init; 0 when stopped */
	char *bundle;
	char *rootfs;
	char *created; /* RFC 3339, UTC */
	struct sbx_kv *annotations;
	size_t n_annotations;

	/* sbxctr's own, kept in state.json under "sbxctr" */
	uint64_t pid_start; /* the init's start time (/proc/PID/stat field 22): pid reuse check */
	bool started;	    /* `start` has let the init exec the process */
	int policy;	    /* enum sbx_policy */
	char *cgroup;	    /* the container's cgroup directory, or NULL */
	bool has_slot;
	unsigned slot; /* the uid range's slot, handed over to the init */
};

void sbx_oci_state_clear(struct sbx_oci_state *st);
const char *sbx_oci_status_name(int status);

/*
 * The state as JSON (malloc'd). internal adds sbxctr's own fields (for
 * state.json); pretty indents it (for `sbxctr state`). Annotations are left
 * out when there are none, as runc does.
 */
char *sbx_oci_state_json(const struct sbx_oci_state *st, bool internal, bool pretty);
/* Parses what sbx_oci_state_json(internal) wrote. doc names the file in errors. */
int sbx_oci_state_parse(const char *doc, const char *buf, size_t len, struct sbx_oci_state *ret,
			struct sbx_error *err);

/*
 * Container ids as runc takes them: 1 to 255 bytes of [A-Za-z0-9_+.-],
 * neither "." nor "..", not starting with '.' (so no hidden names).
 */
bool sbx_oci_id_valid(const char *id);

/* SPDX-License-Identifier: Apache-2.0 */
/* --net pasta: user-mode networking for an ordinary user's sandbox, through pasta(1) (Debian: passt). */
#pragma once

#include <sys/types.h>

#include "netns/net.h"
#include "core/error.h"

/*
 * An ordinary user cannot create a veth pair in the host's network
 * namespace. pasta can give the sandbox a network anyway: it joins the
 * sandbox's user and network namespaces, makes a tap device there (eth0,
 * configured with the host's addresses and routes) and carries the
 * sandbox's traffic through sockets of its own in the host namespace, as
 * the user. It runs for as long as the sandbox, as our child: it is killed
 * with the sandbox, and dies with the runtime (PR_SET_PDEATHSIG) however
 * the runtime dies.
 *
 * What the sandbox may reach: whatever the user may reach, except the
 * host's loopback through the gateway address (--no-map-gw); no port of
 * the host is forwarded in, and none of the sandbox's out.
 */

struct sbx_pasta;

/*
 * The sandbox's namespaces, opened by the runtime right after clone: later
 * the child may run as a subordinate id, and nothing of the caller's may
 * open /proc/PID/ns/... then.
 */
struct sbx_pasta_ns {
	int user_fd;
	int net_fd;
};

/*
 * pasta's command line for the sandbox's namespaces (pure; for tests):
 * foreground, quiet, eth0 configured by pasta, no port forwarding in
 * either direction, no mapping of the gateway to the host, the namespaces
 * as /proc/self/fd/N of the inherited descriptors, and its pid written to
 * /proc/self/fd/<ready_fd> once eth0 is configured, which is how we learn
 * that it is ready. NULL-terminated, malloc'd.
 */
char **sbx_pasta_argv(const char *pasta, const struct sbx_net_plan *plan, const struct sbx_pasta_ns *ns,
		      int ready_fd);

/*
 * Starts pasta in the sandbox's namespaces and waits until eth0 is
 * configured; then applies the plan's rate limits from inside them (a
 * forked helper: sbx_net_setup_inside). For an ordinary user only: pasta
 * started by root drops to nobody, and the death signal that ties it to us
 * would be lost with the credentials. On failure nothing runs any more,
 * and err has pasta's own words.
 */
int sbx_pasta_start(const struct sbx_net_plan *plan, const struct sbx_pasta_ns *ns, struct sbx_pasta **ret,
		    struct sbx_error *err);

/* Ends pasta (SIGKILL) and reaps it. NULL is fine. */
void sbx_pasta_stop(struct sbx_pasta *p);

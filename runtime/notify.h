/* SPDX-License-Identifier: Apache-2.0 */
/* NOTIFY_SOCKET passing for sd_notify containers (see notify.c). */
#pragma once

#include <sys/types.h>

#include "core/error.h"
#include "oci/config.h"

#define SBX_NOTIFY_SUBDIR "notify"	  /* in the container's state directory */
#define SBX_NOTIFY_SOCK "notify.sock"
#define SBX_NOTIFY_DIR "/run/notify" /* where the container sees that directory */

/* create: the bind of <ctr_dir>/notify at /run/notify and NOTIFY_SOCKET in process.env. */
int sbx_notify_prepare(struct sbx_config *cfg, const char *ctr_dir);
/* start: the datagram socket <dir_fd>/notify/notify.sock, bound, writable by the container. */
int sbx_notify_listen(int dir_fd, struct sbx_error *err);
/*
 * Waits on fd for READY=1 from the container, or the end of its init
 * (pidfd); READY=1 and MAINPID=pid then go to host, the caller's
 * NOTIFY_SOCKET ("@name" is abstract).
 */
int sbx_notify_wait_ready(int fd, int pidfd, pid_t pid, const char *host, struct sbx_error *err);

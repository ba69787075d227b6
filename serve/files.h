/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files in a session's workdir, from the host side (the staged tmpfs in the
 * service's mount namespace), under the rules of --copy-in/--copy-out:
 * every path is resolved beneath the workdir without following any
 * symlink (not even in a directory component) or crossing a mount; what is
 * read must be a regular file with one link and at most the size cap;
 * what is written is owned by the sandbox's user and replaces its name
 * atomically (a planted symlink, FIFO or device at that name is replaced,
 * never written through). Everything there was written by the sandbox.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "serve/request.h"

/* Writes len bytes of data as rel (directories created as needed, 0755). */
int sbx_wfile_put(const char *root, const char *rel, const char *data, size_t len, mode_t mode,
		  struct sbx_api_error *e);
/* Opens rel for reading; returns the fd and its size (at most max). */
int sbx_wfile_open(const char *root, const char *rel, uint64_t max, uint64_t *ret_size, struct sbx_api_error *e);
/* Removes a file or an empty directory. */
int sbx_wfile_delete(const char *root, const char *rel, struct sbx_api_error *e);

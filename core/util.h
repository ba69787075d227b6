/* SPDX-License-Identifier: Apache-2.0 */
/* Small pure helpers (parsing, strings) and -errno file helpers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

/* Allocators abort on OOM (as crun does): a sandbox runtime cannot degrade usefully. */
void *sbx_xmalloc(size_t n);
void *sbx_xcalloc(size_t n, size_t size);
void *sbx_xrealloc(void *p, size_t n);
char *sbx_xstrdup(const char *s);
char *sbx_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

size_t sbx_strv_len(char *const *v);
/* Appends a copy of s to the NULL-terminated vector *v. */
void sbx_strv_push(char ***v, const char *s);
char **sbx_strv_copy(char *const *v);
bool sbx_strv_contains(char *const *v, const char *s);

/*
 * Byte sizes: "4096", "64k", "64K", "64M", "1.5G", "1g", "2T", optional trailing
 * "B" or "iB". Suffixes are binary (1024), as Docker and isolate use them.
 * Returns 0, -EINVAL (syntax) or -ERANGE (overflow).
 */
int sbx_parse_size(const char *s, uint64_t *ret);
/*
 * Durations in seconds for CLI flags: "2", "0.5", "1.25s", "300ms", "50us".
 * Result in microseconds. Returns 0, -EINVAL or -ERANGE.
 */
int sbx_parse_seconds_us(const char *s, uint64_t *ret_us);
/* Strict unsigned decimal integer, whole string. */
int sbx_parse_u64(const char *s, uint64_t *ret);
int sbx_parse_int(const char *s, int *ret);
/*
 * "<major>.<minor>" (decimal digits, no sign or spaces) at the start of s, as
 * in kernel releases and OCI versions; *ret_end, when not NULL, points after
 * the minor number ("6.1.0-rc1" leaves ".0-rc1"). Returns 0, -EINVAL or -ERANGE.
 */
int sbx_parse_version(const char *s, unsigned *ret_major, unsigned *ret_minor, const char **ret_end);

/* Leaf file helpers: return 0 or -errno; never follow a symlink in the last component. */
int sbx_write_file_at(int dirfd, const char *path, const char *data, size_t len);
int sbx_write_str_at(int dirfd, const char *path, const char *s);
/* Reads up to size-1 bytes and NUL-terminates; returns bytes read or -errno. */
ssize_t sbx_read_file_at(int dirfd, const char *path, char *buf, size_t size);
/* Reads a whole regular file (max bytes); *ret is NUL-terminated. */
int sbx_read_all(const char *path, size_t max, char **ret, size_t *ret_len);
/*
 * Crash-safe file creation: an unnamed file (O_TMPFILE) in path's
 * directory, linked into place by sbx_tmpfile_commit() once complete. A
 * runtime killed in between leaves no temporary name behind. Where the
 * filesystem has no O_TMPFILE, path itself is opened (truncated): a crash
 * then leaves a partial file at worst, never a stray one.
 */
int sbx_tmpfile_open(const char *path, mode_t mode);
/* Names the file: replaces path (unless keep_existing, then -EEXIST if present). */
int sbx_tmpfile_commit(int fd, const char *path, bool keep_existing);

/*
 * rm -r of name below dirfd, never following a symlink (they are removed,
 * not their targets). Returns 0 (also when it is already gone) or -errno.
 */
int sbx_remove_tree_at(int parent_fd, const char *name, int depth);

/*
 * One message of len bytes on a Unix socket with the descriptor fd attached
 * (SCM_RIGHTS; fd < 0: none). Allocation-free (the sandbox child uses it).
 * Returns what sendmsg returns (MSG_NOSIGNAL), errno set on failure.
 */
ssize_t sbx_send_with_fd(int sock, const void *buf, size_t len, int fd);
/* Receives one message into buf, and the descriptor it carries into *ret_fd (-1 if none; CLOEXEC). */
ssize_t sbx_recv_with_fd(int sock, void *buf, size_t len, int *ret_fd);

/* Writes all of buf to fd, retrying on EINTR/short writes. */
int sbx_write_all(int fd, const void *buf, size_t len);

/*
 * A process's state letter ('R', 'S', 'Z', ...) and start time (clock ticks
 * after boot: /proc/PID/stat fields 3 and 22). With the pid, the start time
 * names one process for the machine's uptime: a reused pid has another.
 * 0 or -errno (-ESRCH when there is no such process).
 */
int sbx_proc_stat(pid_t pid, char *ret_state, uint64_t *ret_start);

/*
 * Sends one message on a unix socket with fd passed along (SCM_RIGHTS),
 * without allocating (the sandbox child uses it). 0 or -errno.
 */
int sbx_send_fd(int sock, const void *data, size_t len, int fd);

/* Now as RFC 3339 in UTC with nanoseconds ("2024-05-01T10:00:00.000000000Z"). */
void sbx_now_rfc3339(char *buf, size_t size);


/*
 * sbxctr's state directory (slot locks, the seccomp cache, scratch, the
 * service's socket): SBXCTR_STATE_DIR when set (absolute; tests), else
 * /run/sbxctr for root, else $XDG_RUNTIME_DIR/sbxctr when XDG_RUNTIME_DIR
 * is a directory of the caller's own, else ~/.local/state/sbxctr. So every
 * user has their own: two users never see each other's slots or sockets.
 * Resolved once per process.
 */
const char *sbx_state_dir(void);
/* Creates it: 0711 for root (sandboxes traverse it), 0700 with its missing parents for a user. */
int sbx_state_dir_create(struct sbx_error *err);
/* The default Unix socket of `sbxctr serve`: <state dir>/api.sock (malloc'd). */
char *sbx_default_socket_path(void);

/* The CPUs this process may run on (its affinity), at least 1. */
unsigned sbx_usable_cpus(void);

/*
 * Removes the directories of base named by the pid of a process that is
 * gone (scratch directories of runtimes that were killed: root's are empty,
 * their tmpfs went with their mount namespace; a user's are plain
 * directories, removed with their files). A live pid owns its directory.
 */
void sbx_sweep_pid_dirs(const char *base);

/*
 * sendmsg() of iov with up to 4 fds as SCM_RIGHTS (nfds may be 0);
 * allocation-free, for sandbox children too. Returns bytes sent or -errno.
 */
struct iovec;
ssize_t sbx_send_fds(int sock, const struct iovec *iov, size_t n_iov, const int *fds, size_t nfds);


/* KEY's value in a NULL-terminated "K=V" vector, or NULL (allocation-free). */
const char *sbx_strv_getenv(char *const *env, const char *key);

/* The PATH of a program's environment that names none. */
#define SBX_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/*
 * prog's path, looked up in env's PATH (else SBX_DEFAULT_PATH) as execvp
 * would, into buf; allocation-free (sandbox children use it). 0, or
 * -errno with err saying why (err->kind SBX_ERRK_EXEC_NOENT or _PERM).
 */
int sbx_find_program(const char *prog, char *const *env, char *buf, size_t size, struct sbx_error *err);

/*
 * The namespaces of process pid that are not the caller's, as CLONE_NEW*
 * flags (one shared with us, the host's network say, is not joined).
 */
int sbx_ns_to_join(pid_t pid);


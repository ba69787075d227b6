/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsbxctr: run untrusted programs in sandboxes from a C or C++ program.
 *
 * A sandbox is what `sbxctr run` makes: new user, pid, mount, network, ipc,
 * uts and cgroup namespaces, a read-only root, a tmpfs workdir, no
 * capabilities, no_new_privs and a seccomp profile, with cgroup v2 limits
 * where the host offers them. The calling process must be root (or hold
 * CAP_SYS_ADMIN and the capabilities a sandbox's set-up needs).
 *
 *   sbxctr_options *o = sbxctr_options_new();
 *   sbxctr_options_set(o, "rootfs", "/srv/rootfs", &err);
 *   sbxctr_options_set(o, "memory", "256M", &err);
 *   sbxctr_options_set_argv(o, (const char *const[]){"/bin/plugin", NULL}, &err);
 *   sbxctr_sandbox *sb;
 *   if (sbxctr_sandbox_create(o, &sb, &err) < 0 || sbxctr_sandbox_start(sb, &err) < 0 ||
 *       sbxctr_sandbox_wait(sb, -1, &err) < 0)
 *           fprintf(stderr, "%s\n", err.message);
 *   const sbxctr_report *rep = sbxctr_sandbox_report(sb);
 *   ... sbxctr_report_reason(rep), sbxctr_report_exit_status(rep) ...
 *   sbxctr_sandbox_destroy(sb);
 *   sbxctr_options_free(o);
 *
 * Conventions: functions that can fail return 0 (or a non-negative value)
 * on success and a negative errno on failure, filling the sbxctr_error the
 * caller passes (NULL is allowed). Handles are opaque. Nothing here prints
 * or exits; diagnostics go to the log callback (sbxctr_set_log).
 *
 * Build against it with pkg-config: cc app.c $(pkg-config --cflags --libs sbxctr)
 */
#ifndef SBXCTR_H
#define SBXCTR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SBXCTR_API __attribute__((visibility("default")))
#else
#define SBXCTR_API
#endif

/* The version of this API: a program built against 1 works with any library of API version 1. */
#define SBXCTR_API_VERSION 1

/* --- errors --------------------------------------------------------------- */

enum sbxctr_error_kind {
	SBXCTR_ERROR_INTERNAL = 0,	/* sbxctr failed: bad input, set-up error (message says which) */
	SBXCTR_ERROR_EXEC_NOT_FOUND = 1, /* the program was not found */
	SBXCTR_ERROR_EXEC_DENIED = 2,	/* the program could not be executed */
};

#define SBXCTR_ERROR_MESSAGE_MAX 640

typedef struct sbxctr_error {
	int code; /* positive errno; 0 while no error is set */
	int kind; /* enum sbxctr_error_kind */
	/* names the field and the value: "--memory: invalid size \"x\" (e.g. 4096, 64k, 256M, 1G)" */
	char message[SBXCTR_ERROR_MESSAGE_MAX];
} sbxctr_error;

/* The exit statuses of the sbxctr command, for programs that mimic it. */
enum sbxctr_exit_status {
	SBXCTR_EXIT_FAILURE = 125,	   /* sbxctr failed */
	SBXCTR_EXIT_CANNOT_EXECUTE = 126, /* the program could not be executed */
	SBXCTR_EXIT_NOT_FOUND = 127,	   /* the program was not found */
	SBXCTR_EXIT_SIGNAL_BASE = 128,	   /* + N: the program was killed by signal N */
};

/* The library's version ("0.1.0"). */
SBXCTR_API const char *sbxctr_version(void);

/*
 * Where diagnostics go (warnings, debug): level 0 error, 1 warning, 2 info,
 * 3 debug. NULL restores the default, "sbxctr: ..." lines on stderr. This
 * is process-wide: the library's only global state.
 */
typedef void (*sbxctr_log_fn)(int level, const char *message, void *userdata);
SBXCTR_API void sbxctr_set_log(sbxctr_log_fn fn, void *userdata, int max_level);

/* --- options ---------------------------------------------------------------- */

/*
 * How a sandbox should run. Every option of `sbxctr run` is available by
 * its flag name without the dashes, with the value spelled as on the
 * command line (see `sbxctr run --help`): "rootfs", "bundle", "workdir",
 * "workdir-size", "env" (K=V, repeatable), "hostname", "init" ("true" /
 * "false"), "seccomp" (a profile file, "default", "compute-only",
 * "unconfined"), "time", "wall-time", "output-limit", "fsize", "nofile",
 * "stack", "memory", "memory-swap", "memory-high", "cpus", "cpu-weight",
 * "cpuset", "pids", "cgroups", "cgroup-parent", "stdin", "stdout",
 * "stderr", "stderr-to-stdout", "copy-in" (HOST:PATH), "copy-out"
 * (PATH:HOST), "copy-out-max", "net", "net-ip", "net-rate-out", ...
 * A sandbox runs a rootfs with the built-in default config, or a bundle's
 * config.json; one of the two must be set.
 */
typedef struct sbxctr_options sbxctr_options;

SBXCTR_API sbxctr_options *sbxctr_options_new(void);
SBXCTR_API void sbxctr_options_free(sbxctr_options *o);
/* Sets one option; repeatable options add a value. -EINVAL names the option and the value. */
SBXCTR_API int sbxctr_options_set(sbxctr_options *o, const char *name, const char *value, sbxctr_error *err);
/*
 * Sets options from a JSON object with the fields of a `sbxctr batch` job
 * line's run step ({"memory": "256M", "time": 1.5, "files": {...}, ...}).
 */
SBXCTR_API int sbxctr_options_set_json(sbxctr_options *o, const char *json, size_t len, sbxctr_error *err);
/* The command (NULL-terminated). With a bundle, its process.args is the default. */
SBXCTR_API int sbxctr_options_set_argv(sbxctr_options *o, const char *const *argv, sbxctr_error *err);
/* Copies a host file or tree into the workdir before the run ("path" relative to the workdir). */
SBXCTR_API int sbxctr_options_add_file(sbxctr_options *o, const char *host_path, const char *path,
				       sbxctr_error *err);
/* Copies a regular file out of the workdir after the run. */
SBXCTR_API int sbxctr_options_add_copy_out(sbxctr_options *o, const char *path, const char *host_path,
					   sbxctr_error *err);
/*
 * The program's stdin, stdout and stderr from the caller's fds (-1: leave
 * that stream as the options say: a file, /dev/null, or the caller's own).
 * The fds are lent: the sandbox uses duplicates and never closes them.
 */
SBXCTR_API int sbxctr_options_set_stdio(sbxctr_options *o, int stdin_fd, int stdout_fd, int stderr_fd,
					sbxctr_error *err);
/*
 * Hands the caller's fd to the program: the first passed fd is fd 3 in the
 * program, the next fd 4, ... Returns that number. Nothing else of the
 * caller's is inherited. Lent like the stdio fds.
 */
SBXCTR_API int sbxctr_options_pass_fd(sbxctr_options *o, int fd, sbxctr_error *err);

/* --- sandboxes --------------------------------------------------------------- */

typedef struct sbxctr_sandbox sbxctr_sandbox;

/*
 * Validates the options and plans everything (mounts, cgroup limits,
 * seccomp filter); creates nothing on the host yet. Bad options fail here.
 * The options may be freed afterwards.
 */
SBXCTR_API int sbxctr_sandbox_create(const sbxctr_options *o, sbxctr_sandbox **ret, sbxctr_error *err);
/*
 * Sets the sandbox up and starts the program; returns once it runs, or
 * fails leaving nothing behind. A sandbox with files to copy in or out
 * moves the calling process into a private mount namespace the first time
 * (its scratch mounts must not show on the host): call it from a
 * single-threaded process then.
 */
SBXCTR_API int sbxctr_sandbox_start(sbxctr_sandbox *sb, sbxctr_error *err);
/*
 * Supervises the sandbox (limits, output caps) until it ends. stop_fd (or
 * -1) ends the wait early with -ECANCELED as soon as it is readable or
 * hangs up; the sandbox then keeps running until destroyed or waited for.
 */
SBXCTR_API int sbxctr_sandbox_wait(sbxctr_sandbox *sb, int stop_fd, sbxctr_error *err);
/* Sends a signal to the sandbox's pid 1 (SIGKILL ends the whole sandbox). */
SBXCTR_API int sbxctr_sandbox_kill(sbxctr_sandbox *sb, int signal);
/* The host pid of the sandbox's pid 1 (0 before start). */
SBXCTR_API pid_t sbxctr_sandbox_pid(const sbxctr_sandbox *sb);
/* Kills whatever still runs and releases everything: processes, mounts, cgroup. NULL is fine. */
SBXCTR_API void sbxctr_sandbox_destroy(sbxctr_sandbox *sb);

/* --- the report -------------------------------------------------------------- */

/* Why the run ended. */
enum sbxctr_reason {
	SBXCTR_REASON_NONE = 0, /* the program ended by itself */
	SBXCTR_REASON_CPU_TIME,
	SBXCTR_REASON_WALL_TIME,
	SBXCTR_REASON_MEMORY,
	SBXCTR_REASON_OUTPUT,
	SBXCTR_REASON_PIDS,
	SBXCTR_REASON_SECCOMP,
	SBXCTR_REASON_INTERNAL, /* sbxctr failed; sbxctr_report_error() says why */
};

typedef struct sbxctr_report sbxctr_report;

/* The report of a sandbox that was waited for; NULL before. Valid until the sandbox is destroyed. */
SBXCTR_API const sbxctr_report *sbxctr_sandbox_report(const sbxctr_sandbox *sb);
SBXCTR_API enum sbxctr_reason sbxctr_report_reason(const sbxctr_report *r);
/* "none", "cpu-time", "wall-time", "memory", "output", "pids", "seccomp", "internal" */
SBXCTR_API const char *sbxctr_reason_name(enum sbxctr_reason reason);
/* The program's exit code, or -1 when it was killed by a signal (or never started). */
SBXCTR_API int sbxctr_report_exit_code(const sbxctr_report *r);
/* The terminating signal, or 0. */
SBXCTR_API int sbxctr_report_signal(const sbxctr_report *r);
/* As a shell gives it: the exit code, or 128 + the signal. */
SBXCTR_API int sbxctr_report_exit_status(const sbxctr_report *r);
/* CPU time of the whole process tree, wall time from execve, µs; peak memory, bytes. */
SBXCTR_API uint64_t sbxctr_report_cpu_user_us(const sbxctr_report *r);
SBXCTR_API uint64_t sbxctr_report_cpu_sys_us(const sbxctr_report *r);
SBXCTR_API uint64_t sbxctr_report_wall_us(const sbxctr_report *r);
SBXCTR_API uint64_t sbxctr_report_peak_memory_bytes(const sbxctr_report *r);
/* The syscall a seccomp kill was for ("ptrace"), or NULL. */
SBXCTR_API const char *sbxctr_report_seccomp_syscall(const sbxctr_report *r);
/* sbxctr's error message for SBXCTR_REASON_INTERNAL, or NULL. */
SBXCTR_API const char *sbxctr_report_error(const sbxctr_report *r);
/* The whole report as `sbxctr run --report` writes it (a JSON object; malloc'd, free() it). */
SBXCTR_API char *sbxctr_report_json(const sbxctr_report *r);

#ifdef __cplusplus
}
#endif

#endif /* SBXCTR_H */

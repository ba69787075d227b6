/* SPDX-License-Identifier: Apache-2.0 */
/* The run options table: one row per option, read by the CLI, job lines and the public API. */
#include "runtime/options.h"
#include "cgroups/limits.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "runtime/bundle.h"
#include "runtime/workdir.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define OFF(field) offsetof(struct sbx_options, field)
/* cgroup v2 cpu.max period; the quota scales with it */
#define CPU_PERIOD_US 100000
#define CPUS_MAX_PPM (1024ULL * 1000000)
/* inline contents (stdin_text, files' text) larger than this are refused */
#define INLINE_MAX (16ULL << 20)

/* --- typed storage ---------------------------------------------------------- */

static char **str_at(struct sbx_options *o, const struct sbx_option_def *d)
{
	return (char **)((char *)o + d->offset);
}
static uint64_t *u64_at(struct sbx_options *o, const struct sbx_option_def *d)
{
	return (uint64_t *)((char *)o + d->offset);
}
static char ***strv_at(struct sbx_options *o, const struct sbx_option_def *d)
{
	return (char ***)((char *)o + d->offset);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = sbx_xstrdup(v);
}

/* --- setters onto the config -------------------------------------------------- */

typedef int apply_fn(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err);

/* How an option is named in apply-time errors: its flag when it has one. */
static int apply_error(enum sbx_opt_id id, struct sbx_error *err, const char *fmt, const char *detail)
{
	const struct sbx_option_def *d = &sbx_option_table[id];
	if (d->flag)
		return sbx_err_set(err, EINVAL, "--%s: %s%s", d->flag, fmt, detail ? detail : "");
	return sbx_err_set(err, EINVAL, "%s: %s%s", d->field, fmt, detail ? detail : "");
}

static int apply_workdir(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	/* a cwd that was the old workdir (the built-in default's) follows it */
	bool cwd_follows = c->workdir.path && c->process.cwd && strcmp(c->process.cwd, c->workdir.path) == 0;
	set_str(&c->workdir.path, o->workdir);
	if (cwd_follows || !c->process.cwd)
		set_str(&c->process.cwd, o->workdir);
	return 0;
}

static int apply_argv(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	sbx_strv_free(c->process.args);
	c->process.args = sbx_strv_copy(o->argv);
	return 0;
}

static int apply_workdir_size(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	if (!c->workdir.path)
		return apply_error(SBX_OPT_WORKDIR_SIZE, err, "the bundle has no workdir (add --workdir)", NULL);
	c->workdir.size = o->workdir_size;
	return 0;
}

static int apply_env(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	for (size_t i = 0; o->env && o->env[i]; i++)
		sbx_config_setenv(c, o->env[i]);
	return 0;
}

static int apply_hostname(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	set_str(&c->hostname, o->hostname);
	if (!c->ns[SBX_NS_UTS].enabled)
		return apply_error(SBX_OPT_HOSTNAME, err, "the config has no uts namespace", NULL);
	return 0;
}

static int apply_preserve_fds(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->preserve_fds = (int)o->preserve_fds;
	return 0;
}

static int apply_tty(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->process.terminal = o->tty;
	return 0;
}

static int apply_init(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->init = o->init;
	return 0;
}

/* A profile file is only named here: the sandbox reads it when it is created (no I/O in the mapping). */
static int apply_no_init(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	if (o->no_init)
		c->init = false;
	return 0;
}

static int apply_rootfs_overlay(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	bool writable = o->set[SBX_OPT_ROOTFS_WRITABLE] && o->rootfs_writable;
	if (!o->rootfs_overlay)
		return 0;
	if (!c->root_readonly && !writable)
		return apply_error(SBX_OPT_ROOTFS_OVERLAY, err,
				   "the bundle's root is writable (root.readonly false); add --rootfs-writable to "
				   "discard its changes", NULL);
	c->rootfs_overlay = true;
	return 0;
}

static int apply_rootfs_writable(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	/* the writable root is an overlay whose upper layer is discarded */
	c->rootfs_writable = o->rootfs_writable;
	if (o->rootfs_writable)
		c->rootfs_overlay = true;
	return 0;
}

static int apply_seccomp_kill(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->seccomp_kill_exact = strcmp(o->seccomp_kill, "exact") == 0;
	return 0;
}

static int apply_seccomp(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	if (sbx_config_set_seccomp_builtin(c, o->seccomp) < 0)
		sbx_config_set_seccomp_file(c, o->seccomp);
	return 0;
}

static int apply_time(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->limits.cpu_time_us = o->time_us;
	return 0;
}

static int apply_wall_time(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->limits.wall_time_us = o->wall_time_us;
	return 0;
}

static int apply_output_limit(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->limits.has_output_limit = true;
	c->limits.output_limit = o->output_limit;
	/* a limit on the streams means reading them */
	c->io.capture = true;
	return 0;
}

static int apply_rlimit(int resource, uint64_t v, struct sbx_config *c)
{
	sbx_config_set_rlimit(c, resource, v, v);
	return 0;
}
static int apply_fsize(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	return apply_rlimit(RLIMIT_FSIZE, o->fsize, c);
}
static int apply_nofile(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	return apply_rlimit(RLIMIT_NOFILE, o->nofile, c);
}
static int apply_stack(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	return apply_rlimit(RLIMIT_STACK, o->stack, c);
}

/* linux.resources: the options override the config's values field by field */
static int apply_memory(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->resources.has_memory_limit = true;
	c->resources.memory_limit = (int64_t)o->memory;
	return 0;
}

static int apply_memory_swap(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	/* memory.swap.max itself, not OCI's memory+swap total */
	c->resources.has_swap_max = true;
	c->resources.swap_max = (int64_t)o->memory_swap;
	c->resources.has_memory_swap = false;
	return 0;
}

static int apply_memory_high(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->resources.has_memory_high = true;
	c->resources.memory_high = (int64_t)o->memory_high;
	return 0;
}

static int apply_cpus(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	/* decimal CPUs as a quota per 100 ms period: 0.5 -> 50000/100000 */
	c->resources.has_cpu_quota = c->resources.has_cpu_period = true;
	c->resources.cpu_period = CPU_PERIOD_US;
	c->resources.cpu_quota = (int64_t)(o->cpus_ppm * CPU_PERIOD_US / 1000000);
	return 0;
}

static int apply_cpu_weight(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->resources.has_cpu_weight = true;
	c->resources.cpu_weight = o->cpu_weight;
	return 0;
}

static int apply_cpuset(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	set_str(&c->resources.cpuset_cpus, o->cpuset);
	return 0;
}

static int apply_pids(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->resources.has_pids_limit = true;
	c->resources.pids_limit = (int64_t)o->pids;
	return 0;
}

static int apply_cgroups(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	enum sbx_cgroup_mode m;
	if (sbx_cgroup_mode_parse(o->cgroups, &m) < 0)
		return apply_error(SBX_OPT_CGROUPS, err, "unknown mode ", o->cgroups);
	c->cgroup_mode = (int)m;
	return 0;
}

static int apply_cgroup_parent(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	set_str(&c->cgroup_parent, o->cgroup_parent);
	return 0;
}

static int apply_stdin(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	set_str(&c->io.stdin_path, o->stdin_path);
	c->io.inherit_stdin = false;
	return 0;
}

static int apply_stdin_text(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	/* sbx_options_materialize() wrote it to a file and set stdin to it */
	if (!o->set[SBX_OPT_STDIN])
		return sbx_err_set(err, EINVAL, "stdin_text: the inline stdin was not written out");
	return 0;
}

static int apply_stdout(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	set_str(&c->io.stdout_path, o->stdout_path);
	return 0;
}

static int apply_stderr(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	set_str(&c->io.stderr_path, o->stderr_path);
	c->io.stderr_to_stdout = false;
	return 0;
}

static int apply_stderr_to_stdout(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->io.stderr_to_stdout = o->stderr_to_stdout;
	if (o->stderr_to_stdout) {
		free(c->io.stderr_path);
		c->io.stderr_path = NULL;
	}
	return 0;
}

static void push_copy(struct sbx_copy **v, size_t *n, const char *host, const char *sandbox)
{
	*v = sbx_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (struct sbx_copy){.host = sbx_xstrdup(host), .sandbox = sbx_xstrdup(sandbox)};
}

static int apply_files(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	for (size_t i = 0; i < o->n_files; i++) {
		if (!o->files[i].host)
			return sbx_err_set(err, EINVAL, "files: %s: inline contents were not written out",
					   o->files[i].sandbox);
		push_copy(&c->io.copy_in, &c->io.n_copy_in, o->files[i].host, o->files[i].sandbox);
	}
	return 0;
}

static int apply_copy_out(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	for (size_t i = 0; i < o->n_copy_out; i++)
		push_copy(&c->io.copy_out, &c->io.n_copy_out, o->copy_out[i].host, o->copy_out[i].sandbox);
	return 0;
}

static int apply_copy_out_max(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err)
{
	c->io.copy_out_max = o->copy_out_max;
	return 0;
}

/* The --net* strings are validated by netns/ (sbx_net_plan_build) when the sandbox is created. */
#define NET_APPLY(name)                                                                                 \
	static int apply_net_##name(const struct sbx_options *o, struct sbx_config *c, struct sbx_error *err) \
	{                                                                                               \
		set_str(&c->net.name, o->net.name);                                                     \
		return 0;                                                                               \
	}
NET_APPLY(mode)
NET_APPLY(ip)
NET_APPLY(host_ip)
NET_APPLY(ip6)
NET_APPLY(host_ip6)
NET_APPLY(host_name)
NET_APPLY(rate_out)
NET_APPLY(rate_in)
NET_APPLY(burst)
NET_APPLY(latency)

/* --- the table -------------------------------------------------------------- */

static bool hostname_ok(const char *v)
{
	return *v && strlen(v) <= 64 && !strchr(v, '/');
}

static const char *const cgroup_modes[] = {"auto", "required", "best-effort", "off", NULL};
static const char *const net_modes[] = {"none", "veth", "pasta", "host", NULL};
static const char *const seccomp_kill_modes[] = {"sandbox", "exact", NULL};

#define ROW(ID, FLAG, FIELD, TYPE, OFFSET, ...)                                                      \
	[ID] = {.id = ID, .flag = FLAG, .field = FIELD, .type = TYPE, .offset = OFFSET, __VA_ARGS__}

const struct sbx_option_def sbx_option_table[SBX_OPT__COUNT] = {
	ROW(SBX_OPT_BUNDLE, "bundle", "bundle", SBX_OT_STRING, OFF(bundle), .flags = SBX_OPTF_TOP | SBX_OPTF_NOAPPLY,
	    .metavar = "DIR", .help = "OCI bundle (config.json + rootfs)"),
	ROW(SBX_OPT_ROOTFS, "rootfs", "rootfs", SBX_OT_STRING, OFF(rootfs), .flags = SBX_OPTF_TOP | SBX_OPTF_NOAPPLY,
	    .metavar = "DIR", .help = "run CMD in DIR with the built-in default config"),
	ROW(SBX_OPT_WORKDIR, "workdir", "workdir", SBX_OT_WORKPATH, OFF(workdir), .flags = SBX_OPTF_TOP,
	    .metavar = "PATH", .help = "tmpfs work directory, the program's cwd (default /work)", .apply = apply_workdir),
	ROW(SBX_OPT_ARGV, NULL, "argv", SBX_OT_ARGV, OFF(argv), .apply = apply_argv),
	ROW(SBX_OPT_WORKDIR_SIZE, "workdir-size", "workdir_size", SBX_OT_SIZE, OFF(workdir_size), .min = 4096,
	    .expect = "a size of at least 4096 bytes", .metavar = "SIZE", .help = "its size cap, e.g. 64M (default 64M)",
	    .apply = apply_workdir_size),
	ROW(SBX_OPT_ENV, "env", "env", SBX_OT_ENV, OFF(env), .metavar = "K=V",
	    .help = "set an environment variable (repeatable)", .apply = apply_env),
	ROW(SBX_OPT_HOSTNAME, "hostname", NULL, SBX_OT_STRING, OFF(hostname), .metavar = "NAME",
	    .expect = "invalid host name", .help = "host name inside the sandbox (default sbxctr)",
	    .apply = apply_hostname),
	ROW(SBX_OPT_PRESERVE_FDS, "preserve-fds", NULL, SBX_OT_COUNT, OFF(preserve_fds), .min = 0, .max = 1024,
	    .metavar = "N", .help = "pass fds 3..3+N-1 to the program", .apply = apply_preserve_fds),
	ROW(SBX_OPT_TTY, "tty", NULL, SBX_OT_BOOL, OFF(tty), .short_name = 't',
	    .help = "give the program a terminal (process.terminal), relayed to\n"
		    "this one in raw mode, window size included",
	    .apply = apply_tty),
	ROW(SBX_OPT_INIT, "init", "init", SBX_OT_BOOL, OFF(init),
	    .help = "run a minimal reaping init as pid 1; the program is pid 2 and\n"
		    "dies of its own signals (abort, SIGXFSZ...) as outside a\n"
		    "sandbox. The default with --rootfs when a limit (--time,\n"
		    "--wall-time, --memory, --pids, --output-limit, --fsize) or\n"
		    "--report/--meta is given",
	    .apply = apply_init),
	ROW(SBX_OPT_NO_INIT, "no-init", NULL, SBX_OT_BOOL, OFF(no_init),
	    .help = "the program is pid 1 even then (Docker's default)", .apply = apply_no_init),
	ROW(SBX_OPT_ROOTFS_OVERLAY, "rootfs-overlay", "rootfs_overlay", SBX_OT_BOOL, OFF(rootfs_overlay),
	    .help = "a private overlay of the root: no inode (lock, inotify watch)\n"
		    "is shared with other sandboxes; read-only unless",
	    .apply = apply_rootfs_overlay),
	ROW(SBX_OPT_ROOTFS_WRITABLE, "rootfs-writable", "rootfs_writable", SBX_OT_BOOL, OFF(rootfs_writable),
	    .help = "the program may write its root (an overlay whose changes,\n"
		    "at most 64M, are discarded at the end)",
	    .apply = apply_rootfs_writable),
	ROW(SBX_OPT_SECCOMP, "seccomp", "seccomp", SBX_OT_STRING, OFF(seccomp), .metavar = "PROFILE",
	    .help = "a Docker/OCI seccomp profile file, or default (the built-in\n"
		    "default's), compute-only, unconfined",
	    .apply = apply_seccomp),
	ROW(SBX_OPT_SECCOMP_KILL, "seccomp-kill", "seccomp_kill", SBX_OT_ENUM, OFF(seccomp_kill),
	    .choices = seccomp_kill_modes, .metavar = "MODE",
	    .help = "sandbox (default: a profile's kill ends the whole run and is\n"
		    "reported) or exact (the kernel's meaning: SCMP_ACT_KILL ends\n"
		    "the thread, KILL_PROCESS the process)",
	    .apply = apply_seccomp_kill),
	ROW(SBX_OPT_REPORT, "report", NULL, SBX_OT_STRING, OFF(report), .flags = SBX_OPTF_NOAPPLY, .metavar = "FILE",
	    .help = "write a JSON report of the run to FILE"),
	ROW(SBX_OPT_META, "meta", NULL, SBX_OT_STRING, OFF(meta), .flags = SBX_OPTF_NOAPPLY, .metavar = "FILE",
	    .help = "write an isolate-style key:value report to FILE"),

	ROW(SBX_OPT_TIME, "time", "time", SBX_OT_SECONDS, OFF(time_us), .section = "Limits", .metavar = "SEC",
	    .help = "CPU time of the whole process tree (e.g. 1.5, 300ms)", .apply = apply_time),
	ROW(SBX_OPT_WALL_TIME, "wall-time", "wall_time", SBX_OT_SECONDS, OFF(wall_time_us), .section = "Limits",
	    .metavar = "SEC", .help = "wall-clock time", .apply = apply_wall_time),
	ROW(SBX_OPT_OUTPUT_LIMIT, "output-limit", "output_limit", SBX_OT_SIZE, OFF(output_limit), .section = "Limits",
	    .metavar = "SIZE", .help = "bytes per output stream; more ends the run (reason output)",
	    .apply = apply_output_limit),
	ROW(SBX_OPT_FSIZE, "fsize", "fsize", SBX_OT_SIZE, OFF(fsize), .section = "Limits", .metavar = "SIZE",
	    .help = "largest file the program may write (RLIMIT_FSIZE)", .apply = apply_fsize),
	ROW(SBX_OPT_NOFILE, "nofile", "nofile", SBX_OT_COUNT, OFF(nofile), .min = 1, .max = 1 << 20,
	    .section = "Limits", .metavar = "N", .help = "open files (RLIMIT_NOFILE)", .apply = apply_nofile),
	ROW(SBX_OPT_STACK, "stack", "stack", SBX_OT_SIZE, OFF(stack), .section = "Limits", .metavar = "SIZE",
	    .help = "stack size (RLIMIT_STACK)", .apply = apply_stack),
	ROW(SBX_OPT_MEMORY, "memory", "memory", SBX_OT_SIZE, OFF(memory), .min = 4096,
	    .expect = "a memory size of at least 4096 bytes", .section = "Limits", .metavar = "SIZE",
	    .help = "memory limit (cgroup memory.max; swap is 0 unless --memory-swap)", .apply = apply_memory),
	ROW(SBX_OPT_MEMORY_SWAP, "memory-swap", "memory_swap", SBX_OT_SIZE, OFF(memory_swap), .section = "Limits",
	    .metavar = "SIZE", .help = "swap the sandbox may use besides --memory (memory.swap.max)",
	    .apply = apply_memory_swap),
	ROW(SBX_OPT_MEMORY_HIGH, "memory-high", "memory_high", SBX_OT_SIZE, OFF(memory_high), .section = "Limits",
	    .metavar = "SIZE", .help = "throttling threshold (memory.high)", .apply = apply_memory_high),
	ROW(SBX_OPT_CPUS, "cpus", "cpus", SBX_OT_CPUS, OFF(cpus_ppm), .section = "Limits", .metavar = "N",
	    .help = "CPU bandwidth, e.g. 0.5 or 2 (cpu.max)", .apply = apply_cpus),
	ROW(SBX_OPT_CPU_WEIGHT, "cpu-weight", "cpu_weight", SBX_OT_COUNT, OFF(cpu_weight), .min = 1, .max = 10000,
	    .section = "Limits", .metavar = "N", .help = "relative CPU weight, 1 to 10000 (cpu.weight)",
	    .apply = apply_cpu_weight),
	ROW(SBX_OPT_CPUSET, "cpuset", "cpuset", SBX_OT_STRING, OFF(cpuset), .section = "Limits", .metavar = "LIST",
	    .help = "CPUs the sandbox may run on, e.g. 0-1,3 (cpuset.cpus)", .apply = apply_cpuset),
	ROW(SBX_OPT_PIDS, "pids", "pids", SBX_OT_COUNT, OFF(pids), .min = 1, .max = 4194304, .section = "Limits",
	    .metavar = "N", .help = "process and thread limit (pids.max)", .apply = apply_pids),
	ROW(SBX_OPT_CGROUPS, "cgroups", "cgroups", SBX_OT_ENUM, OFF(cgroups), .choices = cgroup_modes,
	    .section = "Limits", .metavar = "MODE",
	    .help = "auto (default: a limit whose controller is missing is an\n"
		    "error), required, best-effort (rlimit fallbacks), off",
	    .apply = apply_cgroups),
	ROW(SBX_OPT_CGROUP_PARENT, "cgroup-parent", NULL, SBX_OT_STRING, OFF(cgroup_parent), .section = "Limits",
	    .metavar = "PATH", .help = "parent cgroup (\"/a/b\" from the root, \"a/b\" below sbxctr's own)",
	    .apply = apply_cgroup_parent),

	ROW(SBX_OPT_STDIN, "stdin", "stdin", SBX_OT_STRING, OFF(stdin_path), .section = "Files", .metavar = "FILE",
	    .help = "the program's stdin (default: inherited)", .apply = apply_stdin),
	ROW(SBX_OPT_STDIN_TEXT, NULL, "stdin_text", SBX_OT_TEXT, OFF(stdin_text), .apply = apply_stdin_text),
	ROW(SBX_OPT_STDOUT, "stdout", "stdout", SBX_OT_STRING, OFF(stdout_path), .section = "Files", .metavar = "FILE",
	    .help = "the program's stdout", .apply = apply_stdout),
	ROW(SBX_OPT_STDERR, "stderr", "stderr", SBX_OT_STRING, OFF(stderr_path), .section = "Files", .metavar = "FILE",
	    .help = "the program's stderr", .apply = apply_stderr),
	ROW(SBX_OPT_STDERR_TO_STDOUT, "stderr-to-stdout", "stderr_to_stdout", SBX_OT_BOOL, OFF(stderr_to_stdout),
	    .section = "Files", .help = "merge stderr into stdout", .apply = apply_stderr_to_stdout),
	ROW(SBX_OPT_FILES, "copy-in", "files", SBX_OT_FILES, OFF(files), .section = "Files", .metavar = "HOST:PATH",
	    .help = "copy a host file or tree into the workdir before the run", .apply = apply_files),
	ROW(SBX_OPT_COPY_OUT, "copy-out", "copy_out", SBX_OT_COPY_OUT, OFF(copy_out), .section = "Files",
	    .metavar = "PATH:HOST", .help = "copy a regular file out of the workdir after the run",
	    .apply = apply_copy_out),
	ROW(SBX_OPT_COPY_OUT_MAX, "copy-out-max", "copy_out_max", SBX_OT_SIZE, OFF(copy_out_max), .section = "Files",
	    .metavar = "SIZE", .help = "size cap for each copied-out file (default: the workdir size)",
	    .apply = apply_copy_out_max),

	ROW(SBX_OPT_NET, "net", "net", SBX_OT_ENUM, OFF(net.mode), .choices = net_modes, .expect = "unknown network mode",
	    .section = "Network",
	    .metavar = "MODE",
	    .help = "none (default: only lo), veth (eth0 paired with a host end; root), pasta (user-mode "
		    "networking through your own sockets; not root), host",
	    .apply = apply_net_mode),
	ROW(SBX_OPT_NET_IP, "net-ip", NULL, SBX_OT_STRING, OFF(net.ip), .section = "Network", .metavar = "CIDR",
	    .help = "eth0's IPv4 address (default: a private /30 per sandbox)", .apply = apply_net_ip),
	ROW(SBX_OPT_NET_HOST_IP, "net-host-ip", NULL, SBX_OT_STRING, OFF(net.host_ip), .section = "Network",
	    .metavar = "CIDR", .help = "the host end's address, the sandbox's gateway", .apply = apply_net_host_ip),
	ROW(SBX_OPT_NET_IP6, "net-ip6", NULL, SBX_OT_STRING, OFF(net.ip6), .section = "Network", .metavar = "CIDR",
	    .help = "an IPv6 address for eth0 (with --net-host-ip6)", .apply = apply_net_ip6),
	ROW(SBX_OPT_NET_HOST_IP6, "net-host-ip6", NULL, SBX_OT_STRING, OFF(net.host_ip6), .section = "Network",
	    .metavar = "CIDR", .help = "the host end's IPv6 address", .apply = apply_net_host_ip6),
	ROW(SBX_OPT_NET_HOST_NAME, "net-host-name", NULL, SBX_OT_STRING, OFF(net.host_name), .section = "Network",
	    .metavar = "NAME", .help = "the host end's interface name (default sbx<slot>h)",
	    .apply = apply_net_host_name),
	ROW(SBX_OPT_NET_RATE_OUT, "net-rate-out", NULL, SBX_OT_STRING, OFF(net.rate_out), .section = "Network",
	    .metavar = "RATE", .help = "the sandbox's egress rate, as tc spells it (8mbit, 1mbps)",
	    .apply = apply_net_rate_out),
	ROW(SBX_OPT_NET_RATE_IN, "net-rate-in", NULL, SBX_OT_STRING, OFF(net.rate_in), .section = "Network",
	    .metavar = "RATE", .help = "the sandbox's ingress rate", .apply = apply_net_rate_in),
	ROW(SBX_OPT_NET_BURST, "net-burst", NULL, SBX_OT_STRING, OFF(net.burst), .section = "Network",
	    .metavar = "SIZE", .help = "bucket size for both limits (default: 5 ms at the rate)",
	    .apply = apply_net_burst),
	ROW(SBX_OPT_NET_LATENCY, "net-latency", NULL, SBX_OT_STRING, OFF(net.latency), .section = "Network",
	    .metavar = "TIME", .help = "queueing latency for both limits (default 50ms)", .apply = apply_net_latency),
};

const struct sbx_option_def *sbx_option_by_flag(const char *flag)
{
	for (size_t i = 0; i < SBX_OPT__COUNT; i++)
		if (sbx_option_table[i].flag && strcmp(sbx_option_table[i].flag, flag) == 0)
			return &sbx_option_table[i];
	return NULL;
}

const struct sbx_option_def *sbx_option_by_field(const char *field)
{
	for (size_t i = 0; i < SBX_OPT__COUNT; i++)
		if (sbx_option_table[i].field && strcmp(sbx_option_table[i].field, field) == 0)
			return &sbx_option_table[i];
	return NULL;
}

/* --- lifetime ----------------------------------------------------------------- */

void sbx_options_init(struct sbx_options *o)
{
	memset(o, 0, sizeof(*o));
}

void sbx_options_clear(struct sbx_options *o)
{
	for (size_t i = 0; i < SBX_OPT__COUNT; i++) {
		const struct sbx_option_def *d = &sbx_option_table[i];
		switch (d->type) {
		case SBX_OT_STRING:
		case SBX_OT_WORKPATH:
		case SBX_OT_ENUM:
		case SBX_OT_TEXT:
			free(*str_at(o, d));
			break;
		case SBX_OT_ENV:
		case SBX_OT_ARGV:
			sbx_strv_free(*strv_at(o, d));
			break;
		case SBX_OT_FILES:
		case SBX_OT_COPY_OUT: /* the two lists, below */
		case SBX_OT_SIZE:
		case SBX_OT_SECONDS:
		case SBX_OT_COUNT:
		case SBX_OT_CPUS:
		case SBX_OT_BOOL:
		default:
			break;
		}
	}
	for (size_t j = 0; j < o->n_files; j++) {
		free(o->files[j].sandbox);
		free(o->files[j].host);
		free(o->files[j].text);
	}
	free(o->files);
	for (size_t j = 0; j < o->n_copy_out; j++) {
		free(o->copy_out[j].sandbox);
		free(o->copy_out[j].host);
	}
	free(o->copy_out);
	memset(o, 0, sizeof(*o));
}

/* --- values from the command line ------------------------------------------ */

/* "a" "b" "c" -> "a, b or c" (quoted for JSON messages) */
static void choices_text(const char *const *c, bool quote, char *buf, size_t size)
{
	size_t off = 0, n = 0;
	while (c[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		off += (size_t)snprintf(buf + off, size - off, quote ? "%s\"%s\"" : "%s%s", sep, c[i]);
	}
}

static int choice_index(const char *const *c, const char *v)
{
	for (int i = 0; c[i]; i++)
		if (strcmp(c[i], v) == 0)
			return i;
	return -1;
}

static int cli_bad(const struct sbx_option_def *d, const char *v, struct sbx_error *err)
{
	char what[160];
	switch (d->type) {
	case SBX_OT_SIZE:
		if (d->min)
			return sbx_err_set(err, EINVAL, "--%s: invalid size \"%s\" (e.g. 64M; at least %" PRIu64 " bytes)",
					   d->flag, v, d->min);
		return sbx_err_set(err, EINVAL, "--%s: invalid size \"%s\" (e.g. 4096, 64k, 256M, 1G)", d->flag, v);
	case SBX_OT_SECONDS:
		return sbx_err_set(err, EINVAL, "--%s: invalid time \"%s\" (seconds, e.g. 2, 0.5, 300ms)", d->flag, v);
	case SBX_OT_COUNT:
		return sbx_err_set(err, EINVAL, "--%s: expected %" PRIu64 " to %" PRIu64 ", got \"%s\"", d->flag, d->min,
				   d->max, v);
	case SBX_OT_CPUS:
		return sbx_err_set(err, EINVAL, "--%s: expected a number of CPUs from 0.01 to 1024, got \"%s\"", d->flag, v);
	case SBX_OT_ENUM:
		choices_text(d->choices, false, what, sizeof(what));
		if (d->expect) /* the wording netns/ uses for the same mistake */
			return sbx_err_set(err, EINVAL, "--%s \"%s\": %s (expected %s)", d->flag, v, d->expect, what);
		return sbx_err_set(err, EINVAL, "--%s: expected %s, got \"%s\"", d->flag, what, v);
	case SBX_OT_WORKPATH:
		return sbx_err_set(err, EINVAL, "--%s: \"%s\" must be an absolute path below /", d->flag, v);
	case SBX_OT_ENV:
		return sbx_err_set(err, EINVAL, "--%s: expected KEY=VALUE, got \"%s\"", d->flag, v);
	case SBX_OT_BOOL:
		return sbx_err_set(err, EINVAL, "--%s: expected true or false, got \"%s\"", d->flag, v);
	case SBX_OT_STRING:
	case SBX_OT_ARGV:
	case SBX_OT_TEXT:
	case SBX_OT_FILES:
	case SBX_OT_COPY_OUT:
	default:
		if (d->expect)
			return sbx_err_set(err, EINVAL, "--%s: %s \"%s\"", d->flag, d->expect, v);
		return sbx_err_set(err, EINVAL, "--%s: expected a non-empty value, got \"%s\"", d->flag, v);
	}
}

static bool workpath_ok(const char *v)
{
	return v[0] == '/' && strcmp(v, "/") != 0 && !strstr(v, "..");
}

static bool env_ok(const char *v)
{
	return strchr(v, '=') && v[0] != '=';
}

/* CPUs as a decimal, read exactly to six places like seconds: 0.5 -> 500000 */
static bool cpus_parse(const char *v, uint64_t *ret)
{
	return sbx_parse_seconds_us(v, ret) == 0 && !strpbrk(v, "smu") && *ret >= 10000 && *ret <= CPUS_MAX_PPM;
}

static void push_file(struct sbx_options *o, const char *sandbox, const char *host, const char *text, size_t len,
		      mode_t mode)
{
	o->files = sbx_xrealloc(o->files, (o->n_files + 1) * sizeof(*o->files));
	struct sbx_opt_file f = {.sandbox = sbx_xstrdup(sandbox), .host = host ? sbx_xstrdup(host) : NULL,
				 .mode = mode};
	if (text) {
		f.text = sbx_xmalloc(len + 1);
		memcpy(f.text, text, len);
		f.text[len] = '\0';
		f.text_len = len;
	}
	o->files[o->n_files++] = f;
	o->set[SBX_OPT_FILES] = true;
}

static void push_copy_out(struct sbx_options *o, const char *sandbox, const char *host)
{
	o->copy_out = sbx_xrealloc(o->copy_out, (o->n_copy_out + 1) * sizeof(*o->copy_out));
	o->copy_out[o->n_copy_out++] = (struct sbx_copy){.host = sbx_xstrdup(host), .sandbox = sbx_xstrdup(sandbox)};
	o->set[SBX_OPT_COPY_OUT] = true;
}

int sbx_options_set_str(struct sbx_options *o, const struct sbx_option_def *d, const char *v,
			struct sbx_error *err)
{
	uint64_t u = 0;
	int r;
	if (!v && d->type != SBX_OT_BOOL)
		return sbx_err_set(err, EINVAL, "--%s: missing value", d->flag ? d->flag : d->field);
	switch (d->type) {
	case SBX_OT_STRING:
		if (!*v || (d->id == SBX_OPT_HOSTNAME && !hostname_ok(v)))
			return cli_bad(d, v, err);
		set_str(str_at(o, d), v);
		break;
	case SBX_OT_WORKPATH:
		if (!workpath_ok(v))
			return cli_bad(d, v, err);
		set_str(str_at(o, d), v);
		break;
	case SBX_OT_SIZE:
		if (sbx_parse_size(v, &u) < 0 || u < d->min)
			return cli_bad(d, v, err);
		if (u > INT64_MAX)
			return sbx_err_set(err, ERANGE, "--%s: \"%s\" is too large", d->flag, v);
		*u64_at(o, d) = u;
		break;
	case SBX_OT_SECONDS:
		if (sbx_parse_seconds_us(v, &u) < 0 || u == 0)
			return cli_bad(d, v, err);
		*u64_at(o, d) = u;
		break;
	case SBX_OT_COUNT:
		if (sbx_parse_u64(v, &u) < 0 || u < d->min || u > d->max)
			return cli_bad(d, v, err);
		*u64_at(o, d) = u;
		break;
	case SBX_OT_CPUS:
		if (!cpus_parse(v, &u))
			return cli_bad(d, v, err);
		*u64_at(o, d) = u;
		break;
	case SBX_OT_BOOL: {
		bool b = !v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
		if (v && !b && strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
			return cli_bad(d, v, err);
		*(bool *)((char *)o + d->offset) = b;
		break;
	}
	case SBX_OT_ENUM:
		if (choice_index(d->choices, v) < 0)
			return cli_bad(d, v, err);
		set_str(str_at(o, d), v);
		break;
	case SBX_OT_ENV:
		if (!env_ok(v))
			return cli_bad(d, v, err);
		sbx_strv_push(strv_at(o, d), v);
		break;
	case SBX_OT_FILES:
	case SBX_OT_COPY_OUT: {
		struct sbx_copy cp = {0};
		bool out = d->type == SBX_OT_COPY_OUT;
		if ((r = sbx_copy_parse(v, out, &cp, err)) < 0)
			return r;
		if (out)
			push_copy_out(o, cp.sandbox, cp.host);
		else
			push_file(o, cp.sandbox, cp.host, NULL, 0, 0644);
		free(cp.host);
		free(cp.sandbox);
		break;
	}
	case SBX_OT_TEXT:
		set_str(str_at(o, d), v);
		o->stdin_text_len = strlen(v);
		break;
	case SBX_OT_ARGV:
	default:
		return sbx_err_set(err, EINVAL, "%s: not settable from a string", d->field ? d->field : "?");
	}
	o->set[d->id] = true;
	return 0;
}

void sbx_options_set_argv(struct sbx_options *o, char *const *argv)
{
	sbx_strv_free(o->argv);
	o->argv = sbx_strv_copy(argv);
	o->set[SBX_OPT_ARGV] = true;
}

/* The workdir side of a copy: sbx_copy_inside_ok(), named in messages. */
static int inside_or_fail(const char *path, struct sbx_error *err)
{
	if (!*path)
		return sbx_err_set(err, EINVAL, "empty path (name a file in the workdir)");
	if (!sbx_copy_inside_ok(path))
		return sbx_err_set(err, EINVAL, "\"%s\" must stay inside the workdir (no \"..\")", path);
	return 0;
}

int sbx_options_add_file(struct sbx_options *o, const char *host, const char *sandbox, struct sbx_error *err)
{
	int r = inside_or_fail(sandbox, err);
	if (r < 0)
		return r;
	if (!host || !*host)
		return sbx_err_set(err, EINVAL, "%s: empty host path", sandbox);
	push_file(o, sandbox, host, NULL, 0, 0644);
	return 0;
}

int sbx_options_add_copy_out(struct sbx_options *o, const char *sandbox, const char *host, struct sbx_error *err)
{
	int r = inside_or_fail(sandbox, err);
	if (r < 0)
		return r;
	if (!host || !*host)
		return sbx_err_set(err, EINVAL, "%s: empty host path", sandbox);
	push_copy_out(o, sandbox, host);
	return 0;
}

/* --- values from JSON (job lines) ---------------------------------------------- */

/*
 * A JSON number as decimal text, so that the project's own parsers (exact,
 * no binary floating point) read it: 1.5 -> "1.500000".
 */
static bool number_text(json_object *v, char *buf, size_t size)
{
	if (json_object_is_type(v, json_type_int)) {
		snprintf(buf, size, "%" PRId64, json_object_get_int64(v));
		return true;
	}
	if (json_object_is_type(v, json_type_double)) {
		snprintf(buf, size, "%.6f", json_object_get_double(v));
		return true;
	}
	return false;
}

int sbx_options_json_inside(const char *path, const struct sbx_jloc *loc, struct sbx_error *err)
{
	if (!*path)
		return sbx_json_error(loc, err, "empty path (name a file in the workdir)");
	if (!sbx_copy_inside_ok(path))
		return sbx_json_error(loc, err, "\"%s\" must stay inside the workdir (no \"..\")", path);
	return 0;
}

static int json_nonempty(json_object *v, const struct sbx_jloc *loc, const char **ret, struct sbx_error *err)
{
	int r = sbx_json_str(v, loc, ret, err);
	if (r < 0)
		return r;
	if (!**ret)
		return sbx_json_type_error(loc, v, "a non-empty string", err);
	return 0;
}

static int json_env(struct sbx_options *o, json_object *v, const struct sbx_jloc *loc, struct sbx_error *err)
{
	_cleanup_strv_ char **env = NULL;
	int r;
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, val)
		{
			struct sbx_jloc kl = sbx_jloc_key(loc, k);
			const char *s;
			if (!*k || strchr(k, '='))
				return sbx_json_error(&kl, err, "invalid variable name \"%s\"", k);
			if ((r = sbx_json_str(val, &kl, &s, err)) < 0)
				return r;
			_cleanup_free_ char *kv = sbx_xasprintf("%s=%s", k, s);
			sbx_strv_push(&env, kv);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		if ((r = sbx_json_strv(v, loc, &env, err)) < 0)
			return r;
		for (size_t i = 0; env[i]; i++) {
			if (!env_ok(env[i])) {
				struct sbx_jloc il = sbx_jloc_idx(loc, i);
				return sbx_json_type_error(&il, json_object_array_get_idx(v, i), "\"KEY=VALUE\"", err);
			}
		}
	} else {
		return sbx_json_type_error(loc, v, "an object {\"KEY\": \"VALUE\"} or an array of \"KEY=VALUE\"", err);
	}
	for (size_t i = 0; env && env[i]; i++)
		sbx_strv_push(&o->env, env[i]);
	return 0;
}

static int json_mode(json_object *v, const struct sbx_jloc *loc, mode_t *ret, struct sbx_error *err)
{
	uint64_t m = UINT64_MAX;
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		char *end = NULL;
		errno = 0;
		m = strtoull(s, &end, 8);
		if (!*s || *end || errno)
			m = UINT64_MAX;
	} else if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0) {
		m = json_object_get_uint64(v);
	}
	/* permission bits only: setuid and friends mean nothing in a nosuid workdir */
	if (m > 0777)
		return sbx_json_type_error(loc, v, "a file mode from \"0000\" to \"0777\"", err);
	*ret = (mode_t)m;
	return 0;
}

static int json_text(json_object *v, const struct sbx_jloc *loc, const char **ret, size_t *ret_len,
		     struct sbx_error *err)
{
	/* inline contents may hold any byte, NUL included */
	int r = sbx_json_expect(v, json_type_string, loc, err);
	if (r < 0)
		return r;
	*ret = json_object_get_string(v);
	*ret_len = (size_t)json_object_get_string_len(v);
	if (*ret_len > INLINE_MAX)
		return sbx_json_error(loc, err, "inline contents above %llu bytes", (unsigned long long)INLINE_MAX);
	return 0;
}

static int json_files(struct sbx_options *o, json_object *v, const struct sbx_jloc *loc, struct sbx_error *err)
{
	int r;
	if ((r = sbx_json_expect(v, json_type_object, loc, err)) < 0)
		return r;
	json_object_object_foreach(v, k, val)
	{
		struct sbx_jloc kl = sbx_jloc_key(loc, k);
		if ((r = sbx_options_json_inside(k, &kl, err)) < 0)
			return r;
		const char *host = NULL, *text = NULL;
		size_t text_len = 0;
		mode_t mode = 0644;
		if (json_object_is_type(val, json_type_string)) {
			if ((r = json_nonempty(val, &kl, &host, err)) < 0)
				return r;
		} else if (json_object_is_type(val, json_type_object)) {
			json_object_object_foreach(val, fk, fv)
			{
				struct sbx_jloc fl = sbx_jloc_key(&kl, fk);
				if (!strcmp(fk, "host"))
					r = json_nonempty(fv, &fl, &host, err);
				else if (!strcmp(fk, "text"))
					r = json_text(fv, &fl, &text, &text_len, err);
				else if (!strcmp(fk, "mode"))
					r = json_mode(fv, &fl, &mode, err);
				else
					r = sbx_json_error(&fl, err, "unknown field (expected host, text or mode)");
				if (r < 0)
					return r;
			}
			if (!host == !text)
				return sbx_json_error(&kl, err, "give exactly one of \"host\" and \"text\"");
		} else {
			return sbx_json_type_error(&kl, val, "a host path or {\"text\": ...}", err);
		}
		push_file(o, k, host, text, text_len, mode);
	}
	return 0;
}

static int json_copy_out(struct sbx_options *o, json_object *v, const struct sbx_jloc *loc, struct sbx_error *err)
{
	int r;
	if ((r = sbx_json_expect(v, json_type_object, loc, err)) < 0)
		return r;
	json_object_object_foreach(v, k, val)
	{
		struct sbx_jloc kl = sbx_jloc_key(loc, k);
		const char *host;
		if ((r = sbx_options_json_inside(k, &kl, err)) < 0 || (r = json_nonempty(val, &kl, &host, err)) < 0)
			return r;
		push_copy_out(o, k, host);
	}
	return 0;
}

/* What a valid value is, in JSON words. */
static const char *json_expect(const struct sbx_option_def *d, char *buf, size_t size)
{
	switch (d->type) {
	case SBX_OT_SIZE:
		if (d->expect)
			return d->expect;
		return "a size in bytes (e.g. 1048576 or \"1M\")";
	case SBX_OT_SECONDS:
		return "a number of seconds";
	case SBX_OT_COUNT:
		snprintf(buf, size, "an integer from %" PRIu64 " to %" PRIu64, d->min, d->max);
		return buf;
	case SBX_OT_CPUS:
		return "a number of CPUs from 0.01 to 1024";
	case SBX_OT_ENUM:
		choices_text(d->choices, true, buf, size);
		return buf;
	case SBX_OT_STRING:
	case SBX_OT_WORKPATH:
	case SBX_OT_BOOL:
	case SBX_OT_ENV:
	case SBX_OT_ARGV:
	case SBX_OT_TEXT:
	case SBX_OT_FILES:
	case SBX_OT_COPY_OUT:
	default:
		return "a non-empty string";
	}
}

int sbx_options_set_json(struct sbx_options *o, const struct sbx_option_def *d, json_object *v,
			 const struct sbx_jloc *loc, struct sbx_error *err)
{
	char buf[400], what[160];
	const char *s;
	uint64_t u = 0;
	int r;
	switch (d->type) {
	case SBX_OT_STRING:
		if ((r = json_nonempty(v, loc, &s, err)) < 0)
			return r;
		set_str(str_at(o, d), s);
		break;
	case SBX_OT_WORKPATH:
		if ((r = json_nonempty(v, loc, &s, err)) < 0)
			return r;
		if (!workpath_ok(s))
			return sbx_json_error(loc, err, "\"%s\" must be an absolute path below /", s);
		set_str(str_at(o, d), s);
		break;
	case SBX_OT_SIZE:
		if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0)
			u = json_object_get_uint64(v);
		else if (!json_object_is_type(v, json_type_string) || sbx_parse_size(json_object_get_string(v), &u) < 0)
			return sbx_json_type_error(loc, v, "a size in bytes (e.g. 1048576 or \"1M\")", err);
		if (u < d->min || u > INT64_MAX)
			return sbx_json_type_error(loc, v, json_expect(d, what, sizeof(what)), err);
		*u64_at(o, d) = u;
		break;
	case SBX_OT_SECONDS:
		s = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
			: number_text(v, buf, sizeof(buf)) ? buf
							 : NULL;
		if (!s || sbx_parse_seconds_us(s, &u) < 0 || u == 0)
			return sbx_json_type_error(loc, v, json_expect(d, what, sizeof(what)), err);
		*u64_at(o, d) = u;
		break;
	case SBX_OT_COUNT:
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		    (u = json_object_get_uint64(v)) < d->min || u > d->max)
			return sbx_json_type_error(loc, v, json_expect(d, what, sizeof(what)), err);
		*u64_at(o, d) = u;
		break;
	case SBX_OT_CPUS:
		if (!number_text(v, buf, sizeof(buf)) || !cpus_parse(buf, &u))
			return sbx_json_type_error(loc, v, json_expect(d, what, sizeof(what)), err);
		*u64_at(o, d) = u;
		break;
	case SBX_OT_BOOL:
		if ((r = sbx_json_bool(v, loc, (bool *)((char *)o + d->offset), err)) < 0)
			return r;
		break;
	case SBX_OT_ENUM:
		if ((r = sbx_json_str(v, loc, &s, err)) < 0)
			return r;
		if (choice_index(d->choices, s) < 0)
			return sbx_json_type_error(loc, v, json_expect(d, what, sizeof(what)), err);
		set_str(str_at(o, d), s);
		break;
	case SBX_OT_ENV:
		if ((r = json_env(o, v, loc, err)) < 0)
			return r;
		break;
	case SBX_OT_ARGV: {
		char **argv = NULL;
		if ((r = sbx_json_strv(v, loc, &argv, err)) < 0)
			return r;
		if (!argv[0] || !argv[0][0]) {
			sbx_strv_free(argv);
			return sbx_json_type_error(loc, v, "a non-empty array of strings", err);
		}
		sbx_strv_free(o->argv);
		o->argv = argv;
		break;
	}
	case SBX_OT_TEXT: {
		size_t len;
		if ((r = json_text(v, loc, &s, &len, err)) < 0)
			return r;
		free(o->stdin_text);
		o->stdin_text = sbx_xmalloc(len + 1);
		memcpy(o->stdin_text, s, len + 1);
		o->stdin_text_len = len;
		break;
	}
	case SBX_OT_FILES:
		if ((r = json_files(o, v, loc, err)) < 0)
			return r;
		break;
	case SBX_OT_COPY_OUT:
		if ((r = json_copy_out(o, v, loc, err)) < 0)
			return r;
		break;
	default:
		return sbx_json_error(loc, err, "unsupported option type");
	}
	o->set[d->id] = true;
	return 0;
}

/* --- checks, inline contents, applying ----------------------------------------- */

static int exclusive(const struct sbx_options *o, enum sbx_opt_id a, enum sbx_opt_id b, const struct sbx_jloc *loc,
		     struct sbx_error *err)
{
	const struct sbx_option_def *da = &sbx_option_table[a], *db = &sbx_option_table[b];
	if (!o->set[a] || !o->set[b])
		return 0;
	if (b == SBX_OPT_STDERR_TO_STDOUT && !o->stderr_to_stdout)
		return 0;
	if (!loc)
		return sbx_err_set(err, EINVAL, "--%s and --%s exclude each other", da->flag ? da->flag : da->field,
				   db->flag ? db->flag : db->field);
	struct sbx_jloc l = sbx_jloc_key(loc, db->field);
	return sbx_json_error(&l, err, "\"%s\" and \"%s\" exclude each other", da->field, db->field);
}

int sbx_options_check(const struct sbx_options *o, const struct sbx_jloc *loc, struct sbx_error *err)
{
	int r;
	if ((r = exclusive(o, SBX_OPT_STDIN, SBX_OPT_STDIN_TEXT, loc, err)) < 0 ||
	    (r = exclusive(o, SBX_OPT_STDERR, SBX_OPT_STDERR_TO_STDOUT, loc, err)) < 0)
		return r;
	if (o->set[SBX_OPT_INIT] && o->init && o->set[SBX_OPT_NO_INIT] && o->no_init)
		return sbx_err_set(err, EINVAL, "--init and --no-init exclude each other");
	if (o->set[SBX_OPT_BUNDLE] && o->set[SBX_OPT_ROOTFS])
		return loc ? exclusive(o, SBX_OPT_BUNDLE, SBX_OPT_ROOTFS, loc, err)
			   : sbx_err_set(err, EINVAL, "--rootfs and --bundle exclude each other");
	return 0;
}

static int write_inline(const char *path, const char *data, size_t len, mode_t mode, struct sbx_error *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sbx_err_sys(err, "scratch file %s", path);
	int r = sbx_write_all(fd, data, len);
	if (r < 0)
		return sbx_err_errno(err, r, "scratch file %s", path);
	/* copy-in keeps the permission bits: this is the mode the program sees */
	if (fchmod(fd, mode) < 0)
		return sbx_err_sys(err, "scratch file %s", path);
	return 0;
}

int sbx_options_materialize(struct sbx_options *o, const char *dir, const char *tag, struct sbx_error *err)
{
	for (size_t i = 0; i < o->n_files; i++) {
		struct sbx_opt_file *f = &o->files[i];
		if (!f->text)
			continue;
		free(f->host);
		f->host = sbx_xasprintf("%s/%sf%zu", dir, tag, i);
		if (write_inline(f->host, f->text, f->text_len, f->mode, err) < 0)
			return sbx_err_wrap(err, "files: %s", f->sandbox);
	}
	if (o->set[SBX_OPT_STDIN_TEXT]) {
		free(o->stdin_path);
		o->stdin_path = sbx_xasprintf("%s/%sstdin", dir, tag);
		o->set[SBX_OPT_STDIN] = true;
		if (write_inline(o->stdin_path, o->stdin_text, o->stdin_text_len, 0600, err) < 0)
			return sbx_err_wrap(err, "stdin_text");
	}
	return 0;
}

/* Lists add to what is there (a test's files come on top of the job's); every other value replaces. */
static bool accumulates(const struct sbx_option_def *d)
{
	return d->type == SBX_OT_ENV || d->type == SBX_OT_FILES || d->type == SBX_OT_COPY_OUT;
}

int sbx_options_apply_one(const struct sbx_options *o, enum sbx_opt_id id, struct sbx_config *cfg,
			  struct sbx_error *err)
{
	const struct sbx_option_def *d = &sbx_option_table[id];
	return o->set[id] && d->apply ? d->apply(o, cfg, err) : 0;
}

int sbx_options_apply_under(const struct sbx_options *o, const struct sbx_options *over, struct sbx_config *cfg,
			    struct sbx_error *err)
{
	for (size_t i = 0; i < SBX_OPT__COUNT; i++) {
		if (over && over->set[i] && !accumulates(&sbx_option_table[i]))
			continue;
		int r = sbx_options_apply_one(o, (enum sbx_opt_id)i, cfg, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int sbx_options_apply(const struct sbx_options *o, struct sbx_config *cfg, struct sbx_error *err)
{
	return sbx_options_apply_under(o, NULL, cfg, err);
}

int sbx_options_base_config(const struct sbx_options *o, const char *default_rootfs, char *const *argv,
			    struct sbx_config **ret, struct sbx_error *err)
{
	if (o->set[SBX_OPT_BUNDLE] || (!o->set[SBX_OPT_ROOTFS] && !default_rootfs))
		return sbx_config_load_bundle(o->set[SBX_OPT_BUNDLE] ? o->bundle : ".", ret, err);
	return sbx_config_default(o->set[SBX_OPT_ROOTFS] ? o->rootfs : default_rootfs, argv, ret, err);
}

/* --- help ---------------------------------------------------------------------- */

static void help_row(char **out, const struct sbx_option_def *d)
{
	char left[64], alias[8] = "";
	if (d->short_name)
		snprintf(alias, sizeof(alias), "-%c, ", d->short_name);
	snprintf(left, sizeof(left), "  %s--%s%s%s", alias, d->flag, d->metavar ? " " : "", d->metavar ? d->metavar : "");
	const char *h = d->help;
	size_t pad = strlen(left) < 23 ? 23 - strlen(left) : 1;
	for (;;) {
		const char *nl = strchr(h, '\n');
		int len = nl ? (int)(nl - h) : (int)strlen(h);
		char *prev = *out;
		*out = sbx_xasprintf("%s%s%*s%.*s\n", prev ? prev : "", left, (int)pad, "", len, h);
		free(prev);
		if (!nl)
			break;
		h = nl + 1;
		left[0] = '\0';
		pad = 23;
	}
}

char *sbx_options_help(void)
{
	static const char *const sections[] = {NULL, "Limits", "Files", "Network"};
	char *out = sbx_xstrdup("");
	for (size_t s = 0; s < SBX_ARRAY_SIZE(sections); s++) {
		if (sections[s]) {
			char *prev = out;
			out = sbx_xasprintf("%s\n%s:\n", prev, sections[s]);
			free(prev);
		}
		for (size_t i = 0; i < SBX_OPT__COUNT; i++) {
			const struct sbx_option_def *d = &sbx_option_table[i];
			bool same = sections[s] ? d->section && strcmp(d->section, sections[s]) == 0 : !d->section;
			if (d->flag && d->help && same)
				help_row(&out, d);
		}
	}
	return out;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A plugin host built on libsbxctr: it runs an untrusted plugin program in
 * a sandbox and hands it two pre-opened fds and nothing else:
 *   fd 3  the input file, read-only (opened here, by the host)
 *   fd 4  the write end of a pipe the host reads the plugin's result from
 * The plugin's stdin, stdout and stderr are /dev/null; it has no network
 * (only lo), no capabilities, a read-only root, 64 MiB of memory (where
 * cgroup v2 offers it), 2 s of CPU and the default seccomp profile.
 *
 * Build against an installed libsbxctr:
 *   cc embed.c $(pkg-config --cflags --libs sbxctr) -o embed
 * Run (as root):
 *   ./embed ROOTFS INPUT [-- PLUGIN ARGS...]
 * The default plugin upper-cases its input: /bin/sh -c 'tr a-z A-Z <&3 >&4'.
 * Prints the result, then one line about the run; exits with the plugin's
 * status (sbxctr's convention: 128+N for a signal, 125 for an error).
 */
#define _GNU_SOURCE /* pipe2 */
#include <sbxctr.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int die(const char *what, const sbxctr_error *err)
{
	fprintf(stderr, "embed: %s: %s\n", what, err->message);
	return SBXCTR_EXIT_FAILURE;
}

/* Appends what the plugin wrote so far; returns 1 at EOF. */
static int drain(int fd, char **buf, size_t *len)
{
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if (n == 0)
			return 1;
		char *p = realloc(*buf, *len + (size_t)n + 1);
		if (!p)
			return -1;
		*buf = p;
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
}

int main(int argc, char **argv)
{
	if (argc < 3 || (argc > 3 && strcmp(argv[3], "--") != 0) || argc == 4) {
		fprintf(stderr, "usage: %s ROOTFS INPUT [-- PLUGIN ARGS...]\n", argv[0]);
		return 2;
	}
	const char *const default_plugin[] = {"/bin/sh", "-c", "tr a-z A-Z <&3 >&4", NULL};
	const char *const *plugin = argc > 4 ? (const char *const *)argv + 4 : default_plugin;
	sbxctr_error err = {0};

	int input = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (input < 0) {
		perror(argv[2]);
		return SBXCTR_EXIT_FAILURE;
	}
	int result[2];
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0 || pipe2(result, O_CLOEXEC | O_NONBLOCK) < 0) {
		perror("pipe");
		return SBXCTR_EXIT_FAILURE;
	}

	sbxctr_options *o = sbxctr_options_new();
	if (sbxctr_options_set(o, "rootfs", argv[1], &err) < 0 || sbxctr_options_set_argv(o, plugin, &err) < 0 ||
	    sbxctr_options_set(o, "memory", "64M", &err) < 0 || sbxctr_options_set(o, "time", "2", &err) < 0 ||
	    sbxctr_options_set(o, "wall-time", "10", &err) < 0 || sbxctr_options_set(o, "init", "true", &err) < 0 ||
	    /* a host without cgroup v2 controllers still runs it, with rlimits standing in */
	    sbxctr_options_set(o, "cgroups", "best-effort", &err) < 0 ||
	    sbxctr_options_set_stdio(o, devnull, devnull, devnull, &err) < 0)
		return die("options", &err);
	int in_fd = sbxctr_options_pass_fd(o, input, &err);
	int out_fd = in_fd < 0 ? -1 : sbxctr_options_pass_fd(o, result[1], &err);
	if (in_fd != 3 || out_fd != 4)
		return die("pass_fd", &err);

	sbxctr_sandbox *sb = NULL;
	if (sbxctr_sandbox_create(o, &sb, &err) < 0)
		return die("create", &err);
	sbxctr_options_free(o);
	if (sbxctr_sandbox_start(sb, &err) < 0)
		return die("start", &err);
	/* the sandbox has its own copies: ours would keep the pipe from reaching EOF */
	close(result[1]);
	close(input);

	/* wait, reading the result as it comes (a full pipe would stall the plugin) */
	char *out = NULL;
	size_t out_len = 0;
	int stop = result[0], r;
	while ((r = sbxctr_sandbox_wait(sb, stop, &err)) == -ECANCELED) {
		int eof = drain(result[0], &out, &out_len);
		if (eof != 0)
			stop = -1; /* EOF (or an error): nothing more to read, just wait */
	}
	if (r < 0)
		return die("wait", &err);
	drain(result[0], &out, &out_len);

	const sbxctr_report *rep = sbxctr_sandbox_report(sb);
	fputs(out ? out : "", stdout);
	printf("plugin: %s, exit status %d, cpu %llu us, wall %llu us\n",
	       sbxctr_reason_name(sbxctr_report_reason(rep)), sbxctr_report_exit_status(rep),
	       (unsigned long long)(sbxctr_report_cpu_user_us(rep) + sbxctr_report_cpu_sys_us(rep)),
	       (unsigned long long)sbxctr_report_wall_us(rep));
	int status = sbxctr_report_exit_status(rep);
	free(out);
	sbxctr_sandbox_destroy(sb);
	return status;
}

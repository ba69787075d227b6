/* SPDX-License-Identifier: Apache-2.0 */
/* `sbxctr batch`: arguments, the progress bar and the summary; the scheduler is batch/. */
#include "cli/batch.h"
#include "cli/run.h"
#include "cli/verbs.h"
#include "core/log.h"
#include "core/util.h"
#include "runtime/sandbox.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char batch_usage[] =
	"Usage: sbxctr batch JOBS.jsonl [OPTIONS]\n"
	"\n"
	"Runs every job of JOBS.jsonl (one JSON object per line) in its own sandbox,\n"
	"N at a time, and writes one JSON result line per job as it finishes.\n"
	"\n"
	"  --parallel N      jobs at a time (default: the number of usable CPUs)\n"
	"  --results FILE    append the result lines to FILE (default: standard output)\n"
	"  --resume          keep FILE and skip the jobs whose id it already holds\n"
	"  --pin             give each parallel slot its own CPU (reproducible timing)\n"
	"  --rootfs DIR      rootfs of the jobs that name neither \"rootfs\" nor \"bundle\"\n"
	"  --quiet           no progress and no summary on standard error\n"
	"  -h, --help        this help\n"
	"\n"
	"Exit status: 0 when the batch ran, whatever the verdicts; 125 on a batch-level\n"
	"error; 130, 143 or 129 when SIGINT, SIGTERM or SIGHUP stopped it (running\n"
	"sandboxes are killed, only complete result lines are left: continue with --resume).\n";

/* --- options -------------------------------------------------------------- */

void sbx_batch_cli_free(struct sbx_batch_cli *c)
{
	free(c->o.jobs);
	free(c->o.results);
	free(c->o.rootfs);
	memset(c, 0, sizeof(*c));
}

enum { OPT_PARALLEL = 256, OPT_RESULTS, OPT_PIN, OPT_RESUME, OPT_ROOTFS, OPT_QUIET };

int sbx_cli_parse_batch(int argc, char **argv, struct sbx_batch_cli *c, struct sbx_error *err)
{
	static const struct option longopts[] = {
		{"parallel", required_argument, NULL, OPT_PARALLEL},
		{"results", required_argument, NULL, OPT_RESULTS},
		{"pin", no_argument, NULL, OPT_PIN},
		{"resume", no_argument, NULL, OPT_RESUME},
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"quiet", no_argument, NULL, OPT_QUIET},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(c, 0, sizeof(*c));
	struct sbx_batch_opts *o = &c->o;
	optind = 0;
	opterr = 0;
	int ch;
	uint64_t v;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_PARALLEL:
			if (sbx_parse_u64(optarg, &v) < 0 || v == 0 || v > SBX_BATCH_PARALLEL_MAX)
				return sbx_err_set(err, EINVAL, "--parallel: expected 1 to %d, got \"%s\"",
						   SBX_BATCH_PARALLEL_MAX, optarg);
			o->parallel = (unsigned)v;
			break;
		case OPT_RESULTS:
			free(o->results);
			o->results = sbx_xstrdup(optarg);
			break;
		case OPT_PIN:
			o->pin = true;
			break;
		case OPT_RESUME:
			o->resume = true;
			break;
		case OPT_ROOTFS:
			free(o->rootfs);
			o->rootfs = sbx_xstrdup(optarg);
			break;
		case OPT_QUIET:
			c->quiet = true;
			break;
		case 'h':
			c->help = true;
			return 0;
		default:
			return sbx_cli_getopt_error(ch, argv, "batch", err);
		}
	}
	if (optind >= argc)
		return sbx_err_set(err, EINVAL, "no jobs file (usage: sbxctr batch JOBS.jsonl [OPTIONS])");
	if (argc - optind > 1)
		return sbx_err_set(err, EINVAL, "unexpected argument \"%s\"", argv[optind + 1]);
	o->jobs = sbx_xstrdup(argv[optind]);
	if (o->resume && !o->results)
		return sbx_err_set(err, EINVAL, "--resume needs --results FILE (the results to continue)");
	return 0;
}

/* --- progress ---------------------------------------------------------------- */

static void out_text(struct sbx_batch_cli *b, const char *s)
{
	if (b->pfd >= 0) {
		ssize_t n = write(b->pfd, s, strlen(s));
		(void)n; /* progress is best effort */
	}
}

static void fmt_duration(char *buf, size_t size, uint64_t sec)
{
	if (sec >= 3600)
		snprintf(buf, size, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, sec / 3600, sec / 60 % 60, sec % 60);
	else
		snprintf(buf, size, "%" PRIu64 ":%02" PRIu64, sec / 60, sec % 60);
}

static void clear_bar(struct sbx_batch_cli *b)
{
	if (b->bar_shown)
		out_text(b, "\r\033[K");
	b->bar_shown = false;
}

/*
 * On a terminal, a bar redrawn at most 10 times a second; otherwise a plain
 * line at each tenth of the batch and every 10 s, at most one a second.
 */
static void progress(struct sbx_batch_cli *b, const struct sbx_batch_status *st, bool force)
{
	if (b->quiet || b->pfd < 0 || st->total == 0)
		return;
	uint64_t now = now_us();
	double el = (double)st->elapsed_us / 1e6;
	double rate = el > 0 ? (double)st->done / el : 0;
	char eta[32] = "?";
	if (rate > 0)
		fmt_duration(eta, sizeof(eta), (uint64_t)((double)(st->total - st->done) / rate + 0.5));
	char line[256];
	if (b->tty) {
		if (!force && now - b->last_draw < 100000)
			return;
		b->last_draw = now;
		char bar[26];
		size_t fill = st->done * 24 / st->total;
		for (size_t i = 0; i < 24; i++)
			bar[i] = i < fill ? '#' : '-';
		bar[24] = '\0';
		snprintf(line, sizeof(line), "\r\033[K[%s] %zu/%zu %3zu%%  %.1f jobs/s  ETA %s  failed %zu", bar,
			 st->done, st->total, st->done * 100 / st->total, rate, eta, st->failed);
		out_text(b, line);
		b->bar_shown = true;
		return;
	}
	size_t mark = st->done * 10 / st->total;
	bool due = mark > b->plain_mark || now - b->last_plain >= 10000000;
	if (!due || now - b->last_plain < 1000000 || st->done == st->total)
		return;
	b->plain_mark = mark;
	b->last_plain = now;
	snprintf(line, sizeof(line), "sbxctr batch: %zu/%zu done (%zu%%), %.1f jobs/s, ETA %s, %zu failed\n", st->done,
		 st->total, st->done * 100 / st->total, rate, eta, st->failed);
	out_text(b, line);
}

static void summary(struct sbx_batch_cli *b, const struct sbx_batch_status *st)
{
	if (b->quiet || b->pfd < 0)
		return;
	clear_bar(b);
	double el = (double)st->elapsed_us / 1e6;
	char buf[1024];
	size_t off = 0;
#define SUM(...) off += (size_t)snprintf(buf + off, off < sizeof(buf) ? sizeof(buf) - off : 0, __VA_ARGS__)
	if (st->stop_sig) {
		size_t running = st->running;
		SUM("sbxctr batch: stopped by %s after %zu of %zu jobs; %zu running job(s) killed "
		    "(continue with --resume)\n", strsignal(st->stop_sig), st->done, st->total, running);
	} else {
		SUM("sbxctr batch: %zu jobs in %.2f s (%.1f jobs/s)", st->done, el, el > 0 ? (double)st->done / el : 0);
		if (st->skipped)
			SUM(", %zu skipped (already in the results)", st->skipped);
		SUM("\n");
	}
	SUM("  status: ok %zu, compile-error %zu, internal %zu\n", st->by_status[SBX_BATCH_STATUS_OK], st->by_status[SBX_BATCH_STATUS_COMPILE_ERROR],
	    st->by_status[SBX_BATCH_STATUS_INTERNAL]);
	SUM("  runs by reason:");
	bool any = false;
	for (int r = 0; r < SBX_BATCH_N_REASONS; r++) {
		if (st->runs[r]) {
			SUM("%s %s %" PRIu64, any ? "," : "", sbx_reason_name((enum sbx_reason)r), st->runs[r]);
			any = true;
		}
	}
	SUM("%s\n", any ? "" : " (none)");
	SUM("  cpu: %.3f s (user %.3f s, sys %.3f s)\n", (double)(st->cpu_user_us + st->cpu_sys_us) / 1e6,
	    (double)st->cpu_user_us / 1e6, (double)st->cpu_sys_us / 1e6);
#undef SUM
	out_text(b, buf);
}

static void on_progress(enum sbx_batch_event ev, const struct sbx_batch_status *st, void *userdata)
{
	struct sbx_batch_cli *b = userdata;
	switch (ev) {
	case SBX_BATCH_EV_TICK:
		progress(b, st, false);
		break;
	case SBX_BATCH_EV_JOB:
		progress(b, st, true);
		break;
	case SBX_BATCH_EV_OUTPUT:
		if (st->results_on_tty)
			clear_bar(b);
		break;
	case SBX_BATCH_EV_NOTE:
		if (b->pfd >= 0) {
			clear_bar(b);
			dprintf(b->pfd, "sbxctr batch: %s\n", st->note);
		}
		break;
	case SBX_BATCH_EV_END:
		summary(b, st);
		break;
	case SBX_BATCH_EV_FAILED:
	default:
		clear_bar(b);
		break;
	}
}

int sbx_cmd_batch(int argc, char **argv)
{
	struct sbx_error err = {0};
	struct sbx_batch_cli c;
	int code = SBX_EXIT_FAILURE;
	bool failed;
	if (sbx_cli_parse_batch(argc, argv, &c, &err) < 0) {
		failed = true;
	} else if (c.help) {
		failed = false;
		code = fputs(batch_usage, stdout) < 0 ? SBX_EXIT_FAILURE : 0;
	} else {
		c.pfd = c.quiet ? -1 : STDERR_FILENO;
		c.tty = c.pfd >= 0 && isatty(c.pfd);
		c.last_plain = now_us();
		c.o.results_fd = STDOUT_FILENO;
		c.o.progress = on_progress;
		c.o.progress_data = &c;
		code = sbx_batch_run(&c.o, &err);
		failed = code == SBX_BATCH_FAILED;
	}
	if (failed)
		sbx_log(SBX_LOG_ERROR, "%s", err.msg);
	sbx_batch_cli_free(&c);
	return code;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Load for bench/serve.sh: C clients sharing nothing, each timing its own
 * requests, and the peers timed the same way.
 *
 *   serve_bench http SOCKET BODYFILE N CLIENTS [PACE_US]
 *                                                POST BODYFILE to /v1/run N times (libcurl, one
 *                                                kept connection per client); with PACE_US a
 *                                                client starts a request every PACE_US at most
 *   serve_bench exec N CLIENTS [PACE_US] -- PROGRAM ARGS
 *                                                fork + execve + wait, N times (paced the same way)
 *
 * Prints one line: requests p50_us p99_us rate/s [hits hit_p50_us hit_p99_us]
 * (hits: answers with X-Sbxctr-Pool: hit). A failed request (HTTP status
 * other than 200, or a program that did not exit 0) is counted and fails
 * the whole measurement.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sample {
	double us;
	int hit;
};

struct job {
	const char *sock;
	const char *body;
	char **argv;
	int n; /* this client's share */
	double pace_us;
	struct sample *s;
	atomic_int *failed;
};

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static size_t header(char *p, size_t size, size_t n, void *ud)
{
	static const char h[] = "X-Sbxctr-Pool: hit";
	if (size * n >= sizeof(h) - 1 && strncasecmp(p, h, sizeof(h) - 1) == 0)
		*(int *)ud = 1;
	return size * n;
}

static void *http_client(void *arg)
{
	struct job *j = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, j->sock);
	curl_easy_setopt(c, CURLOPT_URL, "http://localhost/v1/run");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header);
	double start = now_us();
	for (int i = 0; i < j->n; i++) {
		int hit = 0;
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &hit);
		double wait = start + i * j->pace_us - now_us();
		if (wait > 0)
			usleep((useconds_t)wait);
		double t0 = now_us();
		CURLcode rc = curl_easy_perform(c);
		long status = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		j->s[i] = (struct sample){.us = now_us() - t0, .hit = hit};
		if (rc != CURLE_OK || status != 200)
			atomic_fetch_add(j->failed, 1);
	}
	curl_slist_free_all(hd);
	curl_easy_cleanup(c);
	return NULL;
}

static void *exec_client(void *arg)
{
	struct job *j = arg;
	double start = now_us();
	for (int i = 0; i < j->n; i++) {
		double wait = start + i * j->pace_us - now_us();
		if (wait > 0)
			usleep((useconds_t)wait);
		double t0 = now_us();
		pid_t pid = fork();
		if (pid == 0) {
			execv(j->argv[0], j->argv);
			_exit(127);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		j->s[i] = (struct sample){.us = now_us() - t0};
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			atomic_fetch_add(j->failed, 1);
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	if (n == 0)
		return 0;
	int k = (int)(p * (n - 1) + 0.5);
	return v[k];
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: serve_bench http SOCKET BODYFILE N CLIENTS | exec N CLIENTS -- PROGRAM ARGS\n");
		return 2;
	}
	int http = strcmp(argv[1], "http") == 0;
	int n, clients;
	double pace = 0;
	char *body = NULL;
	char **prog = NULL;
	const char *sock = NULL;
	if (http) {
		if (argc != 6 && argc != 7)
			return 2;
		sock = argv[2];
		FILE *f = fopen(argv[3], "r");
		if (!f)
			return perror(argv[3]), 1;
		body = calloc(1, 1 << 20);
		size_t len = fread(body, 1, (1 << 20) - 1, f);
		fclose(f);
		body[len] = '\0';
		n = atoi(argv[4]);
		clients = atoi(argv[5]);
		pace = argc == 7 ? atof(argv[6]) : 0;
		curl_global_init(CURL_GLOBAL_DEFAULT);
	} else {
		int dd = strcmp(argv[4], "--") == 0 ? 4 : 5;
		if (argc < dd + 2 || strcmp(argv[dd], "--") != 0)
			return 2;
		n = atoi(argv[2]);
		clients = atoi(argv[3]);
		pace = dd == 5 ? atof(argv[4]) : 0;
		prog = argv + dd + 1;
	}
	if (n <= 0 || clients <= 0 || clients > 64)
		return 2;
	atomic_int failed = 0;
	struct job jobs[64];
	pthread_t th[64];
	double t0 = now_us();
	for (int k = 0; k < clients; k++) {
		jobs[k] = (struct job){.sock = sock, .body = body, .argv = prog, .n = n / clients + (k < n % clients),
				       .pace_us = pace, .failed = &failed};
		jobs[k].s = calloc((size_t)jobs[k].n, sizeof(struct sample));
		pthread_create(&th[k], NULL, http ? http_client : exec_client, &jobs[k]);
	}
	for (int k = 0; k < clients; k++)
		pthread_join(th[k], NULL);
	double secs = (now_us() - t0) / 1e6;
	double *all = calloc((size_t)n, sizeof(double)), *hits = calloc((size_t)n, sizeof(double));
	int na = 0, nh = 0;
	for (int k = 0; k < clients; k++) {
		for (int i = 0; i < jobs[k].n; i++) {
			all[na++] = jobs[k].s[i].us;
			if (jobs[k].s[i].hit)
				hits[nh++] = jobs[k].s[i].us;
		}
	}
	qsort(all, (size_t)na, sizeof(double), cmp);
	qsort(hits, (size_t)nh, sizeof(double), cmp);
	printf("%d %.0f %.0f %.1f", na, pct(all, na, 0.5), pct(all, na, 0.99), na / secs);
	if (http)
		printf(" %d %.0f %.0f", nh, pct(hits, nh, 0.5), pct(hits, nh, 0.99));
	printf("\n");
	if (failed) {
		fprintf(stderr, "serve_bench: %d requests failed\n", (int)failed);
		return 1;
	}
	return 0;
}

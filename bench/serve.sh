#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The service's cost per request, next to its peers, in one invocation:
#   floor        a bare fork + execve + wait of the host's /bin/true (back to back,
#                and paced like serve-hit: the ratio compares those two)
#   serve-hit    POST /v1/run of /bin/true taking a parked sandbox of the pool
#                (requests paced so that the pool stays full: the latency of a hit)
#   serve-pool   the same as fast as the clients go (hits and misses)
#   serve-cold   the same with --pool 0
#   run          `sbxctr run --init --rootfs R -- /bin/true` per request (a cold sandbox:
#                the same isolation as a job line's default, reaping init included),
#                back to back and paced like serve-hit
#   bwrap        bubblewrap per request (--unshare-all, read-only root, /proc, /dev)
#   batch        `sbxctr batch` of the same job lines, jobs/s (1 and 2 at a time)
# each with 1 and 2 concurrent clients (C threads, libcurl on the Unix socket,
# one kept connection each; bench/serve_bench.c), over ROUNDS interleaved
# rounds so that a busy machine slows every one alike. Printed: p50/p99
# latency and requests/s (medians over the rounds), the targets as ratios
# of the same round (medians), paced against paced and back to back against
# back to back (an idle CPU wakes slower, and more so in a VM): a pool hit's
# p50 <= 2x the floor's, run's p50 >= 5x a pool hit's, the service's
# throughput >= batch's; and the server's RSS after the load and with 100
# live sessions (target < 20 MB).
# Run by hand, as root, after a build:
#   bench/serve.sh [BUILD_DIR] [REQUESTS] [ROUNDS]
# Needs libcurl4-openssl-dev (for the load generator), bubblewrap and curl.
set -eu
B=${1:-build}
N=${2:-1000}
ROUNDS=${3:-3}
SBX=$(realpath "$B/sbxctr")
ROOTFS=$(realpath "$B/rootfs")
here=$(cd "$(dirname "$0")" && pwd)
for t in bwrap curl cc pkg-config; do
	command -v $t >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
done
pkg-config --exists libcurl || { echo "bench: libcurl is missing (apt-get install libcurl4-openssl-dev)" >&2; exit 1; }
work=$(mktemp -d /tmp/sbx-bench.XXXXXX)
chmod 0755 "$work" # the sandboxes traverse their state directory
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/serve_bench" "$here/serve_bench.c" $(pkg-config --cflags --libs libcurl)
LOAD=$work/serve_bench

echo '{"id":"b","argv":["/bin/true"]}' >"$work/body"
i=0
while [ $i -lt "$N" ]; do
	echo "{\"id\":\"j$i\",\"argv\":[\"/bin/true\"]}"
	i=$((i + 1))
done >"$work/jobs.jsonl"

# serve NAME ARGS...: a server on $work/NAME.sock
serve() {
	name=$1
	shift
	"$SBX" serve --quiet --socket "$work/$name.sock" --state-dir "$work/state-$name" --rootfs "$ROOTFS" "$@" &
	PIDS="$PIDS $!"
	eval "PID_$name=$!"
	i=0
	while [ $i -lt 250 ] && ! curl -s -o /dev/null --unix-socket "$work/$name.sock" http://x/v1/health; do
		sleep 0.02
		i=$((i + 1))
	done
}
# the pool full again (between measurements)
refilled() {
	i=0
	while [ $i -lt 400 ] && ! curl -s --unix-socket "$work/pool.sock" http://x/v1/health | grep -q "\"ready\":$POOL}"; do
		sleep 0.05
		i=$((i + 1))
	done
}
POOL=16
serve pool --pool $POOL
serve cold

BW="/usr/bin/bwrap --unshare-all --ro-bind $ROOTFS / --proc /proc --dev /dev --tmpfs /tmp /bin/true"
SLOW=$((N / 10 > 20 ? N / 10 : 20))
res=$work/results
: >"$res"
# one NAME ROUND COMMAND...: appends "NAME ROUND p50 p99 rate [hits hit_p50 hit_p99]"
one() {
	name=$1 round=$2
	shift 2
	echo "$name $round $("$@")" >>"$res"
}
batch() {
	t0=$(date +%s.%N)
	"$SBX" batch "$work/jobs.jsonl" --parallel "$1" --rootfs "$ROOTFS" --quiet --results "$work/out.jsonl"
	t1=$(date +%s.%N)
	awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%d 0 0 %.1f\n", n, n / (b - a) }'
}
r=1
while [ $r -le "$ROUNDS" ]; do
	echo "bench: round $r of $ROUNDS" >&2
	for c in 1 2; do
		one floor-$c $r $LOAD exec "$N" $c -- /bin/true
		# a request every 15 ms per client: the pool (refilled at a lower priority) stays full;
		# the floor paced the same way, for the ratio (an idle CPU wakes slower than a busy one)
		one floor-paced-$c $r $LOAD exec $((N / 4)) $c 15000 -- /bin/true
		refilled
		one serve-hit-$c $r $LOAD http "$work/pool.sock" "$work/body" $((N / 4)) $c 15000
		refilled
		one serve-pool-$c $r $LOAD http "$work/pool.sock" "$work/body" "$N" $c
		one serve-cold-$c $r $LOAD http "$work/cold.sock" "$work/body" "$N" $c
		one run-$c $r $LOAD exec $SLOW $c -- "$SBX" run --init --rootfs "$ROOTFS" -- /bin/true
		one run-paced-$c $r $LOAD exec $SLOW $c 15000 -- "$SBX" run --init --rootfs "$ROOTFS" -- /bin/true
		one bwrap-$c $r $LOAD exec $SLOW $c -- $BW
		one batch-$c $r batch $c
	done
	r=$((r + 1))
done

rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
RSS_LOAD=$(rss "$PID_cold")
for i in $(seq 100); do
	curl -s --unix-socket "$work/cold.sock" -d '{}' http://x/v1/sandboxes >/dev/null
done
SESSIONS=$(curl -s --unix-socket "$work/cold.sock" http://x/v1/health | sed -n 's/.*"sessions":\([0-9]*\).*/\1/p')
RSS_SESS=$(rss "$PID_cold")

awk -v rss_load="$RSS_LOAD" -v rss_sess="$RSS_SESS" -v sessions="$SESSIONS" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = $1; r = $2; p50[k, r] = $4; p99[k, r] = $5; rate[k, r] = $6; total[k, r] = $3
	if (NF >= 9) { hits[k, r] = $7; hp50[k, r] = $8; hp99[k, r] = $9 }
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	if (r > rounds) rounds = r
}
END {
	printf "%-13s %9s %9s %9s   %s\n", "", "p50 us", "p99 us", "req/s", "(medians of " rounds " rounds; serve-*: pool hits, their p50/p99)"
	for (i = 1; i <= nk; i++) {
		k = order[i]; n = 0; nh = 0
		for (r = 1; r <= rounds; r++) {
			a[++n] = p50[k, r]; b[n] = p99[k, r]; c[n] = rate[k, r]
			if (hits[k, r] > 0) { h50[++nh] = hp50[k, r]; h99[nh] = hp99[k, r] }
			share[n] = total[k, r] ? hits[k, r] / total[k, r] : 0
		}
		m50 = median(a, n); m99 = median(b, n); mr = median(c, n)
		if (k ~ /^batch/) printf "%-13s %9s %9s %9.0f\n", k, "-", "-", mr
		else if (k ~ /^serve-(hit|pool)/ && nh)
			printf "%-13s %9.0f %9.0f %9.0f   hits %3.0f%%, at %.0f/%.0f\n", k, m50, m99, mr, 100 * median(share, n),
			       median(h50, nh), median(h99, nh)
		else printf "%-13s %9.0f %9.0f %9.0f\n", k, m50, m99, mr
	}
	print ""
	for (cl = 1; cl <= 2; cl++) {
		n1 = n2 = n3 = n4 = m1 = m2 = 0
		for (r = 1; r <= rounds; r++) {
			h = "serve-hit-" cl
			if (hits[h, r] > 0) {
				x1[++n1] = hp50[h, r] / p50["floor-paced-" cl, r]
				x2[++n2] = p50["run-paced-" cl, r] / hp50[h, r]
			}
			# back to back: the hits among the serve-pool requests, against the unpaced peers
			u = "serve-pool-" cl
			if (hits[u, r] > 0) {
				y1[++m1] = hp50[u, r] / p50["floor-" cl, r]
				y2[++m2] = p50["run-" cl, r] / hp50[u, r]
			}
			x3[++n3] = rate["serve-pool-" cl, r] / rate["batch-" cl, r]
			x4[++n4] = rate["serve-cold-" cl, r] / rate["batch-" cl, r]
		}
		if (n1) {
			printf "%d client(s): paced (a request every 15 ms): pool-hit p50 / floor p50 = %.2f (target <= 2), sbxctr run p50 / pool-hit p50 = %.2f (target >= 5)\n",
			       cl, median(x1, n1), median(x2, n2)
		}
		if (m1) {
			printf "%d client(s): back to back: pool-hit p50 / floor p50 = %.2f (target <= 2), sbxctr run p50 / pool-hit p50 = %.2f (target >= 5)\n",
			       cl, median(y1, m1), median(y2, m2)
		}
		if (!n1 && !m1) {
			printf "%d client(s): no pool hit at all (the refill, at a lower priority, found no CPU)\n", cl
		}
		printf "%d client(s): serve (pool) req/s / batch jobs/s = %.2f, serve (cold) / batch = %.2f (target >= 1)\n",
		       cl, median(x3, n3), median(x4, n4)
	}
	printf "server RSS after the load: %.1f MB; with %d live sessions: %.1f MB (target < 20 MB)\n",
	       rss_load / 1024, sessions, rss_sess / 1024
}' "$res"

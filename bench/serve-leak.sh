#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Nothing of sbxctr serve leaks over REQUESTS requests (default 10,000): runs
# served by the pool, runs started cold, batches, sessions with files and
# commands, every one of them torn down. Every 1,000 requests, once the
# server is quiet again (the pool full, no sandbox left), its open fds,
# threads, mount table (its own namespace), children, the sandbox cgroups
# (where cgroup v2 is usable) and its RSS are printed; the first quiet
# snapshot after a warm-up must equal the last (RSS: within 2 MiB), or the
# script fails. tests/integration/test_serve.sh does the same on 330.
# Run by hand, as root, after a build:
#   bench/serve-leak.sh [BUILD_DIR] [REQUESTS]
set -eu
B=${1:-build}
N=${2:-10000}
SBX=$(realpath "$B/sbxctr")
ROOTFS=$(realpath "$B/rootfs")
command -v curl >/dev/null || { echo "serve-leak: curl is missing" >&2; exit 1; }
work=$(mktemp -d /tmp/sbx-leak.XXXXXX)
chmod 0755 "$work"
SOCK=$work/api.sock
"$SBX" serve --quiet --socket "$SOCK" --state-dir "$work/state" --rootfs "$ROOTFS" --pool 2 &
SRV=$!
trap 'kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; rm -rf "$work"' EXIT
C() { curl -s --unix-socket "$SOCK" "$@"; }
i=0
while [ $i -lt 250 ] && ! C -o /dev/null http://x/v1/health; do sleep 0.02; i=$((i + 1)); done

quiet() {
	i=0
	while [ $i -lt 400 ]; do
		case "$(C http://x/v1/health)" in *'"sandboxes":0,"sessions":0,"pool":{"target":2,"ready":2}'*) break ;; esac
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.3
}
cgroups() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		find /sys/fs/cgroup -type d -name "sbx-$SRV-*" 2>/dev/null | wc -l
	else
		echo "-"
	fi
}
snapshot() {
	printf 'fds=%s threads=%s mounts=%s children=%s cgroups=%s' "$(ls /proc/$SRV/fd | wc -l)" \
		"$(ls /proc/$SRV/task | wc -l)" "$(wc -l </proc/$SRV/mountinfo)" \
		"$(grep -l "^PPid:[[:space:]]*$SRV\$" /proc/[0-9]*/status 2>/dev/null | wc -l)" "$(cgroups)"
}
# anonymous memory: the binary's own pages (RssFile) come in as code paths first run
rss() { sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$SRV/status; }
printf '%s\n' '{"id":"a","argv":["/bin/sh","-c","echo a"]}' '{"id":"b","argv":["/bin/true"],"init":false}' >"$work/jobs"

done_n=0
step() {
	# 10 requests: 5 pooled runs, 2 cold runs, a batch of 2, a session (create, file, exec, delete)
	k=0
	while [ $k -lt 5 ]; do
		C -o /dev/null -d '{"id":"p","argv":["/bin/sh","-c","echo $$"],"capture":true}' http://x/v1/run
		k=$((k + 1))
	done
	C -o /dev/null -d '{"id":"c","argv":["/bin/true"],"init":false}' http://x/v1/run
	C -o /dev/null -d '{"id":"c","argv":["/bin/true"],"pids":64,"cgroups":"best-effort"}' http://x/v1/run
	C -o /dev/null --data-binary @"$work/jobs" http://x/v1/batch
	sid=$(C -d '{}' http://x/v1/sandboxes | sed -n 's/.*"id":"\(s-[0-9a-f]*\)".*/\1/p')
	C -o /dev/null -X PUT --data-binary x "http://x/v1/sandboxes/$sid/files/f"
	C -o /dev/null -d '{"argv":["/bin/cat","f"]}' "http://x/v1/sandboxes/$sid/exec"
	C -o /dev/null -X DELETE "http://x/v1/sandboxes/$sid"
	done_n=$((done_n + 12))
}
first=""
first_rss=0
t0=$(date +%s)
while [ $done_n -lt "$N" ]; do
	step
	if [ $((done_n % 1008)) -lt 12 ] || [ $done_n -ge "$N" ]; then
		quiet
		s=$(snapshot)
		r=$(rss)
		printf '%6d requests, %4ds: %s rss=%s KiB\n' $done_n $(($(date +%s) - t0)) "$s" "$r"
		if [ -z "$first" ] && [ $done_n -ge 1000 ]; then
			first=$s
			first_rss=$r
		fi
	fi
done
last=$s
if [ "$first" != "$last" ] || [ $((r - first_rss)) -gt 2048 ]; then
	echo "serve-leak: FAIL: $first rss=$first_rss -> $last rss=$r"
	exit 1
fi
echo "serve-leak: ok: $N requests; $last; RSS $first_rss -> $r KiB"

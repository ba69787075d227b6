#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# How late the CPU-time limit's kill lands: a shell busy loop run with
# --time LIMIT, N times, with and without --init; prints the median and the
# worst overshoot (CPU reported minus the limit, µs) for each. Run by hand,
# as root, after a build:
#   bench/cpukill.sh [BUILD_DIR] [N] [LIMIT_SECONDS]
# SBXCTR_B=/path/to/other/sbxctr measures a second build in the same rounds
# (interleaved), to weigh a change against the current one.
set -eu
B=${1:-build}
N=${2:-20}
LIMIT=${3:-0.3}
SBX=$(realpath "$B/sbxctr")
ROOTFS=$(realpath "$B/rootfs")
work=$(mktemp -d /tmp/sbx-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
limit_us=$(awk -v s="$LIMIT" 'BEGIN { printf "%d", s * 1000000 }')

# over BIN NAME ARGS...: one run; appends "NAME overshoot_us" to the results
over() {
	bin=$1 name=$2
	shift 2
	rm -f "$work/r.json"
	"$bin" run --rootfs "$ROOTFS" --time "$LIMIT" --report "$work/r.json" "$@" -- /bin/sh -c 'while :; do :; done' \
		2>/dev/null || true
	awk -v n="$name" -v l="$limit_us" -F'[:,]' '
		/"cpu_user_us"/ { u = $2 } /"cpu_sys_us"/ { s = $2 }
		END { print n, u + s - l }' "$work/r.json" >>"$work/res"
}

# a build from before --init became a graded run's default has no --no-init: it needs no flag then
noinit() { if "$1" run --help 2>&1 | grep -q -- --no-init; then echo --no-init; fi; }
NOINIT=$(noinit "$SBX")
[ -n "${SBXCTR_B:-}" ] && NOINIT_B=$(noinit "$SBXCTR_B")
i=0
while [ $i -lt "$N" ]; do
	over "$SBX" init --init
	over "$SBX" no-init $NOINIT
	if [ -n "${SBXCTR_B:-}" ]; then
		over "$SBXCTR_B" b-init --init
		over "$SBXCTR_B" b-no-init $NOINIT_B
	fi
	i=$((i + 1))
done
awk '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ k = $1; c[k]++; v[k, c[k]] = $2; if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
END {
	printf "%-10s %6s %14s %12s\n", "variant", "runs", "median us", "worst us"
	for (i = 1; i <= m; i++) {
		k = order[i]; w = -1e18
		for (j = 1; j <= c[k]; j++) { x[j] = v[k, j]; if (x[j] > w) w = x[j] }
		printf "%-10s %6d %14d %12d\n", k, c[k], median(x, c[k]), w
	}
}' "$work/res"

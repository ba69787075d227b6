#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Batch throughput: N trivial jobs (/bin/true) with 2 at a time, as jobs/s,
# for `sbxctr batch --parallel 2` next to the same loop run by bubblewrap and
# by crun (2 parallel workers each, xargs -P2), in one invocation. Rounds are
# interleaved (sbxctr, bwrap, crun, sbxctr, ...) so that a busy machine slows
# every runtime alike; the medians and the ratios are printed. Run by hand,
# as root, after a build:
#   bench/batch.sh [BUILD_DIR] [JOBS] [ROUNDS]
# Needs bubblewrap and crun (apt-get install bubblewrap crun). crun refuses
# hybrid cgroup hosts, so it runs with --cgroup-manager=disabled inside a
# private mount namespace with an empty tmpfs over /sys/fs/cgroup/unified
# (the host's hierarchy itself is never touched), as in bench/startup.sh.
set -eu
B=${1:-build}
N=${2:-2000}
ROUNDS=${3:-3}
SBX=$(realpath "$B/sbxctr")
ROOTFS=$(realpath "$B/rootfs")
for t in bwrap crun; do
	command -v $t >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
done
work=$(mktemp -d /tmp/sbx-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

i=0
while [ $i -lt "$N" ]; do
	echo "{\"id\":\"j$i\",\"argv\":[\"/bin/true\"]}"
	i=$((i + 1))
done >"$work/jobs.jsonl"

mkdir -p "$work/crun"
(cd "$work/crun" && crun spec >/dev/null)
sed -i -e "s|\"path\": \"rootfs\"|\"path\": \"$ROOTFS\"|" \
	-e 's|"sh"|"/bin/true"|' -e 's|"terminal": true|"terminal": false|' "$work/crun/config.json"
cat >"$work/crun.sh" <<EOS
#!/bin/sh
mount -t tmpfs none /sys/fs/cgroup/unified
seq $N | xargs -P2 -I{} crun --cgroup-manager=disabled --root "$work/crun-state" run -b "$work/crun" "bench-\$\$-{}"
EOS
chmod +x "$work/crun.sh"

now() { date +%s.%N; }
# rate NAME CMD...: runs CMD, appends "NAME jobs/s" to the results
rate() {
	name=$1
	shift
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	echo "$name $(echo "$N / ($t1 - $t0)" | bc -l)" >>"$work/rates"
	printf '  %-7s %8.1f jobs/s\n' "$name" "$(echo "$N / ($t1 - $t0)" | bc -l)" >&2
}

r=1
while [ $r -le "$ROUNDS" ]; do
	echo "round $r/$ROUNDS ($N jobs each)" >&2
	rate sbxctr "$SBX" batch "$work/jobs.jsonl" --rootfs "$ROOTFS" --parallel 2 --quiet --results "$work/out.jsonl"
	ok=$(grep -c '"reason":"none","exit_code":0,' "$work/out.jsonl" || true)
	[ "$ok" = "$N" ] || { echo "bench: sbxctr gave $ok good results of $N" >&2; exit 1; }
	rate bwrap sh -c "seq $N | xargs -P2 -I{} bwrap --unshare-all --ro-bind $ROOTFS / --proc /proc --dev /dev --tmpfs /tmp /bin/true"
	rate crun unshare -m "$work/crun.sh"
	r=$((r + 1))
done

sort -k1,1 -k2,2n "$work/rates" | awk '
{ v[$1, ++n[$1]] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++m] = $1 } }
END {
	for (i = 1; i <= m; i++) {
		k = order[i]; c = n[k]
		med[k] = (c % 2) ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2
	}
	printf "%-8s %12s %14s\n", "runtime", "median job/s", "sbxctr / it"
	for (i = 1; i <= m; i++)
		printf "%-8s %12.1f %14.2f\n", order[i], med[order[i]], med["sbxctr"] / med[order[i]]
}'

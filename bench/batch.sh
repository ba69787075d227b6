#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Batch throughput: N trivial jobs (/bin/true) with 2 at a time, as jobs/s,
# for `sbxctr batch --parallel 2` next to the same loop run by bubblewrap and
# by crun (2 parallel workers each, xargs -P2), in one invocation. Rounds are
# interleaved (sbxctr, bwrap, crun, sbxctr, ...) so that a busy machine slows
# every runtime alike. Printed: the median rate, the median of the per-round
# ratios (robust when the machine's load changes between rounds), and the
# CPU time per job of every process involved (user + system, as GNU time
# counts it; it hardly depends on the load). Run by hand, as root, after a
# build:
#   bench/batch.sh [BUILD_DIR] [JOBS] [ROUNDS]
# SBXCTR_B=/path/to/other/sbxctr adds a second sbxctr build ("sbxctr-b") to
# every round, to weigh a candidate change against the current one.
# SBXCTR_JOB_FIELDS adds fields to every job line, e.g. ',"seccomp":"unconfined"'
# (neither bwrap nor crun's default spec loads a seccomp filter).
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
for t in bwrap crun bc /usr/bin/time; do
	command -v $t >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
done
work=$(mktemp -d /tmp/sbx-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

i=0
while [ $i -lt "$N" ]; do
	echo "{\"id\":\"j$i\",\"argv\":[\"/bin/true\"]${SBXCTR_JOB_FIELDS:-}}"
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

# rate NAME CMD...: runs CMD; appends "NAME ROUND jobs/s cpu-ms/job" to the results
rate() {
	name=$1
	shift
	/usr/bin/time -f "%e %U %S" -o "$work/t" "$@" >/dev/null
	read -r el us sy <"$work/t"
	jps=$(echo "$N / $el" | bc -l)
	cpu=$(echo "($us + $sy) * 1000 / $N" | bc -l)
	echo "$name $r $jps $cpu" >>"$work/rates"
	printf '  %-7s %8.1f jobs/s %7.2f cpu ms/job\n' "$name" "$jps" "$cpu" >&2
}

r=1
while [ $r -le "$ROUNDS" ]; do
	echo "round $r/$ROUNDS ($N jobs each)" >&2
	rate sbxctr "$SBX" batch "$work/jobs.jsonl" --rootfs "$ROOTFS" --parallel 2 --quiet --results "$work/out.jsonl"
	ok=$(grep -c '"reason":"none","exit_code":0,' "$work/out.jsonl" || true)
	[ "$ok" = "$N" ] || { echo "bench: sbxctr gave $ok good results of $N" >&2; exit 1; }
	if [ -n "${SBXCTR_B:-}" ]; then
		rate sbxctr-b "$SBXCTR_B" batch "$work/jobs.jsonl" --rootfs "$ROOTFS" --parallel 2 --quiet \
			--results "$work/out.jsonl"
	fi
	rate bwrap sh -c "seq $N | xargs -P2 -I{} bwrap --unshare-all --ro-bind $ROOTFS / --proc /proc --dev /dev --tmpfs /tmp /bin/true"
	rate crun unshare -m "$work/crun.sh"
	r=$((r + 1))
done

awk '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ rate[$1, $2] = $3; cpu[$1, $2] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++m] = $1 } if ($2 > rounds) rounds = $2 }
END {
	hb = ("sbxctr-b" in seen)
	printf "%-8s %12s %16s%s %12s\n", "runtime", "median job/s", "sbxctr/it (med)", hb ? "  sbxctr-b/it (med)" : "", "cpu ms/job"
	for (i = 1; i <= m; i++) {
		k = order[i]
		for (r = 1; r <= rounds; r++) {
			x[r] = rate[k, r]; y[r] = rate["sbxctr", r] / rate[k, r]; z[r] = cpu[k, r]
			w[r] = hb ? rate["sbxctr-b", r] / rate[k, r] : 0
		}
		printf "%-8s %12.1f %16.2f", k, median(x, rounds), median(y, rounds)
		if (hb)
			printf " %19.2f", median(w, rounds)
		printf " %12.2f\n", median(z, rounds)
	}
}' "$work/rates"

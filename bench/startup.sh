#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Start-up cost of one sandboxed /bin/true: sbxctr (default isolation) next to
# bubblewrap and crun, in one invocation. Run by hand, as root, after a build:
#   bench/startup.sh [BUILD_DIR] [RUNS]
#   bench/startup.sh --user NAME [BUILD_DIR] [RUNS]
# SBXCTR_B=/path/to/other/sbxctr adds a second sbxctr build ("sbxctr-b", same
# flags) to the same invocation, to weigh a change against the current one;
# SBXCTR_ARGS adds flags to both (e.g. "--init", "--rootfs-overlay").
# Needs hyperfine, bubblewrap and crun (apt-get install hyperfine bubblewrap crun).
# crun refuses hybrid cgroup hosts, so it runs with --cgroup-manager=disabled
# inside a private mount namespace with an empty tmpfs over
# /sys/fs/cgroup/unified (the host's hierarchy itself is never touched).
# --user NAME: rootless, everything run by that ordinary user (who must be able
# to reach BUILD_DIR): sbxctr next to bwrap --unshare-all, both as NAME, run by
# run interleaved (bench/interleave.c, built here with cc); sbxctr's state goes
# to a fresh XDG_RUNTIME_DIR of NAME's. "sbxctr-nosc" is the same run with
# --seccomp unconfined (bwrap's command loads no filter): the difference is
# what the default profile costs; "sbxctr-nokeep" is without the slot keepers
# (runtime/keeper.h: with a subordinate range, newuidmap and newgidmap run on
# every start); "sbxctr-first" a slot's first start, which makes its keeper.
set -eu
USER_NAME=""
if [ "${1:-}" = --user ]; then
	USER_NAME=${2:?--user needs a user name}
	shift 2
fi
B=${1:-build}
RUNS=${2:-300}
SBX=$(realpath "$B/sbxctr")
ROOTFS=$(realpath "$B/rootfs")

# medians in ms of hyperfine's JSON ($1), and ratios against sbxctr
report() {
	awk '
	/"command":/ { gsub(/[",]/, "", $2); name = $2 }
	/"median":/ { gsub(/,/, "", $2); med[name] = $2 * 1000; order[++n] = name }
	END {
		printf "%-12s %10s %8s\n", "runtime", "median ms", "x sbxctr"
		for (i = 1; i <= n; i++)
			printf "%-12s %10.2f %8.2f\n", order[i], med[order[i]], med[order[i]] / med["sbxctr"]
	}' "$1"
}

if [ -n "$USER_NAME" ]; then
	for t in hyperfine bwrap setpriv; do
		command -v $t >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
	done
	id "$USER_NAME" >/dev/null || exit 1
	work=$(mktemp -d /tmp/sbx-bench.XXXXXX)
	trap 'rm -rf "$work"' EXIT
	chown "$USER_NAME:" "$work"
	chmod 700 "$work"
	echo "bench: as $USER_NAME (uid $(id -u "$USER_NAME")); $(grep -c "^$USER_NAME:" /etc/subuid 2>/dev/null || true) subuid range(s)"
	as_user() {
		setpriv --reuid="$USER_NAME" --regid="$(id -g "$USER_NAME")" --init-groups \
			env -i PATH=/usr/bin:/bin HOME="$work" XDG_RUNTIME_DIR="$work" "$@"
	}
	# run by run, interleaved (bench/interleave.c): hyperfine's back-to-back runs let a slow patch
	# of this shared machine land on one command only, which moved medians by 10-20 %
	cc -O2 -o "$work/interleave" "$(dirname "$0")/interleave.c"
	as_user "$work/interleave" "$RUNS" 20 \
		sbxctr "$SBX run ${SBXCTR_ARGS:-} --rootfs $ROOTFS -- /bin/true" \
		sbxctr-nosc "$SBX run ${SBXCTR_ARGS:-} --seccomp unconfined --rootfs $ROOTFS -- /bin/true" \
		sbxctr-nokeep "SBXCTR_USERNS_KEEP=0 $SBX run ${SBXCTR_ARGS:-} --rootfs $ROOTFS -- /bin/true" \
		bwrap "bwrap --unshare-all --ro-bind $ROOTFS / --proc /proc --dev /dev --tmpfs /tmp /bin/true"
	# a slot's first start, which makes its keeper (the last one killed before each run)
	as_user hyperfine -N --warmup 2 --runs $((RUNS / 5 + 1)) --export-json "$work/f.json" \
		--prepare "pkill -KILL -x sbxctr-keeper" \
		-n sbxctr-first "$SBX run ${SBXCTR_ARGS:-} --rootfs $ROOTFS -- /bin/true" >/dev/null
	as_user pkill -KILL -x sbxctr-keeper || true
	echo "sbxctr-first (hyperfine, alone): $(awk '/"median":/ {gsub(/,/, "", $2); printf "%.3f ms", $2 * 1000}' "$work/f.json")"
	exit 0
fi
for t in hyperfine bwrap crun; do
	command -v $t >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
done
work=$(mktemp -d /tmp/sbx-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# crun bundle: crun's own default spec, pointed at our rootfs, running /bin/true
mkdir -p "$work/crun"
(cd "$work/crun" && crun spec >/dev/null)
sed -i -e "s|\"path\": \"rootfs\"|\"path\": \"$ROOTFS\"|" \
	-e 's|"sh"|"/bin/true"|' -e 's|"terminal": true|"terminal": false|' "$work/crun/config.json"
cat > "$work/crun.sh" <<EOS
#!/bin/sh
mount -t tmpfs none /sys/fs/cgroup/unified
i=0
exec crun --cgroup-manager=disabled --root "$work/crun-state" run -b "$work/crun" "bench-\$\$"
EOS
chmod +x "$work/crun.sh"

# shellcheck disable=SC2086 # SBXCTR_ARGS splits on purpose
set -- -n sbxctr "$SBX run ${SBXCTR_ARGS:-} --rootfs $ROOTFS -- /bin/true"
[ -n "${SBXCTR_B:-}" ] && set -- "$@" -n sbxctr-b "$SBXCTR_B run ${SBXCTR_ARGS:-} --rootfs $ROOTFS -- /bin/true"
hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$work/r.json" "$@" \
	-n bwrap "bwrap --unshare-all --ro-bind $ROOTFS / --proc /proc --dev /dev --tmpfs /tmp /bin/true" \
	-n crun "unshare -m $work/crun.sh" >/dev/null

report "$work/r.json"

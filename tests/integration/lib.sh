# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the shell integration tests. Source it; call t_done last.
set -u
: "${SBXCTR:?SBXCTR must point at the sbxctr binary}"
: "${SBX_ROOTFS:?SBX_ROOTFS must point at the test rootfs}"
T_FAILS=0
T_COUNT=0
T_TMP=$(mktemp -d /tmp/sbx-test.XXXXXX)
trap 't_cleanup' EXIT

t_cleanup() {
	[ -n "${NETNS_PID:-}" ] && netns_release
	rm -rf "$T_TMP"
}

t_skip_unless_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root"
		exit 77
	fi
}

ok() { T_COUNT=$((T_COUNT + 1)); echo "ok $T_COUNT - $1"; }
not_ok() { T_COUNT=$((T_COUNT + 1)); T_FAILS=$((T_FAILS + 1)); echo "not ok $T_COUNT - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

# check NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: [$2]" "actual:   [$3]"; fi
}
# check_match NAME PATTERN(grep -E) TEXT
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1" "pattern: $2" "text: $3"; fi
}
check_nomatch() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then not_ok "$1" "unexpected: $2" "text: $3"; else ok "$1"; fi
}

# median3 A B C: the middle one
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
# check_cpu_300 WHAT "A B C" "X Y Z": "probe burn 0.3" was reported as A, B and
# C us of CPU in three runs, and "probe burn 0", the same program burning
# nothing, as X, Y and Z (its execve, start-up and exit; after a warm-up run).
# That fixed cost is under 5 ms on real hardware but 10-25 ms in the VM suite,
# where the emulated guest's CPU time includes translating code it has not run
# yet and the host's preemptions of the virtual CPU, and one run's fixed cost
# can differ from the next by 15 ms. So the medians are compared: the 300 ms
# must show above the fixed cost within 30 ms, and the fixed cost itself must
# stay small.
check_cpu_300() {
	# three whole numbers each, or a run failed (a missing value must not pass as 0)
	# shellcheck disable=SC2086 # the lists split on purpose
	if [ "$(printf '%s\n' $2 $3 | grep -cx '[0-9][0-9]*')" != 6 ]; then
		not_ok "$1: CPU accounting" "a run gave no number: \"$2\" / \"$3\""
		return
	fi
	# shellcheck disable=SC2086
	set -- "$1" "$(median3 $2)" "$(median3 $3)" "$2" "$3"
	if [ "$3" -gt 60000 ]; then
		not_ok "$1: CPU accounting" "the same program burning nothing is reported as $5 us"
	elif [ $(($2 - $3)) -ge 270000 ] && [ $(($2 - $3)) -le 330000 ]; then
		ok "$1: 300 ms of CPU is reported as 300 +- 30 ms (medians: $2 us, of which $3 us execve and exit; runs: $4 / $5)"
	else
		not_ok "$1: CPU accounting" "$4 us reported; the same program burning nothing: $5 us"
	fi
}

# sbx ARGS...: runs sbxctr run --rootfs SBX_ROOTFS ARGS; sets OUT, ERR, RC
sbx() {
	"$SBXCTR" run --rootfs "$SBX_ROOTFS" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}

# Leaked sandbox processes: live (non-zombie) processes with an id from
# sbxctr's sandbox ranges (>= 0x40000000) that no running sbxctr supervises
# (walking up the parents, the first process outside the ranges is not an
# sbxctr). Sandboxes of other runtimes running at the same time are not leaks.
# A zombie is dead: it only waits for the host's init to reap it.
sandbox_procs() {
	for s in /proc/[0-9]*/status; do
		awk '/^Name:/ { n = $2 } /^State:/ { z = ($2 == "Z") } /^PPid:/ { pp = $2 } /^Uid:/ { u = $3 }
		     END { split(FILENAME, a, "/"); print a[3], pp, u, n, z }' "$s" 2>/dev/null
	done | awk '
		{ ppid[$1] = $2; uid[$1] = $3; name[$1] = $4; zombie[$1] = $5 }
		END {
			for (p in uid) {
				if (uid[p] < 1073741824 || zombie[p]) continue
				q = p
				while (q in uid && uid[q] >= 1073741824) q = ppid[q]
				if (!(q in name) || name[q] != "sbxctr") print p
			}
		}'
}

mount_count() { wc -l </proc/self/mountinfo; }

# Network namespaces for the tests, held by a process instead of named with
# "ip netns add": that leaves a /run/netns bind mount behind for the life of
# the machine, which a mount-table check would count on a fresh machine only.
# netns_hold sets NETNS_PID (the holder) and NETNS (its /proc path);
# netns_do CMD... runs CMD in it; netns_release ends the holder.
netns_hold() {
	unshare -n sleep 86400 </dev/null >/dev/null 2>&1 &
	NETNS_PID=$!
	NETNS=/proc/$NETNS_PID/ns/net
	# until the holder has its own namespace (unshare runs before the exec)
	i=0
	while [ $i -lt 100 ] && [ "$(readlink $NETNS 2>/dev/null)" = "$(readlink /proc/self/ns/net)" ]; do
		sleep 0.01
		i=$((i + 1))
	done
	[ "$(readlink $NETNS 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ]
}
netns_do() { nsenter --net="$NETNS" "$@"; }
netns_release() {
	kill "$NETNS_PID" 2>/dev/null
	wait "$NETNS_PID" 2>/dev/null
	NETNS_PID="" NETNS=""
}

# Waits (up to 5 s: a loaded machine may take a while to deliver the
# kernel's kills) until no sandbox process is left; prints what is left.
wait_no_sandbox_procs() {
	i=0
	while [ -n "$(sandbox_procs)" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	sandbox_procs | tr '\n' ' ' | sed 's/ $//'
}

# Asserts that nothing of a sandbox survives: processes, host mounts.
check_no_leftovers() {
	p=$(wait_no_sandbox_procs)
	check_eq "$1: no sandbox process left" "" "$p"
	check_eq "$1: host mount table unchanged" "$T_MOUNTS" "$(mount_count)"
}

T_MOUNTS=$(mount_count)

t_done() {
	echo "1..$T_COUNT"
	if [ "$T_FAILS" -gt 0 ]; then
		echo "# $T_FAILS of $T_COUNT failed"
		exit 1
	fi
	exit 0
}

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The verbs engines call on a running container, where they act on its
# cgroup (cgroup v2 with memory and pids; the test VM): ps from the cgroup,
# pause/resume (state "paused", the processes frozen), update (runc's flags
# and --resources - into the live cgroup), events --stats (runc's JSON),
# events' oom line, exec born in the container's cgroup, kill --all, under
# both policies. Skips elsewhere (test_oci and the engine tests cover the
# verbs without a cgroup on the host).
if [ -z "${OCI_REAPED:-}" ]; then
	OCI_REAPED=1 exec "$SBX_HELPERS/oci_reaper" sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
if ! awk '$2 == "/sys/fs/cgroup" && $3 == "cgroup2" { f = 1 } END { exit !f }' /proc/mounts ||
	! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	echo "SKIP: no cgroup v2 with the memory controller at /sys/fs/cgroup (runs in the test VM)"
	exit 77
fi
ROOT="$T_TMP/state"
S() { "$SBXCTR" --root "$ROOT" "$@"; }
B="$T_TMP/bundle"
mkdir -p "$B"
ln -s "$SBX_ROOTFS" "$B/rootfs"
cat >"$B/config.json" <<EOF
{
  "ociVersion": "1.2.0",
  "root": { "path": "rootfs", "readonly": true },
  "process": { "args": ["/bin/sh", "-c", "sleep 1000 & exec sleep 1000"], "cwd": "/", "env": ["PATH=/bin:/usr/local/bin"] },
  "mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" } ],
  "linux": { "namespaces": [ {"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"} ],
             "resources": { "pids": { "limit": 50 }, "memory": { "limit": 268435456 } },
             "cgroupsPath": "/sbxeng-test/c1" }
}
EOF
CG=/sys/fs/cgroup/sbxeng-test/c1

for POLICY in hardened exact; do
	export SBXCTR_POLICY=$POLICY
	S create --bundle "$B" c1 </dev/null >/dev/null 2>&1 && S start c1
	check_eq "[$POLICY] the container runs" "running" "$(S state c1 | sed -n 's/.*"status": "\(.*\)".*/\1/p')"
	i=0; while [ "$(wc -l <"$CG/cgroup.procs")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "[$POLICY] ps --format json: the cgroup's pids" "[$(sort -n "$CG/cgroup.procs" | paste -sd,)]" \
		"$(S ps --format json c1)"

	S pause c1
	check_eq "[$POLICY] pause: state says paused" "paused" "$(S state c1 | sed -n 's/.*"status": "\(.*\)".*/\1/p')"
	check_eq "[$POLICY] pause: the cgroup is frozen" "1" "$(sed -n 's/^frozen //p' "$CG/cgroup.events")"
	out=$(S exec c1 true 2>&1)
	check_match "[$POLICY] exec into a paused container is refused" "is paused" "$out"
	S resume c1
	check_eq "[$POLICY] resume: running again" "running 0" \
		"$(S state c1 | sed -n 's/.*"status": "\(.*\)".*/\1/p') $(sed -n 's/^frozen //p' "$CG/cgroup.events")"
	out=$(S resume c1 2>&1)
	check_match "[$POLICY] resume of a running container is an error" "cannot resume container \"c1\": it is running" "$out"

	S update --memory 128m --pids-limit 20 c1
	check_eq "[$POLICY] update --memory --pids-limit: the live cgroup" "134217728 20" \
		"$(cat "$CG/memory.max") $(cat "$CG/pids.max")"
	echo '{"memory": {"limit": 100000000}, "cpu": {"quota": 50000, "period": 100000}}' | S update --resources - c1
	check_eq "[$POLICY] update --resources -: memory and cpu" "99999744 50000 100000" \
		"$(cat "$CG/memory.max") $(cat "$CG/cpu.max" 2>/dev/null || echo 'no cpu')"
	out=$(S update --memory 1x c1 2>&1)
	check_match "[$POLICY] update: a bad value names the flag" "--memory: expected a size" "$out"

	out=$(S events --stats c1)
	check_match "[$POLICY] events --stats: runc's stats event" '^\{"type":"stats","id":"c1","data":\{"cpu":\{"usage":\{"total":[0-9]+' "$out"
	check_match "[$POLICY] ... with memory and pids from the cgroup" '"pids":\{"current":[0-9]+,"limit":20\}' "$out"

	# exec: born in the container's cgroup, in its pid namespace
	out=$(S exec c1 sh -c 'cat /proc/self/cgroup; echo pid $$')
	check_match "[$POLICY] exec: in the container's cgroup (no cgroup namespace in this config)" "^0::/sbxeng-test/c1$" "$out"
	check_match "[$POLICY] exec: in its pid namespace" "^pid [0-9]+$" "$out"
	S exec -d --pid-file "$T_TMP/xpid" c1 sleep 1000
	XPID=$(cat "$T_TMP/xpid")
	check_match "[$POLICY] exec -d: the process is in the cgroup" "^$XPID\$" "$(cat "$CG/cgroup.procs")"

	# an OOM kill in the container: events reports it
	S events --interval 10s c1 >"$T_TMP/events" 2>&1 &
	EV=$!
	sleep 0.5
	S update --memory 16m c1
	S exec c1 probe hog 64 >/dev/null 2>&1
	i=0; while ! grep -q '"type":"oom"' "$T_TMP/events" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	check_match "[$POLICY] events: the OOM kill as {\"type\":\"oom\"}" '^\{"type":"oom","id":"c1"\}$' "$(cat "$T_TMP/events")"

	S kill --all c1 KILL 2>/dev/null # memory.oom.group may have ended it already
	i=0; while [ -n "$(cat "$CG/cgroup.procs")" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "[$POLICY] kill --all: every process of the cgroup is gone" "" "$(cat "$CG/cgroup.procs")"
	wait $EV
	check_eq "[$POLICY] events ends with the container" 0 $?
	S delete c1
	check_eq "[$POLICY] delete removes the cgroup" "no" "$([ -d "$CG" ] && echo yes || echo no)"
done
rmdir /sys/fs/cgroup/sbxeng-test 2>/dev/null
check_no_leftovers "engine verbs"
t_done

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The OCI lifecycle's cgroups: linux.cgroupsPath (absolute and relative), the
# default "oci-<id>" cgroup, limits written before the init joins, the
# container's own cgroup namespace behind a cgroup mount, --cgroup-manager
# disabled, and delete removing the cgroup. Needs a pure cgroup v2 host with
# the pids controller: it runs in the test VM and skips elsewhere.
if [ -z "${OCI_REAPED:-}" ]; then
	OCI_REAPED=1 exec "$SBX_HELPERS/oci_reaper" sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
if ! awk '$2 == "/sys/fs/cgroup" && $3 == "cgroup2" { f = 1 } END { exit !f }' /proc/mounts ||
	! grep -qw pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	echo "SKIP: no cgroup v2 with the pids controller at /sys/fs/cgroup (runs in the test VM)"
	exit 77
fi
ROOT="$T_TMP/state"
S() { "$SBXCTR" --root "$ROOT" "$@"; }
B="$T_TMP/bundle"
mkdir -p "$B"
ln -s "$SBX_ROOTFS" "$B/rootfs"
OWN_CG=$(sed -n 's/^0:://p' /proc/self/cgroup)
OWN=$OWN_CG
[ "$OWN" = / ] && OWN=""

# bundle CGROUPS_PATH_JSON: pids limit 42, a cgroup mount without a cgroup namespace (as runc spec writes)
bundle() {
	cat >"$B/config.json" <<EOF
{
  "ociVersion": "1.2.0",
  "root": { "path": "rootfs", "readonly": true },
  "process": { "args": ["/bin/sh", "-c", "cat /proc/self/cgroup; cat /sys/fs/cgroup/pids.max; sleep 30"], "cwd": "/", "env": ["PATH=/bin"] },
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro"] },
    { "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "ro"] }
  ],
  "linux": { "namespaces": [ {"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"} ],
             "resources": { "pids": { "limit": 42 } } $1 }
}
EOF
}
pid_of() { S state "$1" 2>/dev/null | sed -n 's/.*"pid": \([0-9]*\).*/\1/p'; }

for POLICY in hardened exact; do
	export SBXCTR_POLICY=$POLICY
	# absolute cgroupsPath: from the cgroup2 root
	bundle ', "cgroupsPath": "/sbxoci-test/c1"'
	S create --bundle "$B" c1 >"$T_TMP/out1" 2>&1
	check_eq "[$POLICY] create with cgroupsPath" "0" "$?"
	PID=$(pid_of c1)
	check_eq "[$POLICY] the init is born in linux.cgroupsPath" "0::/sbxoci-test/c1" "$(cat /proc/$PID/cgroup 2>/dev/null)"
	check_eq "[$POLICY] pids.max written before it joined" "42" "$(cat /sys/fs/cgroup/sbxoci-test/c1/pids.max 2>/dev/null)"
	S start c1
	i=0; while [ "$(wc -l <"$T_TMP/out1")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "[$POLICY] inside: its own cgroup namespace, the cgroup2 mount rooted at its cgroup" "0::/
42" "$(cat "$T_TMP/out1")"
	S delete --force c1
	check_eq "[$POLICY] delete removes the cgroup" "no" "$([ -d /sys/fs/cgroup/sbxoci-test/c1 ] && echo yes || echo no)"
	rmdir /sys/fs/cgroup/sbxoci-test 2>/dev/null

	# relative cgroupsPath: below the runtime's own cgroup
	bundle ', "cgroupsPath": "sbxoci-rel"'
	S create --bundle "$B" c2 >/dev/null 2>&1
	PID=$(pid_of c2)
	check_eq "[$POLICY] a relative cgroupsPath is below the caller's cgroup" "0::$OWN/sbxctr/sbxoci-rel" "$(cat /proc/$PID/cgroup 2>/dev/null)"
	S delete --force c2
	check_eq "[$POLICY] ... and removed by delete" "no" "$([ -d "/sys/fs/cgroup$OWN/sbxctr/sbxoci-rel" ] && echo yes || echo no)"

	# none given: oci-<id> in sbxctr's parent
	bundle ''
	S create --bundle "$B" c3 >/dev/null 2>&1
	PID=$(pid_of c3)
	check_eq "[$POLICY] no cgroupsPath: oci-<id>" "0::$OWN/sbxctr/oci-c3" "$(cat /proc/$PID/cgroup 2>/dev/null)"
	S delete --force c3

	# --cgroup-manager=disabled: no cgroup at all (a limit is then not enforced, as with --cgroups off)
	bundle ', "cgroupsPath": "/sbxoci-off"'
	"$SBXCTR" --root "$ROOT" --cgroup-manager=disabled create --bundle "$B" c4 >/dev/null 2>&1
	PID=$(pid_of c4)
	check_eq "[$POLICY] --cgroup-manager=disabled: the init stays in the caller's cgroup" "0::$OWN_CG" "$(cat /proc/$PID/cgroup 2>/dev/null)"
	check_eq "[$POLICY] ... and nothing is created" "no" "$([ -d /sys/fs/cgroup/sbxoci-off ] && echo yes || echo no)"
	S delete --force c4
done
check_eq "nothing left under --root" "" "$(ls "$ROOT")"
check_no_leftovers "oci cgroups"
t_done

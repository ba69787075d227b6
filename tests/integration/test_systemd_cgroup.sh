#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# --systemd-cgroup (and --cgroup-manager=systemd): linux.cgroupsPath
# "slice:prefix:name" is a transient scope that systemd makes over D-Bus
# with Delegate=yes, the container's cgroup (its limits written before the
# init joins) is below it, and the scope goes when the container does. Bad
# paths are refused with nothing left behind. Needs systemd as pid 1: it
# runs in the test VM's systemd mode (tests/vm/suite-systemd.list) and skips
# elsewhere; the host's own cgroups are never touched.
if [ -z "${OCI_REAPED:-}" ]; then
	OCI_REAPED=1 exec "$SBX_HELPERS/oci_reaper" sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
ROOT="$T_TMP/state"
S() { "$SBXCTR" --root "$ROOT" "$@"; }
B="$T_TMP/bundle"
mkdir -p "$B"
ln -s "$SBX_ROOTFS" "$B/rootfs"
CG=/sys/fs/cgroup

# bundle CGROUPS_PATH_JSON: pids and memory limits
bundle() {
	cat >"$B/config.json" <<EOF
{
  "ociVersion": "1.2.0",
  "root": { "path": "rootfs", "readonly": true },
  "process": { "args": ["/bin/sh", "-c", "sleep 30"], "cwd": "/", "env": ["PATH=/bin"] },
  "mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" } ],
  "linux": { "namespaces": [ {"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"} ],
             "resources": { "pids": { "limit": 42 }, "memory": { "limit": 67108864 } } $1 }
}
EOF
}
pid_of() { S state "$1" 2>/dev/null | sed -n 's/.*"pid": \([0-9]*\).*/\1/p'; }
# gone DIR: waits (up to 10 s) for systemd to remove a stopped scope's cgroup
gone() {
	i=0
	while [ -d "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	[ -d "$1" ] && echo present || echo gone
}

# Without systemd (this host, the test VM's usual mode): a clear error, and
# nothing made or left. Nothing else here can run without it.
if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ]; then
	if [ -S /run/systemd/private ] || [ -S /run/dbus/system_bus_socket ]; then
		echo "SKIP: systemd is not pid 1, but a bus answers: not a place to make scopes"
		exit 77
	fi
	bundle ', "cgroupsPath": "system.slice:sbxtest:n1"'
	S --systemd-cgroup create --bundle "$B" n1 >"$T_TMP/err" 2>&1
	check_eq "no systemd here: --systemd-cgroup create fails with 125" "125" "$?"
	check_match "  ... saying why" "systemd-cgroup.*(is systemd the init here|libsystemd)" "$(cat "$T_TMP/err")"
	check_eq "  ... and leaves no container" "" "$(S list -q 2>/dev/null)"
	ok "# SKIP scopes themselves: systemd is not pid 1 here (tests/vm/suite-systemd.list runs them)"
	t_done
fi

# --- slice:prefix:name -------------------------------------------------------
bundle ', "cgroupsPath": "system.slice:sbxtest:c1"'
S --systemd-cgroup create --bundle "$B" c1 >"$T_TMP/out1" 2>&1
rc=$?
check_eq "--systemd-cgroup create with system.slice:sbxtest:c1" "0" "$rc"
[ "$rc" = 0 ] || sed 's/^/#   /' "$T_TMP/out1"
SCOPE=$CG/system.slice/sbxtest-c1.scope
check_eq "systemd made the scope sbxtest-c1.scope in system.slice" "yes" "$([ -d "$SCOPE" ] && echo yes || echo no)"
if command -v systemctl >/dev/null; then
	check_eq "  ... active, delegated" "active yes" \
		"$(systemctl is-active sbxtest-c1.scope) $(systemctl show -p Delegate --value sbxtest-c1.scope)"
fi
PID=$(pid_of c1)
check_eq "the init is born in the container's cgroup below the scope" \
	"0::/system.slice/sbxtest-c1.scope/sbxctr/oci-c1" "$(cat /proc/$PID/cgroup 2>/dev/null)"
check_eq "pids.max and memory.max written there" "42 67108864" \
	"$(cat "$SCOPE/sbxctr/oci-c1/pids.max" 2>/dev/null) $(cat "$SCOPE/sbxctr/oci-c1/memory.max" 2>/dev/null)"
S start c1
check_eq "start" "0" "$?"
S delete --force c1
check_eq "delete --force" "0" "$?"
check_eq "the scope goes with the container" "gone" "$(gone "$SCOPE")"

# --- --cgroup-manager=systemd, no cgroupsPath: sbxctr-<id>.scope ----------------
bundle ''
S --cgroup-manager=systemd create --bundle "$B" c2 >/dev/null 2>&1
check_eq "--cgroup-manager=systemd without cgroupsPath" "0" "$?"
PID=$(pid_of c2)
check_eq "  ... the scope is system.slice/sbxctr-c2.scope" \
	"0::/system.slice/sbxctr-c2.scope/sbxctr/oci-c2" "$(cat /proc/$PID/cgroup 2>/dev/null)"
S delete --force c2
check_eq "  ... and goes with it" "gone" "$(gone "$CG/system.slice/sbxctr-c2.scope")"

# --- the foreground run verb takes the same path -------------------------------
bundle ', "cgroupsPath": "system.slice:sbxtest:r1"'
sed -i 's|"sleep 30"|"sleep 2"|' "$B/config.json"
S --systemd-cgroup run --bundle "$B" r1 </dev/null >"$T_TMP/run.out" 2>&1 &
RUNPID=$!
i=0
# (a foreground run's own cgroup is "oci-sbxctr": the scope is what names it)
while [ -z "$(ls -d "$CG"/system.slice/sbxtest-r1.scope/sbxctr/oci-* 2>/dev/null)" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
check_match "--systemd-cgroup run: the container's cgroup is below the scope while it runs" "/sbxctr/oci-" \
	"$(ls -d "$CG"/system.slice/sbxtest-r1.scope/sbxctr/oci-* 2>/dev/null)"
wait "$RUNPID"
rc=$?
check_eq "  ... the run ends normally" "0" "$rc"
[ "$rc" = 0 ] || sed 's/^/#   /' "$T_TMP/run.out"
check_eq "  ... and the scope goes with it" "gone" "$(gone "$CG/system.slice/sbxtest-r1.scope")"

# --- bad paths: a clear error, nothing left --------------------------------------
for p in "/not/systemd" "a:b" "system.slice:p:" "nodot:p:n"; do
	bundle ", \"cgroupsPath\": \"$p\""
	S --systemd-cgroup create --bundle "$B" bad >"$T_TMP/err" 2>&1
	rc=$?
	check_eq "cgroupsPath \"$p\": exit 125" "125" "$rc"
	check_match "  ... the error names the field and the value" "linux.cgroupsPath.*$(printf '%s' "$p" | sed 's/[.]/[.]/g')" "$(cat "$T_TMP/err")"
	check_eq "  ... no container state left" "" "$(S list -q 2>/dev/null)"
done
check_eq "no sbxctr scope left in system.slice" "" \
	"$(ls -d $CG/system.slice/sbxtest-* $CG/system.slice/sbxctr-* 2>/dev/null)"

# --- without --systemd-cgroup the slice form is not a path ----------------------
# The cgroupfs manager needs a delegated cgroup to work in (this service's is
# not): the usual way, a scope of our own with Delegate=yes.
bundle ', "cgroupsPath": "system.slice:sbxtest:c3"'
systemd-run --quiet --scope -p Delegate=yes --unit=sbxtest-cgfs \
	"$SBXCTR" --root "$ROOT" create --bundle "$B" c3 >"$T_TMP/err" 2>&1
rc=$?
check_eq "cgroupfs manager with a slice:prefix:name path: created" "0" "$rc"
[ "$rc" = 0 ] || sed 's/^/#   /' "$T_TMP/err"
check_match "  ... with a warning that it needs --systemd-cgroup" "needs --systemd-cgroup" "$(cat "$T_TMP/err")"
PID=$(pid_of c3)
check_eq "  ... in the default cgroup below the caller's" \
	"0::/system.slice/sbxtest-cgfs.scope/sbxctr/oci-c3" "$(cat /proc/$PID/cgroup 2>/dev/null)"
check_eq "  ... and no scope of its own" "no" "$([ -d "$CG/system.slice/sbxtest-c3.scope" ] && echo yes || echo no)"
S delete --force c3
check_eq "  ... the caller's scope goes once it is empty" "gone" "$(gone "$CG/system.slice/sbxtest-cgfs.scope")"

t_done

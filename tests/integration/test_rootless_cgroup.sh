#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# cgroups for an ordinary user: without a delegated subtree the limits fall
# back as --cgroups best-effort has them and --cgroups required says how to
# get one; in a subtree delegated the way systemd does it (the directory and
# its cgroup.procs, cgroup.subtree_control and cgroup.threads chowned to the
# user, the user's process inside it) every limit is a cgroup again. The
# user is a bare uid (no passwd entry: the VM has none to add). Needs a pure
# cgroup v2 host with memory and pids: it runs in the test VM (tests/vm) and
# skips elsewhere.
set -u
if [ -z "${SBX_RLC_PRIVATE:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	exec env SBX_RLC_PRIVATE=1 unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
if ! awk '$2 == "/sys/fs/cgroup" && $3 == "cgroup2" { f = 1 } END { exit !f }' /proc/mounts ||
	! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null ||
	! grep -qw pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	echo "SKIP: no cgroup v2 with memory and pids at /sys/fs/cgroup (runs in the test VM)"
	exit 77
fi
# util-linux's (in the VM, busybox's own comes first in PATH and lacks --reuid)
SETPRIV=""
for s in /usr/bin/setpriv /bin/setpriv setpriv; do
	"$s" --help 2>&1 | grep -q -- --reuid && SETPRIV=$s && break
done
[ -n "$SETPRIV" ] || { echo "SKIP: util-linux's setpriv is not installed"; exit 77; }
if [ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]; then
	echo "SKIP: unprivileged user namespaces are disabled"
	exit 77
fi

N=$((200000 + $$ % 100000)) # a uid nobody uses
CG=/sys/fs/cgroup/sbxt-deleg$$
cg_cleanup() {
	# the user's processes are this test's
	for p in $(pgrep -U "$N"); do kill -KILL "$p" 2>/dev/null; done
	# the delegated subtree, leaves first (the runtime leaves its own leaf to the sweep)
	[ -d "$CG" ] && find "$CG" -depth -type d -exec rmdir {} + 2>/dev/null
	# the rootfs's mount point lies beside the temp directory, never in it
	grep -q " $T_TMP-rootfs " /proc/self/mountinfo && umount "$T_TMP-rootfs"
	rmdir "$T_TMP-rootfs" 2>/dev/null
	t_cleanup
}
trap cg_cleanup EXIT
chmod 755 "$T_TMP"
mkdir -p "$T_TMP/home/xdg" "$T_TMP-rootfs"
chown -R "$N:$N" "$T_TMP/home"
chmod 700 "$T_TMP/home" "$T_TMP/home/xdg"
cp "$SBXCTR" "$T_TMP/sbxctr"
chmod 755 "$T_TMP/sbxctr"
mount --bind "$SBX_ROOTFS" "$T_TMP-rootfs"
R=$T_TMP/home/report.json
field() { tr -d '\n' <"$R" | sed -n "s/.*\"$1\": *\\([^,}]*\\).*/\\1/p"; }

# delegate DIR: a cgroup as systemd delegates one (Delegate=yes) to uid N
delegate() {
	mkdir "$1" && chown "$N:$N" "$1" "$1/cgroup.procs" "$1/cgroup.subtree_control" "$1/cgroup.threads"
}
K=0
# usbx [CGROUP] -- ARGS...: sbxctr run as uid N, started inside a fresh scope delegated
# below CGROUP when given (as each `systemd-run --user --scope -p Delegate=yes` makes one)
usbx() {
	cg=$1
	shift 2
	if [ -n "$cg" ]; then
		K=$((K + 1))
		delegate "$cg/run$K" || { RC=99 OUT="" ERR="cannot make $cg/run$K"; return; }
		cg=$cg/run$K
	fi
	rm -f "$R"
	CG_IN=$cg sh -c '[ -z "$CG_IN" ] || echo $$ >"$CG_IN/cgroup.procs" || exit 99
		exec '"$SETPRIV"' --reuid='"$N"' --regid='"$N"' --clear-groups env -i PATH=/usr/bin:/bin \
		HOME='"$T_TMP/home"' XDG_RUNTIME_DIR='"$T_TMP/home/xdg"' "$@"' sh \
		"$T_TMP/sbxctr" run --rootfs "$T_TMP-rootfs" --report "$R" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}

# --- not delegated: the root cgroup is root's -----------------------------------------------------
usbx "" -- --cgroups required -- /bin/true
check_eq "not delegated, --cgroups required: exit 125" 125 "$RC"
check_match "... naming the missing delegation and how to get it" \
	"not delegated to uid $N.*systemd-run --user --scope -p Delegate=yes" "$ERR"
usbx "" -- --memory 32M -- /bin/true
check_eq "not delegated, --memory: runs best-effort" 0 "$RC"
check_match "... the report lists memory.max unenforced" '"unenforced": *\[ *"memory.max"' "$(tr -d '\n' <"$R")"

# --- a delegated subtree, as systemd makes one ------------------------------------------------------
for c in memory pids; do
	grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control || echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control
done
# the user's slice (as user@UID.service), with the controllers on for the scopes below it
delegate "$CG"
echo "+memory +pids" >"$CG/cgroup.subtree_control"
usbx "$CG" -- --memory 32M --pids 16 -- /bin/true
check_eq "delegated: limits run" 0 "$RC"
check_eq "delegated: nothing unenforced" "[ ]" "$(field unenforced | sed 's/^\[ *\]$/[ ]/')"
check_eq "delegated: the runtime made its cgroups in the user's subtree" "$N" \
	"$(stat -c %u "$CG/run$K/sbxctr" 2>&1)"
check_eq "delegated: the sandbox's cgroup is gone after the run" "" \
	"$(find "$CG" -type d -name 'sbx-*' 2>/dev/null)"
usbx "$CG" -- --memory 32M -- /usr/local/bin/cg_memhog 128
check_eq "delegated: a memory hog ends at the limit" '"memory"' "$(field reason)"
check_match "... OOM-killed" "^[1-9]" "$(field oom_kills)"
usbx "$CG" -- --pids 16 --wall-time 3 -- /usr/local/bin/cg_forkbomb 30
check_eq "delegated: a fork bomb ends at the pids limit" '"pids"' "$(field reason)"
usbx "$CG" -- --cgroups required -- /bin/true
check_eq "delegated: --cgroups required works" 0 "$RC"

check_eq "no process of the uid left" "" "$(pgrep -U "$N" | tr '\n' ' ')"
t_done

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The default sandbox, checked from inside with the static probe: namespaces,
# identity, filesystem, capabilities, fds, exit codes, signals, --init.
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
P=/usr/local/bin/probe

# --- pid namespace -----------------------------------------------------------
sbx -- $P pid
check_eq "program is pid 1" "1" "$OUT"
sbx -- /bin/sh -c "$P pids; true"
check_eq "only the sandbox's own processes are visible (sh and probe)" "1 2" "$(echo $OUT)"

# --- uts -----------------------------------------------------------------------
sbx -- /bin/hostname
check_eq "default hostname" "sbxctr" "$OUT"
sbx --hostname judge-7 -- /bin/hostname
check_eq "--hostname" "judge-7" "$OUT"
check_eq "host's hostname untouched" "$(cat /proc/sys/kernel/hostname)" "$(hostname)"

# --- user namespace -------------------------------------------------------------
sbx -- /bin/cat /proc/self/uid_map
set -- $OUT
check_eq "uid 0 inside is the first id of the map" "0" "${1:-}"
if [ "${2:-0}" -ge 1073741824 ] && [ "${3:-0}" -eq 65536 ]; then ok "root inside maps to an unprivileged host range ($2)"; else not_ok "uid map" "$OUT"; fi
sbx -- /bin/id -u
check_eq "id -u inside" "0" "$OUT"
# from the host: the sandbox's process runs with a high unprivileged uid
"$SBXCTR" run --rootfs "$SBX_ROOTFS" -- $P sleep 2 &
rpid=$!
# until the program runs: during set-up the child still has the runtime's identity
spid=""
for i in $(seq 100); do
	spid=$(pgrep -P $rpid | head -1)
	[ -n "$spid" ] && [ "$(cat /proc/$spid/comm 2>/dev/null)" != sbxctr ] && break
	sleep 0.05
done
huid=$(awk '/^Uid:/ {print $2}' /proc/$spid/status 2>/dev/null)
if [ -n "$huid" ] && [ "$huid" -ge 1073741824 ]; then ok "host sees uid $huid for the sandbox"; else not_ok "host uid of the sandbox" "pid=$spid uid=$huid"; fi
hgroups=$(awk '/^Groups:/ {print $2}' /proc/$spid/status 2>/dev/null)
check_eq "no supplementary groups inherited from the runtime" "" "$hgroups"
wait $rpid

# --- filesystem ----------------------------------------------------------------
sbx -- $P write /newfile
check_eq "writing / fails with EROFS" "open: EROFS" "$OUT"
sbx -- $P write /etc/passwd
check_eq "overwriting a rootfs file fails with EROFS" "open: EROFS" "$OUT"
sbx -- /bin/sh -c "$P write /work/f && $P cwd && ls /work"
check_eq "workdir is writable and the cwd" "ok
/work
f" "$OUT"
check_eq "workdir content is gone after the run" "" "$(ls -A "$SBX_ROOTFS/work")"
sbx -- /bin/sh -c "$P write /tmp/t && $P write /dev/shm/s"
check_eq "/tmp and /dev/shm are writable tmpfs" "ok
ok" "$OUT"
sbx -- $P write /dev/newnode
check_eq "/dev is read-only" "open: EROFS" "$OUT"
sbx -- /bin/sh -c "grep -E ' / ' /proc/self/mountinfo | head -1"
check_match "root is mounted ro,nosuid,nodev" " / ro,nosuid,nodev" "$OUT"
sbx --workdir-size 1M -- /bin/sh -c "dd if=/dev/zero of=/work/big bs=1k count=2048 2>&1; echo rc=\$?"
check_match "workdir size cap (1M) stops a 2M write" "No space left|rc=1" "$OUT"
sbx --workdir /scratch -- $P cwd
check_eq "--workdir moves the workdir and cwd" "/scratch" "$OUT"

# --- masked and read-only paths ------------------------------------------------
# (which of these exist depends on the kernel's configuration)
for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats; do
	[ -e "$f" ] || continue
	sbx -- $P read $f
	check_eq "$f is masked" "ok 0" "$OUT"
done
sbx -- /bin/sh -c "ls -A /sys/firmware | wc -l"
check_eq "/sys/firmware is masked (empty)" "0" "$(echo $OUT)"
if [ -e /proc/sysrq-trigger ]; then
	sbx -- $P write /proc/sysrq-trigger
	check_match "/proc/sysrq-trigger is read-only" "EROFS|EACCES" "$OUT"
fi
sbx -- $P write /proc/sys/kernel/hostname
check_match "/proc/sys is read-only" "EROFS|EACCES" "$OUT"

# --- privileges ----------------------------------------------------------------
sbx -- /bin/sh -c "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status"
check_eq "no capabilities in any set, no_new_privs" "CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000000
CapAmb:	0000000000000000
NoNewPrivs:	1" "$OUT"
sbx -- /bin/sh -c "umask"
check_eq "umask 0022" "0022" "$OUT"

# --- network namespace ------------------------------------------------------------
sbx -- $P links
check_eq "only lo, and it is up" "lo up" "$OUT"
sbx -- /usr/local/bin/net_xfer loop 127.0.0.1 10000
check_eq "TCP over 127.0.0.1 works" "0" "$RC"

# --- fds ---------------------------------------------------------------------------
"$SBXCTR" run --rootfs "$SBX_ROOTFS" -- $P fds 3</etc/hostname 7</etc/hostname >"$T_TMP/fds" 2>&1
check_eq "fds above 2 are closed" "0 1 2" "$(awk '{print $1}' "$T_TMP/fds" | tr '\n' ' ' | sed 's/ $//')"
"$SBXCTR" run --rootfs "$SBX_ROOTFS" --preserve-fds 1 -- $P fds 3</etc/hostname 7</etc/hostname >"$T_TMP/fds" 2>&1
check_eq "--preserve-fds 1 passes fd 3 only" "0 1 2 3" "$(awk '{print $1}' "$T_TMP/fds" | tr '\n' ' ' | sed 's/ $//')"
# (close 3 and 4 first: a test runner may pass some fds down)
"$SBXCTR" run --rootfs "$SBX_ROOTFS" --preserve-fds 2 -- $P fds >/dev/null 2>"$T_TMP/pf" 3<&- 4<&-
check_eq "--preserve-fds with a closed fd is an error" "125" "$?"
check_match "  ... naming the fd" "fd [34] is not open" "$(cat "$T_TMP/pf")"

# --- exit codes and signals ---------------------------------------------------------
sbx -- $P exit 3
check_eq "exit code propagates" "3" "$RC"
sbx -- $P segv
check_eq "killed by SIGSEGV -> 139" "139" "$RC"
sbx --init -- $P raise 9
check_eq "--init: killed by SIGKILL -> 137" "137" "$RC"
sbx -- /nonexistent
check_eq "missing program -> 127" "127" "$RC"
check_match "  ... with a message" "exec \"/nonexistent\"" "$ERR"
sbx -- nosuchcommand
check_eq "program not in PATH -> 127" "127" "$RC"
sbx -- /etc/passwd
check_eq "not executable -> 126" "126" "$RC"
sbx --report "$T_TMP/r.json" -- $P exit 4
check_match "report: exit_code" '"exit_code": 4' "$(cat "$T_TMP/r.json")"
check_match "report: reason none" '"reason": "none"' "$(cat "$T_TMP/r.json")"
sbx --report "$T_TMP/r2.json" -- $P segv
check_match "report: signal 11, exit_code null" '"exit_code": null' "$(cat "$T_TMP/r2.json")"
check_match "report: signal" '"signal": 11' "$(cat "$T_TMP/r2.json")"

for mode in "" "--init"; do
	"$SBXCTR" run --rootfs "$SBX_ROOTFS" $mode -- $P wait-signal >"$T_TMP/sig" 2>&1 &
	rpid=$!
	for i in $(seq 50); do grep -q ready "$T_TMP/sig" 2>/dev/null && break; sleep 0.05; done
	kill -TERM $rpid
	wait $rpid
	rc=$?
	check_eq "SIGTERM is forwarded ${mode:-(pid 1 program)}" "115" "$rc"
done

sbx --init -- $P zombies 5
check_eq "--init reaps orphans" "zombies 0" "$OUT"
sbx -- $P zombies 5
check_match "without --init, a pid 1 that does not reap keeps zombies (the test can fail)" "zombies [1-9]" "$OUT"

# --- the runtime's death kills the sandbox -----------------------------------------------
"$SBXCTR" run --rootfs "$SBX_ROOTFS" -- /bin/sh -c "$P sleep 30 & $P sleep 30" &
rpid=$!
sleep 0.5
before=$(sandbox_procs | wc -l)
kill -KILL $rpid
wait $rpid 2>/dev/null
check_eq "SIGKILL of the runtime kills the sandbox (had $before processes)" "" "$(wait_no_sandbox_procs)"

check_no_leftovers "core"
t_done

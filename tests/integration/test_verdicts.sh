#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Grading verdicts a judge relies on, with and without cgroups (the host has
# none; the VM suite runs the same checks on cgroup v2): signals of a program
# that is not pid 1, CPU and peak memory of the whole tree when a limit kills
# it or when the program leaves children behind, the pids fallback, a batch
# job's own "cgroups" mode, wall time against CPU time, the CPU-limit kill's
# precision.
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
P=/usr/local/bin/probe
R="$T_TMP/report.json"
MIB=1048576

field() { # field NAME: the JSON value of a top-level key in $R (one line)
	grep -E "^  \"$1\":" "$R" | head -1 | sed -e 's/^[^:]*: //' -e 's/,$//'
}
cpu() { echo $(($(field cpu_user_us) + $(field cpu_sys_us))); }
# rep ARGS...: a run with a fresh report (a failed run must not pass with the last one)
rep() {
	rm -f "$R"
	sbx --report "$R" "$@"
	[ -s "$R" ] || echo '  "reason": "no report",' >"$R"
}
cg2_memory() { grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; }
if cg2_memory; then WHERE="cgroup v2"; else WHERE="no cgroup"; fi

# --- --init is the default of a graded run (--time ... or --report) ----------
rep -- $P abort
check_eq "abort() with --report: SIGABRT, as outside a sandbox" "6" "$(field signal)"
rep -- $P raise 9
check_eq "raise(SIGKILL) with --report: the program dies of it" "9" "$(field signal)"
rep --fsize 8k -- $P fsize /work/f 64
check_eq "a file past --fsize: SIGXFSZ, not EFBIG" "25" "$(field signal)"
rep --wall-time 0.3 -- $P raise 19
check_eq "raise(SIGSTOP): the program stops (and the wall-time limit ends it)" '"wall-time"' "$(field reason)"
sbx -- $P raise 9
check_eq "no limit, no report: Docker's pid 1 (a signal without a handler is ignored)" "3" "$RC"
rep --no-init -- $P raise 9
check_eq "--no-init: the program is pid 1 again" "3" "$(field exit_code)"
check_match "--help says when --init is the default" "default with --rootfs when a limit" "$("$SBXCTR" run --help)"

# --- CPU and peak memory of the whole tree -----------------------------------
# (--init explicitly: batch's default, and so what a run without it did before it was the default;
# the VM's emulated CPU needs longer to touch 100 MiB)
hog_time=0.5
[ -n "${SBX_IN_VM:-}" ] && hog_time=4
rep --init --time $hog_time -- $P hogspin 100
check_eq "100 MiB then spin, --time: reason cpu-time" '"cpu-time"' "$(field reason)"
peak=$(field peak_memory_bytes)
if [ "${peak:-0}" -ge $((100 * MIB)) ]; then ok "  ... peak memory is the program's ($peak, $WHERE)"; else not_ok "  ... peak memory of a run killed at --time ($WHERE)" "$peak, expected >= 100 MiB"; fi
hog_wall=1
[ -n "${SBX_IN_VM:-}" ] && hog_wall=8
rep --init --wall-time $hog_wall -- $P hogspin 100
peak=$(field peak_memory_bytes)
if [ "${peak:-0}" -ge $((100 * MIB)) ]; then ok "killed at --wall-time: peak memory is the program's ($peak)"; else not_ok "peak memory of a run killed at --wall-time ($WHERE)" "$peak, expected >= 100 MiB"; fi

rep --init -- $P orphanburn 0.3
c=$(cpu)
if [ "$c" -ge 300000 ]; then ok "a child left running: its CPU is counted ($c us, $WHERE)"; else not_ok "CPU of a child left running ($WHERE)" "$c us, the child burnt 300 ms"; fi
w=$(field wall_us)
if [ "$w" -lt 3000000 ]; then ok "  ... and it is killed when the program ends (wall $w us)"; else not_ok "the child outlived the program" "wall $w us"; fi

# a trivial program: its own peak (under 1 MiB for the static probe), not the runtime's
# set-up: without cgroups the runtime's memory shared until execve, with them its charges.
# Without a cgroup and without --init the program is pid 1, the runtime's clone: its
# ru_maxrss includes the memory it shared with the runtime before its execve (README).
# A sanitized build has no stub: its program starts from a copy of the runtime's memory.
inits="--init --no-init"
cg2_memory || inits=--init
[ -n "${SBX_SANITIZED:-}" ] && ! cg2_memory && inits=""
for init in $inits; do
	rep $init -- $P exit 0
	peak=$(field peak_memory_bytes)
	if [ "${peak:-0}" -gt 0 ] && [ "$peak" -le $((3 * MIB / 2)) ]; then
		ok "trivial program $init: peak $peak ($WHERE)"
	else
		not_ok "trivial program $init: peak ($WHERE)" "$peak bytes; the probe's own is under 1 MiB"
	fi
done

# --- wall time is never below the CPU of a single-threaded run ---------------
# Not in the VM suite: there the guest counts CPU time on a scheduler clock
# that is not in step with its wall clock (QEMU's TCG gives it unsynchronized
# TSCs, marked unstable at boot, and HPET as clocksource), off by several ms
# either way on a run of 25 ms.
if [ -z "${SBX_IN_VM:-}" ]; then
	bad=""
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rep -- $P exit 0
		[ "$(field wall_us)" -ge "$(cpu)" ] || bad="$bad wall $(field wall_us) < cpu $(cpu);"
	done
	check_eq "wall_us >= CPU for a single-threaded program (10 runs)" "" "$bad"
fi

# --- --time: no "unenforced" (the supervisor enforces it), killed on time ----
rep --time 0.2 --cgroups best-effort -- /bin/true
check_nomatch "--time is not listed as unenforced" "cpu-time" "$(grep -A3 '"unenforced"' "$R")"
over=""
for i in 1 2 3 4 5; do
	rep --time 0.2 -- /bin/sh -c 'while :; do :; done'
	over="$over $(($(cpu) - 200000))"
done
med=$(printf '%s\n' $over | sort -n | sed -n 3p)
least=$(printf '%s\n' $over | sort -n | head -1)
if [ "$least" -ge 0 ]; then ok "CPU-limit kill: never before the limit (least overshoot $least us)"; else not_ok "a run killed at --time reports less CPU than the limit" "runs:$over"; fi
# How late: on real hardware within a few scheduler ticks (bench/cpukill.sh
# measures it). In the VM, emulation and the host's own load stretch every
# latency by an unknown factor (a median of 22 ms was seen while other VMs
# ran beside it), so there only the mechanism above is checked.
if [ -n "${SBX_IN_VM:-}" ]; then
	ok "CPU-limit kill: median overshoot $med us in the VM, not checked (runs:$over)"
elif [ "$med" -lt 5000 ]; then
	ok "CPU-limit kill: median overshoot $med us (runs:$over)"
else
	not_ok "CPU-limit kill lands late" "median $med us (runs:$over), limit 5000"
fi

# The mechanism behind the kill's precision: a perf task clock on the run's
# process tree (runtime/supervise.c). Under --init the stub's execute-only
# exec drops the one attached to pid 1, so the program's process asks for
# its own before it runs anything (SBX_MSG_CLOCK).
"$SBXCTR" --debug run --rootfs "$SBX_ROOTFS" --time 1 -- /bin/true >/dev/null 2>"$T_TMP/dbg" </dev/null
if grep -q "no perf task clock" "$T_TMP/dbg"; then
	ok "# SKIP CPU-limit clock: perf events unavailable here ($(grep -o 'no perf task clock ([^)]*)' "$T_TMP/dbg")): the kernel's lagging figures alone decide"
else
	check_match "--init: the CPU clock is attached to the program's own process" \
		"perf task clock on the program's process" "$(cat "$T_TMP/dbg")"
	"$SBXCTR" --debug run --rootfs "$SBX_ROOTFS" --no-init --time 1 -- /bin/true >/dev/null 2>"$T_TMP/dbg" </dev/null
	check_match "--no-init: the CPU clock is attached to pid 1" "perf task clock on pid 1" "$(cat "$T_TMP/dbg")"
	check_nomatch "  ... and not to a program process there is none of" "program's process" "$(cat "$T_TMP/dbg")"
fi
# Two busy children, with and without --init: the clock counts what the
# program forks, and the kill still never lands before the limit.
for mode in --init --no-init; do
	rep --time 0.3 $mode -- /bin/sh -c '(while :; do :; done) & (while :; do :; done) & wait'
	check_match "--time 0.3 $mode, two busy children: killed at the limit" '"cpu-time"' "$(field reason)"
	if [ "$(cpu)" -ge 300000 ]; then
		ok "  ... and not before it ($(cpu) us)"
	else
		not_ok "  ... killed before the limit" "cpu $(cpu) us < 300000"
	fi
done

# --- --pids without a pids controller: RLIMIT_NPROC of the sandbox's own uid --
rep --pids 10 --cgroups best-effort -- $P nproc 40
check_match "--pids 10: init, program and 8 children, then EAGAIN ($WHERE)" "forked 8 of 40 then EAGAIN" "$OUT"
check_nomatch "  ... not listed as unenforced" "pids" "$(field unenforced)"
check_match "  ... listed under limits" '"pids": 10' "$(cat "$R")"

# --- a batch job's own "cgroups" mode -----------------------------------------
J="$T_TMP/jobs.jsonl"
# the sandbox child, already under its own ids, walks down to the attach point in the state dir
chmod 0755 "$T_TMP"
cat >"$J" <<EOF
{"id":"be","argv":["$P","exit","0"],"memory":"256M","cgroups":"best-effort"}
{"id":"off","argv":["$P","exit","0"],"memory":"256M","cgroups":"off"}
{"id":"root","argv":["/bin/sh","-c","grep ' / / ' /proc/self/mountinfo"],"stdout":"$T_TMP/root.out"}
EOF
SBXCTR_STATE_DIR="$T_TMP/state" "$SBXCTR" batch "$J" --rootfs "$SBX_ROOTFS" --quiet --results "$T_TMP/out" </dev/null
be=$(grep '"id":"be"' "$T_TMP/out")
off=$(grep '"id":"off"' "$T_TMP/out")
check_match "batch: \"cgroups\": \"best-effort\" runs with the fallbacks ($WHERE)" '"status":"ok".*"reason":"none","exit_code":0' "$be"
check_match "batch: \"cgroups\": \"off\" makes no cgroup (memory.max unenforced)" '"unenforced":\["memory.max"' "$off"
check_match "batch: a job's root is a private overlay by default" " - overlay " "$(cat "$T_TMP/root.out")"

t_done

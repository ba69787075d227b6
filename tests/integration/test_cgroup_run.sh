#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# cgroup v2 limits through `sbxctr run`, and their verdicts in the report.
# Needs a pure cgroup v2 host with memory, cpu, cpuset and pids: it runs in
# the test VM (tests/vm) and skips elsewhere (hybrid hosts like the dev box).
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
if ! awk '$2 == "/sys/fs/cgroup" && $3 == "cgroup2" { f = 1 } END { exit !f }' /proc/mounts ||
	! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	echo "SKIP: no cgroup v2 with the memory controller at /sys/fs/cgroup (runs in the test VM)"
	exit 77
fi
H=/usr/local/bin
R="$T_TMP/report.json"
field() { grep -E "^  \"$1\":" "$R" | head -1 | sed -e 's/^[^:]*: //' -e 's/,$//'; }
sbx_cgroups() { find /sys/fs/cgroup -type d -name 'sbx-*' 2>/dev/null; }

# memory: the hog is OOM-killed, the report says so, the peak stays under the limit
sbx --memory 64M --report "$R" -- $H/cg_memhog 256
check_eq "memory hog: reason memory" '"memory"' "$(field reason)"
oom=$(field oom_kills)
if [ "${oom:-0}" -ge 1 ]; then ok "memory hog: oom_kills $oom"; else not_ok "memory hog: oom_kills" "$oom"; fi
peak=$(field peak_memory_bytes)
lim=$((64 * 1024 * 1024))
if [ "$peak" -le "$lim" ] && [ "$peak" -ge $((lim * 9 / 10)) ]; then ok "memory hog: 0.9 x limit <= peak ($peak) <= limit"; else not_ok "memory hog: peak" "$peak vs $lim"; fi
sbx --memory 64M --report "$R" -- $H/cg_memhog 16
check_eq "16M under a 64M limit: fine" '"none"' "$(field reason)"

# no escape through swap: swap is 0 whenever memory is limited
if [ "$(awk 'NR > 1' /proc/swaps | wc -l)" -gt 0 ]; then
	sbx --memory 32M --report "$R" -- $H/cg_memhog 96
	check_eq "swap active, --memory 32M: a 96M hog is still killed" '"memory"' "$(field reason)"
else
	ok "# SKIP swap escape: no swap active in this VM"
fi

# the allocation happens before main: the cgroup exists before the program does
sbx --memory 32M --report "$R" -- $H/cg_bss
check_eq "allocation at the first instruction: killed" '"memory"' "$(field reason)"
peak=$(field peak_memory_bytes)
if [ "$peak" -le $((32 * 1024 * 1024)) ]; then ok "  ... and never above the limit ($peak)"; else not_ok "bss peak" "$peak"; fi

# cpu: 0.5 CPU for a 2 s busy loop
# (the program's own figure for its 2 s window: exec and start-up are slow under emulation)
sbx --cpus 0.5 --report "$R" -- $H/cg_spin 2 2
cpu=$(printf '%s\n' "$OUT" | awk '$1 == "spin_cpu_us" { print $2 }')
if [ -n "$cpu" ] && [ "$cpu" -le 1100000 ]; then ok "--cpus 0.5: a 2 s busy loop (2 threads) used ${cpu} us of CPU"; else not_ok "--cpus 0.5" "${cpu:-?} us" "$OUT"; fi

# CPU time over the whole tree from cpu.stat, killed promptly
sbx --time 0.5 --report "$R" -- /bin/sh -c "$H/cg_spin 10 1 & $H/cg_spin 10 1; wait"
check_eq "--time covers the whole tree (cgroup)" '"cpu-time"' "$(field reason)"

# pids: a fork bomb is contained and the run ends
sbx --pids 32 --wall-time 3 --report "$R" -- $H/cg_forkbomb 30
check_eq "fork bomb: reason pids" '"pids"' "$(field reason)"

# cpuset pins
sbx --cpuset 0 -- $H/cg_affinity
check_eq "--cpuset 0 pins to CPU 0" "0" "$OUT"

# bad values and missing controllers
sbx --memory 1Q -- /bin/true
check_match "bad --memory: 125 naming the flag" "--memory" "$ERR"

# the cgroup is gone after every run
check_eq "no sandbox cgroup left after the runs" "" "$(sbx_cgroups)"

# SIGKILL of the runtime: everything inside dies, the next start sweeps the cgroup
"$SBXCTR" run --rootfs "$SBX_ROOTFS" --memory 64M -- $H/cg_sleep 30 >/dev/null 2>&1 &
rpid=$!
i=0
while [ -z "$(sbx_cgroups)" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
left=$(sbx_cgroups)
kill -KILL $rpid
wait $rpid 2>/dev/null
check_eq "SIGKILL of the runtime: no sandbox process left" "" "$(wait_no_sandbox_procs)"
check_match "  ... its cgroup is left behind" "sbx-" "$left"
sbx -- /bin/true
check_eq "  ... and the next start sweeps it" "" "$(sbx_cgroups)"

check_no_leftovers "cgroup runs"
t_done

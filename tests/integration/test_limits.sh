#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Per-run limits, stdio, copy-in/out and the report, on the host (no cgroups
# needed): every reason a real program can produce here.
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
P=/usr/local/bin/probe
R="$T_TMP/report.json"

field() { # field NAME: the JSON value of a top-level key in $R (one line)
	grep -E "^  \"$1\":" "$R" | head -1 | sed -e 's/^[^:]*: //' -e 's/,$//'
}

sbx --report "$R" -- $P exit 3
check_eq "exit 3: exit_code" "3" "$(field exit_code)"
check_eq "exit 3: reason none" '"none"' "$(field reason)"
check_eq "exit 3: signal null" "null" "$(field signal)"

sbx --report "$R" -- $P segv
check_eq "segfault: signal 11" "11" "$(field signal)"
check_eq "segfault: exit_code null" "null" "$(field exit_code)"
check_eq "segfault: reason none" '"none"' "$(field reason)"

sbx --init --report "$R" -- $P raise 9
check_eq "self-SIGKILL: signal 9" "9" "$(field signal)"
check_eq "self-SIGKILL: reason none (not a limit)" '"none"' "$(field reason)"

sbx --time 0.5 --report "$R" -- /bin/sh -c 'while :; do :; done'
check_eq "busy loop: reason cpu-time" '"cpu-time"' "$(field reason)"
check_eq "busy loop: killed (SIGKILL)" "9" "$(field signal)"
cpu=$(( $(field cpu_user_us) + $(field cpu_sys_us) ))
if [ "$cpu" -ge 500000 ] && [ "$cpu" -le 550000 ]; then ok "busy loop: killed within 50 ms of the limit ($cpu us)"; else not_ok "busy loop: CPU at kill" "$cpu us"; fi

sbx --time 1 --report "$R" -- /bin/sh -c "$P burn 0.5 & $P burn 0.6; wait"
check_eq "two processes: the limit covers the whole tree" '"cpu-time"' "$(field reason)"

# a run that fails or writes no report gives "failed", never the previous run's report
cpu_of() {
	rm -f "$R"
	sbx --report "$R" -- "$@"
	if [ "$RC" = 0 ] && [ -s "$R" ]; then echo $(($(field cpu_user_us) + $(field cpu_sys_us))); else echo failed; fi
}
cpu_of $P burn 0 >/dev/null # warm-up: see check_cpu_300
base="$(cpu_of $P burn 0) $(cpu_of $P burn 0) $(cpu_of $P burn 0)"
check_cpu_300 "one process" "$(cpu_of $P burn 0.3) $(cpu_of $P burn 0.3) $(cpu_of $P burn 0.3)" "$base"

sbx --wall-time 0.5 --report "$R" -- $P sleep 5
check_eq "sleep: reason wall-time" '"wall-time"' "$(field reason)"
wall=$(field wall_us)
if [ "$wall" -ge 500000 ] && [ "$wall" -lt 1500000 ]; then ok "sleep: ended after the wall limit ($wall us)"; else not_ok "wall time" "$wall"; fi

"$SBXCTR" run --rootfs "$SBX_ROOTFS" --output-limit 100k --report "$R" -- $P flood >"$T_TMP/flood" 2>/dev/null
check_eq "output flood: reason output" '"output"' "$(field reason)"
check_eq "output flood: exactly the cap reaches stdout" "102400" "$(wc -c <"$T_TMP/flood" | tr -d ' ')"
check_match "output flood: stdout truncated in the report" '"truncated": true' "$(grep -A3 '"stdout"' "$R")"

sbx --output-limit 1M --report "$R" -- /bin/sh -c 'echo hello; echo oops >&2'
check_eq "captured stdout passes through" "hello" "$OUT"
check_eq "captured stderr passes through" "oops" "$ERR"
check_match "stdout bytes counted" '"bytes": 6' "$(grep -A2 '"stdout"' "$R")"
check_match "stderr bytes counted" '"bytes": 5' "$(grep -A2 '"stderr"' "$R")"

echo "input line" >"$T_TMP/in"
sbx --stdin "$T_TMP/in" --stdout "$T_TMP/o" --stderr "$T_TMP/e" -- /bin/sh -c 'cat; echo err >&2'
check_eq "--stdin/--stdout" "input line" "$(cat "$T_TMP/o")"
check_eq "--stderr" "err" "$(cat "$T_TMP/e")"
sbx --stdout "$T_TMP/m" --stderr-to-stdout -- /bin/sh -c 'echo a; echo b >&2'
check_eq "--stderr-to-stdout" "a b" "$(cat "$T_TMP/m" | tr '\n' ' ' | sed 's/ $//')"

sbx --fsize 10k -- /bin/sh -c 'dd if=/dev/zero of=/work/f bs=1k count=20 2>/dev/null; ls -l /work/f' 
check_match "--fsize caps a written file" " 10240 " "$OUT"
sbx --nofile 7 -- /bin/sh -c 'ulimit -n'
check_eq "--nofile" "7" "$OUT"
sbx --stack 1M -- /bin/sh -c 'ulimit -s'
check_eq "--stack" "1024" "$OUT"
sbx -- /bin/sh -c 'ulimit -c'
check_eq "no core dumps" "0" "$OUT"

# copy-in and copy-out, and escapes that must fail
mkdir -p "$T_TMP/src/sub"
echo alpha >"$T_TMP/src/a"
echo beta >"$T_TMP/src/sub/b"
echo "host secret" >"$T_TMP/secret"
sbx --copy-in "$T_TMP/src:in" --copy-out out:"$T_TMP/out" --report "$R" -- /bin/sh -c 'cat in/a in/sub/b > out'
check_eq "copy-in a tree, copy-out a file" "alpha
beta" "$(cat "$T_TMP/out")"
check_eq "  ... exit 0" "0" "$RC"
sbx --copy-out link:"$T_TMP/l1" --report "$R" -- /bin/sh -c "ln -s $T_TMP/secret link"
check_eq "copy-out refuses a planted symlink" "" "$(cat "$T_TMP/l1" 2>/dev/null)"
check_match "  ... and says why" 'a symlink is never followed' "$(grep -A5 copy_out "$R")"
sbx --copy-out d/x:"$T_TMP/l2" -- /bin/sh -c "ln -s /etc d; true"
check_eq "copy-out refuses a symlinked directory component" "" "$(cat "$T_TMP/l2" 2>/dev/null)"
sbx --copy-in "$T_TMP/secret:s" --copy-out h:"$T_TMP/l3" -- /bin/sh -c "ln s h"
check_eq "copy-out refuses a hard link" "" "$(cat "$T_TMP/l3" 2>/dev/null)"
check_match "  ... naming the links" "hard links, refused" "$ERR"
sbx --copy-out f:"$T_TMP/l4" -- /bin/sh -c "mkfifo f"
check_match "copy-out refuses a FIFO without blocking" "not a regular file" "$ERR"
sbx --copy-out big:"$T_TMP/l5" --copy-out-max 1k -- /bin/sh -c "dd if=/dev/zero of=big bs=2k count=1 2>/dev/null"
check_match "copy-out size cap" "above the 1024-byte cap" "$ERR"

# bad limit values: clear errors, exit 125
for bad in "--time abc" "--time 0" "--wall-time -1" "--output-limit 10Q" "--fsize x" "--nofile 0" "--stack huge" "--copy-in nocolon" "--copy-out ../x:/tmp/y"; do
	sbx $bad -- /bin/true
	flag=${bad%% *}
	if [ "$RC" = 125 ] && printf '%s' "$ERR" | grep -q -- "$flag"; then ok "bad value: $bad -> 125 naming the flag"; else not_ok "bad value: $bad" "rc=$RC" "$ERR"; fi
done

# the report says internal when sbxctr itself fails
"$SBXCTR" run --rootfs /nonexistent --report "$R" -- /bin/true 2>/dev/null
check_eq "internal error: reason internal" '"internal"' "$(field reason)"
check_match "internal error: message in the report" '"error": ".*nonexistent' "$(cat "$R")"
sbx --meta "$T_TMP/meta" -- $P exit 2
check_match "isolate-style --meta" "^exitcode:2$" "$(cat "$T_TMP/meta")"
check_match "  ... status RE" "^status:RE$" "$(cat "$T_TMP/meta")"

check_no_leftovers "limits"
t_done

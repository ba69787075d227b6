#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sbxctr batch: every reason from a real program, 200 mixed jobs checked one
# by one, an interrupted batch and --resume, bad job lines, compile then run,
# several tests per job, --pin, and the exit status of the batch itself.
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
P=/usr/local/bin/probe
J="$T_TMP/jobs.jsonl"
O="$T_TMP/out.jsonl"
# a state directory of its own: what an earlier, interrupted run left in
# /run/sbxctr must not decide whether "no scratch directory left" holds
export SBXCTR_STATE_DIR="$T_TMP/state"
# the sandbox child, already under its own ids, walks down to the attach point there
chmod 0755 "$T_TMP"
STATE=$SBXCTR_STATE_DIR

skip() { T_COUNT=$((T_COUNT + 1)); echo "ok $T_COUNT - $1 # SKIP $2"; }

# Every process of this test's batches carries TAG in its environment: the
# scheduler and workers (sbxctr's own environment), each sandbox's init (a
# copy of a worker) and the programs (the jobs' env). Other sessions' sandboxes
# on the same machine use the same uid ranges; the tag tells ours apart.
TAG="SBX_TEST_TAG=$T_TMP"
JENV="\"env\":{\"SBX_TEST_TAG\":\"$T_TMP\"}"
tagged_procs() {
	for e in $(grep -lzxF "$TAG" /proc/[0-9]*/environ 2>/dev/null); do
		awk '/^State:/ { if ($2 != "Z") { split(FILENAME, a, "/"); print a[3] } }' "${e%/environ}/status" 2>/dev/null
	done
}
# check_clean NAME: nothing of this test's batches is left: process, mount, scratch directory
check_clean() {
	sleep 0.05
	check_eq "$1: no batch or sandbox process left" "" "$(tagged_procs | tr '\n' ' ')"
	check_eq "$1: host mount table unchanged" "$T_MOUNTS" "$(mount_count)"
	check_eq "$1: no scratch directory left" "" "$(ls "$STATE/batch" 2>/dev/null | grep -v '^$' | tr '\n' ' ')"
}

# batch ARGS...: sbxctr batch on the test rootfs; sets RC and ERR
batch() {
	env "$TAG" "$SBXCTR" batch --rootfs "$SBX_ROOTFS" "$@" >"$T_TMP/bout" 2>"$T_TMP/berr" </dev/null
	RC=$?
	ERR=$(cat "$T_TMP/berr")
}
# res ID [FILE]: the result line of job ID
res() { grep -F "{\"id\":\"$1\"," "${2:-$O}"; }
# val KEY LINE: the value of the last "KEY": in LINE, without quotes
val() { printf '%s\n' "$2" | sed -En "s/.*\"$1\":(\"[^\"]*\"|[^,}]*).*/\1/p" | tr -d '"'; }
# nlines FILE: its number of lines (0 when it does not exist yet)
nlines() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }

# --- every reason a real program can produce ----------------------------------
cat >"$J" <<EOF
{"id":"exit3","argv":["$P","exit","3"]}
{"id":"segv","argv":["$P","segv"]}
{"id":"selfkill","argv":["$P","raise","9"]}
{"id":"busy","argv":["/bin/sh","-c","while :; do :; done"],"time":0.3}
{"id":"sleep","argv":["$P","sleep","5"],"wall_time":"300ms"}
{"id":"flood","argv":["$P","flood"],"output_limit":"64k"}
{"id":"burn","argv":["$P","burn","0.3"]}
not json
{"id":"bad-time","argv":["/bin/true"],"time":"x"}
{"id":"bad-field","argv":["/bin/true"],"tme":1}
{"argv":["/bin/true"]}
{"id":"exit3","argv":["/bin/true"]}
{"id":"after-bad","argv":["$P","exit","0"]}
{"id":"burnb","argv":["$P","burn","0.3"]}
{"id":"burnc","argv":["$P","burn","0.3"]}
{"id":"burn0a","argv":["$P","burn","0"]}
{"id":"burn0b","argv":["$P","burn","0"]}
{"id":"burn0c","argv":["$P","burn","0"]}
EOF
batch "$J" --parallel 2 --results "$O"
check_eq "reasons: the batch ran (exit 0)" "0" "$RC"
check_eq "reasons: one line per job line" "18" "$(wc -l <"$O" | tr -d ' ')"
l=$(res exit3)
check_eq "exit 3: exit_code 3, reason none" "3 none null" "$(val exit_code "$l") $(val reason "$l") $(val signal "$l")"
l=$(res segv)
check_eq "segfault: signal 11, reason none" "null none 11" "$(val exit_code "$l") $(val reason "$l") $(val signal "$l")"
l=$(res selfkill)
check_eq "self-SIGKILL under the batch's init: signal 9, reason none" "none 9" "$(val reason "$l") $(val signal "$l")"
l=$(res busy)
check_eq "busy loop: reason cpu-time" "cpu-time" "$(val reason "$l")"
check_eq "  ... wall_time defaults to 3 x time + 1 s" "1900000" "$(val wall_time_us "$l")"
l=$(res sleep)
check_eq "sleep: reason wall-time" "wall-time" "$(val reason "$l")"
l=$(res flood)
check_eq "output flood: reason output" "output" "$(val reason "$l")"
check_match "  ... stdout capped and marked truncated" '"stdout":\{"bytes":65536,"truncated":true\}' "$l"
# a job without an ok line gives "failed" (its CPU fields would be null, which sh takes for 0)
cpu_of() {
	l=$(res "$1")
	case $l in *'"status":"ok"'*) echo $(($(val cpu_user_us "$l") + $(val cpu_sys_us "$l"))) ;; *) echo failed ;; esac
}
check_cpu_300 "in a batch" "$(cpu_of burn) $(cpu_of burnb) $(cpu_of burnc)" "$(cpu_of burn0a) $(cpu_of burn0b) $(cpu_of burn0c)"
l=$(res burn)
check_eq "  ... wall_time defaults to 60 s without time" "60000000" "$(val wall_time_us "$l")"

# bad job lines: an internal line each, naming the line and the field; the batch goes on
l=$(grep '"line":8,' "$O")
check_match "invalid JSON: internal, id null" '^\{"id":null,"line":8,"status":"internal",.*"reason":"internal"' "$l"
check_eq "bad time: the error names the line and the field" \
	"$J:9: time: expected a number of seconds, got \\\"x\\\"" "$(printf '%s' "$(res bad-time)" | sed -n 's/.*"error":"\(.*\)"}$/\1/p')"
check_match "misspelt field: unknown field" "\"error\":\"[^\"]*:10: tme: unknown field\"" "$(res bad-field)"
check_match "missing id" '"line":11,"status":"internal".*id: missing' "$(grep '"line":11,' "$O")"
check_match "duplicate id: internal, by line number" '"id":null,"line":12,.*already the id of line 1' "$(grep '"line":12,' "$O")"
check_eq "the first exit3 is the one that ran" "1" "$(grep -c '"id":"exit3"' "$O")"
check_match "a good job after the bad lines ran" '"status":"ok".*"exit_code":0' "$(res after-bad)"
check_match "summary: counts by reason" "runs by reason: none [0-9]+, cpu-time 1, wall-time 1, output 1" "$ERR"
check_match "summary: status counts" "status: ok 13, compile-error 0, internal 5" "$ERR"

# --- reasons that need cgroups or seccomp: the VM suite and the seccomp work run them
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if ! "$SBXCTR" run --help | grep -q -- '--memory'; then
	skip "malloc bomb -> memory; fork bomb -> pids" "sbxctr has no cgroup limits yet (no --memory)"
elif [ -z "$cg2" ] || ! grep -qw memory "$cg2/cgroup.controllers" || ! grep -qw pids "$cg2/cgroup.controllers"; then
	skip "malloc bomb -> memory; fork bomb -> pids" "no cgroup v2 memory and pids controllers here (the VM suite runs it)"
else
	cat >"$J" <<EOF
{"id":"mem","argv":["$P","hog","512"],"memory":"32M","wall_time":20}
{"id":"pids","argv":["$P","forkbomb"],"pids":16,"wall_time":20}
{"id":"mem-small","argv":["$P","hog","512"],"memory":"8M","wall_time":20}
{"id":"mem-noinit","argv":["$P","hog","512"],"memory":"32M","init":false,"wall_time":20}
{"id":"after-oom","argv":["/bin/true"]}
EOF
	# the OOM kills happen next to a worker whose memory the sandbox child
	# shared during set-up (runtime/spawn.h): the workers must survive them
	batch "$J" --parallel 2 --results "$O"
	check_eq "malloc bomb: reason memory" "memory" "$(val reason "$(res mem)")"
	check_eq "fork bomb: reason pids" "pids" "$(val reason "$(res pids)")"
	check_eq "malloc bomb under 8M (a copied child): reason memory" "memory" "$(val reason "$(res mem-small)")"
	check_eq "malloc bomb without --init: reason memory" "memory" "$(val reason "$(res mem-noinit)")"
	check_match "a job after the OOM kills runs" '"status":"ok".*"reason":"none","exit_code":0' "$(res after-oom)"
	check_eq "every job got its line" "5" "$(wc -l <"$O" | tr -d ' ')"
fi
if ! "$SBXCTR" run --help | grep -q -- '--seccomp'; then
	skip "ptrace attempt -> seccomp" "sbxctr has no seccomp yet (no --seccomp)"
else
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_KILL_PROCESS"}]}' \
		>"$T_TMP/kill-ptrace.json"
	cat >"$J" <<EOF
{"id":"pt-kill","argv":["$P","ptrace"],"seccomp":"$T_TMP/kill-ptrace.json"}
{"id":"pt-default","argv":["$P","ptrace"],"seccomp":"default","stdout":"$T_TMP/pt-default"}
{"id":"pt-none","argv":["$P","ptrace"],"seccomp":"unconfined"}
{"id":"pt-missing","argv":["$P","ptrace"],"seccomp":"$T_TMP/no-such-profile.json"}
EOF
	batch "$J" --parallel 2 --results "$O"
	l=$(res pt-kill)
	check_eq "ptrace attempt under a killing profile: reason seccomp" "seccomp" "$(val reason "$l")"
	check_match "  ... naming the syscall" '"seccomp":\{"syscall":"ptrace"' "$l"
	check_eq "ptrace under the default profile: EPERM, the program goes on" "1 ptrace: EPERM" \
		"$(val exit_code "$(res pt-default)") $(cat "$T_TMP/pt-default")"
	check_eq "ptrace unconfined: allowed" "none 0" "$(val reason "$(res pt-none)") $(val exit_code "$(res pt-none)")"
	check_match "a missing profile: internal, naming it" '"status":"internal".*"error":"seccomp: .*no-such-profile.json' \
		"$(res pt-missing)"
fi

# --- 200 mixed jobs, 2 at a time: each line checked against its job's expected outcome
i=0
while [ $i -lt 200 ]; do
	case $((i % 10)) in
	0) k=exit0; a="\"argv\":[\"$P\",\"exit\",\"0\"]" ;;
	1) k=exit3; a="\"argv\":[\"$P\",\"exit\",\"3\"]" ;;
	2) k=segv; a="\"argv\":[\"$P\",\"segv\"]" ;;
	3) k=kill9; a="\"argv\":[\"$P\",\"raise\",\"9\"]" ;;
	4) k=flood; a="\"argv\":[\"$P\",\"flood\"],\"output_limit\":4096" ;;
	5) k=cat; a="\"argv\":[\"/bin/cat\"],\"stdin_text\":\"abc\\n\"" ;;
	6) k=sh5; a="\"argv\":[\"/bin/sh\",\"-c\",\"exit 5\"]" ;;
	7) k=file; a="\"argv\":[\"/bin/cat\",\"f\"],\"files\":{\"f\":{\"text\":\"12345678\"}}" ;;
	8) if [ $((i % 40)) = 8 ]; then k=cpu; a="\"argv\":[\"$P\",\"burn\",\"5\"],\"time\":0.1"
	   else k=exit1; a="\"argv\":[\"$P\",\"exit\",\"1\"]"; fi ;;
	9) if [ $((i % 40)) = 19 ]; then k=wall; a="\"argv\":[\"$P\",\"sleep\",\"5\"],\"wall_time\":0.2"
	   else k=exit0; a="\"argv\":[\"/bin/true\"]"; fi ;;
	esac
	printf '%s\n' "{\"id\":\"m$i-$k\",$a,$JENV}"
	i=$((i + 1))
done >"$J"
batch "$J" --parallel 2 --results "$O"
check_eq "200 jobs: exit 0" "0" "$RC"
check_eq "200 jobs: 200 lines" "200" "$(wc -l <"$O" | tr -d ' ')"
check_eq "200 jobs: 200 distinct ids" "200" "$(sed 's/^{"id":"\([^"]*\)".*/\1/' "$O" | sort -u | wc -l | tr -d ' ')"
bad=$(awk '
function val(k,  s) {
	if (!match($0, "\"" k "\":(\"[^\"]*\"|[^,}]*)")) return "?"
	s = substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3); gsub(/"/, "", s); return s
}
{
	id = val("id"); k = id; sub(/^m[0-9]+-/, "", k)
	got = val("status") " " val("reason") " " val("exit_code") " " val("signal")
	want["exit0"] = "ok none 0 null"; want["exit3"] = "ok none 3 null"; want["exit1"] = "ok none 1 null"
	want["segv"] = "ok none null 11"; want["kill9"] = "ok none null 9"; want["flood"] = "ok output null 9"
	want["cat"] = "ok none 0 null"; want["sh5"] = "ok none 5 null"; want["file"] = "ok none 0 null"
	want["cpu"] = "ok cpu-time null 9"; want["wall"] = "ok wall-time null 9"
	if (got != want[k]) print id ": got [" got "], want [" want[k] "]"
	if (k == "cat" && val("bytes") != "4") print id ": stdout bytes " val("bytes")
	if (k == "file" && val("bytes") != "8") print id ": stdout bytes " val("bytes")
}' "$O")
check_eq "200 jobs: every verdict is the expected one" "" "$bad"
check_match "200 jobs: summary" "200 jobs in .* jobs/s" "$ERR"

# --- an interrupted batch leaves nothing behind, and --resume completes it ---------
i=0
while [ $i -lt 16 ]; do
	printf '%s\n' "{\"id\":\"s$i\",\"argv\":[\"$P\",\"sleep\",\"1\"],\"files\":{\"in/x\":{\"text\":\"x\"}},\"copy_out\":{\"in/x\":\"$T_TMP/co$i\"},$JENV}"
	i=$((i + 1))
done >"$J"
rm -f "$O"
env "$TAG" "$SBXCTR" batch "$J" --rootfs "$SBX_ROOTFS" --parallel 2 --results "$O" 2>"$T_TMP/berr" &
bpid=$!
n=0
while [ $n -lt 300 ] && [ "$(nlines "$O")" -lt 2 ]; do
	sleep 0.1
	n=$((n + 1))
done
# the leftover check below must see a running batch: workers and sandboxed programs
n=0
while [ $n -lt 50 ]; do
	sb=$(for p in $(tagged_procs); do awk '/^Uid:/ { if ($3 >= 1073741824) print "x" }' /proc/$p/status 2>/dev/null; done | head -1)
	[ -n "$sb" ] && break
	sleep 0.02
	n=$((n + 1))
done
check_eq "SIGINT: the leftover check sees the running batch's sandboxes" "x" "$sb"
kill -INT $bpid
wait $bpid
RC=$?
check_eq "SIGINT: exit status 130" "130" "$RC"
check_match "SIGINT: the summary says so" "stopped by Interrupt after [0-9]+ of 16 jobs" "$(cat "$T_TMP/berr")"
check_clean "SIGINT"
done1=$(wc -l <"$O" | tr -d ' ')
if [ "$done1" -ge 2 ] && [ "$done1" -lt 16 ]; then ok "SIGINT: some jobs done ($done1 of 16)"; else not_ok "SIGINT: jobs done" "$done1"; fi
check_eq "SIGINT: only complete lines" "$done1" "$(grep -c '^{"id":"s[0-9]*",.*}$' "$O")"
check_eq "SIGINT: the file ends with a newline" "0a" "$(tail -c 1 "$O" | od -An -tx1 | tr -d ' ')"
# a crash in the middle of a write: --resume drops the cut line
printf '{"id":"s15","line":16,"status":"o' >>"$O"
batch "$J" --parallel 2 --results "$O" --resume
check_eq "--resume: exit 0" "0" "$RC"
check_match "--resume: the done jobs are skipped" "[0-9]+ jobs in .*, $done1 skipped" "$ERR"
check_eq "--resume: the union is exactly the job set" "$(seq 0 15 | sed 's/^/s/' | sort)" \
	"$(sed 's/^{"id":"\([^"]*\)".*/\1/' "$O" | sort)"
check_eq "--resume: every line complete" "16" "$(grep -c '^{"id":"s[0-9]*",.*"status":"ok".*}$' "$O")"
check_eq "--resume: copy-out of every job" "16" "$(cat "$T_TMP"/co* | wc -c | tr -d ' ')"
check_clean "resume"

# --- compile then run; compile failures; several tests per job ---------------------
cat >"$J" <<'EOF'
{"id":"cc","files":{"greet.txt":{"text":"hello\n"}},"compile":{"argv":["/bin/sh","-c","printf '#!/bin/sh\\ncat greet.txt\\necho arg=$1\\n' >prog && chmod 755 prog"],"artifacts":["prog"],"time":5},"argv":["./prog","42"],"stdout":"@/cc.out"}
{"id":"cc-fail","compile":{"argv":["/bin/sh","-c","echo 'prog.c:1: error' >&2; exit 2"],"artifacts":["prog"],"stderr":"@/cc-fail.err"},"argv":["./prog"]}
{"id":"cc-none","compile":{"argv":["/bin/true"],"artifacts":["prog"]},"argv":["./prog"]}
{"id":"cc-tests","compile":{"argv":["/bin/sh","-c","printf '#!/bin/sh\\nread n; echo $((n * n)); [ $n -lt 5 ]\\n' >sq && chmod +x sq"],"artifacts":["sq"]},"argv":["./sq"],"tests":[{"id":"t1","stdin_text":"2\n","stdout":"@/t1"},{"id":"t2","stdin_text":"3\n","stdout":"@/t2"},{"id":"t3","stdin_text":"9\n","stdout":"@/t3"}]}
{"id":"tests","argv":["/bin/sh","-c","cat; echo \"$1\"","sh","job"],"tests":[{"id":"a","stdin_text":"in-a\n","stdout":"@/a"},{"id":"b","argv":["/bin/sh","-c","echo own argv"],"stdout":"@/b"}]}
EOF
sed -i "s|@|$T_TMP|g" "$J"
batch "$J" --parallel 2 --results "$O"
l=$(res cc)
check_match "compile then run: status ok, compile report" '"status":"ok","compile":\{.*"exit_code":0,.*"copy_out":\[\{"path":"prog","ok":true' "$l"
check_eq "compile then run: the artifact runs with the job's files" "hello
arg=42" "$(cat "$T_TMP/cc.out")"
l=$(res cc-fail)
check_match "compile failure: status compile-error" '"status":"compile-error","compile":\{.*"exit_code":2' "$l"
check_nomatch "  ... and no run" '\},"version"' "$l"
check_eq "  ... the compiler's messages" "prog.c:1: error" "$(cat "$T_TMP/cc-fail.err")"
check_match "compile without its artifact: compile-error naming it" '"status":"compile-error".*"path":"prog","ok":false' "$(res cc-none)"
l=$(res cc-tests)
check_match "tests after a compile: three reports" '"tests":\[\{"id":"t1",.*\{"id":"t2",.*\{"id":"t3",' "$l"
check_eq "  ... each with its own stdin and stdout" "4 9 81" "$(cat "$T_TMP/t1") $(cat "$T_TMP/t2") $(cat "$T_TMP/t3")"
check_match "  ... and its own verdict" '"id":"t3",[^}]*"exit_code":1,' "$l"
check_eq "a job's argv, and a test's own" "in-a
job own argv" "$(cat "$T_TMP/a") $(cat "$T_TMP/b")"
check_match "summary: compile-error counted" "status: ok 3, compile-error 2, internal 0" "$ERR"

# --- --pin: each slot's sandboxes run on one CPU ---------------------------------
printf '%s\n' "{\"id\":\"p1\",\"argv\":[\"/bin/grep\",\"Cpus_allowed_list\",\"/proc/self/status\"],\"stdout\":\"$T_TMP/p1\"}" \
	"{\"id\":\"p2\",\"argv\":[\"/bin/grep\",\"Cpus_allowed_list\",\"/proc/self/status\"],\"stdout\":\"$T_TMP/p2\"}" >"$J"
batch "$J" --parallel 2 --pin --results "$O" --quiet
check_match "--pin: one CPU per slot" "^Cpus_allowed_list:[[:space:]]+[0-9]+ [0-9]+$" \
	"$(cat "$T_TMP/p1" | tr -d '\n') $(sed 's/.*:[[:space:]]*//' "$T_TMP/p2")"
check_eq "--quiet: nothing on stderr" "" "$ERR"

# --- ':' in job paths: both sides of a copy are fields of their own -------------
printf 'colon\n' >"$T_TMP/in:1"
printf '%s\n' "{\"id\":\"colon\",\"argv\":[\"/bin/sh\",\"-c\",\"cat in:1 >out:1\"],\"files\":{\"in:1\":\"$T_TMP/in:1\"},\"copy_out\":{\"out:1\":\"$T_TMP/out:1\"}}" >"$J"
batch "$J" --results "$O" --quiet
check_match "':' in copy-in and copy-out paths: the job ran" '"status":"ok".*"exit_code":0' "$(res colon)"
check_eq "  ... and the file came back" "colon" "$(cat "$T_TMP/out:1" 2>&1)"

# --- batch-level errors: exit 125 ------------------------------------------------
batch "$T_TMP/missing.jsonl"
check_eq "missing jobs file: 125" "125" "$RC"
check_match "  ... naming it" "missing.jsonl" "$ERR"
batch "$J" --parallel 0
check_eq "--parallel 0: 125" "125" "$RC"
batch "$J" --resume
check_eq "--resume without --results: 125" "125" "$RC"
batch "$J" --results "$T_TMP/nodir/out.jsonl"
check_eq "unwritable results: 125" "125" "$RC"

check_clean "batch"
t_done

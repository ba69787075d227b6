#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The escape-attempt battery: runs each tests/security/atk_* program in the
# default sandbox with the set-up its attack needs (host canaries, a second
# sandbox, a real pty, a rootfs with set-id binaries) and checks the host
# before and after every run. Prints TAP.
#
# Usage: run.sh [NAME...]   NAME = atk_foo or foo; no NAME runs them all.
# Environment (as ctest sets it): SBXCTR, SBX_ROOTFS, SBX_HELPERS.
# Rootless (tests/security/rootless.sh sets these up): SBX_SEC_USER, the
# ordinary user that starts every sandbox (the driver stays root);
# SBX_SEC_UIDS, "LOW HIGH", the host uids the sandboxes run as; SBX_SEC_ID5,
# the host id of uid 5 inside; SBX_SEC_HOME, a directory of that user's.
# Exit: 0 all passed, 1 a failure, 77 when everything asked for was skipped.
set -u
: "${SBXCTR:?SBXCTR must point at the sbxctr binary}"
: "${SBX_ROOTFS:?SBX_ROOTFS must point at the test rootfs}"
: "${SBX_HELPERS:?SBX_HELPERS must point at the built static programs}"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP the battery needs root (sbxctr creates namespaces and mounts)"
	exit 77
fi

SBX_ID_BASE=$((0x40000000))
BIN=/usr/local/bin
T=$(mktemp -d /tmp/sbx-sec.XXXXXX)
# a private rootfs under it must be reachable from the sandbox's unprivileged ids
chmod 755 "$T"
N=0
FAILS=0
SKIPS=0
CANARY_PIDS=""

cleanup() {
	# canaries, and whatever a failed case left running of our sandboxes
	for p in $CANARY_PIDS $(sandbox_procs); do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

rand() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# --- what "the host is unchanged" means --------------------------------------
TOKEN=$(rand)
SECRET=$(rand)
REV_SECRET=$(printf '%s' "$SECRET" | rev)
mkdir -p "$T/host"
printf 'sbxctr canary %s\n' "$TOKEN" >"$T/host/canary"
CANARY="$T/host/canary"
# Our own slot numbering: on a shared machine other sandboxes may hold the
# default state directory's slots, and the set-up below (a canary with the
# sandbox's host uid, set-id files owned by it) needs to know the slot: the
# first sandbox started here gets slot 0, uids SBX_ID_BASE + 0..65535.
export SBXCTR_STATE_DIR="$T/state"
export SBX_SEC_SECRET="$SECRET"
export SBX_SEC_TOKEN="$TOKEN"
# what the sandboxes run as on the host: root's slot 0, or the user's ids
SEC_LO=$SBX_ID_BASE
SEC_HI=4294967295
SEC_ID5=$((SBX_ID_BASE + 5))
# AS: the words that start sbxctr as the battery's user (nothing as root)
AS=""
if [ -n "${SBX_SEC_USER:-}" ]; then
	read -r SEC_LO SEC_HI <<<"$SBX_SEC_UIDS"
	SEC_ID5=$SBX_SEC_ID5
	export SBXCTR_STATE_DIR="$SBX_SEC_HOME/state"
	AS="setpriv --reuid=$SBX_SEC_USER --regid=$(id -g "$SBX_SEC_USER") --init-groups env -i PATH=/usr/bin:/bin"
	AS="$AS HOME=$SBX_SEC_HOME SBXCTR_STATE_DIR=$SBXCTR_STATE_DIR"
fi

# sbx ARGS...: "sbxctr run" with the environment token that marks our sandboxes
# shellcheck disable=SC2086 # AS splits into words on purpose
sbx() { $AS "$SBXCTR" run --env "SBX_SEC_RUN=$TOKEN" "$@"; }

# Live processes of this run's sandboxes: a sandbox id (>= 0x40000000) and
# our token in the environment (every sandbox started here gets it; the
# machine may be running other people's sandboxes at the same time).
sandbox_procs() {
	local p
	for p in $(grep -sH -E '^(State|Uid):' /proc/[0-9]*/status |
		awk -F'[/:\t ]+' -v skip=" $CANARY_PIDS " -v lo="$SEC_LO" -v hi="$SEC_HI" '
			$5 == "State" { z[$3] = ($6 == "Z" || $6 == "X") }
			$5 == "Uid" && $7 >= lo && $7 <= hi && !z[$3] && index(skip, " " $3 " ") == 0 { print $3 }'); do
		grep -qs "SBX_SEC_RUN=$TOKEN" /proc/$p/environ && echo "$p"
	done
}

SYSCTLS=""
for k in kernel/hostname kernel/domainname kernel/core_pattern kernel/ctrl-alt-del kernel/panic \
	kernel/panic_on_oops kernel/randomize_va_space kernel/kptr_restrict kernel/perf_event_paranoid \
	kernel/unprivileged_bpf_disabled kernel/modprobe kernel/sysrq vm/overcommit_memory \
	vm/unprivileged_userfaultfd fs/file-max fs/protected_hardlinks net/ipv4/ip_forward \
	net/ipv4/ping_group_range user/max_user_namespaces; do
	SYSCTLS="$SYSCTLS /proc/sys/$k"
done

# One text blob; two blobs differ iff something on the host changed. Process
# creation is slow on these machines, so this spawns as few as it can.
snapshot() {
	local l mounts=0 shm
	# the host's sysctls and sysfs knobs, the canary, links, IPv4 routes, SysV IPC keys, abstract sockets
	# shellcheck disable=SC2086
	grep -sH -e . $SYSCTLS "$CANARY" /sys/kernel/uevent_helper /sys/kernel/mm/transparent_hugepage/enabled \
		/sys/class/net/*/flags /sys/class/net/*/mtu /sys/class/net/*/address /proc/net/route \
		/proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem |
		sed -E 's#^(/proc/sysvipc/[a-z]+:) *([-0-9]+) .*#\1\2#'
	grep -c 'sbx-sec' /proc/net/unix | sed 's/^/abstract-sbx-sec=/'
	ip -o addr show 2>/dev/null | awk '{print "addr", $2, $3, $4}'
	echo "host-dir=$(cd "$T/host" && echo *) $(stat -c '%s %Y %a %u' "$CANARY" 2>/dev/null)"
	echo "sbxctr=$(sha256sum "$SBXCTR")"
	while read -r l; do
		case $l in *" /run/netns/"* | *" /var/run/netns/"*) ;; *) mounts=$((mounts + 1)) ;; esac
	done </proc/self/mountinfo
	echo "host-mounts=$mounts"
	echo "rootfs=$(find "$SBX_ROOTFS" -xdev -printf '%P %y %s %m %U %G %T@\n' 2>/dev/null | md5sum)"
	for p in $CANARY_PIDS; do
		if kill -0 "$p" 2>/dev/null; then echo "canary $p alive"; else echo "canary $p DEAD"; fi
	done
	shm=(/dev/shm/* /dev/mqueue/*)
	echo "host-shm=${shm[*]}"
	echo "sandbox-procs=$(sandbox_procs)"
}

# The boot time (realtime - boottime) moves only if someone sets the clock.
btime() {
	local k v
	while read -r k v; do [ "$k" = btime ] && echo "$v" && return; done </proc/stat
}

ok() { N=$((N + 1)); echo "ok $N - $1"; }
skip() { N=$((N + 1)); SKIPS=$((SKIPS + 1)); echo "ok $N - $1 # SKIP $2"; }
not_ok() {
	N=$((N + 1))
	FAILS=$((FAILS + 1))
	echo "not ok $N - $1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
diag() { sed 's/^/#   /' "$1"; }

# before: the state to compare with; the last run's "after" when the host was
# unchanged then (a snapshot costs processes, and processes are slow here)
LAST=""
take_before() {
	BEFORE=${LAST:-$(snapshot)}
	BT=$(btime)
}

# host_check LABEL BEFORE BT_BEFORE: compares the host with the snapshot taken before
host_check() {
	local after bt i
	# a dying sandbox's last processes may take a moment: retry for up to a second
	for i in $(seq 20); do
		after=$(snapshot)
		[ "$2" = "$after" ] && break
		sleep 0.05
	done
	bt=$(btime)
	HOST_DIFF=""
	if [ "$2" != "$after" ]; then
		HOST_DIFF=$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$after") | grep '^[<>]')
		local p
		for p in $(sandbox_procs); do
			HOST_DIFF="$HOST_DIFF
left behind: $p $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null) ($(grep -s '^State' /proc/$p/status))"
		done
	fi
	# one second of rounding either way
	if [ $((bt - $3)) -gt 1 ] || [ $(($3 - bt)) -gt 1 ]; then
		HOST_DIFF="$HOST_DIFF
host clock moved: boot time $3 -> $bt"
	fi
	if [ -z "$HOST_DIFF" ]; then LAST=$after; else LAST=""; fi
	[ -z "$HOST_DIFF" ]
}

# attack LABEL [SBXCTR-OPTIONS] -- PROGRAM [ARGS]: one run, one TAP line
attack() {
	local label=$1 rc
	shift
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	take_before
	sbx --rootfs "${RUN_ROOTFS:-$SBX_ROOTFS}" "${opts[@]}" -- "$@" </dev/null >"$T/out" 2>&1
	rc=$?
	report "$label" "$rc" "$BEFORE" "$BT"
}

# What an attack may get through only when the sandbox is an ordinary user's,
# each listed with its reason in docs/rootless.md: --init's pid 1 and the
# program are one uid there, and pid 1's /proc directories belong to the
# sandbox's root, so the program may list /proc/1/fd and /proc/1/map_files
# (names only: every link, the memory and ptrace stay denied); the device
# nodes (and the masks' /dev/null) are the host's own inodes, bound (mknod
# is impossible in a user namespace); and every sandbox of a user is
# charged to that user's own per-user kernel counts, so one can use up what
# the user's others could still have taken (each stays within its caps).
ROOTLESS_DIFFERENCES=(
	'SUCCEEDED: open\(/proc/1/(fd|map_files)\)'
	'UNEXPECTED: chdir\(/proc/1/fd/[0-9]+\): failed with ENOENT, the threat model expects EACCES'
	"SUCCEEDED: /(dev/(null|zero|full|random|urandom)|proc/(keys|timer_list)): the watch saw [0-9]+ events of the host's or the neighbour's use"
	"SUCCEEDED: no (inotify instance|message queue): EMFILE \\(the exhausted sandbox's (count|bytes) (is|are) ours\\)"
)

# rootless_only: the run failed only on the documented differences above
rootless_only() {
	local line p known
	[ -n "$AS" ] || return 1
	# the run's own lines, and a neighbour's folded in as notes
	grep -qE '^  (note     : +)?(SUCCEEDED|UNEXPECTED)' "$T/out" || return 1
	while read -r line; do
		known=0
		for p in "${ROOTLESS_DIFFERENCES[@]}"; do
			printf '%s\n' "$line" | grep -qE "$p" && known=1
		done
		[ $known = 1 ] || return 1
	done < <(grep -E '^  (note     : +)?(SUCCEEDED|UNEXPECTED)' "$T/out")
	return 0
}

# report LABEL RC BEFORE BT: the TAP line for one run whose output is in $T/out
report() {
	local label=$1 rc=$2 what
	if [ "$rc" = 1 ] && rootless_only; then
		echo "  note     : only what docs/rootless.md lists for an ordinary user's sandbox got through" >>"$T/out"
		rc=0
	fi
	# the runtime ends the whole sandbox on a seccomp kill and says so: that is a block
	# (only when nothing before the kill got through)
	if [ "$rc" = $((128 + 31)) ] && grep -q '^sbxctr: seccomp: killed' "$T/out" &&
		! grep -qE '^  (SUCCEEDED|UNEXPECTED)' "$T/out"; then
		echo "  blocked  : the whole sandbox was killed by the seccomp profile ($(grep -m1 '^sbxctr: seccomp: killed' "$T/out" | sed 's/^sbxctr: seccomp: //'))" >>"$T/out"
		rc=0
	fi
	case $rc in
	0) what="" ;;
	1) what="the attack was not contained" ;;
	2) what="the attack could not be set up" ;;
	125) what="sbxctr failed (125)" ;;
	126 | 127) what="the program could not be run ($rc)" ;;
	*) what="exit status $rc" ;;
	esac
	if host_check "$label" "$3" "$4" && [ -z "$what" ]; then
		ok "$label: $(tail -n 1 "$T/out" | sed 's/^[^:]*: //')"
		diag "$T/out"
	else
		not_ok "$label: ${what:-the host changed}" "$(grep -vE '^  (blocked|note)' "$T/out")" \
			${HOST_DIFF:+"host changed:" "$HOST_DIFF"}
		echo "#   full output:"
		diag "$T/out"
	fi
}

# A host process with the sandbox's own host uid (slot 0): permission checks
# alone would let the sandbox signal or trace it; only the pid namespace hides it.
start_canaries() {
	sleep 300 &
	CANARY_ROOT=$!
	setpriv --reuid="$SEC_LO" --regid="$SEC_LO" --clear-groups sleep 300 &
	CANARY_SAMEUID=$!
	CANARY_PIDS="$CANARY_ROOT $CANARY_SAMEUID"
	sleep 0.05
}
stop_canaries() {
	kill -KILL $CANARY_PIDS 2>/dev/null
	wait $CANARY_PIDS 2>/dev/null
	CANARY_PIDS=""
	LAST=""
}

# --- the cases -----------------------------------------------------------------
# Each case_NAME runs the program NAME in the set-up it needs.

case_atk_host_read() {
	attack "host_read" -- $BIN/atk_host_read "$CANARY" "$REV_SECRET"
	attack "host_read --init" --init -- $BIN/atk_host_read "$CANARY" "$REV_SECRET"
}
case_atk_pivot_chroot() { attack "pivot_chroot" -- $BIN/atk_pivot_chroot "$CANARY"; }
case_atk_userns_regain() { attack "userns_regain" -- $BIN/atk_userns_regain "$CANARY"; }
case_atk_hostname() { attack "hostname" -- $BIN/atk_hostname sbxctr; }
case_atk_tmpfs_fill() { attack "tmpfs_fill" -- $BIN/atk_tmpfs_fill $((64 << 20)) 65536; }

# ptrace/signal/proc_exe/setns get the host pids of the runtime, the driver and both canaries
pid_case() {
	local name=$1 init=$2 rc
	start_canaries
	LAST=""
	take_before
	# exec: the shell's pid becomes the runtime's host pid, which the program is told
	AS="$AS" SBXCTR="$SBXCTR" ROOTFS="$SBX_ROOTFS" PROG=$BIN/$name INIT=$init PIDS="$$ $CANARY_ROOT $CANARY_SAMEUID" sh -c \
		'exec $AS "$SBXCTR" run --env "SBX_SEC_RUN=$SBX_SEC_TOKEN" --rootfs "$ROOTFS" $INIT -- $PROG $$ $PIDS' \
		</dev/null >"$T/out" 2>&1
	rc=$?
	report "${name#atk_}${init:+ $init}" "$rc" "$BEFORE" "$BT"
	stop_canaries
}
# and --init unconfined: pid 1 shares the runtime's memory, the kernel alone must keep the program out
case_atk_ptrace() { pid_case atk_ptrace ""; pid_case atk_ptrace --init; pid_case atk_ptrace "--init --seccomp unconfined"; }
case_atk_signal() { pid_case atk_signal ""; pid_case atk_signal --init; }
case_atk_proc_exe() { pid_case atk_proc_exe ""; pid_case atk_proc_exe --init; }
case_atk_setns() { pid_case atk_setns ""; pid_case atk_setns --init; }

# One sandbox per call: a seccomp kill ends the whole sandbox (the runtime's
# policy), which would hide the calls after the first.
per_call_case() {
	local name=$1 n i
	n=$("$SBX_HELPERS/$name" count)
	for i in $(seq 0 $((n - 1))); do
		attack "${name#atk_} call $i" -- $BIN/$name "$i"
	done
}
case_atk_x32() { per_call_case atk_x32; }
case_atk_int80() { per_call_case atk_int80; }
case_atk_leaked_fd() {
	attack "leaked_fd" -- $BIN/atk_leaked_fd
	attack "leaked_fd --init" --init -- $BIN/atk_leaked_fd
}

case_atk_keyctl() {
	attack "keyctl" -- $BIN/atk_keyctl
	attack "keyctl plant (first sandbox)" -- $BIN/atk_keyctl plant "$TOKEN"
	attack "keyctl find (second sandbox, same slot)" -- $BIN/atk_keyctl find "$TOKEN"
	# keyctl allowed: the key is planted; a later sandbox of the slot must still not find it
	attack "keyctl plant, keyctl allowed (first sandbox)" --seccomp unconfined -- $BIN/atk_keyctl plant-open "$TOKEN-o"
	attack "keyctl find, keyctl allowed (second sandbox, same slot)" --seccomp unconfined -- \
		$BIN/atk_keyctl find "$TOKEN-o"
}

# TIOCSTI on a real pty: stdin/stdout/stderr are the pty, the controlling
# terminal of the session that runs sbxctr, as in an interactive shell. What
# the program injects would be read back by the shell afterwards.
case_atk_tiocsti() {
	attack "tiocsti (stdio not a tty)" -- $BIN/atk_tiocsti
	if ! command -v script >/dev/null; then
		skip "tiocsti on a pty" "script(1) from util-linux is not installed"
		return
	fi
	cat >"$T/pty.sh" <<-EOF
		"\$@" </dev/tty >/dev/tty 2>&1
		echo "rc=\$?"
		if read -r -t 1 line; then echo "READ BACK: [\$line]"; else echo "READ BACK: nothing"; fi
	EOF
	# stdin of script(1) is a fifo held open read-write: EOF would reach the pty as ^D
	mkfifo "$T/ptyin"
	# positive control: on the host, with the pty as its controlling terminal, TIOCSTI works
	timeout 20 script -qec "bash $T/pty.sh $SBX_HELPERS/atk_tiocsti inject" /dev/null <>"$T/ptyin" \
		| tr -d '\r' >"$T/out" 2>&1
	if grep -q 'READ BACK: \[echo SBX-INJECTED\]' "$T/out"; then
		ok "tiocsti positive control: on the host the pty reads back what TIOCSTI injected"
	else
		not_ok "tiocsti positive control: the pty check cannot see an injection" "$(cat "$T/out")"
	fi
	take_before
	timeout 20 script -qec "bash $T/pty.sh $AS $SBXCTR run --env SBX_SEC_RUN=$TOKEN --rootfs $SBX_ROOTFS -- $BIN/atk_tiocsti" /dev/null \
		<>"$T/ptyin" | tr -d '\r' >"$T/pty.out" 2>&1
	local rc
	rc=$(sed -n 's/^rc=//p' "$T/pty.out")
	grep -v -e '^rc=' -e '^READ BACK' "$T/pty.out" >"$T/out"
	if ! grep -q 'READ BACK: nothing' "$T/pty.out"; then
		grep 'READ BACK' "$T/pty.out" | sed 's/^/  SUCCEEDED: injected: /' >>"$T/out"
		rc=${rc:-1}
		[ "$rc" = 0 ] && rc=1
	fi
	report "tiocsti (stdio on a pty, read back afterwards)" "${rc:-2}" "$BEFORE" "$BT"
}

# A private copy of the rootfs with set-id and file-capability binaries.
case_atk_setuid() {
	local r=$T/suidroot d
	for d in bin usr/local/bin proc dev sys tmp work; do mkdir -p "$r/$d"; done
	cp "$SBX_HELPERS/atk_setuid" "$r$BIN/atk_setuid"
	cp "$SBX_HELPERS/atk_setuid" "$r$BIN/suid-hostroot"
	chown 0:0 "$r$BIN/suid-hostroot"
	chmod 4755 "$r$BIN/suid-hostroot"
	cp "$SBX_HELPERS/atk_setuid" "$r$BIN/suid-user"
	# uid/gid 5 inside a slot-0 sandbox
	chown "$SEC_ID5:$SEC_ID5" "$r$BIN/suid-user"
	chmod 6755 "$r$BIN/suid-user"
	cp "$SBX_HELPERS/atk_setuid" "$r$BIN/fcaps"
	if ! command -v setcap >/dev/null || ! setcap cap_sys_admin,cap_dac_override,cap_setuid+eip "$r$BIN/fcaps"; then
		not_ok "setuid: setcap(8) (libcap2-bin) is needed to plant a file-capability binary"
		return
	fi
	RUN_ROOTFS=$r attack "setuid/setgid/file caps (private rootfs)" -- $BIN/atk_setuid run $BIN
}

# Sandbox A, the neighbour, runs in the background while another run
# attacks through or around it. neighbour_start ARGS... -- PROG ARGS starts
# it (the runtime itself, not a shell function around it: $! is its pid)
# and waits for its "ready"; sets NB_PID (the runtime) and NB_SPID (the
# sandbox's pid 1 on the host). neighbour_stop RC: SIGTERM (forwarded; A
# exits by itself), then folds A's lines into $T/out; sets NB_RC, the status
# to report: RC, or 1 when A found a hole, or 2 when A itself failed.
neighbour_start() {
	local i
	# shellcheck disable=SC2086 # AS splits into words on purpose
	$AS "$SBXCTR" run --env "SBX_SEC_RUN=$TOKEN" --rootfs "$SBX_ROOTFS" "$@" </dev/null >"$T/a.out" 2>&1 &
	NB_PID=$!
	for i in $(seq 100); do grep -q '^ready' "$T/a.out" && break; sleep 0.05; done
	NB_SPID=$(cat /proc/$NB_PID/task/*/children 2>/dev/null | awk '{print $1}')
	if ! grep -q '^ready' "$T/a.out" || [ -z "$NB_SPID" ]; then
		kill -KILL $NB_PID 2>/dev/null
		wait $NB_PID 2>/dev/null
		NB_PID=""
		return 1
	fi
}
neighbour_stop() {
	local rc=$1 arc
	kill -TERM $NB_PID
	wait $NB_PID
	arc=$?
	{
		echo "  note     : sandbox A (host pid $NB_SPID) exited $arc:"
		sed 's/^/  note     :   /' "$T/a.out"
		cat "$T/out"
	} >"$T/out2"
	mv "$T/out2" "$T/out"
	if grep -qE '^  (SUCCEEDED|UNEXPECTED)' "$T/a.out"; then
		rc=1
	elif [ $arc != 0 ] && [ $rc = 0 ]; then
		rc=2
	fi
	NB_RC=$rc
}

# neighbour_case LABEL OPTS A B [HOST]: sandbox A (PROG ARGS in A) runs; B, a
# second sandbox, attacks through or around it; HOST (a shell command, or
# nothing) does the same on the host. OPTS are run options for both. B and
# HOST are evaluated when they run (B may name $NB_SPID, A's host pid).
neighbour_case() {
	local label=$1 opts=$2 a=$3 b=$4 host=${5:-} rc
	take_before
	# shellcheck disable=SC2086 # the words split on purpose
	if ! neighbour_start $opts -- $a; then
		not_ok "$label: sandbox A did not come up" "$(cat "$T/a.out")"
		return
	fi
	eval "sbx --rootfs \"\$SBX_ROOTFS\" $opts -- $b" </dev/null >"$T/out" 2>&1
	rc=$?
	if [ -n "$host" ]; then
		eval "$host" >>"$T/out" 2>&1 || rc=1
	fi
	sleep 0.1
	neighbour_stop $rc
	report "$label" "$NB_RC" "$BEFORE" "$BT"
}

# Two sandboxes at once: A plants, B looks.
case_atk_xsbx() {
	neighbour_case "xsbx: a second sandbox sees nothing of the first" "" "$BIN/atk_xsbx serve $TOKEN" \
		'$BIN/atk_xsbx probe $TOKEN $NB_SPID'
}

# A exhausts every per-user count it can; B and the host must still get theirs.
case_atk_ucounts() {
	neighbour_case "ucounts: a sandbox that uses up its inotify instances and mqueue bytes starves neither a neighbour nor the host" \
		"" "$BIN/atk_ucounts exhaust" '$BIN/atk_ucounts probe' \
		'"$SBX_HELPERS/atk_ucounts" probe | sed "s/\$/ (on the host)/"; [ "${PIPESTATUS[0]}" = 0 ]'
}

# A watches its device nodes (and the null masking /proc files); B and the host use theirs.
case_atk_devnodes() {
	neighbour_case "devnodes: a watch on a sandbox's device nodes sees nothing of the host's or a neighbour's" \
		"" "$BIN/atk_devnodes watch" '$BIN/atk_devnodes use' '"$SBX_HELPERS/atk_devnodes" use >/dev/null'
}

# A locks and watches rootfs files in its private overlay; B (another overlay) and the host use them.
case_atk_rootshare() {
	local files="/bin/busybox /etc/passwd /usr/local/bin/probe"
	neighbour_case "rootshare: with --rootfs-overlay, sandboxes meet through no rootfs inode (flock, inotify)" \
		--rootfs-overlay "$BIN/atk_rootshare hold $files" "\$BIN/atk_rootshare probe $files" \
		"cat $(for f in $files; do printf '%s ' "$SBX_ROOTFS$f"; done) >/dev/null"
}

# Memory and pids exhaustion need cgroup limits: skipped where the runtime has
# no such flag yet or the host has no usable cgroup v2 controller (the VM suite
# runs them there).
limit_case() {
	local name=$1 flag=$2 value=$3 arg=$4 rc
	if ! "$SBXCTR" run --help 2>&1 | grep -q -- "$flag"; then
		skip "${name#atk_}" "sbxctr run has no $flag flag yet (cgroups module)"
		return
	fi
	take_before
	local rep=()
	[ -n "$AS" ] && rep=(--report "$SBX_SEC_HOME/limit.json") && rm -f "$SBX_SEC_HOME/limit.json"
	sbx --rootfs "$SBX_ROOTFS" "${rep[@]}" "$flag" "$value" -- $BIN/$name "$arg" </dev/null >"$T/out" 2>&1
	rc=$?
	if [ $rc = 125 ] && grep -qiE 'cgroup|controller' "$T/out"; then
		skip "${name#atk_} ($flag $value)" "no usable cgroup v2 controller on this host: $(head -c 200 "$T/out")"
		return
	fi
	# an OOM kill of the whole sandbox is containment too
	[ $rc = 137 ] && echo "  blocked  : the sandbox was killed (SIGKILL) at its limit" >>"$T/out" && rc=0
	# a user without a delegated cgroup runs best-effort: a limit the report lists unenforced is not a hole
	if [ $rc != 0 ] && [ -n "$AS" ] && tr -d ' \n' <"$SBX_SEC_HOME/limit.json" 2>/dev/null |
		grep -q "\"unenforced\":\[[^]]*\"${flag#--}s*\.max\""; then
		skip "${name#atk_} ($flag $value)" "not enforced for an ordinary user without a delegated cgroup (the report lists it unenforced; docs/rootless.md)"
		return
	fi
	report "${name#atk_} ($flag $value)" "$rc" "$BEFORE" "$BT"
}
case_atk_mem_exhaust() { limit_case atk_mem_exhaust --memory 64M $((64 << 20)); }
case_atk_pids_exhaust() {
	limit_case atk_pids_exhaust --pids 32 32
	# where no pids controller is offered, RLIMIT_NPROC of the sandbox's own uid holds it exactly
	attack "pids_exhaust (--pids 32 --cgroups best-effort)" --pids 32 --cgroups best-effort -- $BIN/atk_pids_exhaust 32
}

# --- main ------------------------------------------------------------------------
if [ $# -gt 0 ]; then
	names="$*"
else
	names=$(cd "$(dirname "$0")" && ls atk_*.c | sed 's/\.c$//')
fi
for n in $names; do
	n=atk_${n#atk_}
	if [ ! -x "$SBX_HELPERS/$n" ]; then
		not_ok "$n: $SBX_HELPERS/$n is not built"
		continue
	fi
	if declare -F "case_$n" >/dev/null; then
		"case_$n"
	else
		attack "${n#atk_}" -- $BIN/$n
	fi
done

echo "1..$N"
leftover=$(sandbox_procs | tr '\n' ' ')
if [ -n "$leftover" ]; then
	echo "# sandbox processes left behind: $leftover"
	FAILS=$((FAILS + 1))
fi
if [ "$FAILS" -gt 0 ]; then
	echo "# $FAILS of $N failed"
	exit 1
fi
[ "$SKIPS" -gt 0 ] && [ "$SKIPS" = "$N" ] && exit 77
exit 0

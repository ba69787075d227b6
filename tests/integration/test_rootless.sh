#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sbxctr as an ordinary user: two users of our own (sbxt-*, removed at the
# end, as are their /etc/subuid and /etc/subgid lines), run, batch, the
# per-user state directory, the identity with and without a subordinate id
# range, copy-in/out, cgroups without delegation, --net veth refused,
# --net pasta with its limits, and nothing left behind. Root sets up, the
# users run. The whole test runs in a private mount namespace of its own:
# the build tree may be out of the users' reach (a 0700 clone in CI), so the
# binary and the rootfs are bound where they can reach them, and pasta gets
# a tun node that udev would have made 0666 (the host's may be 0600).
set -u
if [ -z "${SBX_RL_PRIVATE:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (it creates the users)"; exit 77; }
	exec env SBX_RL_PRIVATE=1 unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

for t in useradd userdel setpriv; do
	command -v $t >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
# where distributions restrict them: Debian's sysctl, and the upstream limit
if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" != 1 ] ||
	[ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]; then
	echo "SKIP: unprivileged user namespaces are disabled on this host"
	exit 77
fi

U1=sbxt-rl$$
U2=sbxt-rm$$
# user_gone USER: its processes killed (the test's users run nothing but what
# this test started) and waited for, its subordinate ids and itself removed
user_gone() {
	for p in $(pgrep -u "$1"); do kill -KILL "$p" 2>/dev/null; done
	i=0
	while [ $i -lt 100 ] && pgrep -u "$1" >/dev/null; do sleep 0.05; i=$((i + 1)); done
	sed -i "/^$1:/d" /etc/subuid /etc/subgid 2>/dev/null
	userdel -f "$1" 2>/dev/null || userdel -f "$1" || echo "# could not remove user $1" >&2
}
rl_cleanup() {
	for u in "$U1" "$U2"; do
		id "$u" >/dev/null 2>&1 && user_gone "$u"
	done
	# our mounts first (this namespace's only): the temp directory's removal must not enter them
	for m in /dev/net/tun "$T_TMP/dev" "$T_TMP-rootfs"; do
		grep -q " $m " /proc/self/mountinfo && umount "$m"
	done
	# the rootfs's mount point lies beside the temp directory, never in it
	rmdir "$T_TMP-rootfs" 2>/dev/null
	t_cleanup
}
trap rl_cleanup EXIT
chmod 755 "$T_TMP"
for u in "$U1" "$U2"; do
	# a system account: useradd gives it no subordinate ids
	useradd -r -M -d "$T_TMP/home-$u" -s /bin/sh "$u" || { echo "SKIP: useradd $u failed"; exit 77; }
	mkdir -p "$T_TMP/home-$u/xdg"
	chown -R "$u:" "$T_TMP/home-$u"
	chmod 700 "$T_TMP/home-$u" "$T_TMP/home-$u/xdg"
done
UID1=$(id -u "$U1")
GID1=$(id -g "$U1")
H1=$T_TMP/home-$U1

# the binary and the rootfs where the users can reach them (bound: nothing is copied)
mkdir -p "$T_TMP-rootfs"
cp "$SBXCTR" "$T_TMP/sbxctr"
chmod 755 "$T_TMP/sbxctr"
mount --bind -o ro "$SBX_ROOTFS" "$T_TMP-rootfs"
RL=$T_TMP/sbxctr
ROOTFS=$T_TMP-rootfs

# as USER, with a clean environment (XDG_RUNTIME_DIR their own unless XDG= says otherwise);
# AS_WRAP runs first, as root (to enter a network namespace)
as() {
	u=$1
	shift
	${AS_WRAP:-} setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups env -i PATH=/usr/bin:/bin \
		HOME="$T_TMP/home-$u" XDG_RUNTIME_DIR="${XDG-$T_TMP/home-$u/xdg}" \
		${KEEP:+SBXCTR_USERNS_KEEP=$KEEP} "$@"
}
# rsbx USER ARGS...: sbxctr run as USER; OUT, ERR, RC
rsbx() {
	u=$1
	shift
	as "$u" "$RL" run --rootfs "$ROOTFS" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}
# processes left of a user: none may outlive its runtime (but its slot keepers, runtime/keeper.h)
user_procs() { pgrep -u "$1" | while read -r p; do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sbxctr-keeper ] || echo "$p"; done | tr '\n' ' ' | sed 's/ $//'; }
# live PID: the process exists and is not a zombie (a keeper that left waits as one until the
# host's init reaps it, which may take a while on a loaded machine)
live() { [ -e "/proc/$1/stat" ] && [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# keeper_of USER: the pid of its live slot keeper(s), "" if none
keeper_of() {
	for p in $(pgrep -u "$1" -x sbxctr-keeper); do
		live "$p" && echo "$p"
	done | tr '\n' ' ' | sed 's/ $//'
}
# host_uid_of_sleep UID...: the host uid of each "sleep" whose uid is one of these (sorted)
host_uid_of_sleep() {
	for p in $(pgrep -x sleep); do
		u=$(stat -c %u "/proc/$p" 2>/dev/null) || continue
		for want in "$@"; do [ "$u" = "$want" ] && echo "$u"; done
	done | sort -n | tr '\n' ' '
}
# wait_for_sleeps N UID...: until N such sleeps run (5 s at most)
wait_for_sleeps() {
	n=$1
	shift
	i=0
	while [ $i -lt 100 ] && [ "$(host_uid_of_sleep "$@" | wc -w)" -lt "$n" ]; do sleep 0.05; i=$((i + 1)); done
}

# --- identity without subordinate ids: the caller's own uid and gid, one each ------------
rsbx "$U1" -- /bin/sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
check_eq "run as a user: exit 0" 0 "$RC"
check_match "run as a user: root inside" "^0
0
" "$OUT"
check_match "run as a user: uid map is the caller's uid alone" "^ +0 +$UID1 +1$" "$OUT"
check_match "run as a user: gid map is the caller's gid alone" "^ +0 +$GID1 +1$" "$OUT"
check_match "run as a user: setgroups is denied (the kernel's rule for a user's map)" "^deny$" "$OUT"

# --- the same isolation: read-only root and /sys, fresh /proc, no capabilities, nnp, seccomp -----
rsbx "$U1" -- /bin/sh -c 'touch /x 2>&1; touch /sys/x 2>&1; echo pid1=$(cut -d" " -f1 /proc/1/stat);
	grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status; echo w > /work/f && cat /work/f;
	grep -c . /proc/self/mountinfo >/dev/null; ls /dev'
check_match "root is read-only" "/x: Read-only file system" "$OUT"
check_match "/sys is read-only" "/sys/x: Read-only file system" "$OUT"
check_match "fresh /proc: pid 1 is the sandbox's" "^pid1=1$" "$OUT"
check_match "no effective capabilities" "^CapEff:[[:space:]]+0000000000000000$" "$OUT"
check_match "empty bounding set" "^CapBnd:[[:space:]]+0000000000000000$" "$OUT"
check_match "no_new_privs" "^NoNewPrivs:[[:space:]]+1$" "$OUT"
check_match "the default seccomp profile" "^Seccomp:[[:space:]]+2$" "$OUT"
check_match "the tmpfs workdir is writable" "^w$" "$OUT"
check_match "devices bound from the host" "^urandom$" "$OUT"
rsbx "$U1" -- /bin/sh -c 'head -c 4 /dev/urandom | wc -c; echo x > /dev/null && echo null-ok'
check_match "the bound devices work" "^4
null-ok$" "$OUT"

# --- the state directory: per user, theirs alone -------------------------------------------------
check_eq "state in \$XDG_RUNTIME_DIR/sbxctr" "700 $U1" "$(stat -c '%a %U' "$H1/xdg/sbxctr" 2>&1)"
check_eq "slot locks there" "yes" "$([ -d "$H1/xdg/sbxctr/slots" ] && echo yes)"
XDG= rsbx "$U1" -- /bin/true
check_eq "without XDG_RUNTIME_DIR: ~/.local/state/sbxctr" "0 700" \
	"$RC $(stat -c '%a' "$H1/.local/state/sbxctr" 2>&1)"
# runuser hands root's XDG_RUNTIME_DIR on: a directory that is not the user's is not used
mkdir -p "$T_TMP/rootxdg"
XDG=$T_TMP/rootxdg rsbx "$U1" -- /bin/true
check_eq "another user's XDG_RUNTIME_DIR is ignored" "0 no" \
	"$RC $([ -e "$T_TMP/rootxdg/sbxctr" ] && echo yes || echo no)"
rsbx "$U2" -- /bin/true
check_eq "a second user runs too" 0 "$RC"
check_match "the second user's state is out of the first's reach" "Permission denied" \
	"$(as "$U1" ls "$T_TMP/home-$U2/xdg/sbxctr/slots" 2>&1)"

# --- copy-in, copy-out ----------------------------------------------------------------------------
mkdir -p "$H1/in/d"
printf 'hello\n' >"$H1/in/d/a.txt"
chown -R "$U1:" "$H1/in"
rsbx "$U1" --copy-in "$H1/in/d:src" --copy-out "out.txt:$H1/out.txt" -- /bin/sh -c \
	'cat src/a.txt; echo more >> src/a.txt && echo appended; stat -c "%u:%g" src src/a.txt; echo result > out.txt'
check_eq "copy-in/out as a user: exit 0" 0 "$RC"
check_match "copied-in files are the program's (0:0)" "^hello
appended
0:0
0:0$" "$OUT"
check_eq "copied out" "result" "$(cat "$H1/out.txt" 2>&1)"

# --- cgroups: none delegated here ---------------------------------------------------------------
rsbx "$U1" --memory 64M --report "$H1/rep.json" -- /bin/true
check_eq "--memory without a delegated cgroup: runs (best-effort)" 0 "$RC"
check_match "... and the report lists it unenforced" '"memory.max"' "$(tr -d ' \n' <"$H1/rep.json" 2>&1)"
rsbx "$U1" --cgroups required -- /bin/true
check_eq "--cgroups required without cgroups: exit 125" 125 "$RC"
check_match "... with the reason" "cgroups required: cgroup v2 is not usable" "$ERR"

# --- network ---------------------------------------------------------------------------------------
rsbx "$U1" --net veth -- /bin/true
check_eq "--net veth as a user: exit 125" 125 "$RC"
check_match "... naming what to use instead" "needs root.*--net pasta" "$ERR"
rsbx "$U1" -- /bin/sh -c 'ip -o link | cut -d: -f2 | tr -d " \n"; ip -o addr show lo | grep -c 127.0.0.1'
check_eq "--net none (default): only lo, up" "lo1" "$OUT"

# --- --init, batch ---------------------------------------------------------------------------------
rsbx "$U1" --init -- /bin/sh -c 'sleep 10 & echo started'
check_eq "--init as a user" "0 started" "$RC $OUT"
cat >"$H1/jobs.jsonl" <<'EOF'
{"id":"a","argv":["/bin/sh","-c","cat in.txt; echo out > o.txt"],"files":{"in.txt":{"text":"inline\n"}}}
{"id":"b","argv":["/bin/sh","-c","exit 3"]}
EOF
chown "$U1:" "$H1/jobs.jsonl"
as "$U1" "$RL" batch "$H1/jobs.jsonl" --rootfs "$ROOTFS" --parallel 2 --quiet >"$T_TMP/batch.out" 2>"$T_TMP/batch.err"
check_eq "batch as a user: exit 0" "0" "$?"
check_match "batch: job a ran" '"id":"a".*"status":"ok".*"exit_code":0' "$(cat "$T_TMP/batch.out")"
check_match "batch: job b's exit" '"id":"b".*"exit_code":3' "$(cat "$T_TMP/batch.out")"
check_eq "batch: its scratch directory is gone" "" "$(ls -A "$H1/xdg/sbxctr/batch" 2>&1)"

# --- serve as a user: its socket and scratch in the user's state directory ------------------------
SOCK=$H1/xdg/sbxctr/api.sock
# serve_start: a server as U1 on its default socket; waits until it answers
serve_start() {
	as "$U1" "$RL" serve --quiet --rootfs "$ROOTFS" "$@" </dev/null >>"$T_TMP/serve.log" 2>&1 &
	i=0
	while [ $i -lt 200 ] && ! curl -sf --unix-socket "$SOCK" http://x/v1/health >/dev/null 2>&1; do
		sleep 0.05
		i=$((i + 1))
	done
	# the user's oldest sbxctr: the server (its sandboxes' copies of it came later)
	SRV=$(pgrep -o -u "$U1" -x sbxctr)
}
# session_rw: a session; a file put, appended to by a command, read back (the caller and the program write each other's files)
session_rw() {
	SID=$(curl -s --unix-socket "$SOCK" -d '{}' http://x/v1/sandboxes | sed -n 's/.*"id":"\(s-[0-9a-f]*\)".*/\1/p')
	curl -s -X PUT --unix-socket "$SOCK" --data-binary 'put' "http://x/v1/sandboxes/$SID/files/d/in.txt" >/dev/null
	OUT=$(curl -s --unix-socket "$SOCK" -d '{"argv":["/bin/sh","-c","cat d/in.txt; echo -n +cmd >> d/in.txt; echo out > o.txt"]}' "http://x/v1/sandboxes/$SID/exec")
}
if command -v curl >/dev/null; then
	serve_start
	check_eq "serve as a user: the default socket is \$XDG_RUNTIME_DIR/sbxctr/api.sock, 0660, theirs" \
		"srw-rw---- $U1" "$(stat -c '%A %U' "$SOCK" 2>&1)"
	OUT=$(curl -s --unix-socket "$SOCK" -d '{"id":"r","argv":["/bin/sh","-c","cat in.txt; id -u"],"files":{"in.txt":{"text":"inline\n"}},"capture":true}' http://x/v1/run)
	check_match "serve as a user: /v1/run with an inline file" '"status":"ok".*"data":"inline\\n0\\n"' "$OUT"
	session_rw
	check_match "serve as a user: a session's file put, then read and appended to by a command" '"exit_code":0.*"data":"put"' "$OUT"
	check_eq "serve as a user: ... the file as the command left it" "put+cmd" \
		"$(curl -s --unix-socket "$SOCK" "http://x/v1/sandboxes/$SID/files/d/in.txt")"
	check_eq "serve as a user: ... and what the command wrote comes back" "out" \
		"$(curl -s --unix-socket "$SOCK" "http://x/v1/sandboxes/$SID/files/o.txt")"
	[ -n "$(ls -A "$H1/xdg/sbxctr/serve" 2>/dev/null)" ] && ok "serve as a user: a scratch directory while it runs" ||
		not_ok "serve as a user: no scratch directory"
	kill -KILL "$SRV"
	wait
	i=0
	while [ $i -lt 100 ] && [ -n "$(user_procs "$U1")" ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "serve as a user, SIGKILLed: no process of the user left (the session died with it)" "" \
		"$(user_procs "$U1")"
	# the next server sweeps the killed one's scratch; SIGTERM stops it cleanly
	serve_start
	check_eq "serve as a user: the next start swept the killed server's scratch" "1" \
		"$(ls -A "$H1/xdg/sbxctr/serve" | wc -l)"
	kill -TERM "$SRV"
	wait
	check_eq "serve as a user, stopped: its scratch and socket are gone" "" \
		"$(ls -A "$H1/xdg/sbxctr/serve"; ls "$SOCK" 2>/dev/null)"
else
	echo "# curl is missing: the serve cases are not run"
fi

# --- SIGKILL of a user's runtime leaves nothing -----------------------------------------------------
as "$U1" "$RL" run --rootfs "$ROOTFS" -- /bin/sleep 60 </dev/null >/dev/null 2>&1 &
i=0
while [ $i -lt 100 ] && ! pgrep -u "$U1" -x sleep >/dev/null; do sleep 0.05; i=$((i + 1)); done
# the runtime itself ($! is the subshell that runs the function)
kill -KILL "$(pgrep -u "$U1" -x sbxctr)"
wait
i=0
while [ $i -lt 100 ] && [ -n "$(user_procs "$U1")" ]; do sleep 0.05; i=$((i + 1)); done
check_eq "SIGKILL of a user's runtime: no process of the user left" "" "$(user_procs "$U1")"

# --- with a subordinate id range: a 65536-id slice per concurrent sandbox ---------------------------
if command -v newuidmap >/dev/null && command -v newgidmap >/dev/null; then
	SUB=$((0x70000000 + ($$ % 4096) * 0x20000))
	echo "$U1:$SUB:131072" >>/etc/subuid
	echo "$U1:$SUB:131072" >>/etc/subgid
	rsbx "$U1" -- /bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map; grep ^Groups: /proc/self/status'
	check_eq "subordinate ids: exit 0" 0 "$RC"
	# inside, the maps are its own namespace's, nested in the slot's kept one: the kept ids onto themselves
	check_match "the sandbox's own map: 0..65535 onto the kept namespace's" "^ +0 +0 +65536$" "$OUT"
	check_match "... and the caller's id, 65536" "^ +65536 +65536 +1$" "$OUT"
	check_match "setgroups allowed: the caller's groups are dropped" "^Groups:[[:space:]]*$" "$OUT"
	# the slot's keeper holds the mapped namespace: the host's view of its maps is the slice
	K1=$(keeper_of "$U1")
	check_match "a slot keeper holds the mapped user namespace" "^[0-9]+$" "$K1"
	check_match "uid map: 0..65535 -> the first slice" "^ +0 +$SUB +65536$" "$(cat "/proc/$K1/uid_map" 2>&1)"
	check_match "uid map: the caller's own uid as 65536" "^ +65536 +$UID1 +1$" "$(cat "/proc/$K1/uid_map" 2>&1)"
	check_match "gid map: the caller's own gid as 65536" "^ +65536 +$GID1 +1$" "$(cat "/proc/$K1/gid_map" 2>&1)"
	# its parent is whatever reaps orphans here (init or a subreaper), never a runtime of the user's
	kp=$(sed 's/.*) . \([0-9]*\) .*/\1/' "/proc/$K1/stat")
	check_eq "the keeper is no runtime's child and holds none of the caller's descriptors" "root /dev/null" \
		"$(stat -c %U "/proc/$kp") $(readlink "/proc/$K1/fd/1")"
	# the program's host uid: root inside is the slice's first id, through both namespaces
	as "$U1" "$RL" run --rootfs "$ROOTFS" -- /bin/sleep 2 </dev/null >/dev/null 2>&1 &
	wait_for_sleeps 1 "$SUB"
	check_eq "the program runs as the slice's first host id" "$SUB " "$(host_uid_of_sleep "$SUB" "$UID1")"
	wait
	check_eq "the next start in the slot uses the same keeper" "$K1" "$(keeper_of "$U1")"
	# without keepers (SBXCTR_USERNS_KEEP=0): the helpers map each sandbox, and none is made
	kill -KILL "$K1"
	KEEP=0 rsbx "$U1" -- /bin/sh -c 'head -1 /proc/self/uid_map'
	check_match "SBXCTR_USERNS_KEEP=0: the helpers map the sandbox (the slice as the host's ids)" \
		"^0 +0 +$SUB +65536$" "$RC $OUT"
	check_eq "SBXCTR_USERNS_KEEP=0: ... and no keeper is left" "" "$(keeper_of "$U1")"
	# a killed keeper is replaced by the next start; an idle one leaves by itself, with its socket
	# (a killed one's stays until the next keeper of its slot takes the name: removed here)
	rm -f "$H1/xdg/sbxctr/keepers/"*
	KEEP=1 rsbx "$U1" -- /bin/true
	K2=$(keeper_of "$U1")
	check_match "a new keeper after the last one was killed" "^0 [0-9]+$" "$RC $K2"
	i=0
	while [ $i -lt 100 ] && [ -n "$(keeper_of "$U1")" ]; do sleep 0.1; i=$((i + 1)); done
	check_eq "SBXCTR_USERNS_KEEP=1: the idle keeper is gone within 10 s, and its socket too" " " \
		"$(keeper_of "$U1") $(ls "$H1/xdg/sbxctr/keepers" 2>&1)"
	# three at once: two slices, the third has none left and says so (host uids of their programs)
	for k in 1 2 3; do
		as "$U1" "$RL" run --rootfs "$ROOTFS" -- /bin/sleep 2 </dev/null >/dev/null 2>"$T_TMP/c$k.err" &
	done
	wait_for_sleeps 3 "$UID1" "$SUB" "$((SUB + 65536))"
	maps=$(host_uid_of_sleep "$UID1" "$SUB" "$((SUB + 65536))")
	wait
	check_eq "concurrent sandboxes: a slice each, the one without gets the caller's id" \
		"$UID1 $SUB $((SUB + 65536)) " "$maps"
	check_match "... and is told why" "no slice of 65536 ids left" "$(cat "$T_TMP"/c?.err)"
	check_match "... one keeper per slot with a slice" "^[0-9]+ [0-9]+$" "$(keeper_of "$U1")"
	# /etc/subuid changed under a keeper: the next start does not use the old map
	for k in $(keeper_of "$U1"); do kill -KILL "$k"; done
	rsbx "$U1" -- /bin/true
	K3=$(keeper_of "$U1")
	SUB2=$((SUB + 0x10000000))
	sed -i "s/^$U1:$SUB:/$U1:$SUB2:/" /etc/subuid /etc/subgid
	rsbx "$U1" -- /bin/true
	i=0
	while [ $i -lt 100 ] && live "$K3"; do sleep 0.05; i=$((i + 1)); done
	check_eq "a keeper whose map is out of date leaves" "0 no" "$RC $(live "$K3" && echo yes || echo no)"
	K4=$(keeper_of "$U1")
	check_match "... replaced by one with the new slice" "^ +0 +$SUB2 +65536$" "$(cat "/proc/$K4/uid_map" 2>&1)"
	sed -i "s/^$U1:$SUB2:/$U1:$SUB:/" /etc/subuid /etc/subgid
	rsbx "$U1" --copy-in "$H1/in/d:src" --copy-out "out.txt:$H1/out2.txt" -- /bin/sh -c \
		'stat -c "%u:%g" src src/a.txt; echo two > out.txt'
	check_eq "subordinate ids: copied-in files are the program's" "0 0:0
0:0" "$RC $OUT"
	check_eq "subordinate ids: copied out" "two" "$(cat "$H1/out2.txt" 2>&1)"
	rsbx "$U1" --seccomp default -- /bin/true
	check_eq "subordinate ids: the seccomp listener is taken (the runtime may still reach the child)" 0 "$RC"
	if command -v curl >/dev/null; then
		serve_start --pool 1
		i=0
		while [ $i -lt 200 ] && ! curl -s --unix-socket "$SOCK" http://x/metrics | grep -q '^sbxctr_pool_size 1'; do
			sleep 0.05
			i=$((i + 1))
		done
		curl -s -D "$T_TMP/h" --unix-socket "$SOCK" -o "$T_TMP/pool.out" \
			-d '{"id":"p","argv":["/bin/sh","-c","echo +cmd >> in.txt; cat in.txt"],"files":{"in.txt":{"text":"in"}},"capture":true}' \
			http://x/v1/run
		check_eq "subordinate ids, serve --pool: a pool hit writes its copied-in file" "hit ok" \
			"$(sed -n 's/^X-Sbxctr-Pool: \([a-z]*\).*/\1/p' "$T_TMP/h") $(sed -n 's/.*"status":"\([a-z]*\)".*"data":"in+cmd\\n".*/\1/p' "$T_TMP/pool.out")"
		session_rw
		check_match "subordinate ids, serve: a session's command reads a put file (exec takes the listener too)" \
			'"exit_code":0.*"data":"put"' "$OUT"
		check_eq "subordinate ids, serve: ... and the caller reads what the program appended" "put+cmd" \
			"$(curl -s --unix-socket "$SOCK" "http://x/v1/sandboxes/$SID/files/d/in.txt")"
		kill -TERM "$SRV"
		wait
	fi
	# a runtime SIGKILLed mid-run: its sandbox goes, the keeper (no sandbox's) stays and serves the next
	as "$U1" "$RL" run --rootfs "$ROOTFS" -- /bin/sleep 60 </dev/null >/dev/null 2>&1 &
	apid=$!
	wait_for_sleeps 1 "$SUB"
	K5=$(keeper_of "$U1")
	kill -KILL "$(pgrep -u "$U1" -x sbxctr)"
	wait "$apid"
	i=0
	while [ $i -lt 100 ] && [ -n "$(host_uid_of_sleep "$SUB")" ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "keeper, SIGKILL of the runtime: the sandbox is gone, only the keeper is left" " $K5" \
		"$(host_uid_of_sleep "$SUB")$(user_procs "$U1") $(keeper_of "$U1")"
	rsbx "$U1" -- /bin/true
	check_eq "... and the next start uses it" "0 $K5" "$RC $(keeper_of "$U1")"
	for k in $(keeper_of "$U1"); do kill -KILL "$k"; done
	sed -i "/^$U1:/d" /etc/subuid /etc/subgid
else
	echo "# newuidmap/newgidmap (Debian package uidmap) are missing: the subordinate-id cases are not run"
fi

# --- --net pasta: a network namespace of our own stands for the host's ------------------------------
if command -v pasta >/dev/null && command -v ip >/dev/null; then
	netns_hold
	# an "outside" for pasta: a default route, and a server on another address of it
	netns_do sh -e -c 'ip link add d0 type veth peer name d1; ip link set lo up; ip link set d0 up; ip link set d1 up
		ip addr add 192.0.2.1/24 dev d0; ip addr add 192.0.2.7/24 dev d1; ip route add default via 192.0.2.254'
	# udev's 0666 tun node, in our mount namespace only
	mkdir -p "$T_TMP/dev"
	mount -t tmpfs -o mode=755 none "$T_TMP/dev"
	mknod -m 666 "$T_TMP/dev/tun" c 10 200
	mount --bind "$T_TMP/dev/tun" /dev/net/tun
	pasta_run() { # pasta_run SERVER-ARGS -- SANDBOX-ARGS...
		srv=$1
		shift 2
		# a simple command: $! is the server itself (nsenter execs it), which the kill below ends
		# shellcheck disable=SC2086 # the server's words split on purpose
		nsenter --net="$NETNS" "$SBX_HELPERS/net_xfer" $srv >"$T_TMP/srv.out" 2>&1 &
		spid=$!
		i=0
		while [ $i -lt 100 ] && ! grep -q ready "$T_TMP/srv.out"; do sleep 0.02; i=$((i + 1)); done
		AS_WRAP="nsenter --net=$NETNS" as "$U1" "$RL" run --rootfs "$ROOTFS" --net pasta "$@" \
			>"$T_TMP/out" 2>"$T_TMP/err" </dev/null
		RC=$?
		OUT=$(cat "$T_TMP/out")
		ERR=$(cat "$T_TMP/err")
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
	}
	pasta_run "recv 5001" -- -- /bin/sh -c 'ip -o -4 addr show eth0 | grep -o "inet [0-9./]*"; \
		/usr/local/bin/net_xfer send 192.0.2.7 5001 100000'
	check_eq "--net pasta: exit 0" 0 "$RC"
	check_match "--net pasta: eth0 has the outside's address" "inet 192.0.2.1/24" "$OUT"
	check_match "--net pasta: a connection out goes through" "^sent 100000" "$OUT"
	check_eq "--net pasta: pasta is gone with the sandbox" "" "$(user_procs "$U1")"
	# egress: 1 MB at 8 Mbit/s is 1 s (the lower bound is the limit; up to 1.6x for a loaded host)
	pasta_run "recv 5001" -- --net-rate-out 8mbit -- /usr/local/bin/net_xfer send 192.0.2.7 5001 1000000
	ms=$(printf '%s\n' "$OUT" | sed -n 's/^sent 1000000 ms //p')
	if [ "$RC" = 0 ] && [ -n "$ms" ] && [ "$ms" -ge 900 ] && [ "$ms" -le 1600 ]; then
		ok "--net pasta --net-rate-out 8mbit: 1 MB in $ms ms"
	else
		not_ok "--net pasta --net-rate-out 8mbit: 1 MB in 0.9-1.6 s" "rc=$RC $OUT" "$ERR"
	fi
	pasta_run "push 5001 1000000" -- --net-rate-in 8mbit -- /usr/local/bin/net_xfer pull 192.0.2.7 5001
	ms=$(printf '%s\n' "$OUT" | sed -n 's/^pulled 1000000 ms //p')
	if [ "$RC" = 0 ] && [ -n "$ms" ] && [ "$ms" -ge 900 ] && [ "$ms" -le 1600 ]; then
		ok "--net pasta --net-rate-in 8mbit: 1 MB in $ms ms"
	else
		not_ok "--net pasta --net-rate-in 8mbit: 1 MB in 0.9-1.6 s" "rc=$RC $OUT" "$ERR"
	fi
	# SIGKILL of the runtime takes pasta along (PR_SET_PDEATHSIG)
	AS_WRAP="nsenter --net=$NETNS" as "$U1" "$RL" run --rootfs "$ROOTFS" --net pasta -- /bin/sleep 60 \
		</dev/null >/dev/null 2>&1 &
	i=0
	while [ $i -lt 200 ] && ! pgrep -u "$U1" -x sleep >/dev/null; do sleep 0.05; i=$((i + 1)); done
	had=$(pgrep -u "$U1" "^(pasta|passt)" | wc -l)
	apid=$!
	kill -KILL "$(pgrep -u "$U1" -x sbxctr)"
	wait "$apid"
	i=0
	while [ $i -lt 100 ] && [ -n "$(user_procs "$U1")" ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "--net pasta, SIGKILL of the runtime: pasta and the sandbox are gone (had $had pasta)" \
		"1 " "$had $(user_procs "$U1")"
	# the outside without a default route: pasta's own words come back
	netns_do ip route del default
	pasta_run "recv 5001" -- -- /bin/true
	check_eq "--net pasta with no route out: exit 125" 125 "$RC"
	check_match "... with pasta's reason" "pasta failed: .*(interface|route)" "$ERR"
	umount /dev/net/tun
	rsbx "$U1" --net pasta -- /bin/true
	if [ "$(stat -c %a /dev/net/tun)" = 666 ]; then
		ok "# the host's /dev/net/tun is usable by everybody: the refusal is not checked"
	else
		check_match "--net pasta without access to /dev/net/tun: said so" "/dev/net/tun is not readable" "$ERR"
	fi
	netns_release
else
	echo "# pasta (Debian package passt) or ip is missing: the --net pasta cases are not run"
fi

check_eq "no process of the test users left" "" "$(user_procs "$U1")$(user_procs "$U2")"
t_done

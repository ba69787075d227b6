#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The OCI lifecycle (create start state kill delete list), as engines drive
# it: the state machine and every bad transition, verbs at once on one
# container, a create killed midway, hooks, the console socket with a real
# pty, `run -t` under script(1), the process model (the init is reaped by
# the caller's subreaper, seccomp kills keep the kernel's meaning), the
# global flags, and the mount-error regression of the sync socket.
#
# The whole script runs under oci_reaper, a child subreaper as conmon and
# containerd's shim are: created inits outlive `sbxctr create` and are
# reparented to it and reaped (this machine's pid 1 does not reap).
if [ -z "${OCI_REAPED:-}" ]; then
	OCI_REAPED=1 OCI_REAPER_STATUS=$(mktemp /tmp/sbx-reaped.XXXXXX) exec "$SBX_HELPERS/oci_reaper" sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
trap 'rm -f "$OCI_REAPER_STATUS"; t_cleanup' EXIT

ROOT="$T_TMP/state"
S() { "$SBXCTR" --root "$ROOT" "$@"; }
B="$T_TMP/bundle"
mkdir -p "$B" "$T_TMP/out"
chmod 777 "$T_TMP/out" # hooks in the container (a user namespace under hardened) write here
ln -s "$SBX_ROOTFS" "$B/rootfs"

# bundle ARGS_JSON [PROCESS_EXTRA] [TOP_EXTRA] [LINUX_EXTRA] [NAMESPACES_JSON]: a runc-like config
bundle() {
	ns=${5:-}
	[ -n "$ns" ] || ns='[ {"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"} ]'
	cat >"$B/config.json" <<EOF
{
  "ociVersion": "1.2.0",
  "root": { "path": "rootfs", "readonly": true },
  "process": { "args": $1, "cwd": "/", "env": ["PATH=/usr/local/bin:/bin"] ${2:-} },
  "hostname": "oci",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=64k"] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["newinstance", "ptmxmode=0666", "mode=0620"] },
    { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"] },
    { "destination": "/out", "type": "bind", "source": "$T_TMP/out", "options": ["rbind"] }
  ]${3:-},
  "linux": { "namespaces": $ns ${4:-} }
}
EOF
}

# v VERB ARGS...: runs a verb; sets RC, OUT, ERR (stdio of create is kept by the init: files)
v() {
	S "$@" >"$T_TMP/vout" 2>"$T_TMP/verr" </dev/null
	RC=$?
	OUT=$(cat "$T_TMP/vout")
	ERR=$(cat "$T_TMP/verr")
}
status_of() { S state "$1" 2>/dev/null | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'; }
pid_of() { S state "$1" 2>/dev/null | sed -n 's/.*"pid": \([0-9]*\).*/\1/p'; }
# wait_status ID STATUS: polls for up to 10 s (a loaded machine may take a while)
wait_status() {
	i=0
	while [ "$(status_of "$1")" != "$2" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	status_of "$1"
}
# reaped_status ID: creates, starts and deletes ID; prints the wait status the subreaper collected
reaped_status() {
	: >"$OCI_REAPER_STATUS"
	S create --bundle "$B" "$1" >/dev/null 2>&1
	rpid=$(pid_of "$1")
	S start "$1"
	wait_status "$1" stopped >/dev/null
	S delete "$1"
	sed -n "s/^$rpid //p" "$OCI_REAPER_STATUS"
}
expect_fail() { # NAME PATTERN: the last verb failed with PATTERN in its error
	if [ "$RC" != 0 ] && printf '%s' "$ERR" | grep -qE -- "$2"; then ok "$1"; else not_ok "$1" "rc=$RC" "$ERR"; fi
}

for POLICY in hardened exact; do
	export SBXCTR_POLICY=$POLICY
	P="[$POLICY]"
	# --- the state machine ------------------------------------------------------
	bundle '["/bin/sh", "-c", "echo started > /out/started; exec sleep 30"]'
	v create --bundle "$B" --pid-file "$T_TMP/pid" c1
	check_eq "$P create exits 0" "0" "$RC"
	check_eq "$P created" "created" "$(status_of c1)"
	PID=$(pid_of c1)
	check_eq "$P pid file holds the bare pid, no newline" "$PID" "$(cat "$T_TMP/pid")"
	check_eq "$P pid file: $(wc -c <"$T_TMP/pid") bytes, no newline" "0" "$(tail -c1 "$T_TMP/pid" | tr -d '0-9' | wc -c)"
	check_eq "$P the process waits for start" "" "$(cat "$T_TMP/out/started" 2>/dev/null)"
	[ -d "/proc/$PID" ] && ok "$P the init lives after create exited" || not_ok "$P the init lives"
	check_match "$P list shows it" "^c1 +$PID +created +$B" "$(S list | tail -n +2)"
	check_match "$P list --format json" '"id":"c1","status":"created"' "$(S list --format json)"
	v create --bundle "$B" c1
	expect_fail "$P create of an existing id fails" 'container "c1" already exists'
	v delete c1
	expect_fail "$P delete of a created container needs --force" 'not stopped: it is created'
	check_eq "$P ... and leaves it created" "created" "$(status_of c1)"
	v start c1
	check_eq "$P start exits 0" "0" "$RC"
	check_eq "$P running" "running" "$(status_of c1)"
	i=0; while [ ! -s "$T_TMP/out/started" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "$P the process ran after start" "started" "$(cat "$T_TMP/out/started" 2>/dev/null)"
	v start c1
	expect_fail "$P start of a running container fails" 'cannot start container "c1": it is running'
	v delete c1
	expect_fail "$P delete of a running container needs --force" 'not stopped: it is running'
	v kill c1 SIGKILL
	check_eq "$P kill SIGKILL" "0" "$RC"
	check_eq "$P stopped after the kill" "stopped" "$(wait_status c1 stopped)"
	check_match "$P a stopped container's state has pid 0" '"pid": 0' "$(S state c1)"
	v kill c1 KILL
	expect_fail "$P kill of a stopped container fails" 'is not running'
	v start c1
	expect_fail "$P start of a stopped container fails" 'it is stopped'
	v delete c1
	check_eq "$P delete of a stopped container" "0" "$RC"
	for verb in state start delete "kill" ; do
		v $verb c1
		expect_fail "$P $verb after delete: does not exist" 'container "c1" does not exist'
	done
	v state
	expect_fail "$P state without an id" 'a container id is required'
	v create --bundle "$B" ../x
	expect_fail "$P invalid id" 'invalid container id'
	rm -f "$T_TMP/out/started"

	# created -> delete --force; a signal by number
	v create --bundle "$B" c2
	PID=$(pid_of c2)
	v kill c2 9
	check_eq "$P kill by number on a created container" "stopped" "$(wait_status c2 stopped)"
	v delete c2
	v create --bundle "$B" c3
	PID=$(pid_of c3)
	v delete --force c3
	check_eq "$P delete --force of a created container" "0" "$RC"
	[ ! -d "/proc/$PID" ] || [ "$(awk '{print $3}' "/proc/$PID/stat" 2>/dev/null)" = Z ] &&
		ok "$P ... killed its process" || not_ok "$P ... killed its process" "$PID lives"
	check_eq "$P ... and removed it" "" "$(ls "$ROOT")"

	# kill --all: every process in the container, not only pid 1 (sh ignores TERM as pid 1)
	bundle '["/bin/sh", "-c", "sleep 100 & sleep 100 & wait; exec sleep 100"]'
	v create --bundle "$B" c4
	v start c4
	PID=$(pid_of c4)
	i=0; while [ "$(ls /proc/$PID/task/$PID/children 2>/dev/null && tr ' ' '\n' </proc/$PID/task/$PID/children | grep -c .)" != 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	v kill --all c4 TERM
	i=0; while [ -n "$(cat /proc/$PID/task/$PID/children 2>/dev/null)" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "$P kill --all TERM reached the children" "" "$(cat /proc/$PID/task/$PID/children 2>/dev/null)"
	check_eq "$P ... pid 1 (no handler) is still running" "running" "$(status_of c4)"
	v delete -f c4

	# --- the process model ------------------------------------------------------
	# the init's exit status is the caller's (subreaper's) to collect
	bundle '["/bin/sh", "-c", "exit 7"]'
	check_eq "$P the subreaper reaped the init with its exit status" "1792" "$(reaped_status c5)"
	# a seccomp KILL action keeps the kernel's meaning: the process dies of SIGSYS, nobody reports
	cat >"$T_TMP/kill-mkdir.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]}
EOF
	bundle '["/bin/mkdir", "/tmp/x"]' '' '' ", \"seccomp\": $(cat "$T_TMP/kill-mkdir.json")"
	check_eq "$P seccomp KILL_PROCESS: killed by SIGSYS (31)" "31" "$(reaped_status c6)"
done
unset SBXCTR_POLICY

# --- policies: what each adds ------------------------------------------------------
bundle '["/bin/sh", "-c", "stat -c %u /bin/busybox; grep NoNewPrivs /proc/self/status; grep Seccomp: /proc/self/status"]'
for POLICY in hardened exact; do
	v --policy $POLICY create --bundle "$B" p1
	PID=$(pid_of p1)
	HOSTUID=$(awk '/^Uid:/ {print $2}' "/proc/$PID/status")
	v start p1
	wait_status p1 stopped >/dev/null
	v delete p1
	case $POLICY in
	hardened) [ "$HOSTUID" -ge 1073741824 ] && ok "hardened: an unprivileged host uid ($HOSTUID)" || not_ok "hardened: host uid" "$HOSTUID" ;;
	exact) check_eq "exact: no user namespace added (host root)" "0" "$HOSTUID" ;;
	esac
done
# stdout of create is the container's: it went to vout, but the init kept create's own
bundle '["/bin/sh", "-c", "stat -c %u /bin/busybox > /out/p; grep -E \"NoNewPrivs|^Seccomp:\" /proc/self/status >> /out/p"]'
S --policy hardened create --bundle "$B" p2 >/dev/null 2>&1 && S start p2 && wait_status p2 stopped >/dev/null
check_eq "hardened: host-root files look root-owned (idmapped rootfs); nnp; the default seccomp profile" \
	"0 NoNewPrivs: 1 Seccomp: 2" "$(tr -s '\t\n' '  ' <"$T_TMP/out/p" | sed 's/ $//')"
S delete -f p2
rm -f "$T_TMP/out/p" # p2's file: exact's root has no capabilities (none configured) to overwrite it
S --policy exact create --bundle "$B" p3 >/dev/null 2>&1 && S start p3 && wait_status p3 stopped >/dev/null
check_eq "exact: no nnp, no seccomp profile (as written)" "0 NoNewPrivs: 0 Seccomp: 0" \
	"$(tr -s '\t\n' '  ' <"$T_TMP/out/p" | sed 's/ $//')"
S delete -f p3
# the annotation overrides the global flag
bundle '["/bin/true"]' '' ', "annotations": {"org.sbxctr.policy": "exact"}'
S --policy hardened create --bundle "$B" p4 >/dev/null 2>&1
PID=$(pid_of p4)
check_eq "annotation org.sbxctr.policy=exact wins over --policy hardened" "0" "$(awk '/^Uid:/ {print $2}' "/proc/$PID/status")"
S delete -f p4
bundle '["/bin/true"]' '' ', "annotations": {"org.sbxctr.policy": "lax"}'
v create --bundle "$B" p5
expect_fail "a bad policy annotation is an error naming it" 'annotations.org.sbxctr.policy: expected hardened or exact'
# hardened with a writable root: the container's root may write where host root could
cp -a "$SBX_ROOTFS" "$T_TMP/rw-rootfs"
mkdir -p "$T_TMP/rwb"
ln -s "$T_TMP/rw-rootfs" "$T_TMP/rwb/rootfs"
sed 's/"readonly": true/"readonly": false/' "$B/config.json" >"$T_TMP/rwb/config.json"
sed -i 's|"args": \["/bin/true"\]|"args": ["/bin/sh", "-c", "echo w > /etc/written"]|; s|"org.sbxctr.policy": "lax"||' "$T_TMP/rwb/config.json"
"$SBXCTR" --policy hardened run "$T_TMP/rwb" >/dev/null 2>&1
check_eq "hardened, root.readonly false: root writes the rootfs (idmapped)" "w 0" "$(cat "$T_TMP/rw-rootfs/etc/written" 2>/dev/null) $(stat -c %u "$T_TMP/rw-rootfs/etc/written" 2>/dev/null)"
rm -rf "$T_TMP/rw-rootfs" "$T_TMP/rwb"

# --- create's options: --no-pivot, --preserve-fds ----------------------------------
bundle '["/bin/sh", "-c", "echo via-fd3 >&3; grep -c . /proc/self/mountinfo > /out/np"]'
v create --bundle "$B" --no-pivot --preserve-fds 1 o1 3>"$T_TMP/fd3"
check_eq "create --no-pivot --preserve-fds 1" "0" "$RC"
S start o1
wait_status o1 stopped >/dev/null
S delete -f o1
check_eq "--preserve-fds: the process wrote to the caller's fd 3" "via-fd3" "$(cat "$T_TMP/fd3")"
[ -s "$T_TMP/out/np" ] && ok "--no-pivot: the process ran (chroot into the moved root)" || not_ok "--no-pivot: no output"
v create --bundle "$B" --preserve-fds 2 o2 3>/dev/null
expect_fail "--preserve-fds of an fd that is not open" 'fd 4 is not open'

# --- run -d: runc's detached run (create + start in one call) ---------------------------
bundle '["/bin/sh", "-c", "echo detached > /out/detached; exec sleep 30"]'
rm -f "$T_TMP/out/detached" "$T_TMP/pid"
v run -d --bundle "$B" --pid-file "$T_TMP/pid" --no-subreaper d1
check_eq "run -d exits 0 while the process runs" "0 running" "$RC $(status_of d1)"
check_eq "run -d: --pid-file as create writes it" "$(pid_of d1)" "$(cat "$T_TMP/pid" 2>/dev/null)"
i=0; while [ ! -s "$T_TMP/out/detached" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check_eq "run -d: the process ran" "detached" "$(cat "$T_TMP/out/detached" 2>/dev/null)"
S delete -f d1
v run --detach --bundle "$B" --time 1 d2
expect_fail "run -d takes create's flags only, naming the one it does not know" "unknown option --time"
check_eq "... and leaves no container" "" "$(ls "$ROOT")"
bundle '["/bin/true"]' '' ', "hooks": {"startContainer": [{"path": "/bin/false"}]}'
v run -d --bundle "$B" d3
expect_fail "run -d whose start fails reports it" 'startContainer'
check_eq "... and deletes the container (as runc does)" "" "$(ls "$ROOT")"

# --- exact: joining a mount namespace by path (the rootfs is set up in it) --------------
unshare -m sleep 60 &
HOLDER=$!
i=0; while [ "$(readlink /proc/$HOLDER/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
bundle '["/bin/true"]' '' '' '' "[{\"type\": \"pid\"}, {\"type\": \"uts\"}, {\"type\": \"mount\", \"path\": \"/proc/$HOLDER/ns/mnt\"}]"
v --policy exact create --bundle "$B" m1
check_eq "exact: create joining a mount namespace by path" "0" "$RC$( [ $RC = 0 ] || echo " $ERR")"
check_eq "... the process is in that namespace" "$(readlink /proc/$HOLDER/ns/mnt)" "$(readlink /proc/$(pid_of m1)/ns/mnt 2>/dev/null)"
S delete -f m1
v --policy hardened create --bundle "$B" m2
expect_fail "hardened: joining a mount namespace is refused, naming it" 'joining an existing mount namespace .* is not supported under the hardened policy'
kill $HOLDER
wait $HOLDER 2>/dev/null

# --- verbs at once on one container ----------------------------------------------
bundle '["/bin/sleep", "30"]'
S create --bundle "$B" cc >/dev/null 2>&1
# the container's lock serialises the verbs that change it; state only reads.
# flock(1) holds it (-o: not the command) until the command, a sleep, is killed.
rm -f "$T_TMP/held"
flock -o "$ROOT/cc" sh -c "echo \$\$ > $T_TMP/held; exec sleep 30" &
LOCKER=$!
i=0; while [ ! -s "$T_TMP/held" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
S state cc >/dev/null
[ -d "/proc/$(cat "$T_TMP/held")" ] && ok "state does not wait for the container's lock" || not_ok "state waited for the lock"
S kill cc KILL &
KILLER=$!
sleep 0.3
[ -d "/proc/$KILLER" ] && ok "kill waits for the container's lock" || not_ok "kill did not wait for the lock"
check_eq "... and has signalled nothing while it is held" "created" "$(status_of cc)"
kill "$(cat "$T_TMP/held")"
wait $LOCKER
wait $KILLER
check_eq "... and signals once the lock is free" "0" "$?"
wait_status cc stopped >/dev/null
S delete cc
# ten starts at once: exactly one lets the process run
bundle '["/bin/sh", "-c", "echo x >> /out/runs; sleep 30"]'
rm -f "$T_TMP/out/runs"
S create --bundle "$B" cs >/dev/null 2>&1
for i in 1 2 3 4 5 6 7 8 9 10; do (S start cs >/dev/null 2>&1 && echo ok >>"$T_TMP/starts") & done
wait
sleep 0.2
check_eq "10 concurrent starts: one succeeds" "1" "$(grep -c ok "$T_TMP/starts")"
check_eq "... and the process ran once" "1" "$(grep -c x "$T_TMP/out/runs")"
# kill, delete --force and state at once
for i in 1 2 3; do S kill cs KILL 2>/dev/null & S delete --force cs 2>/dev/null & S state cs >/dev/null 2>&1 & done
wait
v state cs
expect_fail "concurrent kill/delete/state: deleted once, cleanly" 'does not exist'
check_eq "... nothing left under the root" "" "$(ls "$ROOT")"

# --- create killed midway (SIGKILL during a createRuntime hook) ----------------------
bundle '["/bin/true"]' '' ", \"hooks\": {\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo \$\$ > $T_TMP/hookpid; exec sleep 30\"]}]}"
rm -f "$T_TMP/hookpid"
"$SBXCTR" --root "$ROOT" create --bundle "$B" ck >/dev/null 2>&1 &
CREATE=$!
i=0; while [ ! -s "$T_TMP/hookpid" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
INIT=$(pid_of ck)
kill -9 $CREATE
wait $CREATE 2>/dev/null
i=0; while [ -d "/proc/$(cat "$T_TMP/hookpid")" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ ! -d "/proc/$(cat "$T_TMP/hookpid")" ] && ok "SIGKILL of create: its hook died with it" || not_ok "the hook survived create"
v state ck
expect_fail "SIGKILL of create: the half-made container does not exist" 'does not exist'
S list >/dev/null
check_eq "SIGKILL of create: the next verb removed its directory" "" "$(ls "$ROOT")"
check_no_leftovers "SIGKILL of create"

# --- hooks -----------------------------------------------------------------------
# createContainer runs in the container's namespaces before pivot_root, under
# hardened as its root (an unprivileged host uid): it reaches host paths with
# that uid's permissions, so the test directory must be searchable
chmod 755 "$T_TMP"
rm -f "$T_TMP/out/hooks"
H() { printf '{"path": "/bin/sh", "args": ["sh", "-c", "echo %s $(cat) >> %s"]}' "$1" "$2"; }
for POLICY in hardened exact; do
	# created by host root, appended to by the container's root too
	rm -f "$T_TMP/out/hooks"
	: >"$T_TMP/out/hooks"
	chmod 666 "$T_TMP/out/hooks"
	bundle '["/bin/true"]' '' ", \"annotations\": {\"a\": \"b\"}, \"hooks\": {
	  \"prestart\": [$(H prestart "$T_TMP/out/hooks")],
	  \"createRuntime\": [$(H createRuntime "$T_TMP/out/hooks")],
	  \"createContainer\": [$(H createContainer "$T_TMP/out/hooks")],
	  \"startContainer\": [$(H startContainer /out/hooks)],
	  \"poststart\": [$(H poststart "$T_TMP/out/hooks")],
	  \"poststop\": [$(H poststop "$T_TMP/out/hooks")]}"
	S --policy $POLICY create --bundle "$B" h1 >/dev/null 2>&1
	PID=$(pid_of h1)
	S start h1
	wait_status h1 stopped >/dev/null
	S delete -f h1
	check_eq "[$POLICY] hooks in lifecycle order" "prestart createRuntime createContainer startContainer poststart poststop" \
		"$(awk '{print $1}' "$T_TMP/out/hooks" | tr '\n' ' ' | sed 's/ $//')"
	check_match "[$POLICY] prestart reads the state: id, created, the init's pid, bundle, annotations" \
		"^prestart \{\"ociVersion\":\"1.2.0\",\"id\":\"h1\",\"status\":\"created\",\"pid\":$PID,\"bundle\":\"$B\",\"annotations\":\{\"a\":\"b\"\}\}" \
		"$(grep ^prestart "$T_TMP/out/hooks")"
	check_match "[$POLICY] poststart reads status running" '"status":"running"' "$(grep ^poststart "$T_TMP/out/hooks")"
	check_match "[$POLICY] poststop reads status stopped" '"status":"stopped"' "$(grep ^poststop "$T_TMP/out/hooks")"
done
# failures: prestart fails create (nothing left); poststart/poststop only warn
bundle '["/bin/true"]' '' ', "hooks": {"prestart": [{"path": "/bin/false"}]}'
v create --bundle "$B" h2
expect_fail "a failing prestart hook fails create, naming it" 'hooks.prestart\[0\] /bin/false: exited with status 1'
v state h2
expect_fail "... and leaves no container" 'does not exist'
bundle '["/bin/true"]' '' ', "hooks": {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "5"], "timeout": 1}]}'
T0=$(date +%s)
v create --bundle "$B" h3
expect_fail "a hook past its timeout fails create" 'hooks.createRuntime\[0\] /bin/sleep: timed out after 1 s'
[ $(($(date +%s) - T0)) -le 3 ] && ok "... after about its timeout" || not_ok "timeout took $(($(date +%s) - T0)) s"
bundle '["/bin/true"]' '' ', "hooks": {"poststart": [{"path": "/bin/false"}, {"path": "/bin/sh", "args": ["sh", "-c", "echo second > '"$T_TMP"'/out/second"]}], "poststop": [{"path": "/bin/false"}]}'
S create --bundle "$B" h4 >/dev/null 2>&1
v start h4
check_eq "a failing poststart hook: start still succeeds" "0" "$RC"
check_match "... with a warning" 'warning: hooks.poststart\[0\] /bin/false: exited with status 1' "$ERR"
check_eq "... and the next hook runs" "second" "$(cat "$T_TMP/out/second" 2>/dev/null)"
wait_status h4 stopped >/dev/null
v delete h4
check_eq "a failing poststop hook: delete still succeeds" "0" "$RC"
# a hook that never reads its stdin costs no SIGPIPE, even with a state larger than a socket buffer
BIG=$(head -c 300000 /dev/zero | tr '\0' x)
bundle '["/bin/true"]' '' ", \"annotations\": {\"big\": \"$BIG\"}, \"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}]}"
v create --bundle "$B" h5
check_eq "a hook that does not read 300 kB of state: create succeeds" "0" "$RC"
S delete -f h5 2>/dev/null

# --- console socket: the pty master over a unix socket --------------------------------
bundle '["/bin/sh", "-c", "tty; echo hello-$(cat)"]' ', "terminal": true'
rm -f "$T_TMP/con.sock" "$T_TMP/con.out"
"$SBX_HELPERS/console_recv" "$T_TMP/con.sock" "$T_TMP/con.out" "$(printf 'typed\n\004')" &
RECV=$!
i=0; while [ ! -S "$T_TMP/con.sock" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
v create --bundle "$B" --console-socket "$T_TMP/con.sock" t1
check_eq "create --console-socket" "0" "$RC"
v start t1
wait $RECV
wait_status t1 stopped >/dev/null
S delete -f t1
check_match "the master came as one SCM_RIGHTS fd with the pty's name" '^name=/dev/pts/[0-9]+ fds=1' "$(head -1 "$T_TMP/con.out")"
check_match "the process's stdio is that pty" '^/dev/pts/[0-9]+' "$(sed -n 2,9p "$T_TMP/con.out" | tr -d '\r')"
check_match "what was typed on the master reached it" 'hello-typed' "$(tr -d '\r' <"$T_TMP/con.out")"
v create --bundle "$B" t2
expect_fail "process.terminal without --console-socket is an error" 'needs --console-socket'
# --pidfd-socket: a pidfd of the init over a unix socket
bundle '["/bin/true"]'
rm -f "$T_TMP/pfd.sock" "$T_TMP/pfd.out"
"$SBX_HELPERS/console_recv" "$T_TMP/pfd.sock" "$T_TMP/pfd.out" &
RECV=$!
i=0; while [ ! -S "$T_TMP/pfd.sock" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
v create --bundle "$B" --pidfd-socket "$T_TMP/pfd.sock" t3
i=0; while [ ! -s "$T_TMP/pfd.out" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill $RECV 2>/dev/null
wait $RECV 2>/dev/null
check_match "--pidfd-socket sends one fd" 'fds=1' "$(cat "$T_TMP/pfd.out" 2>/dev/null)"
S delete -f t3

# --- run -t under script(1): the caller's terminal, raw, window size forwarded -----------
# (script, its own stdin at EOF, may type an EOF character or a NUL into the
# terminal; the program's pty echoes that as "^@", which is not its output)
if command -v script >/dev/null; then
	OUTT=$(script -qec "stty rows 33 cols 111; (sleep 1; stty rows 44 cols 55 </dev/tty) & $SBXCTR run -t --rootfs $SBX_ROOTFS -- /bin/sh -c 'tty; stty size; sleep 2; stty size'; wait" /dev/null </dev/null | tr -d '\r\000')
	check_match "run -t: the program's stdio is a pty" '/dev/pts/[0-9]+' "$OUTT"
	check_match "run -t: the window size at start" '33 111$' "$OUTT"
	check_match "run -t: a window change (SIGWINCH) is forwarded" '^44 55$' "$OUTT"
else
	not_ok "script(1) is missing (util-linux)"
fi

# --- global flags: --log as runc's JSON lines, --version ------------------------------
"$SBXCTR" --root "$ROOT" --log "$T_TMP/log.json" --log-format json state nosuch 2>"$T_TMP/err"
check_match "--log-format json: runc's {level,msg,time} line" '^\{"level":"error","msg":"container \\"nosuch\\" does not exist","time":"[0-9T:.-]+Z"\}$' "$(tail -1 "$T_TMP/log.json")"
check_match "... and the error on stderr too" 'does not exist' "$(cat "$T_TMP/err")"
"$SBXCTR" --root "$ROOT" --log "$T_TMP/log.json" --log-format json --systemd-cgroup --rootless true list >/dev/null
check_match "--systemd-cgroup and --rootless say what they did" 'systemd cgroups: a container.s cgroup is a transient scope.*' "$(cat "$T_TMP/log.json")"
check_match "--version" '^sbxctr version [0-9.]+
spec: 1\.2\.[0-9]+' "$("$SBXCTR" --version)"
check_match "features: an OCI features document" '"ociVersionMax": "1.2.0"' "$("$SBXCTR" features)"
mkdir -p "$T_TMP/sp"
"$SBXCTR" spec --bundle "$T_TMP/sp"
v spec --bundle "$T_TMP/sp"
expect_fail "spec never overwrites config.json" 'exists already'

# --- the child's own mount error, every time (not "sync socket" nor /proc/PID/ns/net) ----
bundle '["/bin/true"]'
sed -i 's|"options": \["size=1m"\]|"options": ["size=1m", "bogus=1"]|' "$B/config.json"
bad=0
for i in $(seq 20); do
	"$SBXCTR" run "$B" >/dev/null 2>"$T_TMP/err"
	rc=$?
	if [ $rc != 125 ] || ! grep -q 'tmpfs on /tmp' "$T_TMP/err" || grep -qE 'sync socket|/ns/net' "$T_TMP/err"; then
		bad=$((bad + 1))
		cp "$T_TMP/err" "$T_TMP/err.bad"
	fi
done
check_eq "20 runs with a mount error: all report it (exit 125)" "0 bad" "$bad bad$( [ $bad = 0 ] || echo ": $(cat "$T_TMP/err.bad")")"

check_eq "nothing left under --root" "" "$(ls "$ROOT")"
check_no_leftovers "oci lifecycle"
t_done

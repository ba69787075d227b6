#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# containerd (Debian's 1.6) and its runc shim driving sbxctr: a private
# containerd (its own root, state, sockets, in mount and network namespaces
# of the test's own) configured with docs/kubernetes.md's runtime handler,
# an OCI image imported with `ctr image import`, then `ctr run
# --runc-binary` (the shim's BinaryName) --rm, `ctr task exec`, `ps`,
# `kill`, the policy annotation, and where cgroup v2 is usable (the VM)
# `ctr task pause`/`resume` and `metrics`, and under systemd (the VM's systemd
# mode) SystemdCgroup's scopes. Elsewhere the host's cgroup
# hierarchies are hidden (engines.sh) and sbxctr runs with
# --cgroup-manager=disabled through a wrapper, as docs/kubernetes.md says.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engines.sh"
t_skip_unless_root
for tool in containerd ctr containerd-shim-runc-v2; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP: $tool is not installed (setup.sh test installs containerd)"
		exit 77
	fi
done
DOC=$(dirname "$0")/../../docs/kubernetes.md

[ -n "${ENG_INNER:-}" ] || eng_outer "$0" -m -n

eng_private_cgroups
ip link set lo up
D=$T_TMP/containerd
mkdir -p "$D"
chmod 755 "$T_TMP" "$D"
eng_rootfs "$D/rootfs"
eng_oci_image "$D/rootfs" "$D/image.tar" docker.io/library/sbxtest:latest

# the runtime the shim runs: sbxctr, or on hosts without cgroup v2 the wrapper docs/kubernetes.md gives
BIN=$D/sbxctr-shim
{
	echo '#!/bin/sh'
	echo "echo \"\$*\" >>'$D/calls'"
	if [ "$ENG_CGROUPS" = 1 ]; then
		echo "exec '$SBXCTR' \"\$@\""
	else
		echo "exec '$SBXCTR' --cgroup-manager=disabled \"\$@\""
	fi
} >"$BIN"
chmod 755 "$BIN"

# containerd's configuration: private paths, and the handler table from docs/kubernetes.md
handler=$(sed -n '/<!-- containerd-handler: begin -->/,/<!-- containerd-handler: end -->/p' "$DOC" |
	sed '/^<!--/d; /^```/d')
check_match "docs/kubernetes.md has the handler table" 'runtime_type = "io.containerd.runc.v2"' "$handler"
cat >"$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
[grpc]
  address = "$D/containerd.sock"
[ttrpc]
  address = "$D/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/opt"
[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$D/cni/bin"
    conf_dir = "$D/cni/conf"
$(printf '%s\n' "$handler" | sed "s|/usr/local/bin/sbxctr|$BIN|; s|/run/containerd/sbxctr|$D/sbxctr-root|")
EOF
eng_containerd "$D/config.toml" "$D/containerd.sock"
CPID=$ENG_CPID
C="ctr --address $D/containerd.sock"
check_match "the private containerd answers" "Version" "$($C version 2>&1)"
check_match "its CRI plugin loaded the configuration" "io.containerd.grpc.v1.cri +cri +linux/amd64 +ok|io.containerd.grpc.v1 +cri .* ok" \
	"$($C plugins ls 2>&1 | grep cri) $(grep -i "cri" "$D/config.toml.log" | grep -iE "error|fail" | head -3)"
dump=$(containerd --config "$D/config.toml" config dump 2>&1)
check_match "containerd's configuration has the sbxctr handler with BinaryName" \
	"runtimes.sbxctr.options\]" "$dump"
check_match "... BinaryName is the shim's runtime" "BinaryName = \"$BIN\"" "$dump"

out=$($C image import "$D/image.tar" 2>&1)
check_match "ctr image import of the test image" "sbxtest" "$out$($C images ls -q 2>&1)"
img=docker.io/library/sbxtest:latest
R="--runc-binary $BIN --runc-root $D/sbxctr-root"

# shellcheck disable=SC2086 # $R: flags, split on purpose
out=$(timeout 60 $C run $R --rm $img t1 sh -c 'echo hello from sbxctr; cat /proc/self/uid_map' 2>&1)
check_match "ctr run --rm: the program ran" "^hello from sbxctr" "$out"
check_nomatch "... in a user namespace of its own (hardened)" "^ +0 +0 +4294967295" "$out"
check_eq "... and was removed" "" "$($C containers ls -q 2>&1)"
# shellcheck disable=SC2086
out=$(timeout 60 $C run $R --rm --annotation org.sbxctr.policy=exact $img t2 cat /proc/self/uid_map 2>&1)
check_match "the policy annotation: exact runs the config as written (host ids)" "^ +0 +0 +4294967295" "$out"
# shellcheck disable=SC2086
timeout 60 $C run $R --rm $img t3 sh -c 'exit 7'
check_eq "ctr run: the exit status comes back" 7 $?

# shellcheck disable=SC2086
$C run $R -d $img t4 sleep 1000 >/dev/null 2>&1
check_match "ctr run -d: the task runs" "^t4 +[0-9]+ +RUNNING" "$($C task ls 2>&1)"
out=$(timeout 30 $C task exec --exec-id e1 t4 sh -c 'echo in $(hostname); cat /proc/1/cmdline | tr "\0" " "' 2>&1)
check_match "ctr task exec: in the container (its pid 1 is the task)" "sleep 1000" "$out"
timeout 30 $C task exec --exec-id e2 t4 sh -c 'exit 5'
check_eq "ctr task exec: the exit status comes back" 5 $?
$C task exec -d --exec-id e3 t4 sleep 1000 >/dev/null 2>&1
out=$($C task ps t4 2>&1)
check_eq "ctr task ps: the task and its exec'd process" 2 "$(printf '%s\n' "$out" | grep -c '^[0-9]')"
if [ "$ENG_CGROUPS" = 1 ]; then
	$C task pause t4
	check_match "ctr task pause" "t4 +[0-9]+ +PAUSED" "$($C task ls 2>&1)"
	$C task resume t4
	check_match "ctr task resume" "t4 +[0-9]+ +RUNNING" "$($C task ls 2>&1)"
	out=$($C task metrics t4 2>&1)
	check_match "ctr task metrics: the shim reads the container's cgroup" "memory|pids|cpu" "$out"
	cg=$(grep -o '"cgroup": *"[^"]*"' "$D/sbxctr-root/default/t4/state.json" | sed 's/.*: *"//; s/"$//')
	check_match "the task's init is in its own cgroup" "^/sys/fs/cgroup/" "$cg"
fi
# SystemdCgroup = true (docs/kubernetes.md): the shim passes --systemd-cgroup and
# a slice:prefix:name path; where systemd is pid 1 (the test VM's systemd mode)
if [ "$ENG_CGROUPS" = 1 ] && [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
	# shellcheck disable=SC2086
	$C run $R --runc-systemd-cgroup --cgroup system.slice:sbxctr-ctr:t5 -d $img t5 sleep 1000 >/dev/null 2>&1
	check_match "SystemdCgroup: ctr run -d with --runc-systemd-cgroup" "^t5 +[0-9]+ +RUNNING" "$($C task ls 2>&1)"
	check_match "... the shim passed --systemd-cgroup to sbxctr" "--systemd-cgroup.*create" "$(tr '\n' ' ' <"$D/calls")"
	check_eq "... systemd made the scope" "yes" \
		"$([ -d /sys/fs/cgroup/system.slice/sbxctr-ctr-t5.scope ] && echo yes || echo no)"
	out=$($C task metrics t5 2>&1)
	check_match "... ctr task metrics reads it" "memory|pids|cpu" "$out"
	$C task kill -s KILL t5
	i=0
	while $C task ls 2>/dev/null | grep -q 't5.*RUNNING' && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	$C task rm t5 >/dev/null 2>&1
	$C containers rm t5 >/dev/null 2>&1
	i=0
	while [ -d /sys/fs/cgroup/system.slice/sbxctr-ctr-t5.scope ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	check_eq "... and the scope goes with the task" "no" \
		"$([ -d /sys/fs/cgroup/system.slice/sbxctr-ctr-t5.scope ] && echo yes || echo no)"
fi
$C task kill -s KILL t4
i=0
while $C task ls 2>/dev/null | grep -q 't4.*RUNNING' && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check_match "ctr task kill: the task stopped" "t4 +[0-9]+ +STOPPED" "$($C task ls 2>&1)"
$C task rm t4 >/dev/null 2>&1
$C containers rm t4 >/dev/null 2>&1
check_match "the shim called sbxctr's exec, ps, kill and delete" "exec --process.*--detach" "$(tr '\n' ' ' <"$D/calls")"
check_eq "no sbxctr container left" "" "$(ls "$D/sbxctr-root/default" 2>/dev/null)"

kill "$CPID"
wait "$CPID" 2>/dev/null
# ctr's cgroupsPath is /default/ID: sbxctr's delete removed ID, the parent is the engine's naming
[ "$ENG_CGROUPS" = 1 ] && rmdir /sys/fs/cgroup/default 2>/dev/null
check_eq "no shim left" "" "$(eng_wait_gone "containerd-shim-runc-v2.*$D")"
check_eq "nothing in /opt/containerd (the opt plugin was kept in the test's directory)" "" \
	"$(ls -d /opt/containerd 2>/dev/null)"
t_done

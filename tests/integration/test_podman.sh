#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# podman (Debian's 4.3, with conmon as its monitor) driving sbxctr with
# `--runtime`: the smoke checks an engine user does, under both policies
# (hardened, and exact through `--runtime-flag policy=exact`), and the same
# checks with crun in the same run for comparison (crun's results are
# printed, not asserted). podman keeps everything in the test's directory
# (--root, --runroot, --tmpdir, its own containers.conf), in a mount
# namespace of the test's own. Hosts without usable cgroup v2: cgroups
# disabled (--cgroups=disabled, which podman passes on as
# --cgroup-manager=disabled) and the host's hierarchies hidden under a tmpfs
# (engines.sh); the checks that need a cgroup (top, pause/unpause, stats,
# --memory) run in the VM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engines.sh"
t_skip_unless_root
if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
	echo "SKIP: podman and conmon are not installed (setup.sh test installs them)"
	exit 77
fi

[ -n "${ENG_INNER:-}" ] || eng_outer "$0" -m

eng_private_cgroups
D=$T_TMP/podman
mkdir -p "$D/w-sbxctr" "$D/w-crun" "$D/tmp"
chmod 755 "$T_TMP" "$D"
eng_rootfs "$D/rootfs"
tar -C "$D/rootfs" -cf "$D/rootfs.tar" .

eng_podman_conf "$D/containers.conf"
export CONTAINERS_CONF="$D/containers.conf"
# the runtimes by the names podman knows them by, logging how podman calls them
cat >"$D/w-sbxctr/sbxctr" <<EOF
#!/bin/sh
echo "\$*" >>"$D/calls-sbxctr"
exec "$SBXCTR" --root "$D/state-sbxctr" "\$@"
EOF
cat >"$D/w-crun/crun" <<EOF
#!/bin/sh
echo "\$*" >>"$D/calls-crun"
exec crun "\$@"
EOF
chmod 755 "$D/w-sbxctr/sbxctr" "$D/w-crun/crun"

# pm: podman on the test's storage, with $PM_RUNTIME and the global flags $PM_EXTRA
cat >"$D/pm" <<EOF
#!/bin/sh
exec podman --root "$D/root" --runroot "$D/runroot" --tmpdir "$D/tmp" --storage-driver vfs \\
	--runtime "\$PM_RUNTIME" \$PM_EXTRA "\$@"
EOF
chmod 755 "$D/pm"
P=$D/pm
export PM_RUNTIME="$D/w-sbxctr/sbxctr" PM_EXTRA=
img=localhost/sbxtest:latest
if ! $P import "$D/rootfs.tar" $img >"$T_TMP/imp" 2>&1; then
	not_ok "podman import of the test rootfs" "$(cat "$T_TMP/imp")"
	t_done
fi
ok "podman import of the test rootfs as $img"

printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' \
	>"$D/seccomp.json"

# ck NAME CMD...: one smoke check (the command's status), recorded for the table
PASSED=0
RAN=0
FAILED_NAMES=
ck() {
	name=$1
	shift
	RAN=$((RAN + 1))
	if out=$("$@" 2>&1); then
		PASSED=$((PASSED + 1))
	else
		FAILED_NAMES="$FAILED_NAMES $name"
		printf '# %s %s: %s\n' "$LABEL" "$name" "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}

# The smoke checks; names are the table's rows. pm and $img as set by the caller.
smoke() {
	$P rm -fa -t 0 >/dev/null 2>&1
	ck run sh -c "[ \"\$($P run --rm $img echo hi)\" = hi ]"
	ck run-tty sh -c "script -qec '$P run --rm -t $img tty' /dev/null | grep -q '^/dev/pts/'"
	$P run -d --name s1 $img sleep 1000 >/dev/null 2>&1
	ck exec sh -c "[ \"\$($P exec s1 echo inside)\" = inside ]"
	ck exec-status sh -c "$P exec s1 sh -c 'exit 7'; [ \$? = 7 ]"
	# with script(1)'s stdin at EOF (ctest gives /dev/null) `podman exec -it` printed nothing in
	# some runs, for crun as for sbxctr (-i attaches that stdin); a stdin that stays open: 0 of
	# 8 runs failed (3 with both cores busy), against about half of the ASan runs before
	ck exec-it sh -c "mkfifo '$D/in.exec-it'; sleep 60 >'$D/in.exec-it' & s=\$!
		script -qec '$P exec -it s1 tty' /dev/null <'$D/in.exec-it' | grep -q '^/dev/pts/'; r=\$?
		kill \$s; rm -f '$D/in.exec-it'; exit \$r"
	ck exec-user sh -c "[ \"\$($P exec --user 65534 s1 id -u)\" = 65534 ]"
	$P run -d --name s2 $img sh -c 'echo logline; exec sleep 1000' >/dev/null 2>&1
	ck logs sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do $P logs s2 | grep -qx logline && exit 0; sleep 0.2; done; exit 1"
	ck ps sh -c "$P ps --format '{{.Names}} {{.Status}}' | grep -q '^s1 Up'"
	ck inspect sh -c "[ \"\$($P inspect s1 --format '{{.State.Status}} {{.State.Pid}}')\" != '' ] && $P inspect s1 --format '{{.State.Status}}' | grep -qx running"
	if [ "$ENG_CGROUPS" = 1 ]; then
		ck top sh -c "$P top s1 | grep -q 'sleep 1000'"
		ck pause-unpause sh -c "$P pause s1 && $P inspect s1 --format '{{.State.Status}}' | grep -qx paused && $P unpause s1 && $P inspect s1 --format '{{.State.Status}}' | grep -qx running"
		ck stats sh -c "$P stats --no-stream --format '{{.Name}} {{.MemUsage}}' s1 | grep -q '^s1 '"
		ck memory sh -c "[ \"\$($P run --rm --memory 64m $img cat /sys/fs/cgroup/memory.max)\" = 67108864 ]"
	fi
	ck stop sh -c "$P stop -t 1 s1 >/dev/null && $P inspect s1 --format '{{.State.Status}}' | grep -qx exited"
	ck kill sh -c "$P kill s2 >/dev/null && [ \"\$($P wait s2)\" = 137 ]"
	$P run -d --name s3 $img sh -c 'sleep 0.5; exit 3' >/dev/null 2>&1
	ck wait sh -c "[ \"\$($P wait s3)\" = 3 ]"
	ck rm-f sh -c "$P run -d --name s4 $img sleep 1000 >/dev/null && $P rm -f -t 0 s4 >/dev/null && ! $P inspect s4 >/dev/null 2>&1"
	ck read-only sh -c "! $P run --rm --read-only $img touch /x && $P run --rm $img touch /x"
	ck user sh -c "[ \"\$($P run --rm --user 65534:65534 $img sh -c 'echo \$(id -u) \$(id -g)')\" = '65534 65534' ]"
	ck cap-drop sh -c "$P run --rm --cap-drop all $img grep CapEff /proc/self/status | grep -q '0000000000000000' && $P run --rm $img grep CapEff /proc/self/status | grep -qv '0000000000000000'"
	ck seccomp sh -c "! $P run --rm --security-opt seccomp=$D/seccomp.json $img mkdir /tmp/x && $P run --rm $img mkdir /tmp/x"
	$P rm -fa -t 0 >/dev/null 2>&1
}

# run_smoke LABEL RUNTIME EXTRA: prints "LABEL: passed/ran"; sets PASSED, RAN
run_smoke() {
	LABEL=$1
	PM_RUNTIME=$2
	PM_EXTRA=$3
	PASSED=0
	RAN=0
	FAILED_NAMES=
	smoke
	echo "# $LABEL: $PASSED/$RAN smoke checks passed${FAILED_NAMES:+ (failed:$FAILED_NAMES)}"
}

run_smoke "sbxctr (hardened)" "$D/w-sbxctr/sbxctr" ""
check_eq "podman + sbxctr, policy hardened: every smoke check passes" "$RAN/$RAN$FAILED_NAMES" "$PASSED/$RAN$FAILED_NAMES"
run_smoke "sbxctr (exact)" "$D/w-sbxctr/sbxctr" "--runtime-flag policy=exact"
check_eq "podman + sbxctr, policy exact: every smoke check passes" "$RAN/$RAN$FAILED_NAMES" "$PASSED/$RAN$FAILED_NAMES"
check_match "podman passed the policy to every call" "--policy=exact.*create" "$(cat "$D/calls-sbxctr")"
if command -v crun >/dev/null; then
	run_smoke "crun" "$D/w-crun/crun" ""
	echo "# crun (same checks, same run; not asserted): $PASSED/$RAN"
fi

# what podman called sbxctr with: every verb it used
check_match "podman used create, start, exec, kill, delete, state" \
	"create.*--bundle" "$(grep -c '' "$D/calls-sbxctr") $(tr '\n' ' ' <"$D/calls-sbxctr")"

# nothing left: no container, no conmon, no sbxctr state, mounts only in our namespace
PM_RUNTIME=$D/w-sbxctr/sbxctr
PM_EXTRA=
$P rm -fa -t 0 >/dev/null 2>&1
check_eq "no podman container left" "" "$($P ps -aq)"
check_eq "no conmon left" "" "$(eng_wait_gone "conmon.*$D")"
check_eq "no sbxctr container left" "" "$(ls "$D/state-sbxctr" 2>/dev/null)"
t_done

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# OCI bundles: config.json fields applied for real, bad configs rejected with
# the JSON path and nothing left behind, namespaces joined by path.
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
P=/usr/local/bin/probe
B="$T_TMP/bundle"
mkdir -p "$B"
ln -s "$SBX_ROOTFS" "$B/rootfs"

# bundle PROCESS_EXTRA LINUX_EXTRA TOP_EXTRA ARGS_JSON: writes $B/config.json
bundle() {
	cat >"$B/config.json" <<EOF
{
  "ociVersion": "1.1.0",
  "root": { "path": "rootfs", "readonly": true },
  "process": { "args": $4, "cwd": "/", "env": ["PATH=/usr/local/bin:/bin"], "noNewPrivileges": true $1 },
  "hostname": "bundlehost",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=64k"] },
    { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"] } $3
  ],
  "linux": {
    "namespaces": [ {"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "user"} $2 ]
  }
}
EOF
}

# runb: runs the bundle; sets OUT ERR RC
runb() {
	"$SBXCTR" run "$@" "$B" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}

# --- a valid bundle --------------------------------------------------------------
bundle ', "user": {"uid": 1000, "gid": 1000, "additionalGids": [5, 7], "umask": 63}' ', {"type": "network"}' '' \
	'["/bin/sh", "-c", "id -u; id -g; id -G; umask; hostname; pwd"]'
runb
check_eq "bundle: process.user, umask, hostname, cwd" "1000
1000
1000 5 7
0077
bundlehost
/" "$OUT"
check_eq "bundle: exit 0" "0" "$RC"
runb --bundle
check_eq "--bundle DIR form" "0" "$RC"

# capabilities from the config (all five sets)
bundle ', "capabilities": {"bounding": ["CAP_NET_BIND_SERVICE", "CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}' \
	', {"type": "network"}' '' '["/bin/sh", "-c", "grep -E \"^Cap(Eff|Bnd|Amb)\" /proc/self/status"]'
runb
check_eq "bundle: capability sets applied through libcap" "CapEff:	0000000000000020
CapBnd:	0000000000000420
CapAmb:	0000000000000020" "$OUT"

# bind mounts, read-only
mkdir -p "$T_TMP/share"
echo shared >"$T_TMP/share/f"
bundle '' ', {"type": "network"}' ", {\"destination\": \"/mnt/share\", \"type\": \"bind\", \"source\": \"$T_TMP/share\", \"options\": [\"rbind\", \"ro\"]}" \
	"[\"/bin/sh\", \"-c\", \"cat /mnt/share/f; $P write /mnt/share/g\"]"
runb
check_eq "bundle: ro bind mount readable, not writable" "shared
open: EROFS" "$OUT"
# a directory from a 0700 host path bound below a tmpfs of ours: the child makes the
# mount point, as a directory, without being able to look at the source itself
bundle '' ', {"type": "network"}' ", {\"destination\": \"/tmp/deep/share\", \"type\": \"bind\", \"source\": \"$T_TMP/share\", \"options\": [\"rbind\", \"ro\"]}" \
	"[\"/bin/cat\", \"/tmp/deep/share/f\"]"
runb
check_eq "bundle: bind of a private directory below a tmpfs" "shared" "$OUT"

# sysctl (namespaced) applied inside only
bundle '' ', {"type": "network"}], "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmni": "100"}, "x": [' '' \
	'["/bin/sh", "-c", "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni"]'
host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
runb
check_eq "bundle: namespaced sysctls" "1
100" "$OUT"
check_eq "bundle: host sysctl untouched" "$host_fwd" "$(cat /proc/sys/net/ipv4/ip_forward)"

# maskedPaths / readonlyPaths from the config
bundle '' ', {"type": "network"}], "maskedPaths": ["/etc/motd"], "readonlyPaths": ["/tmp"], "x": [' '' \
	"[\"/bin/sh\", \"-c\", \"$P read /etc/motd; $P write /tmp/x\"]"
runb
check_eq "bundle: maskedPaths and readonlyPaths" "ok 0
open: EROFS" "$OUT"

# --- joining an existing network namespace by path ---------------------------------
if command -v ip >/dev/null && netns_hold; then
	netns_do ip link add sbxdummy0 type veth peer name sbxdummy1
	bundle '' ", {\"type\": \"network\", \"path\": \"$NETNS\"}" ', {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro"]}' \
		"[\"$P\", \"links\"]"
	runb
	check_match "bundle: joined network namespace by path (sees its dummy link)" "sbxdummy0" "$OUT"
	check_eq "  ... exit 0 (sysfs falls back to a read-only bind)" "0" "$RC"
	netns_release
else
	ok "# SKIP joining a netns: ip(8) or unshare(1) missing"
fi

# --- bad configs: exit 125, the JSON path, nothing left ------------------------------
bad() { # bad NAME EXPECTED_PATTERN: run the current bundle, expect a 125 error
	runb
	if [ "$RC" = 125 ] && printf '%s' "$ERR" | grep -qE -- "$2"; then ok "bad config: $1"; else not_ok "bad config: $1" "rc=$RC" "$ERR"; fi
}
printf '{"ociVersion": "1.0.0", "root": {"path": "rootfs"}, "process": {"args": ["x"], "cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 2}, {"type": "RLIMIT_CPU", "soft": 1, "hard": "x"}]}}' >"$B/config.json"
bad "rlimit type error" 'config.json: process.rlimits\[1\].hard: expected an unsigned integer, got "x"'
printf '{"ociVersion": "1.0.0", "root": {"path": "rootfs"}, "process": {"args": ["x"], "cwd": "/", "terminal": true}}' >"$B/config.json"
bad "terminal: true without a devpts" 'process.terminal: opening /dev/ptmx'
printf '{"ociVersion": "1.0.0", "root": {"path": "rootfs"}' >"$B/config.json"
bad "truncated JSON" 'config.json: invalid JSON'
printf '{"ociVersion": "1.0.0", "root": {"path": "nope"}, "process": {"args": ["x"], "cwd": "/"}}' >"$B/config.json"
bad "missing rootfs" 'rootfs .*nope'
rm "$B/config.json"
bad "missing config.json" 'config.json: No such file'
# failures inside the child reach the parent with their context
bundle '' '' ', {"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["bogus=1"]}' '["/bin/true"]'
bad "bad filesystem option (child-side)" 'tmpfs on /mnt.*(kernel: .*bogus|Invalid argument)'
bundle ', "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1048576, "hard": 1099511627776}]' '' '' '["/bin/true"]'
bad "raising a hard rlimit (child-side)" 'rlimits\[0\].*CAP_SYS_RESOURCE'
bundle ', "user": {"uid": 70000}' '' '' '["/bin/true"]'
bad "unmapped process.user.uid" 'uid 70000'
bundle '' ', {"type": "user", "path": "/proc/1/ns/user"}' '' '["/bin/true"]'
bad "duplicate / joined user namespace" 'linux.namespaces\[[0-9]\]'
bundle '' ', {"type": "network", "path": "/nonexistent/ns"}' '' '["/bin/true"]'
bad "joining a missing namespace" 'network namespace /nonexistent/ns'

check_no_leftovers "bundle"
t_done

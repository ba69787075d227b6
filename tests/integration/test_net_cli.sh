#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Networking through the sbxctr binary (--net*), checked with the static
# probes net_dump, net_xfer and net_attack. The whole script runs in a network
# namespace of its own (re-executed under `unshare -n`): the host ends, the
# traffic and any leftovers stay in it. The library itself is covered in depth
# by test_net.c; this checks the runtime's wiring.
if [ -z "${SBX_NET_TEST_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	exec env SBX_NET_TEST_NS=1 unshare -n sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
: "${SBX_HELPERS:?SBX_HELPERS must point at the probe programs}"
if ! "$SBXCTR" run --help 2>&1 | grep -q -- '--net-rate-out'; then
	echo "SKIP: this sbxctr has no --net flags yet (runtime glue pending)"
	exit 77
fi
B=/usr/local/bin
DUMP="$SBX_HELPERS/net_dump"

# Host ends of sbxctr (veths named sbx<N>h) in this test's namespace.
host_ends() { "$DUMP" | awk '$1 == "link" && $2 ~ /^sbx[0-9]+h$/ && $4 == "veth" { print $2 }'; }
# Waits up to 3 s for them to go (the kernel deletes a pair with its netns, asynchronously).
wait_no_host_ends() {
	i=0
	while [ -n "$(host_ends)" ] && [ $i -lt 300 ]; do sleep 0.01; i=$((i + 1)); done
	check_eq "$1: no host end left" "" "$(host_ends | tr '\n' ' ')"
}
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# --- default: a new netns with only lo, working ---------------------------------
sbx -- $B/net_dump
check_eq "default network: only lo, up" "link lo up" "$(printf '%s\n' "$OUT" | grep '^link')"
check_match "default network: 127.0.0.1 on lo" "^addr lo 127.0.0.1/8$" "$OUT"
sbx -- $B/net_xfer loop 127.0.0.1 100000
check_eq "default network: TCP over 127.0.0.1" "0" "$RC"
sbx -- $B/net_xfer loop ::1 100000
check_eq "default network: TCP over ::1" "0" "$RC"
sbx --net none -- $B/net_dump
check_eq "--net none: only lo" "link lo up" "$(printf '%s\n' "$OUT" | grep '^link')"

# --- veth: as configured, seen from inside -------------------------------------
sbx --net veth --net-rate-out 8mbit --net-rate-in 16mbit -- $B/net_dump
check_eq "--net veth: exit status" "0" "$RC"
check_eq "--net veth: lo and eth0 only" "link lo up
link eth0 up veth" "$(printf '%s\n' "$OUT" | grep '^link')"
check_match "--net veth: an address on eth0" "^addr eth0 10\.201\.[0-9]+\.[0-9]+/30$" "$OUT"
check_match "--net veth: default route via the host end" "^route default via 10\.201\.[0-9.]+ dev eth0$" "$OUT"
check_match "--net veth: egress tbf at 8mbit" "^qdisc eth0 tbf root rate 1000000 " "$OUT"
wait_no_host_ends "--net veth"

sbx --net veth --net-ip 10.77.0.2/24 --net-host-ip 10.77.0.1/24 -- $B/net_dump
check_match "--net-ip" "^addr eth0 10\.77\.0\.2/24$" "$OUT"
check_match "--net-host-ip is the gateway" "^route default via 10\.77\.0\.1 dev eth0$" "$OUT"

# --- the sandbox cannot change its network or open raw/packet sockets -----------
sbx --net veth --net-rate-out 8mbit -- $B/net_attack eth0
check_eq "net_attack inside: every attempt denied" "0" "$RC"
[ "$RC" = 0 ] || printf '#   %s\n' "$OUT"

# --- a shaped transfer into the sandbox (the library test bounds both ways) -----
"$SBXCTR" run --rootfs "$SBX_ROOTFS" --net veth --net-rate-in 8mbit -- $B/net_xfer recv 5300 \
	>"$T_TMP/recv" 2>&1 &
rpid=$!
i=0
while ! grep -q ready "$T_TMP/recv" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.01; i=$((i + 1)); done
hend=$(host_ends | head -1)
hip=$("$DUMP" | awk -v h="$hend" '$1 == "addr" && $2 == h { split($3, a, "/"); print a[1] }')
sip=$(echo "$hip" | awk -F. '{ printf "%d.%d.%d.%d\n", $1, $2, $3, $4 + 1 }')
t0=$(now_ms)
xout=$("$SBX_HELPERS/net_xfer" send "$sip" 5300 1000000 2>&1)
xrc=$?
t1=$(now_ms)
wait $rpid
check_eq "transfer into the sandbox" "0" "$xrc"
ms=$(echo "$xout" | awk '{ print $4 }')
# The lower bound is the limit: 1 MB cannot arrive faster than 8 mbit allows
# (less the 16 KiB burst). The upper one only catches a wrongly converted rate
# (bits for bytes: 8x; a halved rate: 2x): on an idle machine this takes
# 1029-1034 ms (100 runs), but one TCP retransmission timeout (>= 200 ms) or a
# stall of the VM that runs CI adds a third to a 1 s transfer (CI saw 1299 ms
# once). test_net.c holds +-20 % over 4 s, where such a stall weighs less.
if [ -n "$ms" ] && [ "$ms" -ge 800 ] && [ "$ms" -le 1600 ]; then
	ok "1 MB at --net-rate-in 8mbit took $ms ms (800-1600)"
else
	not_ok "1 MB at --net-rate-in 8mbit" "took: ${ms:-?} ms ($xout), wall $((t1 - t0)) ms"
fi
wait_no_host_ends "after the shaped run"

# --- clear errors, nothing left behind ------------------------------------------
sbx --net veth --net-rate-out 8mbitz -- /bin/true
check_eq "bad rate: exit 125" "125" "$RC"
check_match "bad rate: message names the flag and value" '--net-rate-out: invalid rate "8mbitz"' "$ERR"
sbx --net-rate-out 8mbit -- /bin/true
check_eq "rate without veth: exit 125" "125" "$RC"
check_match "rate without veth: says why" 'needs --net veth' "$ERR"
sbx --net veth --net-ip 10.0.0.300/30 --net-host-ip 10.0.0.1/30 -- /bin/true
check_match "bad address: message" '--net-ip "10.0.0.300/30": invalid IPv4 address' "$ERR"
sbx --net bridge -- /bin/true
check_match "bad mode: message" '--net "bridge": unknown network mode' "$ERR"
check_eq "after the errors: nothing left" "" "$(host_ends | tr '\n' ' ')"

# --- SIGKILL of the runtime: the pair dies with the sandbox ---------------------
"$SBXCTR" run --rootfs "$SBX_ROOTFS" --net veth -- /bin/sleep 30 >/dev/null 2>&1 &
rpid=$!
i=0
while [ -z "$(host_ends)" ] && [ $i -lt 300 ]; do sleep 0.01; i=$((i + 1)); done
check_match "a host end exists while the sandbox runs" "sbx[0-9]+h" "$(host_ends)"
kill -KILL $rpid
wait $rpid 2>/dev/null
wait_no_host_ends "after SIGKILL of sbxctr"

check_no_leftovers "network runs"
t_done

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs bench/cgroup_bench.c (cgroup create + limits + destroy per run) inside
# the test VM, the only cgroup v2 machine at hand (the hosts are hybrid).
# Usage: bench/cgroup.sh BUILD_DIR [-n ITERATIONS]
# The VM runs under TCG emulation, many times slower than hardware. So the
# same binary first times its calibration (the cgroup work's file operations
# on a tmpfs, and a bare clone3) here on the host, then everything in the VM,
# and the last lines carry the VM's cgroup numbers over to this host's
# hardware by the tmpfs ratio (timed beside each cgroup iteration in the VM,
# see cgroup_bench.c): an estimate, labelled as such. On a real
# cgroup v2 host, run the binary directly instead: cgroup_bench -p /PARENT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: bench/cgroup.sh BUILD_DIR [-n N]}
shift
n=200
[ "${1:-}" = -n ] && n=${2:?}
bin="$build/cgroup_bench-host"
cc -O2 -std=gnu11 -D_GNU_SOURCE -static -I"$here/.." -o "$bin" "$here/cgroup_bench.c" "$here"/../cgroups/*.c \
	"$here/../core/error.c" "$here/../core/util.c" "$here/../core/log.c" 2>/dev/null
# the host side is cheap and only calibrates: many iterations make its median steady
host=$("$bin" -c -n $((n < 1000 ? 1000 : n)))
vm=$(bash "$here/../tests/vm/run-vm-tests.sh" "$build" --bench "$@" | tee /dev/stderr | grep -E '^(bench|ratio) ')
echo "== host (calibration only)"
echo "$host"
median() { sed -n "s/^$1 *median *\([0-9.]*\).*/\1/p"; }
h=$(echo "$host" | median 'bench calibration: tmpfs shadow')
v=$(echo "$vm" | median 'bench calibration: tmpfs shadow, interleaved')
[ -n "$h" ] && [ -n "$v" ] || { echo "cgroup.sh: no calibration numbers" >&2; exit 1; }
# Each VM phase was measured in units of the shadow timed in the same
# iteration (median of per-iteration ratios); one unit here is the host's shadow.
echo "== estimate for this host's hardware: VM ratio to the interleaved shadow x the host's shadow ($h us)"
echo "   (the VM's interleaved shadow was $v us: a slowdown of $(echo "$v / $h" | bc -l | cut -c1-5))"
for what in 'create + limits' 'stats after exit' 'destroy (empty: rmdir)' 'critical path, sync teardown' \
	'critical path, deferred teardown'; do
	r=$(echo "$vm" | median "ratio $what")
	[ -n "$r" ] && printf 'estimate %-34s %8.1f us\n' "$what" "$(echo "$r * $h" | bc -l)"
done

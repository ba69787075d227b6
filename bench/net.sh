#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds and runs bench/net_bench.c against a CMake build of sbxctr_core: the
# per-sandbox cost of netns+lo and of a rate-limited veth through sbxctr's
# netlink code, next to the same work done with ip(8)/tc(8), and both ways of
# tearing it down. Runs as root inside a network namespace of its own.
# Usage: sh bench/net.sh [BUILD_DIR] [-n LIB_RUNS] [-m CMD_RUNS]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
[ $# -gt 0 ] && shift
for t in ip tc; do
	command -v $t >/dev/null || { echo "bench: $t is missing (apt-get install iproute2)" >&2; exit 1; }
done
log=$(cmake --build "$build" --target sbxctr_core 2>&1) || { echo "$log" >&2; exit 1; }
out=$(mktemp /tmp/net_bench.XXXXXX)
trap 'rm -f "$out"' EXIT
gcc -O2 -D_GNU_SOURCE -I"$src" -I"$build/generated" "$src/bench/net_bench.c" "$build/libsbxctr.a" \
    $(pkg-config --libs libseccomp json-c libcap libmnl libnl-route-3.0 libnl-3.0) -o "$out"
"$out" "$@"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds and runs bench/seccomp_bench.c against a CMake build of sbxctr_core.
# Usage: sh bench/seccomp.sh [BUILD_DIR] [docker-default.json]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
fixture=${2:-$src/../shared/fixtures/seccomp/docker-default.json}
cmake --build "$build" --target sbxctr_core >/dev/null
out=$(mktemp /tmp/seccomp_bench.XXXXXX)
trap 'rm -f "$out"' EXIT
gcc -O2 -D_GNU_SOURCE -I"$src" -I"$build/generated" "$src/bench/seccomp_bench.c" "$build/libsbxctr.a" \
    $(pkg-config --libs libseccomp json-c libcap libmnl libnl-route-3.0 libnl-3.0) -o "$out"
"$out" "$fixture"

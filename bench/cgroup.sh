#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs bench/cgroup_bench.c (cgroup create + limits + destroy per run) inside
# the test VM, the only cgroup v2 machine at hand (the hosts are hybrid).
# Usage: bench/cgroup.sh BUILD_DIR [-n ITERATIONS]
# The VM runs under TCG emulation: absolute times are several times those of
# real hardware; compare the lines with each other (e.g. with and without the
# cgroup), not with numbers from elsewhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: bench/cgroup.sh BUILD_DIR [-n N]}
shift
exec bash "$here/../tests/vm/run-vm-tests.sh" "$build" --bench "$@"

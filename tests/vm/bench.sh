#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# In-VM benchmark mode (run-vm-tests.sh BUILD_DIR --bench): times cgroup
# create + limits + destroy with bench/cgroup_bench and reports a summary line.
args=$(cat /sbx/bench.args 2>/dev/null)
# shellcheck disable=SC2086 # args are words on purpose
/sbx/bench/cgroup_bench $args
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "SBXVM-SUMMARY passed=1 failed=0 skipped=0 failed_tests="
else
	echo "SBXVM-SUMMARY passed=0 failed=1 skipped=0 failed_tests=cgroup_bench"
fi

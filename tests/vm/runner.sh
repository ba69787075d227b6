#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# In-VM test runner (there is no ctest in the VM): runs every entry of
# /sbx/suite ("NAME<TAB>KIND<TAB>PATH<TAB>REQUIRED", resolved on the host
# from tests/vm/suite.list) with the same environment variables ctest gives,
# pointing at the VM's copies, and prints one machine-readable line per test
# and a summary line for tests/vm/run-vm-tests.sh. Programs are named by path:
# busybox (its timeout applet included) runs its own applets in place of a
# bare "sh", which would not be the host's shell that ctest uses.
export SBXCTR=/sbx/bin/sbxctr
export SBX_HELPERS=/sbx/helpers
export SBX_ROOTFS=/sbx/rootfs
export SBX_SOURCE_DIR=/sbx/src
export SBX_BUILD_DIR=/sbx/build
export SBX_FIXTURES=/sbx/fixtures
export SBX_IN_VM=1
[ -r /sbx/env ] && . /sbx/env
per_test_timeout=${SBX_VM_TEST_TIMEOUT:-150}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

pass=0
fail=0
skip=0
failed=""
tab=$(printf '\t')
while IFS="$tab" read -r name kind path required; do
	[ -n "$name" ] || continue
	echo "SBXVM-BEGIN $name"
	t0=$(uptime_s)
	cd /sbx/build/tests || exit 1
	case "$kind" in
	sh) timeout -s KILL "$per_test_timeout" /bin/sh "$path" </dev/null 2>&1 ;;
	*) timeout -s KILL "$per_test_timeout" "$path" </dev/null 2>&1 ;;
	esac
	rc=$?
	t1=$(uptime_s)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	if [ "$rc" -eq 0 ]; then
		status=PASS
		pass=$((pass + 1))
	elif [ "$rc" -eq 77 ] && [ "$required" != require ]; then
		status=SKIP
		skip=$((skip + 1))
	else
		status=FAIL
		[ "$rc" -eq 77 ] && status="FAIL(required-but-skipped)"
		[ "$rc" -eq 137 ] && status="FAIL(killed-after-${per_test_timeout}s)"
		fail=$((fail + 1))
		failed="$failed $name"
	fi
	echo "SBXVM-RESULT $name $status ${secs}s rc=$rc"
done </sbx/suite
echo "SBXVM-SUMMARY passed=$pass failed=$fail skipped=$skip failed_tests=${failed# }"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer harnesses with clang + ASan/UBSan in their own build
# directory and runs each for SECONDS (default 60). Fails on any crash,
# sanitizer report, leak, timeout or out-of-memory. The checked-in corpus
# (tests/fuzz/corpus/<harness minus fuzz_>/) seeds a working corpus in the
# build directory, so the repository's corpus only changes by hand.
#
# Usage: tests/fuzz/run-fuzz.sh [SECONDS] [HARNESS...]   e.g. run-fuzz.sh 10 fuzz_config
# Environment: FUZZ_BUILD_DIR (default build-fuzz), CC (default clang),
# FUZZ_JOBS (harnesses run at once, default: the number of CPUs).
set -eu
cd "$(dirname "$0")/../.."
src=$(pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
build=${FUZZ_BUILD_DIR:-build-fuzz}

CC=${CC:-clang} cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSBX_FUZZ=ON -DSBX_SANITIZE=ON \
	-DSBX_TESTS=OFF >"$build.configure.log" 2>&1 || {
	cat "$build.configure.log"
	exit 1
}
grep 'fuzz: skipping' "$build.configure.log" || true
rm -f "$build.configure.log"
cmake --build "$build" -j"$(nproc)" >"$build.build.log" 2>&1 || {
	cat "$build.build.log"
	exit 1
}
rm -f "$build.build.log"

harnesses=$*
if [ -z "$harnesses" ]; then
	harnesses=$(cd "$build/fuzz" && ls fuzz_* 2>/dev/null | grep -v '\.' || true)
fi
if [ -z "$harnesses" ]; then
	echo "run-fuzz: no harness was built" >&2
	exit 1
fi

# One harness: prints its verdict, returns non-zero on any finding.
run_one() {
	h=$1
	bin=$build/fuzz/$h
	if [ ! -x "$bin" ]; then
		echo "run-fuzz: $h was not built (see the configure output)" >&2
		return 1
	fi
	name=${h#fuzz_}
	work=$build/fuzz-work/$name
	mkdir -p "$work/corpus" "$work/artifacts"
	[ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/"$name"/* "$work/corpus/" 2>/dev/null || true
	# the seccomp loader is seeded with the real profiles
	if [ "$name" = seccomp ]; then
		for f in profiles/*.json ../shared/fixtures/seccomp/*.json; do
			[ -f "$f" ] && cp -n "$f" "$work/corpus/" 2>/dev/null || true
		done
	fi
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	[ -z "$dict" ] && [ -f tests/fuzz/json.dict ] && [ "$name" != rate ] && dict="-dict=tests/fuzz/json.dict"
	log=$work/fuzz.log
	echo "== $h: ${secs}s, corpus $(ls "$work/corpus" | wc -l) files"
	set +e
	# The seccomp loader fuzzes without leak checks: libseccomp 2.5.4 leaks
	# on its own (tests/fuzz/lsan.supp), and recognising its frames needs
	# slow unwinding (its archive has no frame pointers), 17 times slower.
	# Its whole corpus is replayed with leak checks and full stacks instead.
	leaks=1
	[ "$name" = seccomp ] && leaks=0
	ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=1:symbolize=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-detect_leaks=$leaks -artifact_prefix="$work/artifacts/" $dict "$work/corpus" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ $leaks = 0 ]; then
		find "$work/corpus" -type f | sort | xargs -n 200 env \
			ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
			LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0 \
			"$bin" >>"$log" 2>&1
		rc=$?
	fi
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if [ $rc -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: ' "$log"; then
		echo "FAIL $h (exit $rc); artifacts in $work/artifacts:"
		ls "$work/artifacts"
		grep -E -A40 'ERROR: |runtime error:' "$log" | head -60
		return 1
	fi
	echo "ok   $h: ${execs:-?} runs, ${rate:-?} exec/s, ${cov:-cov ?}, corpus $(ls "$work/corpus" | wc -l) files"
}

# FUZZ_JOBS harnesses at a time (default: one per CPU), each for the full time
jobs=${FUZZ_JOBS:-$(nproc)}
fail=0
pids=""
n=0
for h in $harnesses; do
	run_one "$h" &
	pids="$pids $!"
	n=$((n + 1))
	if [ $n -ge "$jobs" ]; then
		for p in $pids; do wait "$p" || fail=1; done
		pids=""
		n=0
	fi
done
for p in $pids; do wait "$p" || fail=1; done
exit $fail

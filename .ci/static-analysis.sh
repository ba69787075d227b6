#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Static analysis, as CI runs it: clang-tidy (bugprone-*, cert-*,
# clang-analyzer-*; see .clang-tidy for the few checks turned off and why)
# over every project source in compile_commands.json, then cppcheck. Any
# finding fails the script; the findings are listed at the end.
# Environment: ANALYSIS_BUILD_DIR (default build-analysis), JOBS.
set -eu
cd "$(dirname "$0")/.."
dir=${ANALYSIS_BUILD_DIR:-build-analysis}
jobs=${JOBS:-$(nproc)}
for tool in clang clang-tidy run-clang-tidy cppcheck; do
	command -v $tool >/dev/null || { echo "static-analysis: $tool is not installed" >&2; exit 2; }
done

# clang's own view of the build: the compile database clang-tidy reads
CC=clang cmake -S . -B "$dir" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$dir.log" 2>&1 || { cat "$dir.log"; exit 2; }
rm -f "$dir.log"

src=$(pwd)
dirs="core profiles oci rootfs netns cgroups runtime include batch serve cli examples tests"
regex="$src/($(echo $dirs | tr ' ' '|'))/"
fail=0

echo "== clang-tidy ($(grep -c '"file"' "$dir/compile_commands.json") translation units, $jobs jobs)"
if ! run-clang-tidy -quiet -j "$jobs" -p "$dir" "$regex" >"$dir/clang-tidy.log" 2>&1; then
	fail=1
fi
# one line per finding (the notes that explain each stay in the log)
sed 's/\x1b\[[0-9;]*m//g' "$dir/clang-tidy.log" | grep -E '^/.*: (warning|error): ' | sed "s#^$src/##" | sort -u \
	>"$dir/clang-tidy.findings" || true
if [ -s "$dir/clang-tidy.findings" ]; then
	cat "$dir/clang-tidy.findings"
	echo "clang-tidy: $(wc -l <"$dir/clang-tidy.findings") finding(s); details in $dir/clang-tidy.log"
	fail=1
elif [ $fail = 1 ]; then
	tail -n 30 "$dir/clang-tidy.log"
else
	echo "clang-tidy: clean"
fi

echo "== cppcheck"
existing=""
for d in $dirs; do [ -d "$d" ] && existing="$existing $d"; done
# Deliberate code that cppcheck cannot tell from a mistake is suppressed here,
# by file and check, each with its reason:
#   varFuncNullUB everywhere: NULL as an execl-style sentinel is only a problem
#   where NULL is a plain 0 narrower than a pointer; glibc defines it as
#   ((void *)0) and this code base is Linux/glibc only.
# json-c's iteration macro is defined for cppcheck (it does not read system
# headers) in .ci/cppcheck-json-c.cfg.
# shellcheck disable=SC2086
if cppcheck --enable=warning,portability,performance --std=c11 --platform=unix64 --inline-suppr -q \
	-j "$jobs" --error-exitcode=1 --suppress=missingIncludeSystem \
	--suppress=varFuncNullUB \
	-I. -D_GNU_SOURCE --library=.ci/cppcheck-json-c.cfg -D__linux__ -D__x86_64__ -DSBX_VERSION='"0"' -DSBX_PROFILES_DIR='"profiles"' \
	--template='{file}:{line}: {severity}: {message} [{id}]' $existing >"$dir/cppcheck.log" 2>&1; then
	echo "cppcheck: clean"
else
	cat "$dir/cppcheck.log"
	fail=1
fi
exit $fail

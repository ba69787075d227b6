#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The architecture's rules (docs/architecture.md), checked on the sources:
#   1. floors: a folder includes only its own headers and those of lower
#      floors; core/ includes nothing of the project;
#   2. only cli/ writes to the terminal (stdout/stderr), apart from the
#      logger's default sink (core/log.c);
#   3. include/sbxctr.h is self-contained: it includes no project header.
# Prints every violation with file:line and exits 1 if there is any.
set -eu
cd "$(dirname "$0")/.."
fail=0

floor() {
	case "$1" in
	core) echo 1 ;;
	profiles) echo 2 ;;
	oci) echo 3 ;;
	rootfs | netns | cgroups) echo 4 ;;
	runtime | include) echo 5 ;;
	batch) echo 6 ;;
	serve) echo 7 ;;
	cli) echo 8 ;;
	*) echo "" ;;
	esac
}
FOLDERS="core profiles oci rootfs netns cgroups runtime include batch serve cli"

# --- 1. floors ------------------------------------------------------------------
for dir in $FOLDERS; do
	[ -d "$dir" ] || continue
	mine=$(floor "$dir")
	for f in $(find "$dir" -name '*.[ch]' | sort); do
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]' "$f" | while IFS= read -r line; do
			n=${line%%:*}
			inc=$(printf '%s' "$line" | sed -n 's/.*#[[:space:]]*include[[:space:]]*["<]\([^">]*\)[">].*/\1/p')
			case "$inc" in
			sbxctr.h) target=include ;;
			*/*) target=${inc%%/*} ;;
			*) continue ;; # a system header
			esac
			theirs=$(floor "$target")
			[ -n "$theirs" ] || continue # not a project folder (e.g. linux/, sys/)
			if [ "$dir" = core ] && [ "$target" != core ]; then
				echo "$f:$n: core/ includes a project header: $inc"
			elif [ "$theirs" -gt "$mine" ]; then
				echo "$f:$n: $dir/ (floor $mine) includes $inc from $target/ (floor $theirs), a higher floor"
			elif [ "$theirs" -eq "$mine" ] && [ "$target" != "$dir" ] && [ "$target" != include ] && [ "$dir" != include ]; then
				echo "$f:$n: $dir/ includes $inc from $target/, a folder of the same floor"
			fi
		done
	done
done >"${TMPDIR:-/tmp}/sbx-layers.$$"

# --- 2. only cli/ writes to the terminal -----------------------------------------
# stdio streams, the standard fds by name or number, and printf-family calls
# without an explicit stream; core/log.c's default sink is the one exception.
for dir in $FOLDERS; do
	[ "$dir" = cli ] && continue
	[ -d "$dir" ] || continue
	find "$dir" -name '*.c' | sort | while read -r f; do
		[ "$f" = core/log.c ] && continue
		sed 's/"\([^"\\]\|\\.\)*"/""/g' "$f" | grep -nE '\b(stdout|stderr|STDOUT_FILENO|STDERR_FILENO)\b|(^|[^a-z_])(printf|puts|putchar|perror|vprintf)[[:space:]]*\(|\bdprintf[[:space:]]*\([[:space:]]*[12][[:space:]]*,|\bwrite[[:space:]]*\([[:space:]]*[12][[:space:]]*,' |
			grep -vE '^[0-9]+:[[:space:]]*(/?\*|//)' |
			sed "s#^#$f:#; s#\$#  (only cli/ writes to the terminal)#"
	done
done >>"${TMPDIR:-/tmp}/sbx-layers.$$"

# --- 3. the public header stands alone --------------------------------------------
if [ -f include/sbxctr.h ]; then
	grep -n '#[[:space:]]*include[[:space:]]*"' include/sbxctr.h | sed 's#^#include/sbxctr.h:#; s#$#  (the public header includes a project header)#' \
		>>"${TMPDIR:-/tmp}/sbx-layers.$$" || true
fi

if [ -s "${TMPDIR:-/tmp}/sbx-layers.$$" ]; then
	cat "${TMPDIR:-/tmp}/sbx-layers.$$"
	echo "check-layers: $(wc -l <"${TMPDIR:-/tmp}/sbx-layers.$$") violation(s)"
	fail=1
else
	echo "check-layers: clean (floors: core 1, profiles 2, oci 3, rootfs/netns/cgroups 4, runtime+include 5, batch 6, serve 7, cli 8)"
fi
rm -f "${TMPDIR:-/tmp}/sbx-layers.$$"
exit $fail

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs the README's test command as a newcomer would: first it undoes what
# earlier runs of the project leave on a machine, then it clones the
# committed tree into a new directory (no build, no VM kernel cache) and
# runs ./setup.sh test there. A test that passes only because of an earlier
# run's leftovers fails here.
#
# Usage (as root): scripts/fresh-machine.sh [--dry-run] [--keep] [-- SETUP_ARGS]
#   --dry-run  list what would be undone, change nothing, run nothing
#   --keep     keep the clone (its path is printed) instead of removing it
#
# Undone (each only when present, each printed):
#   - network namespaces named by an earlier test version (/run/netns/sbx*),
#     then the /run/netns bind mount that ip-netns(8) makes the first time it
#     names one, when nothing else is named there;
#   - sbxctr's state directory /run/sbxctr (slot locks, seccomp cache,
#     scratch mount points), when no sbxctr process runs;
#   - users and groups the tests create (names starting with "sbxt-");
#   - leftover test temp directories (/tmp/sbx-test.*).
# Not undone: Debian packages (setup.sh installs what is missing; removing
# them would only cost a download) and anything outside the list above.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
dry=0 keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--dry-run) dry=1 ;;
	--keep) keep=1 ;;
	--) shift; break ;;
	*) echo "usage: $0 [--dry-run] [--keep] [-- SETUP_ARGS]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "fresh-machine: run as root" >&2; exit 1; }

undone=""
act() { # act WHAT CMD...: prints WHAT, runs CMD unless --dry-run
	what=$1
	shift
	echo "fresh-machine: $what"
	undone="$undone
  - $what"
	[ $dry = 1 ] || "$@"
}

# --- network namespaces and the /run/netns mount ------------------------------------
for ns in /run/netns/sbx*; do
	[ -e "$ns" ] || continue
	act "delete network namespace $(basename "$ns")" ip netns del "$(basename "$ns")"
done
if grep -q ' /run/netns ' /proc/self/mountinfo; then
	others=$(ls -A /run/netns 2>/dev/null | grep -v '^sbx' || true)
	if [ -n "$others" ]; then
		echo "fresh-machine: /run/netns holds namespaces that are not the tests' ($others): left mounted" >&2
	else
		# ip-netns(8) makes it a bind of itself, shared: it may be stacked
		while grep -q ' /run/netns ' /proc/self/mountinfo; do
			act "unmount /run/netns (left by ip netns add)" umount /run/netns
			[ $dry = 0 ] || break
		done
		[ -d /run/netns ] && act "remove the /run/netns directory" rmdir /run/netns
	fi
fi

# --- sbxctr's state ---------------------------------------------------------------
if [ -e /run/sbxctr ]; then
	if pgrep -x sbxctr >/dev/null; then
		echo "fresh-machine: an sbxctr runs: /run/sbxctr is left as it is" >&2
	else
		# scratch mount points may still be mounted if a runtime died mid-run
		for m in $(awk '$5 ~ "^/run/sbxctr/" {print $5}' /proc/self/mountinfo | sort -r); do
			act "unmount $m" umount -l "$m"
		done
		act "remove /run/sbxctr (slot locks, seccomp cache)" rm -rf /run/sbxctr
	fi
fi

# --- users and groups the tests create -----------------------------------------------
for u in $(awk -F: '$1 ~ /^sbxt-/ {print $1}' /etc/passwd); do
	act "remove test user $u" userdel -r "$u"
done
for g in $(awk -F: '$1 ~ /^sbxt-/ {print $1}' /etc/group); do
	act "remove test group $g" groupdel "$g"
done

# --- temp directories -------------------------------------------------------------
for d in /tmp/sbx-test.*; do
	[ -d "$d" ] || continue
	act "remove $d" rm -rf "$d"
done

[ -n "$undone" ] || echo "fresh-machine: nothing to undo"
if [ $dry = 1 ]; then
	echo "fresh-machine: --dry-run: nothing was changed, no test was run"
	exit 0
fi

# --- a clean clone, and the README's test command ---------------------------------
clone=$(mktemp -d /tmp/sbx-fresh.XXXXXX)
git clone -q --no-local "$src" "$clone/main"
# as on CI: no ../shared beside the clone, so the fixture tests skip with a message
echo "fresh-machine: running ./setup.sh test in $clone/main ($(git -C "$clone/main" rev-parse --short HEAD))"
rc=0
(cd "$clone/main" && ./setup.sh test "$@") || rc=$?
echo "fresh-machine: undone before the run:${undone:- nothing}"
if [ $keep = 1 ]; then
	echo "fresh-machine: the clone is kept in $clone"
else
	rm -rf "$clone"
fi
echo "fresh-machine: ./setup.sh test exited $rc"
exit $rc

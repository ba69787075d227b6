#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The escape-attempt battery with every sandbox started by an ordinary user:
# makes a user of its own (sbxt-*), with a subordinate id range when asked
# ("subuid"), and runs run.sh with SBX_SEC_USER set; the driver stays root to
# set attacks up and to check the host. Removes the user and its
# /etc/subuid and /etc/subgid lines at the end, whatever happened.
#
# Usage: rootless.sh single|subuid [NAME...]   (NAME as for run.sh)
# Exit: run.sh's.
set -u
mode=${1:-single}
shift || true
case $mode in single | subuid) ;; *) echo "usage: $0 single|subuid [NAME...]" >&2; exit 2 ;; esac
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP the battery needs root (it makes the user and checks the host)"
	exit 77
fi
# a private mount namespace: the build tree may be out of the user's reach, so
# the binary and the rootfs are bound into a directory it can reach
if [ -z "${SBX_SEC_PRIVATE:-}" ]; then
	exec env SBX_SEC_PRIVATE=1 unshare -m --propagation private bash "$0" "$mode" "$@"
fi
: "${SBXCTR:?}" "${SBX_ROOTFS:?}" "${SBX_HELPERS:?}"
for t in useradd userdel setpriv; do
	command -v $t >/dev/null || { echo "1..0 # SKIP $t is not installed"; exit 77; }
done
if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" != 1 ] ||
	[ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]; then
	echo "1..0 # SKIP unprivileged user namespaces are disabled on this host"
	exit 77
fi
if [ "$mode" = subuid ] && ! { command -v newuidmap && command -v newgidmap; } >/dev/null; then
	echo "1..0 # SKIP newuidmap/newgidmap (Debian package uidmap) are not installed"
	exit 77
fi

U=sbxt-sec$$
D=$(mktemp -d /tmp/sbx-test.XXXXXX)
chmod 755 "$D"
cleanup() {
	# the user runs nothing but what the battery started: killed, waited for, removed
	for p in $(pgrep -u "$U" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	for _ in $(seq 100); do pgrep -u "$U" >/dev/null || break; sleep 0.05; done
	sed -i "/^$U:/d" /etc/subuid /etc/subgid 2>/dev/null
	userdel -f "$U" 2>/dev/null || userdel -f "$U" || echo "# could not remove user $U" >&2
	grep -q " $D-rootfs " /proc/self/mountinfo && umount "$D-rootfs"
	rmdir "$D-rootfs" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
useradd -r -M -d "$D/home" -s /bin/sh "$U" || { echo "1..0 # SKIP useradd failed"; exit 77; }
# the rootfs's mount point lies beside the temp directory, never in it
mkdir -p "$D/home" "$D-rootfs"
chown "$U:" "$D/home"
chmod 700 "$D/home"
cp "$SBXCTR" "$D/sbxctr"
chmod 755 "$D/sbxctr"
mount --bind -o ro "$SBX_ROOTFS" "$D-rootfs"

uid=$(id -u "$U")
if [ "$mode" = subuid ]; then
	# slot 0's slice holds every sandbox of the battery (one at a time, two for xsbx)
	sub=$((0x70000000 + ($$ % 4096) * 0x20000))
	echo "$U:$sub:131072" >>/etc/subuid
	echo "$U:$sub:131072" >>/etc/subgid
	uids="$sub $((sub + 131071))"
	id5=$((sub + 5))
else
	# uid 5 does not exist inside: a file of an id the sandbox cannot name
	uids="$uid $uid"
	id5=$((0x40000000 + 5))
fi
SBX_SEC_USER=$U SBX_SEC_UIDS=$uids SBX_SEC_ID5=$id5 SBX_SEC_HOME=$D/home SBXCTR=$D/sbxctr SBX_ROOTFS=$D-rootfs \
	bash "$(dirname "$0")/run.sh" "$@"

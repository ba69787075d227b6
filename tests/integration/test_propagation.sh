#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Attack: a mount made inside the sandbox must never propagate back to the
# caller's mount namespace, even where the caller's mounts are shared (what
# systemd makes of / at boot). The runtime clones the rootfs and bind
# sources from the host's tree; a clone of a shared mount is its peer, so
# each clone must be made private (rootfs/mount.c) unless the config asks
# for a propagation. The caller here is a mount namespace of the test's own
# (unshare) with / made rshared in it: the host's mounts are never touched.
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
command -v unshare >/dev/null || { echo "SKIP: unshare(1) is missing"; exit 77; }
B="$T_TMP/bundle"
H="$T_TMP/h"
mkdir -p "$B" "$H"
ln -s "$SBX_ROOTFS" "$B/rootfs"
# the container: real root with CAP_SYS_ADMIN (the exact policy runs the
# config as written), a writable rbind of H, and it mounts a tmpfs on it
cat >"$B/config.json" <<EOF
{
  "ociVersion": "1.2.0",
  "root": { "path": "rootfs", "readonly": true },
  "process": { "args": ["/bin/sh", "-c", "mount -t tmpfs attack /mnt && echo mounted"], "cwd": "/",
               "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0},
               "capabilities": { "bounding": ["CAP_SYS_ADMIN"], "effective": ["CAP_SYS_ADMIN"], "permitted": ["CAP_SYS_ADMIN"] } },
  "mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" },
              { "destination": "/mnt", "type": "bind", "source": "$H", "options": ["rbind", "rw"] } ],
  "linux": { "namespaces": [ {"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"} ] }
}
EOF
# in a mount namespace of our own whose / is rshared: run the container,
# then list what is mounted on H there
out=$(SBXCTR_POLICY=exact unshare -m --propagation unchanged sh -c '
	mount --make-rshared / || exit 3
	grep -q " / / .*shared:" /proc/self/mountinfo || exit 4
	"$1" --root "$2/state" run --bundle "$3" prop1 </dev/null
	echo "rc=$?"
	echo "on H: $(grep -c " $4 " /proc/self/mountinfo)"
' sh "$SBXCTR" "$T_TMP" "$B" "$H" 2>&1)
check_match "the caller's / is shared, and the container mounted a tmpfs on its bind" "mounted" "$out"
check_match "  ... the run ended normally" "rc=0" "$out"
check_match "  ... and nothing appeared on the caller's side" "on H: 0" "$out"
check_eq "the host's own mount table never saw it" "0" "$(grep -c " $H " /proc/self/mountinfo)"
t_done

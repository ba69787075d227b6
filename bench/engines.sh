#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# By hand: the time of `podman run --rm IMAGE true` and of `ctr run --rm
# IMAGE ID true` with sbxctr and with crun as the runtime, in the same
# invocation, N runs each interleaved (default 20), medians and the ratio.
# Uses the set-up of tests/integration/test_podman.sh and test_containerd.sh
# (private storage and state, a mount namespace of its own, cgroups hidden
# and disabled where they are not v2). Usage (as root, after a build):
#   bench/engines.sh [BUILD_DIR] [N]
set -eu
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-20}
if [ -z "${ENG_INNER:-}" ]; then
	export ENG_INNER=1 SBXCTR="$BUILD/sbxctr" SBX_ROOTFS="$BUILD/rootfs" SBX_HELPERS="$BUILD/tests/helpers"
	exec unshare -m -n --propagation private sh "$0" "$@"
fi
T_TMP=$(mktemp -d /tmp/sbx-bench.XXXXXX)
trap 'rm -rf "$T_TMP"' EXIT
# shellcheck source=../tests/integration/engines.sh
. "$(dirname "$0")/../tests/integration/engines.sh"
eng_private_cgroups
ip link set lo up
D=$T_TMP
mkdir -p "$D/w-sbxctr" "$D/w-crun" "$D/tmp"
eng_rootfs "$D/rootfs"
tar -C "$D/rootfs" -cf "$D/rootfs.tar" .
eng_podman_conf "$D/containers.conf"
export CONTAINERS_CONF="$D/containers.conf"
ln -s "$SBXCTR" "$D/w-sbxctr/sbxctr"
ln -s "$(command -v crun)" "$D/w-crun/crun"
pm() { podman --root "$D/root" --runroot "$D/runroot" --tmpdir "$D/tmp" --storage-driver vfs "$@"; }
pm --runtime "$D/w-sbxctr/sbxctr" import "$D/rootfs.tar" localhost/sbxtest:latest >/dev/null

# containerd: private, as in test_containerd.sh; the shim's runtimes take --cgroup-manager=disabled where needed
flag=
[ "$ENG_CGROUPS" = 0 ] && flag=--cgroup-manager=disabled
for rt in sbxctr crun; do
	{
		echo '#!/bin/sh'
		echo "exec $([ $rt = sbxctr ] && echo "$SBXCTR" || echo crun) $flag \"\$@\""
	} >"$D/ctr-$rt"
done
chmod 755 "$D/ctr-sbxctr" "$D/ctr-crun"
cat >"$D/config.toml" <<EOF
version = 2
root = "$D/c-root"
state = "$D/c-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/containerd.sock"
[ttrpc]
  address = "$D/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/opt"
EOF
eng_containerd "$D/config.toml" "$D/containerd.sock"
CPID=$ENG_CPID
C="ctr --address $D/containerd.sock"
eng_oci_image "$D/rootfs" "$D/image.tar" docker.io/library/sbxtest:latest
$C image import "$D/image.tar" >/dev/null

ms() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for rt in sbxctr crun; do : >"$D/pm-$rt" && : >"$D/t-ctr-$rt"; done
# one warm-up each, then N interleaved
for k in $(seq 0 "$N"); do
	for rt in sbxctr crun; do
		t0=$(ms)
		pm --runtime "$D/w-$rt/$rt" run --rm localhost/sbxtest true
		t1=$(ms)
		$C run --runc-binary "$D/ctr-$rt" --runc-root "$D/runc-$rt" --rm docker.io/library/sbxtest:latest "b$k$rt" true
		t2=$(ms)
		[ "$k" = 0 ] && continue
		echo $(((t1 - t0) / 1000)) >>"$D/pm-$rt"
		echo $(((t2 - t1) / 1000)) >>"$D/t-ctr-$rt"
	done
done
kill "$CPID"
wait "$CPID" 2>/dev/null || true
pm --runtime "$D/w-sbxctr/sbxctr" rm -fa >/dev/null 2>&1 || true
echo "cgroups: $([ "$ENG_CGROUPS" = 1 ] && echo 'cgroup v2' || echo 'disabled (host without usable cgroup v2)'); $N runs each, interleaved"
for what in pm t-ctr; do
	s=$(median <"$D/$what-sbxctr")
	c=$(median <"$D/$what-crun")
	name=$([ $what = pm ] && echo "podman run --rm IMAGE true" || echo "ctr run --rm IMAGE ID true")
	awk -v n="$name" -v s="$s" -v c="$c" 'BEGIN { printf "%-30s sbxctr %8.1f ms   crun %8.1f ms   sbxctr/crun %.2f\n", n, s / 1000, c / 1000, s / c }'
done

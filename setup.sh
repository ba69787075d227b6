#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# One-stop set-up for a fresh Debian 12 machine, as root:
#   ./setup.sh demo   install what is missing, build, build the example bundle, run it
#   ./setup.sh test   the same set-up, then every test (unit, integration, security, VM)
# Environment: BUILD_DIR (default ./build), SBX_WERROR=ON to fail on warnings,
# SBX_SANITIZE=ON for an ASan+UBSan build.
set -eu
cd "$(dirname "$0")"
mode=${1:-demo}
BUILD_DIR=${BUILD_DIR:-build}

case "$mode" in
demo|test|build) ;;
*) echo "usage: $0 demo|test|build" >&2; exit 2 ;;
esac

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root (sbxctr creates namespaces and mounts)" >&2
	exit 1
fi

# --- packages ---------------------------------------------------------------
pkgs="build-essential cmake pkg-config libseccomp-dev libcap-dev libmnl-dev libnl-3-dev
libnl-route-3-dev libjson-c-dev libcmocka-dev libmicrohttpd-dev libsystemd-dev busybox-static"
# tests also use iproute2 (to create their own netns), qemu + cpio for the
# cgroup v2 VM, procps/psmisc for process checks, clang/cppcheck for analysis;
# runc, crun and umoci generate the bundles the OCI tests run (runc only writes
# its spec: it never runs a container here); uidmap and passt for the rootless
# cases (subordinate ids, --net pasta); podman with conmon and containerd drive
# sbxctr as engines do (test_podman, test_containerd: private storage and state);
# curl and python3-pytest for the service's tests (tests/integration/test_serve*, sdk/python)
# systemd: pid 1 of the systemd test VM (tests/vm/run-vm-tests.sh --systemd)
[ "$mode" = test ] && pkgs="$pkgs iproute2 qemu-system-x86 cpio procps psmisc zstd xz-utils clang clang-tidy cppcheck libcap2-bin strace runc crun umoci uidmap passt podman conmon containerd curl python3-pytest systemd"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# --- build ------------------------------------------------------------------
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DSBX_WERROR="${SBX_WERROR:-OFF}" -DSBX_SANITIZE="${SBX_SANITIZE:-OFF}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"

# --- the example bundle: busybox rootfs + probes + a config.json -------------
bundle="$BUILD_DIR/example-bundle"
scripts/mkrootfs.sh "$bundle/rootfs" "$BUILD_DIR/tests/helpers"
cp examples/show-isolation.sh "$bundle/rootfs/usr/local/bin/show-isolation"
chmod 755 "$bundle/rootfs/usr/local/bin/show-isolation"
cp examples/config.json "$bundle/config.json"

case "$mode" in
demo)
	# a bundle's config.json decides its seccomp profile; the demo adds the project's default
	echo "== sbxctr run --seccomp default $bundle"
	exec "$BUILD_DIR/sbxctr" run --seccomp default "$bundle"
	;;
test)
	cd "$BUILD_DIR"
	exec ctest --output-on-failure --timeout 900
	;;
esac

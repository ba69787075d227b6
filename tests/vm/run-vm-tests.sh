#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Boots Debian's kernel under QEMU (TCG) with a busybox initramfs holding the
# built sbxctr, its tests and the test rootfs, runs the VM suite on a pure
# cgroup v2 machine (tests/vm/suite.list) and exits 0 iff it all passed.
# With --systemd, the host's systemd is pid 1 in the VM (no D-Bus daemon: root
# reaches it on /run/systemd/private) and tests/vm/suite-systemd.list runs as
# a oneshot service, for the tests of transient scopes (--systemd-cgroup).
#
# Usage: run-vm-tests.sh BUILD_DIR [--systemd | --bench [BENCH_ARGS...]]
# Environment:
#   SBX_VM_CACHE        kernel package cache (default BUILD_DIR/vm-cache)
#   SBX_VM_KERNEL_PKG   kernel package (default: what linux-image-amd64 depends on)
#   SBX_VM_TIMEOUT      whole-VM limit in seconds (default 780): a hang fails
#   SBX_VM_TEST_TIMEOUT per-test limit inside the VM (default 150)
#   SBX_VM_ONLY         run only the tests whose id matches this glob
#                       (e.g. 'integration/test_cgroup_*'); for debugging
#   SBX_VM_MIN_PASSED   fewest passing tests for success (default 3, 1 with
#                       --systemd; none when SBX_VM_ONLY is set)
#   SBX_VM_MEMORY       guest memory in MiB (default 2048)
# Needs: qemu-system-x86 (qemu-system-x86_64), cpio, gzip, dpkg-deb, apt-get
# (only to download the kernel once), busybox-static; systemd for --systemd.
set -euo pipefail

die() {
	echo "run-vm-tests: $*" >&2
	exit 1
}
note() { echo "run-vm-tests: $*"; }

[ $# -ge 1 ] || die "usage: $0 BUILD_DIR [--systemd | --bench [ARGS...]]"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$1" && pwd)
shift
MODE=tests
BENCH_ARGS=""
SUITE_LIST=suite.list
if [ "${1:-}" = --bench ]; then
	MODE=bench
	shift
	BENCH_ARGS="$*"
	SUITE_LIST=""
elif [ "${1:-}" = --systemd ]; then
	MODE=systemd
	SUITE_LIST=suite-systemd.list
	shift
fi
[ $# -eq 0 ] || [ "$MODE" = bench ] || die "unexpected argument: $1"
CACHE=${SBX_VM_CACHE:-$BUILD/vm-cache}
WORK=$BUILD/vm
# its own staging and log, so that a systemd run does not clobber a tests run
[ "$MODE" = systemd ] && WORK=$BUILD/vm-systemd
TIMEOUT=${SBX_VM_TIMEOUT:-780}
MIN_PASSED=${SBX_VM_MIN_PASSED:-3}
if [ "$MODE" = systemd ]; then
	# a short suite, every entry "require": a skip already fails
	MIN_PASSED=${SBX_VM_MIN_PASSED:-1}
fi
MEMORY=${SBX_VM_MEMORY:-2048}
VMDIR=$SRC/tests/vm

for tool in qemu-system-x86_64 cpio gzip dpkg-deb tar timeout; do
	command -v "$tool" >/dev/null || die "$tool is missing (apt-get install --no-install-recommends qemu-system-x86 cpio gzip)"
done
bb_ldd=$(ldd /bin/busybox 2>&1 || true)
if [ ! -x /bin/busybox ] || ! grep -q 'not a dynamic' <<<"$bb_ldd"; then
	die "a static /bin/busybox is needed (apt-get install busybox-static)"
fi
[ -x "$BUILD/sbxctr" ] || die "$BUILD/sbxctr is missing: build first"
SYSTEMD=/lib/systemd/systemd
if [ "$MODE" = systemd ]; then
	for p in "$SYSTEMD" /bin/systemctl /bin/systemd-run; do
		[ -x "$p" ] || die "$p is missing (apt-get install systemd)"
	done
fi
mkdir -p "$CACHE" "$WORK"
t_start=$(date +%s.%N)

# ---- 1. the kernel: Debian's linux-image-amd64, downloaded once -------------
resolve_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
fetch_pkg() {
	(cd "$CACHE" && apt-get download -o APT::Sandbox::User=root "$1" >/dev/null 2>&1)
}
pkg=${SBX_VM_KERNEL_PKG:-$(resolve_pkg || true)}
deb=""
[ -n "$pkg" ] && deb=$(ls "$CACHE/${pkg}"_*.deb 2>/dev/null | tail -n1 || true)
if [ -z "$deb" ]; then
	# Not cached: download, refreshing stale package lists once if need be (a
	# superseded kernel ABI is no longer in the archive); offline, an older
	# cached kernel package does too (below).
	if [ -z "$pkg" ] || ! { note "downloading $pkg" && fetch_pkg "$pkg"; }; then
		note "apt-get update (to find the kernel package)"
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=${SBX_VM_KERNEL_PKG:-$(resolve_pkg || true)}
		if [ -n "$pkg" ]; then
			note "downloading $pkg"
			fetch_pkg "$pkg" || note "apt-get download $pkg failed"
		fi
	fi
	[ -n "$pkg" ] && deb=$(ls "$CACHE/${pkg}"_*.deb 2>/dev/null | tail -n1 || true)
fi
if [ -z "$deb" ]; then
	# offline: any kernel package cached earlier will do
	deb=$(ls "$CACHE"/linux-image-*-amd64_*.deb 2>/dev/null | tail -n1 || true)
	[ -n "$deb" ] || die "no kernel package: run apt-get update (linux-image-amd64 must resolve) or set SBX_VM_KERNEL_PKG"
fi
# One extraction per kernel and module list: checkouts with different lists
# (or runs at the same time) sharing a cache never overwrite each other's.
mods_key=$(sed 's/#.*//' "$VMDIR/modules.list" | tr -s ' \n' ' ' | md5sum | cut -c1-8)
kfinal=$CACHE/$(basename "$deb" .deb)-m$mods_key

# vmlinuz plus the listed modules and their dependencies, decompressed, into
# a directory of this run's own that is renamed into place when complete
if [ ! -f "$kfinal/.complete" ]; then
	note "extracting $(basename "$deb")"
	kdir=$kfinal.tmp.$$
	rm -rf "$kdir"
	mkdir -p "$kdir/x" "$kdir/modules"
	dpkg-deb --fsys-tarfile "$deb" | tar -t >"$kdir/files"
	vmlinuz=$(grep -m1 '^\./boot/vmlinuz-' "$kdir/files") || die "no vmlinuz in $deb"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kdir/x" "$vmlinuz"
	cp "$kdir/x/$vmlinuz" "$kdir/vmlinuz"
	declare -A seen=()
	order=()
	# depth-first: a module's dependencies come before it in modules.order
	visit() {
		local name=$1 pat path f deps d
		[ -n "${seen[$name]:-}" ] && return 0
		seen[$name]=1
		pat=$(printf '%s' "$name" | sed 's/[-_]/[-_]/g')
		path=$(grep -m1 -E "/kernel/.*/${pat}\.ko(\.xz|\.zst|\.gz)?$" "$kdir/files") ||
			die "module $name is not in $(basename "$deb")"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kdir/x" "$path"
		f="$kdir/x/$path"
		case "$f" in
		*.xz) xz -dc "$f" >"$kdir/modules/$name.ko" ;;
		*.zst) zstd -qdc "$f" >"$kdir/modules/$name.ko" ;;
		*.gz) gzip -dc "$f" >"$kdir/modules/$name.ko" ;;
		*) cp "$f" "$kdir/modules/$name.ko" ;;
		esac
		deps=$(tr '\0' '\n' <"$kdir/modules/$name.ko" | sed -n 's/^depends=//p' | head -n1 | tr ',' ' ')
		for d in $deps; do
			visit "$d"
		done
		order+=("$name")
	}
	for m in $(sed 's/#.*//' "$VMDIR/modules.list"); do
		visit "$m"
	done
	printf '%s\n' "${order[@]}" >"$kdir/modules.order"
	rm -rf "$kdir/x"
	touch "$kdir/.complete"
	# another run may have finished the same extraction meanwhile: keep one
	mv -T "$kdir" "$kfinal" 2>/dev/null || rm -rf "$kdir"
fi
kdir=$kfinal

# ---- 2. the initramfs ----------------------------------------------------------
STAGE=$WORK/stage
rm -rf "$STAGE"
mkdir -p "$STAGE"/usr/{bin,sbin,lib,lib64} "$STAGE"/{proc,sys,dev,etc,root,tmp,newroot} \
	"$STAGE"/sbx/{bin,modules,tests,build/tests}
# merged /usr, as on the host, so that copied programs and libraries keep their paths
for d in bin sbin lib lib64; do ln -s "usr/$d" "$STAGE/$d"; done
cp /bin/busybox "$STAGE/usr/bin/busybox"
install -m 0755 "$VMDIR/init" "$STAGE/init"
install -m 0755 "$VMDIR/runner.sh" "$STAGE/sbx/runner.sh"
install -m 0755 "$VMDIR/bench.sh" "$STAGE/sbx/bench.sh"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$STAGE/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$STAGE/etc/group"
cp "$kdir"/modules/*.ko "$STAGE/sbx/modules/" 2>/dev/null || true
cp "$kdir/modules.order" "$STAGE/sbx/modules.order"

# A program and the shared libraries it loads, at their real paths (under /usr).
copy_elf() {
	local src=$1 dst=$2 lib real
	mkdir -p "$(dirname "$STAGE$dst")"
	cp -L "$src" "$STAGE$dst"
	ldd "$src" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]*ld-linux/ { print $1 }' | while read -r lib; do
		real=$(readlink -f "$lib")
		case "$lib" in /lib/* | /lib64/*) lib=/usr$lib ;; esac
		[ -e "$STAGE$lib" ] && continue
		mkdir -p "$(dirname "$STAGE$lib")"
		cp "$real" "$STAGE$lib"
	done
}
copy_elf "$BUILD/sbxctr" /sbx/bin/sbxctr
# what sbxctr opens at run time (dlopen), with what it loads: libmicrohttpd for `serve` (serve/mhd.c),
# libsystemd for --systemd-cgroup (cgroups/systemd.c)
for lib in libmicrohttpd.so.12 libsystemd.so.0; do
	# awk reads to the end: an early exit would kill ldconfig with SIGPIPE, which
	# pipefail turns into a silent exit of this script (set -e)
	p=$(/sbin/ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ && !p { p = $NF } END { if (p) print p }')
	if [ -z "$p" ]; then
		note "$lib not found: what sbxctr opens it for fails in the VM"
		continue
	fi
	case "$p" in /lib/* | /lib64/*) d=/usr$p ;; *) d=$p ;; esac
	copy_elf "$p" "$d"
done
for tool in $(sed 's/#.*//' "$VMDIR/host-tools.list"); do
	p=$(command -v "$tool" 2>/dev/null || true)
	if [ -z "$p" ] || [ ! -x "$p" ]; then
		note "host tool $tool not found: the VM uses busybox's, if any"
		continue
	fi
	case "$p" in /bin/* | /sbin/*) p=/usr$p ;; esac
	copy_elf "$p" "$p"
done
if [ "$MODE" = systemd ]; then
	# pid 1 with its private libraries (ldd finds libsystemd-shared/-core
	# through the binary's RUNPATH), and the clients the tests use: as root
	# they talk to pid 1 on /run/systemd/private, so no dbus-daemon is needed.
	copy_elf "$SYSTEMD" /usr/lib/systemd/systemd
	copy_elf /bin/systemctl /usr/bin/systemctl
	copy_elf /bin/systemd-run /usr/bin/systemd-run
	# empty: systemd makes up a transient ID at boot
	: >"$STAGE/etc/machine-id"
	[ -r /usr/lib/os-release ] && cp /usr/lib/os-release "$STAGE/usr/lib/os-release"
	# The whole unit set: the target named on the kernel command line and the
	# suite's service. No default dependencies, since sysinit.target, basic.target
	# and the services behind them (journald, udev...) are not there: they would
	# fail the job and cost boot time under TCG. The runner's lines go to the
	# console (ttyS0), which the host reads; the VM powers off when it ends,
	# whatever its exit status (a crash of pid 1 reboots: systemd.crash_reboot).
	units=$STAGE/etc/systemd/system
	mkdir -p "$units"
	cat >"$units/sbx-suite.target" <<-'EOF'
		[Unit]
		Description=sbxctr VM suite
		DefaultDependencies=no
		AllowIsolate=yes
		Requires=sbx-suite.service
		After=sbx-suite.service
	EOF
	# "$$" is a literal "$" in a unit's command line
	cat >"$units/sbx-suite.service" <<-'EOF'
		[Unit]
		Description=sbxctr VM suite runner
		DefaultDependencies=no
		SuccessAction=poweroff-immediate
		FailureAction=poweroff-immediate
		[Service]
		Type=oneshot
		TimeoutStartSec=infinity
		Environment=HOME=/root
		StandardInput=null
		StandardOutput=tty
		StandardError=inherit
		TTYPath=/dev/console
		ExecStartPre=/bin/sh -c 'read -r up _ </proc/uptime; echo SBXVM-SYSTEMD uptime=$$up'
		ExecStart=/bin/sh /sbx/runner.sh
		ExecStartPost=/bin/sh -c 'sync; read -r up _ </proc/uptime; echo SBXVM-DONE uptime=$$up'
	EOF
fi
cp -a "$BUILD/tests/helpers" "$STAGE/sbx/helpers"
cp -a "$BUILD/rootfs" "$STAGE/sbx/rootfs"
mkdir -p "$STAGE/sbx/fixtures"
[ -d "$SRC/../shared/fixtures" ] && cp -a "$SRC/../shared/fixtures/." "$STAGE/sbx/fixtures/"
# the source tree (scripts, profiles, fixtures in tests/), without build trees or git
tar -C "$SRC" --exclude='./build*' --exclude=./.git --exclude='./*/vm-cache' -cf - . |
	(mkdir -p "$STAGE/sbx/src" && tar -C "$STAGE/sbx/src" -xf -)
# a build-tree look-alike for tests that find things relative to SBX_BUILD_DIR
ln -s /sbx/bin/sbxctr "$STAGE/sbx/build/sbxctr"
ln -s /sbx/rootfs "$STAGE/sbx/build/rootfs"
ln -s /sbx/helpers "$STAGE/sbx/build/tests/helpers"

# ---- 3. the suite: tests/vm/suite.list resolved against this build -------------
declare -A picked=() required=()

skips=()
suite_names=()
while read -r kind pattern rest; do
	case "$kind" in '' | \#*) continue ;; esac
	[ "$kind" = skip ] && skips+=("$pattern") && note "not in the VM: $pattern ($rest)"
done < <([ -n "$SUITE_LIST" ] && cat "$VMDIR/$SUITE_LIST")
is_skipped() {
	local s
	for s in "${skips[@]}"; do
		# shellcheck disable=SC2053 # glob match on purpose
		[[ $1 == $s ]] && return 0
	done
	return 1
}
while read -r kind pattern rest; do
	case "$kind" in '' | \#* | skip) continue ;; esac
	case "$kind" in
	bin) cands=$(cd "$SRC/tests" && compgen -G "$pattern.c" || true) ;;
	sh) cands=$(cd "$SRC/tests" && compgen -G "$pattern.sh" || true) ;;
	*) die "$SUITE_LIST: unknown kind $kind" ;;
	esac
	for c in $cands; do
		id=${c%.*}
		is_skipped "$id" && continue
		# shellcheck disable=SC2053 # glob match on purpose
		[[ -z ${SBX_VM_ONLY:-} || $id == ${SBX_VM_ONLY:-} ]] || continue
		[ "$rest" = require ] && required[$id]=require
		[ -n "${picked[$id]:-}" ] && continue
		picked[$id]=$kind
		suite_names+=("$id")
	done
done < <([ -n "$SUITE_LIST" ] && cat "$VMDIR/$SUITE_LIST")
: >"$STAGE/sbx/suite"
for id in ${suite_names[@]+"${suite_names[@]}"}; do
	name=$(basename "$id")
	if [ "${picked[$id]}" = bin ]; then
		[ -x "$BUILD/tests/$name" ] || die "$BUILD/tests/$name is not built"
		copy_elf "$BUILD/tests/$name" "/sbx/build/tests/$name"
		path=/sbx/build/tests/$name
	else
		path=/sbx/src/tests/$id.sh
	fi
	printf '%s\t%s\t%s\t%s\n' "$id" "${picked[$id]}" "$path" "${required[$id]:-}" >>"$STAGE/sbx/suite"
done
printf 'export SBX_VM_TEST_TIMEOUT=%s\n' "${SBX_VM_TEST_TIMEOUT:-150}" >"$STAGE/sbx/env"

if [ "$MODE" = bench ]; then
	# static, so that it needs nothing from the VM
	mkdir -p "$STAGE/sbx/bench"
	cc -O2 -std=gnu11 -D_GNU_SOURCE -static -I"$SRC" -o "$STAGE/sbx/bench/cgroup_bench" \
		"$SRC/bench/cgroup_bench.c" "$SRC"/cgroups/*.c "$SRC/core/error.c" "$SRC/core/util.c" "$SRC/core/log.c" ||
		die "cannot build bench/cgroup_bench.c"
	echo "$BENCH_ARGS" >"$STAGE/sbx/bench.args"
fi

(cd "$STAGE" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$WORK/initramfs.gz"
note "initramfs $(du -h "$WORK/initramfs.gz" | cut -f1), ${#suite_names[@]} tests, kernel $(basename "$kdir")"
t_built=$(date +%s.%N)

# ---- 4. boot -----------------------------------------------------------------------
LOG=$WORK/console.log
SYSTEMD_ARGS=""
if [ "$MODE" = systemd ]; then
	# read by systemd from /proc/cmdline: only warnings and worse on the console
	SYSTEMD_ARGS=" systemd.unit=sbx-suite.target systemd.log_target=console systemd.log_level=${SBX_VM_SYSTEMD_LOG_LEVEL:-warning}"
	SYSTEMD_ARGS+=" systemd.show_status=0 systemd.crash_reboot=1 systemd.unified_cgroup_hierarchy=1"
fi
note "booting (log: $LOG, limit ${TIMEOUT}s)"
set +e
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m "$MEMORY" \
	-nodefaults -no-user-config -display none -no-reboot -nic none \
	-serial stdio -monitor none \
	-kernel "$kdir/vmlinuz" -initrd "$WORK/initramfs.gz" \
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=3 cgroup_no_v1=all sbx.mode=$MODE$SYSTEMD_ARGS" \
	</dev/null 2>&1 | tr -d '\r' | tee "$LOG"
qemu_rc=${PIPESTATUS[0]}
set -e
t_end=$(date +%s.%N)

# ---- 5. verdict ------------------------------------------------------------------------
summary=$(grep -a '^SBXVM-SUMMARY ' "$LOG" | tail -n1 || true)
booted=$(sed -n 's/^SBXVM-BOOTED uptime=//p' "$LOG" | tail -n1)
# when systemd's first job, the suite's service, started
sd_up=$(sed -n 's/^SBXVM-SYSTEMD uptime=//p' "$LOG" | tail -n1)
timing=$(awk -v a="$t_start" -v b="$t_built" -v c="$t_end" -v u="${booted:-?}" -v s="$sd_up" \
	'BEGIN { printf "prepare %.1fs, VM %.1fs (booted at guest uptime %ss%s)", b - a, c - b, u,
		s == "" ? "" : ", systemd ran the suite at " s "s" }')
echo
note "results:"
grep -a '^SBXVM-RESULT ' "$LOG" || true
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	die "the VM did not finish within ${TIMEOUT}s ($timing)"
fi
[ -n "$summary" ] || die "no SBXVM-SUMMARY line: the VM crashed or the runner failed (qemu exit $qemu_rc; $timing)"
passed=$(sed -n 's/.*passed=\([0-9]*\).*/\1/p' <<<"$summary")
failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$summary")
skipped=$(sed -n 's/.*skipped=\([0-9]*\).*/\1/p' <<<"$summary")
echo "vm: $passed passed, $failed failed, $skipped skipped; $timing"
[ "$failed" -eq 0 ] || die "failed in the VM: $(sed -n 's/.*failed_tests=//p' <<<"$summary")"
[ "$MODE" = bench ] || [ -n "${SBX_VM_ONLY:-}" ] || [ "$passed" -ge "$MIN_PASSED" ] || die "only $passed tests passed in the VM (at least $MIN_PASSED expected)"
exit 0

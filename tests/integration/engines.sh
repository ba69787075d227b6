# SPDX-License-Identifier: Apache-2.0
# Shared by the tests that drive sbxctr through real engines (test_podman.sh,
# test_containerd.sh) and bench/engines.sh. Source it after lib.sh.
#
# The engines run in a private mount namespace of the test's own (their
# overlay mounts and everything else die with it). Where cgroup v2 is not
# usable (the hybrid development hosts) that namespace gets an empty tmpfs
# over /sys/fs/cgroup: no process of the test can reach, let alone write,
# the host's cgroup hierarchies, and the engines run with cgroups disabled;
# eng_cgroup_snapshot compares the host's hierarchy from outside as well.
# In the VM, where cgroup v2 is real, the engines use it.

# 1 when /sys/fs/cgroup is a cgroup2 mount with no v1 hierarchy beside it
eng_cgroup_v2() {
	[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] && ! grep -q ' cgroup ' /proc/self/mounts
}

# eng_rootfs DIR: a small image root: busybox and the probe (vfs copies it per container)
eng_rootfs() {
	mkdir -p "$1/bin" "$1/etc" "$1/usr/local/bin" "$1/tmp" "$1/proc" "$1/sys" "$1/dev" "$1/run" "$1/root" "$1/work"
	chmod 1777 "$1/tmp"
	cp "$SBX_ROOTFS/bin/busybox" "$1/bin/busybox"
	for app in $("$1/bin/busybox" --list); do
		[ -e "$1/bin/$app" ] || ln -s busybox "$1/bin/$app"
	done
	cp "$SBX_ROOTFS/etc/passwd" "$SBX_ROOTFS/etc/group" "$1/etc/"
	cp "$SBX_HELPERS/probe" "$1/usr/local/bin/probe"
}

# eng_oci_image ROOTFS OUT.tar NAME: an OCI image layout tarball (one layer), as `ctr image import` takes
eng_oci_image() {
	_d=$(mktemp -d "$T_TMP/img.XXXXXX")
	mkdir -p "$_d/blobs/sha256"
	# busybox's tar and gzip too (the VM): no GNU-only flags
	tar -C "$1" -cf "$_d/layer.tar" .
	_diff=$(sha256sum "$_d/layer.tar" | cut -d' ' -f1)
	gzip -1 -c <"$_d/layer.tar" >"$_d/layer.tar.gz"
	rm "$_d/layer.tar"
	_blob() { # FILE -> moves it to its digest; prints "digest size"
		_s=$(sha256sum "$1" | cut -d' ' -f1)
		_n=$(stat -c %s "$1")
		mv "$1" "$_d/blobs/sha256/$_s"
		echo "$_s $_n"
	}
	set -- "$1" "$2" "$3" "$(_blob "$_d/layer.tar.gz")"
	printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"],"Cmd":["/bin/sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$_diff" >"$_d/config"
	set -- "$1" "$2" "$3" "$4" "$(_blob "$_d/config")"
	# shellcheck disable=SC2086 # "digest size" pairs split on purpose
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
		$5 $4 >"$_d/manifest"
	set -- "$1" "$2" "$3" "$(_blob "$_d/manifest")"
	# shellcheck disable=SC2086
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
		$4 "$3" >"$_d/index.json"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$_d/oci-layout"
	tar -C "$_d" -cf "$2" oci-layout index.json blobs
	rm -rf "$_d"
}

# The host's cgroup directories (from the host's mount namespace: pid $1's), one a line.
eng_cgroup_snapshot() {
	nsenter --mount="/proc/$1/ns/mnt" find /sys/fs/cgroup -type d 2>/dev/null | sort
}

# eng_private_cgroups: in the test's own mount namespace, an empty tmpfs over
# /sys/fs/cgroup where cgroup v2 is not usable (ENG_CGROUPS=0), else nothing (ENG_CGROUPS=1)
eng_private_cgroups() {
	if eng_cgroup_v2; then
		ENG_CGROUPS=1
	else
		mount -t tmpfs -o size=1m,mode=755 sbx-no-cgroups /sys/fs/cgroup
		ENG_CGROUPS=0
	fi
}

# eng_wait_gone PATTERN: waits (5 s) until no process whose command line matches runs; prints what is left
eng_wait_gone() {
	_i=0
	while pgrep -f "$1" >/dev/null && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	pgrep -af "$1" | tr '\n' ' '
}

# eng_outer SCRIPT UNSHARE_FLAGS...: runs the test again (ENG_INNER set) in
# namespaces of its own, then checks the host's cgroup directories are as they were
eng_outer() {
	_script=$1
	shift
	_before=$(eng_cgroup_snapshot $$)
	ENG_INNER=$$ T_TMP=$T_TMP unshare "$@" --propagation private sh "$_script"
	_rc=$?
	_after=$(eng_cgroup_snapshot $$)
	if [ "$_before" != "$_after" ]; then
		echo "not ok - the host's cgroup directories changed:"
		printf '%s\n' "$_before" >"$T_TMP/cg.before"
		printf '%s\n' "$_after" | diff "$T_TMP/cg.before" - | head -20
		exit 1
	fi
	echo "# the host's cgroup directories are as they were ($(printf '%s\n' "$_before" | wc -l) directories)"
	exit $_rc
}

# eng_podman_conf FILE: podman's containers.conf for the tests: no network, the
# caller's rlimits, cgroups disabled where they are not v2 (podman runs a runtime
# without a cgroup only when its name is in runtime_supports_nocgroup: sbxctr is added)
eng_podman_conf() {
	_nproc=$(awk '/^Max processes/ { print $4 }' /proc/self/limits)
	# podman lowers its own RLIMIT_NPROC to 32768; without CAP_SYS_RESOURCE the container's cannot be higher
	if [ "$_nproc" = unlimited ] || [ "$_nproc" -gt 32768 ]; then _nproc=32768; fi
	cat >"$1" <<EOC
[containers]
netns = "none"
default_ulimits = ["nofile=$(ulimit -Sn):$(ulimit -Hn)", "nproc=$_nproc:$_nproc"]
$([ "$ENG_CGROUPS" = 0 ] && echo 'cgroups = "disabled"')
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime_supports_nocgroup = ["crun", "krun", "sbxctr"]
runtime_supports_json = ["crun", "runc", "sbxctr"]
EOC
}

# eng_containerd CONFIG SOCKET: starts containerd (ENG_CPID) and waits until it answers
eng_containerd() {
	containerd --config "$1" >"$1.log" 2>&1 &
	ENG_CPID=$!
	_i=0
	while ! ctr --address "$2" version >/dev/null 2>&1 && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}

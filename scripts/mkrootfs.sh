#!/bin/sh
# Builds a small test/example rootfs: busybox-static, the project's static
# probe programs, and the empty mount points the default config uses.
# Usage: mkrootfs.sh DEST [HELPERS_DIR]
set -eu
dest=$1
helpers=${2:-}
bb=/bin/busybox
# ldd prints "not a dynamic executable" for a static binary
if [ ! -x "$bb" ] || ! ldd "$bb" 2>&1 | grep -q 'not a dynamic'; then
	echo "mkrootfs: a static busybox is needed (apt-get install busybox-static)" >&2
	exit 1
fi
mkdir -p "$dest"
for d in bin sbin usr/bin usr/sbin usr/local/bin etc proc sys dev tmp work root home var/tmp run mnt; do
	mkdir -p "$dest/$d"
done
chmod 1777 "$dest/tmp" "$dest/var/tmp"
cp -f "$bb" "$dest/bin/busybox.new" && mv -f "$dest/bin/busybox.new" "$dest/bin/busybox"
for app in $("$dest/bin/busybox" --list); do
	[ -e "$dest/bin/$app" ] || ln -s busybox "$dest/bin/$app"
done
cat > "$dest/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$dest/etc/group" <<'G'
root:x:0:
nogroup:x:65534:
G
echo "sbxctr test rootfs" > "$dest/etc/motd"
if [ -n "$helpers" ] && [ -d "$helpers" ]; then
	for f in "$helpers"/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		n=$(basename "$f")
		cmp -s "$f" "$dest/usr/local/bin/$n" 2>/dev/null || cp -f "$f" "$dest/usr/local/bin/$n"
	done
fi
exit 0

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The public library as an outside program gets it: `cmake --install` into a
# prefix of the test's own, examples/embed.c built against it through
# pkg-config, and run: a plugin gets its input on fd 3 and a result pipe on
# fd 4, and nothing else (stdio /dev/null).
. "$(dirname "$0")/lib.sh"
t_skip_unless_root
: "${SBX_BUILD_DIR:?}" "${SBX_SOURCE_DIR:?}"
for tool in cc pkg-config cmake; do
	command -v $tool >/dev/null || { echo "SKIP: $tool is missing"; exit 77; }
done
prefix=$T_TMP/prefix
cmake --install "$SBX_BUILD_DIR" --prefix "$prefix" >"$T_TMP/install.log" 2>&1
check_eq "cmake --install into a prefix" "0" "$?"
pc=$(find "$prefix" -name sbxctr.pc | head -1)
check_match "sbxctr.pc is installed" "/pkgconfig/sbxctr.pc$" "$pc"
check_match "  ... and names the install prefix" "^prefix=$prefix$" "$(cat "$pc" 2>/dev/null)"
for f in bin/sbxctr include/sbxctr.h; do
	[ -e "$prefix/$f" ] && ok "installed $f" || not_ok "installed $f"
done
libdir=$(dirname "$(dirname "$pc")")
for f in libsbxctr.a libsbxctr.so; do
	[ -e "$libdir/$f" ] && ok "installed $f" || not_ok "installed $f" "libdir $libdir"
done

export PKG_CONFIG_PATH="$(dirname "$pc")"
# a sanitized library needs a sanitized program to load it
san=""
[ "${SBX_SANITIZE:-OFF}" = ON ] && san="-fsanitize=address,undefined"
# shellcheck disable=SC2046,SC2086 # pkg-config's words split on purpose
cc -Wall -Wextra -Werror $san -o "$T_TMP/embed" "$SBX_SOURCE_DIR/examples/embed.c" $(pkg-config --cflags --libs sbxctr) \
	2>"$T_TMP/cc.log"
check_eq "examples/embed.c builds against the installed library (pkg-config)" "0" "$?"
[ -s "$T_TMP/cc.log" ] && sed 's/^/#   /' "$T_TMP/cc.log"
check_match "  ... and is linked to the shared library" "libsbxctr.so.0 => $libdir" \
	"$(LD_LIBRARY_PATH=$libdir ldd "$T_TMP/embed")"

printf 'hello plugin\n' >"$T_TMP/input.txt"
chmod 0644 "$T_TMP/input.txt"
out=$(LD_LIBRARY_PATH=$libdir "$T_TMP/embed" "$SBX_ROOTFS" "$T_TMP/input.txt" 2>&1)
check_eq "the plugin read fd 3, wrote fd 4: exit 0" "0" "$?"
check_eq "  ... its result" "HELLO PLUGIN" "$(printf '%s\n' "$out" | head -1)"
check_match "  ... and the run's report" "^plugin: none, exit status 0" "$(printf '%s\n' "$out" | tail -1)"

# nothing else: the plugin's own view of its fds, and of the host
P=/usr/local/bin/probe
out=$(LD_LIBRARY_PATH=$libdir "$T_TMP/embed" "$SBX_ROOTFS" "$T_TMP/input.txt" -- /bin/sh -c "$P fds >&4; $P read $T_TMP/input.txt >&4" 2>&1)
fds=$(printf '%s\n' "$out" | grep -E '^[0-9]+ ' | awk '{print $1}' | tr '\n' ' ')
check_eq "the plugin has fds 0-4 and nothing else" "0 1 2 3 4 " "$fds"
check_match "  ... stdio is /dev/null" "^0 /dev/null" "$out"
check_match "  ... fd 4 is the host's pipe" "^4 pipe:" "$out"
check_nomatch "  ... and the host's file is not reachable by path" "^ok" "$(printf '%s\n' "$out" | grep -v '^[0-9]')"
out=$(LD_LIBRARY_PATH=$libdir "$T_TMP/embed" "$SBX_ROOTFS" "$T_TMP/input.txt" -- /bin/sh -c 'kill -9 $$' 2>&1)
check_eq "a plugin killed by a signal: the host reports 128+9" "137" "$?"
t_done

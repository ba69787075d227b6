#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bundles as the standard tools generate them: `runc spec`, `runc spec
# --rootless`, `crun spec`, `crun spec --rootless`, `umoci unpack` with and
# without --rootless. Each runs as generated (only the command is changed,
# to one that says it ran), with `sbxctr run` and with create/start/delete,
# under both policies, as root. runc only writes its spec here: it never
# runs a container on these machines.
if [ -z "${OCI_REAPED:-}" ]; then
	OCI_REAPED=1 exec "$SBX_HELPERS/oci_reaper" sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
t_skip_unless_root

ROOT="$T_TMP/state"
G="$T_TMP/gen"
mkdir -p "$G"
chmod 755 "$T_TMP"

# set_cmd DIR: the generated process, told to print "gen-ok <uid>" instead of running sh
set_cmd() {
	sed -i 's|^\([[:space:]]*\)"sh"$|\1"/bin/sh", "-c", "echo gen-ok $(id -u)"|' "$1/config.json"
	grep -q 'gen-ok' "$1/config.json"
}

# spec_bundle NAME TOOL ARGS...: a bundle from `TOOL spec ARGS` on the test rootfs
spec_bundle() {
	name=$1
	shift
	mkdir -p "$G/$name"
	ln -s "$SBX_ROOTFS" "$G/$name/rootfs"
	(cd "$G/$name" && "$@" >/dev/null 2>&1) && set_cmd "$G/$name"
}

BUNDLES=""
for t in runc crun; do
	if command -v $t >/dev/null; then
		spec_bundle $t $t spec && BUNDLES="$BUNDLES $t" || not_ok "$t spec"
		spec_bundle $t-rootless $t spec --rootless && BUNDLES="$BUNDLES $t-rootless" || not_ok "$t spec --rootless"
	else
		ok "# SKIP $t is missing (setup.sh test installs it)"
	fi
done
# umoci: an image made of the test rootfs, unpacked as root and rootless
if command -v umoci >/dev/null; then
	I="$T_TMP/image"
	if umoci init --layout "$I" && umoci new --image "$I:t" &&
		umoci unpack --image "$I:t" "$T_TMP/stage" >/dev/null && cp -a "$SBX_ROOTFS/." "$T_TMP/stage/rootfs/" &&
		umoci repack --image "$I:t" "$T_TMP/stage" &&
		umoci config --image "$I:t" --config.cmd /bin/sh --config.cmd -c --config.cmd 'echo gen-ok $(id -u)' &&
		umoci unpack --image "$I:t" "$G/umoci" >/dev/null &&
		umoci unpack --rootless --image "$I:t" "$G/umoci-rootless" >/dev/null; then
		BUNDLES="$BUNDLES umoci umoci-rootless"
	else
		not_ok "umoci: building and unpacking an image of the test rootfs"
	fi
else
	ok "# SKIP umoci is missing (setup.sh test installs it)"
fi

for b in $BUNDLES; do
	D="$G/$b"
	TERM_ON=$(grep -c '"terminal": true' "$D/config.json")
	for POLICY in hardened exact; do
		# sbxctr run: a terminal config gets a pty, relayed to our (non-terminal) stdout
		OUT=$("$SBXCTR" --policy $POLICY run "$D" </dev/null 2>"$T_TMP/err" | tr -d '\r')
		RC=$?
		check_eq "$b [$POLICY]: sbxctr run as generated" "0 gen-ok 0" "$RC $OUT$( [ $RC = 0 ] || echo " $(cat "$T_TMP/err")")"

		# create/start/delete, the console over --console-socket where the config asks for one
		CON=""
		if [ "$TERM_ON" != 0 ]; then
			rm -f "$T_TMP/con.sock" "$T_TMP/con.out"
			"$SBX_HELPERS/console_recv" "$T_TMP/con.sock" "$T_TMP/con.out" &
			RECV=$!
			i=0; while [ ! -S "$T_TMP/con.sock" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
			CON="--console-socket $T_TMP/con.sock"
		fi
		# shellcheck disable=SC2086 # CON is empty or two words
		"$SBXCTR" --root "$ROOT" --policy $POLICY create --bundle "$D" $CON g1 >"$T_TMP/cout" 2>"$T_TMP/err"
		RC=$?
		check_eq "$b [$POLICY]: create" "0" "$RC$( [ $RC = 0 ] || echo " $(cat "$T_TMP/err")")"
		"$SBXCTR" --root "$ROOT" start g1 2>>"$T_TMP/err"
		i=0
		while [ "$("$SBXCTR" --root "$ROOT" state g1 2>/dev/null | grep -c '"stopped"')" = 0 ] && [ $i -lt 100 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		"$SBXCTR" --root "$ROOT" delete g1 2>>"$T_TMP/err"
		if [ -n "$CON" ]; then
			wait $RECV
			OUT=$(tail -n +2 "$T_TMP/con.out" | tr -d '\r')
		else
			OUT=$(cat "$T_TMP/cout")
		fi
		check_eq "$b [$POLICY]: create/start/delete" "gen-ok 0" "$OUT"
		check_eq "$b [$POLICY]: ... leaves nothing under --root" "" "$(ls "$ROOT")"
	done
done
check_no_leftovers "generated bundles"
t_done

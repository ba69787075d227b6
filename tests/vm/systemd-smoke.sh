#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Smoke check of the systemd test VM (run-vm-tests.sh --systemd): systemd is
# pid 1, root reaches it over D-Bus on its private socket with no bus daemon,
# and a transient scope with Delegate=yes (what --systemd-cgroup asks for, as
# crun and runc do) gets this process moved into it and hands over its cgroup:
# limits can be written there and sub-cgroups made. Runs only in that VM.
set -u
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"
if [ "$(cat /proc/1/comm)" != systemd ]; then
	echo "SKIP: pid 1 is not systemd (runs in the systemd test VM)"
	exit 77
fi

check_eq "pid 1 is systemd" systemd "$(cat /proc/1/comm)"
check_eq "no D-Bus daemon socket" "" "$(ls /run/dbus/system_bus_socket 2>/dev/null)"
if [ -S /run/systemd/private ]; then ok "systemd's private socket"; else not_ok "systemd's private socket" "/run/systemd/private is not a socket"; fi
check_match "systemctl reaches pid 1" '^[0-9]+' "$(systemctl show -p Version --value 2>&1)"
check_eq "the suite runs as a service" "0::/system.slice/sbx-suite.service" "$(cat /proc/self/cgroup)"

unit=sbx-smoke-$$.scope
# The shell inside the scope reports where it is, writes a limit into its own
# cgroup, then delegates one level further: a leaf cgroup it moves itself into
# (a cgroup with processes cannot enable controllers for its children).
# shellcheck disable=SC2016 # expanded by the shell in the scope
out=$(systemd-run --quiet --scope -p Delegate=yes --unit="$unit" /bin/sh -c '
	cg=$(sed -n "s/^0:://p" /proc/self/cgroup)
	d=/sys/fs/cgroup$cg
	echo "cgroup=$cg"
	echo "delegate=$(systemctl show -p Delegate --value "$1")"
	echo "controllers=$(cat "$d/cgroup.controllers")"
	echo 67108864 >"$d/memory.max" && echo "memory.max=$(cat "$d/memory.max")"
	mkdir "$d/leaf" && echo $$ >"$d/leaf/cgroup.procs" &&
		echo "+memory +pids" >"$d/cgroup.subtree_control" &&
		echo "leaf=$(sed -n "s/^0:://p" /proc/self/cgroup) $(cat "$d/leaf/cgroup.controllers")"
' sh "$unit" 2>&1)
echo "$out" | sed 's/^/# scope: /'
check_eq "transient scope: cgroup" "cgroup=/system.slice/$unit" "$(echo "$out" | grep '^cgroup=')"
check_eq "transient scope: Delegate=yes" "delegate=yes" "$(echo "$out" | grep '^delegate=')"
check_match "transient scope: memory and pids delegated" '^controllers=.*memory.*pids' "$(echo "$out" | grep '^controllers=')"
check_eq "transient scope: memory.max writable" "memory.max=67108864" "$(echo "$out" | grep '^memory.max=')"
check_match "transient scope: sub-cgroup with controllers" "^leaf=/system.slice/$unit/leaf memory pids\$" "$(echo "$out" | grep '^leaf=')"

# Once its last process is gone systemd stops the scope and removes its
# cgroup, delegated sub-cgroups included (asynchronously: poll up to 10 s).
i=0
while [ -e "/sys/fs/cgroup/system.slice/$unit" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "scope's cgroup removed when empty" "" "$(ls -d "/sys/fs/cgroup/system.slice/$unit" 2>/dev/null)"
check_eq "scope gone" inactive "$(systemctl show -p ActiveState --value "$unit" 2>&1)"
t_done

#!/bin/sh
# Runs inside the example sandbox and shows what it can (not) do.
echo "hostname:        $(hostname)"
echo "my pid:          $$   (pid 1 of a new pid namespace)"
echo "processes seen:  $(ls -d /proc/[0-9]* | wc -l)"
echo "id:              $(id)"
echo "uid map:         $(cat /proc/self/uid_map | tr -s ' ')   (root here is an unprivileged id outside)"
grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp)' /proc/self/status | sed 's/^/status:          /'
echo "interfaces:      $(ls /sys/class/net | tr '\n' ' ')"
if touch /etc/owned 2>/dev/null; then echo "write /etc:      ALLOWED (unexpected)"; else echo "write /etc:      refused (read-only root)"; fi
echo hello > /work/note && echo "write /work:     ok (tmpfs workdir: $(df -h /work | awk 'NR==2 {print $2}'))"
if cat /proc/kcore >/dev/null 2>&1 && [ -s /proc/kcore ]; then echo "/proc/kcore:     readable (unexpected)"; else echo "/proc/kcore:     masked"; fi
if mount -t tmpfs none /mnt 2>/dev/null; then echo "mount:           ALLOWED (unexpected)"; else echo "mount:           refused"; fi

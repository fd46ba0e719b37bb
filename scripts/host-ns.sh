#!/bin/bash
# host-ns.sh CMD [ARGS...]: run CMD as root in a fresh private mount
# namespace confined for the host. Mount changes stay in the namespace; what
# a mount namespace does not confine is made unreachable through the usual
# paths:
#   - /proc/sys is bind-mounted read-only: no sysctl changes (EROFS)
#   - /dev/null is bind-mounted over /dev/loop-control, /dev/loop[0-9]* and
#     /dev/mapper/control: no loop or device-mapper devices are created or
#     attached (ioctls on them fail with ENOTTY)
# A test that needs one of them must see this and SKIP the case with a
# reason. This guards the host against tests that ask the kernel politely
# (the selftests of this project, util-linux's), not against a root process
# that unmounts the guards.
set -uo pipefail

if [ "${1:-}" != --inside ]; then
	[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
	[ "$(id -u)" = 0 ] || { echo "error: $0 must run as root" >&2; exit 2; }
	exec unshare --mount --propagation private -- "$0" --inside "$@"
fi
shift

guard() { echo "error: host-ns.sh: cannot $*" >&2; exit 2; }
mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys ||
	guard "make /proc/sys read-only"
for d in /dev/loop-control /dev/loop[0-9]* /dev/mapper/control; do
	[ -e "$d" ] || continue
	mount --bind /dev/null "$d" || guard "mask $d"
done
exec "$@"

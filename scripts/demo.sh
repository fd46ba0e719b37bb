#!/bin/bash
# make demo: build what is missing, boot the patched kernel and play the
# scenario MOVE_MOUNT_BENEATH exists for (tools/demo/guest.sh in the VM):
# N containers read their configuration while the host updates it with
# mount --beneath + umount, then the naive way (umount, then mount). The
# guest's report is printed and kept in build/demo/report.txt.
#
# usage: [N=100] [KERNEL=release|debian] scripts/demo.sh
#   KERNEL=debian: the Debian-config kernel as installed from its package
#   (build-kernel-debian.sh --deb, install-debian-root.sh; the first build
#   takes hours on 2 cores), its modules loaded in the guest first
#
# Exit status: 0 when the beneath update was atomic in every container and
# all of them see the new configuration; 1 when it was not (or the kernel
# logged a warning); 2 when the demo could not tell (a build, the boot or
# the setup failed, or the readers made no progress).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

N=${N:-100}
KERNEL=${KERNEL:-release}
case $KERNEL in
release | debian) ;;
*) echo "error: KERNEL must be release or debian (got '$KERNEL')" >&2; exit 2 ;;
esac
case $N in
'' | *[!0-9]* | 0*) echo "error: N must be a positive number (got '$N')" >&2; exit 2 ;;
esac

step() {
	"$@" || { echo "error: demo: '${*#"$TOP"/}' failed" >&2; exit 2; }
}

start=$SECONDS
step "$TOP/scripts/deps.sh"
step "$TOP/scripts/tree.sh"
if [ "$KERNEL" = debian ]; then
	step "$TOP/scripts/build-kernel-debian.sh" --deb
	step "$TOP/scripts/install-debian-root.sh"
else
	step "$TOP/scripts/build-kernel.sh" release
fi
if [ -x "$TOP/scripts/build-util-linux.sh" ]; then
	step "$TOP/scripts/build-util-linux.sh"
fi
step make -s -C "$TOP/tools/demo" -j2 O="$BUILD/demo"
log "demo: built in $((SECONDS - start)) s; booting the patched $KERNEL kernel with $N containers"

# The VM needs about 20 s for 100 containers on an idle host (TCG); the
# margin is for a busy one.
tmo=$((600 + 6 * N))
report=$BUILD/demo/report.txt
guest=("$TOP/tools/demo/guest.sh" -n "$N" -o "$BUILD/demo")
# Debian's config has loop, erofs and overlayfs as modules (no udev rule
# creates /dev/loop-control before loop is loaded).
[ "$KERNEL" = release ] || guest=(bash -c 'modprobe -a loop erofs overlay && exec "$@"' guest "${guest[@]}")
"$TOP/scripts/vm-run.sh" -v "$KERNEL" -t "$tmo" -- "${guest[@]}" |
	tee "$report"
rc=${PIPESTATUS[0]}
case $rc in
0 | 1 | 2) ;;
*) echo "error: demo: the VM failed (exit status $rc)" >&2; rc=2 ;;
esac

# A kernel warning during the demo is a failure of the feature too.
dmesg_log=$BUILD/vm-$KERNEL/dmesg.log
if [ -s "$dmesg_log" ] &&
   grep -E 'WARNING:|BUG:|Oops|Kernel panic|general protection' "$dmesg_log" >"$BUILD/demo/dmesg-reports.log"; then
	echo "error: demo: the kernel logged problems (build/vm-$KERNEL/dmesg.log):" >&2
	sed 's/^/  /' "$BUILD/demo/dmesg-reports.log" | head -20 >&2
	[ "$rc" != 0 ] || rc=1
fi
log "demo: exit status $rc ($((SECONDS - start)) s; report in ${report#"$TOP"/})"
exit "$rc"

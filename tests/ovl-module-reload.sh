#!/bin/bash
# The overlayfs module-reload case of volatile work dir reuse: a volatile
# work dir is reused by the next volatile mount, but not once overlayfs was
# unloaded and loaded again (its boot id is new, as after a reboot): that
# mount fails with EINVAL and the kernel log says why and what to do.
#
# Only a kernel with overlayfs as a module can run it: the Debian-config
# kernel (scripts/check-debian.sh runs it in its VM). On our tinyconfig
# kernels overlayfs is built in: the case is then a skip (a failure with
# --strict). Guest only: it loads and unloads a module, in a guest without
# vng's writable overlays over /etc, /usr, /tmp... (vm-run.sh -N), which
# would hold the module. On Debian's own 6.1 kernel (no reuse) cases 1 and
# 4 fail.
#
# usage: ovl-module-reload.sh [--strict]
#
#   1. volatile mount, write, umount, volatile mount of the same dirs: the
#      work dir is reused and the file written is there (without a reload
#      the sequence below must succeed, or its refusal would prove nothing)
#   2. umount; modprobe -r overlay (the module is gone); modprobe overlay
#   3. the same volatile mount: EINVAL
#   4. and the kernel log line "cannot reuse volatile workdir W: the system
#      rebooted or overlayfs was reloaded since; writes made through it may
#      be lost: use a new upperdir and workdir"
#   5. a new upper and work dir mount volatile after the reload
#
# The upper file system (a tmpfs) stays mounted throughout, so the only
# thing that changes between 1 and 3 is the module.
# Prints one KTAP document (scripts/ktap.sh) and "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
. "$TOP/scripts/ktap.sh"

[ "${1:-}" != --strict ] || KTAP_STRICT=1
guest_only "$0"

N=5
ktap_begin $N

# mount(2) itself, so that the errno is the kernel's (mount(8) only says
# "wrong fs type, bad option..."): prints the errno name, or "0".
sys_mount() { # TARGET OPTIONS
	python3 - "$1" "$2" <<'EOF'
import ctypes, errno, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.mount(b"overlay", sys.argv[1].encode(), b"overlay", 0, sys.argv[2].encode())
print("0" if r == 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno())))
EOF
}

# The kernel log since MARK (written to /dev/kmsg).
klog_since() { dmesg | sed -n "/$1/,\$p"; }

skip_rest() { # FROM WHY
	local i
	for ((i = $1; i <= N; i++)); do
		ktap_skip "case $i not run" "$2"
	done
	ktap_end
	exit
}

fail_rest() { # FROM WHY
	local i
	for ((i = $1; i <= N; i++)); do
		ktap_fail "case $i not run" "$2"
	done
	ktap_end
	exit
}

# The modules: /lib/modules/RELEASE, or, in a guest without vng's writable
# overlays (vm-run.sh -N, where /lib/modules cannot be made), the root
# whose lib/modules/RELEASE virtme-ng names on the kernel command line.
MODPROBE=(modprobe)
if [ ! -d "/lib/modules/$(uname -r)" ]; then
	link=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^virtme_link_mods=//p')
	[ -z "$link" ] || MODPROBE=(modprobe -d "${link%/lib/modules/*}")
fi
ktap_diag "kernel $(uname -r); ${MODPROBE[*]}"

# overlayfs must be a loadable module: /sys/module/X/initstate exists only
# for those (built-in code with parameters has /sys/module/X too).
"${MODPROBE[@]}" overlay 2>/dev/null
if [ ! -f /sys/module/overlay/initstate ]; then
	skip_rest 1 "overlayfs is not a loadable module in this kernel ($(uname -r))"
fi

# /tmp is read-only in a guest without vng's overlays (vm-run.sh -N).
tmp=/tmp
[ -w "$tmp" ] && touch "$tmp/.ovl-reload-$$" 2>/dev/null && rm -f "$tmp/.ovl-reload-$$" || tmp=/run
T=$(mktemp -d "$tmp/ovl-reload.XXXXXX")
cleanup() {
	umount "$T/m" 2>/dev/null
	umount "$T/m2" 2>/dev/null
	umount "$T" 2>/dev/null
	rmdir "$T" 2>/dev/null
}
trap cleanup EXIT
mount -t tmpfs -o size=16m ovl-reload "$T" || fail_rest 1 "cannot mount a tmpfs on $T"
mkdir -p "$T/lower" "$T/upper" "$T/work" "$T/m" "$T/upper2" "$T/work2" "$T/m2"
echo lower >"$T/lower/f"
opts="lowerdir=$T/lower,upperdir=$T/upper,workdir=$T/work,volatile"

# 1. without a reload, the same sequence reuses the work dir
e=$(sys_mount "$T/m" "$opts")
if [ "$e" != 0 ]; then
	fail_rest 1 "the first volatile mount failed: $e"
fi
echo written >"$T/m/new"
umount "$T/m"
[ -e "$T/work/work/incompat/volatile/dirty" ] ||
	ktap_diag "no $T/work/work/incompat/volatile/dirty after the volatile mount"
mark="ovl-module-reload: reuse $$ $RANDOM"
echo "$mark" >/dev/kmsg
e=$(sys_mount "$T/m" "$opts")
if [ "$e" = 0 ] && [ "$(cat "$T/m/new" 2>/dev/null)" = written ]; then
	ktap_ok "volatile work dir reused without a reload"
	umount "$T/m"
else
	ktap_diag "$(klog_since "$mark" | grep -F overlayfs)"
	ktap_fail "volatile work dir reused without a reload" \
		"second volatile mount: $e, file written through the first: '$(cat "$T/m/new" 2>/dev/null)'"
	umount "$T/m" 2>/dev/null
fi

# 2. reload the module (nothing else may hold it: no other overlay mount)
if ! out=$("${MODPROBE[@]}" -r overlay 2>&1) || [ -d /sys/module/overlay ]; then
	ktap_diag "$out"
	ktap_diag "overlay mounts: $(grep -c ' overlay ' /proc/self/mountinfo)"
	ktap_fail "overlay module unloaded and loaded again" "modprobe -r overlay did not unload it"
	fail_rest 3 "the module was not reloaded"
fi
if ! out=$("${MODPROBE[@]}" overlay 2>&1) || [ ! -f /sys/module/overlay/initstate ]; then
	ktap_diag "$out"
	ktap_fail "overlay module unloaded and loaded again" "modprobe overlay did not load it"
	fail_rest 3 "the module was not reloaded"
fi
ktap_ok "overlay module unloaded and loaded again"

# 3. and 4. the same volatile mount is refused, for the reload
mark="ovl-module-reload: after reload $$ $RANDOM"
echo "$mark" >/dev/kmsg
e=$(sys_mount "$T/m" "$opts")
if [ "$e" = EINVAL ]; then
	ktap_ok "volatile mount after the reload fails with EINVAL"
else
	ktap_fail "volatile mount after the reload fails with EINVAL" "got: $e"
	[ "$e" != 0 ] || umount "$T/m"
fi
want="overlayfs: cannot reuse volatile workdir $T/work: the system rebooted or overlayfs was reloaded since; writes made through it may be lost: use a new upperdir and workdir"
log=$(klog_since "$mark" | grep -F overlayfs)
ktap_diag "kernel log: $log"
if grep -qF -- "$want" <<<"$log"; then
	ktap_ok "the kernel log says the work dir is refused because overlayfs was reloaded"
else
	ktap_fail "the kernel log says the work dir is refused because overlayfs was reloaded" \
		"no line '$want'"
fi

# 5. the reloaded module works: new dirs mount volatile
e=$(sys_mount "$T/m2" "lowerdir=$T/lower,upperdir=$T/upper2,workdir=$T/work2,volatile")
if [ "$e" = 0 ] && [ "$(cat "$T/m2/f" 2>/dev/null)" = lower ]; then
	ktap_ok "a new upper and work dir mount volatile after the reload"
else
	ktap_fail "a new upper and work dir mount volatile after the reload" "got: $e"
fi
ktap_end

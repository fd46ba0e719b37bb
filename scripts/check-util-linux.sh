#!/bin/bash
# Test mount --beneath (patches/util-linux) on the running kernel: in the
# guest (default; scripts/vm-run.sh runs it there) or on the host (--host).
# Every case runs in a fresh private mount namespace on a scratch tmpfs, so
# the mounts of the system (the host's!) are never touched; on the host that
# namespace also cannot create loop or dm devices or change sysctls
# (scripts/host-ns.sh), and only util-linux tests that need no loop device
# run.
#
# usage: check-util-linux.sh [--host] [--strict] [--only SET]
#   SET: beneath (the --beneath cases and the libmount API test), upstream
#   (util-linux's own tests), or the two halves of upstream, upstream-nodev
#   (those that need no device) and upstream-loop (those that need loop
#   devices: the VM only), which make check runs in two VMs at once
#   --strict  the patched kernel (make check's VM run): a skipped --beneath
#             or libmount case is a failure. Whether the kernel has
#             MOVE_MOUNT_BENEATH is asked of the kernel itself
#             (tests/util-linux/probe-beneath.c), never of the mount(8)
#             under test.
#
#   1. mount --beneath cases: tmpfs, -o options, --bind, --rbind, a file,
#      propagation flags, propagation to another namespace, then umount of
#      the old top reveals the new mount; error cases and their messages
#   2. the libmount API test program (tests/util-linux/libmount-beneath.c)
#   3. util-linux 2.38.1's own libmount and mount tests (tests/ts), run with
#      the patched mount first in PATH (the subset in UL_TESTS_* below)
#
# Prints one KTAP document (scripts/ktap.sh), one result per case, and ends
# with "N passed, N failed, N skipped". Exit status 1 on failure.
# Build first with scripts/build-util-linux.sh.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"

SELF=$(readlink -f "$0")
BIN=$BUILD/bin
OBJ=$BUILD/util-linux-obj
GEN=$BUILD/util-linux-gen
TPROG=$OBJ/mb-tests
MOUNT=$BIN/mount
UMOUNT=$BIN/umount
export PATH=$BIN:$PATH LC_ALL=C
unset LIBMOUNT_DEBUG LIBBLKID_DEBUG LIBMOUNT_FSTAB LIBMOUNT_MTAB LIBMOUNT_UTAB

# util-linux's own tests. All of ts/libmount and ts/mount except:
#  - libmount/context, context-utab, tabfiles-tags, mount/fstab-all,
#    umount-alltargets, umount-recursive: they need the scsi_debug module
#    (the guest kernel has no modules; on the host it would add devices)
#  - the *-py tests: the Python bindings are not built
#  - libmount/lock: marked optional upstream (a stress test, only --force)
#  - mount/dm-verity, fstab-btrfs: dm-verity and btrfs are neither in the
#    guest kernel nor are their tools installed
#  - mount/rlimit: needs a regular file /etc/mtab (Debian's is a symlink to
#    /proc/self/mounts), skips itself otherwise
# On the host only those that need no loop device run (loop devices are
# global, not confined by the mount namespace).
UL_TESTS_NODEV=(libmount/debug libmount/optstr libmount/tabdiff libmount/tabfiles
	libmount/update libmount/utils mount/fstab-broken mount/fstab-none
	mount/move mount/special)
UL_TESTS_LOOP=(libmount/loop libmount/loop-overlay mount/devname mount/fslists
	mount/fstab-devname mount/fstab-devname2label mount/fstab-devname2uuid
	mount/fstab-label mount/fstab-label2devname mount/fstab-label2uuid
	mount/fstab-loop mount/fstab-symlink mount/fstab-uuid mount/fstab-uuid2devname
	mount/fstab-uuid2label mount/label mount/regfile mount/remount
	mount/shared-subtree mount/uuid)

################################################################ case helpers
# These run inside the private namespace of a case (see in_private_ns).

FAILED=0
note() { printf '%s\n' "$*"; }
fail() { note "FAIL: $*"; FAILED=1; }

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		note "ok: $what"
	else
		fail "$what"
	fi
}

# run COMMAND...: run it, show it and its output; its status is returned.
run() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	note "\$ ${*/#$BIN\//} -> $rc"
	[ -z "$out" ] || sed 's/^/  /' <<<"$out"
	RUN_OUT=$out
	return $rc
}

# must COMMAND...: it must succeed.
must() { run "$@" || fail "exit status $? from: $*"; }

# expect_fail STATUS PATTERN COMMAND...: must fail with exit STATUS and an
# error message matching the extended regexp PATTERN.
expect_fail() {
	local want=$1 pat=$2 rc
	shift 2
	run "$@"
	rc=$?
	[ "$rc" = "$want" ] || fail "exit status $rc, expected $want"
	grep -Eq -- "$pat" <<<"$RUN_OUT" || fail "message does not match /$pat/"
}

# The content and mounts at a path.
content() { cat "$1" 2>/dev/null; }
# SOURCE of each mount at a mountpoint, in mountinfo order.
sources_at() { findmnt -rn -M "$1" -o SOURCE | tr '\n' ' ' | sed 's/ $//'; }
# The one mount at a mountpoint that has SOURCE: its COLUMN (findmnt -o).
col_of() { findmnt -rn -M "$1" -o SOURCE,"$3" | awk -v s="$2" '$1 == s { print $2 }'; }
nmounts() { findmnt -rn -M "$1" -o SOURCE | wc -l; }

# top_tmpfs DIR SOURCE: a tmpfs with SOURCE as its source and a file "id"
# holding SOURCE.
top_tmpfs() {
	mkdir -p "$1"
	must "$MOUNT" -t tmpfs "$2" "$1" && echo "$2" >"$1/id"
}

# replaced DIR OLD NEW: the stack at DIR is OLD on top of NEW, OLD still
# shows; umount DIR then shows NEW.
replaced() {
	local d=$1 old=$2 new=$3
	[ "$(content "$d/id")" = "$old" ] || fail "$d shows '$(content "$d/id")' before umount, not the old top '$old'"
	[ "$(nmounts "$d")" = 2 ] || fail "$(nmounts "$d") mounts at $d, expected 2 ($(sources_at "$d"))"
	must "$UMOUNT" "$d"
	[ "$(nmounts "$d")" = 1 ] || fail "$(nmounts "$d") mounts at $d after umount, expected 1"
	[ "$(findmnt -rn -M "$d" -o SOURCE)" = "$new" ] ||
		fail "after umount $d is '$(findmnt -rn -M "$d" -o SOURCE)', expected '$new'"
}

################################################################ the cases

case_tmpfs() {
	top_tmpfs "$S/t" ul-old
	must "$MOUNT" --beneath -t tmpfs ul-new "$S/t"
	replaced "$S/t" ul-old ul-new
	check "the new tmpfs is empty" test -z "$(ls -A "$S/t")"
	check "and writable" touch "$S/t/file"
	check "fstype tmpfs" test "$(findmnt -rn -M "$S/t" -o FSTYPE)" = tmpfs
}

case_tmpfs_options() {
	top_tmpfs "$S/t" ul-old
	must "$MOUNT" --beneath -t tmpfs -o size=2m,mode=0711,nr_inodes=64,nosuid,nodev,noexec,noatime,ro ul-new "$S/t"
	replaced "$S/t" ul-old ul-new
	local o
	o=$(findmnt -rn -M "$S/t" -o OPTIONS)
	note "options: $o"
	for w in ro nosuid nodev noexec noatime size=2048k nr_inodes=64 mode=711; do
		grep -Eq "(^|,)$w(,|$)" <<<"$o" || fail "option $w missing"
	done
	check "mode 711 on the root" test "$(stat -c %a "$S/t")" = 711
	check "read-only" sh -c "! touch '$S/t/file' 2>/dev/null"
	# the superblock is read-only too, as with mount(2) -o ro
	o=$(findmnt -rn -M "$S/t" -o FS-OPTIONS)
	grep -Eq '^ro(,|$)' <<<"$o" || fail "superblock not read-only: $o"
}

case_bind() {
	mkdir -p "$S/src/sub"
	echo ul-src >"$S/src/id"
	must "$MOUNT" -t tmpfs ul-sub "$S/src/sub"
	top_tmpfs "$S/t" ul-old
	must "$MOUNT" --beneath --bind "$S/src" "$S/t"
	[ "$(content "$S/t/id")" = ul-old ] || fail "old top not visible before umount"
	must "$UMOUNT" "$S/t"
	[ "$(content "$S/t/id")" = ul-src ] || fail "after umount $S/t shows '$(content "$S/t/id")', expected ul-src"
	check "--bind is not recursive: no submount" test "$(nmounts "$S/t/sub")" = 0
	echo written >"$S/t/new"
	check "same files as the source" test "$(content "$S/src/new")" = written
	check "read-write" touch "$S/t/rw"
}

case_bind_ro() {
	mkdir -p "$S/src"
	echo ul-src >"$S/src/id"
	top_tmpfs "$S/t" ul-old
	must "$MOUNT" --beneath --bind -o ro,nosuid "$S/src" "$S/t"
	must "$UMOUNT" "$S/t"
	[ "$(content "$S/t/id")" = ul-src ] || fail "after umount $S/t does not show the source"
	local o
	o=$(findmnt -rn -M "$S/t" -o VFS-OPTIONS)
	note "vfs options: $o"
	grep -Eq '(^|,)ro(,|$)' <<<"$o" || fail "not read-only"
	grep -Eq '(^|,)nosuid(,|$)' <<<"$o" || fail "not nosuid"
	check "read-only" sh -c "! touch '$S/t/file' 2>/dev/null"
	check "the source stays writable" touch "$S/src/file"
}

case_rbind() {
	mkdir -p "$S/src/sub"
	echo ul-src >"$S/src/id"
	must "$MOUNT" -t tmpfs ul-sub "$S/src/sub"
	echo ul-sub >"$S/src/sub/id"
	top_tmpfs "$S/t" ul-old
	must "$MOUNT" --beneath --rbind "$S/src" "$S/t"
	[ "$(content "$S/t/id")" = ul-old ] || fail "old top not visible before umount"
	[ ! -e "$S/t/sub" ] || fail "the submount shows through the old top"
	must "$UMOUNT" "$S/t"
	[ "$(content "$S/t/id")" = ul-src ] || fail "after umount $S/t does not show the source"
	[ "$(content "$S/t/sub/id")" = ul-sub ] || fail "the submount of the source is missing"
	check "the submount is a mount" test "$(findmnt -rn -M "$S/t/sub" -o SOURCE)" = ul-sub
}

case_file() {
	echo ul-a >"$S/a"
	echo ul-b >"$S/b"
	: >"$S/f"
	must "$MOUNT" --bind "$S/a" "$S/f"
	must "$MOUNT" --beneath --bind "$S/b" "$S/f"
	[ "$(content "$S/f")" = ul-a ] || fail "the old top file is not visible before umount"
	[ "$(nmounts "$S/f")" = 2 ] || fail "$(nmounts "$S/f") mounts at $S/f, expected 2"
	must "$UMOUNT" "$S/f"
	[ "$(content "$S/f")" = ul-b ] || fail "after umount $S/f shows '$(content "$S/f")', expected ul-b"
	[ "$(nmounts "$S/f")" = 1 ] || fail "expected 1 mount at $S/f after umount"
}

case_propagation() {
	local p
	# the new mount gets the flags, the top keeps its own
	top_tmpfs "$S/t" ul-old
	must "$MOUNT" --make-private "$S/t"
	must "$MOUNT" --beneath --make-shared -t tmpfs ul-new "$S/t"
	p=$(col_of "$S/t" ul-old PROPAGATION)
	[ "$p" = private ] || fail "the top's propagation changed to '$p'"
	p=$(col_of "$S/t" ul-new PROPAGATION)
	[ "$p" = shared ] || fail "--make-shared: the new mount is '$p'"
	must "$UMOUNT" "$S/t"
	p=$(findmnt -rn -M "$S/t" -o PROPAGATION)
	[ "$p" = shared ] || fail "after umount: '$p', expected shared"

	# beneath a shared top under a shared parent: private on request
	must "$MOUNT" --make-shared "$S"
	top_tmpfs "$S/u" ul-old2
	must "$MOUNT" --beneath --make-private -t tmpfs ul-new2 "$S/u"
	p=$(col_of "$S/u" ul-new2 PROPAGATION)
	[ "$p" = private ] || fail "--make-private: the new mount is '$p'"
	p=$(col_of "$S/u" ul-old2 PROPAGATION)
	[ "$p" = shared ] || fail "the top's propagation changed to '$p'"

	# -o unbindable
	top_tmpfs "$S/v" ul-old3
	must "$MOUNT" --beneath -o unbindable -t tmpfs ul-new3 "$S/v"
	p=$(col_of "$S/v" ul-new3 PROPAGATION)
	grep -qw unbindable <<<"$p" || fail "-o unbindable: the new mount is '$p'"

	# slave: the parent has a peer, so the new mount joins a peer group
	# with the copy propagated there, and becomes its slave
	top_tmpfs "$S/par" ul-par
	mkdir -p "$S/par/w" "$S/peer"
	must "$MOUNT" --bind "$S/par" "$S/peer"
	top_tmpfs "$S/par/w" ul-old4
	must "$MOUNT" --beneath --make-slave -t tmpfs ul-new4 "$S/par/w"
	p=$(col_of "$S/par/w" ul-new4 PROPAGATION)
	grep -qw slave <<<"$p" || fail "--make-slave: the new mount is '$p'"
	p=$(col_of "$S/peer/w" ul-new4 PROPAGATION)
	grep -qw shared <<<"$p" || fail "the copy in the parent's peer is '$p', not its master"
	[ "$(sources_at "$S/peer/w")" = "ul-old4 ul-new4" ] ||
		fail "the copy did not go beneath the top in the peer: $(sources_at "$S/peer/w")"

	# recursive: --rbind with --make-rprivate
	mkdir -p "$S/src/sub"
	must "$MOUNT" -t tmpfs ul-sub "$S/src/sub"
	must "$MOUNT" --make-shared "$S/src/sub"
	top_tmpfs "$S/x" ul-old5
	must "$MOUNT" --beneath --rbind --make-rprivate "$S/src" "$S/x"
	must "$UMOUNT" "$S/x"
	p=$(findmnt -rn -M "$S/x/sub" -o PROPAGATION)
	[ "$p" = private ] || fail "--make-rprivate: the submount is '$p'"
	p=$(findmnt -rn -M "$S/src/sub" -o PROPAGATION)
	[ "$p" = shared ] || fail "the source's submount changed to '$p'"
	note "$(grep " $S/" /proc/self/mountinfo)"
}

# The scenario the flag exists for: the replacement propagates to another
# mount namespace, where unmounting the old top reveals it as well.
case_other_namespace() {
	must "$MOUNT" --make-shared "$S"
	top_tmpfs "$S/t" ul-old
	mkdir -p "$S/ready"
	unshare --mount --propagation unchanged -- sh -c "touch '$S/ready/ns'; exec sleep 120" &
	local pid=$!
	local i
	for i in $(seq 100); do [ -e "$S/ready/ns" ] && break; sleep 0.1; done
	in_ns() { nsenter -t "$pid" -m -- "$@"; }
	[ "$(in_ns cat "$S/t/id")" = ul-old ] || fail "the other namespace does not see the top"
	must "$MOUNT" --beneath -t tmpfs ul-new "$S/t"
	echo ul-new >"$S/t.id"
	note "other namespace: $(in_ns findmnt -rn -M "$S/t" -o SOURCE | tr '\n' ' ')"
	[ "$(in_ns findmnt -rn -M "$S/t" -o SOURCE | wc -l)" = 2 ] ||
		fail "the new mount did not propagate beneath the top in the other namespace"
	[ "$(in_ns cat "$S/t/id")" = ul-old ] || fail "the other namespace lost the old top"
	must "$UMOUNT" "$S/t"
	note "other namespace after umount: $(in_ns findmnt -rn -M "$S/t" -o SOURCE | tr '\n' ' ')"
	[ "$(in_ns findmnt -rn -M "$S/t" -o SOURCE)" = ul-new ] ||
		fail "after umount the other namespace does not show the new mount"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

case_verbose_fake() {
	top_tmpfs "$S/t" ul-old
	must "$MOUNT" -f --beneath -t tmpfs ul-new "$S/t"
	[ "$(nmounts "$S/t")" = 1 ] || fail "-f mounted something"
	must "$MOUNT" -v --beneath -t tmpfs ul-new "$S/t"
	grep -q "mounted beneath the mount on $S/t" <<<"$RUN_OUT" || fail "no verbose message"
	mkdir -p "$S/src"
	must "$MOUNT" -v --beneath --bind "$S/src" "$S/t"
	grep -q "bound beneath the mount on $S/t" <<<"$RUN_OUT" || fail "no verbose message for bind"
}

case_err_not_mounted() {
	mkdir -p "$S/d"
	expect_fail 32 "nothing is mounted here; --beneath requires a mount at the target" \
		"$MOUNT" --beneath -t tmpfs ul-new "$S/d"
	check "nothing was mounted" test "$(nmounts "$S/d")" = 0
	expect_fail 32 "mount point does not exist" "$MOUNT" --beneath -t tmpfs ul-new "$S/nonexistent"
}

case_err_combinations() {
	top_tmpfs "$S/t" ul-old
	mkdir -p "$S/src"
	expect_fail 1 "mutually exclusive arguments: --move --beneath" \
		"$MOUNT" --beneath --move "$S/src" "$S/t"
	expect_fail 1 "--beneath cannot be combined with --move" \
		"$MOUNT" --beneath -o move "$S/src" "$S/t"
	expect_fail 1 "mutually exclusive arguments: --all --beneath" "$MOUNT" --beneath -a
	expect_fail 1 "--beneath cannot be combined with remount" \
		"$MOUNT" --beneath -o remount,ro "$S/t"
	expect_fail 1 "--beneath cannot be combined with propagation changes alone" \
		"$MOUNT" --beneath --make-private "$S/t"
	expect_fail 1 "--beneath cannot be combined with X-mount.subdir=" \
		"$MOUNT" --beneath -t tmpfs -o X-mount.subdir=x ul-new "$S/t"
	check "nothing was mounted or changed" test "$(sources_at "$S/t")" = ul-old
	check "the top is still read-write" touch "$S/t/file"
}

case_err_helper() {
	# a /sbin/mount.<type> helper, in this namespace only
	local sbin
	sbin=$(readlink -f /sbin)
	top_tmpfs "$S/t" ul-old
	must mount -t tmpfs ul-sbin "$sbin"
	printf '#!/bin/sh\necho helper called >%s\n' "$S/called" >"$sbin/mount.ulbeneath"
	chmod +x "$sbin/mount.ulbeneath"
	expect_fail 1 "--beneath is not supported by the /sbin/mount.ulbeneath helper \(-i mounts without it\)" \
		"$MOUNT" --beneath -t ulbeneath ul-new "$S/t"
	check "the helper was not called" test ! -e "$S/called"
	expect_fail 32 "unknown filesystem type 'ulbeneath'" \
		"$MOUNT" -i --beneath -t ulbeneath ul-new "$S/t"
	check "nothing was mounted" test "$(sources_at "$S/t")" = ul-old
}

case_err_kernel() {
	# the kernel's EINVAL cases, each explained
	top_tmpfs "$S/t" ul-old
	echo x >"$S/file"
	expect_fail 32 "cannot mount a file beneath a mount of a directory" \
		"$MOUNT" --beneath --bind "$S/file" "$S/t"
	: >"$S/f"
	must "$MOUNT" --bind "$S/file" "$S/f"
	expect_fail 32 "cannot mount a directory beneath a mount of a file" \
		"$MOUNT" --beneath -t tmpfs ul-new "$S/f"
	expect_fail 32 "cannot mount beneath the root mount" "$MOUNT" --beneath -t tmpfs ul-new /
	must "$MOUNT" --make-shared "$S"
	mkdir -p "$S/self"
	must "$MOUNT" --bind "$S/self" "$S/self"
	expect_fail 32 "cannot mount beneath a mount that receives propagation from its parent mount" \
		"$MOUNT" --beneath -t tmpfs ul-new "$S/self"
	check "nothing was mounted at $S/t" test "$(sources_at "$S/t")" = ul-old
	check "nothing was mounted at $S/self" test "$(nmounts "$S/self")" = 1
}

case_err_fs() {
	top_tmpfs "$S/t" ul-old
	expect_fail 32 "fsconfig\(\) failed: tmpfs: Unknown parameter 'ulbogus'" \
		"$MOUNT" --beneath -t tmpfs -o ulbogus=1 ul-new "$S/t"
	expect_fail 32 "unknown filesystem type 'ulbogusfs'" \
		"$MOUNT" --beneath -t ulbogusfs ul-new "$S/t"
	expect_fail 32 "special device $S/nonexistent does not exist" \
		"$MOUNT" --beneath --bind "$S/nonexistent" "$S/t"
	check "nothing was mounted" test "$(sources_at "$S/t")" = ul-old
}

case_err_nonroot() {
	top_tmpfs "$S/t" ul-old
	expect_fail 32 "must be superuser to use mount" \
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$MOUNT" --beneath -t tmpfs ul-new "$S/t"
	check "nothing was mounted" test "$(sources_at "$S/t")" = ul-old
}

# The messages on kernels without MOVE_MOUNT_BENEATH, emulated by seccomp.
case_err_unsupported() {
	if ! "$TPROG/no-beneath" einval true 2>/dev/null; then
		note "SKIP: no seccomp filters in this kernel (CONFIG_SECCOMP_FILTER) to emulate one without MOVE_MOUNT_BENEATH"
		exit 4
	fi
	top_tmpfs "$S/t" ul-old
	expect_fail 32 "the kernel does not support mounting beneath \(move_mount\(2\) with MOVE_MOUNT_BENEATH" \
		"$TPROG/no-beneath" einval "$MOUNT" --beneath -t tmpfs ul-new "$S/t"
	expect_fail 32 "the kernel does not support mounting beneath" \
		"$TPROG/no-beneath" enosys "$MOUNT" --beneath --bind "$S" "$S/t"
	grep -q "dmesg" <<<"$RUN_OUT" && fail "points to dmesg, which has nothing on this"
	check "nothing was mounted" test "$(sources_at "$S/t")" = ul-old
	# plain mounts are not affected
	must "$TPROG/no-beneath" einval "$MOUNT" -t tmpfs ul-plain "$S/t"
}

case_libmount_api() {
	must "$TPROG/libmount-beneath" api
}

case_libmount_mount() {
	top_tmpfs "$S/t" ul-old
	must "$TPROG/libmount-beneath" mount ul-new "$S/t" tmpfs size=1m
	replaced "$S/t" ul-old ul-new
	mkdir -p "$S/src"
	echo ul-src >"$S/src/id"
	top_tmpfs "$S/u" ul-old2
	must "$TPROG/libmount-beneath" mount "$S/src" "$S/u" bind
	must "$UMOUNT" "$S/u"
	[ "$(content "$S/u/id")" = ul-src ] || fail "the bind mount is not revealed"
	must "$TPROG/libmount-beneath" conflict "$S/u"
}

BENEATH_CASES=(tmpfs tmpfs_options bind bind_ro rbind file propagation
	other_namespace verbose_fake err_not_mounted err_combinations err_helper
	err_kernel err_fs err_nonroot err_unsupported)
API_CASES=(libmount_api libmount_mount)
# These need the kernel feature; the others test what is refused before the
# kernel is asked, or emulate a kernel without it.
NEEDS_BENEATH=(tmpfs tmpfs_options bind bind_ro rbind file propagation other_namespace
	verbose_fake err_not_mounted err_helper err_kernel err_fs err_nonroot libmount_mount)

################################################################ runner

# Inside the namespace: scratch tmpfs, run the case.
if [ "${1:-}" = --case ]; then
	name=$2 S=$3
	mount -t tmpfs ul-scratch "$S" || exit 2
	mount --make-private "$S"
	cd "$S" || exit 2
	"case_$name"
	exit $FAILED
fi

# Inside the namespace: util-linux's own test with private /etc/fstab and
# /run/mount, so the system's are never written.
if [ "${1:-}" = --ul-test ]; then
	t=$2 S=$3
	mount -t tmpfs ul-scratch "$S" || exit 2
	mkdir -p "$S/builddir" "$S/run-mount"
	cp /etc/fstab "$S/fstab" 2>/dev/null || : >"$S/fstab"
	mount --bind "$S/fstab" /etc/fstab || exit 2
	if [ -d /run/mount ]; then
		mount --bind "$S/run-mount" /run/mount || exit 2
	fi
	for f in "$OBJ"/test_* "$OBJ/config.h"; do
		ln -s "$f" "$S/builddir/"
	done
	cd "$S" || exit 2
	exec "$GEN/tests/ts/$t" --srcdir="$GEN" --builddir="$S/builddir" \
		--use-system-commands --verbose
fi

[ "$(id -u)" = 0 ] || die "the tests must run as root"
for p in "$MOUNT" "$TPROG/libmount-beneath" "$TPROG/probe-beneath"; do
	[ -x "$p" ] || die "no ${p#"$TOP"/}: run scripts/build-util-linux.sh"
done

# [--host] [--strict] [--only SET]: all by default (see the top).
host=0 strict=0
only=
while [ $# -gt 0 ]; do
	case $1 in
	--host) host=1 ;;
	--strict) strict=1 ;;
	--only) only=$2; shift ;;
	*) die "usage: $0 [--host] [--strict] [--only beneath|upstream|upstream-nodev|upstream-loop]" ;;
	esac
	shift
done

# in_private_ns MODE ARGS...: run this script in a new private mount
# namespace (on the host one confined by host-ns.sh); output in $OUT,
# status returned.
ns=(unshare --mount --propagation private --)
[ $host = 1 ] && ns=("$TOP/scripts/host-ns.sh")
in_private_ns() {
	local d rc
	d=$(mktemp -d /tmp/ul-beneath.XXXXXX)
	OUT=$(timeout -k 5 300 "${ns[@]}" "$SELF" "$@" "$d" 2>&1 </dev/null)
	rc=$?
	rmdir "$d" 2>/dev/null
	return $rc
}
[ $host = 1 ] || guest_only "$0"
cases=() ul_tests=()
case $only in
"") cases=("${BENEATH_CASES[@]}" "${API_CASES[@]}") ul_tests=("${UL_TESTS_NODEV[@]}") ;;
beneath) cases=("${BENEATH_CASES[@]}" "${API_CASES[@]}") ;;
upstream | upstream-nodev) ul_tests=("${UL_TESTS_NODEV[@]}") ;;
upstream-loop) [ $host = 0 ] || die "upstream-loop: loop devices, the VM only" ;;
*) die "--only takes beneath, upstream, upstream-nodev or upstream-loop" ;;
esac
# The tests with loop devices: never on the host.
if [ $host = 0 ] && { [ -z "$only" ] || [ "$only" = upstream ] || [ "$only" = upstream-loop ]; }; then
	ul_tests+=("${UL_TESTS_LOOP[@]}")
fi
ktap_begin $((${#cases[@]} + ${#ul_tests[@]}))
ktap_diag "kernel: $(uname -r) ($([ $host = 1 ] && echo "host, cases in scripts/host-ns.sh" || echo guest))"
ktap_diag "$("$MOUNT" -V)"
[ $strict = 1 ] && ktap_diag "strict: a skipped --beneath or libmount case is a failure on this kernel"

# Does the kernel have MOVE_MOUNT_BENEATH? Asked with a raw move_mount(2),
# not with the mount(8) under test: 0 yes, 1 no, 2 cannot tell (the cases
# run and show it).
probe=$("$TPROG/probe-beneath" 2>&1)
have_beneath=$?
ktap_diag "probe: $probe"
if [ $have_beneath = 1 ]; then
	ktap_diag "the kernel does not support MOVE_MOUNT_BENEATH: its cases are skipped"
elif [ $have_beneath != 0 ]; then
	ktap_diag "the probe could not tell whether the kernel has MOVE_MOUNT_BENEATH: the cases run"
fi

KTAP_STRICT=$strict
for c in "${cases[@]}"; do
	case $c in libmount_*) name="libmount: ${c#libmount_}" ;; *) name="mount --beneath: $c" ;; esac
	if [ $have_beneath = 1 ] && [[ " ${NEEDS_BENEATH[*]} " == *" $c "* ]]; then
		ktap_skip "$name" "kernel without MOVE_MOUNT_BENEATH (${probe##*: })"
		continue
	fi
	t0=$SECONDS
	in_private_ns --case "$c"
	rc=$?
	ktap_diag "$OUT"
	ktap_diag "time: $((SECONDS - t0)) s"
	if [ $rc = 0 ]; then
		ktap_ok "$name"
	elif [ $rc = 4 ]; then
		ktap_skip "$name" "$(sed -n 's/^SKIP: //p' <<<"$OUT" | tail -n1)"
	else
		ktap_fail "$name" "exit=$rc"
	fi
done

# util-linux's own tests skip what the system lacks: honest skips.
KTAP_STRICT=0

for t in "${ul_tests[@]}"; do
	t0=$SECONDS
	in_private_ns --ul-test "$t"
	rc=$?
	ktap_diag "$OUT"
	ktap_diag "time: $((SECONDS - t0)) s"
	last=$(grep -E '\.\.\. ?(OK|FAILED|SKIPPED)|\.\.\.$| OK| FAILED| SKIPPED' <<<"$OUT" | tail -n1)
	if [ $rc != 0 ] || grep -q FAILED <<<"$OUT"; then
		ktap_fail "util-linux: $t" "exit=$rc"
	elif grep -q SKIPPED <<<"$last"; then
		ktap_skip "util-linux: $t" "$(sed -n 's/.*SKIPPED (\(.*\))/\1/p' <<<"$last")"
	elif grep -q OK <<<"$last"; then
		ktap_ok "util-linux: $t"
	else
		ktap_fail "util-linux: $t" "no result"
	fi
done
ktap_end

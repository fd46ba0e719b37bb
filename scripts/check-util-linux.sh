#!/bin/bash
# Run util-linux's own test suite (tests/run.sh of build/util-linux-gen, with
# the tests of the patches/util-linux series: tests/ts/mount/beneath and
# beneath-abi) against what scripts/build-util-linux.sh built, on the
# running kernel: in the guest (default; scripts/vm-run.sh runs it there)
# or on the host (--host). run.sh runs in a fresh private mount namespace
# with a private /etc/fstab and /run/mount (util-linux's tests write both),
# on the host one confined by scripts/host-ns.sh (no loop or dm devices, no
# sysctls), where only the tests that need no device run.
#
# usage: check-util-linux.sh [--host] [--strict] [--only SET[,SET...]]
#   SET: beneath (the series' tests), unit (libmount's own unit tests:
#   userspace only, the kernel is not involved, so make check runs them on
#   the host, natively, not under TCG), upstream-nodev (util-linux's mount
#   tests that need no device), upstream-loop (those that need loop devices:
#   the VM only), upstream (unit, upstream-nodev and, in the VM,
#   upstream-loop); default: everything the place allows
#   --strict  the patched kernel: a skipped test of the series is a failure
#             (the tests ask the kernel with a raw move_mount(2) whether it
#             has MOVE_MOUNT_BENEATH, never the mount(8) under test)
#
# Prints one KTAP document, one result per test case (a subtest of
# util-linux's suite, or a test without subtests), with the output and
# diff of each failed one, and ends with "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"

SELF=$(readlink -f "$0")
BIN=$BUILD/bin
OBJ=$BUILD/util-linux-obj
OBJ_SHARED=$BUILD/util-linux-obj-shared
GEN=$BUILD/util-linux-gen
export PATH=$BIN:$PATH LC_ALL=C
# UL_ROOT=DIR: util-linux's packages unpacked in DIR (install-debian-root.sh)
# instead of build/bin: their mount, umount, findmnt... first in PATH and
# their libraries (libmount1...) in LD_LIBRARY_PATH, so the tests run the
# packaged programs with the packaged libmount. libmount's unit tests are
# build/util-linux-obj's test programs either way.
if [ -n "${UL_ROOT:-}" ]; then
	[ -x "$UL_ROOT/bin/mount" ] || die "UL_ROOT=$UL_ROOT has no bin/mount: install the util-linux packages there"
	export PATH=$UL_ROOT/usr/sbin:$UL_ROOT/usr/bin:$UL_ROOT/sbin:$UL_ROOT/bin:$PATH
	export LD_LIBRARY_PATH=$UL_ROOT/lib/x86_64-linux-gnu:$UL_ROOT/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	# The tests must not pass with build/bin's mount by accident.
	for c in mount umount findmnt; do
		case $(command -v "$c") in
		"$UL_ROOT"/*) ;;
		*) die "UL_ROOT=$UL_ROOT: $c resolves to $(command -v "$c"), not to the packages" ;;
		esac
	done
fi
unset LIBMOUNT_DEBUG LIBBLKID_DEBUG LIBMOUNT_FSTAB LIBMOUNT_MTAB LIBMOUNT_UTAB

BENEATH=(mount/beneath mount/beneath-abi)
# All of util-linux's ts/libmount and ts/mount but: context, context-utab,
# tabfiles-tags, fstab-all, umount-alltargets, umount-recursive (need the
# scsi_debug module), the *-py tests (no Python bindings built), lock
# (optional upstream), dm-verity and fstab-btrfs (neither in the guest),
# rlimit (needs a regular /etc/mtab). UNIT: libmount's test programs on
# files of the test suite (option strings, tables, utab updates, utils),
# no mount(2).
UNIT=(libmount/debug libmount/optstr libmount/tabdiff libmount/tabfiles
	libmount/update libmount/utils)
UPSTREAM_NODEV=(mount/fstab-broken mount/fstab-none mount/move mount/special)
UPSTREAM_LOOP=(libmount/loop libmount/loop-overlay mount/devname mount/fslists
	mount/fstab-devname mount/fstab-devname2label mount/fstab-devname2uuid
	mount/fstab-label mount/fstab-label2devname mount/fstab-label2uuid
	mount/fstab-loop mount/fstab-symlink mount/fstab-uuid mount/fstab-uuid2devname
	mount/fstab-uuid2label mount/label mount/regfile mount/remount
	mount/shared-subtree mount/uuid)

# Inside the namespace: a scratch builddir of links to the built helpers
# and the shared libmount, private fstab and /run/mount, then run.sh.
if [ "${1:-}" = --run ]; then
	S=$2
	shift 2
	mount -t tmpfs ul-scratch "$S" || exit 2
	mkdir -p "$S/builddir/libmount" "$S/run-mount"
	cp /etc/fstab "$S/fstab" 2>/dev/null || : >"$S/fstab"
	mount --bind "$S/fstab" /etc/fstab || exit 2
	if [ -d /run/mount ]; then
		mount --bind "$S/run-mount" /run/mount || exit 2
	fi
	# UL_ROOT: the packaged libraries over the system's, in this private
	# namespace only, as where the packages are installed: a setuid mount
	# ignores LD_LIBRARY_PATH.
	if [ -n "${UL_ROOT:-}" ]; then
		for f in "$UL_ROOT"/usr/lib/x86_64-linux-gnu/lib*.so.*.*; do
			t=/usr/lib/x86_64-linux-gnu/${f##*/}
			[ ! -f "$t" ] || mount --bind "$f" "$t" || exit 2
		done
	fi
	for f in "$OBJ"/test_* "$OBJ/config.h"; do
		ln -s "$f" "$S/builddir/"
	done
	ln -s "$OBJ_SHARED/.libs" "$S/builddir/.libs"
	ln -s "$OBJ_SHARED/libmount/src" "$S/builddir/libmount/src"
	cp "$S/fstab" "$S/fstab.orig"
	cd "$S" || exit 2
	# One run.sh per test, each starting from the original fstab: the
	# tests' own cleanup (sed -i) cannot replace a bind-mounted file, so
	# their fstab lines would pile up for the next test's mount -a.
	rc=0
	for t in "$@"; do
		cat "$S/fstab.orig" >/etc/fstab
		"$GEN/tests/run.sh" --srcdir="$GEN" --builddir="$S/builddir" \
			--use-system-commands --parallel=1 --parsable --verbose "$t" || rc=1
	done
	# run.sh shows the output of a failed test, not its error log's diff
	for f in "$S"/builddir/tests/diff/*/*.err; do
		[ -s "$f" ] || continue
		echo "stderr diff of ${f#"$S"/builddir/tests/diff/}:"
		cat "$f"
	done
	exit $rc
fi

host=0 strict=0 only=
while [ $# -gt 0 ]; do
	case $1 in
	--host) host=1 ;;
	--strict) strict=1 ;;
	--only) only=${2:-}; shift ;;
	*) die "usage: $0 [--host] [--strict] [--only SET[,SET...]] (SET: beneath, unit, upstream-nodev, upstream-loop, upstream)" ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || die "the tests must run as root"
[ $host = 1 ] || guest_only "$0"
for p in "$BIN/mount" "$OBJ/test_mount_beneath" "$OBJ_SHARED/.libs/libmount.so.1" "$GEN/tests/run.sh"; do
	[ -e "$p" ] || die "no ${p#"$TOP"/}: run scripts/build-util-linux.sh"
done

sets=()
IFS=, read -ra wanted <<<"${only:-beneath,upstream}"
for w in "${wanted[@]}"; do
	case $w in
	beneath | unit | upstream-nodev) sets+=("$w") ;;
	upstream) sets+=(unit upstream-nodev); [ $host = 1 ] || sets+=(upstream-loop) ;;
	upstream-loop) [ $host = 0 ] || die "upstream-loop: loop devices, the VM only"; sets+=(upstream-loop) ;;
	*) die "--only: no set '$w' (beneath, unit, upstream-nodev, upstream-loop, upstream)" ;;
	esac
done

ns=(unshare --mount --propagation private --)
[ $host = 1 ] && ns=("$TOP/scripts/host-ns.sh")

ktap_begin
ktap_diag "kernel: $(uname -r) ($([ $host = 1 ] && echo "host, in scripts/host-ns.sh" || echo guest)); $(command -v mount): $(mount -V | head -n1)"
ktap_diag "raw move_mount(2) probe: $("$OBJ/test_mount_beneath" probe 2>&1)"

# parse SET STRICT: run.sh's parsable output on stdin as test cases. A test
# with subtests counts its subtests; its own line only when it failed or
# skipped before any subtest ran.
parse() {
	local set=$1 line comp desc res name cur='' nsub=0 diag=()
	KTAP_STRICT=$2
	while IFS= read -r line; do
		if [[ "$line" =~ ^\ *([a-z0-9_-]+):\ (.*[^ ])\ +\.\.\.\ ?(OK|FAILED|SKIPPED|KNOWN\ FAILED)(.*)$ ]]; then
			comp=${BASH_REMATCH[1]} desc=${BASH_REMATCH[2]}
			res=${BASH_REMATCH[3]} why=${BASH_REMATCH[4]}
			why=${why# }; why=${why#(}; why=${why%)}
			if [[ "$desc" =~ ^(.*):\ \[[0-9]+\]\ (.*)$ ]]; then
				name="$comp/${BASH_REMATCH[1]}: ${BASH_REMATCH[2]}"
				[ "$cur" = "$comp/${BASH_REMATCH[1]}" ] || nsub=0
				cur="$comp/${BASH_REMATCH[1]}" nsub=$((nsub + 1))
			else
				name="$comp/$desc"
				if [ "$cur" = "$name" ] && [ $nsub -gt 0 ]; then
					diag=() cur='' nsub=0
					continue
				fi
				cur='' nsub=0
			fi
			[ ${#diag[@]} -eq 0 ] || ktap_diag "$(printf '%s\n' "${diag[@]}")"
			diag=()
			case $res in
			OK) ktap_ok "$name" ;;
			SKIPPED) ktap_skip "$name" "$why" ;;
			*) ktap_fail "$name" "$res${why:+ ($why)}" ;;
			esac
		else
			diag+=("$line")
		fi
	done
	[ ${#diag[@]} -eq 0 ] || ktap_diag "$(printf '%s\n' "${diag[@]}")"
}

for set in "${sets[@]}"; do
	case $set in
	beneath) tests=("${BENEATH[@]}") st=$strict ;;
	unit) tests=("${UNIT[@]}") st=0 ;;
	upstream-nodev) tests=("${UPSTREAM_NODEV[@]}") st=0 ;;
	upstream-loop) tests=("${UPSTREAM_LOOP[@]}") st=0 ;;
	esac
	# UL_TESTS: only these tests of the set (to look at one)
	[ -z "${UL_TESTS:-}" ] || read -ra tests <<<"$UL_TESTS"
	ktap_diag "---- $set: tests/run.sh ${tests[*]}"
	t0=$SECONDS
	d=$(mktemp -d /tmp/ul-tests.XXXXXX)
	out=$(timeout -k 5 900 "${ns[@]}" "$SELF" --run "$d" "${tests[@]}" 2>&1 </dev/null)
	rc=$?
	rmdir "$d" 2>/dev/null
	before=$((KTAP_PASS + KTAP_FAIL + KTAP_SKIP))
	parse "$set" "$st" <<<"$out"
	ran=$((KTAP_PASS + KTAP_FAIL + KTAP_SKIP - before))
	# run.sh failed with no failed case (it died, or timed out): one failure
	if [ $ran = 0 ] || { [ $rc != 0 ] && ! grep -q 'FAILED' <<<"$out"; }; then
		ktap_fail "$set: tests/run.sh" "exit=$rc with no failed test case"
	fi
	ktap_diag "$set: run.sh exit status $rc, $((SECONDS - t0)) s"
done
ktap_end

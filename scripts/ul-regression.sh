#!/bin/bash
# Show that util-linux's suite catches a one-line regression in --beneath:
# apply one of the one-line mutations below to the build copy of the tree
# (build/util-linux-gen), rebuild incrementally, run the series' tests
# (check-util-linux.sh --only beneath; --host by default, in a
# scripts/host-ns.sh namespace), restore the file and rebuild. Exit status
# 0 when the tests FAILED (the regression was caught), 1 when they passed.
#
# usage: ul-regression.sh [no-beneath-flag|no-top|old-node]...  (default: all)
#   no-beneath-flag  move_mount() without MOVE_MOUNT_BENEATH: mounts on top
#   no-top           mnt_table_find_target() keeps the last entry, not the top
#   old-node         the functions in the version node MOUNT_2_38_BENEATH
#
# Not part of make check: it changes build/util-linux-gen, build/bin and the
# objects while it runs (run nothing else on them meanwhile).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

GEN=$BUILD/util-linux-gen
OBJ=$BUILD/util-linux-obj
OBJ_SHARED=$BUILD/util-linux-obj-shared
[ -d "$GEN" ] && [ -x "$BUILD/bin/mount" ] || die "run scripts/build-util-linux.sh first"

# name: file, sed expression (one line changed)
declare -A FILE=(
	[no-beneath-flag]=libmount/src/context_mount.c
	[no-top]=libmount/src/tab.c
	[old-node]=libmount/src/libmount.sym
)
declare -A EXPR=(
	[no-beneath-flag]='s/MOVE_MOUNT_T_SYMLINKS | MOVE_MOUNT_BENEATH) < 0/MOVE_MOUNT_T_SYMLINKS) < 0/'
	[no-top]='s/^\t\tfs = top_of_stack(tb, fs);$/\t\t;/'
	[old-node]='s/^MOUNT_2_42 {/MOUNT_2_38_BENEATH {/'
)

rebuild() {
	make -C "$OBJ" -j2 mount umount >/dev/null 2>&1 &&
		install -m 0755 "$OBJ/mount" "$OBJ/umount" "$BUILD/bin/" &&
		rm -f "$OBJ_SHARED/libmount.la" &&
		make -C "$OBJ_SHARED" -j2 libmount.la >/dev/null 2>&1
}

caught=0 missed=0
for m in "${@:-no-beneath-flag no-top old-node}"; do
	for m in $m; do
		f=${FILE[$m]:-}
		[ -n "$f" ] || die "unknown mutation $m"
		cp -p "$GEN/$f" "$GEN/$f.orig"
		trap 'mv "$GEN/$f.orig" "$GEN/$f"; touch "$GEN/$f"; rebuild' EXIT
		sed -i "${EXPR[$m]}" "$GEN/$f"
		if [ "$(diff "$GEN/$f.orig" "$GEN/$f" | grep -c '^[<>]')" != 2 ]; then
			die "$m: not exactly one line changed in $f"
		fi
		log "$m: $(diff "$GEN/$f.orig" "$GEN/$f" | grep '^>' | sed 's/^> *//')"
		rebuild || die "$m: the mutant does not build"
		out=$("$TOP/scripts/check-util-linux.sh" --host --only beneath 2>&1)
		summary=$(tail -n1 <<<"$out")
		if [ "$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$summary")" != 0 ]; then
			log "$m: caught: $summary ($(grep -c '^not ok' <<<"$out") failed: $(grep '^not ok' <<<"$out" | sed 's/^not ok [0-9]* //; s/ #.*//' | tr '\n' ',' | sed 's/,$//'))"
			caught=$((caught + 1))
		else
			log "$m: NOT caught: $summary"
			missed=$((missed + 1))
		fi
		mv "$GEN/$f.orig" "$GEN/$f"
		touch "$GEN/$f"
		trap - EXIT
		rebuild || die "cannot rebuild the unmutated tree"
	done
done
log "$caught caught, $missed missed"
[ "$missed" = 0 ]

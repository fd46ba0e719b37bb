#!/bin/bash
# Build the selftest collections of scripts/selftests.conf against the UAPI
# headers of a built kernel variant and install them into build/selftests.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/selftests.conf"

variant=${1:-release}
O=$(objdir "$variant")
[ -d "$O/usr/include/linux" ] || die "no headers in ${O#"$TOP"/}: run scripts/build-kernel.sh $variant"

targets=()
for t in $TARGETS; do
	[ -d "$LINUX/tools/testing/selftests/$t" ] && targets+=("$t")
done
log "building selftests: ${targets[*]}"
rm -rf "$BUILD/selftests.new"
# FORCE_TARGETS: every collection must build (kselftest's install otherwise
# succeeds when any one of them does).
make -s -C "$LINUX/tools/testing/selftests" O="$O" TARGETS="${targets[*]}" FORCE_TARGETS=1 \
	INSTALL_PATH="$BUILD/selftests.new" install >"$BUILD/selftests-build.log" 2>&1 || {
	grep -E 'error|warning' "$BUILD/selftests-build.log" | head -30 >&2
	die "the selftests do not build (log: build/selftests-build.log)"
}
for e in $EXTRA_TESTS; do
	[ -d "$BUILD/selftests.new/${e%%:*}" ] && echo "$e" >>"$BUILD/selftests.new/kselftest-list.txt"
done
[ -x "$BUILD/selftests.new/run_kselftest.sh" ] || die "kselftest's install left no run_kselftest.sh"
rm -rf "$BUILD/selftests"
mv "$BUILD/selftests.new" "$BUILD/selftests"

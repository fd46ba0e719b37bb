#!/bin/bash
# The overlayfs two-boot test: boot the kernel twice with the same disk
# image. The first boot leaves a volatile work dir with unsynced writes on
# it, the second must refuse to reuse it because the boot changed
# (tools/testing/selftests/filesystems/overlayfs/volatile_reboot.sh).
# Prints KTAP and "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-release}
script=$BUILD/selftests/filesystems/overlayfs/volatile_reboot.sh
[ -x "$script" ] || { echo "1..0 # SKIP no volatile_reboot.sh in build/selftests"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
img=$BUILD/ovl-two-boot-$variant.img
rm -f "$img"
truncate -s 64M "$img"

echo "TAP version 13"
echo "1..2"
pass=0 fail=0 skip=0
n=0
for phase in phase1 phase2; do
	n=$((n + 1))
	"$TOP/scripts/vm-run.sh" -v "$variant" -t 900 -d "$img" -- "$script" "$phase" /dev/vda 2>&1 |
		sed 's/^/# /'
	rc=${PIPESTATUS[0]}
	case $rc in
	0) pass=$((pass + 1)); echo "ok $n overlayfs two-boot $phase" ;;
	4) skip=$((skip + 1)); echo "ok $n overlayfs two-boot $phase # SKIP" ;;
	*) fail=$((fail + 1)); echo "not ok $n overlayfs two-boot $phase # exit=$rc" ;;
	esac
	[ "$rc" = 0 ] || break
done
rm -f "$img"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]

#!/bin/bash
# The overlayfs two-boot test: boot the kernel twice with the same disk
# image. The first boot leaves a volatile work dir with unsynced writes on
# it, the second must refuse to reuse it because the boot changed
# (tools/testing/selftests/filesystems/overlayfs/volatile_reboot.sh).
#
# usage: ovl-two-boot.sh [VARIANT]   (a kernel variant: the patched kernel)
#
# Its VMs are the instance "two-boot" of the variant (vm-run.sh -n), so it
# can run while another VM of the variant runs.
#
# The series' own test on the patched kernel, so strict: a missing script or
# a phase that skips (exit 4) is a failure. Prints one KTAP document, each
# phase's KTAP nested, and "N passed, N failed, N skipped" over their test
# cases.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"

variant=${1:-release}
script=$BUILD/selftests/filesystems/overlayfs/volatile_reboot.sh
phases=(phase1 phase2)
ktap_begin ${#phases[@]}
if [ ! -x "$script" ]; then
	ktap_fail "overlayfs two-boot" "FAIL no ${script#"$TOP"/}: run scripts/build-selftests.sh"
	ktap_end
	exit
fi
img=$BUILD/ovl-two-boot-$variant.img
cf=$(mktemp)
trap 'rm -f "$cf" "$cf.out" "$img"' EXIT
rm -f "$img"
truncate -s 64M "$img"

prev=0
for phase in "${phases[@]}"; do
	if [ "$prev" != 0 ]; then
		ktap_step_skip "overlayfs two-boot $phase" "not run: the previous phase failed"
		continue
	fi
	ktap_diag "boot $phase: $variant kernel, disk ${img#"$TOP"/}"
	"$TOP/scripts/vm-run.sh" -v "$variant" -n two-boot -t 900 -d "$img" -- "$script" "$phase" /dev/vda >"$cf.out" 2>&1
	rc=$?
	ktap_parse -s -r "$rc" -c "$cf" <"$cf.out"
	read -r p f s why <"$cf"
	ktap_parent "overlayfs two-boot $phase" "$p" "$f" "$s" "$why"
	[ "$f" = 0 ] || prev=1
done
ktap_end

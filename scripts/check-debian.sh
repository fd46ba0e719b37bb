#!/bin/bash
# make check-debian: the series as a Debian 12 user installs it, booted and
# tested. Not part of make check (the Debian-config build takes hours cold
# on 2 cores; make check has the fast compile check, debian-compile-check.sh).
#   1. when scripts/deb-util-linux.sh exists, the util-linux packages, then
#      the kernel packages (build-kernel-debian.sh --deb), in build/deb
#   2. the selftests and mount --beneath (build-selftests.sh against the
#      release kernel's UAPI headers, build-util-linux.sh)
#   3. the packages unpacked (dpkg -x) into a throw-away root,
#      build/debian-root: never the build machine's /boot or /lib/modules
#   4. that root's vmlinuz booted with its modules in the VM, twice:
#      without vng's overlays (vm-run.sh -N: they would hold the overlay
#      module) for the overlayfs module-reload case,
#      tests/ovl-module-reload.sh; then as usual (vm-run.sh -v debian -n
#      check) for debian-guest-tests.sh: the selftests and the mount
#      --beneath cases. All strict (a SKIP in the series' tests fails).
# Prints one KTAP document, the tests nested, and ends with
# "N passed, N failed, N skipped" over their test cases; a failed build or
# install step counts as one failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"
S=$TOP/scripts
out=$(mktemp)
trap 'rm -f "$out"' EXIT

steps=("util-linux packages" "Debian-config kernel packages"
	"release kernel, selftests and util-linux build" "install into build/debian-root")
tests=("overlayfs module reload (Debian-config kernel, VM)" "selftests and mount --beneath (Debian-config kernel, VM)")
ktap_begin $((${#steps[@]} + ${#tests[@]}))
ktap_diag "check-debian: $(date -u '+%Y-%m-%d %H:%M UTC')"
t_start=$SECONDS
n=0

finish() {
	local i
	for ((i = n; i < ${#steps[@]}; i++)); do
		ktap_step_skip "${steps[$i]}" "not run: an earlier step failed"
	done
	for ((i = 0; i < ${#tests[@]}; i++)); do
		ktap_step_skip "${tests[$i]}" "not run: an earlier step failed"
	done
	ktap_diag "total time: $((SECONDS - t_start)) s"
	ktap_end
	exit
}

# step CMD...: the next step; its output becomes diagnostics.
step() {
	local name=${steps[$n]}
	n=$((n + 1))
	ktap_diag "---- $name"
	ktap_run_step "$name" "$@"
}

# util-linux's first, then the kernel's.
if [ -x "$S/deb-util-linux.sh" ]; then
	step "$S/deb-util-linux.sh" || finish
else
	n=$((n + 1))
	ktap_step_skip "${steps[0]}" "no scripts/deb-util-linux.sh: the kernel packages only"
fi
step "$S/build-kernel-debian.sh" --deb || finish
step bash -c "'$S/build-kernel.sh' release && '$S/build-selftests.sh' release && '$S/build-util-linux.sh'" || finish
step "$S/install-debian-root.sh" || finish

# vm_tests NAME VM-RUN-ARGS...: a tests stage in the VM, nested.
vm_tests() {
	local name=$1 t0=$SECONDS rc why=
	shift
	ktap_diag "---- $name"
	"$S/vm-run.sh" "$@" 2>&1 | tee "$out" | ktap_indent
	rc=${PIPESTATUS[0]}
	ktap_counts "$out" || why="no summary line: the VM run died"
	if [ "$rc" != 0 ] && [ "$KTAP_F" = 0 ]; then
		KTAP_F=1
		why="exit=$rc with no failed test case"
	fi
	ktap_diag "$name: $KTAP_P passed, $KTAP_F failed, $KTAP_S skipped ($((SECONDS - t0)) s)"
	ktap_parent "$name" "$KTAP_P" "$KTAP_F" "$KTAP_S" "$why"
}

vm_tests "${tests[0]}" -v debian -n reload -N -t 1200 -- "$TOP/tests/ovl-module-reload.sh" --strict
vm_tests "${tests[1]}" -v debian -n check -t 3600 -- "$S/debian-guest-tests.sh"
ktap_diag "total time: $((SECONDS - t_start)) s"
ktap_end

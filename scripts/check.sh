#!/bin/bash
# make check: deps, tree, checkpatch, bisect build, the compile check of
# what the series touches under Debian's config (debian-compile-check.sh),
# the release and debug kernels, then the tests in VMs, in two lanes that
# run at the same time (most tests keep one vCPU busy, so two VMs use both
# cores of a 2-core machine):
#   1. the release kernel: the selftests and mount --beneath cases in one
#      boot, then util-linux's own mount tests (with and without loop
#      devices) in another
#   2. the debug kernel's selftests (its log must show no WARNING/BUG/KASAN/
#      lockdep report), then on the release kernel (a separate instance,
#      vm-run.sh -n) the overlayfs two-boot test
# libmount's own unit tests (userspace: option strings, tables, utab) run
# before, on the host in a private mount namespace (scripts/host-ns.sh):
# under TCG they took six minutes of the two lanes, natively two seconds.
# DEBUG=0 leaves out the debug kernel.
#
# Every test runs every time: builds are cached (ccache, make, the bisect
# build per series and config), test results never are. On the patched
# kernel a SKIP in the series' own tests is a failure (--strict).
#
# Prints one KTAP document (scripts/ktap.sh): each stage is a result line,
# the test stages with their own KTAP nested. The last line is
# "N passed, N failed, N skipped" over the TEST CASES of all stages; a build
# step or a checkpatch/bisect item that fails counts as one failure, one
# that passes counts nothing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"
S=$TOP/scripts
DEBUG=${DEBUG:-1}

stages=(deps tree checkpatch "release kernel and selftests build" "bisect build"
	"Debian-config compile check" "util-linux build")
[ "$DEBUG" != 0 ] && stages+=("debug kernel build")
stages+=("libmount's own unit tests (userspace, host)"
	"selftests and mount --beneath (release kernel, VM)"
	"util-linux's own mount tests (release kernel, VM)")
[ "$DEBUG" != 0 ] && stages+=("selftests (debug kernel, VM)")
stages+=("overlayfs two-boot (release kernel, VM)")
done_stages=0
t_start=$SECONDS
out=$(mktemp) bgdir=$(mktemp -d)
bgpid=
trap '[ -z "$bgpid" ] || kill -- -"$bgpid" 2>/dev/null; rm -rf "$out" "$bgdir"' EXIT

ktap_begin ${#stages[@]}
ktap_diag "make check: $(date -u '+%Y-%m-%d %H:%M UTC'), host kernel $(uname -r)"

# stage step|tests NAME CMD...: run stage NAME (the next one of $stages).
#   step:  a build; its output becomes diagnostics, its result line counts
#          one failure if it fails and nothing if it passes
#   tests: a script of ours printing a KTAP document that ends with the
#          summary line; nested here, its counts added. No summary, or a
#          non-zero exit with no failure counted, is one failure.
stage() {
	local kind=$1 name=$2 t0=$SECONDS rc why=
	shift 2
	done_stages=$((done_stages + 1))
	ktap_diag "---- $name"
	if [ "$kind" = step ]; then
		ktap_run_step "$name" "$@"
		return
	fi
	"$@" 2>&1 | tee "$out" | ktap_indent
	rc=${PIPESTATUS[0]}
	stage_result "$name" "$rc" "$out" $((SECONDS - t0))
}

# stage_result NAME RC FILE SECS: the result of tests stage NAME, whose
# output is FILE, exit status RC, time SECS.
stage_result() {
	local name=$1 rc=$2 secs=$4 why=
	ktap_counts "$3" || why="no summary line: the stage died"
	if [ "$rc" != 0 ] && [ "$KTAP_F" = 0 ]; then
		KTAP_F=1
		why="exit=$rc with no failed test case"
	fi
	[ -n "$why" ] || [ "$rc" = 0 ] || why="exit=$rc"
	ktap_diag "$name: $KTAP_P passed, $KTAP_F failed, $KTAP_S skipped ($secs s)"
	ktap_parent "$name" "$KTAP_P" "$KTAP_F" "$KTAP_S" "$why"
	[ "$KTAP_F" = 0 ]
}

# The background lane: lane_run N CMD... runs a tests stage in it, output
# to a file; lane_print N NAME prints it as the next stage of $stages.
lane_run() {
	local f=$bgdir/$1 t0=$SECONDS rc
	shift
	"$@" >"$f.out" 2>&1 </dev/null
	rc=$?
	echo "$rc $((SECONDS - t0))" >"$f.rc"
}
lane_print() {
	local rc secs
	done_stages=$((done_stages + 1))
	ktap_diag "---- $2 (ran in the background lane)"
	read -r rc secs <"$bgdir/$1.rc" 2>/dev/null || rc=1 secs=0
	ktap_indent <"$bgdir/$1.out"
	stage_result "$2" "$rc" "$bgdir/$1.out" "$secs"
}

# The stages not run (after a fatal failure, already counted) are listed as
# not run; then the summary, last.
finish() {
	local i
	for ((i = done_stages; i < ${#stages[@]}; i++)); do
		ktap_step_skip "${stages[$i]}" "not run: an earlier stage failed"
	done
	[ ${#KTAP_FAILED[@]} -eq 0 ] || ktap_diag "failed: $(printf '%s; ' "${KTAP_FAILED[@]}" | sed 's/; $//')"
	ktap_diag "total time: $((SECONDS - t_start)) s"
	ktap_end
	exit
}
# skip_stage WHY: the next stage is not run (its cause counted already).
skip_stage() {
	ktap_step_skip "${stages[$done_stages]}" "not run: $1"
	done_stages=$((done_stages + 1))
}

stage step deps "$S/deps.sh" || finish
stage step tree "$S/tree.sh" || finish
stage tests checkpatch "$S/checkpatch.sh"
if ! stage step "release kernel and selftests build" \
	bash -c "'$S/build-kernel.sh' release && '$S/build-selftests.sh' release"; then
	# The bisect build names the first patch that does not build.
	stage tests "bisect build" "$S/bisect-build.sh"
	finish
fi
stage tests "bisect build" "$S/bisect-build.sh"
# What the series touches, with Debian's config: overlayfs as a module
# against vmlinux's exports (the full Debian build is make kernel-debian).
stage step "Debian-config compile check" "$S/debian-compile-check.sh"
ul=0
stage step "util-linux build" "$S/build-util-linux.sh" && ul=1
debug_ok=0
[ "$DEBUG" != 0 ] && stage step "debug kernel build" "$S/build-kernel.sh" debug && debug_ok=1
if [ $ul = 1 ]; then
	stage tests "libmount's own unit tests (userspace, host)" \
		"$S/check-util-linux.sh" --host --only unit
else
	skip_stage "util-linux did not build"
fi

# Lane 2, in the background (its own process group, for the exit trap).
set -m
(
	[ $debug_ok = 1 ] && lane_run debug "$S/vm-run.sh" -v debug -- "$S/run-selftests.sh" --strict
	lane_run two-boot "$S/ovl-two-boot.sh" release
) &
bgpid=$!
set +m
ktap_diag "---- in a background lane: the debug kernel's selftests, the two-boot test"

# Lane 1.
if [ $ul = 1 ]; then
	# One boot for both: the selftests and the mount --beneath cases.
	stage tests "selftests and mount --beneath (release kernel, VM)" \
		"$S/vm-run.sh" -v release -- "$S/guest-tests.sh"
	stage tests "util-linux's own mount tests (release kernel, VM)" \
		"$S/vm-run.sh" -v release -- "$S/check-util-linux.sh" --only upstream-nodev,upstream-loop
else
	stage tests "selftests and mount --beneath (release kernel, VM)" \
		"$S/vm-run.sh" -v release -- "$S/run-selftests.sh" --strict
	skip_stage "util-linux did not build"
fi

wait "$bgpid"
bgpid=
if [ "$DEBUG" != 0 ]; then
	if [ $debug_ok = 1 ]; then
		lane_print debug "selftests (debug kernel, VM)"
	else
		skip_stage "the debug kernel did not build"
	fi
fi
lane_print two-boot "overlayfs two-boot (release kernel, VM)"
finish

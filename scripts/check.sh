#!/bin/bash
# make check: deps, tree, checkpatch, bisect build, the release kernel and the
# selftests in a VM, then the same on the debug kernel (whose log must show no
# WARNING/BUG/KASAN/lockdep report). Each stage prints its KTAP; the last line
# is the total "N passed, N failed, N skipped" over all stages.
# DEBUG=0 leaves out the debug kernel. Two long VM runs, the debug kernel's
# selftests and util-linux's own test suite (minutes each under TCG), are not
# repeated when their inputs are byte for byte those of their last clean run,
# which they say; RETEST=1 (DEBUG=force for the debug run) repeats them.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/scripts
DEBUG=${DEBUG:-1}

tp=0 tf=0 ts=0
failed_stages=()
stage_start=$SECONDS

# Run a stage; its last "N passed, N failed[, N skipped]" line is its result,
# and a non-zero exit with no failure counted (e.g. a kernel report found
# after the tests) counts as one failure.
stage() {
	local name=$1 out rc p f s
	shift
	echo
	echo "######## $name"
	local t0=$SECONDS
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	read -r p f s < <(grep -E '^[0-9]+ passed, ' "$out" | tail -n1 | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/p')
	rm -f "$out"
	if [ -z "${p:-}" ]; then
		# The stage died before its summary: count it as one failure.
		p=0 f=1 s=0
	fi
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + ${s:-0}))
	[ "$f" = 0 ] || failed_stages+=("$name")
	echo "######## $name: $p passed, $f failed, ${s:-0} skipped ($((SECONDS - t0)) s)"
	return "$rc"
}

finish() {
	echo
	[ ${#failed_stages[@]} -eq 0 ] || echo "failed: ${failed_stages[*]}"
	echo "total time: $((SECONDS - stage_start)) s"
	echo "$tp passed, $tf failed, $ts skipped"
	[ "$tf" = 0 ]
	exit
}

# A stage whose failure makes the rest meaningless ends the run.
fatal() { stage "$@" || finish; }

"$S/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

fatal tree bash -c "'$S/tree.sh' && echo '1 passed, 0 failed'"
stage checkpatch "$S/checkpatch.sh"
if ! stage "release kernel" bash -c "'$S/build-kernel.sh' release && '$S/build-selftests.sh' release && echo '1 passed, 0 failed'"; then
	# The bisect build names the first patch that does not build.
	stage "bisect build" "$S/bisect-build.sh"
	finish
fi
stage "bisect build" "$S/bisect-build.sh"
stage "util-linux build" bash -c "'$S/build-util-linux.sh' >/dev/null && echo '1 passed, 0 failed'" &&
	ul_built=1
if [ "${ul_built:-0}" = 1 ]; then
	# One boot for both: the selftests and the mount --beneath cases.
	stage "selftests and mount --beneath (release kernel, VM)" \
		"$S/vm-run.sh" -v release -- "$S/guest-tests.sh"
else
	stage "selftests (release kernel, VM)" "$S/vm-run.sh" -v release -- "$S/run-selftests.sh"
fi
stage "overlayfs two-boot (release kernel, VM)" "$S/ovl-two-boot.sh" release
# cached NAME KEYFILE... -- CMD...: run CMD, a long VM run, unless its
# inputs (KEYFILE..., files or directories, byte for byte) are those of its
# last clean run; then print that run's result and say so. RETEST=1 (or
# DEBUG=force for the debug run) repeats it anyway.
cached() {
	local name=$1 ok key keys=()
	shift
	while [ "$1" != -- ]; do keys+=("$1"); shift; done
	shift
	ok=$BUILD/cache-$name.ok
	key=$(for k in "${keys[@]}"; do
		find "$k" -type f -print0 | sort -z | xargs -0 sha256sum
	done | sha256sum | cut -d' ' -f1)
	if [ "${RETEST:-0}" != 1 ] && [ "$(head -n1 "$ok" 2>/dev/null)" = "$key" ]; then
		echo "# inputs unchanged since the clean run of $(date -r "$ok"):"
		echo "# not repeated (RETEST=1 repeats it)"
		tail -n1 "$ok"
		return 0
	fi
	rm -f "$ok"
	"$@" | tee "$BUILD/cache-$name.log"
	[ "${PIPESTATUS[0]}" = 0 ] || return 1
	{ echo "$key"; tail -n1 "$BUILD/cache-$name.log"; } >"$ok"
}

if [ "${ul_built:-0}" = 1 ]; then
	stage "util-linux's own tests (release kernel, VM)" cached util-linux \
		"$(objdir release)/arch/x86/boot/bzImage" "$BUILD/bin" "$BUILD/util-linux-obj/mb-tests" \
		"$S/check-util-linux.sh" -- \
		"$S/vm-run.sh" -v release -- "$S/check-util-linux.sh" --only upstream
fi

if [ "$DEBUG" != 0 ]; then
	[ "$DEBUG" = force ] && export RETEST=1
	if stage "debug kernel" bash -c "'$S/build-kernel.sh' debug && echo '1 passed, 0 failed'"; then
		stage "selftests (debug kernel, VM)" cached debug \
			"$(objdir debug)/arch/x86/boot/bzImage" "$BUILD/selftests" \
			"$S/run-selftests.sh" "$S/vm-run.sh" -- \
			"$S/vm-run.sh" -v debug -- "$S/run-selftests.sh"
	fi
fi
finish

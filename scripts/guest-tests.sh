#!/bin/bash
# Run in the guest by make check: the selftests, then the mount --beneath
# cases of util-linux, in one boot. Prints both KTAP streams and one total
# "N passed, N failed, N skipped". Exit status 1 if either failed.
set -uo pipefail
S=$(dirname "$0")

tp=0 tf=0 ts=0 rc=0
for t in "$S/run-selftests.sh" "$S/check-util-linux.sh --only beneath"; do
	out=$(mktemp)
	# shellcheck disable=SC2086 # $t carries its arguments
	$t | tee "$out"
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
	read -r p f s < <(grep -E '^[0-9]+ passed, ' "$out" | tail -n1 |
		sed -nE 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p')
	[ -n "${p:-}" ] || { p=0 f=1 s=0; }
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	rm -f "$out"
done
echo "$tp passed, $tf failed, $ts skipped"
exit $rc

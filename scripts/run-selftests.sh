#!/bin/bash
# Run the installed selftests (build/selftests) on the running kernel: in the
# guest (default) or on the host (--host, each test in a fresh private mount
# namespace, so the host's mounts are never touched). Prints each test's KTAP
# nested in a top-level KTAP, then one line "N passed, N failed, N skipped"
# counting test cases. Exit status 1 if anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

host=0
[ "${1:-}" = --host ] && host=1
DIR=${SELFTESTS_DIR:-$BUILD/selftests}
LIST=$DIR/kselftest-list.txt
[ -f "$LIST" ] || die "no $LIST: run scripts/build-selftests.sh"
[ "$(id -u)" = 0 ] || die "the selftests must run as root"
TEST_TIMEOUT=${TEST_TIMEOUT:-900}

mapfile -t tests < <(grep -v '^#' "$LIST" | sed '/^$/d')
pass=0 fail=0 skip=0
echo "TAP version 13"
echo "1..${#tests[@]}"
echo "# kernel: $(uname -r) ($([ $host = 1 ] && echo host || echo guest))"
n=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	coll=${t%%:*} prog=${t#*:}
	log=$(mktemp)
	wrap=(timeout -k 5 "$TEST_TIMEOUT")
	[ $host = 1 ] && wrap+=(unshare --mount --propagation private --)
	echo "# selftests: $coll: $prog"
	t0=$(date +%s.%N)
	(cd "$DIR/$coll" && "${wrap[@]}" "./$prog") </dev/null >"$log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	sed 's/^/# /' "$log"
	printf '# %s: %.1f s\n' "$prog" "$(echo "$t1 - $t0" | bc)"
	totals=$(grep -E '^# Totals: pass:' "$log" | tail -n1)
	if [ -n "$totals" ]; then
		p=$(sed -E 's/.* pass:([0-9]+).*/\1/' <<<"$totals")
		f=$(sed -E 's/.* fail:([0-9]+).*/\1/' <<<"$totals")
		s=$(sed -E 's/.*skip:([0-9]+).*/\1/' <<<"$totals")
		e=$(sed -E 's/.*error:([0-9]+).*/\1/' <<<"$totals")
		f=$((f + e))
		# Exited non-zero without counting a failure: count the crash.
		[ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$f" = 0 ] && f=1
	else
		# Not a harness test (or it died before its totals): one result.
		p=0 f=0 s=0
		case $rc in
		0) p=1 ;;
		4) s=1 ;;
		*) f=1 ;;
		esac
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "not ok $n selftests: $coll: $prog # TIMEOUT ${TEST_TIMEOUT}s"
	elif [ "$f" != 0 ] || { [ "$rc" != 0 ] && [ "$rc" != 4 ]; }; then
		echo "not ok $n selftests: $coll: $prog # exit=$rc"
	elif [ "$rc" = 4 ] || { [ "$p" = 0 ] && [ "$s" != 0 ]; }; then
		echo "ok $n selftests: $coll: $prog # SKIP"
	else
		echo "ok $n selftests: $coll: $prog"
	fi
	rm -f "$log"
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]

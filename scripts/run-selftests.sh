#!/bin/bash
# Run the installed selftests (build/selftests, scripts/build-selftests.sh)
# on the running kernel, each program through kselftest's own runner, the
# installed kselftest/runner.sh (its run_many, as run_kselftest.sh calls it,
# so each collection's "settings" timeout applies). The programs are those
# of the installed kselftest-list.txt, which also holds the ones 6.1 lists
# under TEST_GEN_FILES (EXTRA_TESTS in scripts/selftests.conf).
#
# usage: run-selftests.sh [--host] [--strict]
#   (default)  in the guest (scripts/vm-run.sh runs it there)
#   --host     on the host: each program in a fresh private mount namespace
#              that cannot create loop or dm devices or change sysctls
#              (scripts/host-ns.sh)
#   --strict   the patched kernel: a SKIP in the series' own collections
#              (SERIES_TARGETS in selftests.conf) is a failure, and so is a
#              series collection with no tests installed
#
# Prints one KTAP document, each program's own KTAP nested in it
# (scripts/ktap.sh), and ends with "N passed, N failed, N skipped" counting
# test cases: a harness program's cases, or the program itself when it
# reports none. Exit status 1 if anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"
. "$TOP/scripts/selftests.conf"

host=0 strict=0
while [ $# -gt 0 ]; do
	case $1 in
	--host) host=1 ;;
	--strict) strict=1 ;;
	*) die "usage: $0 [--host] [--strict]" ;;
	esac
	shift
done
DIR=${SELFTESTS_DIR:-$BUILD/selftests}
LIST=$DIR/kselftest-list.txt
[ -f "$LIST" ] && [ -f "$DIR/kselftest/runner.sh" ] || die "no selftests in $DIR: run scripts/build-selftests.sh"
[ "$(id -u)" = 0 ] || die "the selftests must run as root"
[ $host = 1 ] || guest_only "$0"

mapfile -t tests < <(grep -v '^#' "$LIST" | sed '/^$/d')
series() { [[ " $SERIES_TARGETS " == *" $1 "* ]]; }
missing=()
if [ $strict = 1 ]; then
	for c in $SERIES_TARGETS; do
		grep -q "^$c:" "$LIST" || missing+=("$c")
	done
fi

ktap_begin $((${#tests[@]} + ${#missing[@]}))
ktap_diag "kernel: $(uname -r) ($([ $host = 1 ] && echo "host, each program in scripts/host-ns.sh" || echo guest))"
[ $strict = 1 ] && ktap_diag "strict: a SKIP in $SERIES_TARGETS is a failure on this kernel"
for c in "${missing[@]}"; do
	ktap_fail "selftests: $c" "FAIL the series' collection $c has no tests in ${DIR#"$TOP"/}"
done

wrap=()
[ $host = 1 ] && wrap=("$TOP/scripts/host-ns.sh")
# One program, as run_kselftest.sh runs a collection, except that
#  - the runner's log goes to our stdout (/proc/self/fd/1): it opens
#    "/dev/stdout", which virtme-ng's guest links to its console
#  - a collection without a "settings" file gets TEST_TIMEOUT seconds
#    (300 by default) instead of kselftest's 45, made for real hardware:
#    under TCG, and with KASAN and lockdep, 6.1's mount_setattr_test alone
#    takes longer. A settings file's timeout applies as it is.
export TEST_TIMEOUT=${TEST_TIMEOUT:-300}
# shellcheck disable=SC2016 # for sh -c
runner='BASE_DIR=$PWD; . ./kselftest/runner.sh; logfile=/proc/self/fd/1
kselftest_default_timeout=$TEST_TIMEOUT
[ -w /dev/kmsg ] && [ "$3" = 0 ] && echo "kselftest: Running $1: $2" >>/dev/kmsg
cd "$1" && run_many "$2"'
cf=$(mktemp) log=$(mktemp) kf=$(mktemp)
trap 'rm -f "$cf" "$log" "$kf"' EXIT
failed=()
for t in "${tests[@]}"; do
	coll=${t%%:*} prog=${t#*:}
	t0=$(date +%s.%N)
	# Appending: the runner reopens its stdout for the program's output.
	: >"$log"
	(cd "$DIR" && "${wrap[@]}" sh -c "$runner" sh "$coll" "$prog" "$host") </dev/null >>"$log" 2>&1
	t1=$(date +%s.%N)
	# The runner's result line for the program: its exit status.
	res=$(grep -E '^(not )?ok [0-9]+ selftests: ' "$log" | tail -n1)
	case $res in
	ok*"# SKIP"*) rc=4 ;;
	ok*) rc=0 ;;
	*"# TIMEOUT"*) rc=124 ;;
	*"# exit="*) rc=${res##*# exit=} ;;
	*) rc=1 ;;
	esac
	sflag=()
	[ $strict = 1 ] && series "$coll" && sflag=(-s)
	# On the host, the cases of HOST_SKIP (selftests.conf) of this collection.
	: >"$kf"
	if [ $host = 1 ] && ! series "$coll"; then
		sed -n "s|^$coll:||p" <<<"${HOST_SKIP:-}" >"$kf"
		[ -s "$kf" ] && sflag+=(-k "$kf")
	fi
	ktap_diag "selftests: $coll: $prog"
	# The program's output: what the runner prefixed with "# ".
	sed -n '/^# selftests: /,$p' "$log" | sed 1d |
		grep -vE '^(not )?ok [0-9]+ selftests: ' | sed -E 's/^# ?//' |
		ktap_parse "${sflag[@]}" -r "$rc" -c "$cf"
	read -r p f s why <"$cf"
	[ -n "$res" ] || ktap_diag "the runner printed no result: $(tail -n3 "$log")"
	ktap_diag "$(printf '%s: %.1f s' "$prog" "$(echo "$t1 - $t0" | bc)")"
	case $res in
	*"# TIMEOUT"*) why="TIMEOUT ${res##*# TIMEOUT }" ;;
	esac
	while IFS= read -r name; do
		failed+=("$coll: $prog: $name")
	done < <(sed 1d "$cf")
	[ "$f" != 0 ] && [ "$(sed 1d "$cf" | wc -l)" = 0 ] && failed+=("$coll: $prog ($why)")
	ktap_parent "selftests: $coll: $prog" "$p" "$f" "$s" "$why"
done
if [ ${#failed[@]} -gt 0 ] || [ ${#missing[@]} -gt 0 ]; then
	ktap_diag "failed:"
	for c in "${missing[@]}"; do ktap_diag "  $c: no tests installed"; done
	for n in "${failed[@]}"; do ktap_diag "  $n"; done
fi
ktap_end

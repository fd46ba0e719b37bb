# KTAP output for the harness scripts (Documentation/dev-tools/ktap.rst).
# Source it; do not run it.
# shellcheck shell=bash
#
# Every script prints one KTAP document and ends with the line
#
#	N passed, N failed, N skipped
#
# which counts TEST CASES only: the leaves of the document (a kselftest
# harness program counts its own "ok"/"not ok" lines, not itself). Steps that
# are not tests (a build, checkpatch of a patch, a bisect build) print a
# result line too, but count only when they fail: a passing build is not a
# passed test, a failing one is a failure, so the summary never reads
# "0 failed" on a failing run.
#
# Strict mode (KTAP_STRICT=1, or ktap_parse -s) is for the series' own tests
# on the patched kernel: a SKIP there means a guarantee went untested, so it
# is reported and counted as a failure, with the skip's reason. The result
# line gets no SKIP directive then (KTAP reads "not ok ... # SKIP" as a
# skip); it reads "not ok N NAME # FAIL skipped on the patched kernel: WHY".
#
#	ktap_begin [PLAN]	version line, and the plan if given
#	ktap_plan N		plan line
#	ktap_diag TEXT		diagnostic lines ("# TEXT", each line of it)
#	ktap_ok NAME [DIAG]	a passed test case
#	ktap_fail NAME [DIAG]	a failed test case
#	ktap_skip NAME WHY	a skipped test case (failed when strict)
#	ktap_step_ok NAME [DIAG]    a step that passed: counts nothing
#	ktap_step_fail NAME [DIAG]  a step that failed: counts one failure
#	ktap_step_skip NAME WHY	    a step not run: counts nothing
#	ktap_parent NAME P F S [DIAG]  the result line of a nested document
#				whose test cases counted P F S (added here)
#	ktap_indent		filter: indent a nested document one level
#	ktap_counts FILE	KTAP_P KTAP_F KTAP_S from FILE's summary line
#	ktap_parse [-s] [-r RC] [-c FILE] [-k FILE]  filter: a program's own KTAP
#				(see below), indented, counts written to FILE
#	ktap_summary		the summary line
#	ktap_end		the summary line; status 1 if anything failed
#
# KTAP_FAILED holds the names of the failed results of this document.

KTAP_N=0 KTAP_PASS=0 KTAP_FAIL=0 KTAP_SKIP=0 KTAP_FAILED=()
KTAP_STRICT=${KTAP_STRICT:-0}
KTAP_SUMMARY_RE='^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'

ktap_begin() {
	KTAP_N=0 KTAP_PASS=0 KTAP_FAIL=0 KTAP_SKIP=0 KTAP_FAILED=()
	echo "KTAP version 1"
	[ $# = 0 ] || ktap_plan "$1"
}

ktap_plan() { echo "1..$1"; }

ktap_diag() {
	local l
	while IFS= read -r l; do
		echo "# $l"
	done <<<"$*"
}

# A description may not hold "#".
_ktap_line() { # ok|not ok, NAME, [DIRECTIVE/DIAG]
	KTAP_N=$((KTAP_N + 1))
	echo "$1 $KTAP_N ${2//#/}${3:+ # $3}"
}

ktap_ok() { KTAP_PASS=$((KTAP_PASS + 1)); _ktap_line ok "$1" "${2:-}"; }
ktap_fail() {
	KTAP_FAIL=$((KTAP_FAIL + 1))
	KTAP_FAILED+=("$1")
	_ktap_line "not ok" "$1" "${2:-}"
}
ktap_skip() {
	if [ "$KTAP_STRICT" = 1 ]; then
		ktap_fail "$1" "FAIL skipped on the patched kernel: ${2:-no reason given}"
	else
		KTAP_SKIP=$((KTAP_SKIP + 1))
		_ktap_line ok "$1" "SKIP ${2:-}"
	fi
}

ktap_step_ok() { _ktap_line ok "$1" "${2:-}"; }
ktap_step_fail() { ktap_fail "$@"; }
ktap_step_skip() { _ktap_line ok "$1" "SKIP ${2:-}"; }

# ktap_parent NAME P F S [DIAG]: after a nested document (indented), its
# result line; its counts are added to this document's.
ktap_parent() {
	KTAP_PASS=$((KTAP_PASS + $2)) KTAP_FAIL=$((KTAP_FAIL + $3)) KTAP_SKIP=$((KTAP_SKIP + $4))
	if [ "$3" != 0 ]; then
		KTAP_FAILED+=("$1")
		_ktap_line "not ok" "$1" "${5:-}"
	elif [ "$2" = 0 ] && [ "$4" != 0 ]; then
		_ktap_line ok "$1" "SKIP ${5:-}"
	else
		_ktap_line ok "$1" "${5:-}"
	fi
}

ktap_indent() { sed -u 's/^/  /'; }

# ktap_counts FILE: the counts of FILE's last summary line (a nested
# document of ours) into KTAP_P KTAP_F KTAP_S. Status 1, and one failure,
# when it has none (the script died before its summary).
ktap_counts() {
	local line
	line=$(grep -E "$KTAP_SUMMARY_RE" "$1" | tail -n1)
	if [ -z "$line" ]; then
		KTAP_P=0 KTAP_F=1 KTAP_S=0
		return 1
	fi
	# shellcheck disable=SC2034 # for the caller
	read -r KTAP_P KTAP_F KTAP_S < <(sed -E "s/$KTAP_SUMMARY_RE/\1 \2 \3/" <<<"$line")
}

# ktap_run_step NAME CMD...: run a build or setup step, its output as
# diagnostics, its time after it, and one ok/not ok line (not a test case).
ktap_run_step() {
	local name=$1 t0=$SECONDS rc
	shift
	"$@" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	ktap_diag "$name: $((SECONDS - t0)) s"
	if [ "$rc" = 0 ]; then
		ktap_step_ok "$name"
	else
		ktap_step_fail "$name" "exit=$rc"
	fi
	return "$rc"
}

# ktap_run_nested "NAME:COMMAND ARGS"...: run each command, which prints a
# KTAP document of its own, nested under one result line per command that
# carries its counts; a command that exits non-zero fails its line.
ktap_run_nested() {
	local out r name rc
	out=$(mktemp)
	for r in "$@"; do
		name=${r%%:*}
		# shellcheck disable=SC2086 # the command carries its arguments
		${r#*:} 2>&1 | tee "$out" | ktap_indent
		rc=${PIPESTATUS[0]}
		ktap_counts "$out" || ktap_diag "$name: no summary line (exit=$rc)"
		[ "$rc" != 0 ] && [ "$KTAP_F" = 0 ] && KTAP_F=1
		ktap_parent "$name" "$KTAP_P" "$KTAP_F" "$KTAP_S" "$([ "$rc" = 0 ] || echo "exit=$rc")"
	done
	rm -f "$out"
}

ktap_summary() { echo "$KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped"; }

ktap_end() {
	ktap_summary
	[ "$KTAP_FAIL" = 0 ]
}

# ktap_parse [-s] [-r RC] [-c FILE]: read the KTAP (or plain) output of one
# test program, which exited with RC, and print it as a nested document,
# indented one level. Its own top-level "ok"/"not ok" lines are its test
# cases; deeper levels and diagnostics are passed through, other lines
# become diagnostics. Writes
# "P F S WHY" to FILE, WHY being the program's skip or failure reason, then
# one line per failed case name.
#  - A result with no name (6.1's harness prints "ok N # SKIP why" for a
#    skipped case) gets the name of the last "RUN" line.
#  - XFAIL is a pass, XPASS a failure; TIMEOUT and ERROR are failures.
#  - -s: a SKIP is a failure ("not ok N NAME # FAIL skipped on the patched
#    kernel: WHY").
#  - -k FILE: lines "ERE WHY": a failed case whose whole name matches ERE
#    is a SKIP with WHY (cases that cannot run in a confined host
#    namespace and fail in their setup, in code we may not change).
#  - Fewer results than the plan: each missing one is a failure.
#  - No results and no plan (or "1..0"): the program is one test case, by
#    RC (0 pass, 4 skip, else fail), "1..0 # SKIP why" giving the reason.
#  - RC neither 0 nor 4 with no failed case: one failure (the program failed
#    outside its cases, e.g. a crash after them, or a timeout).
ktap_parse() {
	local strict=0 rc=0 cf=/dev/null kf=/dev/null o
	OPTIND=1
	while getopts "sr:c:k:" o; do
		case $o in
		s) strict=1 ;;
		r) rc=$OPTARG ;;
		c) cf=$OPTARG ;;
		k) kf=$OPTARG ;;
		*) return 2 ;;
		esac
	done
	awk -v strict="$strict" -v rc="$rc" -v cf="$cf" -v kf="$kf" '
	function out(l) { print "  " l; fflush() }
	function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
	BEGIN {
		plan = -1; n = 0; p = 0; f = 0; s = 0; why = ""; run = ""; nf = 0; nk = 0; ks = 0
		while ((getline l < kf) > 0) {
			k = index(l, " ")
			if (k) { kre[++nk] = "^(" substr(l, 1, k - 1) ")$"; kwhy[nk] = substr(l, k + 1) }
		}
	}
	/^(K?TAP version [0-9]+)$/ { out($0); next }
	/^1\.\.[0-9]+/ {
		l = $0; sub(/^1\.\./, "", l); plan = l + 0
		if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) {
			r = $0; sub(/^[^#]*# *[Ss][Kk][Ii][Pp][^ ]* */, "", r); why = r
		}
		out($0); next
	}
	/^#  RUN / {
		l = $0; sub(/^#  RUN +/, "", l); sub(/ \.\.\.$/, "", l); run = l
		out($0); next
	}
	/^(not )?ok( [0-9]+)?( |$)/ {
		l = $0; res = "ok"
		if (l ~ /^not ok/) { res = "not ok"; sub(/^not ok/, "", l) } else sub(/^ok/, "", l)
		l = trim(l)
		num = l; sub(/[^0-9].*$/, "", num); sub(/^[0-9]+/, "", l)
		dir = ""
		k = index(l, "#")
		if (k) { dir = trim(substr(l, k + 1)); l = substr(l, 1, k - 1) }
		name = trim(l); sub(/^- /, "", name)
		if (name == "") name = (run != "" ? run : "test " (num == "" ? n + 1 : num))
		n++
		if (num == "") num = n
		kw = toupper(dir); sub(/[^A-Z].*$/, "", kw)
		st = (res == "ok") ? "pass" : "fail"
		if (kw ~ /^SKIP/) st = "skip"
		else if (kw == "XFAIL") st = "pass"
		else if (kw == "XPASS" || kw == "TIMEOUT" || kw == "ERROR") st = "fail"
		if (st == "fail")
			for (k = 1; k <= nk; k++)
				if (name ~ kre[k]) {
					st = "skip"; res = "ok"; dir = "SKIP " kwhy[k]; ks++; break
				}
		if (st == "skip" && strict) {
			r = dir; sub(/^[^ ]* */, "", r)
			if (r == "") r = "no reason given"
			st = "fail"; res = "not ok"; dir = "FAIL skipped on the patched kernel: " r
		}
		if (st == "pass") p++
		else if (st == "skip") s++
		else { f++; failed[++nf] = name }
		out(res " " num " " name (dir != "" ? " # " dir : ""))
		run = ""
		next
	}
	/^[ \t#]/ { out($0); next }
	{ out("# " $0) }
	END {
		if (n == 0 && plan <= 0) {
			if (rc == 0 && plan != 0) p = 1
			else if (rc == 4 || rc == 0) {
				if (why == "") why = "exit status 4 (skip)"
				if (strict) { f = 1; why = "FAIL skipped on the patched kernel: " why }
				else s = 1
			} else { f = 1; why = "exit=" rc }
		} else {
			if (plan > n) {
				for (k = n + 1; k <= plan; k++) {
					out("not ok " k " result " k " of " plan " # FAIL missing: the program ended after " n)
					failed[++nf] = "result " k " of " plan " (missing)"
				}
				f += plan - n
			}
			# (a failure made a skip by -k exits non-zero too)
			if (rc != 0 && rc != 4 && f == 0 && ks == 0) {
				f = 1; why = "exit=" rc " with no failed test case"
			} else if (rc == 4 && s == 0 && strict) {
				f++; why = "FAIL exit status 4 (skip) on the patched kernel"
			}
			if (why == "" && rc != 0 && f > 0) why = "exit=" rc
		}
		print p, f, s, why > cf
		for (k = 1; k <= nf; k++) print failed[k] > cf
	}'
}

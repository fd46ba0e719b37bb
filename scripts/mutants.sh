#!/bin/bash
# make mutants: mutation testing of the series against its selftests.
#
# Each mutants/NN-name.diff removes or weakens one rule the series promises.
# Its header (text before the first "diff --git", which git apply ignores)
# says which: "Rule:" the rule it breaks, "Tests:" the collections that must
# kill it (selftest collections of build/selftests by directory, e.g.
# mount_beneath or overlayfs, and "two-boot" for scripts/ovl-two-boot.sh),
# "Expect:" the test expected to do it.
#
# The mutants are applied one at a time to build/linux-mutant, a git worktree
# of build/linux reset to build/linux's HEAD (the series) at each run, and
# built incrementally in build/kernel-mutant with the release kernel's
# .config (ccache; only the mutated file is recompiled and the kernel
# relinked). The mutant kernel boots in the VM (scripts/vm-run.sh -v mutant)
# and runs its collections from build/selftests (scripts/build-selftests.sh).
#   killed    a test failed, a test that passes on the unmutated kernel
#             skipped, the kernel logged an oops/BUG/WARNING, or the run
#             crashed or timed out
#   survived  everything passed
#   error     the mutant does not apply, does not build or does not change
#             the kernel image: fix the mutant (never counted as killed)
# First the unmutated kernel of the worktree must pass the same collections
# (cached while kernel image, tests and this script are unchanged), or the
# run is aborted.
#
# usage: scripts/mutants.sh [PATTERN]   (or MUTANTS=PATTERN in the environment)
#   only the mutants whose file name contains PATTERN (a shell glob)
# Per mutant it prints the result and the failing tests; the last line is
# "N killed, N survived" (", N errors" when there are). Exit status 0 when
# every mutant was killed, 1 when one survived or was an error, 2 when the
# run could not tell (setup, unmutated build or sanity check failed).
# Results: build/mutants/results.tsv; logs: build/mutants/NAME.*.log. A
# verdict is kept (build/mutants/NAME.result) and not redone while the
# mutant, the unmutated kernel image and the tests are the same, so a run
# that was interrupted resumes where it stopped (MUTANT_RETEST=1 redoes all).
# Environment: MUTANT_SELFTESTS=DIR runs the selftests installed in DIR
# instead of build/selftests; MUTANT_JOBS (default 2) make -j;
# MUTANT_VM_TIMEOUT (default 3600 s) the sanity runs' VM timeout (a mutant
# gets 4 times its sanity runs' time + 300 s); MUTANT_TEST_TIMEOUT (default
# 900 s) each test program's timeout.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

MDIR=$TOP/mutants
WT=$BUILD/linux-mutant
O=$(objdir mutant)
REL=$(objdir release)
OUT=$BUILD/mutants
VARIANT=mutant
MJOBS=${MUTANT_JOBS:-2}
pattern=${1:-${MUTANTS:-}}
# The installed selftests to run (MUTANT_SELFTESTS overrides build/selftests).
SELF=${MUTANT_SELFTESTS:-$BUILD/selftests}

fatal() { echo "error: $*" >&2; echo "0 killed, 0 survived, 1 errors"; exit 2; }

mkdir -p "$OUT"
exec 8>"$OUT/.lock"
flock -n 8 || fatal "another scripts/mutants.sh is running"

{ [ -f "$REL/.config" ] && [ -f "$REL/arch/x86/boot/bzImage" ]; } ||
	fatal "no release kernel: run make kernel (its .config is the mutants' config)"
[ -f "$SELF/kselftest-list.txt" ] ||
	fatal "no selftests in ${SELF#"$TOP"/}: run scripts/build-selftests.sh release"
git -C "$LINUX" rev-parse -q --verify HEAD >/dev/null || fatal "no git tree in build/linux: run make tree"

mutants=()
for f in "$MDIR"/[0-9]*.diff; do
	[ -f "$f" ] || continue
	n=$(basename "$f" .diff)
	# shellcheck disable=SC2053 # PATTERN is a glob on purpose
	[ -z "$pattern" ] || [[ $n == *$pattern* ]] || continue
	mutants+=("$f")
done
[ ${#mutants[@]} -gt 0 ] || fatal "no mutant in mutants/ matches '${pattern}'"

# hdr FILE KEY: a header field of a mutant
hdr() { sed -n "/^diff --git /q; s/^$2: *//p" "$1" | head -n1; }

# The worktree, at build/linux's HEAD. reset --hard rewrites only the files
# that differ, so kbuild recompiles only what changed since the last run.
head=$(git -C "$LINUX" rev-parse HEAD)
if ! git -C "$WT" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	log "creating the worktree ${WT#"$TOP"/}"
	git -C "$LINUX" worktree prune
	git -C "$LINUX" worktree add --detach "$WT" "$head" >/dev/null 2>&1 ||
		fatal "git worktree add $WT failed"
fi
revert() { git -C "$WT" reset -q --hard "$head"; }
revert || fatal "cannot reset ${WT#"$TOP"/} to $head"
log "worktree ${WT#"$TOP"/} at $(git -C "$LINUX" log -1 --format='%h %s' "$head")"

mkdir -p "$O"
cmp -s "$REL/.config" "$O/.config" || cp "$REL/.config" "$O/.config"

# A fixed build version and timestamp (lib.sh) make the image a function of
# the source: a mutant that leaves it unchanged did not mutate anything.
kbuild() {
	make -s -C "$WT" O="$O" CC="ccache gcc" HOSTCC="ccache gcc" \
		KBUILD_BUILD_VERSION=1 -j"$MJOBS" olddefconfig bzImage >"$1" 2>&1
}
image_hash() { sha256sum "$O/arch/x86/boot/bzImage" | cut -d' ' -f1; }

# Selftest collections: a name matches a collection directory of
# kselftest-list.txt, whole or by its last component.
LIST=$SELF/kselftest-list.txt
list_lines() {
	local c
	for c in "$@"; do
		awk -F: -v c="$c" '!/^#/ && NF { n = split($1, p, "/"); if ($1 == c || p[n] == c) print }' "$LIST"
	done | sort -u
}

# A directory with the subset of the selftests a mutant runs: symlinks to
# the runner and to the programs, a shorter kselftest-list.txt, and each
# collection's "settings" timeout raised to MUTANT_TEST_TIMEOUT (default
# 900 s): under TCG on a busy machine the defaults (45 s when a collection
# has none) fail passing tests. The VM timeout bounds the run anyway.
seldir() {
	local key=$1 dir e c top=() cs=()
	shift
	dir=$OUT/sel-$key
	rm -rf "$dir"
	mkdir -p "$dir"
	list_lines "$@" >"$dir/kselftest-list.txt"
	mapfile -t cs < <(cut -d: -f1 "$dir/kselftest-list.txt" | sort -u)
	for c in "${cs[@]}"; do
		top+=("${c%%/*}")
		mkdir -p "$dir/$c"
		for e in "$SELF/$c"/* "$SELF/$c"/.[!.]*; do
			[ -e "$e" ] && [ "$(basename "$e")" != settings ] && ln -s "$e" "$dir/$c/"
		done
		echo "timeout=${MUTANT_TEST_TIMEOUT:-900}" >"$dir/$c/settings"
	done
	for e in "$SELF"/* "$SELF"/.[!.]*; do
		[ -e "$e" ] || continue
		case " ${top[*]} kselftest-list.txt " in
		*" $(basename "$e") "*) ;;
		*) ln -s "$e" "$dir/" ;;
		esac
	done
	echo "$dir"
}

# in_session TIMEOUT LOG CMD...: run CMD (a VM run) in a session of its own,
# its output appended to LOG, and stop everything it started if it has not
# ended TIMEOUT s later. vm-run.sh's timeout stops vng but not the
# virtme-run and QEMU under it: a hung guest would block the run forever.
in_session() {
	local tmo=$1 log=$2 pid n=0
	shift 2
	# shellcheck disable=SC2016 # expanded by that bash
	setsid bash -c 'set -o pipefail; "$@" 2>&1 | cat >>"$0"' "$log" "$@" </dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ $n -ge "$tmo" ]; then
			echo "error: still running after ${tmo} s: stopped" >>"$log"
			kill -TERM -- "-$pid" 2>/dev/null
			sleep 5
			kill -KILL -- "-$pid" 2>/dev/null
			wait "$pid"
			return 124
		fi
		sleep 5
		n=$((n + 5))
	done
	wait "$pid"
}

KPAT='WARNING:|BUG:|UBSAN:|Oops|general protection fault|Kernel panic|list_add corruption|list_del corruption|suspicious RCU usage|INFO: task .* blocked'

# run_tests NAME TIMEOUT COLLECTION...: boot the built kernel, run the
# collections. Sets rfail (failing tests, one per line), rskip (skipped
# tests) and rsecs; returns 0 if the run finished and nothing failed.
run_tests() {
	local name=$1 tmo=$2 st=() two=0 c dir rc log=$OUT/$1.test.log t0
	shift 2
	rfail='' rskip='' rerror=''
	for c in "$@"; do
		if [ "$c" = two-boot ]; then two=1; else st+=("$c"); fi
	done
	t0=$SECONDS
	: >"$log"
	if [ ${#st[@]} -gt 0 ]; then
		local key
		key=$(printf '%s\n' "${st[@]}" | sort -u | tr '/\n' '_-')
		dir=$(seldir "${key%-}" "${st[@]}")
		[ -s "$dir/kselftest-list.txt" ] || { rfail="no test in ${SELF#"$TOP"/} for: ${st[*]}"; rsecs=0; return 1; }
		in_session $((tmo + 60)) "$log" "$TOP/scripts/vm-run.sh" -v "$VARIANT" -t "$tmo" -- \
			env SELFTESTS_DIR="$dir" TEST_TIMEOUT="${MUTANT_TEST_TIMEOUT:-900}" \
			"$TOP/scripts/run-selftests.sh"
		rc=$?
		cp "$BUILD/vm-$VARIANT/dmesg.log" "$OUT/$name.dmesg.log" 2>/dev/null || rm -f "$OUT/$name.dmesg.log"
		# Test cases: the programs' own results, nested ("# " or indented).
		rfail=$(sed -nE '/^(# |[[:space:]]+)not ok [0-9]+ selftests: /d
			s/^(# |[[:space:]]+)not ok [0-9]+ (.*)$/\2/p' "$log" | sed -E 's/ # .*//')
		# A program that failed outside its cases (crash, timeout).
		if [ -z "$rfail" ]; then
			rfail=$(sed -nE 's/^not ok [0-9]+ selftests: [^:]+: (.*)$/\1/p' "$log")
		else
			rfail+=$'\n'$(sed -nE 's/^not ok [0-9]+ selftests: [^:]+: (.*# TIMEOUT.*)$/\1/p' "$log")
		fi
		rskip=$(sed -nE 's/^(# |[[:space:]]+)ok [0-9]+ (.*) # SKIP.*/\2/p
			s/^ok [0-9]+ selftests: [^:]+: (.*) # SKIP.*/\1/p' "$log")
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			rfail+=${rfail:+$'\n'}"timeout (${tmo} s)"
		elif ! grep -qE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log"; then
			# A crash of the guest kernel kills; the VM dying for
			# another reason (killed from outside) tells nothing.
			if grep -qE 'Kernel panic|BUG:|Oops|general protection fault' "$log"; then
				rfail+=${rfail:+$'\n'}"kernel crash: $(grep -E -m1 'Kernel panic|BUG:|Oops|general protection fault' "$log")"
			elif [ -z "$rfail" ]; then
				rerror="the VM died without a result (exit $rc; $(grep -E -m1 'terminating on signal|error:' "$log"))"
			fi
		elif [ "$rc" != 0 ] && [ -z "$rfail" ]; then
			rfail="exit $rc"
		fi
		if [ -s "$OUT/$name.dmesg.log" ]; then
			local k
			k=$(grep -E -m1 "$KPAT" "$OUT/$name.dmesg.log" | sed -E 's/^\[[ 0-9.]+\] //')
			[ -z "$k" ] || rfail+=${rfail:+$'\n'}"kernel: $k"
		fi
	fi
	if [ $two = 1 ]; then
		local tlog=$OUT/$name.two-boot.log
		: >"$tlog"
		# Two boots of at most 900 s each (ovl-two-boot.sh's vm-run -t).
		in_session 1900 "$tlog" "$TOP/scripts/ovl-two-boot.sh" "$VARIANT"
		rc=$?
		cat "$tlog" >>"$log"
		local f s
		f=$(sed -nE 's/^not ok [0-9]+ overlayfs (two-boot [^ ]+).*/\1/p' "$tlog")
		s=$(sed -nE 's/^ok [0-9]+ overlayfs (two-boot [^ ]+) # SKIP.*/\1/p' "$tlog")
		[ -n "$f" ] || [ "$rc" = 0 ] || f="two-boot (exit $rc)"
		rfail+=${f:+${rfail:+$'\n'}$f}
		rskip+=${s:+${rskip:+$'\n'}$s}
	fi
	rsecs=$((SECONDS - t0))
	[ -z "$rfail" ]
}

# The collections the selected mutants need.
declare -A colls=()
for f in "${mutants[@]}"; do
	t=$(hdr "$f" Tests)
	[ -n "$t" ] || fatal "$(basename "$f") has no Tests: line"
	for c in $t; do colls[$c]=1; done
done

log "building the unmutated kernel in ${O#"$TOP"/} (-j$MJOBS; the first build is cold)"
t0=$SECONDS
kbuild "$OUT/base.build.log" || {
	grep -E 'error|Error' -m 20 "$OUT/base.build.log" >&2
	fatal "the unmutated worktree does not build (build/mutants/base.build.log)"
}
log "built in $((SECONDS - t0)) s"
base_hash=$(image_hash)

# Sanity: the unmutated kernel passes each collection, one boot each.
# Cached by kernel image, test binaries and the scripts that run them.
tests_hash=$( (cd "$SELF" && find -L . -type f -print0 | sort -z | xargs -0 sha256sum; sha256sum "$TOP/scripts/run-selftests.sh" "$TOP/scripts/ovl-two-boot.sh") | sha256sum | cut -d' ' -f1)
declare -A c_time=() c_skip=()
for c in "${!colls[@]}"; do
	key=sanity-${c//\//_}
	stamp=$( (echo "$base_hash $tests_hash $c"; cat "$TOP/scripts/mutants.sh") | sha256sum | cut -d' ' -f1)
	if [ "$(cat "$OUT/$key.stamp" 2>/dev/null)" = "$stamp" ]; then
		c_time[$c]=$(cat "$OUT/$key.time")
		c_skip[$c]=$(cat "$OUT/$key.skip")
		log "sanity: $c passed before with this kernel and these tests (${c_time[$c]} s)"
		continue
	fi
	log "sanity: the unmutated kernel runs $c"
	if ! run_tests "$key" "${MUTANT_VM_TIMEOUT:-3600}" "$c" || [ -n "$rerror" ]; then
		rfail+=$rerror
		echo "sanity check failed: the unmutated kernel fails $c:" >&2
		sed 's/^/  /' <<<"$rfail" >&2
		echo "  (log: build/mutants/$key.test.log)" >&2
		fatal "aborted: the tests must pass on the unmutated kernel"
	fi
	c_time[$c]=$rsecs
	c_skip[$c]=$rskip
	echo "$rsecs" >"$OUT/$key.time"
	printf '%s' "$rskip" >"$OUT/$key.skip"
	echo "$stamp" >"$OUT/$key.stamp"
	log "sanity: $c passed in $rsecs s${rskip:+ (skipped: $(tr '\n' ' ' <<<"$rskip"))}"
done

killed=0 survived=0 errors=0
res=$OUT/results.tsv
printf 'mutant\tresult\tkilled by\trule\tbuild_s\ttest_s\n' >"$res"
summary=()
for f in "${mutants[@]}"; do
	name=$(basename "$f" .diff)
	rule=$(hdr "$f" Rule)
	s=$(hdr "$f" Tests | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
	echo
	echo "==== $name"
	echo "rule:   $rule"
	echo "tests:  ${s% } (expected killer: $(hdr "$f" Expect))"
	result='' by='' bsecs=0 tsecs=0
	# The verdict on the same mutant, kernel and tests is not redone.
	key=$( (cat "$f"; echo "$base_hash $tests_hash $s") | sha256sum | cut -d' ' -f1)
	if [ -z "${MUTANT_RETEST:-}" ] && [ "$(head -n1 "$OUT/$name.result" 2>/dev/null)" = "$key" ]; then
		IFS=$'\x1f' read -r result by bsecs tsecs < <(sed -n 2p "$OUT/$name.result")
		echo "(the verdict of an earlier run on this very mutant, kernel and tests; MUTANT_RETEST=1 redoes it)"
	fi
	[ -n "$result" ] || { rm -f "$OUT/$name.result"; revert; }
	if [ -n "$result" ]; then
		:
	elif ! git -C "$WT" apply --whitespace=nowarn "$f" 2>"$OUT/$name.apply.log"; then
		result=error by="does not apply: $(head -n1 "$OUT/$name.apply.log")"
	else
		t0=$SECONDS
		if ! kbuild "$OUT/$name.build.log"; then
			result=error by="does not build: $(grep -E -m1 'error' "$OUT/$name.build.log")"
		elif [ "$(image_hash)" = "$base_hash" ]; then
			result=error by="the kernel image is unchanged"
		fi
		bsecs=$((SECONDS - t0))
	fi
	[ -n "$result" ] || revert
	if [ -z "$result" ]; then
		# The VM timeout: 4 times what the collections took unmutated (TCG
		# slows down a lot when the machine is busy), plus 5 minutes.
		tmo=0 sskip=''
		for c in $s; do
			[ "$c" = two-boot ] || tmo=$((tmo + ${c_time[$c]}))
			sskip+=${c_skip[$c]}$'\n'
		done
		tmo=$((4 * tmo + 300))
		# shellcheck disable=SC2086 # $s is a list of collections
		run_tests "$name" "$tmo" $s
		tsecs=$rsecs
		[ -z "$rerror" ] || result=error by=$rerror
		# A test that passes unmutated but skips here counts as a kill.
		new_skip=$(comm -23 <(sort -u <<<"$rskip" | sed '/^$/d') <(sort -u <<<"$sskip" | sed '/^$/d') | sed 's/$/ (SKIP)/')
		rfail+=${new_skip:+${rfail:+$'\n'}$new_skip}
		if [ -n "$result" ]; then
			:
		elif [ -n "$rfail" ]; then
			result=killed by=$(awk 'NF && !seen[$0]++ { printf "%s%s", n++ ? ", " : "", $0 }' <<<"$rfail")
		else
			result=survived by=''
		fi
		[ "$result" = error ] || printf '%s\n%s\x1f%s\x1f%s\x1f%s\n' "$key" "$result" "$by" "$bsecs" "$tsecs" >"$OUT/$name.result"
	fi
	case $result in
	killed) killed=$((killed + 1)); echo "killed by: $by" ;;
	survived) survived=$((survived + 1)); echo "SURVIVED (every test passed)" ;;
	error) errors=$((errors + 1)); echo "ERROR: $by" ;;
	esac
	echo "time: build $bsecs s, tests $tsecs s"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$result" "$by" "$rule" "$bsecs" "$tsecs" >>"$res"
	summary+=("$(printf '%-36s %s' "$name" "$result${by:+: $by}")")
done
revert

echo
echo "#### mutants (build/mutants/results.tsv)"
printf '%s\n' "${summary[@]}"
if [ "$errors" -gt 0 ]; then
	echo "$killed killed, $survived survived, $errors errors"
else
	echo "$killed killed, $survived survived"
fi
[ "$survived" = 0 ] && [ "$errors" = 0 ]

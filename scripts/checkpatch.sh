#!/bin/bash
# Run checkpatch.pl --strict over every patch of patches/linux/series.
# An ERROR always fails. A WARNING or CHECK fails unless the patch's commit
# message justifies it by naming its checkpatch type (e.g. "checkpatch's
# FILE_PATH_CHANGES warning does not apply: ..."), as DEVELOPERS.md asks.
# Prints one KTAP line per patch and "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$LINUX/scripts/checkpatch.pl" ] || die "no build/linux: run 'make tree'"
mapfile -t patches < <(series)
pass=0 fail=0 n=0
echo "TAP version 13"
echo "1..${#patches[@]}"
# A patch that passed with this checkpatch.pl and this script passes again.
ok=$BUILD/checkpatch-ok
mkdir -p "$ok"
tool=$( (cat "$LINUX/scripts/checkpatch.pl" "$0") | sha256sum | cut -c1-16)
for p in "${patches[@]}"; do
	n=$((n + 1))
	key=$ok/$tool-$(sha256sum <"$PATCHES/$p" | cut -c1-32)
	if [ -f "$key" ]; then
		pass=$((pass + 1))
		echo "ok $n checkpatch $p # passed before, unchanged"
		continue
	fi
	# Debian's python3 first: checkpatch's SPDX check (spdxcheck.py) needs
	# python3-ply and python3-git, which another python3 on PATH may lack.
	out=$(cd "$LINUX" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict \
		--show-types --no-summary --color=never "$PATCHES/$p" 2>&1)
	# The commit message: everything before the first "---" line.
	msg=$(sed -n '/^Subject:/,/^---$/p' "$PATCHES/$p")
	bad=()
	while read -r level type; do
		[ -n "$level" ] || continue
		if [ "$level" = ERROR ] || ! grep -qw -- "$type" <<<"$msg"; then
			bad+=("$level:$type")
		fi
	done < <(sed -nE 's/^(ERROR|WARNING|CHECK):([A-Z0-9_]+):.*/\1 \2/p' <<<"$out")
	if [ ${#bad[@]} -eq 0 ]; then
		pass=$((pass + 1))
		: >"$key"
		echo "ok $n checkpatch $p"
	else
		fail=$((fail + 1))
		sed 's/^/# /' <<<"$out"
		echo "not ok $n checkpatch $p # unjustified: ${bad[*]}"
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

#!/bin/bash
# Run checkpatch.pl --strict over every patch of patches/linux/series.
# An ERROR always fails. A WARNING or CHECK fails unless the patch justifies
# it by naming its checkpatch type in its notes below the "---" line (e.g.
# "checkpatch: FILE_PATH_CHANGES: ..."; a git note of the commit, which
# 'make export' writes there), where reviewers read such remarks and git am
# drops them.
# Runs every time (no result is cached; it takes seconds). Prints one KTAP
# result per patch (scripts/ktap.sh) and "N passed, N failed, N skipped":
# a clean patch is not a passed test and counts nothing, a patch with an
# unjustified finding counts as a failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"

[ -x "$LINUX/scripts/checkpatch.pl" ] || die "no build/linux: run 'make tree'"
mapfile -t patches < <(series)
clean=0
ktap_begin ${#patches[@]}
for p in "${patches[@]}"; do
	# Debian's python3 first: checkpatch's SPDX check (spdxcheck.py) needs
	# python3-ply and python3-git, which another python3 on PATH may lack.
	out=$(cd "$LINUX" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict \
		--show-types --no-summary --color=never "$PATCHES/$p" 2>&1)
	msg=$(patch_notes "$PATCHES/$p")
	bad=()
	while read -r level type; do
		[ -n "$level" ] || continue
		if [ "$level" = ERROR ] || ! grep -qw -- "$type" <<<"$msg"; then
			bad+=("$level:$type")
		fi
	done < <(sed -nE 's/^(ERROR|WARNING|CHECK):([A-Z0-9_]+):.*/\1 \2/p' <<<"$out")
	if [ ${#bad[@]} -eq 0 ]; then
		clean=$((clean + 1))
		ktap_step_ok "checkpatch $p"
	else
		ktap_diag "$out"
		ktap_step_fail "checkpatch $p" "unjustified: ${bad[*]}"
	fi
done
ktap_diag "checkpatch --strict: $clean of ${#patches[@]} patches clean"
ktap_end

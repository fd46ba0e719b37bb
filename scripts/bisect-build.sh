#!/bin/bash
# Check that every prefix of the series builds: for each patch k, check out
# the tree at patch k in a separate worktree (build/linux-bisect, so the main
# tree's timestamps never change) and build, with the release config, every
# kernel object the series touches and every selftest collection it touches.
# The full kernel at the tip is built by build-kernel.sh. A successful run is
# remembered per (series, config), a build cache: an unchanged re-run builds
# nothing. Prints one KTAP result per patch (scripts/ktap.sh) and
# "N passed, N failed, N skipped": a prefix that builds is not a passed test
# and counts nothing, one that does not build counts as a failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"

WT=$BUILD/linux-bisect
O=$BUILD/kernel-bisect
REL=$(objdir release)
[ -f "$REL/.config" ] || die "no release config: run scripts/build-kernel.sh release first"
mapfile -t patches < <(series)
commits=($(git -C "$LINUX" rev-list --reverse base..HEAD))
[ ${#commits[@]} = ${#patches[@]} ] || die "build/linux does not hold patches/linux/series: run 'make tree'"

key=$( (patches_stamp; cat "$REL/.config") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$O/.ok" 2>/dev/null)" = "$key" ]; then
	ktap_begin ${#patches[@]}
	ktap_diag "bisect build: series and config unchanged since the last successful run"
	for p in "${patches[@]}"; do
		ktap_step_ok "bisect build $p" "built before with this series and config"
	done
	ktap_end
	exit
fi

# Kernel objects (.c under the kernel, not tools/) and selftest dirs touched.
objs=$(git -C "$LINUX" diff --name-only base HEAD -- '*.c' ':!tools' ':!Documentation' |
	sed 's/\.c$/.o/' | sort -u)
tests=$(git -C "$LINUX" diff --name-only base HEAD -- tools/testing/selftests |
	sed -E 's|tools/testing/selftests/(.*)/[^/]+$|\1|' | sort -u)

if [ ! -d "$WT/.git" ] && [ ! -f "$WT/.git" ]; then
	git -C "$LINUX" worktree prune
	git -C "$LINUX" worktree add -q --detach "$WT" base || die "cannot create $WT"
fi
mkdir -p "$O"
cmp -s "$REL/.config" "$O/.config" || cp "$REL/.config" "$O/.config"

n=0
ktap_begin ${#patches[@]}
for c in "${commits[@]}"; do
	n=$((n + 1))
	p=${patches[$((n - 1))]}
	git -C "$WT" checkout -q --detach "$c" || die "cannot check out $c"
	log=$O/patch-$n.log
	ok=1
	# Objects that do not exist yet at this prefix are skipped.
	present=()
	for o in $objs; do
		[ -f "$WT/${o%.o}.c" ] && present+=("$o")
	done
	{
		make -s -C "$WT" O="$O" CC="ccache gcc" HOSTCC="ccache gcc" -j"$JOBS" \
			olddefconfig "${present[@]}" headers
	} >"$log" 2>&1 || ok=0
	# New code must also build without compiler warnings.
	grep -q 'warning:' "$log" && ok=0
	for t in $tests; do
		[ "$ok" = 1 ] || break
		d=$WT/tools/testing/selftests/$t
		[ -f "$d/Makefile" ] || continue
		mkdir -p "$O/kselftest/$t"
		make -s -C "$d" OUTPUT="$O/kselftest/$t" KHDR_INCLUDES="-isystem $O/usr/include" \
			>>"$log" 2>&1 || ok=0
	done
	if [ "$ok" = 1 ]; then
		ktap_step_ok "bisect build $p"
	else
		ktap_diag "$(grep -E 'error|Error|warning' "$log" | head -20)"
		ktap_step_fail "bisect build $p" "does not build at this point of the series (log: ${log#"$TOP"/})"
	fi
done
[ "$KTAP_FAIL" = 0 ] && echo "$key" >"$O/.ok"
ktap_end

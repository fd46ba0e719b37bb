#!/bin/bash
# The fast compile check of the series under Debian's own config, for make
# check (the full build is scripts/build-kernel-debian.sh, too slow for it).
# In build/kernel-debian-check, with Debian's config and config/debian-*.config
# (scripts/debian-config.sh):
#   1. modules_prepare
#   2. every built-in kernel object the series touches (as in the bisect
#      build: fs/namespace.o, fs/pnode.o, fs/super.o, ...); a compiler
#      warning fails
#   3. fs/overlayfs as a module, built the way an out-of-tree module is
#      (a copy of the directory, M=), so that modpost runs and checks every
#      symbol the module uses against what vmlinux exports: the exports of
#      Debian's own kernel of the same version (the Module.symvers of its
#      linux-headers-6.1.0-N-cloud-amd64 package), with those of the
#      touched built-in objects as built here in their place. A call from
#      overlayfs to a function that is not exported fails here. (Building
#      vmlinux itself for its Module.symvers would cost the full build.)
#
# usage: debian-compile-check.sh [SRC]
#   SRC: a kernel tree other than build/linux (its own object dir
#        build/kernel-debian-check-NAME), e.g. a clone with a deliberate break
# Exit status 0 when everything builds; the log is in the object dir.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ $# -gt 0 ]; then
	LINUX=$(cd "$1" && pwd)
	O=$BUILD/kernel-debian-check-$(basename "$LINUX")
else
	O=$BUILD/kernel-debian-check
fi
. "$TOP/scripts/debian-config.sh"

main() {
	local start=$SECONDS log=$O/check.log objs=() ovl=0 o f sym ext
	[ -d "$LINUX/.git" ] || die "no kernel tree in $LINUX"
	debian_config "$O-kconfig"
	mkdir -p "$O"
	cmp -s "$DEBIAN_KCONFIG" "$O/.config" || cp "$DEBIAN_KCONFIG" "$O/.config"
	: >"$log"

	# The kernel objects the series touches, as in the bisect build (and any
	# uncommitted change); fs/overlayfs is built as a module below.
	while read -r o; do
		case $o in
		fs/overlayfs/*) ovl=1 ;;
		*) objs+=("$o") ;;
		esac
	done < <(git -C "$LINUX" diff --name-only base -- '*.c' ':!tools' ':!Documentation' | sed 's/\.c$/.o/' | sort -u)

	log "Debian config: modules_prepare and ${#objs[@]} touched objects (${objs[*]}) in ${O#"$TOP"/}"
	nice -n 5 "${DEBIAN_MAKE[@]}" O="$O" -j"$DEBIAN_JOBS" olddefconfig modules_prepare "${objs[@]}" >>"$log" 2>&1 || {
		grep -E 'error|Error' -m 30 "$log" >&2 || tail -30 "$log" >&2
		die "the touched objects do not build with Debian's config (log: ${log#"$TOP"/})"
	}
	if grep -E 'warning:' "$log" >&2; then
		die "compiler warnings in the touched objects with Debian's config (log: ${log#"$TOP"/})"
	fi

	# What vmlinux exports: Debian's list, the touched built-in objects'
	# own exports in place of theirs (EXPORT_SYMBOL puts each in a section
	# ___ksymtab[_gpl]+NAME; with MODVERSIONS kbuild writes its CRC into
	# the object's .cmd file as "#SYMVER NAME 0xCRC").
	local symvers ours=$O/.touched.symvers cmd
	symvers=$(debian_symvers)
	: >"$ours"
	for o in "${objs[@]}"; do
		f=$O/$o
		cmd=$(dirname "$f")/.$(basename "$f").cmd
		{ readelf -SW "$f" | grep -oE '(^|[[:space:]])___ksymtab(_gpl)?\+[A-Za-z0-9_]+' || true; } |
			sed 's/^[[:space:]]*//' | sort -u | while IFS=+ read -r sec sym; do
			printf '%s\t%s\tvmlinux\t%s\t\n' \
				"$(awk -v s="$sym" '$1 == "#SYMVER" && $2 == s { print $3 }' "$cmd")" "$sym" \
				"$([ "$sec" = ___ksymtab_gpl ] && echo EXPORT_SYMBOL_GPL || echo EXPORT_SYMBOL)"
		done >>"$ours"
	done
	awk -F'\t' 'NR == FNR { ours[$2] = 1; print; next } !($2 in ours)' "$ours" "$symvers" >"$O/Module.symvers.new"
	cmp -s "$O/Module.symvers.new" "$O/Module.symvers" || mv "$O/Module.symvers.new" "$O/Module.symvers"
	rm -f "$O/Module.symvers.new"

	if [ "$ovl" = 1 ]; then
		grep -qx 'CONFIG_OVERLAY_FS=m' "$O/.config" || die "overlayfs is not a module in Debian's config"
		ext=$O/ext/overlayfs
		mkdir -p "$ext"
		# -c: only what changed is copied, so that only that is rebuilt.
		rsync -rc --delete --exclude='*.o' --exclude='.*' --exclude='*.ko' --exclude='*.mod*' \
			--exclude=Module.symvers --exclude=modules.order "$LINUX/fs/overlayfs/" "$ext/"
		log "Debian config: fs/overlayfs as a module, modpost against $(basename "$(dirname "$symvers")")'s exports ($(cat "$(dirname "$symvers")/symvers-package"))"
		nice -n 5 "${DEBIAN_MAKE[@]}" O="$O" M="$ext" -j"$DEBIAN_JOBS" modules >>"$log" 2>&1 || {
			grep -E 'error|ERROR|Error' -m 30 "$log" >&2 || tail -30 "$log" >&2
			die "fs/overlayfs does not build as a module with Debian's config (log: ${log#"$TOP"/})"
		}
		if grep -E 'warning:|WARNING:' "$log" >&2; then
			die "warnings building fs/overlayfs as a module with Debian's config (log: ${log#"$TOP"/})"
		fi
		[ -f "$ext/overlay.ko" ] || die "no overlay.ko was built"
	fi
	log "Debian-config compile check passed ($((SECONDS - start)) s)"
}

main "$@"; exit

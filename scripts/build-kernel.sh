#!/bin/bash
# Build a kernel variant (release or debug) of build/linux out of tree in
# build/kernel-VARIANT: tinyconfig + config/base.config (+ config/debug.config),
# bzImage and the exported UAPI headers. Unchanged inputs rebuild nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-release}
case $variant in
release) frags=("$TOP/config/base.config") ;;
debug) frags=("$TOP/config/base.config" "$TOP/config/debug.config") ;;
*) die "unknown variant '$variant' (release or debug)" ;;
esac
O=$(objdir "$variant")
K=$BUILD/kconfig-$variant

# Nothing to do when the tree is clean at the commit of the last build and the
# config fragments are the same: this saves kbuild's walk of the whole tree.
stamp=
if [ -z "$(git -C "$LINUX" status --porcelain --untracked-files=no)" ]; then
	stamp=$( (git -C "$LINUX" rev-parse HEAD; cat "${frags[@]}" "$0") | sha256sum | cut -d' ' -f1)
	if [ -f "$O/arch/x86/boot/bzImage" ] && [ "$(cat "$O/.mb-built" 2>/dev/null)" = "$stamp" ]; then
		log "$variant kernel up to date: ${O#"$TOP"/}/arch/x86/boot/bzImage"
		exit 0
	fi
fi
rm -f "$O/.mb-built"
MAKE=(make -s -C "$LINUX" CC="ccache gcc" HOSTCC="ccache gcc")
mkdir -p "$O" "$K"

# Generate the config in a scratch dir and only replace the real one when it
# differs: touching .config would make kbuild re-run syncconfig.
"${MAKE[@]}" O="$K" tinyconfig >/dev/null
"$LINUX/scripts/kconfig/merge_config.sh" -m -O "$K" "$K/.config" "${frags[@]}" >/dev/null 2>&1
"${MAKE[@]}" O="$K" olddefconfig >/dev/null 2>&1

# Every option the fragments ask for must have survived olddefconfig.
config_check "$K/.config" "${frags[@]}" ||
	die "the $variant config does not match config/ (missing dependencies?)"

cmp -s "$K/.config" "$O/.config" || cp "$K/.config" "$O/.config"

log "building $variant kernel in ${O#"$TOP"/}"
start=$SECONDS
"${MAKE[@]}" O="$O" -j"$JOBS" olddefconfig bzImage >"$O/build.log" 2>&1 || {
	grep -E 'error|Error' -m 30 "$O/build.log" >&2 || tail -30 "$O/build.log" >&2
	die "the $variant kernel does not build (full log: ${O#"$TOP"/}/build.log)"
}
"${MAKE[@]}" O="$O" headers >>"$O/build.log" 2>&1 || die "make headers failed"
[ -z "$stamp" ] || echo "$stamp" >"$O/.mb-built"
log "$variant kernel ready: ${O#"$TOP"/}/arch/x86/boot/bzImage ($((SECONDS - start)) s)"

#!/bin/bash
# Unpack the packages of the last Debian-config build (build/deb: the
# linux-image package of build-kernel-debian.sh --deb, and the util-linux
# packages when there are any) into a throw-away root, build/debian-root
# (dpkg -x): never the build machine's /boot or /lib/modules. vm-run.sh -v
# debian boots that root's vmlinuz with its modules.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROOT=$BUILD/debian-root
rel=$("$TOP/scripts/build-kernel-debian.sh" --release)
img=("$BUILD"/deb/linux-image-"$rel"_*.deb)
[ -f "${img[0]}" ] || die "no linux-image-$rel package in build/deb: run scripts/build-kernel-debian.sh --deb"
debs=("${img[0]}")
for f in "$BUILD"/deb/*.deb; do
	case ${f##*/} in
	linux-*) ;;
	*) [ -f "$f" ] && debs+=("$f") ;;
	esac
done
rm -rf "$ROOT.new" "$ROOT"
mkdir -p "$ROOT.new"
for f in "${debs[@]}"; do
	log "dpkg -x ${f#"$TOP"/} ($(du -h "$f" | cut -f1))"
	dpkg -x "$f" "$ROOT.new"
done
[ -f "$ROOT.new/boot/vmlinuz-$rel" ] || die "no boot/vmlinuz-$rel in the package"
[ -f "$ROOT.new/lib/modules/$rel/kernel/fs/overlayfs/overlay.ko" ] || die "no overlay.ko in the package"
[ -f "$ROOT.new/lib/modules/$rel/modules.dep" ] || depmod -b "$ROOT.new" "$rel"
mv "$ROOT.new" "$ROOT"
log "installed $rel into ${ROOT#"$TOP"/}: $(find "$ROOT/lib/modules/$rel" -name '*.ko' | wc -l) modules"

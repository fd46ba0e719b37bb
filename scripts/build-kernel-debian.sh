#!/bin/bash
# Build build/linux with Debian's own kernel config: config.amd64_none_cloud-amd64
# from the package linux-config-6.1 (the version of linux-source-6.1 the tree
# was made from), plus config/debian-local.config (what a local build needs: our
# own release string, no Debian signing key, no debug info) and
# config/debian-vm.config (9p as modules, for virtme-ng). Out of tree in
# build/kernel-debian with ccache, -j2 and nice (the machine is shared).
#
#   build-kernel-debian.sh          bzImage and modules (make kernel-debian)
#   build-kernel-debian.sh --deb    also linux-image and linux-headers packages
#                                   (bindeb-pkg) in build/deb (make deb-kernel)
#   build-kernel-debian.sh --config only write the config to build/kconfig-debian
#   build-kernel-debian.sh --release print the kernel release of the last build
#
# Unchanged inputs rebuild nothing. The time of each build is appended to
# build/kernel-debian/build-times.txt.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/debian-config.sh"

# repack DEB [CONTROL_FILTER...]: unpack DEB, pass DEBIAN/control through
# the filter command if given, and build it again, xz-compressed.
repack() {
	local deb=$1 t
	shift
	t=$(mktemp -d "$BUILD/.repack.XXXXXX")
	dpkg-deb -R "$deb" "$t/p"
	if [ $# -gt 0 ]; then
		"$@" <"$t/p/DEBIAN/control" >"$t/control"
		mv "$t/control" "$t/p/DEBIAN/control"
	fi
	nice -n 5 dpkg-deb --root-owner-group -Zxz -b "$t/p" "$deb" >/dev/null
	rm -rf "$t"
}

# describe_image DEB RELEASE PKGVERSION
describe_image() {
	local n base
	n=$(series | wc -l)
	base=$(debian_base_version)
	DESC="Linux $2, Debian's 6.1 with MOVE_MOUNT_BENEATH
 Debian 12's Linux $base (linux-source-6.1) with $n patches: move_mount(2)
 MOVE_MOUNT_BENEATH and reusable volatile overlayfs mounts. Built with
 Debian's own config, config.$DEBIAN_FLAVOUR of linux-config-6.1 $base,
 and only what a local build needs: its own release string $2 (the
 series changes struct super_block, so it is not ABI-compatible with
 Debian's $base kernels: out-of-tree and DKMS modules are rebuilt against
 linux-headers-$2), modules signed with a key made at build time, no debug
 info.
 .
 The only deviation from Debian's config: 9p (NET_9P, NET_9P_VIRTIO, 9P_FS)
 as modules, for virtme-ng's root file system (config/debian-vm.config).
 .
 This package contains the Linux kernel, modules and corresponding other
 files, version: $2." repack "$1" awk '
		/^Description:/ { n = split(ENVIRON["DESC"], l, "\n"); print "Description: " l[1]
			for (i = 2; i <= n; i++) print l[i]; skip = 1; next }
		skip && /^ / { next }
		{ skip = 0; print }'
}

main() {
	local mode=${1:-kernel}
	case $mode in
	kernel | --kernel) mode=kernel ;;
	--deb) mode=deb ;;
	--config) mode=config ;;
	--release) mode=release ;;
	*) die "usage: $0 [--deb|--config|--release]" ;;
	esac
	local O=$BUILD/kernel-debian
	if [ "$mode" = release ]; then
		[ -f "$O/include/config/kernel.release" ] || die "no Debian-config kernel built in ${O#"$TOP"/}"
		cat "$O/include/config/kernel.release"
		return 0
	fi
	debian_config "$BUILD/kconfig-debian"
	[ "$mode" != config ] || { log "config: ${DEBIAN_KCONFIG#"$TOP"/}"; return 0; }

	mkdir -p "$O"
	cmp -s "$DEBIAN_KCONFIG" "$O/.config" || cp "$DEBIAN_KCONFIG" "$O/.config"

	# Nothing to do when the tree is clean at the commit of the last build
	# and the config is the same (saves kbuild's walk of the whole tree).
	local stamp='' release
	if [ -z "$(git -C "$LINUX" status --porcelain --untracked-files=no)" ]; then
		stamp=$( (git -C "$LINUX" rev-parse HEAD; cat "$O/.config" "$0" "$TOP/scripts/debian-config.sh") |
			sha256sum | cut -d' ' -f1)
	fi
	if [ -n "$stamp" ] && [ -f "$O/arch/x86/boot/bzImage" ] && [ "$(cat "$O/.mb-built" 2>/dev/null)" = "$stamp" ]; then
		log "debian kernel up to date: ${O#"$TOP"/}/arch/x86/boot/bzImage"
	else
		rm -f "$O/.mb-built"
		log "building the Debian-config kernel in ${O#"$TOP"/} (-j$DEBIAN_JOBS; log: ${O#"$TOP"/}/build.log)"
		local start=$SECONDS
		: >"$O/build.log"
		# The kernel first, then the modules: a bootable kernel is there
		# half-way (modules can then be built one by one for a quick boot).
		local t
		for t in bzImage modules; do
			nice -n 5 "${DEBIAN_MAKE[@]}" O="$O" -j"$DEBIAN_JOBS" olddefconfig "$t" >>"$O/build.log" 2>&1 || {
				grep -E 'error|Error' -m 30 "$O/build.log" >&2 || tail -30 "$O/build.log" >&2
				die "the Debian-config kernel does not build (full log: ${O#"$TOP"/}/build.log)"
			}
			log "$t done ($((SECONDS - start)) s)"
		done
		release=$("${DEBIAN_MAKE[@]}" O="$O" -s kernelrelease)
		echo "$(date -u +%FT%TZ) $(git -C "$LINUX" rev-parse --short HEAD) $release bzImage+modules $((SECONDS - start)) s" \
			>>"$O/build-times.txt"
		[ -z "$stamp" ] || echo "$stamp" >"$O/.mb-built"
		log "Debian-config kernel $release ready ($((SECONDS - start)) s)"
	fi
	release=$("${DEBIAN_MAKE[@]}" O="$O" -s kernelrelease)
	case $release in
	*+beneath*) ;;
	*) die "kernel release '$release' is not ours (config/debian-local.config sets the suffix)" ;;
	esac
	[ "$mode" = deb ] || return 0

	# bindeb-pkg writes the packages next to the object dir (build/) and its
	# work files to build/kernel-debian/debian; move the packages to build/deb.
	local D=$BUILD/deb pkgver
	pkgver=$(debian_pkg_version)
	if ls "$D"/linux-image-"$release"_"$pkgver"_*.deb >/dev/null 2>&1 &&
		[ -n "$stamp" ] && [ "$(cat "$D/.mb-kernel" 2>/dev/null)" = "$stamp" ]; then
		log "kernel packages up to date in ${D#"$TOP"/}"
		return 0
	fi
	mkdir -p "$D"
	rm -f "$D"/linux-image-*.deb "$D"/linux-headers-*.deb "$D"/linux-libc-dev_*.deb "$D/.mb-kernel"
	rm -f "$BUILD"/linux-*_"$pkgver"_*.deb "$BUILD"/linux-*_"$pkgver"_*.buildinfo "$BUILD"/linux-*_"$pkgver"_*.changes
	log "packaging $release (bindeb-pkg)"
	local start=$SECONDS
	# Uncompressed here: the image package is compressed once, below.
	nice -n 5 "${DEBIAN_MAKE[@]}" O="$O" -j"$DEBIAN_JOBS" KDEB_PKGVERSION="$pkgver" \
		KDEB_SOURCENAME=linux-beneath KDEB_COMPRESS=none \
		DPKG_FLAGS=-d bindeb-pkg >"$O/deb.log" 2>&1 || {
		tail -30 "$O/deb.log" >&2
		die "bindeb-pkg failed (full log: ${O#"$TOP"/}/deb.log)"
	}
	# The image package's description says what it is and names its only
	# deviation from Debian's config (config/debian-vm.config).
	local img=("$BUILD"/linux-image-"$release"_"$pkgver"_*.deb) hdr=("$BUILD"/linux-headers-"$release"_"$pkgver"_*.deb)
	if [ ! -f "${img[0]}" ] || [ ! -f "${hdr[0]}" ]; then
		die "bindeb-pkg made no linux-image/linux-headers package for $release"
	fi
	describe_image "${img[0]}" "$release" "$pkgver" >>"$O/deb.log" 2>&1 || die "cannot rewrite the description of ${img[0]}"
	repack "${hdr[0]}" >>"$O/deb.log" 2>&1 || die "cannot compress ${hdr[0]}"
	echo "$(date -u +%FT%TZ) $(git -C "$LINUX" rev-parse --short HEAD) $release bindeb-pkg $((SECONDS - start)) s" \
		>>"$O/build-times.txt"
	# linux-libc-dev is the UAPI headers: not something a user needs here.
	mv "$BUILD"/linux-image-"$release"_"$pkgver"_*.deb "$BUILD"/linux-headers-"$release"_"$pkgver"_*.deb "$D"/
	rm -f "$BUILD"/linux-*_"$pkgver"_*.deb "$BUILD"/linux-*_"$pkgver"_*.buildinfo "$BUILD"/linux-*_"$pkgver"_*.changes
	[ -z "$stamp" ] || echo "$stamp" >"$D/.mb-kernel"
	log "kernel packages in ${D#"$TOP"/} ($((SECONDS - start)) s):"
	ls -l "$D"/linux-image-*.deb "$D"/linux-headers-*.deb >&2
}

main "$@"; exit

# Debian's own kernel config for build/linux, shared by build-kernel-debian.sh
# and debian-compile-check.sh. Source it after lib.sh; do not run it.
# shellcheck shell=bash

DEBIAN_FLAVOUR=amd64_none_cloud-amd64
DEBIAN_FRAGS=("$TOP/config/debian-local.config" "$TOP/config/debian-vm.config")
# The machine is shared: never more than two jobs for the big build.
DEBIAN_JOBS=${DEBIAN_JOBS:-2}
# LOCALVERSION= (set, empty): kbuild adds no "+" for a git tree, so the
# release is exactly 6.1.Y plus CONFIG_LOCALVERSION of debian-local.config.
# shellcheck disable=SC2034 # used by the scripts that source this
DEBIAN_MAKE=(make -C "$LINUX" CC="ccache gcc" HOSTCC="ccache gcc" LOCALVERSION=)
export LOCALVERSION=

# The Debian version of linux-source-6.1 the tree was made from.
debian_base_version() {
	cat "$LINUX/.git/mb-base-version" 2>/dev/null || base_version
}

# The package version of our kernel packages: Debian's, plus our suffix.
debian_pkg_version() { echo "$(debian_base_version)+beneath1"; }

# Debian's config file (xz) for the flavour, from linux-config-6.1 of the
# same version as the tree: the installed package when it matches, else that
# version downloaded with apt-get and unpacked into build/debian-config/.
debian_config_file() {
	local ver f d
	ver=$(debian_base_version)
	f=/usr/src/linux-config-6.1/config.$DEBIAN_FLAVOUR.xz
	if [ -f "$f" ] && [ "$(dpkg-query -W -f='${Version}' linux-config-6.1 2>/dev/null)" = "$ver" ]; then
		echo "$f"
		return
	fi
	d=$BUILD/debian-config/$ver
	f=$d/usr/src/linux-config-6.1/config.$DEBIAN_FLAVOUR.xz
	if [ ! -f "$f" ]; then
		mkdir -p "$d"
		(cd "$d" && apt-get download -q "linux-config-6.1=$ver" >&2) ||
			die "linux-config-6.1 $ver (the version of the tree) is not available from apt"
		dpkg-deb -x "$d"/linux-config-6.1_*.deb "$d"
	fi
	echo "$f"
}

# debian_config DIR: write Debian's config merged with DEBIAN_FRAGS to
# DIR/.config (olddefconfig), checking that every option the fragments ask
# for survived. Sets DEBIAN_KCONFIG. The file is only replaced when it
# changes (kbuild would otherwise re-run syncconfig).
debian_config() {
	local K=$1 W=$1/work src stamp
	src=$(debian_config_file)
	# The same Debian config, fragments and tree give the same config.
	stamp=$( (cat "$src" "${DEBIAN_FRAGS[@]}"; git -C "$LINUX" rev-parse HEAD
		git -C "$LINUX" status --porcelain --untracked-files=no) | sha256sum | cut -d' ' -f1)
	if [ -f "$K/.config" ] && [ "$(cat "$K/.stamp" 2>/dev/null)" = "$stamp" ]; then
		# shellcheck disable=SC2034 # for the caller
		DEBIAN_KCONFIG=$K/.config
		return 0
	fi
	rm -f "$K/.stamp"
	mkdir -p "$W"
	xz -dc "$src" >"$W/debian.config"
	"$LINUX/scripts/kconfig/merge_config.sh" -m -O "$W" "$W/debian.config" "${DEBIAN_FRAGS[@]}" >/dev/null 2>&1 ||
		die "merge_config.sh failed"
	make -s -C "$LINUX" O="$W" HOSTCC="ccache gcc" olddefconfig >/dev/null 2>&1 ||
		die "olddefconfig failed on Debian's config"
	config_check "$W/.config" "${DEBIAN_FRAGS[@]}" ||
		die "the Debian config does not match config/debian-*.config"
	cmp -s "$W/.config" "$K/.config" || cp "$W/.config" "$K/.config"
	echo "$stamp" >"$K/.stamp"
	# shellcheck disable=SC2034 # for the caller
	DEBIAN_KCONFIG=$K/.config
}

# Module.symvers of Debian's own kernel of the tree's version (the package
# linux-headers-6.1.0-N-cloud-amd64 whose version is the tree's), downloaded
# with apt-get into build/debian-config/VERSION/: what vmlinux exports under
# Debian's config, for the compile check's modpost.
debian_symvers() {
	local ver d f pkg
	ver=$(debian_base_version)
	d=$BUILD/debian-config/$ver
	f=$d/Module.symvers
	if [ ! -s "$f" ]; then
		mkdir -p "$d"
		pkg=$(apt-cache search --names-only '^linux-headers-6\.1\.0-[0-9]+-cloud-amd64$' |
			cut -d' ' -f1 | sort -rV | while read -r p; do
				if [ "$(apt-cache show --no-all-versions "$p" 2>/dev/null | sed -n 's/^Version: //p')" = "$ver" ]; then
					echo "$p"
					break
				fi
			done)
		[ -n "$pkg" ] || die "no linux-headers-6.1.0-N-cloud-amd64 of version $ver in apt (apt-get update?)"
		(cd "$d" && rm -f linux-headers-*.deb && apt-get download -q "$pkg=$ver" >&2) ||
			die "cannot download $pkg $ver"
		dpkg-deb --fsys-tarfile "$d/${pkg}_"*.deb |
			tar -xO "./usr/src/$pkg/Module.symvers" >"$f.tmp" ||
			die "no Module.symvers in $pkg"
		echo "$pkg" >"$d/symvers-package"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

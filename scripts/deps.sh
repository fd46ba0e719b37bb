#!/bin/bash
# Install what the harness needs: Debian packages and virtme-ng from PyPI.
# Idempotent: when everything is present it returns in well under a second.
set -euo pipefail

VIRTME_NG_VERSION=1.42

PKGS=(
	build-essential flex bison bc libelf-dev libssl-dev cpio kmod rsync
	ccache xz-utils git pkg-config
	linux-source-6.1 linux-config-6.1 fakeroot
	qemu-system-x86 udev busybox-static
	liburing-dev libmount-dev libcap-dev
	erofs-utils dmsetup e2fsprogs util-linux
	dpkg-dev gnuplot-nox attr
	python3-ply python3-git
	autoconf automake libtool autopoint gettext
)

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=()
status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PKGS[@]}" 2>/dev/null || true)
for p in "${PKGS[@]}"; do
	grep -q "^$p ii" <<<"$status" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v vng >/dev/null 2>&1 ||
   [ "$(python3 -m pip show virtme-ng 2>/dev/null | sed -n 's/^Version: //p')" != "$VIRTME_NG_VERSION" ]; then
	echo "deps: installing virtme-ng==$VIRTME_NG_VERSION from PyPI"
	python3 -m pip install -q "virtme-ng==$VIRTME_NG_VERSION"
	command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi

# deps.sh deb: also what make deb-util-linux needs: Debian's packaging tools
# and util-linux's build dependencies (from its source package).
if [ "${1:-}" = deb ]; then
	deb_pkgs=(devscripts quilt fakeroot equivs)
	missing=()
	status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${deb_pkgs[@]}" 2>/dev/null || true)
	for p in "${deb_pkgs[@]}"; do
		grep -q "^$p ii" <<<"$status" || missing+=("$p")
	done
	export DEBIAN_FRONTEND=noninteractive
	if [ ${#missing[@]} -gt 0 ]; then
		echo "deps: installing Debian packages: ${missing[*]}"
		$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	"$(dirname "$0")/deb-src.sh"
	if apt-get build-dep -s util-linux 2>/dev/null | grep -q '^Inst '; then
		echo "deps: installing the build dependencies of util-linux"
		$SUDO apt-get build-dep -y -qq util-linux >/dev/null
	fi
fi

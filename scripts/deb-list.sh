#!/bin/bash
# What to install on this machine from make deb's packages, for
#   sudo apt install $(scripts/deb-list.sh)
# build/deb/*.deb (the kernel, and the util-linux packages every Debian 12
# system has), plus those of build/deb/extra (-dev packages, optional tools,
# debug symbols) whose package is installed here now: they are built from
# the same source, and the -dev packages depend on their library's exact
# version, so leaving Debian's installed would make apt remove them and
# what depends on them. Prints one path per line; nothing is installed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
D=$BUILD/deb
ls "$D"/*.deb >/dev/null 2>&1 || die "no packages in ${D#"$TOP"/}: run make deb"
for f in "$D"/*.deb "$D"/extra/*.deb; do
	[ -f "$f" ] || continue
	if [ "${f%/*}" = "$D/extra" ]; then
		pkg=$(dpkg-deb -f "$f" Package)
		[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null)" = "ii " ] || continue
	fi
	case $f in
	"$PWD"/*) echo "./${f#"$PWD"/}" ;;
	*) echo "$f" ;;
	esac
done

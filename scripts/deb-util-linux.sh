#!/bin/bash
# make deb-util-linux: Debian's util-linux source package (the version in
# build/util-linux's base, 2.38.1-5+deb12u3) with the patches/util-linux
# series added to its debian/patches (quilt), a changelog entry whose
# version sorts above Debian's (VERSION+beneathN, BENEATH_REV, default 1),
# built with dpkg-buildpackage -b -us -uc and the package's own tests off
# (DEB_BUILD_OPTIONS=nocheck). The .deb files land in build/deb/ (those a
# Debian 12 system has: see below) and build/deb/extra/ (older .debs of the
# same packages there are removed, nothing else), with the
# log in build/deb/util-linux-build.log and the version, series and build
# time in build/deb/util-linux-BUILD-INFO.
#
# Nothing is installed on this machine: scripts/check-deb-util-linux.sh
# tests the packages in a throw-away root in the VM.
#
# Build dependencies come from 'scripts/deps.sh deb' (apt-get build-dep).
# The build runs under nice with DEB_BUILD_OPTIONS parallel=$UL_JOBS (2).
# Unchanged inputs (version, series, this script) rebuild nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

project util-linux
UL_JOBS=${UL_JOBS:-2}
REV=${BENEATH_REV:-1}
WORK=$BUILD/deb-util-linux
OUT=$BUILD/deb

"$TOP/scripts/deps.sh" deb
base=$(cat "$SRC/.git/mb-base-version" 2>/dev/null || base_version)
version="$base+beneath$REV"
dpkg --compare-versions "$version" gt "$base" || die "$version does not sort above $base"

mapfile -t patches < <(series)
[ ${#patches[@]} -gt 0 ] || die "no patches in patches/util-linux/series"

# Nothing to do when the packages of this version were built from the same
# series by this script (a build cache, like the kernel's).
stamp=$( (echo "$version"; cat "$PATCHES/series"; for p in "${patches[@]}"; do cat "$PATCHES/$p"; done; cat "$0") |
	sha256sum | cut -d' ' -f1)
if [ "$(cat "$OUT/.mb-util-linux" 2>/dev/null)" = "$stamp" ] &&
	ls "$OUT"/mount_"$version"_*.deb "$OUT"/libmount1_"$version"_*.deb "$OUT"/extra/libmount-dev_"$version"_*.deb >/dev/null 2>&1; then
	log "deb: util-linux $version packages up to date in build/deb/"
	exit 0
fi
rm -f "$OUT/.mb-util-linux"

log "deb: apt-get source util-linux=$base into ${WORK#"$TOP"/}"
rm -rf "$WORK"
mkdir -p "$WORK"
(cd "$WORK" && apt-get source -qq "util-linux=$base" >/dev/null) ||
	die "apt-get source util-linux=$base failed"
d=$(find "$WORK" -mindepth 1 -maxdepth 1 -type d -name 'util-linux-*')
[ -d "$d/debian/patches" ] || die "no debian/patches in the source package"

# The series goes after Debian's own patches, which it is based on
# (apt-get source has applied them), under a directory of its own.
mkdir -p "$d/debian/patches/beneath"
for p in "${patches[@]}"; do
	cp "$PATCHES/$p" "$d/debian/patches/beneath/$p"
	echo "beneath/$p" >>"$d/debian/patches/series"
done
log "deb: ${#patches[@]} patches added to debian/patches/series"
(cd "$d" && QUILT_PATCHES=debian/patches quilt push -a -q) >"$WORK/quilt.log" 2>&1 ||
	{ cat "$WORK/quilt.log" >&2; die "the series does not apply to the source package (quilt push)"; }

# The version nodes the series adds to libmount.sym (MOUNT_2_42), and their
# symbols, go into debian/libmount1.symbols at this version: what
# dpkg-gensymbols would otherwise add with a warning, written down as a
# Debian maintainer would.
syms=$(awk -v ver="$version" '
	FNR == NR { if ($1 ~ /^MOUNT_[0-9_.]+@/) { sub(/@.*/, "", $1); known[$1] = 1 }; next }
	/^MOUNT_[0-9_.]+ *\{/ { node = $1; sub(/ *\{.*/, "", node); if (!(node in known)) { new = 1; print " " node "@" node " " ver }; next }
	/^}/ { new = 0; next }
	new && /^[ \t]+[a-z_0-9]+;/ { s = $1; sub(/;.*/, "", s); print " " s "@" node " " ver }
	' "$d/debian/libmount1.symbols" "$d/libmount/src/libmount.sym")
[ -n "$syms" ] || die "the series adds no version node to libmount.sym (expected MOUNT_2_42)"
printf '%s\n' "$syms" >>"$d/debian/libmount1.symbols"
log "deb: debian/libmount1.symbols: $(grep -c '@MOUNT_' <<<"$syms") lines added ($(awk '{print $1}' <<<"$syms" | tr '\n' ' '))"

# each patch's subject (format-patch folds long ones onto a second line)
subjects=$(for p in "${patches[@]}"; do
	awk '/^Subject: / { s = $0; while ((getline l) > 0 && l ~ /^ /) s = s l; print s; exit }' \
		"$PATCHES/$p" | sed -e 's/^Subject: //' -e 's/^\[PATCH[^]]*\] //'
done)
(
	cd "$d"
	export DEBEMAIL="team@localhost" DEBFULLNAME="Kernel Team"
	dch -v "$version" -D bookworm --force-distribution \
		"Add mount --beneath (move_mount(2) with MOVE_MOUNT_BENEATH), the series of patches/util-linux:"
	while IFS= read -r s; do
		dch -a "$s"
	done <<<"$subjects"
) >/dev/null 2>&1 || die "dch failed"
[ "$(cd "$d" && dpkg-parsechangelog -S Version)" = "$version" ] || die "the changelog version is not $version"

log "deb: dpkg-buildpackage -b -us -uc (nocheck parallel=$UL_JOBS), log in ${WORK#"$TOP"/}/build.log"
t0=$SECONDS
if ! (cd "$d" && DEB_BUILD_OPTIONS="nocheck parallel=$UL_JOBS" \
	nice -n 10 dpkg-buildpackage -b -us -uc) >"$WORK/build.log" 2>&1; then
	tail -n 40 "$WORK/build.log" >&2
	die "dpkg-buildpackage failed (${WORK#"$TOP"/}/build.log)"
fi
secs=$((SECONDS - t0))

# build/deb gets what `apt install ./build/deb/*.deb` should install: the
# packages every Debian 12 system has (Priority required, important or
# standard) and the libraries of this source they depend on. The rest
# (debug symbols, -dev, locales, optional tools) go to build/deb/extra, to
# install one by one where wanted.
mkdir -p "$OUT/extra"
declare -A deb=() keep=()
for f in "$WORK"/*.deb; do
	pkg=$(dpkg-deb -f "$f" Package)
	rm -f "$OUT/$pkg"_*.deb "$OUT/extra/$pkg"_*.deb
	deb[$pkg]=$f
	case $(dpkg-deb -f "$f" Priority) in
	required | important | standard) keep[$pkg]=1 ;;
	esac
done
grew=1
while [ $grew = 1 ]; do
	grew=0
	for pkg in "${!keep[@]}"; do
		for dep in $(dpkg-deb -f "${deb[$pkg]}" Depends Pre-Depends |
			sed -E 's/^[A-Za-z-]+://; s/\([^)]*\)//g; s/[,|]/ /g'); do
			if [ -n "${deb[$dep]:-}" ] && [ -z "${keep[$dep]:-}" ]; then
				keep[$dep]=1 grew=1
			fi
		done
	done
done
for pkg in "${!deb[@]}"; do
	if [ -n "${keep[$pkg]:-}" ]; then
		mv "${deb[$pkg]}" "$OUT"/
	else
		mv "${deb[$pkg]}" "$OUT/extra"/
	fi
done
cp "$WORK/build.log" "$OUT/util-linux-build.log"
{
	echo "version: $version (on Debian's $base)"
	echo "series: ${patches[*]}"
	echo "dpkg-buildpackage -b: $secs s (DEB_BUILD_OPTIONS=nocheck parallel=$UL_JOBS, nice)"
	echo "built: $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs"
} >"$OUT/util-linux-BUILD-INFO"
echo "$stamp" >"$OUT/.mb-util-linux"
n=$(ls "$OUT"/*_"$version"_*.deb | wc -l)
ls "$OUT"/*_"$version"_*.deb | sed "s|$TOP/||" >&2
log "deb: $n packages of util-linux $version in build/deb/, $(ls "$OUT"/extra/*_"$version"_*.deb | wc -l) more in build/deb/extra/ ($secs s)"

#!/bin/bash
# (Re)create build/NAME (NAME = linux or util-linux) from its pristine Debian
# source and patches/NAME/.
#
# build/NAME is a git repo: its root commit is the pristine source (tag
# "base"), then one commit per patch of patches/NAME/series (git am).
# Nothing is touched when the tree already holds exactly that series, so a
# rebuild after an unchanged re-run compiles nothing.
#
# The tree is never reset while it holds work that patches/ lacks (uncommitted
# changes, or commits not yet exported with scripts/export.sh) unless FORCE=1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

project "${1:-linux}"
FORCE=${FORCE:-0}
STAMP=$SRC/.git/mb-applied

git_t() { git -C "$SRC" "$@"; }

# Unpack the pristine source into $1 (an empty directory).
unpack() {
	case $NAME in
	linux)
		[ -f "$LINUX_TARBALL" ] || die "$LINUX_TARBALL missing: run scripts/deps.sh"
		tar -xJf "$LINUX_TARBALL" -C "$1" --strip-components=1
		;;
	util-linux)
		local dl=$BUILD/util-linux-src
		rm -rf "$dl"
		mkdir -p "$dl"
		"$TOP/scripts/deb-src.sh"
		(cd "$dl" && apt-get source -qq "util-linux=$base_version" >/dev/null) ||
			die "apt-get source util-linux=$base_version failed"
		local d
		d=$(find "$dl" -mindepth 1 -maxdepth 1 -type d -name 'util-linux-*')
		cp -a "$d"/. "$1"/
		rm -rf "$dl"
		;;
	esac
}

create_base() {
	log "unpacking $NAME $base_version into ${SRC#"$TOP"/}"
	rm -rf "$SRC" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	unpack "$SRC.tmp"
	mv "$SRC.tmp" "$SRC"
	git_t init -q -b base-tree
	git_t config user.name "Kernel Team"
	git_t config user.email "team@localhost"
	git_t config core.autocrlf false
	git_t config gc.auto 0
	git_t add -A -f .
	git_t commit -q -m "Debian $NAME $base_version (pristine)"
	git_t tag -f base >/dev/null
	echo "$base_version" >"$SRC/.git/mb-base-version"
	git_t checkout -q -b series
}

base_version=$(base_version)
if [ -d "$SRC/.git" ] && [ "$(cat "$SRC/.git/mb-base-version" 2>/dev/null)" != "$base_version" ]; then
	[ "$FORCE" = 1 ] || [ -z "$(git_t status --porcelain --untracked-files=no)" ] ||
		die "build/$NAME has uncommitted changes and its base is not $base_version; commit/export them or use FORCE=1"
	log "base version changed ($(cat "$SRC/.git/mb-base-version" 2>/dev/null) -> $base_version): recreating"
	rm -rf "$SRC"
fi
[ -d "$SRC/.git" ] || create_base

want=$(patches_stamp)
head=$(git_t rev-parse HEAD)
read -r have_stamp have_head 2>/dev/null <"$STAMP" || true
dirty=$(git_t status --porcelain --untracked-files=no)

if [ "$want" = "${have_stamp:-}" ] && [ "$head" = "${have_head:-}" ] && [ -z "$dirty" ]; then
	log "build/$NAME is up to date with patches/$NAME ($(series | wc -l) patches on $base_version)"
	exit 0
fi
if [ "$FORCE" != 1 ]; then
	[ -z "$dirty" ] || die "build/$NAME has uncommitted changes: commit them and run 'make export', or FORCE=1 to drop them"
	if [ -n "${have_head:-}" ] && [ "$head" != "$have_head" ]; then
		die "build/$NAME has commits not exported to patches/$NAME: run 'make export', or FORCE=1 to drop them"
	fi
fi

log "applying patches/$NAME/series onto base $base_version"
git_t am --abort >/dev/null 2>&1 || true
git_t checkout -q -f -B series base
n=0
while read -r p; do
	n=$((n + 1))
	[ -f "$PATCHES/$p" ] || die "patch $n ($p) is listed in patches/$NAME/series but missing"
	if ! git_t am -q --keep-cr "$PATCHES/$p" >"$BUILD/am-$NAME.log" 2>&1; then
		cat "$BUILD/am-$NAME.log" >&2
		git_t am --abort >/dev/null 2>&1 || true
		rm -f "$STAMP"
		die "patches/$NAME: patch $n ($p) does not apply on the base $base_version plus the patches before it"
	fi
	# git am drops what follows "---": keep the patch's notes (reviewer
	# notes such as checkpatch justifications) as the commit's git note,
	# so that 'make export' writes them back.
	notes=$(patch_notes "$PATCHES/$p")
	[ -z "$notes" ] || git_t notes add -f -m "$notes" HEAD
done < <(series)
echo "$want $(git_t rev-parse HEAD)" >"$STAMP"
log "applied $n patches to build/$NAME"

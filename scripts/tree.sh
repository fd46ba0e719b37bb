#!/bin/bash
# (Re)create build/linux from Debian's linux-source-6.1 and patches/linux/.
#
# build/linux is a git repo: its root commit is the pristine Debian source
# (tag "base"), then one commit per patch of patches/linux/series (git am).
# Nothing is touched when the tree already holds exactly that series, so a
# rebuild after an unchanged re-run compiles nothing.
#
# The tree is never reset while it holds work that patches/ lacks (uncommitted
# changes, or commits not yet exported with scripts/export.sh) unless FORCE=1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

FORCE=${FORCE:-0}
STAMP=$LINUX/.git/mb-applied

[ -f "$LINUX_TARBALL" ] || die "$LINUX_TARBALL missing: run scripts/deps.sh"
base_version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo unknown)

git_t() { git -C "$LINUX" "$@"; }

create_base() {
	log "unpacking $LINUX_TARBALL ($base_version) into $LINUX"
	rm -rf "$LINUX" "$LINUX.tmp"
	mkdir -p "$LINUX.tmp"
	tar -xJf "$LINUX_TARBALL" -C "$LINUX.tmp" --strip-components=1
	mv "$LINUX.tmp" "$LINUX"
	git_t init -q -b base-tree
	git_t config user.name "Kernel Team"
	git_t config user.email "team@localhost"
	git_t config core.autocrlf false
	git_t config gc.auto 0
	git_t add -A -f .
	git_t commit -q -m "Debian linux-source-6.1 $base_version (pristine)"
	git_t tag -f base >/dev/null
	echo "$base_version" >"$LINUX/.git/mb-base-version"
	git_t checkout -q -b series
}

if [ -d "$LINUX/.git" ] && [ "$(cat "$LINUX/.git/mb-base-version" 2>/dev/null)" != "$base_version" ]; then
	[ "$FORCE" = 1 ] || [ -z "$(git_t status --porcelain --untracked-files=no)" ] ||
		die "build/linux has uncommitted changes and its base is not $base_version; commit/export them or use FORCE=1"
	log "base version changed ($(cat "$LINUX/.git/mb-base-version" 2>/dev/null) -> $base_version): recreating"
	rm -rf "$LINUX"
fi
[ -d "$LINUX/.git" ] || create_base

want=$(patches_stamp)
head=$(git_t rev-parse HEAD)
read -r have_stamp have_head 2>/dev/null <"$STAMP" || true
dirty=$(git_t status --porcelain --untracked-files=no)

if [ "$want" = "${have_stamp:-}" ] && [ "$head" = "${have_head:-}" ] && [ -z "$dirty" ]; then
	log "build/linux is up to date with patches/linux ($(series | wc -l) patches on $base_version)"
	exit 0
fi
if [ "$FORCE" != 1 ]; then
	[ -z "$dirty" ] || die "build/linux has uncommitted changes: commit them and run 'make export', or FORCE=1 to drop them"
	if [ -n "${have_head:-}" ] && [ "$head" != "$have_head" ]; then
		die "build/linux has commits not exported to patches/linux: run 'make export', or FORCE=1 to drop them"
	fi
fi

log "applying patches/linux/series onto base $base_version"
git_t am --abort >/dev/null 2>&1 || true
git_t checkout -q -f -B series base
n=0
while read -r p; do
	n=$((n + 1))
	[ -f "$PATCHES/$p" ] || die "patch $n ($p) is listed in patches/linux/series but missing"
	if ! git_t am -q --keep-cr "$PATCHES/$p" >"$BUILD/am.log" 2>&1; then
		cat "$BUILD/am.log" >&2
		git_t am --abort >/dev/null 2>&1 || true
		rm -f "$STAMP"
		die "patch $n ($p) does not apply on the base $base_version plus the patches before it"
	fi
done < <(series)
echo "$want $(git_t rev-parse HEAD)" >"$STAMP"
log "applied $n patches"

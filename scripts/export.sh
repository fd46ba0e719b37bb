#!/bin/bash
# Export the commits of build/NAME (base..HEAD; NAME = linux or util-linux)
# into patches/NAME/: a cover letter, numbered patches and the series file.
# patches/NAME/cover-letter.txt is the source of the cover letter's subject
# and body (first line: subject).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

project "${1:-linux}"
[ -d "$SRC/.git" ] || die "no build/$NAME: run 'make tree' first"
[ -z "$(git -C "$SRC" status --porcelain --untracked-files=no)" ] ||
	die "build/$NAME has uncommitted changes: commit them first"

count=$(git -C "$SRC" rev-list --count base..HEAD)
rm -f "$PATCHES"/*.patch
: >"$PATCHES/series.new"
if [ "$count" -gt 0 ]; then
	cover=()
	[ "$count" -gt 1 ] && cover=(--cover-letter)
	git -C "$SRC" format-patch -q "${cover[@]}" --notes --no-signature --zero-commit \
		--base=base -o "$PATCHES" base..HEAD
	if [ -f "$PATCHES/0000-cover-letter.patch" ] && [ -f "$PATCHES/cover-letter.txt" ]; then
		subject=$(head -n1 "$PATCHES/cover-letter.txt")
		python3 - "$PATCHES/0000-cover-letter.patch" "$subject" "$PATCHES/cover-letter.txt" <<'PY'
import sys
path, subject, body_file = sys.argv[1:]
text = open(path).read()
body = open(body_file).read().split("\n", 1)[1].lstrip("\n")
text = text.replace("*** SUBJECT HERE ***", subject)
text = text.replace("*** BLURB HERE ***", body.rstrip("\n"))
open(path, "w").write(text)
PY
	fi
	(cd "$PATCHES" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-cover-letter' >>series.new)
fi
mv "$PATCHES/series.new" "$PATCHES/series"
echo "$(patches_stamp) $(git -C "$SRC" rev-parse HEAD)" >"$SRC/.git/mb-applied"
log "exported $count patches to patches/$NAME"

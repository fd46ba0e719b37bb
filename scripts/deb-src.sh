#!/bin/bash
# Make 'apt-get source' work: add deb-src entries derived from the system's
# own apt sources (the same URIs, suites and components, type deb-src), so no
# mirror is ever written into the repository. Idempotent.
set -euo pipefail

out=/etc/apt/sources.list.d/mb-deb-src.sources
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

if apt-get source --print-uris -qq util-linux >/dev/null 2>&1; then
	exit 0
fi
tmp=$(mktemp)
# deb822 files: copy each stanza whose Types has deb, as deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && [ "$f" != "$out" ] || continue
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
	     /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|$|\n)/ {
		sub(/Types:[^\n]*/, "Types: deb-src"); print
	     }' "$f" >>"$tmp"
done
# One-line format.
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" |
		awk '{ printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents:", $2, $3;
		       for (i = 4; i <= NF; i++) printf " %s", $i; printf "\n\n" }' >>"$tmp"
done
[ -s "$tmp" ] || { rm -f "$tmp"; echo "error: no deb entries in the apt sources to derive deb-src from" >&2; exit 1; }
$SUDO install -m 0644 "$tmp" "$out"
rm -f "$tmp"
echo "deb-src: added $out (derived from the system's apt sources)" >&2
$SUDO apt-get update -qq

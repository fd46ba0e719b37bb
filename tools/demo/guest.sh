#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo's guest side (scripts/demo.sh runs it in the VM, as root, on the
# patched kernel): an immutable erofs base image for /etc with a
# configuration overlay on top, on a shared mount; N containers reading the
# configuration; the update with mount --beneath, then the naive way.
#
#   /srv                  tmpfs, shared: the host's image store
#   /srv/images/*.erofs   the base image, made here with mkfs.erofs
#   /srv/base             the base image (lower layer of every overlay)
#   /srv/layers/vN        configuration N (app.conf says version=vN)
#   /srv/etc              the base image, and overlay vN on top of it
#
# usage: guest.sh [-n N] [-p NICE] [-o DIR]
#   -n  containers (default 100)
#   -p  nice value of the readers (default 19, see below)
#   -o  the directory of mbdemo (default build/demo)
set -euo pipefail

N=100
NICE=19
O=$(cd "$(dirname "$0")/../.." && pwd)/build/demo
while getopts "n:p:o:" o; do
	case $o in
	n) N=$OPTARG ;;
	p) NICE=$OPTARG ;;
	o) O=$OPTARG ;;
	*) echo "usage: $0 [-n N] [-p NICE] [-o DIR]" >&2; exit 2 ;;
	esac
done

# Setup failures are not a verdict on the feature: exit 2, like mbdemo.
die() { echo "demo: error: $*" >&2; exit 2; }
trap 'die "setup failed at line $LINENO"' ERR

for t in mount umount mkfs.erofs losetup "$O/mbdemo"; do
	command -v "$t" >/dev/null || die "$t missing"
done
mount --help | grep -q -- --beneath || die "$(command -v mount) has no --beneath (scripts/build-util-linux.sh)"

S=/srv
mount -t tmpfs -o mode=0755,size=256m demo-srv "$S"
mount --make-shared "$S"
mkdir -p "$S"/images "$S"/base "$S"/etc "$S"/stage/base "$S"/layers "$S"/upper "$S"/work

# The base image: a small /etc, whose app.conf says "version=base".
B=$S/stage/base
mkdir -p "$B"/app "$B"/default "$B"/ssl
echo "version=base" >"$B"/app.conf
echo "demo" >"$B"/hostname
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n' >"$B"/hosts
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n' >"$B"/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' >"$B"/group
printf 'ID=demo\nVERSION_ID=base\n' >"$B"/os-release
printf 'listen=0.0.0.0:8080\nworkers=4\n' >"$B"/app/server.conf
printf 'LANG=C.UTF-8\n' >"$B"/default/locale
mkfs.erofs --quiet -T0 "$S"/images/etc-base.erofs "$B" >/dev/null ||
	die "mkfs.erofs failed"
rm -rf "$B"

# One loop device, mounted twice: as the overlays' lower layer, and at
# /srv/etc, where it is what shows when no overlay is mounted.
loop=$(losetup --find --show --read-only "$S"/images/etc-base.erofs)
mount -t erofs -o ro "$loop" "$S"/base
mount -t erofs -o ro "$loop" "$S"/etc

# The configuration layers; each overlay gets its own upper and work dir.
for v in v1 v2 v3; do
	mkdir -p "$S"/layers/$v/app "$S"/upper/$v "$S"/work/$v
	echo "version=$v" >"$S"/layers/$v/app.conf
	printf 'listen=0.0.0.0:8080\nworkers=4\nrelease=%s\n' $v >"$S"/layers/$v/app/server.conf
done
ovl() { echo "lowerdir=$S/layers/$1:$S/base,upperdir=$S/upper/$1,workdir=$S/work/$1"; }
mount -t overlay etc-v1 -o "$(ovl v1)" "$S"/etc

trap - ERR

# Our mounts from /proc/self/mountinfo: place, type, source, propagation.
show_mounts() {
	awk -v s="$S" '
	$5 == s || $5 == s "/base" || $5 == s "/etc" {
		p = ""
		for (i = 7; $i != "-"; i++)
			p = p " " $i
		if ($5 == s && $(i + 2) != "demo-srv")
			next
		printf "    %-10s %-8s %-11s%s\n", $5, $(i + 1), $(i + 2), p
	}' /proc/self/mountinfo
}

echo "demo: atomic update of /etc in $N containers, Linux $(uname -r), $(mount -V | sed 's/ (.*//')"
echo "  base image: $(du -k "$S"/images/etc-base.erofs | cut -f1) KiB erofs ($(command -v mkfs.erofs)) on $loop, mounted read-only"
echo "  host mounts (mountinfo order: the last one at a place is on top):"
show_mounts

# The updates. umount is lazy (MNT_DETACH): a reader in a container may have
# the old configuration open at that moment, and a plain umount would then
# fail with EBUSY (the kernel checks the propagated copies too).
set +e
"$O"/mbdemo -n "$N" -p "$NICE" -f "$S"/etc/app.conf \
	-b "mount --beneath -t overlay etc-v2 -o $(ovl v2) $S/etc" \
	-b "umount --lazy $S/etc" \
	-u "umount --lazy $S/etc" \
	-u "mount -t overlay etc-v3 -o $(ovl v3) $S/etc"
rc=$?
set -e
echo "  host mounts afterwards:"
show_mounts
exit $rc

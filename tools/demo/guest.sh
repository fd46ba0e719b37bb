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
# usage: guest.sh [-n N] [-o DIR] [-- MBDEMO-OPTIONS...]
#   -n  containers (default 100)
#   -o  the directory of mbdemo (default build/demo)
#   MBDEMO-OPTIONS are passed on to mbdemo (see mbdemo -h), e.g. -s -p 19.
set -euo pipefail

N=100
O=$(cd "$(dirname "$0")/../.." && pwd)/build/demo
while getopts "n:o:" o; do
	case $o in
	n) N=$OPTARG ;;
	o) O=$OPTARG ;;
	*) echo "usage: $0 [-n N] [-o DIR] [-- MBDEMO-OPTIONS...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# Setup failures are not a verdict on the feature: exit 2, like mbdemo.
die() { echo "demo: error: $*" >&2; exit 2; }
trap 'die "setup failed at line $LINENO"' ERR

for t in mount umount mkfs.erofs losetup "$O/mbdemo"; do
	command -v "$t" >/dev/null || die "$t missing"
done
mount --help | grep -q -- --beneath || die "$(command -v mount) has no --beneath (scripts/build-util-linux.sh)"

# The patched mount and umount, installed on a local filesystem as on a real
# host: run from the 9p root, every exec would page them in over 9p, and the
# switch duration would mostly measure that.
src_mount=$(command -v mount)
T=$(mktemp -d /run/mbdemo.XXXXXX)
mount -t tmpfs -o mode=0755,size=16m mbdemo-bin "$T"
cp "$src_mount" "$(command -v umount)" "$T"/
PATH=$T:$PATH

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

# Our mounts from /proc/self/mountinfo: place, type, source, propagation,
# each stack of mounts from the bottom up (a mount that went beneath comes
# later in mountinfo than the one on top of it: follow the parent ids).
show_mounts() {
	awk -v s="$S" '
	$5 == s || $5 == s "/base" || $5 == s "/etc" {
		p = ""
		for (i = 7; $i != "-"; i++)
			p = p " " $i
		if ($5 == s && $(i + 2) != "demo-srv")
			next
		at[$1] = $5; parent[$1] = $2; fs[$1] = $(i + 1)
		src[$1] = $(i + 2); prop[$1] = p; ids[n++] = $1
	}
	END {
		for (k = 0; k < n; k++) {
			m = ids[k]
			if (at[parent[m]] == at[m])
				continue
			for (;;) {
				top = m
				for (c in at)
					if (parent[c] == m && at[c] == at[m])
						top = c
				printf "    %-10s %-8s %-11s%s%s\n", at[m], fs[m], src[m], prop[m], top == m ? "" : "  (covered)"
				if (top == m)
					break
				m = top
			}
		}
	}' /proc/self/mountinfo
}

echo "demo: atomic update of /etc in $N containers, Linux $(uname -r)"
echo "  tools: $(mount -V | sed 's/ (.*//') ($src_mount, --beneath), mkfs.erofs $(dpkg-query -W -f='${Version}' erofs-utils 2>/dev/null || echo "(erofs-utils)")"
echo "  base image: $S/images/etc-base.erofs, $(du -k "$S"/images/etc-base.erofs | cut -f1) KiB, $(find "$S"/base -type f | wc -l) files, on $loop"
echo "  host mounts, each place from the bottom up:"
show_mounts

# The updates. umount is lazy (MNT_DETACH): a reader in a container may have
# a file of the old configuration open at that moment (io_uring even drops
# the files closed in fixed slots a little later), and a plain umount then
# fails with EBUSY: the kernel checks the copies it propagates the unmount
# to as well. Files open on the old configuration keep reading it.
exec "$O"/mbdemo -n "$N" -f "$S"/etc/app.conf "$@" \
	-b "mount --beneath -t overlay etc-v2 -o $(ovl v2) $S/etc" \
	-b "umount --lazy $S/etc" \
	-u "umount --lazy $S/etc" \
	-u "mount -t overlay etc-v3 -o $(ovl v3) $S/etc"

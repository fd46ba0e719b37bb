#!/bin/bash
# Test the packages of make deb-util-linux (build/deb/*.deb) as a user would,
# in the VM (scripts/vm-run.sh -v release -n ul -- scripts/check-deb-util-linux.sh):
# they are unpacked (dpkg -x) into a throw-away root, never installed on the
# build host, and then
#   1. their versions sort above Debian's (dpkg --compare-versions)
#   2. the packaged mount(8) runs with the packaged libmount1
#   3. its mount --beneath replaces a tmpfs in a private mount namespace
#   4. a small program built against the packaged libmount-dev references
#      mnt_context_enable_beneath@MOUNT_2_42 and runs with the packaged
#      libmount1
# Prints one KTAP document and ends with "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"

guest_only "$0"
DEB=$BUILD/deb
ls "$DEB"/libmount1_*.deb >/dev/null 2>&1 || die "no util-linux packages in build/deb: run make deb-util-linux"
export LC_ALL=C

# the util-linux packages: those of libmount1's version in build/deb and
# build/deb/extra (build/deb may hold the kernel's too), without the debug
# symbols
lm=$(ls "$DEB"/libmount1_*.deb | tail -n1)
v=$(dpkg-deb -f "$lm" Version)
debs=()
for f in "$DEB"/*_"$v"_*.deb "$DEB"/extra/*_"$v"_*.deb; do
	[ -f "$f" ] && [[ "$f" != *-dbgsym_* ]] && debs+=("$f")
done
R=$(mktemp -d /tmp/deb-root.XXXXXX)
trap 'umount -R "$R/scratch" 2>/dev/null; rm -rf "$R"' EXIT
for f in "${debs[@]}"; do
	dpkg -x "$f" "$R" || die "dpkg -x $f failed"
done
LIBS=$R/lib/x86_64-linux-gnu:$R/usr/lib/x86_64-linux-gnu
MOUNT=$R/bin/mount
[ -x "$MOUNT" ] || MOUNT=$R/usr/bin/mount
UMOUNT=$R/bin/umount
[ -x "$UMOUNT" ] || UMOUNT=$R/usr/bin/umount
inroot() { LD_LIBRARY_PATH=$LIBS "$@"; }

ktap_begin 4
ktap_diag "packages: $(printf '%s ' "${debs[@]##*/}")"
KTAP_STRICT=1

# 1. versions: each above Debian's version of the same package (the one
# installed, else util-linux's source version with the package's epoch)
base=$(dpkg-query -W -f='${Version}' util-linux)
bad=
for f in "${debs[@]}"; do
	v=$(dpkg-deb -f "$f" Version)
	p=$(dpkg-deb -f "$f" Package)
	d=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)
	[ -n "$d" ] || d=$([[ "$v" == *:* ]] && echo "${v%%:*}:")$base
	ktap_diag "$p $v (Debian's: $d)"
	dpkg --compare-versions "$v" gt "$d" || bad+="$p $v "
done
if [ -z "$bad" ]; then
	ktap_ok "versions sort above Debian's $base"
else
	ktap_fail "versions sort above Debian's $base" "not above: $bad"
fi

# 2. the packaged mount with the packaged libmount
out=$(inroot "$MOUNT" -V 2>&1)
lib=$(inroot ldd "$MOUNT" | awk '$1 ~ /^libmount/ { print $3 }')
ktap_diag "$out"
ktap_diag "libmount: $lib"
if [[ "$out" == *"2.38.1"* ]] && [[ "$lib" == "$R"/* ]]; then
	ktap_ok "packaged mount runs with the packaged libmount1"
else
	ktap_fail "packaged mount runs with the packaged libmount1" "libmount from ${lib:-nowhere}"
fi

# 3. mount --beneath from the package, in a private mount namespace
probe=$(python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(429, -1, b"", -1, b"", 0x200 | 0x4 | 0x40)
print(os.strerror(ctypes.get_errno()) if r else "0")' 2>&1)
ktap_diag "raw move_mount(MOVE_MOUNT_BENEATH) probe: $probe"
mkdir -p "$R/scratch"
out=$(unshare --mount --propagation private -- env M="$MOUNT" U="$UMOUNT" \
	LD_LIBRARY_PATH="$LIBS" S="$R/scratch" sh -c '
	set -e
	mount -t tmpfs deb-scratch "$S"
	mkdir "$S/t"
	mount -t tmpfs deb-old "$S/t"; echo old > "$S/t/id"
	"$M" -v --beneath -t tmpfs deb-new "$S/t"
	echo "before umount: $(cat "$S/t/id"), $(findmnt -rn -M "$S/t" -o SOURCE | tr "\n" " ")"
	"$U" "$S/t"
	echo "after umount: $(findmnt -rn -M "$S/t" -o SOURCE), id file: $(cat "$S/t/id" 2>/dev/null || echo none)"
	' 2>&1)
rc=$?
ktap_diag "$out"
if [ $rc = 0 ] && grep -q "before umount: old, deb-old deb-new" <<<"$out" &&
   grep -q "after umount: deb-new, id file: none" <<<"$out"; then
	ktap_ok "packaged mount --beneath replaces a mount"
elif [ "$probe" = "Invalid argument" ]; then
	ktap_skip "packaged mount --beneath replaces a mount" "kernel without MOVE_MOUNT_BENEATH"
else
	ktap_fail "packaged mount --beneath replaces a mount" "exit=$rc"
fi

# 4. a program built against the packaged libmount-dev
cat >"$R/prog.c" <<'EOF'
#include <stdio.h>
#include <libmount.h>

int main(void)
{
	struct libmnt_context *cxt = mnt_new_context();

	if (!cxt || mnt_context_enable_beneath(cxt, 1) || !mnt_context_is_beneath(cxt))
		return 1;
	printf("beneath: %d\n", mnt_context_is_beneath(cxt));
	mnt_free_context(cxt);
	return 0;
}
EOF
inc=$R/usr/include/libmount
libdir=$(dirname "$(find "$R" -name 'libmount.so.1' | head -n1)")
out=$(gcc -I"$inc" -o "$R/prog" "$R/prog.c" -L"$libdir" -Wl,-rpath-link,"$libdir" \
	-l:libmount.so.1 2>&1)
rc=$?
refs=$(readelf --dyn-syms -W "$R/prog" 2>/dev/null |
	grep -o 'mnt_context_[a-z]*_beneath@[A-Za-z0-9_.]*' | sort | tr '\n' ' ')
run=$(inroot "$R/prog" 2>&1)
ktap_diag "header: $(ls "$inc"/libmount.h 2>&1), library: $libdir"
ktap_diag "${out:-built}; references: $refs; run: $run"
if [ $rc = 0 ] && [[ "$refs" == *"mnt_context_enable_beneath@MOUNT_2_42"* ]] &&
   [[ "$refs" == *"mnt_context_is_beneath@MOUNT_2_42"* ]] && [ "$run" = "beneath: 1" ]; then
	ktap_ok "a program built against libmount-dev uses MOUNT_2_42 and runs"
else
	ktap_fail "a program built against libmount-dev uses MOUNT_2_42 and runs"
fi
ktap_end

#!/bin/bash
# Run in the guest by scripts/check-debian.sh, on the Debian-config kernel
# installed from its package (vm-run.sh -v debian), in one boot:
#   1. the selftests (run-selftests.sh --strict: a SKIP in the series' own
#      collections is a failure)
#   2. the mount --beneath cases (check-util-linux.sh --strict --only
#      beneath), with the mount, umount, findmnt and libmount of the
#      util-linux packages installed into build/debian-root
#      (install-debian-root.sh; UL_ROOT) when make deb made them
#   3. the packaged util-linux (check-deb-util-linux.sh: its mount --beneath,
#      run from the packages unpacked in a throw-away root), when make
#      deb-util-linux has made packages
# (The overlayfs module-reload case needs a boot without vng's overlays:
# check-debian.sh runs it in one of its own, vm-run.sh -N.)
# Prints one KTAP document with each nested and ends with
# "N passed, N failed, N skipped" over their test cases. Exit status 1 if
# any failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/scripts/ktap.sh"

guest_only "$0"
mapfile -t runs < <(series_guest_runs)
ul_debs=()
for f in "$BUILD"/deb/*.deb; do
	case ${f##*/} in
	linux-*) ;;
	*) [ -f "$f" ] && ul_debs+=("$f") ;;
	esac
done
if [ ${#ul_debs[@]} -gt 0 ] && [ -x "$TOP/scripts/check-deb-util-linux.sh" ]; then
	runs+=("util-linux packages:$TOP/scripts/check-deb-util-linux.sh")
fi
# With packages, their mount or nothing: check-util-linux.sh fails when
# build/debian-root has none (install-debian-root.sh unpacks them there).
[ ${#ul_debs[@]} -eq 0 ] || export UL_ROOT=$BUILD/debian-root
ktap_begin ${#runs[@]}
ktap_diag "kernel $(uname -r), $(uname -v)"
# Debian's config has loop, device-mapper (dm-mod: linear, error), dm-flakey,
# erofs and overlayfs as modules. On an installed system udev and kmod's
# static device nodes load loop and dm on first use; here nothing does, and
# the tests look for loop-control and device-mapper in /proc/misc first.
mods=(loop dm_mod dm_flakey erofs overlay)
if ! err=$(modprobe -a "${mods[@]}" 2>&1); then
	ktap_diag "modprobe -a ${mods[*]} failed: $err"
fi
ktap_diag "loaded: $(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
ktap_diag "overlay: $(modinfo -F filename overlay 2>&1)"
[ ${#ul_debs[@]} -gt 0 ] || ktap_diag "no util-linux packages in build/deb (make deb-util-linux): mount --beneath from build/bin"
ktap_run_nested "${runs[@]}"
ktap_end

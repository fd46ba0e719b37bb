#!/bin/bash
# Boot a built kernel variant under virtme-ng (TCG, 9p root), run a command as
# root in the guest and return its exit code. The guest's kernel log is saved
# to build/vm-VARIANT/dmesg.log; for the debug variant any WARNING, BUG,
# KASAN, lockdep or similar report in it makes the run fail.
#
# usage: vm-run.sh [-v VARIANT] [-n NAME] [-t TIMEOUT_S] [-m MEM] [-d DISK]... [-i|-N] [-- CMD...]
#   -n  a separate instance NAME of the variant, with its own directory
#       build/vm-VARIANT-NAME and lock, so it can run while another VM of
#       the variant runs (one run per variant and name at a time)
#   -m  guest memory (default 2G, 3G for debug)
#   -d  attach a raw disk image (/dev/vda, /dev/vdb, ... in order)
#   -i  interactive shell (no command, stdin kept)
#   -N  no overlayfs in the guest: virtme-run without the writable overlays
#       vng puts over /etc, /lib, /usr, /var, /tmp...; the root is then
#       read-only but for /run and build/vm-VARIANT[-NAME] (for a test that
#       unloads the overlay module, tests/ovl-module-reload.sh)
# VARIANT debian: the kernel installed into build/debian-root (or DEBIAN_ROOT)
# from its package, with that root's modules (scripts/check-debian.sh).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

variant=release
name=
tmo=${VM_TIMEOUT:-1800}
interactive=0
mem=
disks=()
no_ovl=0
while getopts "v:n:t:m:d:iN" o; do
	case $o in
	v) variant=$OPTARG ;;
	n) name=$OPTARG ;;
	t) tmo=$OPTARG ;;
	m) mem=$OPTARG ;;
	d) [ -f "$OPTARG" ] || die "no disk image $OPTARG"
	   disks+=(--disk "$OPTARG") ;;
	i) interactive=1 ;;
	N) no_ovl=1 ;;
	*) die "usage: $0 [-v VARIANT] [-n NAME] [-t TIMEOUT_S] [-m MEM] [-d DISK]... [-i|-N] [-- CMD...]" ;;
	esac
done
shift $((OPTIND - 1))

O=$(objdir "$variant")
kernel=$O/arch/x86/boot/bzImage
if [ "$variant" = debian ]; then
	# The Debian-config kernel as installed from its package into a
	# throw-away root (scripts/check-debian.sh; DEBIAN_ROOT): its vmlinuz,
	# and virtme-ng takes the modules from that root's lib/modules.
	root=${DEBIAN_ROOT:-$BUILD/debian-root}
	kernels=("$root"/boot/vmlinuz-*)
	kernel=${kernels[0]}
	[ -f "$kernel" ] || die "no kernel in ${root#"$TOP"/}/boot: run scripts/check-debian.sh"
fi
[ -f "$kernel" ] || die "no $variant kernel: run scripts/build-kernel.sh $variant"
out=$BUILD/vm-$variant${name:+-$name}
# One run per variant (and name) at a time: each run owns its directory.
mkdir -p "$BUILD"
exec 9>"$out.lock"
flock 9
rm -rf "$out"
mkdir -p "$out"

if [ -z "$mem" ]; then
	mem=2G
	[ "$variant" = debug ] && mem=3G
fi
vng=(vng --disable-kvm --force-9p --cpus 2 --memory "$mem" -r "$kernel"
	--rwdir "$out" --cwd "$TOP" "${disks[@]}")
exec_opt=--exec
if [ "$no_ovl" = 1 ]; then
	if [ "$interactive" = 1 ] || [ ${#disks[@]} != 0 ]; then
		die "-N takes neither -i nor -d"
	fi
	# virtme-run itself, without vng's --overlay-rwdir list (with the
	# modules of the kernel's root, as vng would do).
	vng=(virtme-run --disable-kvm --force-9p --cpus 2 --memory "$mem" --kimg "$kernel"
		--mods auto --rwdir "$out" --cwd "$TOP")
	exec_opt=--script-sh
fi

# Tools built by the harness (e.g. util-linux) go first in the guest's PATH.
guest_path=$BUILD/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

if [ "$interactive" = 1 ]; then
	exec "${vng[@]}" --append "mb.out=$out"
fi
[ $# -gt 0 ] || die "no command given"

# Run the command, then save the kernel log where the host can read it.
printf -v cmd '%q ' "$@"
# MB_GUEST: the scripts that must only run in a VM check for it.
guest="export PATH=$guest_path MB_GUEST=1; cd $(printf %q "$TOP"); $cmd; rc=\$?; dmesg >$out/dmesg.log; exit \$rc"
printf '%s\n' "$guest" >"$out/command"

# virtme-ng hands QEMU /proc/self/fd/1 and /proc/self/fd/2 as file chardevs,
# which QEMU opens with O_TRUNC: when our output is a regular file (a CI log)
# the guest's output would overwrite it. Pipes keep it in order.
timeout --foreground -k 10 "$tmo" "${vng[@]}" "$exec_opt" "bash $out/command" \
	</dev/null 2> >(cat >&2) | cat
rc=${PIPESTATUS[0]}
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "error: the $variant VM did not finish within ${tmo}s" >&2
fi
[ -s "$out/dmesg.log" ] || echo "error: the guest wrote no kernel log (crashed or timed out)" >&2

if [ "$variant" = debug ] && [ -s "$out/dmesg.log" ]; then
	# Report headers only: lockdep, KASAN, DEBUG_LIST and DEBUG_OBJECTS
	# reports all start with one of these (the boot banner mentions
	# lockdep and KASAN without reporting anything).
	pat='WARNING:|BUG:|UBSAN:|ODEBUG:|suspicious RCU usage|list_add corruption|list_del corruption|general protection fault|INFO: task .* blocked|Kernel panic|Oops'
	if grep -E "$pat" "$out/dmesg.log" >"$out/reports.log"; then
		echo "error: the debug kernel reported problems (build/vm-$variant/dmesg.log):" >&2
		sed 's/^/  /' "$out/reports.log" | head -40 >&2
		[ "$rc" != 0 ] || rc=99
	fi
fi
exit "$rc"

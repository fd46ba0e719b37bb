#!/bin/bash
# make bench: the benchmarks of MOVE_MOUNT_BENEATH and of reusable volatile
# overlays. Builds tools/bench, runs item 1 (and 2) on the host kernel in a
# private mount namespace, items 1-3 on the patched kernel in the VM, writes
# build/bench/*.csv and *.png and prints a summary table.
#
# Every figure is a ratio or a slope measured within one run: under TCG the
# VM's absolute times are 10-100 times the host's.
#
# Environment: BENCH_HOST_UPDATE=0 skips item 2 on the host; BENCH_VM=0
# skips the VM; BENCH_VM_TIMEOUT (default 1500 s); BENCH_DIRTY,
# BENCH_OVL_REPS, BENCH_PROP_N, BENCH_PROP_BUDGET_MS, BENCH_UPDATE_N and
# BENCH_UPDATE_REPS are passed to the guest (see tools/bench/guest.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT=$BUILD/bench
BIN=$BUILD/bench-bin
VMB=$BUILD/bench-vm

[ "$(id -u)" = 0 ] || die "make bench needs root (mount namespaces; sudo make bench)"
command -v gnuplot >/dev/null || die "gnuplot is missing: apt-get install gnuplot-nox"
command -v unshare >/dev/null || die "unshare (util-linux) is missing"
kernel=$(objdir release)/arch/x86/boot/bzImage
[ "${BENCH_VM:-1}" = 0 ] || [ -f "$kernel" ] ||
	die "no release kernel: run make kernel first"

start=$(date +%s)
log "building tools/bench into $BIN"
make -s -C "$TOP/tools/bench" O="$BIN" -j2

rm -rf "$OUT"
mkdir -p "$OUT/host" "$OUT/vm" "$BIN/mnt"

# The machine the figures come from.
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "host kernel: $(uname -r)"
	echo "nproc: $(nproc)"
	lscpu | head -n 15
	free -m | sed -n '1,2p'
	echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "vm: virtme-ng $(vng --version 2>/dev/null | awk '{print $2}'), TCG, 2 vCPUs, 2 GB (scripts/vm-run.sh)"
	if [ -f "$kernel" ]; then
		echo "patched kernel: $(date -u -r "$kernel" +%Y-%m-%dT%H:%M:%SZ) build of patches/linux at $(git -C "$TOP" log -1 --format=%h -- patches/linux 2>/dev/null || echo '?')"
	fi
} >"$OUT/machine.txt"

# The host's mounts must not change, nor loop devices be left behind: all
# of it happens in private mount namespaces (and the loop devices in the VM).
host_leftovers() {
	grep -F " $BIN/mnt" /proc/self/mountinfo || true
	losetup -a 2>/dev/null | grep -F "$BUILD/bench" || true
}
[ -z "$(host_leftovers)" ] || die "left over from an earlier run: $(host_leftovers)"

# --- The host: Linux 6.18, items 1 and 2, in a private mount namespace.
# The tools unshare once more and work on a tmpfs over build/bench-bin/mnt.
log "host ($(uname -r)): item 1, move_mount beneath vs plain"
unshare --mount --propagation private "$BIN/mb-prop" -d "$BIN/mnt" \
	-o "$OUT/host" -l host -r 15 -R 501 -b 2000
if [ "${BENCH_HOST_UPDATE:-1}" != 0 ]; then
	log "host ($(uname -r)): item 2, updating N containers"
	unshare --mount --propagation private "$BIN/mb-update" -d "$BIN/mnt" \
		-o "$OUT/host" -l host -r 25 -R 1 -p 20
fi

# --- The VM: the patched 6.1, items 1-3.
# vm-run.sh boots $BUILD/kernel-release and shares $BUILD/vm-release with
# the guest, a directory every vm-run.sh call empties: run it with BUILD
# pointing at a private copy, so a concurrent `make check` cannot delete
# our results (and a concurrent kernel build cannot swap the image).
if [ "${BENCH_VM:-1}" != 0 ]; then
	rm -rf "$VMB"
	mkdir -p "$VMB/kernel-release/arch/x86/boot"
	cp "$kernel" "$VMB/kernel-release/arch/x86/boot/bzImage"
	ln -sfn "$BUILD/bin" "$VMB/bin"
	genv=(BENCH_BIN="$BIN")
	for v in BENCH_DIRTY BENCH_OVL_REPS BENCH_PROP_N BENCH_PROP_BUDGET_MS \
		BENCH_UPDATE_N BENCH_UPDATE_REPS; do
		[ -z "${!v:-}" ] || genv+=("$v=${!v}")
	done
	log "VM (patched 6.1, TCG): items 1, 2 and 3"
	BUILD=$VMB "$TOP/scripts/vm-run.sh" -t "${BENCH_VM_TIMEOUT:-1500}" -- \
		env "${genv[@]}" "$TOP/tools/bench/guest.sh" "$VMB/vm-release/bench" ||
		die "the VM part failed (log: $VMB/vm-release/dmesg.log)"
	cp "$VMB"/vm-release/bench/* "$OUT/vm/"
	cp "$VMB/vm-release/dmesg.log" "$OUT/vm/dmesg.log" 2>/dev/null || true
	rm -rf "$VMB/kernel-release"
	sed 's/^/guest /' "$OUT/vm/guest-machine.txt" >>"$OUT/machine.txt"
fi
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

[ -z "$(host_leftovers)" ] || die "mounts or loop devices left on the host: $(host_leftovers)"

# --- One CSV per figure: the VM's rows, then the host's.
for f in prop prop_slope prop_samples update update_samples ovl ovl_runs ovl_fsync; do
	first=1
	for side in vm host; do
		[ -f "$OUT/$side/$f.csv" ] || continue
		if [ "$first" = 1 ]; then
			cat "$OUT/$side/$f.csv"
			first=0
		else
			tail -n +2 "$OUT/$side/$f.csv"
		fi
	done >"$OUT/$f.csv"
	[ -s "$OUT/$f.csv" ] || rm -f "$OUT/$f.csv"
done

log "plotting"
# (a series with no data, e.g. the host's item 2 when skipped, only warns)
gnuplot -e "dir='$OUT'" "$TOP/tools/bench/plots.gp" 2>&1 |
	{ grep -v 'Skipping data file with no valid points' >&2 || true; }

{
	echo "== machine: $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p')), $(free -m | awk '/^Mem:/ {print $2}') MB, host $(uname -r);"
	echo "   VM: TCG, 2 vCPUs, 2 GB, $(sed -n 's/^guest kernel: //p' "$OUT/machine.txt"); load $(sed -n 's/^load at start: //p' "$OUT/machine.txt") -> $(sed -n 's/^load at end: //p' "$OUT/machine.txt")"
	echo
	"$TOP/tools/bench/table.sh" "$OUT"
} | tee "$OUT/summary.txt"
end=$(date +%s)
echo
echo "make bench: $((end - start)) s; CSVs and plots in ${OUT#"$TOP"/}/:"
(cd "$OUT" && ls -- *.csv *.png | sed 's/^/  /')

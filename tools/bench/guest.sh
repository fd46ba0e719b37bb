#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The part of `make bench` that runs in the VM, on the patched kernel.
#
# usage: guest.sh OUTDIR [ITEMS]
#   OUTDIR  a directory writable from the guest (an rwdir): CSVs and the
#           machine description end up there
#   ITEMS   which items to run, default "prop update ovl"
#
# Environment: BENCH_DIRTY ("64 256 1024"), BENCH_OVL_REPS (3),
# BENCH_PROP_N, BENCH_PROP_BUDGET_MS, BENCH_UPDATE_N, BENCH_UPDATE_REPS.
set -euo pipefail

out=${1:?usage: guest.sh OUTDIR [ITEMS]}
items=${2:-prop update ovl}
here=$(cd "$(dirname "$0")" && pwd)
bin=${BENCH_BIN:-$here/../../build/bench-bin}
scratch=/tmp/mb-bench
csv=$scratch/out

log() { echo "guest: $*" >&2; }

mkdir -p "$scratch/mnt" "$csv" "$out"

{
	echo "kernel: $(uname -r)"
	echo "cpus: $(nproc)"
	free -m | sed -n 2p | awk '{print "memory_mb: " $2}'
	echo "mount-max: $(cat /proc/sys/fs/mount-max)"
} >"$csv/guest-machine.txt"
sed 's/^/guest: /' "$csv/guest-machine.txt" >&2

if [[ " $items " == *" prop "* ]]; then
	log "item 1: move_mount beneath vs plain, N receivers"
	"$bin/mb-prop" -d "$scratch/mnt" -o "$csv" -l vm \
		-n "${BENCH_PROP_N:-1,10,100,1000,10000}" -r 9 -R 301 \
		-b "${BENCH_PROP_BUDGET_MS:-10000}"
fi

if [[ " $items " == *" update "* ]]; then
	log "item 2: updating N containers"
	"$bin/mb-update" -d "$scratch/mnt" -o "$csv" -l vm \
		-n "${BENCH_UPDATE_N:-10,100,1000}" \
		-r "${BENCH_UPDATE_REPS:-25}" -R 1 -p 50
fi

# Item 3: the upper fs is ext4 on a loop device over a sparse file in a
# tmpfs of the guest. (A file in the 9p rwdir writes at 3-6 MB/s under
# TCG, too slow for 1 GB.) The tmpfs only holds what has been written
# back, so D = 1024 fits in 2 GB: the syncfs path moves D MB from the page
# cache, where it becomes clean and reclaimable, into the tmpfs.
disk=$scratch/disk
upper=$scratch/upper
loopdev=

fs_up() {
	local mb=$1

	mkdir -p "$disk" "$upper"
	# ext4 starts writing delalloc data back once half of its free
	# space is dirty: make the (sparse) fs 4 x D so that D stays dirty.
	mount -t tmpfs -o size=$((mb + 640))m mb-disk "$disk"
	truncate -s $((4 * mb + 512))M "$disk/img"
	mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1,nodiscard \
		"$disk/img"
	loopdev=$(losetup -f --show "$disk/img")
	mount -t ext4 "$loopdev" "$upper"
}

fs_down() {
	if mountpoint -q "$upper/merged" 2>/dev/null; then
		umount "$upper/merged" || true
	fi
	if mountpoint -q "$upper"; then
		umount "$upper"
	fi
	if [ -n "$loopdev" ]; then
		losetup -d "$loopdev"
		loopdev=
	fi
	if mountpoint -q "$disk"; then
		umount "$disk"
	fi
}

if [[ " $items " == *" ovl "* ]]; then
	log "item 3: restarting a volatile overlay with D MB dirty"
	trap fs_down EXIT
	# Keep D MB dirty until the restart: no background or periodic
	# writeback (a host with enough memory, restarting within the expiry).
	sysctl -q vm.dirty_background_bytes=$((1400 * 1024 * 1024)) \
		vm.dirty_bytes=$((1500 * 1024 * 1024)) \
		vm.dirty_expire_centisecs=360000 \
		vm.dirty_writeback_centisecs=0
	for d in ${BENCH_DIRTY:-64 256 1024}; do
		for ((r = 0; r < ${BENCH_OVL_REPS:-3}; r++)); do
			for m in reuse sync; do
				sync
				echo 3 >/proc/sys/vm/drop_caches
				fs_up "$d"
				"$bin/ovl-restart" -u "$upper" -o "$csv" -l vm \
					-D "$d" -m "$m" -r "$r"
				fs_down
			done
		done
	done
	trap - EXIT
	"$bin/ovl-restart" -S "$csv"
fi

cp "$csv"/* "$out"/
log "results in $out"

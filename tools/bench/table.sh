#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the summary table of `make bench` from the CSVs in DIR.
# usage: table.sh DIR
set -euo pipefail
dir=${1:?usage: table.sh DIR}

# cols FILE NAME...: the named columns of every data row, '|'-separated.
cols() {
	local file=$1 line i n
	local -a head row idx=()
	shift
	[ -f "$file" ] || return 0
	{
		IFS=, read -r -a head
		for n in "$@"; do
			for i in "${!head[@]}"; do
				if [ "${head[$i]}" = "$n" ]; then
					idx+=("$i")
					continue 2
				fi
			done
			echo "table.sh: no column $n in $file" >&2
			exit 1
		done
		while IFS=, read -r -a row; do
			line=
			for i in "${idx[@]}"; do
				line+="${row[$i]}|"
			done
			echo "${line%|}"
		done
	} <"$file"
}

# A duration given in microseconds, in a readable unit.
dur() {
	local us=$1
	if [ "$us" = nan ] || [ -z "$us" ]; then
		printf -- '-'
	elif (($(printf '%.0f' "$us") >= 10000000)); then
		printf '%.1f s' "$(bc -l <<<"$us / 1000000")"
	elif (($(printf '%.0f' "$us") >= 10000)); then
		printf '%.1f ms' "$(bc -l <<<"$us / 1000")"
	elif (($(printf '%.0f' "$us") >= 1000)); then
		printf '%.2f ms' "$(bc -l <<<"$us / 1000")"
	else
		printf '%.1f us' "$us"
	fi
}

where() {
	case $1 in
	vm) echo "VM, patched $2" ;;
	host) echo "host, $2" ;;
	*) echo "$1 $2" ;;
	esac
}

echo "== 1. move_mount() with MOVE_MOUNT_BENEATH vs plain, N slave receivers"
echo "   (median time of one call; ratio = median of per-repetition beneath/plain)"
printf '%-26s %6s %5s %11s %11s %7s %15s\n' kernel N reps plain beneath ratio "ratio p10-p90"
cols "$dir/prop.csv" label kernel n reps plain_med_us beneath_med_us ratio_med ratio_p10 ratio_p90 |
while IFS='|' read -r l k n reps p b r r10 r90; do
	printf '%-26s %6s %5s %11s %11s %7.3f %7.3f-%-7.3f\n' "$(where "$l" "$k")" \
		"$n" "$reps" "$(dur "$p")" "$(dur "$b")" "$r" "$r10" "$r90"
done
echo "   log-log least-squares slope of time vs N (1 = linear):"
cols "$dir/prop_slope.csv" label kernel method n_min n_max slope r2 slope_n100 |
while IFS='|' read -r l k m n0 n1 s r2 st; do
	printf '   %-26s %-8s N=%s..%s: %.3f (r2 %.3f); N >= 100 alone: %.3f\n' \
		"$(where "$l" "$k")" "$m" "$n0" "$n1" "$s" "$r2" "$st"
done

echo
echo "== 2. updating N containers (mount namespaces, slaves of the host's shared mount)"
echo "   (median time of the whole update; bare = reads that saw the underlying"
echo "   directory / reads overlapping the update, summed over the repetitions;"
echo "   caught = repetitions in which a reader saw it; window = none if no read"
echo "   saw it, else the median time from the start of the unmount to the end"
echo "   of the mount, which bounds it; wrong = failed reads, reads of the old"
echo "   image after the update returned, containers not showing the new one;"
echo "   steps: beneath = move + umount, setns = the loop, naive = umount + mount)"
printf '%-22s %5s %-8s %4s %10s %23s %15s %6s %12s %5s\n' kernel N method reps time "steps" "bare/during" caught window wrong
cols "$dir/update.csv" label kernel n method reps time_med_us step1_med_us step2_med_us bare_reads reads_during bare_reps host_window_med_us wrong_after stale_reads read_errors |
while IFS='|' read -r l k n m reps t s1 s2 bare during br hw wrong stale errs; do
	if [ "$m" = setns ]; then
		steps=$(dur "$s1")
	else
		steps="$(dur "$s1") + $(dur "$s2")"
	fi
	printf '%-22s %5s %-8s %4s %10s %23s %15s %6s %12s %5s\n' "$(where "$l" "$k")" \
		"$n" "$m" "$reps" "$(dur "$t")" "$steps" "$bare/$during" "$br/$reps" \
		"$(if [ "$bare" = 0 ]; then echo none; else echo "<= $(dur "$hw")"; fi)" \
		"$((wrong + stale + errs))"
done
if [ -f "$dir/update.csv" ]; then
	echo "   ratios to beneath (time):"
	cols "$dir/update.csv" label kernel n method time_med_us |
	while IFS='|' read -r l k n m t; do
		echo "$l|$k|$n|$m|$t"
	done | sort -t'|' -k1,1 -k3,3n | {
		declare -A tm
		keys=()
		while IFS='|' read -r l k n m t; do
			key="$l|$k|$n"
			[ -n "${tm[$key|beneath]+x}${tm[$key|setns]+x}${tm[$key|naive]+x}" ] || keys+=("$key")
			tm[$key|$m]=$t
		done
		for key in "${keys[@]}"; do
			IFS='|' read -r l k n <<<"$key"
			b=${tm[$key|beneath]:-}
			[ -n "$b" ] || continue
			printf '   %-26s N=%-5s setns/beneath %6.2f  naive/beneath %6.2f\n' \
				"$(where "$l" "$k")" "$n" \
				"$(bc -l <<<"${tm[$key|setns]:-0} / $b")" \
				"$(bc -l <<<"${tm[$key|naive]:-0} / $b")"
		done
	}
fi

echo
echo "== 3. restarting a volatile overlay with D MB of dirty upper data (ext4 on loop)"
echo "   (another writer's write+fsync of 4 KiB on the same upper fs: latency"
echo "   during [restart start, max(restart end, start + 1 s)] and the second before)"
echo "   (median of the runs; restart min-max in brackets; dirty MB in the page"
echo "   cache before -> right after the restart)"
printf '%-20s %5s %-6s %4s %11s %24s %10s %10s %10s %10s\n' kernel D_MB method runs "dirty MB" "restart (min-max)" syncfs "fsync p99" "fsync max" "base p99"
cols "$dir/ovl.csv" label kernel dirty_mb method runs dirty_kb_before dirty_kb_after total_ms total_min_ms total_max_ms syncfs_ms fsync_p99_us fsync_max_us base_p99_us |
while IFS='|' read -r l k d m runs dk da t tmin tmax s p99 mx b99; do
	printf '%-20s %5s %-6s %4s %11s %24s %10s %10s %10s %10s\n' "$(where "$l" "$k")" \
		"$d" "$m" "$runs" "$(printf '%.0f->%.0f' "$(bc -l <<<"$dk / 1024")" "$(bc -l <<<"$da / 1024")")" \
		"$(dur "$(bc -l <<<"$t * 1000")") ($(dur "$(bc -l <<<"$tmin * 1000")")-$(dur "$(bc -l <<<"$tmax * 1000")"))" \
		"$(dur "$(bc -l <<<"$s * 1000")")" "$(dur "$p99")" "$(dur "$mx")" \
		"$(dur "$b99")"
done
if [ -f "$dir/ovl.csv" ]; then
	cols "$dir/ovl.csv" dirty_mb method total_ms fsync_max_us | {
		declare -A t f
		ds=()
		while IFS='|' read -r d m tot mx; do
			[ -n "${t[$d|reuse]+x}${t[$d|sync]+x}" ] || ds+=("$d")
			t[$d|$m]=$tot
			f[$d|$m]=$mx
		done
		for d in "${ds[@]}"; do
			[ -n "${t[$d|reuse]:-}" ] && [ -n "${t[$d|sync]:-}" ] || continue
			printf '   D=%-5s sync/reuse: restart time x%.0f, other writer'"'"'s max fsync x%.1f\n' \
				"$d" "$(bc -l <<<"${t[$d|sync]} / ${t[$d|reuse]}")" \
				"$(bc -l <<<"${f[$d|sync]} / ${f[$d|reuse]}")"
		done
	}
fi

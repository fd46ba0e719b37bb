# SPDX-License-Identifier: GPL-2.0
# The plots of `make bench`. usage: gnuplot -e "dir='build/bench'" plots.gp
if (!exists("dir")) dir = "build/bench"
set terminal pngcairo size 960,600 font "sans,10"
set datafile separator ","
set grid
set datafile missing NaN
set key top left box opaque

is(c, v) = strcol(c) eq v
f(c, v, y) = is(c, v) ? y : NaN
g(c1, v1, c2, v2, y) = (is(c1, v1) && is(c2, v2)) ? y : NaN

# ---- 1. move_mount beneath vs plain, time vs N (log-log) and the ratio.
prop = dir."/prop.csv"
if (system("test -f ".prop." && echo y") eq "y") {
	set output dir."/prop_time.png"
	set title "1. move\\_mount(): plain vs MOVE\\_MOUNT\\_BENEATH, N slave receivers (median, p10-p90)"
	set logscale xy
	set xlabel "N propagation receivers"
	set ylabel "time of one move\\_mount() call (us)"
	set xrange [0.6:16000]
	plot prop every ::1 using 3:(f(1,"vm",$5)):(f(1,"vm",$6)):(f(1,"vm",$7)) \
		with yerrorlines lw 2 pt 7 lc rgb "#1f77b4" title "VM, patched 6.1: plain", \
	     prop every ::1 using 3:(f(1,"vm",$8)):(f(1,"vm",$9)):(f(1,"vm",$10)) \
		with yerrorlines lw 2 pt 5 dt 2 lc rgb "#ff7f0e" title "VM, patched 6.1: beneath", \
	     prop every ::1 using 3:(f(1,"host",$5)):(f(1,"host",$6)):(f(1,"host",$7)) \
		with yerrorlines lw 2 pt 6 lc rgb "#2ca02c" title "host 6.18: plain", \
	     prop every ::1 using 3:(f(1,"host",$8)):(f(1,"host",$9)):(f(1,"host",$10)) \
		with yerrorlines lw 2 pt 4 dt 2 lc rgb "#d62728" title "host 6.18: beneath"
	unset logscale

	set output dir."/prop_ratio.png"
	set title "1. cost of MOVE\\_MOUNT\\_BENEATH relative to a plain move\\_mount() of the same tree (median, p10-p90 of per-repetition ratios)"
	set logscale x
	set yrange [0:*]
	set ylabel "beneath / plain"
	plot prop every ::1 using ($3*0.93):(f(1,"vm",$11)):(f(1,"vm",$12)):(f(1,"vm",$13)) \
		with yerrorlines lw 2 pt 7 lc rgb "#1f77b4" title "VM, patched 6.1", \
	     prop every ::1 using ($3*1.07):(f(1,"host",$11)):(f(1,"host",$12)):(f(1,"host",$13)) \
		with yerrorlines lw 2 pt 5 lc rgb "#2ca02c" title "host 6.18", \
	     1 with lines dt 3 lc rgb "black" notitle
	unset logscale
	set autoscale
}

# ---- 2. updating N containers: time and window.
upd = dir."/update.csv"
if (system("test -f ".upd." && echo y") eq "y") {
	set output dir."/update_time.png"
	set title "2. updating N containers: time of the whole update (median)"
	set logscale xy
	set xrange [7:1500]
	set xlabel "N containers (mount namespaces)"
	set ylabel "time (us)"
	plot upd every ::1 using 3:(g(1,"vm",4,"beneath",$6)) with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "VM 6.1: beneath + umount (host)", \
	     upd every ::1 using 3:(g(1,"vm",4,"setns",$6)) with linespoints lw 2 pt 5 lc rgb "#ff7f0e" title "VM 6.1: setns + mount in each", \
	     upd every ::1 using 3:(g(1,"vm",4,"naive",$6)) with linespoints lw 2 pt 9 lc rgb "#d62728" title "VM 6.1: umount + mount (host)", \
	     upd every ::1 using 3:(g(1,"host",4,"beneath",$6)) with linespoints lw 1 dt 2 pt 6 lc rgb "#1f77b4" title "host 6.18: beneath + umount", \
	     upd every ::1 using 3:(g(1,"host",4,"setns",$6)) with linespoints lw 1 dt 2 pt 4 lc rgb "#ff7f0e" title "host 6.18: setns + mount", \
	     upd every ::1 using 3:(g(1,"host",4,"naive",$6)) with linespoints lw 1 dt 2 pt 8 lc rgb "#d62728" title "host 6.18: umount + mount"
	unset logscale

	set output dir."/update_window.png"
	set title "2. reader-visible window: share of the reads overlapping the update that saw the bare directory"
	set logscale x
	set yrange [-5:105]
	set ylabel "bare reads / reads during the update (%)"
	pct(b, d) = d > 0 ? 100.0 * b / d : 0
	plot upd every ::1 using 3:(g(1,"vm",4,"beneath",pct($11,$10))) with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "VM 6.1: beneath + umount", \
	     upd every ::1 using 3:(g(1,"vm",4,"setns",pct($11,$10))) with linespoints lw 2 pt 5 lc rgb "#ff7f0e" title "VM 6.1: setns + mount", \
	     upd every ::1 using 3:(g(1,"vm",4,"naive",pct($11,$10))) with linespoints lw 2 pt 9 lc rgb "#d62728" title "VM 6.1: umount + mount", \
	     upd every ::1 using 3:(g(1,"host",4,"beneath",pct($11,$10))) with linespoints lw 1 dt 2 pt 6 lc rgb "#1f77b4" title "host 6.18: beneath + umount", \
	     upd every ::1 using 3:(g(1,"host",4,"setns",pct($11,$10))) with linespoints lw 1 dt 2 pt 4 lc rgb "#ff7f0e" title "host 6.18: setns + mount", \
	     upd every ::1 using 3:(g(1,"host",4,"naive",pct($11,$10))) with linespoints lw 1 dt 2 pt 8 lc rgb "#d62728" title "host 6.18: umount + mount"
	unset logscale
	set autoscale
}

# ---- 3. volatile overlay restart.
ovl = dir."/ovl.csv"
if (system("test -f ".ovl." && echo y") eq "y") {
	set output dir."/ovl_restart.png"
	set title "3. restarting a volatile overlay with D MB dirty (patched 6.1, VM, ext4 on loop; median, min-max)"
	set logscale xy 2
	set logscale y 10
	set xrange [45:1500]
	set xlabel "D: dirty upper data (MB)"
	set ylabel "restart time (ms)"
	plot ovl every ::1 using 3:(f(4,"reuse",$8)):23:24 with yerrorlines lw 2 pt 7 lc rgb "#1f77b4" title "reuse: umount + mount (checkpoint)", \
	     ovl every ::1 using 3:(f(4,"sync",$8)):23:24 with yerrorlines lw 2 pt 5 lc rgb "#d62728" title "sync: umount + syncfs + rm -rf work + mount", \
	     ovl every ::1 using 3:(f(4,"sync",$10)) with linespoints lw 1 dt 2 pt 4 lc rgb "#d62728" title "   of which syncfs"
	unset logscale

	set output dir."/ovl_fsync.png"
	set title "3. another writer's 4 KiB write+fsync on the same upper fs during the restart (median of the runs)"
	set logscale x 2
	set logscale y 10
	set ylabel "latency (ms)"
	plot ovl every ::1 using 3:(f(4,"reuse",$17/1000)) with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "reuse: max", \
	     ovl every ::1 using 3:(f(4,"reuse",$16/1000)) with linespoints lw 1 dt 2 pt 6 lc rgb "#1f77b4" title "reuse: p99", \
	     ovl every ::1 using 3:(f(4,"sync",$17/1000)) with linespoints lw 2 pt 5 lc rgb "#d62728" title "sync: max", \
	     ovl every ::1 using 3:(f(4,"sync",$16/1000)) with linespoints lw 1 dt 2 pt 4 lc rgb "#d62728" title "sync: p99", \
	     ovl every ::1 using 3:($20/1000) with points pt 1 lc rgb "gray40" title "the second before: p99"
	unset logscale
	set autoscale

	ts = dir."/ovl_fsync.csv"
	stats ovl every ::1 using 3 nooutput
	dmax = sprintf("%d", STATS_max)
	set output dir."/ovl_fsync_timeline.png"
	set title "3. other writer's fsync latency around the restart, D = ".dmax." MB (restart starts at t = 0)"
	set logscale y 10
	set xlabel "time of the write (ms, relative to the restart)"
	set ylabel "write + fsync latency (ms)"
	set xrange [-1200:*]
	plot ts every ::1 using 5:((strcol(2) eq dmax && is(3,"reuse") && $4 == 0) ? $6/1000 : NaN) with impulses lw 2 lc rgb "#1f77b4" title "reuse (first run)", \
	     ts every ::1 using 5:((strcol(2) eq dmax && is(3,"sync") && $4 == 0) ? $6/1000 : NaN) with impulses lw 2 lc rgb "#d62728" title "sync (first run)"
}

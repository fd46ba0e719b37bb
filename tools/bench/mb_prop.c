// SPDX-License-Identifier: GPL-2.0
/*
 * Item 1: what MOVE_MOUNT_BENEATH costs compared to a plain move_mount()
 * of the same tree, as a function of the number N of propagation receivers.
 *
 * The receivers are N slave bind mounts of the shared parent P, in one
 * mount namespace: propagation works on mounts (peer groups and slave
 * lists), not on namespaces, so N slaves of P cost the kernel the same
 * per receiver as N containers whose copy of P is a slave of it, without
 * N copies of the rest of the mount table. Every receiver holds a copy
 * T' of the top mount T at P/mp, as containers do.
 *
 * One repetition times, each on a fresh detached clone S of the same
 * directory (open_tree(OPEN_TREE_CLONE), taken outside the timed region):
 *  - plain:   move_mount(S -> P/mp)          S lands on T and on every T'
 *             then umount2(P/mp) removes S (and its copies) again;
 *  - beneath: move_mount(S -> P/mp, BENEATH) S lands between P and T and a
 *             copy between every receiver and its T' (tucked);
 *             then umount2(P/mp) removes T: S is the new top, as after an
 *             update, so every repetition starts from the same state.
 * Both calls create N + 1 mounts. The order of the two alternates between
 * repetitions. Only the move_mount() call is in the timed region; the
 * unmounts are timed separately and reported for information.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_N 16

struct result {
	long n;
	int reps;
	double *plain, *beneath, *ratio, *plain_umount, *beneath_umount;
	long mounts;
};

static long count_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	long lines = 0;
	int c;

	if (!f)
		die("open mountinfo");
	while ((c = getc(f)) != EOF)
		lines += c == '\n';
	fclose(f);
	return lines;
}

/* Build the tree for @n receivers in a fresh tmpfs at @w. */
static void setup(const char *w, long n)
{
	long i;

	xmkdir(w);
	xmount("mb-prop", w, "tmpfs", 0, "mode=0755");
	xmount(NULL, w, NULL, MS_PRIVATE, NULL);

	/* The image every source is cloned from. */
	xmkdir(pathf("%s/img", w));
	write_file(pathf("%s/img/id", w), "img\n");

	/* P, shared, with the bare mountpoint directory. */
	xmkdir(pathf("%s/p", w));
	xmount("mb-prop-p", pathf("%s/p", w), "tmpfs", 0, "mode=0755");
	xmount(NULL, pathf("%s/p", w), NULL, MS_SHARED, NULL);
	xmkdir(pathf("%s/p/mp", w));
	write_file(pathf("%s/p/mp/id", w), "bare\n");

	/* The receivers: slave binds of P under a private tmpfs. */
	xmkdir(pathf("%s/r", w));
	xmount("mb-prop-r", pathf("%s/r", w), "tmpfs", 0, "mode=0755");
	xmount(NULL, pathf("%s/r", w), NULL, MS_PRIVATE, NULL);
	for (i = 0; i < n; i++) {
		const char *r = pathf("%s/r/%ld", w, i);

		xmkdir(r);
		xmount(pathf("%s/p", w), r, NULL, MS_BIND, NULL);
		xmount(NULL, r, NULL, MS_SLAVE, NULL);
	}

	/* T on P/mp, propagated to every receiver. */
	xmount(pathf("%s/img", w), pathf("%s/p/mp", w), NULL, MS_BIND, NULL);
}

static int clone_img(const char *w)
{
	int fd = open_tree(AT_FDCWD, pathf("%s/img", w),
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd < 0)
		die("open_tree(%s/img)", w);
	return fd;
}

/* One timed move_mount(); returns its duration in microseconds. */
static double timed_move(const char *w, unsigned int flags, double *umount_us)
{
	const char *mp = pathf("%s/p/mp", w);
	int fd = clone_img(w);
	uint64_t t0, t1, t2, t3;

	t0 = now_ns();
	if (move_mount(fd, "", AT_FDCWD, mp, MOVE_MOUNT_F_EMPTY_PATH | flags))
		die("move_mount(%s, %#x)", mp, flags);
	t1 = now_ns();
	close(fd);
	/* plain: removes S again; beneath: removes the old top T. */
	t2 = now_ns();
	xumount(mp, 0);
	t3 = now_ns();
	*umount_us = (double)(t3 - t2) / 1e3;
	return (double)(t1 - t0) / 1e3;
}

/* Check once per N that a beneath move really created N + 1 mounts. */
static long check_counts(const char *w, long n)
{
	long before = count_mounts(), after;
	int fd = clone_img(w);

	if (move_mount(fd, "", AT_FDCWD, pathf("%s/p/mp", w),
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_BENEATH))
		die("move_mount(BENEATH) on %s/p/mp", w);
	close(fd);
	after = count_mounts();
	if (after - before != n + 1)
		die("beneath with %ld receivers created %ld mounts, not %ld",
		    n, after - before, n + 1);
	xumount(pathf("%s/p/mp", w), 0);
	if (count_mounts() != before)
		die("unmounting the old top left %ld mounts, not %ld",
		    count_mounts(), before);
	return after;
}

static void run_n(const char *dir, struct result *r, int minreps,
		  int maxreps, double budget_ms, FILE *raw, const char *label)
{
	const char *w = pathf("%s/n%ld", dir, r->n);
	char wbuf[4096];
	uint64_t t0, start;
	int i, warm = 2;

	snprintf(wbuf, sizeof(wbuf), "%s", w);
	w = wbuf;
	t0 = now_ns();
	setup(w, r->n);
	r->mounts = check_counts(w, r->n);
	info("N=%ld: set up in %.1f s, %ld mounts with the copies", r->n,
	     (double)(now_ns() - t0) / 1e9, r->mounts);

	r->plain = calloc(maxreps, sizeof(double));
	r->beneath = calloc(maxreps, sizeof(double));
	r->ratio = calloc(maxreps, sizeof(double));
	r->plain_umount = calloc(maxreps, sizeof(double));
	r->beneath_umount = calloc(maxreps, sizeof(double));
	if (!r->plain || !r->beneath || !r->ratio || !r->plain_umount ||
	    !r->beneath_umount)
		die("out of memory");

	for (i = 0; i < warm; i++) {
		double u;

		timed_move(w, 0, &u);
		timed_move(w, MOVE_MOUNT_BENEATH, &u);
	}

	start = now_ns();
	for (i = 0; i < maxreps; i++) {
		double p, b, pu, bu;

		if (i >= minreps &&
		    (double)(now_ns() - start) / 1e6 >= budget_ms)
			break;
		if (i & 1) {
			b = timed_move(w, MOVE_MOUNT_BENEATH, &bu);
			p = timed_move(w, 0, &pu);
		} else {
			p = timed_move(w, 0, &pu);
			b = timed_move(w, MOVE_MOUNT_BENEATH, &bu);
		}
		r->plain[i] = p;
		r->beneath[i] = b;
		r->ratio[i] = b / p;
		r->plain_umount[i] = pu;
		r->beneath_umount[i] = bu;
		fprintf(raw, "%s,%s,%ld,%d,%.3f,%.3f,%.3f,%.3f\n", label,
			kernel_release(), r->n, i, p, b, pu, bu);
	}
	r->reps = i;

	t0 = now_ns();
	xumount(w, MNT_DETACH);
	info("N=%ld: %d repetitions, plain %.1f us, beneath %.1f us (median), torn down in %.1f s",
	     r->n, r->reps, median(r->plain, r->reps),
	     median(r->beneath, r->reps), (double)(now_ns() - t0) / 1e9);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s -d DIR -o CSVDIR -l LABEL [-n N,N,...] [-r MINREPS] [-R MAXREPS] [-b BUDGET_MS]\n"
		"  DIR: an existing directory to mount the scratch tmpfs on\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *out = NULL, *label = NULL;
	char *list = strdup("1,10,100,1000,10000"), *tok, *save;
	int minreps = 9, maxreps = 301, opt, nn = 0, i;
	double budget_ms = 3000, xs[MAX_N], yp[MAX_N], yb[MAX_N];
	double sp, sb, r2p, r2b;
	struct result res[MAX_N];
	FILE *csv, *raw, *slope;

	prog = "mb-prop";
	while ((opt = getopt(argc, argv, "d:o:l:n:r:R:b:")) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'n':
			list = strdup(optarg);
			break;
		case 'r':
			minreps = atoi(optarg);
			break;
		case 'R':
			maxreps = atoi(optarg);
			break;
		case 'b':
			budget_ms = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (!dir || !out || !label || minreps < 1 || maxreps < minreps)
		usage();

	memset(res, 0, sizeof(res));
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (nn == MAX_N)
			die("too many values of N");
		res[nn].n = atol(tok);
		if (res[nn].n < 1)
			die("bad N '%s'", tok);
		nn++;
	}

	csv = csv_open(pathf("%s/prop.csv", out),
		       "label,kernel,n,reps,plain_med_us,plain_p10_us,plain_p90_us,"
		       "beneath_med_us,beneath_p10_us,beneath_p90_us,ratio_med,"
		       "ratio_p10,ratio_p90,plain_umount_med_us,"
		       "beneath_umount_med_us,mounts_peak");
	raw = csv_open(pathf("%s/prop_samples.csv", out),
		       "label,kernel,n,rep,plain_us,beneath_us,plain_umount_us,beneath_umount_us");
	slope = csv_open(pathf("%s/prop_slope.csv", out),
			 "label,kernel,method,n_min,n_max,points,slope,r2,slope_n100");

	scratch_ns(dir);
	info("kernel %s, mount-max and the receivers live in one private namespace",
	     kernel_release());

	for (i = 0; i < nn; i++) {
		struct result *r = &res[i];

		run_n(dir, r, minreps, maxreps, budget_ms, raw, label);
		fflush(raw);
		fprintf(csv,
			"%s,%s,%ld,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%.3f,%.3f,%ld\n",
			label, kernel_release(), r->n, r->reps,
			median(r->plain, r->reps),
			percentile(r->plain, r->reps, 10),
			percentile(r->plain, r->reps, 90),
			median(r->beneath, r->reps),
			percentile(r->beneath, r->reps, 10),
			percentile(r->beneath, r->reps, 90),
			median(r->ratio, r->reps),
			percentile(r->ratio, r->reps, 10),
			percentile(r->ratio, r->reps, 90),
			median(r->plain_umount, r->reps),
			median(r->beneath_umount, r->reps), r->mounts);
		fflush(csv);
		xs[i] = (double)r->n;
		yp[i] = median(r->plain, r->reps);
		yb[i] = median(r->beneath, r->reps);
	}

	if (nn >= 2) {
		double tp = NAN, tb = NAN;
		int big = 0;

		sp = loglog_slope(xs, yp, nn, &r2p);
		sb = loglog_slope(xs, yb, nn, &r2b);
		/*
		 * The slope over N >= 100 alone: the per-receiver cost, without
		 * the fixed cost of the syscall that flattens the small N.
		 */
		while (big < nn && xs[big] < 100)
			big++;
		if (nn - big >= 2) {
			tp = loglog_slope(xs + big, yp + big, nn - big, NULL);
			tb = loglog_slope(xs + big, yb + big, nn - big, NULL);
		}
		fprintf(slope, "%s,%s,plain,%ld,%ld,%d,%.4f,%.4f,%.4f\n", label,
			kernel_release(), res[0].n, res[nn - 1].n, nn, sp, r2p,
			tp);
		fprintf(slope, "%s,%s,beneath,%ld,%ld,%d,%.4f,%.4f,%.4f\n",
			label, kernel_release(), res[0].n, res[nn - 1].n, nn,
			sb, r2b, tb);
		info("log-log slope of time vs N: plain %.3f, beneath %.3f (N >= 100: %.3f, %.3f)",
		     sp, sb, tp, tb);
	}
	fclose(csv);
	fclose(raw);
	fclose(slope);
	return 0;
}

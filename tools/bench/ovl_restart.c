// SPDX-License-Identifier: GPL-2.0
/*
 * Item 3: restarting a volatile overlay that has D MB of dirty upper data.
 *
 * UPPER is the mount point of the upper filesystem (ext4 on a loop or
 * virtio disk, set up by the caller). The tool makes lower/, upper/,
 * work/ and merged/ in it, mounts a volatile overlay on merged/, writes D
 * MB into it (1 MiB writes, 64 MiB files), and restarts the overlay with
 * one of two methods:
 *  - reuse: umount, mount volatile again on the same work dir (the
 *           patched kernel reuses it: its checkpoint verifies);
 *  - sync:  umount, syncfs() of the upper fs, rm -rf the work dir and
 *           mkdir it again, mount volatile (what Linux 6.1 requires).
 *
 * Meanwhile another writer, standing for another container on the same
 * upper filesystem, appends 4 KiB records to other/log outside the
 * overlay and fsync()s each one, every INTERVAL ms. Its fsync latencies
 * are reported for a baseline second before the restart and for the
 * restart window [t0, max(t1, t0 + 1 s)]: a restart that returns at once
 * is still watched for a second, so that anything it sets off shows.
 *
 * The caller keeps the data dirty (vm.dirty_* raised): the point is the
 * cost of a restart while D MB are still in the page cache.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define FILE_MIB 64
#define REC_SIZE 4096
#define MAX_SAMPLES (1 << 20)

struct sample {
	uint64_t t;		/* start of the write */
	uint64_t lat_ns;	/* write + fsync */
};

static char upper[PATH_MAX];
static char opts[3 * PATH_MAX + 64];
static struct sample *samples;
static atomic_size_t nsamples;
static atomic_bool stop_writer;
static unsigned int interval_ms = 10;

static void *writer_fn(void *arg)
{
	char rec[REC_SIZE], path[PATH_MAX + 16];
	uint64_t k = 0;
	int fd;

	memset(rec, 'w', sizeof(rec));
	snprintf(path, sizeof(path), "%s/other/log", upper);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open other/log");
	while (!atomic_load(&stop_writer)) {
		uint64_t t0 = now_ns(), t1;
		size_t i;

		if (pwrite(fd, rec, sizeof(rec), (off_t)(k++ % 256) * REC_SIZE)
		    != sizeof(rec))
			die("pwrite other/log");
		if (fsync(fd))
			die("fsync other/log");
		t1 = now_ns();
		i = atomic_load(&nsamples);
		if (i < MAX_SAMPLES) {
			samples[i].t = t0;
			samples[i].lat_ns = t1 - t0;
			atomic_store(&nsamples, i + 1);
		}
		sleep_ms(interval_ms);
	}
	close(fd);
	return NULL;
}

static void mount_ovl(void)
{
	xmount("mb-ovl", pathf("%s/merged", upper), "overlay", 0, opts);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	if (remove(path))
		die("remove %s", path);
	return 0;
}

static void rm_rf(const char *path)
{
	if (nftw(path, rm_one, 64, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
		die("rm -rf %s", path);
	errno = 0;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("open /proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			v = atol(line + len + 1);
			break;
		}
	fclose(f);
	return v;
}

static void write_data(long mb)
{
	char *buf = malloc(MIB);
	long done = 0;
	int fd = -1, nfile = 0;

	if (!buf)
		die("out of memory");
	xmkdir(pathf("%s/merged/data", upper));
	while (done < mb) {
		if (done % FILE_MIB == 0) {
			if (fd >= 0)
				close(fd);
			fd = open(pathf("%s/merged/data/f%03d", upper, nfile++),
				  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				  0644);
			if (fd < 0)
				die("create data file");
		}
		/* Distinct content per MiB, so nothing can be deduplicated. */
		memset(buf, 'a' + (int)(done % 26), MIB);
		snprintf(buf, 32, "mib %ld\n", done);
		if (write(fd, buf, MIB) != MIB)
			die("write data");
		done++;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
}

static void check_data(void)
{
	char buf[32] = "";
	int fd = open(pathf("%s/merged/data/f000", upper), O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 8 ||
	    strncmp(buf, "mib 0\n", 6))
		die("the restarted overlay lost the data");
	close(fd);
	if (access(pathf("%s/work/work/incompat/volatile/dirty", upper), F_OK))
		die("no volatile dirty file after the restart");
}

struct stats {
	size_t n;
	double p50, p99, max;
};

static void lat_stats(uint64_t from, uint64_t to, struct stats *s)
{
	size_t n = atomic_load(&nsamples), i, k = 0;
	double *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		die("out of memory");
	for (i = 0; i < n; i++) {
		uint64_t end = samples[i].t + samples[i].lat_ns;

		/* Overlapping the interval: it saw part of it. */
		if (end >= from && samples[i].t < to)
			v[k++] = samples[i].lat_ns / 1e3;
	}
	s->n = k;
	s->p50 = k ? percentile(v, k, 50) : NAN;
	s->p99 = k ? percentile(v, k, 99) : NAN;
	s->max = k ? vmax(v, k) : NAN;
	free(v);
}

/* ------------------------------------------------------------------ */
/* -S: medians of the runs, per (label, kernel, D, method). */

#define RUN_KEYS 4		/* label, kernel, dirty_mb, method */
#define RUN_COLS 22		/* ... rep, then the numbers */
#define MAX_RUNS 256

struct run {
	char *f[RUN_COLS];
};

static int split(char *line, char **f, int max)
{
	int n = 0;
	char *save, *tok;

	line[strcspn(line, "\r\n")] = '\0';
	for (tok = strtok_r(line, ",", &save); tok && n < max;
	     tok = strtok_r(NULL, ",", &save))
		f[n++] = tok;
	return n;
}

static bool same_key(const struct run *a, const struct run *b)
{
	int i;

	for (i = 0; i < RUN_KEYS; i++)
		if (strcmp(a->f[i], b->f[i]))
			return false;
	return true;
}

static int summarise(const char *dir)
{
	static char lines[MAX_RUNS][1024];
	static struct run runs[MAX_RUNS];
	char header[1024], *hf[RUN_COLS];
	bool done[MAX_RUNS] = { false };
	int n = 0, i, j, c;
	FILE *in, *out;

	in = fopen(pathf("%s/ovl_runs.csv", dir), "r");
	if (!in)
		die("open %s/ovl_runs.csv", dir);
	if (!fgets(header, sizeof(header), in) ||
	    split(header, hf, RUN_COLS) != RUN_COLS)
		die("bad header in ovl_runs.csv");
	while (n < MAX_RUNS && fgets(lines[n], sizeof(lines[n]), in)) {
		if (split(lines[n], runs[n].f, RUN_COLS) != RUN_COLS)
			die("bad line %d in ovl_runs.csv", n + 2);
		n++;
	}
	fclose(in);

	out = fopen(pathf("%s/ovl.csv", dir), "w");
	if (!out)
		die("create %s/ovl.csv", dir);
	for (c = 0; c < RUN_COLS; c++)
		fprintf(out, "%s%s", c ? "," : "", c == RUN_KEYS ? "runs" : hf[c]);
	fprintf(out, ",total_min_ms,total_max_ms,fsync_max_max_us\n");

	for (i = 0; i < n; i++) {
		double v[MAX_RUNS], tot[MAX_RUNS], fmax[MAX_RUNS];
		int g[MAX_RUNS], k = 0;

		if (done[i])
			continue;
		for (j = i; j < n; j++)
			if (!done[j] && same_key(&runs[i], &runs[j])) {
				done[j] = true;
				g[k++] = j;
			}
		for (c = 0; c < RUN_KEYS; c++)
			fprintf(out, "%s,", runs[i].f[c]);
		fprintf(out, "%d", k);
		for (c = RUN_KEYS + 1; c < RUN_COLS; c++) {
			for (j = 0; j < k; j++)
				v[j] = atof(runs[g[j]].f[c]);
			fprintf(out, ",%.3f", median(v, k));
		}
		for (j = 0; j < k; j++) {
			tot[j] = atof(runs[g[j]].f[7]);
			fmax[j] = atof(runs[g[j]].f[16]);
		}
		fprintf(out, ",%.3f,%.3f,%.1f\n", vmin(tot, k), vmax(tot, k),
			vmax(fmax, k));
	}
	fclose(out);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s -u UPPER_MNT -o CSVDIR -l LABEL -D MB -m reuse|sync [-i INTERVAL_MS] [-r REP]\n"
		"       %s -S CSVDIR   (ovl_runs.csv -> ovl.csv: medians per D and method)\n",
		prog, prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *out = NULL, *label = NULL, *method = NULL, *up = NULL;
	uint64_t t0, t_um, t_sync, t_rm, t1, tend, tw;
	long mb = 0, dirty_kb, wb_kb, dirty_after_kb;
	struct stats base, during;
	pthread_t th;
	bool sync_method;
	FILE *csv, *raw;
	size_t i, n;
	int opt, fd, rep = 0;

	prog = "ovl-restart";
	while ((opt = getopt(argc, argv, "u:o:l:D:m:i:r:S:")) != -1) {
		switch (opt) {
		case 'u':
			up = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'D':
			mb = atol(optarg);
			break;
		case 'm':
			method = optarg;
			break;
		case 'i':
			interval_ms = atoi(optarg);
			break;
		case 'r':
			rep = atoi(optarg);
			break;
		case 'S':
			return summarise(optarg);
		default:
			usage();
		}
	}
	if (!up || !out || !label || mb < 1 || !method)
		usage();
	if (strcmp(method, "reuse") && strcmp(method, "sync"))
		usage();
	sync_method = !strcmp(method, "sync");
	if (!realpath(up, upper))
		die("realpath %s", up);
	samples = calloc(MAX_SAMPLES, sizeof(*samples));
	if (!samples)
		die("out of memory");

	csv = csv_open(pathf("%s/ovl_runs.csv", out),
		       "label,kernel,dirty_mb,method,rep,dirty_kb_before,"
		       "writeback_kb_before,total_ms,umount_ms,syncfs_ms,"
		       "rmwork_ms,mount_ms,write_s,fsync_n,fsync_p50_us,"
		       "fsync_p99_us,fsync_max_us,base_n,base_p50_us,"
		       "base_p99_us,base_max_us,dirty_kb_after");
	raw = csv_open(pathf("%s/ovl_fsync.csv", out),
		       "label,dirty_mb,method,rep,t_ms,lat_us");

	xmkdir(pathf("%s/lower", upper));
	xmkdir(pathf("%s/upper", upper));
	xmkdir(pathf("%s/work", upper));
	xmkdir(pathf("%s/merged", upper));
	xmkdir(pathf("%s/other", upper));
	write_file(pathf("%s/lower/base", upper), "base image\n");
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work,volatile",
		 upper, upper, upper);
	mount_ovl();

	tw = now_ns();
	write_data(mb);
	tw = now_ns() - tw;
	info("D=%ld MB (%s): written in %.1f s, Dirty %ld kB", mb, method,
	     (double)tw / 1e9, meminfo_kb("Dirty"));

	errno = pthread_create(&th, NULL, writer_fn, NULL);
	if (errno)
		die("pthread_create");
	sleep_ms(1000);
	dirty_kb = meminfo_kb("Dirty");
	wb_kb = meminfo_kb("Writeback");

	t0 = now_ns();
	xumount(pathf("%s/merged", upper), 0);
	t_um = now_ns();
	t_sync = t_rm = t_um;
	if (sync_method) {
		fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || syncfs(fd))
			die("syncfs %s", upper);
		close(fd);
		t_sync = now_ns();
		rm_rf(pathf("%s/work", upper));
		xmkdir(pathf("%s/work", upper));
		t_rm = now_ns();
	}
	mount_ovl();
	t1 = now_ns();
	dirty_after_kb = meminfo_kb("Dirty");

	tend = t1 > t0 + 1000000000ull ? t1 : t0 + 1000000000ull;
	while (now_ns() < tend + 20000000ull)
		sleep_ms(10);
	atomic_store(&stop_writer, true);
	pthread_join(th, NULL);
	check_data();

	lat_stats(t0 - 1000000000ull, t0, &base);
	lat_stats(t0, tend, &during);
	fprintf(csv,
		"%s,%s,%ld,%s,%d,%ld,%ld,%.3f,%.3f,%.3f,%.3f,%.3f,%.2f,%zu,%.1f,%.1f,%.1f,%zu,%.1f,%.1f,%.1f,%ld\n",
		label, kernel_release(), mb, method, rep, dirty_kb, wb_kb,
		(t1 - t0) / 1e6, (t_um - t0) / 1e6, (t_sync - t_um) / 1e6,
		(t_rm - t_sync) / 1e6, (t1 - t_rm) / 1e6, tw / 1e9, during.n,
		during.p50, during.p99, during.max, base.n, base.p50, base.p99,
		base.max, dirty_after_kb);
	n = atomic_load(&nsamples);
	for (i = 0; i < n; i++)
		fprintf(raw, "%s,%ld,%s,%d,%.3f,%.1f\n", label, mb, method, rep,
			((double)samples[i].t - (double)t0) / 1e6,
			samples[i].lat_ns / 1e3);
	info("D=%ld MB (%s): restart %.1f ms (syncfs %.1f ms); other writer's fsync p99 %.0f us, max %.0f us (baseline p99 %.0f us)",
	     mb, method, (t1 - t0) / 1e6, (t_sync - t_um) / 1e6, during.p99,
	     during.max, base.p99);

	/* Leave nothing to write back: drop the data, dirty or not. */
	xumount(pathf("%s/merged", upper), 0);
	rm_rf(pathf("%s/upper/data", upper));
	fclose(csv);
	fclose(raw);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the benchmarks.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

const char *prog = "bench";

void die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "%s: error: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, " (%s)", strerror(err));
	fputc('\n', stderr);
	exit(1);
}

void info(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double *sorted_copy(const double *v, size_t n)
{
	double *s = malloc((n ? n : 1) * sizeof(*s));

	if (!s)
		die("out of memory");
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

/* Linear interpolation between closest ranks; p in [0, 100]. */
double percentile(const double *v, size_t n, double p)
{
	double *s, pos, r;
	size_t i;

	if (!n)
		return NAN;
	s = sorted_copy(v, n);
	pos = p / 100.0 * (double)(n - 1);
	i = (size_t)pos;
	if (i + 1 < n)
		r = s[i] + (pos - (double)i) * (s[i + 1] - s[i]);
	else
		r = s[n - 1];
	free(s);
	return r;
}

double median(const double *v, size_t n)
{
	return percentile(v, n, 50.0);
}

double vmin(const double *v, size_t n)
{
	double m = n ? v[0] : NAN;
	size_t i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

double vmax(const double *v, size_t n)
{
	double m = n ? v[0] : NAN;
	size_t i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

double loglog_slope(const double *x, const double *y, size_t n, double *r2)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, lx, ly;
	double cov, varx, vary, slope;
	size_t i;

	if (n < 2)
		return NAN;
	for (i = 0; i < n; i++) {
		lx = log(x[i]);
		ly = log(y[i]);
		sx += lx;
		sy += ly;
		sxx += lx * lx;
		sxy += lx * ly;
		syy += ly * ly;
	}
	cov = sxy - sx * sy / (double)n;
	varx = sxx - sx * sx / (double)n;
	vary = syy - sy * sy / (double)n;
	slope = cov / varx;
	if (r2)
		*r2 = vary > 0 ? cov * cov / (varx * vary) : 1.0;
	return slope;
}

FILE *csv_open(const char *path, const char *header)
{
	struct stat st;
	bool fresh = stat(path, &st) || st.st_size == 0;
	FILE *f = fopen(path, "a");

	if (!f)
		die("cannot open %s", path);
	if (fresh)
		fprintf(f, "%s\n", header);
	return f;
}

const char *kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		die("uname");
	return u.release;
}

void xmount(const char *src, const char *dst, const char *type,
	    unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data))
		die("mount(%s, %s, %s, %#lx, %s)", src ? src : "NULL", dst,
		    type ? type : "NULL", flags, data ? data : "NULL");
}

void xumount(const char *dst, int flags)
{
	if (umount2(dst, flags))
		die("umount2(%s, %d)", dst, flags);
}

void xmkdir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		die("mkdir %s", path);
	errno = 0;
}

void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	if (fd < 0)
		die("open %s", path);
	if (write(fd, text, len) != (ssize_t)len)
		die("write %s", path);
	close(fd);
}

void scratch_ns(const char *dir)
{
	if (unshare(CLONE_NEWNS))
		die("unshare(CLONE_NEWNS)");
	xmount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	xmount("mb-bench", dir, "tmpfs", 0, "mode=0755");
	xmount(NULL, dir, NULL, MS_PRIVATE, NULL);
}

void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit");
}

const char *pathf(const char *fmt, ...)
{
	static char ring[8][4096];
	static unsigned int next;
	char *buf = ring[next++ % ARRAY_SIZE(ring)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(ring[0]), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(ring[0]))
		die("path too long");
	return buf;
}

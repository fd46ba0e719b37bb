/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the mount/overlay benchmarks: clocks, statistics, CSV
 * output, the new mount API and a private scratch namespace.
 */
#ifndef MB_BENCH_H
#define MB_BENCH_H

#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>

#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern const char *prog;

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);
void sleep_ms(unsigned int ms);

/* Statistics over a copy of @v (the input is left untouched). */
double median(const double *v, size_t n);
double percentile(const double *v, size_t n, double p);
double vmin(const double *v, size_t n);
double vmax(const double *v, size_t n);

/*
 * Least-squares slope of log(y) against log(x), with the coefficient of
 * determination in *r2 (if not NULL).
 */
double loglog_slope(const double *x, const double *y, size_t n, double *r2);

/* Open @path for writing a CSV; write @header if the file is new/empty. */
FILE *csv_open(const char *path, const char *header);

/* A short description of the running kernel ("6.1.0-mb", "6.18.4"...). */
const char *kernel_release(void);

/*
 * Enter a new mount namespace in which nothing propagates back to the
 * caller's one, and mount a private tmpfs on @dir to work in.
 */
void scratch_ns(const char *dir);

/* mount(2) or die, with the arguments in the message. */
void xmount(const char *src, const char *dst, const char *type,
	    unsigned long flags, const char *data);
void xumount(const char *dst, int flags);
void xmkdir(const char *path);
void write_file(const char *path, const char *text);

/* Raise RLIMIT_NOFILE to its hard limit. */
void raise_nofile(void);

/* A path built from a format, in a static ring of buffers. */
const char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* MB_BENCH_H */

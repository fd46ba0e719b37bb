// SPDX-License-Identifier: GPL-2.0
/*
 * Item 2: updating N containers, three ways, with readers watching.
 *
 * The host's shared mount H (a tmpfs at DIR/w/host) has a directory "app"
 * whose own content is the bare base ("bare"); an image is mounted on it
 * (a bind of DIR/w/img/a or .../b, whose file "id" says "img-a"/"img-b").
 * A container is a mount namespace copied from the host's and made a
 * recursive slave, so its copy H' of H is a slave of H and its copy of the
 * image mount is a slave of the host's. The namespaces are held by nsfs
 * file descriptors; no process has to live in them.
 *
 * An update replaces the image seen at app by the other one:
 *  - beneath: on the host, open_tree(OPEN_TREE_CLONE) of the new image,
 *             move_mount(MOVE_MOUNT_BENEATH) to H/app, umount2(H/app,
 *             MNT_DETACH) of the old top; both propagate to every H';
 *  - setns:   for each container, setns() into its mount namespace and
 *             move_mount() a clone of the new image onto app there (the
 *             overmount systemd falls back to without BENEATH: the old
 *             mount stays underneath, pinned; the host's own view is not
 *             touched, as its update would propagate);
 *  - naive:   on the host, clone the new image, umount2(H/app,
 *             MNT_DETACH), then move_mount() of the clone to H/app.
 * The time of an update includes cloning the image; its steps are reported
 * too: prep (the clones), step1 (beneath: the move; setns: the loop over
 * the containers; naive: the unmount) and step2 (beneath: the unmount;
 * setns: setns() back to the host; naive: the mount).
 * The updates run in a forked single-threaded worker (setns() into a mount
 * namespace refuses threaded callers). beneath and naive repetitions are
 * interleaved; setns runs last, as it leaves the containers' stacks one
 * mount deeper each time.
 *
 * Readers: R threads in the benchmark's own process (default 1). The worker
 * is pinned to the first CPU the process may use and the readers to the
 * others: without that, a reader and a worker sharing a CPU on a kernel
 * without preemption (the test kernel) can leave the reader off the CPU
 * for a whole update that never sleeps, and it would see nothing.
 * Each read picks a random container and does openat() of "app/id"
 * relative to an O_PATH fd of that container's H' (opened through
 * /proc/self/root while the process was in that namespace: the lookup of
 * "app" then crosses the container's own mounts), read() and close(). A
 * read that returns "bare" saw the underlying directory: the window.
 * Sampling random containers at the full rate a thread can manage gives a
 * read rate independent of N, so the number of reads inside the update's
 * time span, and the number of those that saw the bare directory, measure
 * the window whatever N is: window_est = bare/during * duration. After
 * each update every container is read once to check that it sees the new
 * image ("wrong_after"), and reads that started after the update returned
 * but still saw the old image are counted ("stale").
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum method { M_BENEATH, M_SETNS, M_NAIVE, M_NR };
static const char *const method_name[M_NR] = { "beneath", "setns", "naive" };

enum vclass { V_A, V_B, V_BARE, V_ERR };

/* Shared with the worker: when the update it is running started/ended. */
struct shared {
	_Atomic uint64_t t0;
	_Atomic uint64_t t1;
};

struct cmd {
	int method;
	int img;		/* 0: a, 1: b */
};

struct reply {
	int err;		/* errno of the failing step, 0 on success */
	int step;
	uint64_t t0, t_prep, t_mid, t1;
};

struct reader {
	pthread_t th;
	int id;
	unsigned int seed;
	int old;		/* class of the image being replaced */
	uint64_t reads, during, bare, stale, err;
	uint64_t bare_first, bare_last;
	uint64_t max_during_ns;	/* the slowest read overlapping the update */
};

static char w[PATH_MAX + 8];		/* the scratch tree, absolute */
static int n_cont;
static int *nsfd, *hfd;
static int host_ns;
static struct shared *shm;
static atomic_bool stop_readers;
static int cpus[CPU_SETSIZE], ncpus;

/* The CPUs we may run on; the worker takes the first, readers the rest. */
static void get_cpus(void)
{
	cpu_set_t set;
	int i;

	if (sched_getaffinity(0, sizeof(set), &set))
		die("sched_getaffinity");
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpus[ncpus++] = i;
}

static void pin(int slot)
{
	cpu_set_t set;

	if (ncpus < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(slot ? cpus[1 + (slot - 1) % (ncpus - 1)] : cpus[0], &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static enum vclass read_one(int dfd)
{
	char buf[16];
	ssize_t len;
	int fd = openat(dfd, "app/id", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return V_ERR;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return V_ERR;
	buf[len] = '\0';
	if (!strcmp(buf, "img-a\n"))
		return V_A;
	if (!strcmp(buf, "img-b\n"))
		return V_B;
	if (!strcmp(buf, "bare\n"))
		return V_BARE;
	return V_ERR;
}

static void *reader_fn(void *arg)
{
	struct reader *r = arg;

	pin(1 + r->id);
	while (!atomic_load_explicit(&stop_readers, memory_order_relaxed)) {
		int i = (int)(rand_r(&r->seed) % (unsigned int)n_cont);
		uint64_t ts = now_ns(), te, t0, t1;
		enum vclass c = read_one(hfd[i]);

		te = now_ns();
		t0 = atomic_load(&shm->t0);
		t1 = atomic_load(&shm->t1);
		r->reads++;
		if (t0 && te >= t0 && (!t1 || ts <= t1)) {
			r->during++;
			if (te - ts > r->max_during_ns)
				r->max_during_ns = te - ts;
		}
		if (c == V_BARE) {
			if (!r->bare++)
				r->bare_first = ts;
			r->bare_last = te;
		} else if (c == V_ERR) {
			r->err++;
		} else if ((int)c == r->old && t1 && ts > t1) {
			r->stale++;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The worker: runs one update per command. */

static int clone_img(int img)
{
	return open_tree(AT_FDCWD, pathf("%s/img/%c", w, img ? 'b' : 'a'),
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
}

#define FAIL(s) do { rep->err = errno; rep->step = (s); goto out; } while (0)

static void do_update(const struct cmd *c, struct reply *rep)
{
	int fd = -1, i, *fds = NULL;
	char app[PATH_MAX + 32];

	snprintf(app, sizeof(app), "%s/host/app", w);
	memset(rep, 0, sizeof(*rep));
	rep->t0 = now_ns();
	atomic_store(&shm->t1, 0);
	atomic_store(&shm->t0, rep->t0);

	switch (c->method) {
	case M_BENEATH:
		fd = clone_img(c->img);
		if (fd < 0)
			FAIL(1);
		rep->t_prep = now_ns();
		if (move_mount(fd, "", AT_FDCWD, app,
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_BENEATH))
			FAIL(2);
		rep->t_mid = now_ns();
		if (umount2(app, MNT_DETACH))
			FAIL(3);
		break;
	case M_NAIVE:
		fd = clone_img(c->img);
		if (fd < 0)
			FAIL(1);
		rep->t_prep = now_ns();
		if (umount2(app, MNT_DETACH))
			FAIL(2);
		rep->t_mid = now_ns();
		if (move_mount(fd, "", AT_FDCWD, app, MOVE_MOUNT_F_EMPTY_PATH))
			FAIL(3);
		break;
	case M_SETNS:
		fds = calloc(n_cont, sizeof(*fds));
		if (!fds)
			FAIL(1);
		for (i = 0; i < n_cont; i++) {
			fds[i] = clone_img(c->img);
			if (fds[i] < 0)
				FAIL(1);
		}
		rep->t_prep = now_ns();
		for (i = 0; i < n_cont; i++) {
			if (setns(nsfd[i], CLONE_NEWNS))
				FAIL(2);
			if (move_mount(fds[i], "", AT_FDCWD, app,
				       MOVE_MOUNT_F_EMPTY_PATH))
				FAIL(3);
			close(fds[i]);
			fds[i] = -1;
		}
		rep->t_mid = now_ns();
		if (setns(host_ns, CLONE_NEWNS))
			FAIL(4);
		break;
	}
out:
	rep->t1 = now_ns();
	atomic_store(&shm->t1, rep->t1);
	if (fd >= 0)
		close(fd);
	if (fds) {
		for (i = 0; i < n_cont; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		free(fds);
	}
}

static void worker(int in, int out)
{
	struct cmd c;
	struct reply rep;

	prog = "mb-update(worker)";
	pin(0);
	while (read(in, &c, sizeof(c)) == sizeof(c)) {
		do_update(&c, &rep);
		if (write(out, &rep, sizeof(rep)) != sizeof(rep))
			_exit(1);
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */

static void setup_tree(void)
{
	xmkdir(pathf("%s", w));
	xmount("mb-update", w, "tmpfs", 0, "mode=0755");
	xmount(NULL, w, NULL, MS_PRIVATE, NULL);
	xmkdir(pathf("%s/img", w));
	xmkdir(pathf("%s/img/a", w));
	xmkdir(pathf("%s/img/b", w));
	write_file(pathf("%s/img/a/id", w), "img-a\n");
	write_file(pathf("%s/img/b/id", w), "img-b\n");
	xmkdir(pathf("%s/host", w));
	xmount("mb-update-host", pathf("%s/host", w), "tmpfs", 0, "mode=0755");
	xmount(NULL, pathf("%s/host", w), NULL, MS_SHARED, NULL);
	xmkdir(pathf("%s/host/app", w));
	write_file(pathf("%s/host/app/id", w), "bare\n");
	xmount(pathf("%s/img/a", w), pathf("%s/host/app", w), NULL, MS_BIND,
	       NULL);
}

/* N containers: namespaces copied from the host's, recursive slaves. */
static void make_containers(void)
{
	int i;

	nsfd = calloc(n_cont, sizeof(*nsfd));
	hfd = calloc(n_cont, sizeof(*hfd));
	if (!nsfd || !hfd)
		die("out of memory");
	for (i = 0; i < n_cont; i++) {
		if (unshare(CLONE_NEWNS))
			die("unshare(CLONE_NEWNS) for container %d", i);
		xmount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
		nsfd[i] = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
		hfd[i] = open(pathf("%s/host", w),
			      O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (nsfd[i] < 0 || hfd[i] < 0)
			die("container %d: open", i);
		if (setns(host_ns, CLONE_NEWNS))
			die("setns back to the host namespace");
	}
}

static void drop_containers(void)
{
	int i;

	for (i = 0; i < n_cont; i++) {
		close(nsfd[i]);
		close(hfd[i]);
	}
	free(nsfd);
	free(hfd);
}

struct rep_result {
	double us, host_window_us, window_est_us, span_us;
	double prep_us, step1_us, step2_us, max_read_us;
	uint64_t reads, during, bare, stale, err, wrong_after;
};

static void run_rep(int method, int img, int nreaders, int roll_ms,
		    int to_w, int from_w, struct rep_result *res)
{
	struct reader *rd = calloc(nreaders, sizeof(*rd));
	uint64_t bf = UINT64_MAX, bl = 0;
	struct cmd c = { .method = method, .img = img };
	struct reply rep;
	int i;

	if (!rd)
		die("out of memory");
	atomic_store(&shm->t0, 0);
	atomic_store(&shm->t1, 0);
	atomic_store(&stop_readers, false);
	for (i = 0; i < nreaders; i++) {
		rd[i].id = i;
		rd[i].seed = (unsigned int)now_ns() + i * 7919;
		rd[i].old = img ? V_A : V_B;
		errno = pthread_create(&rd[i].th, NULL, reader_fn, &rd[i]);
		if (errno)
			die("pthread_create");
	}
	sleep_ms(roll_ms);
	if (write(to_w, &c, sizeof(c)) != sizeof(c) ||
	    read(from_w, &rep, sizeof(rep)) != sizeof(rep))
		die("worker gone");
	if (rep.err) {
		errno = rep.err;
		die("%s update, step %d", method_name[method], rep.step);
	}
	sleep_ms(roll_ms);
	atomic_store(&stop_readers, true);

	memset(res, 0, sizeof(*res));
	for (i = 0; i < nreaders; i++) {
		pthread_join(rd[i].th, NULL);
		res->reads += rd[i].reads;
		res->during += rd[i].during;
		res->bare += rd[i].bare;
		res->stale += rd[i].stale;
		res->err += rd[i].err;
		if (rd[i].max_during_ns / 1e3 > res->max_read_us)
			res->max_read_us = rd[i].max_during_ns / 1e3;
		if (rd[i].bare) {
			if (rd[i].bare_first < bf)
				bf = rd[i].bare_first;
			if (rd[i].bare_last > bl)
				bl = rd[i].bare_last;
		}
	}
	free(rd);

	res->us = (double)(rep.t1 - rep.t0) / 1e3;
	res->prep_us = (double)(rep.t_prep - rep.t0) / 1e3;
	res->step1_us = (double)(rep.t_mid - rep.t_prep) / 1e3;
	res->step2_us = (double)(rep.t1 - rep.t_mid) / 1e3;
	/* naive: from the start of the unmount to the end of the mount. */
	res->host_window_us = method == M_NAIVE ?
		(double)(rep.t1 - rep.t_prep) / 1e3 : 0;
	res->window_est_us = res->during ?
		res->us * (double)res->bare / (double)res->during : 0;
	res->span_us = res->bare ? (double)(bl - bf) / 1e3 : 0;

	for (i = 0; i < n_cont; i++)
		if ((int)read_one(hfd[i]) != (img ? V_B : V_A))
			res->wrong_after++;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s -d DIR -o CSVDIR -l LABEL [-n N,N,...] [-r REPS] [-R READERS] [-p ROLL_MS]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *out = NULL, *label = NULL;
	char *list = strdup("10,100,1000"), *tok, *save, rdir[PATH_MAX];
	int reps = 5, nreaders = 1, roll_ms = 20, opt;
	FILE *csv, *raw;

	prog = "mb-update";
	while ((opt = getopt(argc, argv, "d:o:l:n:r:R:p:")) != -1) {
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
			reps = atoi(optarg);
			break;
		case 'R':
			nreaders = atoi(optarg);
			break;
		case 'p':
			roll_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!dir || !out || !label || reps < 1 || nreaders < 1)
		usage();
	if (!realpath(dir, rdir))
		die("realpath %s", dir);

	csv = csv_open(pathf("%s/update.csv", out),
		       "label,kernel,n,method,reps,time_med_us,time_min_us,"
		       "time_max_us,reads,reads_during,bare_reads,bare_reps,"
		       "window_est_med_us,window_span_med_us,window_span_max_us,host_window_med_us,"
		       "stale_reads,read_errors,wrong_after,prep_med_us,"
		       "step1_med_us,step2_med_us,max_read_med_us");
	raw = csv_open(pathf("%s/update_samples.csv", out),
		       "label,kernel,n,method,rep,time_us,reads,reads_during,"
		       "bare_reads,window_est_us,window_span_us,host_window_us,"
		       "stale_reads,wrong_after,max_read_us");

	raise_nofile();
	get_cpus();
	scratch_ns(rdir);
	snprintf(w, sizeof(w), "%s/w", rdir);
	host_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (host_ns < 0)
		die("open /proc/self/ns/mnt");
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		die("mmap");

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int to_w[2], from_w[2], m, k, img = 0;
		struct rep_result *res[M_NR];
		uint64_t t;
		pid_t pid;

		n_cont = atoi(tok);
		if (n_cont < 1)
			die("bad N '%s'", tok);
		t = now_ns();
		setup_tree();
		make_containers();
		info("N=%d: %d containers made in %.1f s", n_cont, n_cont,
		     (double)(now_ns() - t) / 1e9);

		if (pipe2(to_w, O_CLOEXEC) || pipe2(from_w, O_CLOEXEC))
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (!pid) {
			close(to_w[1]);
			close(from_w[0]);
			worker(to_w[0], from_w[1]);
		}
		close(to_w[0]);
		close(from_w[1]);

		for (m = 0; m < M_NR; m++) {
			res[m] = calloc(reps, sizeof(**res));
			if (!res[m])
				die("out of memory");
		}
		/* beneath and naive interleaved, setns last. */
		for (k = 0; k < reps; k++) {
			int first = k & 1 ? M_NAIVE : M_BENEATH;
			int second = k & 1 ? M_BENEATH : M_NAIVE;

			img ^= 1;
			run_rep(first, img, nreaders, roll_ms, to_w[1],
				from_w[0], &res[first][k]);
			img ^= 1;
			run_rep(second, img, nreaders, roll_ms, to_w[1],
				from_w[0], &res[second][k]);
		}
		for (k = 0; k < reps; k++) {
			img ^= 1;
			run_rep(M_SETNS, img, nreaders, roll_ms, to_w[1],
				from_w[0], &res[M_SETNS][k]);
		}
		close(to_w[1]);
		close(from_w[0]);
		waitpid(pid, NULL, 0);

		for (m = 0; m < M_NR; m++) {
			double tus[reps], west[reps], hw[reps], sp[reps], span = 0;
			double s0[reps], s1[reps], s2[reps], mr[reps];
			uint64_t reads = 0, during = 0, bare = 0, stale = 0;
			uint64_t errs = 0, wrong = 0;
			int bare_reps = 0;

			for (k = 0; k < reps; k++) {
				struct rep_result *r = &res[m][k];

				tus[k] = r->us;
				west[k] = r->window_est_us;
				hw[k] = r->host_window_us;
				sp[k] = r->span_us;
				s0[k] = r->prep_us;
				s1[k] = r->step1_us;
				s2[k] = r->step2_us;
				mr[k] = r->max_read_us;
				reads += r->reads;
				during += r->during;
				bare += r->bare;
				bare_reps += r->bare > 0;
				stale += r->stale;
				errs += r->err;
				wrong += r->wrong_after;
				if (r->span_us > span)
					span = r->span_us;
				fprintf(raw,
					"%s,%s,%d,%s,%d,%.3f,%lu,%lu,%lu,%.3f,%.3f,%.3f,%lu,%lu,%.3f\n",
					label, kernel_release(), n_cont,
					method_name[m], k, r->us, r->reads,
					r->during, r->bare, r->window_est_us,
					r->span_us, r->host_window_us,
					r->stale, r->wrong_after,
					r->max_read_us);
			}
			fprintf(csv,
				"%s,%s,%d,%s,%d,%.3f,%.3f,%.3f,%lu,%lu,%lu,%d,%.3f,%.3f,%.3f,%.3f,%lu,%lu,%lu,%.3f,%.3f,%.3f,%.3f\n",
				label, kernel_release(), n_cont,
				method_name[m], reps, median(tus, reps),
				vmin(tus, reps), vmax(tus, reps), reads,
				during, bare, bare_reps, median(west, reps),
				median(sp, reps), span, median(hw, reps), stale,
				errs, wrong, median(s0, reps), median(s1, reps),
				median(s2, reps), median(mr, reps));
			info("N=%d %-7s: %.1f us (median of %d), %lu of %lu reads during the update saw the bare dir, %lu wrong after",
			     n_cont, method_name[m], median(tus, reps), reps,
			     bare, during, wrong);
			free(res[m]);
		}
		fflush(csv);
		fflush(raw);

		t = now_ns();
		drop_containers();
		xumount(w, MNT_DETACH);
		info("N=%d: torn down in %.1f s", n_cont,
		     (double)(now_ns() - t) / 1e9);
	}
	fclose(csv);
	fclose(raw);
	return 0;
}

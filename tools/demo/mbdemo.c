// SPDX-License-Identifier: GPL-2.0
/*
 * mbdemo - update the configuration of N containers with mount --beneath,
 * then the naive way, and count what their readers saw.
 *
 * Each container is a process in its own mount namespace, made a slave of
 * the host's mounts (as unshare --propagation slave does), that reads FILE
 * over and over with io_uring: openat (into a fixed file slot), read, close,
 * linked and submitted together. What each read returned is counted per
 * container and per phase in shared memory; a read counts in the phase that
 * was current when it started:
 *
 *   before    configuration v1 is mounted
 *   beneath   the -b commands run (mount --beneath v2, umount of v1)
 *   after     every container must see v2
 *   settle    every container starts a read after "after"
 *   naive     the -u commands run (umount of v2, mount of v3)
 *   final     every container must see v3
 *
 * Every read from "before" to "after" has to return v1 or v2: anything else
 * (the bare base image, an error) means that the update was not atomic in
 * that container. "settle" makes sure that no read counted in "after" ran
 * during the naive update; reads of the base image started in "settle" or
 * "naive" are what the naive update exposed.
 *
 * With two CPUs or more, the commands run on the first one and the
 * containers on the others, as a host keeps CPUs for itself; the readers
 * are paced (see calibrate()) so that every container reads all along.
 *
 * The commands are run with execvp(), with the controller's stdout and
 * stderr. Exit status: 0 if the beneath update was atomic everywhere and
 * every container saw v2 afterwards, 1 if not, 2 if the demo could not
 * tell (setup failure, a command failed, readers made no progress).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <liburing.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MAX_CMDS	4
#define PLURAL(n)	((n) == 1 ? "" : "s")
#define MAX_ARGS	32

enum phase {
	P_SETUP,
	P_BEFORE,
	P_BENEATH,
	P_AFTER,
	P_SETTLE,
	P_NAIVE,
	P_FINAL,
	P_STOP,
	NR_PHASES = P_STOP
};

static const char *const phase_name[NR_PHASES] = {
	[P_SETUP] = "setup", [P_BEFORE] = "before", [P_BENEATH] = "beneath",
	[P_AFTER] = "after", [P_SETTLE] = "settle", [P_NAIVE] = "naive",
	[P_FINAL] = "final",
};

enum kind { K_BASE, K_V1, K_V2, K_V3, K_OTHER, K_ERROR, NR_KINDS };

static const char *const kind_text[K_OTHER] = {
	[K_BASE] = "version=base", [K_V1] = "version=v1",
	[K_V2] = "version=v2", [K_V3] = "version=v3",
};

static const char *const kind_name[NR_KINDS] = {
	[K_BASE] = "base", [K_V1] = "v1", [K_V2] = "v2", [K_V3] = "v3",
	[K_OTHER] = "other", [K_ERROR] = "error",
};

/* One per container, written by it only; a cache line of its own. */
struct box {
	uint64_t reads[NR_PHASES][NR_KINDS];
	double longest_ms[NR_PHASES];	/* the longest read, by start phase */
	int first_errno[NR_PHASES];
} __attribute__((aligned(64)));

struct shared {
	int phase;
	int period_us;		/* each reader reads once per period; 0: no pause */
	struct box box[];
};

struct cmd {
	const char *text;
	char *argv[MAX_ARGS + 1];
	double ms;
};

static struct shared *sh;
static int nr_containers = 100;
static const char *file = "/srv/etc/app.conf";
static int min_reads = 3;
static double wait_timeout = 300;
static int reader_nice;
static bool split_cpus = true;
static bool verbose;
static double pace_load = 0.6;
static cpu_set_t host_cpus, reader_cpus;
static pid_t *pids;

static struct cmd beneath_cmds[MAX_CMDS], naive_cmds[MAX_CMDS];
static int nr_beneath, nr_naive;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int load_phase(void)
{
	return __atomic_load_n(&sh->phase, __ATOMIC_ACQUIRE);
}

static void set_phase(int phase)
{
	__atomic_store_n(&sh->phase, phase, __ATOMIC_RELEASE);
}

static uint64_t load_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Reads container @i started in @phase, of any kind. */
static uint64_t phase_reads(int i, int phase)
{
	uint64_t n = 0;
	int k;

	for (k = 0; k < NR_KINDS; k++)
		n += load_u64(&sh->box[i].reads[phase][k]);
	return n;
}

static enum kind classify(const char *buf, int len)
{
	int k;

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	for (k = 0; k < K_OTHER; k++)
		if ((size_t)len == strlen(kind_text[k]) &&
		    !memcmp(buf, kind_text[k], len))
			return k;
	return K_OTHER;
}

/*
 * One read of the file: openat into fixed file slot 0, read from it, close
 * the slot, as one linked chain. The close is hard-linked so that it runs
 * even when the read fails.
 */
static enum kind read_once(struct io_uring *ring, int *err)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	char buf[64];
	int res[3] = { 0, 0, 0 };
	int i, ret;

	sqe = io_uring_get_sqe(ring);
	io_uring_prep_openat_direct(sqe, AT_FDCWD, file, O_RDONLY, 0, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 0;

	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read(sqe, 0, buf, sizeof(buf), 0);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
	sqe->user_data = 1;

	sqe = io_uring_get_sqe(ring);
	io_uring_prep_close_direct(sqe, 0);
	sqe->user_data = 2;

	ret = io_uring_submit_and_wait(ring, 3);
	if (ret < 0) {
		*err = -ret;
		return K_ERROR;
	}
	for (i = 0; i < 3; i++) {
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret < 0) {
			*err = -ret;
			return K_ERROR;
		}
		if (cqe->user_data < 3)
			res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	if (res[0] < 0 || res[1] < 0) {
		*err = res[0] < 0 ? -res[0] : -res[1];
		return K_ERROR;
	}
	return classify(buf, res[1]);
}

/*
 * Sleep until the next read of a paced reader (see calibrate()): @next is
 * its schedule in ns, started at an offset that depends on the container
 * @i, so that the readers do not all wake up together.
 */
static void pace(long long *next, int i)
{
	long long period = __atomic_load_n(&sh->period_us, __ATOMIC_RELAXED) * 1000LL;
	struct timespec ts;
	long long now;

	if (!period)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	if (!*next)
		*next = now + period * i / nr_containers;
	else
		*next += period;
	/* More than a period late: start again from now. */
	if (*next < now - period)
		*next = now;
	ts.tv_sec = *next / 1000000000LL;
	ts.tv_nsec = *next % 1000000000LL;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * A container: its own mount namespace, every mount a slave of the host's,
 * then read until told to stop. Says '+' on @ready_fd when set up, or '-'.
 */
static int container(int i, int ready_fd, int go_fd)
{
	struct box *b = &sh->box[i];
	unsigned int max_workers[2] = { 1, 1 };	/* bounded, unbounded */
	struct io_uring ring;
	char c = '-';
	int phase, err = 0;
	double start, took;
	long long next = 0;
	enum kind k;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		return 1;
	if (unshare(CLONE_NEWNS)) {
		fprintf(stderr, "container %d: unshare: %m\n", i);
		goto out;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL)) {
		fprintf(stderr, "container %d: make / rslave: %m\n", i);
		goto out;
	}
	/* After unshare(): the ring's workers share this namespace's root. */
	err = io_uring_queue_init(4, &ring, 0);
	if (!err)
		err = io_uring_register_files_sparse(&ring, 1);
	/*
	 * The chain is mostly completed inline by io_uring_enter(); what has
	 * to block goes to an io-wq worker. One is enough for one read at a
	 * time, and saves creating more.
	 */
	if (!err)
		err = io_uring_register_iowq_max_workers(&ring, max_workers);
	if (err) {
		fprintf(stderr, "container %d: io_uring: %s\n", i, strerror(-err));
		goto out;
	}
	if (split_cpus) {
		if (sched_setaffinity(0, sizeof(reader_cpus), &reader_cpus))
			fprintf(stderr, "container %d: sched_setaffinity: %m\n", i);
		err = io_uring_register_iowq_aff(&ring, sizeof(reader_cpus), &reader_cpus);
		if (err)
			fprintf(stderr, "container %d: io-wq affinity: %s\n", i, strerror(-err));
	}
	if (reader_nice && setpriority(PRIO_PROCESS, 0, reader_nice))
		fprintf(stderr, "container %d: setpriority: %m\n", i);
	c = '+';
out:
	if (write(ready_fd, &c, 1) != 1 || c != '+')
		return 1;
	close(ready_fd);

	/* Wait for the start: the controller closes the other end. */
	while (read(go_fd, &c, 1) < 0 && errno == EINTR)
		;
	close(go_fd);

	while ((phase = load_phase()) != P_STOP) {
		start = now_ms();
		k = read_once(&ring, &err);
		took = now_ms() - start;
		if (took > b->longest_ms[phase])
			b->longest_ms[phase] = took;
		if (k == K_ERROR && !b->first_errno[phase])
			b->first_errno[phase] = err;
		__atomic_fetch_add(&b->reads[phase][k], 1, __ATOMIC_RELAXED);
		pace(&next, i);
	}
	io_uring_queue_exit(&ring);
	return 0;
}

/* Reads of all containers so far, in @phase. */
static uint64_t all_reads(int phase)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < nr_containers; i++)
		n += phase_reads(i, phase);
	return n;
}

/*
 * Pace the readers. Unpaced, they keep their CPUs saturated and progress
 * unevenly (with 100 of them on one CPU, over a few hundred ms some made a
 * hundred reads and others none); paced, each reads every period. Measure
 * what the readers' CPUs do unpaced for a second, then give each reader a
 * period such that all of them together use @load of that. Returns the
 * throughput measured (reads/s).
 */
static double calibrate(double load)
{
	double start, rate, period = 0;
	uint64_t n;

	n = all_reads(P_BEFORE);
	start = now_ms();
	usleep(1000000);
	rate = (all_reads(P_BEFORE) - n) * 1e3 / (now_ms() - start);
	if (rate > 0)
		period = nr_containers * 1e6 / (load * rate);
	/* At most a second: the waits for "every container read" stay short. */
	if (period > 1e6)
		period = 1e6;
	__atomic_store_n(&sh->period_us, (int)period, __ATOMIC_RELAXED);
	return rate;
}

static int first_cpu(const cpu_set_t *set)
{
	int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set))
			return cpu;
	return -1;
}

/*
 * Split the CPUs we may run on: the first one for the controller and the
 * commands it runs, the others for the containers, as a host keeps a CPU
 * for itself. With a single CPU there is nothing to split (returns -1).
 */
static int split(cpu_set_t *host, cpu_set_t *readers)
{
	int cpu;

	if (sched_getaffinity(0, sizeof(*readers), readers) || CPU_COUNT(readers) < 2)
		return -1;
	cpu = first_cpu(readers);
	CPU_ZERO(host);
	CPU_SET(cpu, host);
	CPU_CLR(cpu, readers);
	return 0;
}

static int start_containers(void)
{
	int ready[2], go[2];
	int i, n, ok = 0;
	char c;

	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
		perror("pipe");
		return -1;
	}
	for (i = 0; i < nr_containers; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return -1;
		}
		if (!pids[i]) {
			close(ready[0]);
			close(go[1]);
			_exit(container(i, ready[1], go[0]));
		}
	}
	close(ready[1]);
	close(go[0]);
	for (n = 0; n < nr_containers; n++) {
		if (read(ready[0], &c, 1) != 1)
			break;
		ok += c == '+';
	}
	close(ready[0]);
	if (ok != nr_containers) {
		fprintf(stderr, "mbdemo: only %d of %d containers set up\n",
			ok, nr_containers);
		return -1;
	}
	set_phase(P_BEFORE);
	close(go[1]);
	return 0;
}

/*
 * Wait until every container has completed at least @min reads started in
 * @phase. Returns the milliseconds it took, or -1 on timeout.
 */
static double wait_reads(int phase, uint64_t min)
{
	double start = now_ms();
	int i = 0;

	while (i < nr_containers) {
		if (phase_reads(i, phase) >= min) {
			i++;
			continue;
		}
		if (now_ms() - start > wait_timeout * 1e3) {
			fprintf(stderr, "mbdemo: container %d made %llu reads in phase %s within %.0f s\n",
				i, (unsigned long long)phase_reads(i, phase),
				phase_name[phase], wait_timeout);
			return -1;
		}
		usleep(2000);
	}
	return now_ms() - start;
}

/* Wait until every container has made @more reads in @phase from now on. */
static double wait_more_reads(int phase, uint64_t more)
{
	double start = now_ms();
	uint64_t *mark;
	int i = 0;

	mark = calloc(nr_containers, sizeof(*mark));
	if (!mark)
		return -1;
	for (i = 0; i < nr_containers; i++)
		mark[i] = phase_reads(i, phase);
	for (i = 0; i < nr_containers;) {
		if (phase_reads(i, phase) >= mark[i] + more) {
			i++;
			continue;
		}
		if (now_ms() - start > wait_timeout * 1e3) {
			fprintf(stderr, "mbdemo: container %d made no progress in phase %s within %.0f s\n",
				i, phase_name[phase], wait_timeout);
			free(mark);
			return -1;
		}
		usleep(2000);
	}
	free(mark);
	return now_ms() - start;
}

/* Run one command, in the foreground; 0 if it exited with status 0. */
static int run(struct cmd *c)
{
	double start = now_ms();
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (!pid) {
		execvp(c->argv[0], c->argv);
		fprintf(stderr, "mbdemo: %s: %m\n", c->argv[0]);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	c->ms = now_ms() - start;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "mbdemo: '%s' failed (status %#x)\n", c->text, status);
		return -1;
	}
	return 0;
}

static int run_all(struct cmd *cmds, int nr, double *ms)
{
	double start = now_ms();
	int i;

	for (i = 0; i < nr; i++)
		if (run(&cmds[i]))
			return -1;
	*ms = now_ms() - start;
	return 0;
}

static int parse_cmd(struct cmd *c, const char *text)
{
	char *s, *save = NULL, *tok;
	int n = 0;

	c->text = text;
	s = strdup(text);
	if (!s)
		return -1;
	for (tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == MAX_ARGS)
			return -1;
		c->argv[n++] = tok;
	}
	c->argv[n] = NULL;
	return n ? 0 : -1;
}

/*
 * Reads of @kind started in phases @from to @to, by all containers, and in
 * how many containers there were any.
 */
static uint64_t total(int from, int to, int kind, int *containers)
{
	uint64_t sum = 0, n;
	int i, p;

	if (containers)
		*containers = 0;
	for (i = 0; i < nr_containers; i++) {
		n = 0;
		for (p = from; p <= to; p++)
			n += load_u64(&sh->box[i].reads[p][kind]);
		sum += n;
		if (n && containers)
			(*containers)++;
	}
	return sum;
}

/* Containers whose reads in @phase (at least one) all returned @kind. */
static int containers_seeing(int phase, int kind)
{
	int i, n = 0;
	uint64_t all;

	for (i = 0; i < nr_containers; i++) {
		all = phase_reads(i, phase);
		n += all && load_u64(&sh->box[i].reads[phase][kind]) == all;
	}
	return n;
}

/* The longest read of any container that started in @phase. */
static double longest_read(int phase)
{
	double ms = 0;
	int i;

	for (i = 0; i < nr_containers; i++)
		if (sh->box[i].longest_ms[phase] > ms)
			ms = sh->box[i].longest_ms[phase];
	return ms;
}

static void print_phase(int phase)
{
	int k, first = 1;
	uint64_t n;

	printf("    %-9s", phase_name[phase]);
	for (k = 0; k < NR_KINDS; k++) {
		n = total(phase, phase, k, NULL);
		if (!n)
			continue;
		printf("%s%s %llu", first ? " " : ", ", kind_name[k],
		       (unsigned long long)n);
		first = 0;
	}
	if (first)
		printf(" no reads");
	printf(" (longest read %.1f ms)\n", longest_read(phase));
}

/* First error seen by any container in @phase, for the report. */
static int phase_errno(int phase)
{
	int i;

	for (i = 0; i < nr_containers; i++)
		if (sh->box[i].first_errno[phase])
			return sh->box[i].first_errno[phase];
	return 0;
}

/* Reads per container in @phase: minimum, mean and maximum. */
static void spread(int phase, uint64_t *min, double *avg, uint64_t *max,
		   int *with_reads)
{
	uint64_t n, sum = 0;
	int i;

	*min = UINT64_MAX;
	*max = 0;
	*with_reads = 0;
	for (i = 0; i < nr_containers; i++) {
		n = phase_reads(i, phase);
		sum += n;
		*min = n < *min ? n : *min;
		*max = n > *max ? n : *max;
		*with_reads += n > 0;
	}
	*avg = (double)sum / nr_containers;
}

struct mnt {
	int id, parent;
	char fstype[32], source[64], tags[64];
};

/*
 * Print the mounts of process @pid at directory @dir on one line, the top
 * one first, with their propagation tags (shared:N, master:N).
 */
static void print_mounts(FILE *out, pid_t pid, const char *dir)
{
	char path[64], line[1024], *f[32], *save, *tok;
	struct mnt m[16];
	int n = 0, nf, i, j, cur, top, depth, chain[16];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	fp = fopen(path, "re");
	if (!fp) {
		fprintf(out, "%s: %m\n", path);
		return;
	}
	while (n < 16 && fgets(line, sizeof(line), fp)) {
		nf = 0;
		for (tok = strtok_r(line, " \n", &save); tok && nf < 32;
		     tok = strtok_r(NULL, " \n", &save))
			f[nf++] = tok;
		if (nf < 10 || strcmp(f[4], dir))
			continue;
		m[n].id = atoi(f[0]);
		m[n].parent = atoi(f[1]);
		m[n].tags[0] = '\0';
		for (i = 6; i < nf && strcmp(f[i], "-"); i++) {
			if (m[n].tags[0])
				strncat(m[n].tags, ",", sizeof(m[n].tags) - strlen(m[n].tags) - 1);
			strncat(m[n].tags, f[i], sizeof(m[n].tags) - strlen(m[n].tags) - 1);
		}
		if (i + 2 >= nf)
			continue;
		snprintf(m[n].fstype, sizeof(m[n].fstype), "%s", f[i + 1]);
		snprintf(m[n].source, sizeof(m[n].source), "%s", f[i + 2]);
		n++;
	}
	fclose(fp);

	/* The bottom mount's parent is elsewhere; then follow the children. */
	for (cur = 0; cur < n; cur++) {
		for (j = 0; j < n && m[j].id != m[cur].parent; j++)
			;
		if (j == n)
			break;
	}
	for (depth = 0; cur < n && depth < n; depth++) {
		chain[depth] = cur;
		for (top = 0; top < n && m[top].parent != m[cur].id; top++)
			;
		cur = top;
	}
	/* Top first: that is what lookups see. */
	for (i = depth - 1; i >= 0; i--) {
		j = chain[i];
		fprintf(out, "%s%s %s (%s)", i == depth - 1 ? "" : " over ",
			m[j].fstype, m[j].source, m[j].tags[0] ? m[j].tags : "private");
	}
	fputc('\n', out);
}

/*
 * What the host (we are in its mount namespace), the first and the last
 * container have mounted at the file's dir, as text to print later (the
 * containers are gone by then).
 */
static char *container_mounts(const char *indent)
{
	char dir[256], label[32], *slash, *text = NULL;
	size_t len;
	FILE *out;

	snprintf(dir, sizeof(dir), "%s", file);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return strdup("");
	*slash = '\0';
	out = open_memstream(&text, &len);
	if (!out)
		return strdup("");
	fprintf(out, "%s%-13s at %s: ", indent, "host", dir);
	print_mounts(out, getpid(), dir);
	fprintf(out, "%s%-13s at %s: ", indent, "container 1", dir);
	print_mounts(out, pids[0], dir);
	if (nr_containers > 1) {
		snprintf(label, sizeof(label), "container %d", nr_containers);
		fprintf(out, "%s%-13s at %s: ", indent, label, dir);
		print_mounts(out, pids[nr_containers - 1], dir);
	}
	fclose(out);
	return text;
}

static void print_cmds(struct cmd *cmds, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		printf("    %8.1f ms  %s\n", cmds[i].ms, cmds[i].text);
}

/* Stop the readers and reap them; @kill: do not wait for them to stop. */
static void stop_containers(bool kill_them)
{
	int i, status, bad = 0;

	set_phase(P_STOP);
	for (i = 0; i < nr_containers; i++) {
		if (pids[i] <= 0)
			continue;
		if (kill_them)
			kill(pids[i], SIGKILL);
		if (waitpid(pids[i], &status, 0) == pids[i] &&
		    (!WIFEXITED(status) || WEXITSTATUS(status)))
			bad++;
	}
	if (bad && !kill_them)
		fprintf(stderr, "mbdemo: %d containers exited with an error\n", bad);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mbdemo [-n N] [-f FILE] [-r READS] [-w SECONDS] [-p NICE] [-l LOAD] [-s] [-v]\n"
		"              -b CMD [-b CMD...] -u CMD [-u CMD...]\n"
		"  -n N        containers (default 100)\n"
		"  -f FILE     the file the readers read (default /srv/etc/app.conf)\n"
		"  -r READS    reads each container must make to check a state (default 3)\n"
		"  -w SECONDS  longest wait for the readers (default 300)\n"
		"  -p NICE     nice value of the readers (default 0)\n"
		"  -l LOAD     pace the readers to use this fraction of what their CPUs\n"
		"              can do (default 0.6); 0: no pause between reads\n"
		"  -s          no CPU split: by default the commands run on the first CPU\n"
		"              and the containers on the others\n"
		"  -v          print the reads of each container\n"
		"  -b CMD      a step of the beneath update, v1 to v2 (words split at blanks)\n"
		"  -u CMD      a step of the naive update, v2 to v3\n");
}

int main(int argc, char **argv)
{
	uint64_t bad_beneath = 0, exposed, errors, other, min, max, all;
	int c, k, p, see_v1, see_v2, see_v3, with_reads, in, ret = 2;
	double beneath_ms = 0, naive_ms = 0, avg, wait_ms, rate;
	char *mounts_before = NULL, *mounts_after = NULL, *mounts_final = NULL;
	size_t size;

	while ((c = getopt(argc, argv, "n:f:r:w:p:l:svb:u:h")) != -1) {
		switch (c) {
		case 'n':
			nr_containers = atoi(optarg);
			break;
		case 'f':
			file = optarg;
			break;
		case 'r':
			min_reads = atoi(optarg);
			break;
		case 'w':
			wait_timeout = atof(optarg);
			break;
		case 'p':
			reader_nice = atoi(optarg);
			break;
		case 'l':
			pace_load = atof(optarg);
			break;
		case 's':
			split_cpus = false;
			break;
		case 'v':
			verbose = true;
			break;
		case 'b':
			if (nr_beneath == MAX_CMDS || parse_cmd(&beneath_cmds[nr_beneath++], optarg))
				goto bad_usage;
			break;
		case 'u':
			if (nr_naive == MAX_CMDS || parse_cmd(&naive_cmds[nr_naive++], optarg))
				goto bad_usage;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (optind != argc || nr_containers < 1 || min_reads < 1 ||
	    !nr_beneath || !nr_naive)
		goto bad_usage;

	size = sizeof(*sh) + nr_containers * sizeof(struct box);
	sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc(nr_containers, sizeof(*pids));
	if (sh == MAP_FAILED || !pids) {
		perror("mbdemo: memory");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (split_cpus)
		split_cpus = !split(&host_cpus, &reader_cpus);

	printf("  containers: %d, each unshare(CLONE_NEWNS) + rslave /, one io_uring reader of %s",
	       nr_containers, file);
	if (reader_nice)
		printf(" at nice %d", reader_nice);
	printf("\n");
	if (split_cpus)
		printf("  CPUs: the host's tools on CPU %d, the containers (readers and io-wq workers) on %d other%s\n",
		       first_cpu(&host_cpus), CPU_COUNT(&reader_cpus), PLURAL(CPU_COUNT(&reader_cpus)));
	if (start_containers())
		goto out;
	if (split_cpus && sched_setaffinity(0, sizeof(host_cpus), &host_cpus))
		perror("mbdemo: sched_setaffinity");

	/* Every container reads v1. */
	wait_ms = wait_reads(P_BEFORE, min_reads);
	if (wait_ms < 0)
		goto out;
	see_v1 = containers_seeing(P_BEFORE, K_V1);
	printf("  all %d readers running (%.0f ms); containers that see v1: %d/%d\n",
	       nr_containers, wait_ms, see_v1, nr_containers);
	if (see_v1 != nr_containers) {
		fprintf(stderr, "mbdemo: not every container sees v1 before the update\n");
		goto out;
	}
	if (pace_load > 0) {
		rate = calibrate(pace_load);
		printf("  readers paced: one read every %.1f ms each, %.0f%% of the %.0f reads/s measured unpaced\n",
		       sh->period_us / 1e3, pace_load * 100, rate);
		/* Then every container reads paced, for a few periods. */
		if (wait_more_reads(P_BEFORE, min_reads) < 0)
			goto out;
	}
	mounts_before = container_mounts("    ");

	/* The update with mount --beneath. */
	set_phase(P_BENEATH);
	if (run_all(beneath_cmds, nr_beneath, &beneath_ms))
		goto out;
	set_phase(P_AFTER);
	if (wait_reads(P_AFTER, min_reads) < 0)
		goto out;
	mounts_after = container_mounts("    ");

	/*
	 * No read attributed to "after" may overlap the naive update: every
	 * container has to start a read after it, in "settle", first.
	 */
	set_phase(P_SETTLE);
	if (wait_reads(P_SETTLE, 1) < 0)
		goto out;
	set_phase(P_NAIVE);
	if (run_all(naive_cmds, nr_naive, &naive_ms))
		goto out;
	set_phase(P_FINAL);
	if (wait_reads(P_FINAL, min_reads) < 0)
		goto out;
	mounts_final = container_mounts("    ");
	stop_containers(false);

	for (k = 0; k < NR_KINDS; k++)
		if (k != K_V1 && k != K_V2)
			bad_beneath += total(P_BEFORE, P_AFTER, k, NULL);
	see_v2 = containers_seeing(P_AFTER, K_V2);
	see_v3 = containers_seeing(P_FINAL, K_V3);

	printf("\n  update v1 -> v2 with mount --beneath, umount of v1 on the host only\n");
	printf("%s", mounts_before);
	print_cmds(beneath_cmds, nr_beneath);
	spread(P_BENEATH, &min, &avg, &max, &with_reads);
	printf("    switch duration:                 %8.1f ms (start of mount --beneath to end of umount)\n",
	       beneath_ms);
	printf("    reads per container during it:   min %llu, avg %.1f, max %llu (%d/%d containers read)\n",
	       (unsigned long long)min, avg, (unsigned long long)max,
	       with_reads, nr_containers);
	printf("    reads by content, per phase:\n");
	for (p = P_BEFORE; p <= P_AFTER; p++)
		print_phase(p);
	printf("    reads that saw neither v1 nor v2: %llu", (unsigned long long)bad_beneath);
	if (bad_beneath)
		printf(" (base %llu, errors %llu, other %llu)",
		       (unsigned long long)total(P_BEFORE, P_AFTER, K_BASE, NULL),
		       (unsigned long long)total(P_BEFORE, P_AFTER, K_ERROR, NULL),
		       (unsigned long long)total(P_BEFORE, P_AFTER, K_OTHER, NULL));
	printf("\n    containers that see v2 now:      %d/%d\n", see_v2, nr_containers);
	printf("%s", mounts_after);

	printf("\n  update v2 -> v3 the naive way: umount, then mount\n");
	print_cmds(naive_cmds, nr_naive);
	spread(P_NAIVE, &min, &avg, &max, &with_reads);
	printf("    switch duration:                 %8.1f ms\n", naive_ms);
	printf("    reads per container during it:   min %llu, avg %.1f, max %llu (%d/%d containers read)\n",
	       (unsigned long long)min, avg, (unsigned long long)max,
	       with_reads, nr_containers);
	printf("    reads by content:\n");
	for (p = P_SETTLE; p <= P_FINAL; p++)
		print_phase(p);
	/* A read started in "settle" may have run during the update too. */
	exposed = total(P_SETTLE, P_NAIVE, K_BASE, &in);
	errors = total(P_SETTLE, P_NAIVE, K_ERROR, NULL);
	other = total(P_SETTLE, P_NAIVE, K_OTHER, NULL);
	printf("    reads that saw the bare base image: %llu, in %d/%d containers",
	       (unsigned long long)exposed, in, nr_containers);
	if (errors || other) {
		printf(" (and %llu errors", (unsigned long long)errors);
		if (errors)
			printf(", %s", strerror(phase_errno(P_SETTLE) ?: phase_errno(P_NAIVE)));
		printf(", %llu other)", (unsigned long long)other);
	}
	printf("\n    containers that see v3 now:      %d/%d\n", see_v3, nr_containers);
	printf("%s", mounts_final);

	if (verbose) {
		printf("\n  per container: reads/longest read in ms, by phase\n");
		for (k = 0; k < nr_containers; k++) {
			printf("    %4d", k + 1);
			for (p = P_BEFORE; p < NR_PHASES; p++)
				printf("  %s %llu/%.0f", phase_name[p],
				       (unsigned long long)phase_reads(k, p),
				       sh->box[k].longest_ms[p]);
			printf("\n");
		}
	}
	all = total(P_BENEATH, P_BENEATH, K_V1, NULL) +
	      total(P_BENEATH, P_BENEATH, K_V2, NULL);
	printf("\n");
	if (bad_beneath || see_v2 != nr_containers) {
		printf("RESULT: FAIL: the beneath update was not atomic in every container (%llu bad reads, %d/%d see v2)\n",
		       (unsigned long long)bad_beneath, see_v2, nr_containers);
		ret = 1;
	} else if (!all) {
		printf("RESULT: INCONCLUSIVE: no reader made a read during the beneath update\n");
		ret = 2;
	} else {
		printf("RESULT: PASS: mount --beneath switched %d container%s from v1 to v2 in %.1f ms with 0 non-atomic reads;\n",
		       nr_containers, PLURAL(nr_containers), beneath_ms);
		printf("        unmount-then-mount showed the bare base image %llu time%s in %d container%s\n",
		       (unsigned long long)exposed, PLURAL(exposed), in, PLURAL(in));
		ret = 0;
	}
	return ret;

bad_usage:
	usage(stderr);
	return 2;
out:
	stop_containers(true);
	return 2;
}

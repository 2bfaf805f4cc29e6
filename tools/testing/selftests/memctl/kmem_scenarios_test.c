// SPDX-License-Identifier: GPL-2.0
/*
 * The kmem controller's acceptance scenarios (SPEC.md 2.6, the headlines of
 * the 2012 series): a fork bomb and a "mkdir x; cd x" loop in a group with a
 * kernel-memory limit are contained, while a neighbour in another group
 * keeps forking and exec'ing promptly, and everything can be cleaned up.
 *
 * Runs on whichever hierarchy the memory controller is mounted on, as root,
 * with memctl.ko loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"

FIXTURE(scenario) {
	struct memcg_root root;
	char cg[PATH_MAX];
	char neighbour_cg[PATH_MAX];
	pid_t neighbour_pid;
};

FIXTURE_SETUP(scenario)
{
	ASSERT_EQ(0, memcg_find_root(&self->root));
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	snprintf(self->cg, sizeof(self->cg), "%s/memctl_contained_%d",
		 self->root.path, getpid());
	snprintf(self->neighbour_cg, sizeof(self->neighbour_cg),
		 "%s/memctl_neighbour_%d", self->root.path, getpid());
	ASSERT_EQ(0, cg_create(self->cg));
	ASSERT_EQ(0, cg_create(self->neighbour_cg));
	self->neighbour_pid = 0;
}

static void remove_v1_group(const char *controller, const char *cg);

FIXTURE_TEARDOWN(scenario)
{
	char pids_cg[PATH_MAX];

	if (self->neighbour_pid > 0) {
		kill(self->neighbour_pid, SIGKILL);
		waitpid(self->neighbour_pid, NULL, 0);
	}
	cg_destroy(self->cg);
	cg_destroy(self->neighbour_cg);
	if (self->root.v1) {
		/* The groups of the same names on the v1 cpu and pids trees. */
		snprintf(pids_cg, sizeof(pids_cg), "%s/memctl_pids_bomb_%d",
			 self->root.path, getpid());
		remove_v1_group("pids", pids_cg);
		remove_v1_group("cpu", pids_cg);
		remove_v1_group("cpu", self->cg);
		remove_v1_group("cpu", self->neighbour_cg);
	}
}

static long elapsed_us(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000000L +
	       (now.tv_nsec - start->tv_nsec) / 1000;
}

/*
 * Every process forks forever; a failed fork is retried a second later. (How
 * much CPU a busier bomb takes from its neighbours is for the cpu controller
 * to limit, not memctl.)
 */
static void fork_bomb(void)
{
	for (;;) {
		if (fork() < 0)
			usleep(1000000);
	}
}

/* The number of processes in @cg, each sent SIGKILL first if @kill_them. */
static int procs_in(const char *cg, bool kill_them)
{
	char path[PATH_MAX], line[32];
	FILE *procs;
	int count = 0;

	path_join(path, cg, "cgroup.procs");
	procs = fopen(path, "r");
	if (!procs)
		return -errno;
	while (fgets(line, sizeof(line), procs)) {
		if (kill_them)
			kill(atoi(line), SIGKILL);
		count++;
	}
	fclose(procs);
	return count;
}

/* Kill everything in @cg, including what forks while being killed. */
static int kill_group(const struct memcg_root *root, const char *cg)
{
	int rounds, left;

	if (!root->v1)
		write_cg(cg, "cgroup.kill", "1");
	for (rounds = 0; rounds < 1000; rounds++) {
		left = procs_in(cg, true);
		if (left <= 0)
			return left;
		usleep(10000);
	}
	return -EBUSY;
}

/* The neighbour's fork+exec times, per phase of the test. */
#define MAX_RUNS 2048
enum phase { BASELINE, KMEM_BOMB, PIDS_BOMB, NR_PHASES };

static const char *const phase_names[] = {
	"alone", "beside a bomb under a kmem limit", "beside a bomb under pids.max",
};

struct neighbour_times {
	int phase;		/* set by the parent, read with __atomic */
	int stop;
	int runs[NR_PHASES], failures[NR_PHASES];
	long us[NR_PHASES][MAX_RUNS];
};

static int compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* The @pct-th percentile of the neighbour's times in @phase, in us. */
static long percentile(struct neighbour_times *t, int phase, int pct)
{
	int n = t->runs[phase] < MAX_RUNS ? t->runs[phase] : MAX_RUNS;

	if (!n)
		return -1;
	qsort(t->us[phase], n, sizeof(long), compare_long);
	return t->us[phase][(n - 1) * pct / 100];
}

/*
 * On v1 the cpu and pids controllers have hierarchies of their own
 * (scripts/guest-init mounts them): move the caller into a group of the
 * same name there.
 */
static int enter_v1_controller(const char *controller, const char *cg)
{
	char path[PATH_MAX];
	const char *name = strrchr(cg, '/') + 1;

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", controller, name);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return cg_enter(path, getpid());
}

static void remove_v1_group(const char *controller, const char *cg)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", controller,
		 strrchr(cg, '/') + 1);
	cg_destroy(path);
}

/* Enter @cg, and on v1 its cpu group, so that CPU time is shared fairly. */
static int enter_with_cpu(const struct memcg_root *root, const char *cg)
{
	int ret = cg_enter(cg, getpid());

	if (!ret && root->v1)
		ret = enter_v1_controller("cpu", cg);
	return ret;
}

/* The neighbour: fork and exec /bin/true in a loop, timing each round. */
static pid_t start_timed_neighbour(const struct memcg_root *root,
				   const char *cg, struct neighbour_times *t)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (enter_with_cpu(root, cg))
		_exit(1);
	while (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
		int phase = __atomic_load_n(&t->phase, __ATOMIC_RELAXED);
		struct timespec start;
		int status;
		pid_t child;

		clock_gettime(CLOCK_MONOTONIC, &start);
		child = fork();
		if (child == 0) {
			execl("/bin/true", "true", NULL);
			_exit(127);
		}
		if (child < 0 || waitpid(child, &status, 0) != child ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			t->failures[phase]++;
		if (t->runs[phase] < MAX_RUNS)
			t->us[phase][t->runs[phase]] = elapsed_us(&start);
		t->runs[phase]++;
		usleep(20000);
	}
	_exit(0);
}

struct bomb_result {
	int peak, first_refused_peak;
	bool plateaued;
	uint64_t refusals;
};

/* Sampling stops at most this long after the bomb starts... */
#define BOMB_MAX_SAMPLES 360
/* ...or once forks are refused and the count did not grow for this long. */
#define BOMB_SAMPLES_STABLE 10

/*
 * Start a fork bomb in @cg (and on v1 in @cg's pids group, if @pids_v1)
 * and sample its task count twice a second until it plateaued: forks are
 * refused (or it reached @pids_max tasks) and the count did not grow for
 * five seconds. Then kill it. How long filling the limit takes depends on
 * the kernel (the debug kernel is many times slower), so the test waits
 * for the plateau, up to three minutes, rather than for a fixed time.
 */
static void run_bomb(struct __test_metadata *_metadata,
		     const struct memcg_root *root, const char *cg,
		     bool pids_v1, int pids_max, struct bomb_result *r)
{
	int i, n, grew_at = 0;
	bool refused = false;
	char pids_cg[PATH_MAX];
	pid_t bomber;

	r->peak = r->first_refused_peak = 0;
	r->plateaued = false;
	bomber = fork();
	ASSERT_LE(0, bomber);
	if (bomber == 0) {
		if (enter_with_cpu(root, cg) ||
		    (pids_v1 && enter_v1_controller("pids", cg)))
			_exit(1);
		fork_bomb();
	}
	for (i = 0; i < BOMB_MAX_SAMPLES; i++) {
		usleep(500000);
		n = procs_in(cg, false);
		ASSERT_LE(0, n);
		if (n > r->peak) {
			r->peak = n;
			grew_at = i;
		}
		ASSERT_EQ(0, read_kmem_refusals(root, cg, &r->refusals));
		if (!refused && (r->refusals > 0 || (pids_max && n >= pids_max))) {
			refused = true;
			r->first_refused_peak = r->peak;
		}
		if (refused && i - grew_at >= BOMB_SAMPLES_STABLE) {
			r->plateaued = true;
			break;
		}
	}
	ASSERT_EQ(0, kill_group(root, cg));
	if (root->v1) {
		snprintf(pids_cg, sizeof(pids_cg), "/sys/fs/cgroup/pids/%s",
			 strrchr(cg, '/') + 1);
		kill_group(root, pids_cg);
	}
	waitpid(bomber, NULL, 0);
}

/*
 * SPEC 2.6: a fork bomb in a group with a kernel-memory limit plateaus,
 * its forks fail, and a neighbour in another group keeps forking and
 * exec'ing. Which share of the CPU the bomb takes from the neighbour is the
 * cpu controller's business, so it is on (bomb and neighbour are sibling
 * groups with equal weights). The same bomb under pids.max, the usual way
 * to contain one, is the baseline: the test reports tasks reached,
 * refusals and the neighbour's median and 99th percentile for both, and
 * bounds the neighbour's times by its own times alone in the same run, so
 * that a slow or loaded host moves both.
 */
TEST_F_TIMEOUT(scenario, a_fork_bomb_is_contained, 900)
{
	struct neighbour_times *t;
	struct bomb_result kmem, pids;
	uint64_t before, limit, after;
	char usage[PATH_MAX], pids_cg[PATH_MAX], value[32];
	long p50[NR_PHASES], p99[NR_PHASES];
	int phase, i;

	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t);
	memset(t, 0, sizeof(*t));
	if (self->root.v1) {
		ASSERT_EQ(0, access("/sys/fs/cgroup/cpu/cpu.shares", F_OK))
			TH_LOG("no v1 cpu controller at /sys/fs/cgroup/cpu");
	} else {
		ASSERT_EQ(0, write_cg(self->root.path, "cgroup.subtree_control",
				      "+cpu"));
	}
	snprintf(pids_cg, sizeof(pids_cg), "%s/memctl_pids_bomb_%d",
		 self->root.path, getpid());
	ASSERT_EQ(0, cg_create(pids_cg));

	path_join(usage, self->cg, kmem_usage_file(&self->root));
	ASSERT_EQ(0, read_u64(usage, &before));
	ASSERT_EQ(0, kmem_limit_above_usage(&self->root, self->cg, 16 * MiB,
					    &limit));
	self->neighbour_pid = start_timed_neighbour(&self->root,
						    self->neighbour_cg, t);
	ASSERT_LT(0, self->neighbour_pid);
	/*
	 * At least 3 s and 20 rounds alone: on the debug kernel under load a
	 * round takes a quarter of a second, and 3 s gave only 10.
	 */
	sleep(3);
	for (i = 0; i < 1200 && __atomic_load_n(&t->runs[BASELINE],
						__ATOMIC_RELAXED) < 20; i++)
		usleep(100000);

	__atomic_store_n(&t->phase, KMEM_BOMB, __ATOMIC_RELAXED);
	run_bomb(_metadata, &self->root, self->cg, false, 0, &kmem);

	/* The baseline: as many tasks as memctl let through, by pids.max. */
	snprintf(value, sizeof(value), "%d", kmem.peak);
	if (self->root.v1) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/pids/%s",
			 strrchr(pids_cg, '/') + 1);
		ASSERT_EQ(0, cg_create(dir));
		ASSERT_EQ(0, write_cg(dir, "pids.max", value));
	} else {
		ASSERT_EQ(0, write_cg(pids_cg, "pids.max", value));
	}
	__atomic_store_n(&t->phase, PIDS_BOMB, __ATOMIC_RELAXED);
	run_bomb(_metadata, &self->root, pids_cg, self->root.v1, kmem.peak,
		 &pids);
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELAXED);
	waitpid(self->neighbour_pid, NULL, 0);
	self->neighbour_pid = 0;

	for (phase = 0; phase < NR_PHASES; phase++) {
		p50[phase] = percentile(t, phase, 50);
		p99[phase] = percentile(t, phase, 99);
		TH_LOG("neighbour %s: %d fork+exec, %d failed, p50 %ld ms, p99 %ld ms",
		       phase_names[phase], t->runs[phase], t->failures[phase],
		       p50[phase] / 1000, p99[phase] / 1000);
	}
	TH_LOG("kmem limit %llu: tasks peaked at %d (%d at the first refusal), %llu forks refused",
	       (unsigned long long)limit, kmem.peak, kmem.first_refused_peak,
	       (unsigned long long)kmem.refusals);
	TH_LOG("pids.max %d: tasks peaked at %d", kmem.peak, pids.peak);

	/* memctl stopped the bomb: forks failed, the task count plateaued... */
	ASSERT_GT(kmem.refusals, 0);
	ASSERT_TRUE(kmem.plateaued);
	ASSERT_TRUE(pids.plateaued);
	/* ...at no more tasks than kernel stacks (16 KiB) fit in the limit. */
	ASSERT_LE((uint64_t)kmem.peak, (limit - before) / (16 * KiB) + 1);
	ASSERT_LE(pids.peak, kmem.peak);
	/*
	 * The neighbour never failed, and beside the contained bomb it was
	 * held up no more than beside the pids-limited one, with a margin:
	 * both bombs keep forking (and failing) as fast as the CPU lets them.
	 */
	for (phase = 0; phase < NR_PHASES; phase++) {
		ASSERT_GT(t->runs[phase], 10);
		ASSERT_EQ(0, t->failures[phase]);
	}
	ASSERT_LE(p50[KMEM_BOMB], 3 * p50[PIDS_BOMB] + 50000);
	ASSERT_LE(p99[KMEM_BOMB], 3 * p99[PIDS_BOMB] + 200000);
	ASSERT_LE(p50[KMEM_BOMB], 20 * p50[BASELINE] + 50000);

	/* Killed, the group gives its kernel memory back and goes away. */
	ASSERT_EQ(0, wait_u64_at_most(usage, before + vmstat_slack(), 10000,
				      &after));
	ASSERT_LE(after, before + vmstat_slack());
	ASSERT_EQ(0, cg_destroy(self->cg));
	ASSERT_EQ(0, cg_destroy(pids_cg));
}

/* Go down "mkdir x; cd x" until it fails: *@depth levels, then *@error. */
static void mkdir_loop(const char *dir, int *depth, int *error)
{
	*depth = 0;
	*error = 0;
	if (chdir(dir)) {
		*error = errno;
		return;
	}
	for (;;) {
		if (mkdir("x", 0700) || chdir("x")) {
			*error = errno;
			return;
		}
		(*depth)++;
	}
}

/* Remove what mkdir_loop() made, bottom up. */
static int remove_tree(const char *dir, int depth)
{
	int i;

	if (chdir(dir))
		return -errno;
	for (i = 0; i < depth; i++)
		if (chdir("x"))
			break;
	/* A failed mkdir may have left one more level. */
	if (!chdir("x"))
		i++;
	for (; i > 0; i--) {
		if (chdir("..") || rmdir("x"))
			return -errno;
	}
	if (chdir("/"))
		return -errno;
	return rmdir(dir) ? -errno : 0;
}

TEST_F_TIMEOUT(scenario, a_mkdir_cd_loop_is_contained, 900)
{
	int *result, status, forked, error;
	struct neighbour_times *t;
	struct timespec start;
	char dir[64];
	uint64_t limit;
	long us;
	pid_t looper;

	/*
	 * The looper reports through memory its parent touched: at its limit
	 * it could not even allocate a pipe buffer.
	 */
	result = mmap(NULL, 2 * sizeof(*result), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, result);
	result[0] = -1;
	result[1] = -1;
	/*
	 * On tmpfs (the guest's /tmp): every level is an inode and a dentry,
	 * and nothing is left charged to the group once the tree is removed.
	 * On ext4 the block group metadata the loop reads stays cached and
	 * charged to the removed group, which keeps memctl pinned.
	 */
	snprintf(dir, sizeof(dir), "/tmp/memctl_deep_%d", getpid());
	ASSERT_EQ(0, mkdir(dir, 0700));
	ASSERT_EQ(0, kmem_limit_above_usage(&self->root, self->cg, 8 * MiB,
					    &limit));
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t);
	memset(t, 0, sizeof(*t));
	self->neighbour_pid = start_timed_neighbour(&self->root,
						    self->neighbour_cg, t);
	ASSERT_LT(0, self->neighbour_pid);
	sleep(2);
	/* The loop's phase: the second of the neighbour's phases. */
	__atomic_store_n(&t->phase, KMEM_BOMB, __ATOMIC_RELAXED);
	clock_gettime(CLOCK_MONOTONIC, &start);
	looper = fork();
	ASSERT_LE(0, looper);
	if (looper == 0) {
		int depth = 0, err = -cg_enter(self->cg, getpid());

		if (!err)
			mkdir_loop(dir, &depth, &err);
		result[0] = depth;
		result[1] = err;
		_exit(0);
	}
	ASSERT_EQ(looper, waitpid(looper, &status, 0));
	us = elapsed_us(&start);
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELAXED);
	waitpid(self->neighbour_pid, NULL, 0);
	self->neighbour_pid = 0;
	TH_LOG("%d levels in %ld ms, then errno %d", result[0], us / 1000,
	       result[1]);
	TH_LOG("neighbour alone: p99 %ld ms; beside the loop: %d runs, %d failed, p99 %ld ms",
	       percentile(t, BASELINE, 99) / 1000, t->runs[KMEM_BOMB],
	       t->failures[KMEM_BOMB], percentile(t, KMEM_BOMB, 99) / 1000);

	/*
	 * It ended with an allocation error, not by running for ever: ENOMEM
	 * from the dentry or inode charge, or ENOSPC, which is what tmpfs
	 * returns when it cannot allocate the new directory's inode
	 * (shmem_get_inode() turns every failure to get one into ENOSPC).
	 */
	ASSERT_TRUE(result[1] == ENOMEM || result[1] == ENOSPC)
		TH_LOG("errno %d", result[1]);
	ASSERT_GT(result[0], 100);
	/* Bounded by the neighbour's own times, alone, in the same run. */
	ASSERT_EQ(0, t->failures[BASELINE] + t->failures[KMEM_BOMB]);
	ASSERT_LE(percentile(t, KMEM_BOMB, 99),
		  20 * percentile(t, BASELINE, 99) + 200000);
	/* The host is fine, and the tree can be removed. */
	ASSERT_EQ(0, cg_fork_until_failure(self->neighbour_cg, 50, &forked,
					   &error));
	ASSERT_EQ(50, forked);
	ASSERT_EQ(0, remove_tree(dir, result[0]));
}

TEST_HARNESS_MAIN

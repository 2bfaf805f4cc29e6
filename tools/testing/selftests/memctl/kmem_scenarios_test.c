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

/* What the neighbour saw while it forked and exec'd /bin/true. */
struct neighbour_stats {
	int stop, steady;	/* set by the parent, read with __atomic */
	int runs, failures;
	long worst_us, worst_steady_us;
};

FIXTURE(scenario) {
	struct memcg_root root;
	char cg[PATH_MAX];
	char neighbour_cg[PATH_MAX];
	struct neighbour_stats *neighbour;
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
	self->neighbour = mmap(NULL, sizeof(*self->neighbour),
			       PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->neighbour);
	self->neighbour_pid = 0;
}

FIXTURE_TEARDOWN(scenario)
{
	if (self->neighbour_pid > 0) {
		kill(self->neighbour_pid, SIGKILL);
		waitpid(self->neighbour_pid, NULL, 0);
	}
	cg_destroy(self->cg);
	cg_destroy(self->neighbour_cg);
}

static long elapsed_us(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000000L +
	       (now.tv_nsec - start->tv_nsec) / 1000;
}

/* The neighbour: fork and exec /bin/true in a loop, timing each round. */
static void start_neighbour(FIXTURE_DATA(scenario) *self)
{
	struct neighbour_stats *stats = self->neighbour;
	pid_t pid = fork();

	if (pid != 0) {
		self->neighbour_pid = pid;
		return;
	}
	if (cg_enter(self->neighbour_cg, getpid()))
		_exit(1);
	while (!__atomic_load_n(&stats->stop, __ATOMIC_RELAXED)) {
		struct timespec start;
		int status;
		long us;
		pid_t child;

		clock_gettime(CLOCK_MONOTONIC, &start);
		child = fork();
		if (child == 0) {
			execl("/bin/true", "true", NULL);
			_exit(127);
		}
		if (child < 0 || waitpid(child, &status, 0) != child ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			stats->failures++;
		us = elapsed_us(&start);
		if (us > stats->worst_us)
			stats->worst_us = us;
		if (__atomic_load_n(&stats->steady, __ATOMIC_RELAXED) &&
		    us > stats->worst_steady_us)
			stats->worst_steady_us = us;
		stats->runs++;
		usleep(20000);
	}
	_exit(0);
}

static void stop_neighbour(FIXTURE_DATA(scenario) *self)
{
	__atomic_store_n(&self->neighbour->stop, 1, __ATOMIC_RELAXED);
	waitpid(self->neighbour_pid, NULL, 0);
	self->neighbour_pid = 0;
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

TEST_F_TIMEOUT(scenario, a_fork_bomb_is_contained, 300)
{
	uint64_t before, limit, refusals, after;
	int samples[20], i, peak = 0, early_peak = 0;
	char usage[PATH_MAX];
	pid_t bomber;

	path_join(usage, self->cg, kmem_usage_file(&self->root));
	ASSERT_EQ(0, read_u64(usage, &before));
	ASSERT_EQ(0, kmem_limit_above_usage(&self->root, self->cg, 16 * MiB,
					    &limit));
	start_neighbour(self);

	bomber = fork();
	ASSERT_LE(0, bomber);
	if (bomber == 0) {
		if (cg_enter(self->cg, getpid()))
			_exit(1);
		fork_bomb();
	}
	/* Twice a second for ten seconds. */
	for (i = 0; i < 20; i++) {
		usleep(500000);
		samples[i] = procs_in(self->cg, false);
		ASSERT_LE(0, samples[i]);
		if (samples[i] > peak)
			peak = samples[i];
		if (i < 10 && samples[i] > early_peak)
			early_peak = samples[i];
		/* After 2 s the bomb has filled its limit. */
		if (i == 3)
			__atomic_store_n(&self->neighbour->steady, 1,
					 __ATOMIC_RELAXED);
	}
	ASSERT_EQ(0, read_kmem_refusals(&self->root, self->cg, &refusals));
	/* Killing 200 tasks takes CPU too: the neighbour has seen enough. */
	stop_neighbour(self);
	ASSERT_EQ(0, kill_group(&self->root, self->cg));
	waitpid(bomber, NULL, 0);

	TH_LOG("tasks every 0.5 s: %d %d %d %d %d %d %d %d %d %d ... %d %d",
	       samples[0], samples[1], samples[2], samples[3], samples[4],
	       samples[5], samples[6], samples[7], samples[8], samples[9],
	       samples[18], samples[19]);
	TH_LOG("kmem limit %llu, refusals %llu",
	       (unsigned long long)limit, (unsigned long long)refusals);
	TH_LOG("neighbour: %d fork+exec runs, %d failed, worst %ld ms, %s %ld ms",
	       self->neighbour->runs, self->neighbour->failures,
	       self->neighbour->worst_us / 1000,
	       "worst once the bomb was at its limit",
	       self->neighbour->worst_steady_us / 1000);
	/* Forks failed and the task count stopped growing... */
	ASSERT_GT(refusals, 0);
	ASSERT_LE(peak, early_peak + early_peak / 10 + 10);
	/* ...at no more tasks than kernel stacks (16 KiB) fit in the limit. */
	ASSERT_LE((uint64_t)peak, (limit - before) / (16 * KiB) + 1);
	/*
	 * The neighbour never failed and, once the bomb was contained, was
	 * never held up for long. (While the bomb grows, it competes for the
	 * CPU: that is for the cpu controller to limit, not memctl.)
	 */
	ASSERT_GT(self->neighbour->runs, 10);
	ASSERT_EQ(0, self->neighbour->failures);
	ASSERT_LT(self->neighbour->worst_steady_us, 2000000);
	ASSERT_LT(self->neighbour->worst_us, 10000000);

	/* Killed, the group gives its kernel memory back and goes away. */
	ASSERT_EQ(0, wait_u64_at_most(usage, before + vmstat_slack(), 10000,
				      &after));
	ASSERT_LE(after, before + vmstat_slack());
	ASSERT_EQ(0, cg_destroy(self->cg));
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

TEST_F_TIMEOUT(scenario, a_mkdir_cd_loop_is_contained, 300)
{
	int *result, status, forked, error;
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
	start_neighbour(self);
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
	stop_neighbour(self);
	TH_LOG("%d levels in %ld ms, then errno %d; neighbour: %d runs, %d failed, worst %ld ms",
	       result[0], us / 1000, result[1], self->neighbour->runs,
	       self->neighbour->failures, self->neighbour->worst_us / 1000);

	/* It ended with an allocation error, not by running for ever. */
	ASSERT_EQ(ENOMEM, result[1]);
	ASSERT_GT(result[0], 100);
	ASSERT_EQ(0, self->neighbour->failures);
	ASSERT_LT(self->neighbour->worst_us, 3000000);
	/* The host is fine, and the tree can be removed. */
	ASSERT_EQ(0, cg_fork_until_failure(self->neighbour_cg, 50, &forked,
					   &error));
	ASSERT_EQ(50, forked);
	ASSERT_EQ(0, remove_tree(dir, result[0]));
}

TEST_HARNESS_MAIN

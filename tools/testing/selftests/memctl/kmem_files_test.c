// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's kernel-memory usage files on cgroup v1 and v2, and what loading
 * and unloading memctl.ko does to the memory controller's files.
 *
 * Runs on whichever hierarchy the memory controller is mounted on, as root,
 * with memctl.ko loaded and its path in $MEMCTL_KO.
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
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"

/* x86_64 kernel stacks are 16 KiB, charged as kernel memory per task. */
#define STACK_BYTES (16 * KiB)
#define NR_SLEEPERS 64
#define NR_FILES 4000
#define FREE_TIMEOUT_MS 5000

FIXTURE(memcg) {
	struct memcg_root root;
	char cg[PATH_MAX];
	char usage[PATH_MAX];
};

FIXTURE_SETUP(memcg)
{
	ASSERT_EQ(0, memcg_find_root(&self->root));
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	snprintf(self->cg, sizeof(self->cg), "%s/memctl_test_%d",
		 self->root.path, getpid());
	ASSERT_EQ(0, cg_create(self->cg));
	path_join(self->usage, self->cg, kmem_usage_file(&self->root));
}

FIXTURE_TEARDOWN(memcg)
{
	cg_destroy(self->cg);
	/* A test that failed while memctl was unloaded must not break the next. */
	if (!memctl_loaded())
		memctl_load();
}

static uint64_t abs_diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

TEST_F(memcg, usage_file_in_child_not_in_root)
{
	ASSERT_TRUE(file_exists(self->cg, kmem_usage_file(&self->root)));
	ASSERT_FALSE(file_exists(self->root.path,
				 kmem_usage_file(&self->root)));
}

TEST_F(memcg, usage_file_refuses_writes)
{
	uint64_t before, after;

	ASSERT_EQ(0, read_u64(self->usage, &before));
	ASSERT_EQ(-EINVAL, write_text(self->usage, "0"));
	ASSERT_EQ(-EINVAL, write_text(self->usage, "1G"));
	ASSERT_EQ(-EINVAL, write_text(self->usage, "max"));
	ASSERT_EQ(0, read_u64(self->usage, &after));
	/* Nothing was reset: a fresh group's usage only moves by slack. */
	ASSERT_LE(abs_diff(before, after), vmstat_slack());
}

TEST_F(memcg, usage_rises_and_falls_with_tasks)
{
	uint64_t before, during, after, user;
	pid_t pids[NR_SLEEPERS];

	ASSERT_EQ(0, read_u64(self->usage, &before));
	ASSERT_EQ(0, cg_start_sleepers(self->cg, NR_SLEEPERS, pids));
	ASSERT_EQ(0, read_u64(self->usage, &during));
	ASSERT_EQ(0, read_cg_u64(self->cg, user_usage_file(&self->root),
				 &user));
	kill_and_reap(pids, NR_SLEEPERS);

	TH_LOG("kmem before %llu, with %d tasks %llu, user usage %llu",
	       (unsigned long long)before, NR_SLEEPERS,
	       (unsigned long long)during, (unsigned long long)user);
	ASSERT_GE(during, before + NR_SLEEPERS * STACK_BYTES);
	/* Kernel memory is part of the group's user usage. */
	ASSERT_LE(during, user + vmstat_slack());

	ASSERT_EQ(0, wait_u64_at_most(self->usage, before + vmstat_slack(),
				      FREE_TIMEOUT_MS, &after));
	ASSERT_LE(after, before + vmstat_slack());
}

static char files_dir[64];

static int create_files(void *arg)
{
	char path[PATH_MAX];
	int i, fd;

	for (i = 0; i < NR_FILES; i++) {
		snprintf(path, sizeof(path), "%s/a-file-with-a-long-name-%d",
			 files_dir, i);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}

static void remove_files(void)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < NR_FILES; i++) {
		snprintf(path, sizeof(path), "%s/a-file-with-a-long-name-%d",
			 files_dir, i);
		unlink(path);
	}
	rmdir(files_dir);
}

TEST_F(memcg, usage_tracks_inodes_and_dentries)
{
	uint64_t before, during, after;

	/* /tmp is tmpfs in the guest: its inodes and dentries are accounted. */
	snprintf(files_dir, sizeof(files_dir), "/tmp/memctl_files_%d",
		 getpid());
	ASSERT_EQ(0, mkdir(files_dir, 0700));
	ASSERT_EQ(0, read_u64(self->usage, &before));
	ASSERT_EQ(0, cg_run(self->cg, create_files, NULL));
	ASSERT_EQ(0, read_u64(self->usage, &during));
	remove_files();

	TH_LOG("kmem before %llu, with %d files %llu",
	       (unsigned long long)before, NR_FILES,
	       (unsigned long long)during);
	/* An inode plus a dentry is well over 512 bytes. */
	ASSERT_GE(during, before + NR_FILES * 512);
	ASSERT_EQ(0, wait_u64_at_most(self->usage, before + vmstat_slack(),
				      FREE_TIMEOUT_MS, &after));
}

#define NR_PIPES 100
#define PIPE_BYTES (64 * KiB)

/*
 * Fill NR_PIPES pipes (their buffers are kernel memory) and check, while
 * they are open, that the usage file at @arg rose by at least their size.
 */
static int fill_pipes_and_check(void *arg)
{
	static char chunk[4096];
	uint64_t before, during;
	int fds[NR_PIPES][2], i, j;

	if (read_u64(arg, &before))
		return 1;
	for (i = 0; i < NR_PIPES; i++) {
		if (pipe(fds[i]))
			return 2;
		for (j = 0; j < PIPE_BYTES / (int)sizeof(chunk); j++)
			if (write(fds[i][1], chunk, sizeof(chunk)) != sizeof(chunk))
				return 3;
	}
	if (read_u64(arg, &during))
		return 1;
	return during >= before + NR_PIPES * PIPE_BYTES ? 0 : 4;
}

TEST_F(memcg, usage_tracks_pipe_buffers)
{
	uint64_t before, after;

	ASSERT_EQ(0, read_u64(self->usage, &before));
	/* The child exits, closing the pipes, before cg_run() returns. */
	ASSERT_EQ(0, cg_run(self->cg, fill_pipes_and_check, self->usage));
	ASSERT_EQ(0, wait_u64_at_most(self->usage, before + vmstat_slack(),
				      FREE_TIMEOUT_MS, &after));
	ASSERT_LE(after, before + vmstat_slack());
}

TEST_F(memcg, usage_agrees_with_the_kernel_count)
{
	uint64_t usage, kernel;
	pid_t pids[16];
	char path[PATH_MAX];

	ASSERT_EQ(0, cg_start_sleepers(self->cg, 16, pids));
	ASSERT_EQ(0, read_u64(self->usage, &usage));
	if (self->root.v1) {
		/* The stock file reads the same v1 counter. */
		ASSERT_EQ(0, memctl_unload_wait(20000));
		ASSERT_EQ(0, read_cg_u64(self->cg, "memory.kmem.usage_in_bytes",
					 &kernel));
		ASSERT_EQ(0, memctl_load());
	} else {
		path_join(path, self->cg, "memory.stat");
		ASSERT_EQ(0, read_key_u64(path, "kernel", &kernel));
	}
	kill_and_reap(pids, 16);

	TH_LOG("memctl says %llu, the kernel %llu", (unsigned long long)usage,
	       (unsigned long long)kernel);
	ASSERT_GT(usage, 0);
	ASSERT_LE(abs_diff(usage, kernel), vmstat_slack());
}

TEST_F(memcg, child_usage_is_included_in_parent)
{
	uint64_t parent_before, parent, child;
	char child_cg[PATH_MAX], path[PATH_MAX];
	pid_t pids[NR_SLEEPERS];

	if (!self->root.v1) {
		path_join(path, self->cg, "cgroup.subtree_control");
		ASSERT_EQ(0, write_text(path, "+memory"));
	}
	path_join(child_cg, self->cg, "child");
	ASSERT_EQ(0, cg_create(child_cg));
	ASSERT_EQ(0, read_u64(self->usage, &parent_before));
	ASSERT_EQ(0, cg_start_sleepers(child_cg, NR_SLEEPERS, pids));
	ASSERT_EQ(0, read_u64(self->usage, &parent));
	ASSERT_EQ(0, read_cg_u64(child_cg, kmem_usage_file(&self->root),
				 &child));
	kill_and_reap(pids, NR_SLEEPERS);
	ASSERT_EQ(0, cg_destroy(child_cg));

	ASSERT_GE(child, NR_SLEEPERS * STACK_BYTES);
	ASSERT_GE(parent + vmstat_slack(), parent_before + child);
}

TEST_F(memcg, unload_restores_the_stock_files)
{
	const char *usage = kmem_usage_file(&self->root);

	ASSERT_EQ(0, memctl_unload_wait(20000));
	ASSERT_FALSE(memctl_loaded());
	if (self->root.v1) {
		/* The stock v1 files are back, in the root too. */
		ASSERT_TRUE(file_exists(self->root.path, usage));
		ASSERT_TRUE(file_exists(self->cg, usage));
		ASSERT_TRUE(file_exists(self->cg, "memory.kmem.limit_in_bytes"));
		ASSERT_TRUE(file_exists(self->cg, "memory.kmem.failcnt"));
		ASSERT_TRUE(file_exists(self->cg,
					"memory.kmem.max_usage_in_bytes"));
	} else {
		/* cgroup v2 has no stock kmem files. */
		ASSERT_FALSE(file_exists(self->cg, usage));
	}
	/* Groups created while unloaded get memctl's files at load. */
	ASSERT_EQ(0, memctl_load());
	ASSERT_TRUE(file_exists(self->cg, usage));
	ASSERT_FALSE(file_exists(self->root.path, usage));
}

struct reader_stats {
	int stop;	/* set by the parent, read with __atomic */
	int reads, gone, unexpected;
};

static void read_until_stopped(const char *path, struct reader_stats *stats)
{
	uint64_t val;
	int ret;

	while (!__atomic_load_n(&stats->stop, __ATOMIC_RELAXED)) {
		ret = read_u64(path, &val);
		if (!ret)
			stats->reads++;
		else if (ret == -ENOENT || ret == -ENODEV)
			stats->gone++;
		else
			stats->unexpected++;
	}
}

TEST_F_TIMEOUT(memcg, unload_with_open_files_and_readers, 180)
{
	struct reader_stats *stats;
	uint64_t val;
	int i, fd, status;
	pid_t reader;

	stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stats);
	fd = open(self->usage, O_RDONLY);
	ASSERT_LE(0, fd);

	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		read_until_stopped(self->usage, stats);
		_exit(0);
	}
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, memctl_unload_wait(20000));
		ASSERT_EQ(0, memctl_load());
	}
	__atomic_store_n(&stats->stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(reader, waitpid(reader, &status, 0));

	/* The file this fd was opened on was removed at the first unload. */
	ASSERT_EQ(-1, pread(fd, &val, sizeof(val), 0));
	ASSERT_EQ(ENODEV, errno);
	close(fd);

	TH_LOG("reader: %d reads, %d while unloaded, %d unexpected",
	       stats->reads, stats->gone, stats->unexpected);
	ASSERT_EQ(0, stats->unexpected);
	ASSERT_GT(stats->reads, 0);
}

TEST_HARNESS_MAIN

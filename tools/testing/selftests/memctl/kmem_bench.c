// SPDX-License-Identifier: GPL-2.0
/*
 * kmem_bench CGROUP LABEL: time the kernel-memory-heavy operations that
 * memctl's charge path sees, in a process inside CGROUP, and reads of
 * CGROUP's memory.current and memory.kmem.current (whose cost, for a group
 * without a kmem limit, must be memory.current's: anyone may read it), and
 * print one line per workload: "LABEL WORKLOAD NS_PER_OP", none for a file
 * that does not exist (memctl unloaded). Not a test: scripts/bench-kmem
 * runs it in a guest under QEMU -icount, where time is instruction count,
 * once per configuration, and compares the lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "memctl_util.h"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int fork_exit_wait(int i)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return pid < 0 || waitpid(pid, &status, 0) != pid;
}

static int create_unlink(int i)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/kmem_bench/f%d", i % 64);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		return 1;
	close(fd);
	return unlink(path);
}

static int pipe_open_close(int i)
{
	int fds[2];

	if (pipe(fds))
		return 1;
	close(fds[0]);
	close(fds[1]);
	return 0;
}

/* CGROUP's memory.current and memory.kmem.current, open for reading. */
static int current_fd = -1, kmem_current_fd = -1;

static int read_file(int fd)
{
	char buf[32];

	return pread(fd, buf, sizeof(buf), 0) <= 0;
}

static int read_current(int i)
{
	return read_file(current_fd);
}

static int read_kmem_current(int i)
{
	return read_file(kmem_current_fd);
}

static const struct workload {
	const char *name;
	int (*op)(int i);
	int count;
	int *fd;	/* the file it reads: skipped if it did not open */
} workloads[] = {
	{ "fork+exit+wait", fork_exit_wait, 1000 },
	{ "create+unlink", create_unlink, 10000 },
	{ "pipe+close", pipe_open_close, 10000 },
	{ "read-current", read_current, 10000, &current_fd },
	{ "read-kmem-current", read_kmem_current, 10000, &kmem_current_fd },
};

/*
 * A task and a pipe that stay until end_shift(): allocating them moves the
 * allocator state the measured loop starts from (see ns_per_op()).
 */
struct shift {
	int fds[2];
	pid_t pid;
};

static int begin_shift(struct shift *shift)
{
	char c;

	if (pipe(shift->fds))
		return -1;
	shift->pid = fork();
	if (shift->pid == 0) {
		close(shift->fds[1]);
		_exit(read(shift->fds[0], &c, 1) != 0);
	}
	if (shift->pid < 0) {
		close(shift->fds[0]);
		close(shift->fds[1]);
		return -1;
	}
	return 0;
}

/*
 * Closing the pipe ends the task, unless a task forked later still holds a
 * copy of its write end: end shifts in the reverse order of their start.
 */
static void end_shift(struct shift *shift)
{
	close(shift->fds[0]);
	close(shift->fds[1]);
	waitpid(shift->pid, NULL, 0);
}

/*
 * Cost per operation of @wl, averaged over allocator states. A loop that
 * allocates and frees the same objects reaches a steady state in which
 * each operation either stays on the fast paths or takes the same slow
 * one (a slab page allocated and freed, the per-CPU stock of charged bytes
 * refilled and drained a page at a time), depending on where the loop
 * started. That start differs from run to run and cost up to 15% on the
 * pipe loop, for configurations that run the same instructions. So the
 * loop runs in chunks, each starting after one more task and pipe
 * (task_struct, stack, files, inode, pipe buffers) were allocated and
 * kept; the average over the chunks samples many starting states alike
 * in every run.
 */
#define CHUNKS 24
static long long ns_per_op(const struct workload *wl)
{
	int per_chunk = wl->count / CHUNKS, c, i, shifted = 0;
	struct shift shift[CHUNKS];
	long long elapsed = 0, start;

	for (c = 0; c < CHUNKS; c++) {
		if (begin_shift(&shift[shifted]))
			break;
		shifted++;
		start = now_ns();
		for (i = 0; i < per_chunk; i++)
			if (wl->op(c * per_chunk + i))
				break;
		elapsed += now_ns() - start;
		if (i < per_chunk)
			break;
	}
	while (shifted)
		end_shift(&shift[--shifted]);
	return c < CHUNKS ? -1 : elapsed / (per_chunk * CHUNKS);
}

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	long long cost;
	size_t w;
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: kmem_bench CGROUP LABEL\n");
		return 2;
	}
	if (cg_enter(argv[1], getpid()))
		return 1;
	if (mkdir("/tmp/kmem_bench", 0700) && errno != EEXIST)
		return 1;
	path_join(path, argv[1], "memory.current");
	current_fd = open(path, O_RDONLY);
	path_join(path, argv[1], "memory.kmem.current");
	kmem_current_fd = open(path, O_RDONLY);
	for (w = 0; w < ARRAY_SIZE(workloads); w++) {
		const struct workload *wl = &workloads[w];

		if (wl->fd && *wl->fd < 0)
			continue;
		/* A warm-up round, so that caches are in the same state. */
		for (i = 0; i < wl->count / 10; i++)
			if (wl->op(i))
				return 1;
		cost = ns_per_op(wl);
		if (cost < 0)
			return 1;
		printf("%s %s %lld\n", argv[2], wl->name, cost);
	}
	return 0;
}

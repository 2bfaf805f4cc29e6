// SPDX-License-Identifier: GPL-2.0
/*
 * kmem_bench CGROUP LABEL: time the kernel-memory-heavy operations that
 * memctl's charge path sees, in a process inside CGROUP, and print one line
 * per workload: "LABEL WORKLOAD NS_PER_OP". Not a test: scripts/bench-kmem
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

static const struct workload {
	const char *name;
	int (*op)(int i);
	int count;
} workloads[] = {
	{ "fork+exit+wait", fork_exit_wait, 1000 },
	{ "create+unlink", create_unlink, 10000 },
	{ "pipe+close", pipe_open_close, 10000 },
};

int main(int argc, char **argv)
{
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
	for (w = 0; w < sizeof(workloads) / sizeof(workloads[0]); w++) {
		const struct workload *wl = &workloads[w];
		long long start;

		/* A warm-up round, so that caches are in the same state. */
		for (i = 0; i < wl->count / 10; i++)
			if (wl->op(i))
				return 1;
		start = now_ns();
		for (i = 0; i < wl->count; i++)
			if (wl->op(i))
				return 1;
		printf("%s %s %lld\n", argv[2], wl->name,
		       (now_ns() - start) / wl->count);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dirty_bench, for scripts/bench-dirty (not a test):
 *
 *   dirty_bench write CGROUP LABEL MIB
 *	one buffered writer of MIB MiB in CGROUP, on /scratch; prints
 *	"LABEL write SECONDS PEAK_KIB MEAN_KIB" (the group's dirty count,
 *	sampled every 5 ms)
 *   dirty_bench loop CGROUP LABEL
 *	the cost of the dirty hooks on a write loop: 4 KiB writes that each
 *	dirty a new page cache page (the file is truncated every 4 MiB, so no
 *	threshold is reached); prints "LABEL loop NS_PER_WRITE"
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirty_util.h"

#define LOOP_WRITES 200000
#define LOOP_SPAN (4 * MiB)

static int bench_write(struct dirty_env *env, const char *cg, const char *label,
		       int mib)
{
	struct dirty_samples samples = {};
	struct writer *writer;
	double seconds;
	int ret;

	writer = dirty_env_writers(env, cg, 1, 0);
	if (!writer)
		return 1;
	ret = writer_write(writer, mib, &env->root, cg, &samples, &seconds);
	if (ret)
		return 1;
	printf("%s write %.3f %llu %llu\n", label, seconds,
	       (unsigned long long)samples.peak / KiB,
	       (unsigned long long)dirty_mean(&samples) / KiB);
	return 0;
}

static int loop_writes(void *path)
{
	static char page[4096];
	off_t offset = 0;
	int fd, i;

	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0)
		return 1;
	for (i = 0; i < LOOP_WRITES; i++) {
		if (offset == LOOP_SPAN) {
			if (ftruncate(fd, 0))
				return 1;
			offset = 0;
		}
		if (pwrite(fd, page, sizeof(page), offset) != sizeof(page))
			return 1;
		offset += sizeof(page);
	}
	return close(fd);
}

static int bench_loop(struct dirty_env *env, const char *cg, const char *label)
{
	char path[PATH_MAX + 8];
	double start, seconds;
	int ret;

	snprintf(path, sizeof(path), "%s/loop", env->dir);
	start = now_seconds();
	ret = cg_run(cg, loop_writes, path);
	seconds = now_seconds() - start;
	unlink(path);
	if (ret)
		return 1;
	printf("%s loop %.1f\n", label, seconds * 1e9 / LOOP_WRITES);
	return 0;
}

int main(int argc, char **argv)
{
	struct dirty_env env;
	int ret;

	if (argc < 4 || (strcmp(argv[1], "write") == 0 && argc < 5)) {
		fprintf(stderr, "usage: %s write|loop CGROUP LABEL [MIB]\n",
			argv[0]);
		return 2;
	}
	if (dirty_env_init(&env))
		return 1;
	if (strcmp(argv[1], "write") == 0)
		ret = bench_write(&env, argv[2], argv[3], atoi(argv[4]));
	else
		ret = bench_loop(&env, argv[2], argv[3]);
	dirty_env_cleanup(&env);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * task_bench LABEL [configured|enomem]: time a fault- and syscall-heavy
 * loop in the calling process (in a memory cgroup) and print one line per
 * workload, "LABEL WORKLOAD NS_PER_OP". With "configured" the process
 * first sets SIGNAL on thresholds it never reaches, with "enomem" ENOMEM. scripts/bench-task runs it
 * under QEMU -icount once per configuration and compares the lines.
 *
 * task_bench reaction [CGROUP]: how far past the threshold each trigger is
 * when the action fires ("reaction TRIGGER KIB"): SIGNAL on the anonymous
 * RSS (DIRECT) and, given the caller's v2 CGROUP with memory.high set and
 * room above it, SIGNAL on memory.high.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "memctl_util.h"
#include "task_util.h"

#define REGION (4 * MiB)

static int fault_region(int i)
{
	static char *region;

	if (!region) {
		region = anon_reserve(REGION);
		if (!region)
			return 1;
	}
	/* Fault in 4 MiB, charge it, give it back: 1024 faults per op. */
	touch(region, REGION);
	return drop(region, REGION);
}

static int mmap_touch_unmap(int i)
{
	char *p = anon_reserve(64 * KiB);

	if (!p)
		return 1;
	touch(p, 64 * KiB);
	return munmap(p, 64 * KiB);
}

static int brk_grow_shrink(int i)
{
	char *p = sbrk(64 * KiB);

	if (p == (void *)-1)
		return 1;
	touch(p, 64 * KiB);
	return sbrk(-64 * KiB) == (void *)-1;
}

static int mprotect_flip(int i)
{
	static char *page;

	if (!page) {
		page = anon_reserve(4096);
		if (!page)
			return 1;
	}
	return mprotect(page, 4096, i & 1 ? PROT_READ :
			PROT_READ | PROT_WRITE);
}

static const struct workload {
	const char *name;
	int (*op)(int i);
	int ops;
} workloads[] = {
	{ "fault-4MiB", fault_region, 64 },
	{ "mmap-64KiB", mmap_touch_unmap, 2000 },
	{ "brk-64KiB", brk_grow_shrink, 2000 },
	{ "mprotect", mprotect_flip, 20000 },
};

static int cost(const char *label)
{
	unsigned int w;
	double start;
	int i;

	for (w = 0; w < ARRAY_SIZE(workloads); w++) {
		/* One pass to warm up, one timed. */
		for (i = 0; i < workloads[w].ops / 10; i++)
			if (workloads[w].op(i))
				return 1;
		start = now_seconds();
		for (i = 0; i < workloads[w].ops; i++)
			if (workloads[w].op(i))
				return 1;
		printf("%s %s %.0f\n", label, workloads[w].name,
		       (now_seconds() - start) * 1e9 / workloads[w].ops);
	}
	return 0;
}

static volatile sig_atomic_t fired;

static void on_signal(int sig)
{
	fired = 1;
}

/* Touch page by page until the signal comes; the bytes touched by then. */
static long touch_until_signal(char *p, long len)
{
	long i;

	for (i = 0; i < len && !fired; i += 4096)
		((volatile char *)p)[i] = 1;
	return fired ? i : -1;
}

static int reaction(const char *cg)
{
	uint64_t usage, high;
	struct setting rss = direct_anon(PR_MEMCONTROL_SIGNAL, SIGUSR1, 0);
	struct setting group = { WORD(PR_MEMCONTROL_SIGNAL, SIGUSR1, 0), 0, 0 };
	char *p = anon_reserve(8 * RSS_LIMIT);
	long before = rss_anon(), touched;

	if (!p || signal(SIGUSR1, on_signal) == SIG_ERR || task_set(rss))
		return 1;
	touched = touch_until_signal(p, 8 * RSS_LIMIT);
	if (touched < 0)
		return 1;
	printf("reaction rss %ld\n", (before + touched - RSS_LIMIT) / KiB);
	if (drop(p, 8 * RSS_LIMIT))
		return 1;

	if (!cg)
		return 0;
	/* The cgroup trigger: the group's usage against its memory.high. */
	fired = 0;
	if (read_cg_u64(cg, "memory.current", &usage) ||
	    read_cg_u64(cg, "memory.high", &high) || task_set(group))
		return 1;
	touched = touch_until_signal(p, 8 * RSS_LIMIT);
	if (touched < 0)
		return 1;
	printf("reaction memory.high %ld\n",
	       ((long)usage + touched - (long)high) / KiB);
	return 0;
}

int main(int argc, char **argv)
{
	struct setting never = {
		WORD(PR_MEMCONTROL_SIGNAL, SIGUSR1,
		     PR_MEMCONTROL_RSS_ANON | PR_MEMCONTROL_LOG),
		GiB, GiB,
	};

	if (argc >= 2 && !strcmp(argv[1], "reaction"))
		return reaction(argc == 3 ? argv[2] : NULL);
	if (argc == 3 && !strcmp(argv[2], "configured") && task_set(never))
		return 1;
	/* ENOMEM, far away: the gates have to look. */
	never.word = WORD(PR_MEMCONTROL_ENOMEM, 0, PR_MEMCONTROL_RSS_ANON);
	if (argc == 3 && !strcmp(argv[2], "enomem") && task_set(never))
		return 1;
	if (argc < 2)
		return 2;
	return cost(argv[1]);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's per-task actions on cgroup v2 (SPEC 4.2): the cgroup trigger,
 * memory.high plus the task's cgroup_extra_bytes, and memory.high's own
 * throttling, which no action loosens.
 *
 * Runs as root with memctl.ko loaded, on cgroup v2 only (the manifest
 * says so; on the other hierarchy it fails rather than passes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"
#include "task_util.h"

#define TASK_ON_V1 0
#include "task_fixture.h"

/*
 * The cgroup trigger (v2): the group's usage above memory.high plus the
 * task's cgroup_extra_bytes. The task goes 16 MiB into its group, then
 * lowers memory.high below that (with swap closed to it, the usage stays).
 */
static int cgroup_trigger(void *arg)
{
	const char *cg = arg;
	struct setting enomem = { WORD(PR_MEMCONTROL_ENOMEM, 0, 0), 0, 0 };

	if (task_grow_then_set(enomem))
		return 2;
	if (task_mmap_page())
		return 3;
	if (write_cg(cg, "memory.swap.max", "0") ||
	    write_cg(cg, "memory.high", "8M"))
		return 4;
	if (task_mmap_page() != -ENOMEM)
		return 5;
	/* 64 MiB of extra room: under. */
	enomem.extra = 64 * MiB;
	if (task_set(enomem) || task_mmap_page())
		return 6;
	enomem.extra = 0;
	if (task_set(enomem) || task_mmap_page() != -ENOMEM)
		return 7;
	if (write_cg(cg, "memory.high", "max") || task_mmap_page())
		return 8;
	return 0;
}

TEST_F(task, the_cgroup_trigger_is_memory_high_plus_the_extra)
{
	int signal;

	EXPECT_EQ(0, run(_metadata, self->cg, cgroup_trigger, self->cg,
			 &signal));
}

/* Touch up to 32 MiB, for at most 10 s; 0, or 2+ on an error. */
static int grow_for_a_while(void *arg)
{
	const struct setting *setting = arg;
	char *reserve = anon_reserve(32 * MiB);
	double end = now_seconds() + 10;
	long i;

	if (!reserve)
		return 2;
	if (task_set(*setting))
		return 3;
	for (i = 0; i < 32 * MiB && now_seconds() < end; i += MiB)
		touch(reserve + i, MiB);
	return 0;
}

/*
 * memctl's actions come in addition to the group's limits, never instead:
 * a task with ENOMEM whose trigger is far away stalls on memory.high like
 * any other (task_actions_test checks memory.max).
 */
TEST_F(task, actions_never_loosen_memory_high)
{
	struct setting far = { WORD(PR_MEMCONTROL_ENOMEM, 0, 0), GiB, 0 };
	char psi[PATH_MAX];
	uint64_t before, after;
	int signal;

	ASSERT_EQ(0, write_cg(self->cg, "memory.high", "16M"));
	ASSERT_EQ(0, write_cg(self->cg, "memory.swap.max", "0"));
	path_join(psi, self->cg, "memory.pressure");
	ASSERT_EQ(0, psi_some_total(psi, &before));
	EXPECT_EQ(0, run(_metadata, self->cg, grow_for_a_while, &far,
			 &signal));
	ASSERT_EQ(0, psi_some_total(psi, &after));
	TH_LOG("up to 32 MiB in 10 s at memory.high 16M: %lu us of memory stall",
	       (unsigned long)(after - before));
	EXPECT_GT(after - before, 0);
}

TEST_HARNESS_MAIN

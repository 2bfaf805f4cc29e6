// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's per-task actions on cgroup v1 (SPEC 4.2): the cgroup trigger
 * never fires there (DIRECT does: task_actions_test).
 *
 * Runs as root with memctl.ko loaded, on cgroup v1 only (the manifest
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

FIXTURE(task) {
	struct memcg_root root;
	char cg[PATH_MAX];
};

FIXTURE_SETUP(task)
{
	ASSERT_EQ(0, memcg_find_root(&self->root));
	ASSERT_EQ(true, self->root.v1) TH_LOG("this is cgroup v1's test");
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	snprintf(self->cg, sizeof(self->cg), "%s/memctl_task_%d",
		 self->root.path, getpid());
	ASSERT_EQ(0, cg_create(self->cg));
}

FIXTURE_TEARDOWN(task)
{
	cg_destroy(self->cg);
}

/* Run @fn in a child in the case's group; its exit status, or -1. */
static int run(const char *cg, int (*fn)(void *arg), void *arg)
{
	int signal, ret = task_run(cg, fn, arg, 120000, &signal);

	return ret < 0 || signal ? -1 : ret;
}

/*
 * A task over a soft limit with ENOMEM on the cgroup trigger: v1 has no
 * memory.high, and the trigger never fires.
 */
static int no_cgroup_trigger_on_v1(void *arg)
{
	const char *cg = arg;
	struct setting enomem = { WORD(PR_MEMCONTROL_ENOMEM, 0, 0), 0, 0 };

	if (write_cg(cg, "memory.soft_limit_in_bytes", "8M") ||
	    task_grow_then_set(enomem))
		return 2;
	return task_mmap_page() ? 3 : 0;
}

TEST_F(task, no_cgroup_trigger_on_v1)
{
	EXPECT_EQ(0, run(self->cg, no_cgroup_trigger_on_v1, self->cg));
}

TEST_HARNESS_MAIN

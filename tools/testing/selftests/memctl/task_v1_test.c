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

#define TASK_ON_V1 1
#include "task_fixture.h"

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
	int signal;

	EXPECT_EQ(0, run(_metadata, self->cg, no_cgroup_trigger_on_v1,
			 self->cg, &signal));
}

TEST_HARNESS_MAIN

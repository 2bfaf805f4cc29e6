/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the per-task action selftests: each case gets a memory
 * cgroup of its own, memctl_task_<pid>, for the children it runs. Define
 * TASK_ON_V1 as 1 or 0 before including this to make the setup insist on
 * cgroup v1 or v2 (for a program the manifest runs on one hierarchy only).
 * Include after kselftest_harness.h, memctl_util.h and task_util.h.
 */
#ifndef MEMCTL_TASK_FIXTURE_H
#define MEMCTL_TASK_FIXTURE_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

FIXTURE(task) {
	struct memcg_root root;
	char cg[PATH_MAX];
};

FIXTURE_SETUP(task)
{
	ASSERT_EQ(0, memcg_find_root(&self->root));
#ifdef TASK_ON_V1
	ASSERT_EQ(TASK_ON_V1, self->root.v1)
		TH_LOG("this test is for cgroup %s only", TASK_ON_V1 ? "v1" : "v2");
#endif
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	snprintf(self->cg, sizeof(self->cg), "%s/memctl_task_%d",
		 self->root.path, getpid());
	ASSERT_EQ(0, cg_create(self->cg));
}

FIXTURE_TEARDOWN(task)
{
	cg_destroy(self->cg);
}

/*
 * Run @fn in a child in the case's group: its exit status, or -1 (killed:
 * the signal in *@signal, or not finished in 120 s).
 */
static inline int run(struct __test_metadata *_metadata, const char *cg,
		      int (*fn)(void *arg), void *arg, int *signal)
{
	int ret = task_run(cg, fn, arg, 120000, signal);

	if (ret == -ETIMEDOUT)
		TH_LOG("the child did not finish in 120 s");
	return ret < 0 ? -1 : ret;
}

#endif /* MEMCTL_TASK_FIXTURE_H */

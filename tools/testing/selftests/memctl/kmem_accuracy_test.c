// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's counters equal the kernel's own count of each group's kernel
 * memory, exactly: the "kernel" line of memory.stat on v2, the stock
 * memory.kmem.usage_in_bytes counter on v1, both read exactly (every
 * pending per-CPU statistic flushed) through the helper module.
 *
 * Layout: a parent group, where accounting is switched on, with two
 * children a and b that hold the processes (cgroup v2 keeps processes out
 * of a group whose children use the memory controller). Every kind of
 * kernel memory the tests make is charged: task stacks and structures
 * (fork), pipe buffers, page tables, sockets, per-CPU memory (the
 * statistics of a new child memcg, charged to its parent), with frees on
 * another CPU than the allocation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"

#define CHURNERS_PER_CHILD 2
#define SETTLE_MS 10000


FIXTURE(tree) {
	struct memcg_root root;
	char cg[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	pid_t member_a, member_b;
};

FIXTURE_SETUP(tree)
{
	ASSERT_EQ(0, memcg_find_root(&self->root));
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, charge_helper_load());
	snprintf(self->cg, sizeof(self->cg), "%s/memctl_accuracy_%d",
		 self->root.path, getpid());
	ASSERT_EQ(0, cg_create(self->cg));
	ASSERT_EQ(0, enable_memory_for_children(&self->root, self->cg));
	path_join(self->a, self->cg, "a");
	path_join(self->b, self->cg, "b");
	ASSERT_EQ(0, cg_create(self->a));
	ASSERT_EQ(0, cg_create(self->b));
	ASSERT_EQ(0, cg_start_sleepers(self->a, 1, &self->member_a));
	ASSERT_EQ(0, cg_start_sleepers(self->b, 1, &self->member_b));
}

FIXTURE_TEARDOWN(tree)
{
	/* Pages a failed test kept charged would keep its groups alive. */
	write_text(CHARGE_HELPER_PARAM("release"), "1");
	kill_and_reap(&self->member_a, 1);
	kill_and_reap(&self->member_b, 1);
	remove_child_groups(self->cg, "tmp_");
	cg_destroy(self->a);
	cg_destroy(self->b);
	cg_destroy(self->cg);
}

static void assert_exact(struct __test_metadata *_metadata,
			 FIXTURE_DATA(tree) *self, const char *when)
{
	const struct kmem_reference groups[] = {
		{ self->cg, self->member_a, 1 },
		{ self->a, self->member_a, 0 },
		{ self->b, self->member_b, 0 },
	};

	EXPECT_EQ(0, kmem_all_match_kernel(&self->root, groups,
					   ARRAY_SIZE(groups), SETTLE_MS,
					   when));
}

/*
 * Accounting switched on while every CPU charges and uncharges kernel
 * memory in both children: once the churn stops, each counter equals the
 * kernel's count exactly, with no slack.
 */
TEST_F(tree, counters_are_exact_after_activation_under_churn)
{
	pid_t churn[2 * CHURNERS_PER_CHILD];
	int i, n = 0;

	for (i = 0; i < CHURNERS_PER_CHILD; i++) {
		churn[n++] = start_kmem_churn(self->a, self->cg, i,
					      CHURN_ALL_KINDS, 0);
		churn[n++] = start_kmem_churn(self->b, self->cg, i + 1,
					      CHURN_ALL_KINDS, 0);
	}
	for (i = 0; i < n; i++)
		ASSERT_GT(churn[i], 0);
	usleep(300 * 1000);
	ASSERT_EQ(0, write_cg(self->cg, kmem_limit_file(&self->root), "1G"));
	usleep(300 * 1000);
	kill_and_reap(churn, n);
	ASSERT_EQ(0, remove_child_groups(self->cg, "tmp_"));
	assert_exact(_metadata, self, "after activation under churn");
}

/* Each kind on its own, on an accounted tree: counted exactly. */
TEST_F(tree, each_kind_of_kernel_memory_is_counted_exactly)
{
	pid_t churn[2];
	int kind, status, i;

	ASSERT_EQ(0, write_cg(self->cg, kmem_limit_file(&self->root), "1G"));
	assert_exact(_metadata, self, "after activation");
	for (kind = 0; kind < CHURN_ALL_KINDS; kind++) {
		churn[0] = start_kmem_churn(self->a, self->cg, 0, kind, 200);
		churn[1] = start_kmem_churn(self->b, self->cg, 1, kind, 200);
		for (i = 0; i < 2; i++) {
			ASSERT_EQ(churn[i], waitpid(churn[i], &status, 0));
			ASSERT_EQ(0, status);
		}
		assert_exact(_metadata, self, churn_kind_names[kind]);
	}
}

/* Charges a few pages in the caller's group, through the helper module. */
static int charge_a_few_pages(void *arg)
{
	return write_text(CHARGE_HELPER_PARAM("charge"), arg) ? 1 : 0;
}

/*
 * The kernel keeps statistics updates pending per CPU until they pass a
 * batch of 64 (or the periodic flush every 2 s runs): a counter seeded from
 * an unflushed count would be off by them for good. Activation right after
 * a change well under a batch (20 pages charged once, after the periodic
 * flush) must see it. The reference comes from the same exported function
 * as the seed, so it is read only after the next periodic flush, when it no
 * longer depends on that function's own flush.
 */
TEST_F(tree, activation_right_after_a_small_change_is_exact)
{
	uint64_t charged;

	/* The periodic flush has run; nothing is pending. */
	sleep(3);
	ASSERT_EQ(0, cg_run(self->a, charge_a_few_pages, "plain 20"));
	ASSERT_EQ(0, read_u64(CHARGE_HELPER_PARAM("charged"), &charged));
	ASSERT_EQ(20, charged);
	ASSERT_EQ(0, write_cg(self->cg, kmem_limit_file(&self->root), "1G"));
	sleep(3);
	assert_exact(_metadata, self, "after activation after a small change");
	ASSERT_EQ(0, write_text(CHARGE_HELPER_PARAM("release"), "1"));
	assert_exact(_metadata, self, "after the pages were freed");
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's files that exist only on cgroup v1: memory.kmem.failcnt and
 * memory.kmem.max_usage_in_bytes, and their reset-by-write semantics,
 * which are the stock v1 files'. The manifest runs this program on v1
 * only; run on v2, it fails rather than passing without checking anything.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"

#define MAX_FORKS 3000

FIXTURE(group) {
	struct memcg_root root;
	char cg[PATH_MAX];
};

FIXTURE_SETUP(group)
{
	ASSERT_EQ(0, memcg_find_root(&self->root));
	ASSERT_TRUE(self->root.v1) TH_LOG("not a cgroup v1 hierarchy");
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	snprintf(self->cg, sizeof(self->cg), "%s/memctl_v1_%d",
		 self->root.path, getpid());
	ASSERT_EQ(0, cg_create(self->cg));
}

FIXTURE_TEARDOWN(group)
{
	cg_destroy(self->cg);
}

TEST_F(group, failcnt_and_max_usage_reset_on_any_write)
{
	uint64_t limit, failcnt, peak;
	int forked, error;

	ASSERT_EQ(0, kmem_limit_above_usage(&self->root, self->cg, 2 * MiB,
					    &limit));
	ASSERT_EQ(0, cg_fork_until_failure(self->cg, MAX_FORKS, &forked,
					   &error));
	ASSERT_LT(forked, MAX_FORKS);
	ASSERT_EQ(0, read_cg_u64(self->cg, "memory.kmem.failcnt", &failcnt));
	ASSERT_GT(failcnt, 0);
	ASSERT_EQ(0, read_cg_u64(self->cg, "memory.kmem.max_usage_in_bytes",
				 &peak));
	ASSERT_GE(peak + 64 * KiB, limit);
	/* Any write resets, as with the stock v1 files. */
	ASSERT_EQ(0, write_cg(self->cg, "memory.kmem.failcnt", "0"));
	ASSERT_EQ(0, read_cg_u64(self->cg, "memory.kmem.failcnt", &failcnt));
	ASSERT_EQ(0, failcnt);
	ASSERT_EQ(0, write_cg(self->cg, "memory.kmem.max_usage_in_bytes", "0"));
	ASSERT_EQ(0, read_cg_u64(self->cg, "memory.kmem.max_usage_in_bytes",
				 &peak));
	ASSERT_LT(peak, limit - MiB);
}

TEST_HARNESS_MAIN

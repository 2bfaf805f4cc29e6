// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's dirty limits at work (SPEC 3.2, 3.3) on the ext4 disk at
 * /scratch, on either hierarchy: the seed's scenario and its comparison
 * without a limit, an ancestor's limit, a limit lowered below the dirty
 * count, the background threshold, and unload. Group dirty counts are
 * sampled every 5 ms while writers run.
 *
 * Runs on whichever hierarchy the memory controller is mounted on, as root,
 * with memctl.ko loaded.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dirty_util.h"

#define BYTES "memory.dirty_limit_in_bytes"
#define BG_BYTES "memory.dirty_background_limit_in_bytes"

FIXTURE(dirty) {
	struct dirty_env env;
};

FIXTURE_SETUP(dirty)
{
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, dirty_env_init(&self->env));
}

FIXTURE_TEARDOWN(dirty)
{
	dirty_env_cleanup(&self->env);
}

static void report(struct __test_metadata *_metadata, const char *what,
		   const struct dirty_samples *samples, double seconds,
		   int mib)
{
	TH_LOG("%s: peak dirty %llu KiB (first at sample %llu), mean %llu KiB over %llu samples, %.1f s (%.0f MiB/s)",
	       what, (unsigned long long)samples->peak / KiB,
	       (unsigned long long)samples->peak_sample,
	       (unsigned long long)dirty_mean(samples) / KiB,
	       (unsigned long long)samples->count, seconds, mib / seconds);
}

/*
 * The seed's run: memory.max 100M, two dd of @mib MiB each in @cg. The
 * files go afterwards: the scratch disk has room for one run's.
 */
static int seed_run(struct dirty_env *env, const char *cg, int mib,
		    struct dirty_samples *samples, double *seconds)
{
	char paths[2][PATH_MAX];
	int i, ret;

	ret = write_cg(cg, user_limit_file(&env->root), "100M");
	if (ret)
		return ret;
	for (i = 0; i < 2; i++)
		snprintf(paths[i], sizeof(paths[i]), "%s/dd%d", env->dir, i);
	*samples = (struct dirty_samples){};
	ret = dd_run(cg, paths, 2, mib, &env->root, samples, seconds);
	for (i = 0; i < 2; i++)
		unlink(paths[i]);
	return ret;
}

/*
 * The seed's headline: memory limit 100M, dirty limit 10M, two dd writing
 * 1 GiB each (make check-full; 128 MiB each in make check, 64 MiB on the
 * debug kernel, whose writers under the limit made 0.4 MiB/s with five
 * guests on two cores). Both complete, nothing is OOM-killed, and the
 * group's dirty count stays within the limit plus the slack. The same
 * writers in a group without a dirty limit are the comparison, which must
 * go over the limit: on the default kernel only, as the debug kernel's
 * writers are too slow to outrun the kernel's own writeback at
 * memory.max 100M.
 *
 * make check's 2 x 128 MiB still turn the group's 100M over more than
 * twice through writeback and reclaim, sampled all the way; the issue's
 * 1 GiB took 130 s of a host CPU per hierarchy (measured alone), and 256
 * MiB still more than half of each dirty guest's time in make check. The
 * comparison writes half as much (a quarter in make check-full): its peak
 * is what it is for. On v2 the peak comes within the first 50 MiB, bounded
 * by the memcg domain's 20% of dirtyable memory; on v1 the count climbs
 * towards memory.max and has only to pass the limit. make demo runs both
 * at 1 GiB.
 */
TEST_F_TIMEOUT(dirty, two_writers_stay_under_a_10M_dirty_limit, 1800)
{
	const char *limited = dirty_env_group(&self->env, NULL, "limited");
	const char *unlimited = dirty_env_group(&self->env, NULL, "unlimited");
	struct dirty_samples with, without;
	int mib = dirty_mib(memctl_quick_or_full(128, 1024), 64);
	int comparison_mib = dirty_mib(memctl_quick_or_full(64, 256), 64);
	uint64_t ooms[2];
	double seconds;
	int ret;

	ASSERT_NE(NULL, limited);
	ASSERT_NE(NULL, unlimited);
	ASSERT_EQ(0, write_cg(limited, BYTES, "10M"));
	ASSERT_EQ(0, seed_run(&self->env, limited, mib, &with, &seconds));
	report(_metadata, "dirty limit 10M", &with, seconds, 2 * mib);
	/* Whether the comparison's writers survive is its own business. */
	ret = seed_run(&self->env, unlimited, comparison_mib, &without,
		       &seconds);
	report(_metadata, "no dirty limit", &without, seconds,
	       2 * comparison_mib);

	ASSERT_EQ(0, read_oom_kills(&self->env.root, limited, &ooms[0]));
	ASSERT_EQ(0, read_oom_kills(&self->env.root, unlimited, &ooms[1]));
	TH_LOG("OOM kills: %llu with the limit, %llu without (writers: %d)",
	       (unsigned long long)ooms[0], (unsigned long long)ooms[1], ret);
	EXPECT_EQ(0, ooms[0]);
	EXPECT_LE(with.peak, 10 * MiB + DIRTY_SLACK);
	/* The limit, not the memory limit alone, kept the count down. */
	if (!dirty_debug_kernel())
		EXPECT_GT(without.peak, 10 * MiB + DIRTY_SLACK);
}

/*
 * A writer is throttled when an ancestor is over its limit, even with a
 * higher limit of its own: the parent's 10M holds a child allowed 100M.
 * 256 MiB in make check-full, 128 in make check (still twelve times the
 * limit), 32 on the debug kernel.
 */
TEST_F_TIMEOUT(dirty, an_ancestors_limit_holds_a_child_with_a_higher_one, 600)
{
	const char *parent = dirty_env_group(&self->env, NULL, "parent");
	const char *child;
	struct dirty_samples samples = {};
	int mib = dirty_mib(memctl_quick_or_full(128, 256), 32);
	struct writer *writer;
	double seconds;

	ASSERT_NE(NULL, parent);
	ASSERT_EQ(0, enable_memory_for_children(&self->env.root, parent));
	child = dirty_env_group(&self->env, parent, "child");
	ASSERT_NE(NULL, child);
	ASSERT_EQ(0, write_cg(parent, BYTES, "10M"));
	ASSERT_EQ(0, write_cg(child, BYTES, "100M"));
	writer = dirty_env_writers(&self->env, child, 1, 0);
	ASSERT_NE(NULL, writer);

	ASSERT_EQ(0, writer_write(writer, mib, &self->env.root, parent,
				  &samples, &seconds));
	report(_metadata, "child (100M) of a parent (10M)", &samples, seconds,
	       mib);
	EXPECT_LE(samples.peak, 10 * MiB + DIRTY_SLACK);
}

/*
 * The limit holds when nobody reads the group's statistics (a read of
 * memory.stat flushes them, which the tests' 5 ms sampling does all the
 * time; the kernel's own writeback domains see them only as fresh as its
 * periodic flush, every 2 s). One writer of 32 MiB (16 on the debug
 * kernel) on the slow disk, which it outruns, sampled every 250 ms.
 */
TEST_F_TIMEOUT(dirty, the_limit_holds_between_reads_of_the_statistics, 600)
{
	const char *cg = dirty_env_group(&self->env, NULL, "unobserved");
	struct dirty_samples samples = { .every_ms = 250 };
	int mib = dirty_mib(32, 16);
	struct writer *writer;
	double seconds;

	ASSERT_NE(NULL, cg);
	dirty_env_use(&self->env, SLOW);
	ASSERT_EQ(0, write_cg(cg, BYTES, "10M"));
	writer = dirty_env_writers(&self->env, cg, 1, 0);
	ASSERT_NE(NULL, writer);
	ASSERT_EQ(0, writer_write(writer, mib, &self->env.root, cg, &samples,
				  &seconds));
	report(_metadata, "slow disk, sampled every 250 ms", &samples,
	       seconds, mib);
	EXPECT_LE(samples.peak, 10 * MiB + DIRTY_SLACK);
}

/*
 * A limit may be set below the dirty count the group has: the write
 * succeeds, and the group's writers are held until it is under. The group
 * first fills a 64M limit on the slow disk (background writeback at 60M;
 * on v1 it stops short of that), which throttles it there: on v2 the kernel's domain then keeps a hard
 * limit near 64M, which it lowers only gradually after the threshold drops.
 * What a threshold counts is dirty pages and pages under writeback. The
 * kernel's periodic writeback is put off, so that nothing but the limits
 * writes the group's pages, however slowly the writers go.
 */
TEST_F_TIMEOUT(dirty, a_limit_lowered_below_the_dirty_count_holds_writers,
	       600)
{
	const char *cg = dirty_env_group(&self->env, NULL, "lowered");
	uint64_t before[2], after[2];
	struct writer *writers;

	ASSERT_NE(NULL, cg);
	dirty_env_use(&self->env, SLOW);
	ASSERT_EQ(0, dirty_env_defer_periodic_writeback(&self->env));
	ASSERT_EQ(0, write_cg(cg, BYTES, "64M"));
	ASSERT_EQ(0, write_cg(cg, BG_BYTES, "60M"));
	/*
	 * Two, which together outrun the disk. On v1 they stay below the
	 * background threshold: reaching it there flushes the whole device,
	 * and how much of the rest the flush then writes too depends on how
	 * fast the writers go (on a busy host, nearly all).
	 */
	writers = dirty_env_writers(&self->env, cg, 2, 0);
	ASSERT_NE(NULL, writers);
	ASSERT_EQ(0, writers_write(writers, 2,
				   self->env.root.v1 ? dirty_mib(24, 16) :
				   dirty_mib(48, 16),
				   &self->env.root, cg, NULL, NULL));
	ASSERT_EQ(0, read_dirty(&self->env.root, cg, &before[0]));
	ASSERT_EQ(0, read_writeback(&self->env.root, cg, &before[1]));

	ASSERT_EQ(0, write_cg(cg, BYTES, "10M"));
	ASSERT_EQ(0, writer_write(writers, 1, &self->env.root, cg, NULL, NULL));
	ASSERT_EQ(0, read_dirty(&self->env.root, cg, &after[0]));
	ASSERT_EQ(0, read_writeback(&self->env.root, cg, &after[1]));
	TH_LOG("dirty and under writeback: %llu + %llu KiB under 64M, %llu + %llu KiB after lowering to 10M and 1 MiB more",
	       (unsigned long long)before[0] / KiB,
	       (unsigned long long)before[1] / KiB,
	       (unsigned long long)after[0] / KiB,
	       (unsigned long long)after[1] / KiB);
	/* The new limit is below what the group has. */
	ASSERT_GT(before[0] + before[1], 10 * MiB + DIRTY_SLACK);
	EXPECT_LE(after[0] + after[1], 10 * MiB + DIRTY_SLACK);
}

/*
 * Background writeback starts at the background threshold: 24M dirty in a
 * group with a background threshold of 8M (and a limit of 64M, which
 * nothing reaches) is written back down to it, well before the kernel's
 * periodic writeback would write the pages (30 s after they were
 * dirtied). With a background threshold above the dirty count nothing is.
 */
TEST_F_TIMEOUT(dirty, background_writeback_starts_at_its_threshold, 600)
{
	const char *cg = dirty_env_group(&self->env, NULL, "background");
	struct writer *writer;
	uint64_t dirty;

	ASSERT_NE(NULL, cg);
	ASSERT_EQ(0, dirty_env_defer_periodic_writeback(&self->env));
	ASSERT_EQ(0, write_cg(cg, BYTES, "64M"));
	ASSERT_EQ(0, write_cg(cg, BG_BYTES, "48M"));
	writer = dirty_env_writers(&self->env, cg, 1, 0);
	ASSERT_NE(NULL, writer);

	/* Under the threshold: nothing is written for a few seconds. */
	ASSERT_EQ(0, writer_write(writer, 24, &self->env.root, cg, NULL, NULL));
	sleep(3);
	ASSERT_EQ(0, read_dirty(&self->env.root, cg, &dirty));
	EXPECT_GE(dirty, 20 * MiB) TH_LOG("%llu KiB dirty under a 48M background threshold",
					  (unsigned long long)dirty / KiB);

	/* Over it: the next writes start writeback down to it. */
	ASSERT_EQ(0, write_cg(cg, BG_BYTES, "8M"));
	ASSERT_EQ(0, writer_write(writer, 1, &self->env.root, cg, NULL, NULL));
	EXPECT_EQ(0, wait_dirty_at_most(&self->env.root, cg,
					8 * MiB + DIRTY_SLACK, 10000, &dirty))
		TH_LOG("%llu KiB dirty 10 s after passing an 8M background threshold",
		       (unsigned long long)dirty / KiB);
}

/*
 * SPEC 5: with memctl unloaded a group's limit has no effect; after a reload
 * the group follows the global values until written again. The kernel's
 * periodic writeback is put off, which would otherwise write the pages of
 * a writer slower than its 30 s expiry (the debug kernel's). One writer of
 * 64 MiB in make check (128 in make check-full, 32 on the debug kernel),
 * which without the limit dirties several times 10M.
 */
TEST_F_TIMEOUT(dirty, a_limit_has_no_effect_after_unload, 600)
{
	const char *cg = dirty_env_group(&self->env, NULL, "unload");
	struct dirty_samples samples = {};
	int mib = dirty_mib(memctl_quick_or_full(64, 128), 32);
	struct writer *writer;
	double seconds;

	ASSERT_NE(NULL, cg);
	ASSERT_EQ(0, dirty_env_defer_periodic_writeback(&self->env));
	ASSERT_EQ(0, write_cg(cg, BYTES, "10M"));
	writer = dirty_env_writers(&self->env, cg, 1, 0);
	ASSERT_NE(NULL, writer);
	ASSERT_EQ(0, memctl_unload_wait(60000));
	ASSERT_EQ(0, writer_write(writer, mib, &self->env.root, cg, &samples,
				  &seconds));
	report(_metadata, "10M limit, memctl unloaded", &samples, seconds, mib);
	EXPECT_GT(samples.peak, 10 * MiB + DIRTY_SLACK);
	ASSERT_EQ(0, memctl_load());
}

TEST_HARNESS_MAIN

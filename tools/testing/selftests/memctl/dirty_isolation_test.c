// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty limits isolate groups on cgroup v2 (SPEC 3.3), where cgroup
 * writeback gives each group's inodes a writeback domain and flusher of
 * their own: a group over its limit is throttled and its own inodes are
 * written, while a group under its limit next to it goes on undisturbed.
 * cgroup v1 has no cgroup writeback, and memctl does not promise isolation
 * there (see the admin guide); the manifest runs this on v2 only.
 *
 * Runs as root with memctl.ko loaded, on /scratch (the guest's ext4 disk).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dirty_util.h"

#define BYTES "memory.dirty_limit_in_bytes"
#define BG_BYTES "memory.dirty_background_limit_in_bytes"

/* The slow writers: this many 1 MiB writes, this far apart. */
#define SLOW_WRITES 24
#define SLOW_GAP_US 50000

FIXTURE(isolation) {
	struct dirty_env env;
};

FIXTURE_SETUP(isolation)
{
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, dirty_env_init(&self->env));
	ASSERT_FALSE(self->env.root.v1) TH_LOG("needs cgroup v2");
}

FIXTURE_TEARDOWN(isolation)
{
	dirty_env_cleanup(&self->env);
}

/*
 * @n slow writers, each of its own group in @cgs, write 1 MiB each in turn
 * every SLOW_GAP_US; @longest is the longest single write.
 */
static int slow_writes(struct writer **writers, const char **cgs, int n,
		       const struct memcg_root *root, double *longest)
{
	double seconds;
	int i, j, ret;

	*longest = 0;
	for (i = 0; i < SLOW_WRITES; i++) {
		for (j = 0; j < n; j++) {
			ret = writer_write(writers[j], 1, root, cgs[j], NULL,
					   &seconds);
			if (ret)
				return ret;
			if (seconds > *longest)
				*longest = seconds;
		}
		usleep(SLOW_GAP_US);
	}
	return 0;
}

/*
 * Group A (limit 10M) has two writers of 24 MiB on the slow disk (4 MiB/s),
 * which hold it at its limit: it can only stay there by writing its own
 * inodes, and its writers wait for I/O (io.pressure). Meanwhile groups B
 * (limit 64M, background 48M) and C (32M, 28M: below what the three groups
 * have dirty together) each write 1 MiB every 50 ms, B on the slow disk and
 * C on the fast one:
 *
 * - B's pages are still dirty afterwards: A's writeback did not write them.
 * - C's writers never wait for I/O: A's limit did not throttle them. (B's
 *   may, for the slow disk's journal and queue, which A's writeback fills:
 *   the io controller's business, not the dirty limits'.)
 */
TEST_F_TIMEOUT(isolation, a_group_over_its_limit_does_not_hold_others, 900)
{
	const char *a = dirty_env_group(&self->env, NULL, "a");
	const char *b = dirty_env_group(&self->env, NULL, "b");
	const char *c = dirty_env_group(&self->env, NULL, "c");
	uint64_t b_dirty, a_stall[2], c_stall[2];
	struct dirty_samples a_samples = {};
	struct writer *a_writers, *slow[2];
	const char *slow_cgs[2] = { b, c };
	double longest;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, dirty_env_defer_periodic_writeback(&self->env));
	ASSERT_EQ(0, write_cg(a, BYTES, "10M"));
	ASSERT_EQ(0, write_cg(b, BYTES, "64M"));
	ASSERT_EQ(0, write_cg(b, BG_BYTES, "48M"));
	ASSERT_EQ(0, write_cg(c, BYTES, "32M"));
	ASSERT_EQ(0, write_cg(c, BG_BYTES, "28M"));
	slow[1] = dirty_env_writers(&self->env, c, 1, 0);
	ASSERT_NE(NULL, slow[1]);
	dirty_env_use(&self->env, SLOW);
	a_writers = dirty_env_writers(&self->env, a, 2, 0);
	ASSERT_NE(NULL, a_writers);
	slow[0] = dirty_env_writers(&self->env, b, 1, 0);
	ASSERT_NE(NULL, slow[0]);

	ASSERT_EQ(0, writers_send(a_writers, 2, 24));
	/*
	 * Let A pass its background threshold (half its limit) first, above
	 * which its writeback runs and its writers are throttled.
	 */
	ASSERT_EQ(0, wait_dirty_above(&self->env.root, a, 5 * MiB, 60000));
	ASSERT_EQ(0, read_io_stall_us(a, &a_stall[0]));
	ASSERT_EQ(0, read_io_stall_us(c, &c_stall[0]));
	ASSERT_EQ(0, slow_writes(slow, slow_cgs, 2, &self->env.root,
				 &longest));
	ASSERT_EQ(0, read_io_stall_us(a, &a_stall[1]));
	ASSERT_EQ(0, read_io_stall_us(c, &c_stall[1]));
	ASSERT_EQ(0, read_dirty(&self->env.root, b, &b_dirty));
	ASSERT_EQ(0, writers_wait(a_writers, 2, &self->env.root, a,
				  &a_samples));

	TH_LOG("A: peak dirty %llu KiB, waited for I/O %llu ms during the slow writes",
	       (unsigned long long)a_samples.peak / KiB,
	       (unsigned long long)(a_stall[1] - a_stall[0]) / 1000);
	TH_LOG("B: %llu KiB dirty after its %d MiB; C waited for I/O %llu ms; longest slow write %.3f s",
	       (unsigned long long)b_dirty / KiB, SLOW_WRITES,
	       (unsigned long long)(c_stall[1] - c_stall[0]) / 1000, longest);
	EXPECT_LE(a_samples.peak, 10 * MiB + DIRTY_SLACK);
	EXPECT_GE(a_stall[1] - a_stall[0], 200000);
	EXPECT_GE(b_dirty, (SLOW_WRITES - 1) * MiB);
	EXPECT_LE(c_stall[1] - c_stall[0], 20000);
}

TEST_HARNESS_MAIN

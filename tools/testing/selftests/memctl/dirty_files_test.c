// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's dirty-limit files (SPEC 3.1) on cgroup v1 and v2: what they
 * read, what writes do, every refused input, the root cgroup, the copy a
 * new group takes of its parent's settings, and what unloading does.
 *
 * Runs on whichever hierarchy the memory controller is mounted on, as root,
 * with memctl.ko loaded and its path in $MEMCTL_KO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"

#define RATIO "memory.dirty_ratio"
#define BYTES "memory.dirty_limit_in_bytes"
#define BG_RATIO "memory.dirty_background_ratio"
#define BG_BYTES "memory.dirty_background_limit_in_bytes"

static const char *const files[] = { RATIO, BYTES, BG_RATIO, BG_BYTES };
static const char *const sysctls[] = {
	"/proc/sys/vm/dirty_ratio",
	"/proc/sys/vm/dirty_bytes",
	"/proc/sys/vm/dirty_background_ratio",
	"/proc/sys/vm/dirty_background_bytes",
};

FIXTURE(dirty) {
	struct memcg_root root;
	char cg[PATH_MAX];
	uint64_t saved[4];	/* the sysctls, restored at the end */
};

FIXTURE_SETUP(dirty)
{
	int i;

	ASSERT_EQ(0, memcg_find_root(&self->root));
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, read_u64(sysctls[i], &self->saved[i]));
	snprintf(self->cg, sizeof(self->cg), "%s/memctl_dirty_%d",
		 self->root.path, getpid());
	ASSERT_EQ(0, cg_create(self->cg));
	ASSERT_EQ(0, enable_memory_for_children(&self->root, self->cg));
}

FIXTURE_TEARDOWN(dirty)
{
	char child[PATH_MAX];
	char value[32];
	int i;

	path_join(child, self->cg, "child");
	cg_destroy(child);
	cg_destroy(self->cg);
	if (!memctl_loaded())
		memctl_load();
	/* Each pair's non-zero member, so that its partner stays zero. */
	for (i = 0; i < 4; i++) {
		if (!self->saved[i])
			continue;
		snprintf(value, sizeof(value), "%llu",
			 (unsigned long long)self->saved[i]);
		write_text(sysctls[i], value);
	}
}

/* The four files of @cg, in the order of files[]. */
static int read_all(const char *cg, uint64_t *values)
{
	int i, ret;

	for (i = 0; i < 4; i++) {
		ret = read_cg_u64(cg, files[i], &values[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int read_sysctls(uint64_t *values)
{
	int i, ret;

	for (i = 0; i < 4; i++) {
		ret = read_u64(sysctls[i], &values[i]);
		if (ret)
			return ret;
	}
	return 0;
}

#define ASSERT_READS(cg, r, b, br, bb) do {				\
	uint64_t _v[4];							\
	ASSERT_EQ(0, read_all(cg, _v));					\
	EXPECT_EQ((uint64_t)(r), _v[0]);				\
	EXPECT_EQ((uint64_t)(b), _v[1]);				\
	EXPECT_EQ((uint64_t)(br), _v[2]);				\
	EXPECT_EQ((uint64_t)(bb), _v[3]);				\
} while (0)

TEST_F(dirty, the_files_exist_in_groups_and_in_the_root)
{
	int i;

	for (i = 0; i < 4; i++) {
		EXPECT_TRUE(file_exists(self->cg, files[i])) TH_LOG("%s", files[i]);
		EXPECT_TRUE(file_exists(self->root.path, files[i]))
			TH_LOG("%s", files[i]);
	}
}

TEST_F(dirty, the_root_shows_the_sysctls_and_refuses_writes)
{
	uint64_t shown[4], global[4];
	int i;

	ASSERT_EQ(0, write_text(sysctls[0], "17"));
	ASSERT_EQ(0, write_text(sysctls[3], "3000000"));
	ASSERT_EQ(0, read_all(self->root.path, shown));
	ASSERT_EQ(0, read_sysctls(global));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(global[i], shown[i]) TH_LOG("file %d", i);
	EXPECT_EQ(17, shown[0]);
	EXPECT_EQ(3000000, shown[3]);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-EINVAL, write_cg(self->root.path, files[i], "10"))
			TH_LOG("file %d", i);
	ASSERT_EQ(0, read_all(self->root.path, shown));
	EXPECT_EQ(17, shown[0]);
}

TEST_F(dirty, a_group_never_written_follows_the_sysctls)
{
	uint64_t global[4];

	ASSERT_EQ(0, read_sysctls(global));
	ASSERT_READS(self->cg, global[0], global[1], global[2], global[3]);
	ASSERT_EQ(0, write_text(sysctls[1], "50000000"));
	ASSERT_EQ(0, write_text(sysctls[2], "7"));
	ASSERT_READS(self->cg, 0, 50000000, 7, 0);
}

TEST_F(dirty, writing_one_of_a_pair_zeroes_the_other)
{
	ASSERT_EQ(0, write_text(sysctls[0], "20"));
	ASSERT_EQ(0, write_text(sysctls[2], "10"));
	ASSERT_EQ(0, write_cg(self->cg, BYTES, "10M"));
	ASSERT_READS(self->cg, 0, 10 * MiB, 10, 0);
	ASSERT_EQ(0, write_cg(self->cg, RATIO, "30"));
	ASSERT_READS(self->cg, 30, 0, 10, 0);
	ASSERT_EQ(0, write_cg(self->cg, BG_BYTES, "1m"));
	ASSERT_READS(self->cg, 30, 0, 0, MiB);
	ASSERT_EQ(0, write_cg(self->cg, BG_RATIO, " 5\n"));
	ASSERT_READS(self->cg, 30, 0, 5, 0);
	/* The group's own values no longer follow the sysctls. */
	ASSERT_EQ(0, write_text(sysctls[0], "40"));
	ASSERT_READS(self->cg, 30, 0, 5, 0);
}

TEST_F(dirty, bad_values_are_einval_and_change_nothing)
{
	/* (A write(2) of zero bytes never reaches the file: "\n" is empty.) */
	static const char *const bad_ratios[] = {
		"101", "1000", "-1", "\n", " ", "1.5", "0x10", "10%", "1 0",
		"ten", "99999999999999999999999",
	};
	static const char *const bad_bytes[] = {
		"\n", "-1", "max", "10Q", "10MB", "8E", "18446744073709551616",
		"0",
	};
	uint64_t before[4], after[4];
	size_t i;

	ASSERT_EQ(0, write_cg(self->cg, BYTES, "10M"));
	ASSERT_EQ(0, write_cg(self->cg, BG_RATIO, "5"));
	ASSERT_EQ(0, read_all(self->cg, before));
	for (i = 0; i < ARRAY_SIZE(bad_ratios); i++) {
		EXPECT_EQ(-EINVAL, write_cg(self->cg, RATIO, bad_ratios[i]))
			TH_LOG("\"%s\"", bad_ratios[i]);
		EXPECT_EQ(-EINVAL, write_cg(self->cg, BG_RATIO, bad_ratios[i]))
			TH_LOG("\"%s\"", bad_ratios[i]);
	}
	for (i = 0; i < ARRAY_SIZE(bad_bytes); i++) {
		EXPECT_EQ(-EINVAL, write_cg(self->cg, BYTES, bad_bytes[i]))
			TH_LOG("\"%s\"", bad_bytes[i]);
		EXPECT_EQ(-EINVAL, write_cg(self->cg, BG_BYTES, bad_bytes[i]))
			TH_LOG("\"%s\"", bad_bytes[i]);
	}
	/* The sysctls' minimums: two pages, and one byte. */
	EXPECT_EQ(-EINVAL, write_cg(self->cg, BYTES, "8191"));
	EXPECT_EQ(0, write_cg(self->cg, BG_BYTES, "1"));
	EXPECT_EQ(0, write_cg(self->cg, BG_RATIO, "5"));
	ASSERT_EQ(0, read_all(self->cg, after));
	EXPECT_EQ(0, memcmp(before, after, sizeof(before)));
}

TEST_F(dirty, a_new_group_copies_its_parents_settings)
{
	char child[PATH_MAX], grandchild[PATH_MAX];

	path_join(child, self->cg, "child");
	path_join(grandchild, child, "grandchild");
	ASSERT_EQ(0, write_cg(self->cg, BYTES, "10M"));
	ASSERT_EQ(0, cg_create(child));
	ASSERT_READS(child, 0, 10 * MiB, self->saved[2], self->saved[3]);
	/* A copy: the parent's later writes do not reach the child. */
	ASSERT_EQ(0, write_cg(self->cg, BYTES, "20M"));
	ASSERT_READS(child, 0, 10 * MiB, self->saved[2], self->saved[3]);
	/* A pair the parent follows the sysctls for, the child follows too. */
	ASSERT_EQ(0, write_text(sysctls[2], "3"));
	ASSERT_READS(child, 0, 10 * MiB, 3, 0);
	ASSERT_EQ(0, enable_memory_for_children(&self->root, child));
	ASSERT_EQ(0, cg_create(grandchild));
	ASSERT_READS(grandchild, 0, 10 * MiB, 3, 0);
	ASSERT_EQ(0, cg_destroy(grandchild));
}

/*
 * SPEC 5: dirty settings stop having effect at unload. They do not pin
 * the module, and a group written before reads the sysctls after a reload.
 */
TEST_F(dirty, settings_do_not_pin_the_module_and_end_at_unload)
{
	uint64_t global[4];

	ASSERT_EQ(0, write_cg(self->cg, BYTES, "10M"));
	ASSERT_EQ(0, write_cg(self->cg, BG_BYTES, "5M"));
	ASSERT_EQ(0, memctl_unload_wait(60000));
	ASSERT_FALSE(file_exists(self->cg, BYTES));
	ASSERT_EQ(0, memctl_load());
	ASSERT_EQ(0, read_sysctls(global));
	ASSERT_READS(self->cg, global[0], global[1], global[2], global[3]);
}

TEST_HARNESS_MAIN

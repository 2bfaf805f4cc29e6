// SPDX-License-Identifier: GPL-2.0
/*
 * The prctl ABI of memctl's per-task actions (SPEC 4.1): every valid
 * setting reads back, byte counts above 4 GiB whole; every bad request is
 * EINVAL and changes nothing; with memctl unloaded both options are EINVAL.
 *
 * Runs on either hierarchy (the ABI does not depend on it), with memctl.ko
 * loaded. Settings are per thread: each case sets its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"
#include "task_util.h"

static const struct setting valid[] = {
	{ WORD(PR_MEMCONTROL_NONE, 0, 0), 0, 0 },
	{ WORD(PR_MEMCONTROL_NONE, 0, PR_MEMCONTROL_LOG), MiB, 0 },
	{ WORD(PR_MEMCONTROL_ENOMEM, 0, PR_MEMCONTROL_RSS_ANON), 0, 64 * MiB },
	{ WORD(PR_MEMCONTROL_SLOWDOWN, 0, PR_MEMCONTROL_DIRECT |
	       PR_MEMCONTROL_RSS_FILE | PR_MEMCONTROL_RSS_SHMEM), 0, 1 },
	{ WORD(PR_MEMCONTROL_SIGNAL, SIGUSR1, PR_MEMCONTROL_SIGCONT |
	       PR_MEMCONTROL_LOG), 5 * GiB, 0 },
	{ WORD(PR_MEMCONTROL_SIGNAL, 63, 0), 0, 0 },
	{ WORD(PR_MEMCONTROL_KILL, 0, PR_MEMCONTROL_LOG | PR_MEMCONTROL_DIRECT |
	       PR_MEMCONTROL_RSS_ANON), 0, 0x7fffffffffffffffUL },
};

TEST(every_valid_setting_reads_back)
{
	struct setting now;
	unsigned int i;

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	for (i = 0; i < ARRAY_SIZE(valid); i++) {
		EXPECT_EQ(0, task_set(valid[i])) TH_LOG("setting %u", i);
		ASSERT_EQ(0, task_get(&now));
		EXPECT_EQ(valid[i].word, now.word) TH_LOG("setting %u", i);
		EXPECT_EQ(valid[i].extra, now.extra) TH_LOG("setting %u", i);
		EXPECT_EQ(valid[i].rss, now.rss) TH_LOG("setting %u", i);
	}
}

/*
 * A byte count of 2 GiB or more comes back whole from the system call;
 * glibc's prctl() returns an int and cannot carry it, which is why the
 * header has memctl_get().
 */
TEST(byte_counts_above_4_gib_read_back_whole)
{
	struct setting big = {
		WORD(PR_MEMCONTROL_ENOMEM, 0, PR_MEMCONTROL_RSS_ANON),
		6 * GiB, 5 * GiB + 4096,
	};

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, task_set(big));
	EXPECT_EQ(6 * GiB, memctl_get(PR_MEMCONTROL_CLIMIT));
	EXPECT_EQ(5 * GiB + 4096, memctl_get(PR_MEMCONTROL_PLIMIT));
	EXPECT_NE(6 * GiB, (long)prctl(PR_GET_MEMCONTROL, PR_MEMCONTROL_CLIMIT,
				      0UL, 0UL, 0UL));
}

struct bad_call {
	const char *what;
	int option;
	unsigned long arg[4];
};

static const struct bad_call bad[] = {
	{ "action 5", PR_SET_MEMCONTROL, { 5 } },
	{ "action 255", PR_SET_MEMCONTROL, { 255 } },
	{ "reserved bit 32", PR_SET_MEMCONTROL, { 1UL << 32 | 1 } },
	{ "reserved bit 63", PR_SET_MEMCONTROL, { 1UL << 63 | 1 } },
	{ "flag 0x8", PR_SET_MEMCONTROL, { WORD(1, 0, 0x8UL << 16) } },
	{ "flag 0x800", PR_SET_MEMCONTROL, { WORD(1, 0, 0x800UL << 16) } },
	{ "flag 0x8000", PR_SET_MEMCONTROL, { WORD(1, 0, 0x8000UL << 16) } },
	{ "SIGNAL without a signal", PR_SET_MEMCONTROL, { WORD(3, 0, 0) } },
	{ "signal _NSIG", PR_SET_MEMCONTROL, { WORD(3, 64, 0) } },
	{ "signal 255", PR_SET_MEMCONTROL, { WORD(3, 255, 0) } },
	{ "a signal with ENOMEM", PR_SET_MEMCONTROL, { WORD(1, SIGUSR1, 0) } },
	{ "SIGCONT with KILL", PR_SET_MEMCONTROL,
	  { WORD(4, 0, PR_MEMCONTROL_SIGCONT) } },
	{ "DIRECT without an RSS kind", PR_SET_MEMCONTROL,
	  { WORD(1, 0, PR_MEMCONTROL_DIRECT), 0, MiB } },
	{ "DIRECT with a zero RSS limit", PR_SET_MEMCONTROL,
	  { WORD(1, 0, PR_MEMCONTROL_DIRECT | PR_MEMCONTROL_RSS_ANON), 0, 0 } },
	{ "a non-zero fifth argument", PR_SET_MEMCONTROL, { 1, 0, 0, 1 } },
	{ "an extra above LONG_MAX", PR_SET_MEMCONTROL, { 1, 1UL << 63 } },
	{ "an RSS limit above LONG_MAX", PR_SET_MEMCONTROL, { 1, 0, -1UL } },
	{ "selector 3", PR_GET_MEMCONTROL, { 3 } },
	{ "selector -1", PR_GET_MEMCONTROL, { -1UL } },
	{ "GET with a third argument", PR_GET_MEMCONTROL, { 0, 1 } },
	{ "GET with a fourth argument", PR_GET_MEMCONTROL, { 0, 0, 1 } },
	{ "GET with a fifth argument", PR_GET_MEMCONTROL, { 0, 0, 0, 1 } },
};

TEST(each_bad_request_is_einval_and_changes_nothing)
{
	const struct setting before = valid[4];
	struct setting after;
	unsigned int i;
	long ret;

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, task_set(before));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		ret = syscall(SYS_prctl, bad[i].option, bad[i].arg[0],
			      bad[i].arg[1], bad[i].arg[2], bad[i].arg[3]);
		EXPECT_EQ(-1, ret) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", bad[i].what);
		ASSERT_EQ(0, task_get(&after));
		EXPECT_EQ(before.word, after.word) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(before.extra, after.extra) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(before.rss, after.rss) TH_LOG("%s", bad[i].what);
	}
}

/* SPEC 4.1: with memctl unloaded both options are unknown prctls. */
TEST(without_memctl_both_options_are_einval)
{
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, task_set(valid[2]));
	ASSERT_EQ(0, memctl_unload_wait(60000));
	EXPECT_EQ(-EINVAL, task_set(valid[1]));
	errno = 0;
	EXPECT_EQ(-1, memctl_get(PR_MEMCONTROL_ACTION));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, memctl_load());
	/* Settings end at unload (SPEC 5): a reload starts from none. */
	EXPECT_EQ(0, memctl_get(PR_MEMCONTROL_ACTION));
	EXPECT_EQ(0, memctl_get(PR_MEMCONTROL_PLIMIT));
}

TEST_HARNESS_MAIN

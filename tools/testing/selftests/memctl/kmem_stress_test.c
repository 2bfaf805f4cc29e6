// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress for the kmem controller, for a bounded time: limit
 * writes on a fixed tree, activation of fresh subtrees, child mkdir/rmdir,
 * kernel-memory charges from many tasks and rmmod attempts, all at once.
 * Afterwards every writer saw only the errnos it may see, memctl's
 * counters equal the kernel's exactly, and (checked by the harness) the
 * kernel log has no report; `make check-debug` runs it under KASAN and
 * kmemleak.
 *
 *   top            limits written at random
 *   |- a           limits written at random; children t* come and go
 *   |  `- x        tasks charging (churn)
 *   `- b           fresh subtrees sN and sN/c activated and removed
 *      `- y        tasks charging (churn)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"

/* 10 s in make check, 20 s in make check-full and make check-debug. */
#define QUICK_STRESS_SECONDS 10
#define FULL_STRESS_SECONDS 20
#define SETTLE_MS 10000

FIXTURE(tree) {
	struct memcg_root root;
	char top[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	char x[PATH_MAX], y[PATH_MAX];
	pid_t member_x, member_y;
};

FIXTURE_SETUP(tree)
{
	ASSERT_EQ(0, memcg_find_root(&self->root));
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, charge_helper_load());
	snprintf(self->top, sizeof(self->top), "%s/memctl_stress_%d",
		 self->root.path, getpid());
	path_join(self->a, self->top, "a");
	path_join(self->b, self->top, "b");
	path_join(self->x, self->a, "x");
	path_join(self->y, self->b, "y");
	ASSERT_EQ(0, cg_create(self->top));
	ASSERT_EQ(0, enable_memory_for_children(&self->root, self->top));
	ASSERT_EQ(0, cg_create(self->a));
	ASSERT_EQ(0, cg_create(self->b));
	ASSERT_EQ(0, enable_memory_for_children(&self->root, self->a));
	ASSERT_EQ(0, enable_memory_for_children(&self->root, self->b));
	ASSERT_EQ(0, cg_create(self->x));
	ASSERT_EQ(0, cg_create(self->y));
	ASSERT_EQ(0, cg_start_sleepers(self->x, 1, &self->member_x));
	ASSERT_EQ(0, cg_start_sleepers(self->y, 1, &self->member_y));
}

FIXTURE_TEARDOWN(tree)
{
	kill_and_reap(&self->member_x, 1);
	kill_and_reap(&self->member_y, 1);
	remove_child_groups(self->a, "");
	remove_child_groups(self->b, "");
	cg_destroy(self->x);
	cg_destroy(self->y);
	cg_destroy(self->a);
	cg_destroy(self->b);
	cg_destroy(self->top);
	if (!memctl_loaded())
		memctl_load();
}

static bool stopped(const volatile int *stop)
{
	return *stop;
}

/*
 * What an actor may see: success, busy (below the usage), no file or no
 * device (memctl was unloaded by the rmmod actor, or is going away; a
 * removed group). Anything else ends the actor with status 1.
 */
static void check(int ret, const char *what, const char *path)
{
	if (ret == 0 || ret == -EBUSY || ret == -ENOENT || ret == -ENODEV)
		return;
	/* A mkdir charges kernel memory: refused under a small limit. */
	if (ret == -ENOMEM && strcmp(what, "mkdir") == 0)
		return;
	fprintf(stderr, "# %s %s: %s\n", what, path, strerror(-ret));
	_exit(1);
}

static void limit_writer(FIXTURE_DATA(tree) *self, unsigned int seed,
			 const volatile int *stop)
{
	const char *groups[] = { self->top, self->a, self->x, self->b };
	const char *values[] = { "1G", "64M", "8M", "2M",
				 kmem_unlimited_keyword(&self->root) };
	char path[PATH_MAX];

	while (!stopped(stop)) {
		path_join(path, groups[rand_r(&seed) % 4],
			  kmem_limit_file(&self->root));
		check(write_text(path, values[rand_r(&seed) % 5]), "write",
		      path);
	}
	_exit(0);
}

static void subtree_activator(FIXTURE_DATA(tree) *self,
			      const volatile int *stop)
{
	char s[PATH_MAX], c[PATH_MAX], name[32], path[PATH_MAX];
	long i;

	for (i = 0; !stopped(stop); i++) {
		snprintf(name, sizeof(name), "s%ld", i);
		path_join(s, self->b, name);
		path_join(c, s, "c");
		/* Under a small limit of b's or top's, mkdir may be refused. */
		check(cg_create(s), "mkdir", s);
		check(enable_memory_for_children(&self->root, s), "enable", s);
		check(cg_create(c), "mkdir", c);
		path_join(path, s, kmem_limit_file(&self->root));
		check(write_text(path, "32M"), "write", path);
		cg_destroy(c);
		cg_destroy(s);
	}
	_exit(0);
}

static void child_churn(FIXTURE_DATA(tree) *self, const volatile int *stop)
{
	char t[PATH_MAX], name[32];
	long i;

	for (i = 0; !stopped(stop); i++) {
		snprintf(name, sizeof(name), "t%ld", i % 8);
		path_join(t, self->a, name);
		check(cg_create(t), "mkdir", t);
		cg_destroy(t);
	}
	_exit(0);
}

static void rmmod_actor(const volatile int *stop)
{
	int ret;

	while (!stopped(stop)) {
		ret = memctl_unload();
		if (ret == 0)
			ret = memctl_load();
		else if (ret == -EWOULDBLOCK)
			ret = 0;
		if (ret) {
			fprintf(stderr, "# rmmod/insmod: %s\n", strerror(-ret));
			_exit(1);
		}
		usleep(20 * 1000);
	}
	_exit(0);
}

TEST_F_TIMEOUT(tree, everything_at_once, 300)
{
	volatile int *stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const struct kmem_reference groups[] = {
		{ self->top, self->member_x, 2 },
		{ self->a, self->member_x, 1 },
		{ self->x, self->member_x, 0 },
		{ self->b, self->member_y, 1 },
		{ self->y, self->member_y, 0 },
	};
	pid_t actors[5], churn[4];
	int i, status;

	ASSERT_NE(MAP_FAILED, stop);
	*stop = 0;
	for (i = 0; i < 5; i++) {
		actors[i] = fork();
		ASSERT_LE(0, actors[i]);
		if (actors[i] > 0)
			continue;
		switch (i) {
		case 0:
		case 1:
			limit_writer(self, i + 1, stop);
			break;
		case 2:
			subtree_activator(self, stop);
			break;
		case 3:
			child_churn(self, stop);
			break;
		default:
			rmmod_actor(stop);
		}
	}
	churn[0] = start_kmem_churn(self->x, self->a, 0, CHURN_ALL_KINDS, 0);
	churn[1] = start_kmem_churn(self->x, self->a, 1, CHURN_ALL_KINDS, 0);
	churn[2] = start_kmem_churn(self->y, self->b, 0, CHURN_ALL_KINDS, 0);
	churn[3] = start_kmem_churn(self->y, self->b, 1, CHURN_ALL_KINDS, 0);
	for (i = 0; i < 4; i++)
		ASSERT_LT(0, churn[i]);

	sleep(memctl_quick_or_full(QUICK_STRESS_SECONDS, FULL_STRESS_SECONDS));
	*stop = 1;
	kill_and_reap(churn, 4);
	ASSERT_EQ(0, remove_child_groups(self->a, "tmp_"));
	ASSERT_EQ(0, remove_child_groups(self->b, "tmp_"));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(actors[i], waitpid(actors[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("actor %d ended with status %#x", i, status);
	}
	if (!memctl_loaded())
		ASSERT_EQ(0, memctl_load());

	EXPECT_EQ(0, kmem_all_match_kernel(&self->root, groups,
					   ARRAY_SIZE(groups), SETTLE_MS,
					   "after the stress"));
}

TEST_HARNESS_MAIN

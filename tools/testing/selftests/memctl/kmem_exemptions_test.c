// SPDX-License-Identifier: GPL-2.0
/*
 * The charges a kernel-memory limit never refuses (Documentation/
 * admin-guide.rst, "kmem", "Enforcement"): __GFP_NOFAIL charges and
 * charges of a task in reclaim (PF_MEMALLOC) are counted, may take the
 * group over its limit, and are not refusals. A dying task's charges get
 * no such bypass (SPEC 2.4): the limit binds them as any other.
 *
 * The charges come from test_modules/memctl_test_charge.ko, which allocates
 * accounted pages with the flags a test names in the writer's context; a
 * plain GFP_KERNEL_ACCOUNT request is the control that the limit binds.
 *
 * Runs on whichever hierarchy the memory controller is mounted on, as root,
 * with memctl.ko loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"

#define PAGE 4096ULL
/* The limit's headroom over usage, and four times as much to charge. */
#define HEADROOM_PAGES 16
#define REQUEST_PAGES (4 * HEADROOM_PAGES)

FIXTURE(limited) {
	struct memcg_root root;
	char cg[PATH_MAX];
	uint64_t limit;
	uint64_t refusals_before;
};

FIXTURE_SETUP(limited)
{
	ASSERT_EQ(0, memcg_find_root(&self->root));
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, charge_helper_load());
	snprintf(self->cg, sizeof(self->cg), "%s/memctl_exempt_%d",
		 self->root.path, getpid());
	ASSERT_EQ(0, cg_create(self->cg));
	ASSERT_EQ(0, kmem_limit_above_usage(&self->root, self->cg,
					    HEADROOM_PAGES * PAGE,
					    &self->limit));
	ASSERT_EQ(0, read_kmem_refusals(&self->root, self->cg,
					&self->refusals_before));
}

FIXTURE_TEARDOWN(limited)
{
	write_text(CHARGE_HELPER_PARAM("release"), "1");
	charge_helper_unload();
	cg_destroy(self->cg);
}

/* In a process of the group: ask the module for a charge. */
static int request_charge(void *mode)
{
	char request[32];

	snprintf(request, sizeof(request), "%s %d", (const char *)mode,
		 REQUEST_PAGES);
	return write_text(CHARGE_HELPER_PARAM("charge"), request) ? 1 : 0;
}

/*
 * Values the tests need: a failed read fails the test (the helpers run in
 * the test's own process, so an assertion ends the test) instead of
 * returning a value an assertion might accept.
 */
static uint64_t pages_charged(struct __test_metadata *_metadata)
{
	uint64_t charged;

	ASSERT_EQ(0, read_u64(CHARGE_HELPER_PARAM("charged"), &charged));
	return charged;
}

static uint64_t kmem_usage(struct __test_metadata *_metadata,
			   const struct memcg_root *root, const char *cg)
{
	uint64_t usage;

	ASSERT_EQ(0, read_cg_u64(cg, kmem_usage_file(root), &usage));
	return usage;
}

static uint64_t kmem_refusals(struct __test_metadata *_metadata,
			      const struct memcg_root *root, const char *cg)
{
	uint64_t refusals;

	ASSERT_EQ(0, read_kmem_refusals(root, cg, &refusals));
	return refusals;
}

/* The control: without an exemption, the limit stops the same request. */
TEST_F(limited, plain_charges_are_refused_at_the_limit)
{
	ASSERT_EQ(0, cg_run(self->cg, request_charge, "plain"));
	ASSERT_LT(pages_charged(_metadata), REQUEST_PAGES);
	ASSERT_LE(kmem_usage(_metadata, &self->root, self->cg), self->limit);
	ASSERT_GT(kmem_refusals(_metadata, &self->root, self->cg),
		  self->refusals_before);
}

/* The exempt charges all succeed, beyond the limit, and refuse nothing. */
static void assert_exempt(struct __test_metadata *_metadata,
			  FIXTURE_DATA(limited) *self)
{
	ASSERT_EQ(REQUEST_PAGES, pages_charged(_metadata));
	ASSERT_GT(kmem_usage(_metadata, &self->root, self->cg), self->limit);
	ASSERT_EQ(self->refusals_before,
		  kmem_refusals(_metadata, &self->root, self->cg));
}

TEST_F(limited, nofail_charges_may_exceed_the_limit)
{
	ASSERT_EQ(0, cg_run(self->cg, request_charge, "nofail"));
	assert_exempt(_metadata, self);
}

TEST_F(limited, charges_in_reclaim_may_exceed_the_limit)
{
	ASSERT_EQ(0, cg_run(self->cg, request_charge, "memalloc"));
	assert_exempt(_metadata, self);
}

/*
 * A task with SIGKILL pending that keeps allocating (in a kernel loop that
 * does not check signals) stays within the limit: refused like the control.
 */
TEST_F(limited, charges_of_a_dying_task_are_refused_at_the_limit)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (cg_enter(self->cg, getpid()))
			_exit(127);
		/* The module queues SIGKILL for us before it charges. */
		request_charge("dying");
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ASSERT_LT(pages_charged(_metadata), REQUEST_PAGES);
	ASSERT_LE(kmem_usage(_metadata, &self->root, self->cg), self->limit);
	ASSERT_GT(kmem_refusals(_metadata, &self->root, self->cg),
		  self->refusals_before);
}

TEST_F(limited, released_exempt_charges_are_uncharged)
{
	uint64_t before = kmem_usage(_metadata, &self->root, self->cg);

	ASSERT_EQ(0, cg_run(self->cg, request_charge, "nofail"));
	ASSERT_GE(kmem_usage(_metadata, &self->root, self->cg),
		  before + REQUEST_PAGES * PAGE);
	ASSERT_EQ(0, write_text(CHARGE_HELPER_PARAM("release"), "1"));
	/* Back where it was, but for the few pages of the request's file. */
	ASSERT_LT(kmem_usage(_metadata, &self->root, self->cg),
		  before + HEADROOM_PAGES / 2 * PAGE);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's cgroup v2 kmem event files: memory.kmem.events (hierarchical, or
 * local with the memory_localevents mount option) and
 * memory.kmem.events.local, and their notifications. run_tests.sh runs this
 * program on cgroup v2 only (a *_v2_test).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"

#define MAX_FORKS 3000

FIXTURE(group) {
	struct memcg_root root;
	char cg[PATH_MAX];
	bool remounted;
};

FIXTURE_SETUP(group)
{
	ASSERT_EQ(0, memcg_find_root(&self->root));
	ASSERT_FALSE(self->root.v1) TH_LOG("needs cgroup v2");
	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	snprintf(self->cg, sizeof(self->cg), "%s/memctl_events_%d",
		 self->root.path, getpid());
	ASSERT_EQ(0, cg_create(self->cg));
}

FIXTURE_TEARDOWN(group)
{
	char child[PATH_MAX];

	path_join(child, self->cg, "child");
	cg_destroy(child);
	cg_destroy(self->cg);
	/* scripts/vm-run mounts cgroup2 without options. */
	if (self->remounted)
		mount(NULL, self->root.path, NULL, MS_REMOUNT, "");
}

struct event_counts {
	uint64_t parent_events, parent_local, child_events, child_local;
};

/*
 * Make a limited child of @cg (which gets a large limit) refuse charges,
 * and read the event files of both.
 */
static void refuse_in_child(struct __test_metadata *_metadata,
			    FIXTURE_DATA(group) *self, struct event_counts *c)
{
	char child[PATH_MAX], path[PATH_MAX];
	uint64_t limit;
	int forked, error;

	ASSERT_EQ(0, write_cg(self->cg, "memory.kmem.max", "1G"));
	ASSERT_EQ(0, write_cg(self->cg, "cgroup.subtree_control", "+memory"));
	path_join(child, self->cg, "child");
	ASSERT_EQ(0, cg_create(child));
	ASSERT_EQ(0, kmem_limit_above_usage(&self->root, child, 2 * MiB, &limit));
	ASSERT_EQ(0, cg_fork_until_failure(child, MAX_FORKS, &forked, &error));
	ASSERT_LT(forked, MAX_FORKS);

	path_join(path, child, "memory.kmem.events");
	ASSERT_EQ(0, read_key_u64(path, "max", &c->child_events));
	path_join(path, child, "memory.kmem.events.local");
	ASSERT_EQ(0, read_key_u64(path, "max", &c->child_local));
	path_join(path, self->cg, "memory.kmem.events");
	ASSERT_EQ(0, read_key_u64(path, "max", &c->parent_events));
	path_join(path, self->cg, "memory.kmem.events.local");
	ASSERT_EQ(0, read_key_u64(path, "max", &c->parent_local));
	TH_LOG("child %llu/%llu, parent %llu/%llu",
	       (unsigned long long)c->child_events,
	       (unsigned long long)c->child_local,
	       (unsigned long long)c->parent_events,
	       (unsigned long long)c->parent_local);
	/* The child's limit refused, the parent's did not. */
	ASSERT_GT(c->child_local, 0);
	ASSERT_EQ(c->child_local, c->child_events);
	ASSERT_EQ(0, c->parent_local);
}

TEST_F(group, events_count_locally_and_up_the_tree)
{
	struct event_counts c;

	refuse_in_child(_metadata, self, &c);
	ASSERT_EQ(c.child_events, c.parent_events);
}

/*
 * Mounted with memory_localevents, memory.kmem.events counts only the
 * group's own refusals, as memory.events does.
 */
TEST_F(group, memory_localevents_makes_events_local)
{
	struct event_counts c;

	ASSERT_EQ(0, mount(NULL, self->root.path, NULL, MS_REMOUNT,
			   "memory_localevents"));
	self->remounted = true;
	refuse_in_child(_metadata, self, &c);
	ASSERT_EQ(0, c.parent_events);
}

TEST_F(group, events_wake_up_pollers)
{
	struct pollfd pfd;
	char path[PATH_MAX], buf[64];
	uint64_t limit;
	int forked, error;

	ASSERT_EQ(0, kmem_limit_above_usage(&self->root, self->cg, 2 * MiB, &limit));
	path_join(path, self->cg, "memory.kmem.events");
	pfd.fd = open(path, O_RDONLY);
	ASSERT_LE(0, pfd.fd);
	ASSERT_LT(0, read(pfd.fd, buf, sizeof(buf)));
	pfd.events = POLLPRI;
	ASSERT_EQ(0, poll(&pfd, 1, 0));

	ASSERT_EQ(0, cg_fork_until_failure(self->cg, MAX_FORKS, &forked,
					   &error));
	ASSERT_LT(forked, MAX_FORKS);
	ASSERT_EQ(1, poll(&pfd, 1, 1000));
	ASSERT_TRUE(pfd.revents & POLLPRI);
	close(pfd.fd);
}

TEST_HARNESS_MAIN

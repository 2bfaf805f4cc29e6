// SPDX-License-Identifier: GPL-2.0
/*
 * memctl_nsrun CGROUP PROGRAM [ARG...]: run PROGRAM with CGROUP (a cgroup v2
 * directory) as the root of its cgroup namespace and of the cgroup2 file
 * system mounted at /sys/fs/cgroup, so that a test suite written for the
 * root cgroup (the kernel's own memcg selftests) runs below an ancestor of
 * our choosing. The runner itself moves to CGROUP/runner, because the root
 * of the namespace must stay free of processes to enable controllers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memctl_util.h"

static int fail(const char *what)
{
	fprintf(stderr, "memctl_nsrun: %s: %s\n", what, strerror(errno));
	return 126;
}

int main(int argc, char **argv)
{
	char runner[PATH_MAX];

	if (argc < 3) {
		fprintf(stderr, "usage: memctl_nsrun CGROUP PROGRAM [ARG...]\n");
		return 2;
	}
	if (cg_enter(argv[1], getpid()))
		return fail("entering the cgroup");
	if (unshare(CLONE_NEWCGROUP | CLONE_NEWNS))
		return fail("unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("making mounts private");
	path_join(runner, argv[1], "runner");
	if (cg_create(runner) || cg_enter(runner, getpid()))
		return fail("moving to CGROUP/runner");
	if (umount2("/sys/fs/cgroup", MNT_DETACH) ||
	    mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL))
		return fail("mounting cgroup2 of the namespace");
	execv(argv[2], argv + 2);
	return fail("exec");
}

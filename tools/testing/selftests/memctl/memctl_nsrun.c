// SPDX-License-Identifier: GPL-2.0
/*
 * memctl_nsrun [-r DIR] CGROUP PROGRAM [ARG...]: run PROGRAM with CGROUP (a
 * cgroup v2 directory) as the root of its cgroup namespace and of the cgroup2
 * file system mounted at /sys/fs/cgroup, so that a test suite written for the
 * root cgroup (the kernel's own memcg selftests) runs below an ancestor of
 * our choosing. The runner itself moves to CGROUP/runner, because the root
 * of the namespace must stay free of processes to enable controllers.
 *
 * With -r, PROGRAM (statically linked) runs chrooted to DIR, in which /proc,
 * /sys and /dev of the runner are visible: the kernel's tests make negative
 * dentries below "/", which the initramfs (a ramfs) never keeps, and DIR can
 * be on a disk file system, which keeps them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest.h"
#include "memctl_util.h"

extern char **environ;

static int fail(const char *what)
{
	fprintf(stderr, "memctl_nsrun: %s: %s\n", what, strerror(errno));
	return 126;
}

/*
 * Make /proc, /sys (with the namespace's cgroup2 below it) and /dev of the
 * mount namespace visible in @root.
 */
static int bind_system_dirs(const char *root)
{
	static const char *const dirs[] = { "/proc", "/sys", "/dev" };
	char target[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		path_join(target, root, dirs[i] + 1);
		if (mkdir(target, 0755) && errno != EEXIST)
			return -1;
		if (mount(dirs[i], target, NULL, MS_BIND | MS_REC, NULL))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *root = NULL;
	char runner[PATH_MAX];
	int program;

	if (argc > 2 && !strcmp(argv[1], "-r")) {
		root = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 3) {
		fprintf(stderr,
			"usage: memctl_nsrun [-r DIR] CGROUP PROGRAM [ARG...]\n");
		return 2;
	}
	/* Opened now: after the chroot its path may not exist. */
	program = open(argv[2], O_PATH | O_CLOEXEC);
	if (program < 0)
		return fail(argv[2]);
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
	if (root && (bind_system_dirs(root) || chroot(root) || chdir("/")))
		return fail("changing the root directory");
	syscall(SYS_execveat, program, "", argv + 2, environ, AT_EMPTY_PATH);
	return fail("exec");
}

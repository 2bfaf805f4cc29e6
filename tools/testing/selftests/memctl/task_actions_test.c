// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's per-task actions at work (SPEC 4.2, 4.3): ENOMEM from each
 * gated system call while over and success once under, each RSS kind,
 * SIGNAL once per episode or at every check, KILL, SLOWDOWN (a delay that
 * shows as a memory stall and that SIGKILL cuts short), LOG, inheritance,
 * that the actions never loosen memory.max, and unload.
 *
 * Each case runs its task in a child in a group of its own: checks happen
 * when a task charges memory to a (non-root) memory cgroup. The cases use
 * the RSS trigger (DIRECT) and run on either hierarchy; the cgroup trigger
 * is task_v2_test's. Runs as root with memctl.ko loaded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"
#include "task_util.h"
#include "task_fixture.h"

/* Each gated call, by name: 0 if it succeeded (and was undone). */
struct gate {
	const char *name;
	int (*call)(char *page);
};

static int gate_mmap(char *page)
{
	return task_mmap_page();
}

static int gate_brk(char *page)
{
	if (sbrk(MiB) == (void *)-1)
		return -errno;
	return sbrk(-MiB) == (void *)-1 ? -EFAULT : 0;
}

static int gate_mremap(char *page)
{
	/* Grow in place over a reserved second page, then give it back. */
	if (mremap(page, 4096, 8192, 0) == MAP_FAILED)
		return -errno;
	return mremap(page, 8192, 4096, 0) == MAP_FAILED ? -EFAULT : 0;
}

static int gate_mlock(char *page)
{
	return mlock(page, 4096) ? -errno : munlock(page, 4096);
}

static int gate_mlock2(char *page)
{
	if (syscall(SYS_mlock2, page, 4096, 0))
		return -errno;
	return munlock(page, 4096);
}

/*
 * MCL_CURRENT faults in everything mapped, the case's reserve included,
 * which takes the task over: this gate comes last.
 */
static int gate_mlockall(char *page)
{
	return mlockall(MCL_CURRENT) ? -errno : munlockall();
}

/* Write access: the page is writable already, and stays so. */
static int gate_mprotect(char *page)
{
	return mprotect(page, 4096, PROT_READ | PROT_WRITE) ? -errno : 0;
}

static const struct gate gates[] = {
	{ "mmap", gate_mmap },		{ "brk", gate_brk },
	{ "mremap", gate_mremap },	{ "mlock", gate_mlock },
	{ "mlock2", gate_mlock2 },	{ "mprotect", gate_mprotect },
	{ "mlockall", gate_mlockall },
};

/*
 * Exit status of gated_calls(): 0, or 10 * (gate + 1) + what went wrong:
 * 1 refused under, 2 allowed over, 3 refused with another errno.
 */
static int gated_calls(void *arg)
{
	char *reserve = anon_reserve(RSS_OVER);
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i;
	int ret;

	if (!reserve || page == MAP_FAILED || munmap(page + 4096, 4096))
		return 1;
	if (task_set(direct_anon(PR_MEMCONTROL_ENOMEM, 0, 0)))
		return 2;
	for (i = 0; i < ARRAY_SIZE(gates); i++)
		if (gates[i].call(page))
			return 10 * (i + 1) + 1;
	/* mlockall() faulted the reserve in: start over from under. */
	if (drop(reserve, RSS_OVER) || rss_anon() > RSS_LIMIT)
		return 5;
	touch(reserve, RSS_OVER);
	if (rss_anon() <= RSS_LIMIT)
		return 3;
	for (i = 0; i < ARRAY_SIZE(gates); i++) {
		ret = gates[i].call(page);
		if (!ret)
			return 10 * (i + 1) + 2;
		if (ret != -ENOMEM)
			return 10 * (i + 1) + 3;
	}
	/* Under again: each succeeds at once. */
	if (drop(reserve, RSS_OVER) || rss_anon() > RSS_LIMIT)
		return 4;
	for (i = 0; i < ARRAY_SIZE(gates); i++)
		if (gates[i].call(page))
			return 10 * (i + 1) + 1;
	return 0;
}

TEST_F(task, enomem_from_each_gated_call_while_over)
{
	int signal, ret = run(_metadata, self->cg, gated_calls, NULL, &signal);

	if (ret >= 10)
		TH_LOG("%s: %s", gates[ret / 10 - 1].name,
		       ret % 10 == 1 ? "refused while under" :
		       ret % 10 == 2 ? "allowed while over" :
		       "refused with another errno than ENOMEM");
	EXPECT_EQ(0, signal);
	EXPECT_EQ(0, ret);
}

/*
 * While over with ENOMEM, the calls that cannot grow memory use still
 * succeed: taking access away (guard pages), a PROT_NONE reservation,
 * locking on fault, locking only future mappings. Exit status 0, 10 * the
 * call's number + 1 if it was refused, 1 on a setup error.
 */
static int calls_that_grow_nothing(void *arg)
{
	char *reserve = anon_reserve(RSS_OVER);
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *none;

	if (!reserve || page == MAP_FAILED)
		return 1;
	if (task_set(direct_anon(PR_MEMCONTROL_ENOMEM, 0, 0)))
		return 1;
	touch(reserve, RSS_OVER);
	if (task_mmap_page() != -ENOMEM)
		return 2;
	if (mprotect(page, 4096, PROT_READ))
		return 11;
	if (mprotect(page, 4096, PROT_NONE))
		return 21;
	none = mmap(NULL, 1 << 20, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (none == MAP_FAILED)
		return 31;
	if (syscall(SYS_mlock2, reserve, 4096, MLOCK_ONFAULT))
		return 41;
	if (mlockall(MCL_CURRENT | MCL_ONFAULT))
		return 51;
	if (munlockall() || mlockall(MCL_FUTURE))
		return 61;
	return munlockall() ? 1 : 0;
}

TEST_F(task, calls_that_grow_nothing_are_not_refused)
{
	int signal;

	EXPECT_EQ(0, run(_metadata, self->cg, calls_that_grow_nothing, NULL,
			 &signal));
}

/*
 * Without memctl's settings, or with action NONE, the same calls over the
 * same RSS succeed: the refusals above are memctl's.
 */
static int ungated_calls(void *arg)
{
	unsigned long flags = *(unsigned long *)arg;
	char *reserve = anon_reserve(RSS_OVER);
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i;

	if (!reserve || page == MAP_FAILED || munmap(page + 4096, 4096))
		return 1;
	if (flags && task_set(direct_anon(PR_MEMCONTROL_NONE, 0, flags)))
		return 2;
	touch(reserve, RSS_OVER);
	for (i = 0; i < ARRAY_SIZE(gates); i++)
		if (gates[i].call(page))
			return 10 * (i + 1) + 1;
	return 0;
}

TEST_F(task, no_refusals_without_enomem)
{
	unsigned long none = 0, monitor = PR_MEMCONTROL_LOG;
	int signal;

	EXPECT_EQ(0, run(_metadata, self->cg, ungated_calls, &none, &signal));
	EXPECT_EQ(0, run(_metadata, self->cg, ungated_calls, &monitor,
			 &signal));
}

/* Map @len bytes of one RSS kind and fault them in; NULL on failure. */
static char *grow_kind(unsigned long kind, size_t len)
{
	char path[64], *p;
	int fd = -1;

	switch (kind) {
	case PR_MEMCONTROL_RSS_ANON:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case PR_MEMCONTROL_RSS_SHMEM:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		break;
	default:
		/* The ext4 scratch disk: /tmp would be shmem. */
		snprintf(path, sizeof(path), "/scratch/memctl_task_%d",
			 getpid());
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, len))
			return NULL;
		unlink(path);
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		break;
	}
	if (p == MAP_FAILED)
		return NULL;
	if (kind == PR_MEMCONTROL_RSS_FILE) {
		for (size_t i = 0; i < len; i += 4096)
			(void)((volatile char *)p)[i];
	} else {
		touch(p, len);
	}
	return p;
}

static const unsigned long rss_kinds[] = {
	PR_MEMCONTROL_RSS_ANON, PR_MEMCONTROL_RSS_FILE, PR_MEMCONTROL_RSS_SHMEM,
};

/*
 * ENOMEM on one kind of RSS (@arg): memory of that kind takes the task
 * over, the others do not. Exit status 0, or 10 * (kind grown + 1) + 1 if
 * refused when it should not be, + 2 if allowed when it should not be.
 */
static int one_kind_counts(void *arg)
{
	unsigned long counted = *(unsigned long *)arg;
	struct setting enomem = {
		WORD(PR_MEMCONTROL_ENOMEM, 0, PR_MEMCONTROL_DIRECT | counted),
		0, RSS_LIMIT,
	};
	unsigned int i;
	char *p;
	int ret;

	if (task_set(enomem))
		return 1;
	for (i = 0; i < ARRAY_SIZE(rss_kinds); i++) {
		/* Taken while under: the gate would refuse it over. */
		p = grow_kind(rss_kinds[i], RSS_OVER);
		if (!p)
			return 2;
		ret = task_mmap_page();
		if (rss_kinds[i] == counted && ret != -ENOMEM)
			return 10 * (i + 1) + 2;
		if (rss_kinds[i] != counted && ret)
			return 10 * (i + 1) + 1;
		if (munmap(p, RSS_OVER))
			return 3;
	}
	return 0;
}

TEST_F(task, each_rss_kind_counts_alone)
{
	static const char *const names[] = { "anon", "file", "shmem" };
	unsigned int i;
	int ret, signal;

	for (i = 0; i < ARRAY_SIZE(rss_kinds); i++) {
		ret = run(_metadata, self->cg, one_kind_counts,
			  (void *)&rss_kinds[i], &signal);
		if (ret >= 10)
			TH_LOG("counting %s, %s memory %s", names[i],
			       names[ret / 10 - 1],
			       ret % 10 == 1 ? "took it over" :
			       "did not take it over");
		EXPECT_EQ(0, ret) TH_LOG("counting %s", names[i]);
	}
}

static volatile sig_atomic_t signals;

static void count_signal(int sig)
{
	signals++;
}

/*
 * SIGUSR1 over RSS_LIMIT: go over, stay over while charging more, go under
 * and charge (the check that ends the episode), go over again. Exit status:
 * the signals counted in the first episode, times 10 if both episodes had
 * exactly one, else 100 + the signals of the first episode; 200+ on a
 * setup error.
 */
static int signal_episodes(void *arg)
{
	unsigned long flags = *(unsigned long *)arg;
	char *reserve = anon_reserve(2 * RSS_OVER);
	int first;

	if (!reserve || signal(SIGUSR1, count_signal) == SIG_ERR)
		return 200;
	if (task_set(direct_anon(PR_MEMCONTROL_SIGNAL, SIGUSR1, flags)))
		return 201;
	touch(reserve, 2 * RSS_OVER);
	first = signals;
	if (drop(reserve, 2 * RSS_OVER))
		return 202;
	touch(reserve, 2 * MiB);
	if (signals != first)
		return 203;
	touch(reserve, 2 * RSS_OVER);
	if (flags & PR_MEMCONTROL_SIGCONT)
		return first > 99 ? 99 : first;
	return first == 1 && signals == 2 ? 10 : 100 + (first > 99 ? 99 : first);
}

#define ROOT_LIMIT (32 * MiB)
#define ROOT_SLACK MiB

/*
 * In the root memory cgroup, where the kernel charges nothing: touch one
 * page at a time past ROOT_LIMIT with DIRECT SIGNAL there. Exit status 0
 * if the signal came, once, within ROOT_SLACK of the limit; 1 if it never
 * came, 2 if it came late, 3 if twice, 4+ on a setup error.
 */
static int direct_in_the_root(void *arg)
{
	struct setting s = direct_anon(PR_MEMCONTROL_SIGNAL, SIGUSR1, 0);
	size_t len = ROOT_LIMIT + 4 * ROOT_SLACK, done;
	char *reserve = anon_reserve(len);
	int64_t at = 0;

	s.rss = ROOT_LIMIT;
	if (!reserve || signal(SIGUSR1, count_signal) == SIG_ERR)
		return 4;
	if (task_set(s))
		return 5;
	for (done = 0; done < len && !signals; done += 4096)
		touch(reserve + done, 4096);
	if (signals)
		at = rss_anon();
	touch(reserve, len);
	if (!signals)
		return 1;
	if (at > ROOT_LIMIT + ROOT_SLACK)
		return 2;
	return signals == 1 ? 0 : 3;
}

/*
 * SPEC 4.2: an RSS limit alone (DIRECT) fires where no memcg is charged, in
 * the root memory cgroup, within a bounded distance of the limit.
 */
TEST_F(task, direct_fires_in_the_root_cgroup)
{
	int signal;

	EXPECT_EQ(0, run(_metadata, self->root.path, direct_in_the_root, NULL,
			 &signal));
}

TEST_F(task, signal_once_per_episode)
{
	unsigned long flags = 0;
	int signal;

	EXPECT_EQ(10, run(_metadata, self->cg, signal_episodes, &flags,
			  &signal));
	EXPECT_EQ(0, signal);
}

TEST_F(task, signal_at_every_check_with_sigcont)
{
	unsigned long flags = PR_MEMCONTROL_SIGCONT;
	int signal, ret;

	ret = run(_metadata, self->cg, signal_episodes, &flags, &signal);
	TH_LOG("%d signals in an episode of %ld MiB over", ret,
	       (2 * RSS_OVER - RSS_LIMIT) / MiB);
	EXPECT_EQ(0, signal);
	/* A check per 64 pages charged: dozens. */
	EXPECT_GT(ret, 5);
	EXPECT_LT(ret, 200);
}

static int grow(void *arg)
{
	int action = *(int *)arg;
	char *reserve = anon_reserve(RSS_OVER);

	if (!reserve)
		return 2;
	if (task_set(direct_anon(action, 0, 0)))
		return 3;
	touch(reserve, RSS_OVER);
	return 0;
}

TEST_F(task, kill_over_and_not_under)
{
	int kill_action = PR_MEMCONTROL_KILL, none = PR_MEMCONTROL_NONE;
	int signal;

	EXPECT_EQ(-1, run(_metadata, self->cg, grow, &kill_action, &signal));
	EXPECT_EQ(SIGKILL, signal);
	EXPECT_EQ(0, run(_metadata, self->cg, grow, &none, &signal));
	EXPECT_EQ(0, signal);
}

/* Go @over_mib past RSS_LIMIT with @action; 0, or 2+ on an error. */
struct slow_run {
	int action;
	long over;
};

static int grow_past_limit(void *arg)
{
	const struct slow_run *run = arg;
	char *reserve = anon_reserve(RSS_LIMIT + run->over);

	if (!reserve)
		return 2;
	if (task_set(direct_anon(run->action, 0, 0)))
		return 3;
	touch(reserve, RSS_LIMIT + run->over);
	return 0;
}

/*
 * SLOWDOWN sleeps at every check while over (10 ms plus 1 ms per
 * thousandth over): going 2 MiB past an 8 MiB limit makes about 8 checks
 * and at least 80 ms of sleep, which the group's (v2) or the system's (v1)
 * memory PSI counts. The same growth with NONE is the control.
 */
TEST_F(task, slowdown_delays_and_counts_as_a_memory_stall)
{
	struct slow_run slow = { PR_MEMCONTROL_SLOWDOWN, 2 * MiB };
	struct slow_run none = { PR_MEMCONTROL_NONE, 2 * MiB };
	char psi[PATH_MAX];
	uint64_t before, after, control_us;
	double start, slowed, control;
	int signal;

	if (self->root.v1)
		snprintf(psi, sizeof(psi), "/proc/pressure/memory");
	else
		path_join(psi, self->cg, "memory.pressure");

	ASSERT_EQ(0, psi_some_total(psi, &before));
	start = now_seconds();
	ASSERT_EQ(0, run(_metadata, self->cg, grow_past_limit, &none,
			 &signal));
	control = now_seconds() - start;
	ASSERT_EQ(0, psi_some_total(psi, &after));
	control_us = after - before;

	before = after;
	start = now_seconds();
	ASSERT_EQ(0, run(_metadata, self->cg, grow_past_limit, &slow,
			 &signal));
	slowed = now_seconds() - start;
	ASSERT_EQ(0, psi_some_total(psi, &after));
	TH_LOG("2 MiB over: %.0f ms with SLOWDOWN, %.0f ms without; memory stall %lu us, %lu us without",
	       slowed * 1000, control * 1000, (unsigned long)(after - before),
	       (unsigned long)control_us);
	EXPECT_GE(slowed - control, 0.05);
	EXPECT_GE(after - before, 50000);
	EXPECT_LT(control_us, 10000);
}

/*
 * Three times a 1 MiB RSS limit before its first check: every check from
 * then on sleeps the longest, 1 s. Small, so that the task's exit, which
 * the kill's latency includes, is short even on the debug kernel.
 */
static int far_over(void *arg)
{
	struct setting slow = {
		WORD(PR_MEMCONTROL_SLOWDOWN, 0, PR_MEMCONTROL_DIRECT |
		     PR_MEMCONTROL_RSS_ANON),
		0, MiB,
	};
	char *reserve = anon_reserve(3 * MiB + 16 * MiB);

	if (!reserve)
		return 2;
	touch(reserve, 3 * MiB);
	if (task_set(slow))
		return 3;
	touch(reserve + 3 * MiB, 16 * MiB);
	return 0;
}

/*
 * SIGKILL ends a task in its SLOWDOWN sleep at once: five tasks, each
 * killed 1.5 s into its 1 s sleeps, each gone within 0.5 s. An
 * uninterruptible sleep would let only one in 2^5 runs pass.
 */
TEST_F(task, slowdown_is_killable)
{
	double sent, latency, worst = 0;
	int i, status;
	pid_t pid;

	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, task_spawn(self->cg, far_over, NULL, &pid));
		usleep(1500000);
		sent = now_seconds();
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(0, task_wait(pid, 30000, &status));
		latency = now_seconds() - sent;
		ASSERT_TRUE(WIFSIGNALED(status))
			TH_LOG("the task ended with status %#x", status);
		EXPECT_EQ(SIGKILL, WTERMSIG(status));
		EXPECT_LT(latency, 0.5) TH_LOG("kill %d took %.0f ms", i,
					       latency * 1000);
		if (latency > worst)
			worst = latency;
	}
	TH_LOG("SIGKILL ended tasks in 1 s sleeps within %.0f ms",
	       worst * 1000);
}

/*
 * LOG: one line per episode, "memctl: <comm>[<tid>] in <cgroup>: rss
 * <usage> > <limit> bytes, action <ACTION>[ <signal>]".
 */
static int logged_episode(void *arg)
{
	char *reserve = anon_reserve(RSS_OVER);

	if (!reserve || signal(SIGUSR1, count_signal) == SIG_ERR)
		return 1;
	if (prctl(PR_SET_NAME, "memctl-logged"))
		return 2;
	if (task_set(direct_anon(PR_MEMCONTROL_SIGNAL, SIGUSR1,
				 PR_MEMCONTROL_LOG)))
		return 3;
	touch(reserve, RSS_OVER);
	return signals == 1 ? 0 : 4;
}

TEST_F(task, log_prints_one_line_per_episode)
{
	char record[1024], expected[256], *line;
	const char *group = self->cg + strlen(self->root.path);
	unsigned long usage, limit;
	int fd, signal, lines = 0;
	ssize_t len;
	pid_t pid;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, lseek(fd, 0, SEEK_END));
	ASSERT_EQ(0, task_spawn(self->cg, logged_episode, NULL, &pid));
	ASSERT_EQ(0, task_wait(pid, 60000, &signal));
	EXPECT_TRUE(WIFEXITED(signal) && WEXITSTATUS(signal) == 0);
	snprintf(expected, sizeof(expected), "memctl: memctl-logged[%d] in %s: rss ",
		 pid, group);
	while ((len = read(fd, record, sizeof(record) - 1)) > 0) {
		record[len] = '\0';
		line = strchr(record, ';');
		if (!line || strncmp(line + 1, "memctl: memctl-logged", 21))
			continue;
		lines++;
		TH_LOG("%s", line + 1);
		ASSERT_EQ(0, strncmp(line + 1, expected, strlen(expected)));
		ASSERT_EQ(2, sscanf(line + 1 + strlen(expected),
				    "%lu > %lu bytes, action SIGNAL 10",
				    &usage, &limit));
		EXPECT_EQ(RSS_LIMIT, limit);
		EXPECT_GT(usage, limit);
		EXPECT_NE(NULL, strstr(line, "bytes, action SIGNAL 10\n"));
	}
	close(fd);
	EXPECT_EQ(1, lines);
}

/*
 * Settings are inherited at fork and kept across execve; the episode is
 * not inherited: a child of a parent that is over and already signalled
 * gets its own signal at its first check over.
 */
static int forked_child_signal(void *arg)
{
	char *reserve = anon_reserve(RSS_OVER), *more = anon_reserve(2 * MiB);
	struct setting mine = direct_anon(PR_MEMCONTROL_SIGNAL, SIGUSR1, 0);
	struct setting child;
	int status;
	pid_t pid;

	if (!reserve || !more || signal(SIGUSR1, count_signal) == SIG_ERR)
		return 1;
	if (task_set(mine))
		return 2;
	touch(reserve, RSS_OVER);
	if (signals != 1)
		return 3;
	pid = fork();
	if (pid == 0) {
		/*
		 * Its own signal, on top of the parent's one it inherits the
		 * count of: at its first check, which may come at the fault
		 * of any first write, this count's own page included.
		 */
		if (task_get(&child) || memcmp(&child, &mine, sizeof(mine)))
			_exit(4);
		touch(more, 2 * MiB);
		_exit(signals == 2 ? 0 : 5);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 6;
	return WEXITSTATUS(status);
}

TEST_F(task, fork_inherits_settings_but_not_the_episode)
{
	int signal;

	EXPECT_EQ(0, run(_metadata, self->cg, forked_child_signal, NULL,
			 &signal));
}

static int exec_reads_settings(void *arg)
{
	struct setting mine = direct_anon(PR_MEMCONTROL_KILL, 0,
					  PR_MEMCONTROL_LOG);

	if (task_set(mine))
		return 1;
	/* The new program reads its own settings; its output is checked. */
	execlp("cat", "cat", "/proc/self/memctl", (char *)NULL);
	return 2;
}

TEST_F(task, execve_keeps_settings)
{
	struct setting mine = direct_anon(PR_MEMCONTROL_KILL, 0,
					  PR_MEMCONTROL_LOG);
	char expected[128], got[128] = "";
	int pipefd[2], status;
	ssize_t len;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		_exit(exec_reads_settings(NULL));
	}
	close(pipefd[1]);
	len = read(pipefd[0], got, sizeof(got) - 1);
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_LT(0, len);
	got[len] = '\0';
	snprintf(expected, sizeof(expected), "%lu %lu %lu\n", mine.word,
		 mine.extra, mine.rss);
	EXPECT_STREQ(expected, got);
}

/*
 * Submit a no-op that io_uring must hand to a worker thread (IOSQE_ASYNC)
 * and wait for it: 0 or -errno. The ring stays open (*@fd), and so the
 * worker stays a while.
 */
static int io_uring_punt_nop(int *fd)
{
	struct io_uring_params params = {};
	struct io_uring_sqe *sqes, *sqe;
	unsigned int *tail, *mask, *array, index;
	size_t sq_len, cq_len;
	char *sq;

	*fd = syscall(__NR_io_uring_setup, 4, &params);
	if (*fd < 0)
		return -errno;
	sq_len = params.sq_off.array + params.sq_entries * sizeof(__u32);
	cq_len = params.cq_off.cqes +
		 params.cq_entries * sizeof(struct io_uring_cqe);
	if (params.features & IORING_FEAT_SINGLE_MMAP)
		sq_len = cq_len > sq_len ? cq_len : sq_len;
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd,
		  IORING_OFF_SQ_RING);
	sqes = mmap(NULL, params.sq_entries * sizeof(*sqes),
		    PROT_READ | PROT_WRITE, MAP_SHARED, *fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || sqes == MAP_FAILED)
		return -errno;
	if (!(params.features & IORING_FEAT_SINGLE_MMAP) &&
	    mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd,
		 IORING_OFF_CQ_RING) == MAP_FAILED)
		return -errno;
	tail = (unsigned int *)(sq + params.sq_off.tail);
	mask = (unsigned int *)(sq + params.sq_off.ring_mask);
	array = (unsigned int *)(sq + params.sq_off.array);
	index = *tail & *mask;
	sqe = &sqes[index];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_NOP;
	sqe->flags = IOSQE_ASYNC;
	array[index] = index;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, *fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) != 1)
		return -errno;
	return 0;
}

/* The memctl line of this process's io_uring worker thread: 0 or -errno. */
static int io_worker_settings(char *line, size_t size)
{
	char path[PATH_MAX], comm[64];
	struct dirent *entry;
	int ret = -ESRCH;
	DIR *dir;

	dir = opendir("/proc/self/task");
	if (!dir)
		return -errno;
	while ((entry = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 entry->d_name);
		if (read_text(path, comm, sizeof(comm)) < 0 ||
		    strncmp(comm, "iou-wrk-", 8))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/memctl",
			 entry->d_name);
		ret = read_text(path, line, size) < 0 ? -EIO : 0;
		break;
	}
	closedir(dir);
	return ret;
}

/*
 * io_uring's worker threads are the kernel's, acting for the program: they
 * get none of its settings, at creation or from a write to the pid file.
 */
TEST(io_uring_workers_get_no_settings)
{
	struct setting mine = direct_anon(PR_MEMCONTROL_SIGNAL, SIGUSR1, 0);
	char line[128], path[64];
	int fd;

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	mine.rss = GiB;
	ASSERT_EQ(0, task_set(mine));
	ASSERT_EQ(0, io_uring_punt_nop(&fd));
	ASSERT_EQ(0, io_worker_settings(line, sizeof(line)))
		TH_LOG("no io_uring worker thread");
	EXPECT_STREQ("0 0 0\n", line);
	snprintf(path, sizeof(path), "/proc/%d/memctl", getpid());
	ASSERT_EQ(0, write_text(path, "1 0 0"));
	ASSERT_EQ(0, io_worker_settings(line, sizeof(line)));
	EXPECT_STREQ("0 0 0\n", line);
	close(fd);
}

/* Settings are per thread; a new thread gets its creator's. */
static void *thread_settings(void *arg)
{
	struct setting *seen = arg, other = direct_anon(PR_MEMCONTROL_KILL,
							0, 0);

	if (task_get(&seen[0]) || task_set(other) || task_get(&seen[1]))
		seen[0].word = -1UL;
	return NULL;
}

TEST(settings_are_per_thread)
{
	struct setting mine = direct_anon(PR_MEMCONTROL_ENOMEM, 0, 0);
	struct setting seen[2], now;
	pthread_t thread;

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, task_set(mine));
	ASSERT_EQ(0, pthread_create(&thread, NULL, thread_settings, seen));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(mine.word, seen[0].word);
	EXPECT_EQ(mine.rss, seen[0].rss);
	EXPECT_EQ(direct_anon(PR_MEMCONTROL_KILL, 0, 0).word, seen[1].word);
	ASSERT_EQ(0, task_get(&now));
	EXPECT_EQ(mine.word, now.word);
}

/*
 * memctl's actions come in addition to the group's limits, never instead:
 * a task that memctl would only refuse mappings to (or that has a limit
 * it never reaches) is still OOM-killed at memory.max.
 */
static int grow_to_oom(void *arg)
{
	const struct setting *setting = arg;
	char *reserve = anon_reserve(64 * MiB);

	if (!reserve)
		return 2;
	if (task_set(*setting))
		return 3;
	touch(reserve, 64 * MiB);
	return 0;
}

TEST_F(task, actions_never_loosen_memory_max)
{
	struct setting settings[] = {
		{ WORD(PR_MEMCONTROL_NONE, 0, PR_MEMCONTROL_LOG), 0, 0 },
		{ WORD(PR_MEMCONTROL_ENOMEM, 0, 0), GiB, 0 },
		{ WORD(PR_MEMCONTROL_ENOMEM, 0, PR_MEMCONTROL_DIRECT |
		       PR_MEMCONTROL_RSS_ANON), 0, GiB },
	};
	unsigned int i;
	int signal;

	ASSERT_EQ(0, write_cg(self->cg, user_limit_file(&self->root), "32M"));
	if (self->root.v1) {
		/* Cgroup v1 reclaim at swappiness 0 leaves anon alone. */
		ASSERT_EQ(0, write_cg(self->cg, "memory.swappiness", "0"));
	} else {
		ASSERT_EQ(0, write_cg(self->cg, "memory.swap.max", "0"));
	}
	for (i = 0; i < ARRAY_SIZE(settings); i++) {
		EXPECT_EQ(-1, run(_metadata, self->cg, grow_to_oom,
				  &settings[i], &signal)) TH_LOG("setting %u", i);
		EXPECT_EQ(SIGKILL, signal) TH_LOG("setting %u", i);
	}
}

/*
 * SPEC 5: unload ends every task's settings. A task over its limit with
 * ENOMEM is refused a mapping; once memctl is unloaded it gets it, and
 * after a reload it still does: its settings are gone.
 */
static int mappings_across_unload(void *arg)
{
	int ready = ((int *)arg)[0], go = ((int *)arg)[1];
	char c = 0;

	if (task_grow_then_set(direct_anon(PR_MEMCONTROL_ENOMEM, 0, 0)))
		return 1;
	if (task_mmap_page() != -ENOMEM)
		return 2;
	/* Tell the parent, and wait until memctl has been unloaded. */
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 3;
	if (task_mmap_page())
		return 4;
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 3;
	/* Reloaded: no settings, no refusal. */
	return task_mmap_page() || memctl_get(PR_MEMCONTROL_ACTION) ? 5 : 0;
}

TEST_F(task, unload_ends_every_action)
{
	int to_parent[2], to_child[2], fds[2], status;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	fds[0] = to_parent[1];
	fds[1] = to_child[0];
	ASSERT_EQ(0, task_spawn(self->cg, mappings_across_unload, fds, &pid));
	/* A child that ends early ends the reads below too. */
	close(to_parent[1]);
	close(to_child[0]);
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ(0, memctl_unload_wait(60000));
	ASSERT_EQ(1, write(to_child[1], &c, 1));
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ(0, memctl_load());
	ASSERT_EQ(1, write(to_child[1], &c, 1));
	ASSERT_EQ(0, task_wait(pid, 60000, &status));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	if (!memctl_loaded())
		memctl_load();
}

TEST_HARNESS_MAIN

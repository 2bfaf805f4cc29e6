// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/<pid>/memctl and /proc/<pid>/task/<tid>/memctl (SPEC 4.4): the
 * line a read shows, writes in decimal and hex through the pid file (every
 * thread) and the tid file (one), malformed input refused with EINVAL,
 * writes refused to a user who may not ptrace-attach the task (EACCES)
 * and allowed with CAP_SYS_PTRACE; a refused write changes nothing; with
 * memctl unloaded the files answer ENODEV.
 *
 * Runs on either hierarchy, as root, with memctl.ko loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"
#include "task_util.h"

#define NOBODY 65534

/* Write @text to @path in one write(): 0 or -errno. */
static int proc_write(const char *path, const char *text)
{
	return write_text(path, text);
}

static int proc_read(const char *path, char *line, size_t size)
{
	int len = read_text(path, line, size);

	return len < 0 ? len : 0;
}

static void tid_path(char *path, size_t size, pid_t pid, pid_t tid)
{
	snprintf(path, size, "/proc/%d/task/%d/memctl", pid, tid);
}

TEST(a_read_shows_the_three_numbers_in_decimal)
{
	struct setting s = {
		WORD(PR_MEMCONTROL_SIGNAL, 10, PR_MEMCONTROL_LOG), 5 * GiB, 0,
	};
	char line[128], expected[128];

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, proc_read("/proc/self/memctl", line, sizeof(line)));
	EXPECT_STREQ("0 0 0\n", line);
	ASSERT_EQ(0, task_set(s));
	snprintf(expected, sizeof(expected), "%lu %lu %lu\n", s.word, s.extra,
		 s.rss);
	ASSERT_EQ(0, proc_read("/proc/self/memctl", line, sizeof(line)));
	EXPECT_STREQ(expected, line);
	ASSERT_EQ(0, proc_read("/proc/thread-self/memctl", line, sizeof(line)));
	EXPECT_STREQ(expected, line);
}

TEST(writes_take_decimal_and_hex)
{
	struct setting now;

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, proc_write("/proc/thread-self/memctl",
				"0x1020001 0x100000 8388608\n"));
	ASSERT_EQ(0, task_get(&now));
	EXPECT_EQ(0x1020001UL, now.word);
	EXPECT_EQ(0x100000UL, now.extra);
	EXPECT_EQ(8388608UL, now.rss);
	/* Above 4 GiB, whole. */
	ASSERT_EQ(0, proc_write("/proc/thread-self/memctl", "1 6442450944 0"));
	EXPECT_EQ(6 * GiB, memctl_get(PR_MEMCONTROL_CLIMIT));
}

static const char *const malformed[] = {
	"", "\n", "1 2", "1 2 3 4", "1 2 x", "1 2 0x", "1 2 -3", "1,2,3",
	"0x1g 0 0", "18446744073709551616 0 0", "5 0 0",
	/* Valid numbers, invalid settings, as the prctl refuses them. */
	"4294967297 0 0",		/* a reserved bit */
	"3 0 0",			/* SIGNAL without a signal */
	"16387 0 0",			/* SIGNAL 64: _NSIG */
	"131073 0 1048576",		/* DIRECT without an RSS kind */
	"16908289 0 0",			/* DIRECT with a zero RSS limit */
	"1 9223372036854775808 0",	/* above LONG_MAX */
};

TEST(malformed_writes_are_einval_and_change_nothing)
{
	struct setting before = direct_anon(PR_MEMCONTROL_KILL, 0, 0), after;
	unsigned int i;

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, task_set(before));
	for (i = 0; i < ARRAY_SIZE(malformed); i++) {
		EXPECT_EQ(-EINVAL, proc_write("/proc/thread-self/memctl",
					      malformed[i]))
			TH_LOG("\"%s\"", malformed[i]);
		ASSERT_EQ(0, task_get(&after));
		EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)))
			TH_LOG("\"%s\" changed the settings", malformed[i]);
	}
}

/* A second thread that waits until told to read its settings. */
struct sibling {
	pthread_t thread;
	pid_t tid;
	int ready[2], go[2];
	struct setting seen;
};

static void *sibling_main(void *arg)
{
	struct sibling *s = arg;
	char c = 0;

	s->tid = gettid();
	if (write(s->ready[1], &c, 1) != 1 || read(s->go[0], &c, 1) != 1 ||
	    task_get(&s->seen))
		s->seen.word = -1UL;
	return NULL;
}

static int sibling_start(struct sibling *s)
{
	char c;

	if (pipe(s->ready) || pipe(s->go) ||
	    pthread_create(&s->thread, NULL, sibling_main, s))
		return -1;
	return read(s->ready[0], &c, 1) == 1 ? 0 : -1;
}

static int sibling_read(struct sibling *s)
{
	char c = 0;

	if (write(s->go[1], &c, 1) != 1)
		return -1;
	return pthread_join(s->thread, NULL);
}

TEST(the_pid_file_sets_every_thread_and_the_tid_file_one)
{
	struct setting now;
	struct sibling s;
	char path[64], line[128];

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, sibling_start(&s));
	snprintf(path, sizeof(path), "/proc/%d/memctl", getpid());
	ASSERT_EQ(0, proc_write(path, "1 4096 0"));
	/* Both threads have it... */
	tid_path(path, sizeof(path), getpid(), s.tid);
	ASSERT_EQ(0, proc_read(path, line, sizeof(line)));
	EXPECT_STREQ("1 4096 0\n", line);
	ASSERT_EQ(0, task_get(&now));
	EXPECT_EQ(1, now.word);
	/* ... and the tid file changes the sibling alone. */
	ASSERT_EQ(0, proc_write(path, "4 8192 0"));
	ASSERT_EQ(0, sibling_read(&s));
	ASSERT_EQ(0, task_get(&now));
	EXPECT_EQ(1, now.word);
	EXPECT_EQ(4096, now.extra);
	EXPECT_EQ(4, s.seen.word);
	EXPECT_EQ(8192, s.seen.extra);
}

/* In a child: become @uid, keeping CAP_SYS_PTRACE if @ptrace, and write. */
static int write_as(uid_t uid, bool ptrace, const char *path)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	int status, ret;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (prctl(PR_SET_KEEPCAPS, 1) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid))
			_exit(100);
		if (ptrace) {
			data[0].effective = data[0].permitted =
				1U << CAP_SYS_PTRACE;
			if (syscall(SYS_capset, &header, data))
				_exit(101);
		}
		ret = proc_write(path, "4 0 0");
		_exit(ret == -EACCES ? 1 : ret == -EPERM ? 2 : ret ? 3 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

TEST(another_users_write_is_refused_unless_it_may_ptrace)
{
	struct setting before = { 1, 0, 0 }, after;
	char path[64];

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, task_set(before));
	tid_path(path, sizeof(path), getpid(), gettid());
	EXPECT_EQ(1, write_as(NOBODY, false, path)) TH_LOG("not EACCES");
	ASSERT_EQ(0, task_get(&after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	EXPECT_EQ(0, write_as(NOBODY, true, path));
	ASSERT_EQ(0, task_get(&after));
	EXPECT_EQ(4, after.word);
}

/* SPEC 5: settings end at unload; the files answer ENODEV meanwhile. */
TEST(without_memctl_the_files_are_enodev)
{
	char line[128];

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, proc_write("/proc/thread-self/memctl", "1 0 0"));
	ASSERT_EQ(0, memctl_unload_wait(60000));
	EXPECT_EQ(-ENODEV, proc_read("/proc/thread-self/memctl", line,
				     sizeof(line)));
	EXPECT_EQ(-ENODEV, proc_write("/proc/thread-self/memctl", "1 0 0"));
	ASSERT_EQ(0, memctl_load());
	ASSERT_EQ(0, proc_read("/proc/thread-self/memctl", line,
			       sizeof(line)));
	EXPECT_STREQ("0 0 0\n", line);
}

TEST_HARNESS_MAIN

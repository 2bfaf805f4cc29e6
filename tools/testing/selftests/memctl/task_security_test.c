// SPDX-License-Identifier: GPL-2.0
/*
 * Who may set a task's memctl settings, and when they end (SPEC 4.3, 4.4):
 * /proc/<pid>/memctl judges the opener, as a file access, when the file is
 * opened for writing, and a descriptor carries no more than its opener's
 * authority to whoever writes to it; a descriptor opened before the
 * target's execve writes nothing after it; the pid file judges every
 * thread; a secure exec and a change of credentials clear the settings,
 * an ordinary execve keeps them. Also what keeps a tenant from flooding
 * the log with LOG, that an identical rewrite does not restart an episode,
 * and that SIGNAL is sent as the task would send it to itself.
 *
 * Runs as root with memctl.ko loaded, on either hierarchy; the cases drop
 * to the unprivileged uid 65534 in children. This program is also its own
 * helper: with --show it prints its settings, with --hold it first writes
 * a byte to stdout and waits for its stdin to close; a copy of it in /tmp
 * is made setuid root for the secure exec cases.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "memctl_util.h"
#include "task_util.h"
#include "task_fixture.h"

#define NOBODY 65534
#define SETUID_COPY "/tmp/memctl_security_setuid"
#define PLAIN_COPY "/tmp/memctl_security_plain"

/* The helper's modes: print the settings, after waiting with --hold. */
static int helper(const char *mode)
{
	char line[128], c = 0;
	int len;

	if (!strcmp(mode, "--hold")) {
		if (write(STDOUT_FILENO, &c, 1) != 1)
			return 1;
		while (read(STDIN_FILENO, &c, 1) > 0)
			;
	}
	len = read_text("/proc/self/memctl", line, sizeof(line));
	if (len < 0)
		return 2;
	return write(STDOUT_FILENO, line, len) == len ? 0 : 3;
}

/* Copy this program to @path, owned by root, with @mode. */
static int copy_self(const char *path, mode_t mode)
{
	char buf[65536];
	ssize_t len;
	int in, out, ret = 0;

	in = open("/proc/self/exe", O_RDONLY);
	if (in < 0)
		return -errno;
	unlink(path);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0700);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((len = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, len) != len) {
			ret = -EIO;
			break;
		}
	if (len < 0 || fchown(out, 0, 0) || fchmod(out, mode))
		ret = ret ?: -errno;
	close(in);
	close(out);
	return ret;
}

static int become(uid_t uid)
{
	return setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ? -1 : 0;
}

/*
 * Become @uid as a process of that user would be: dumpable, which a change
 * of ids leaves it not (the kernel's suid_dumpable, 0 by default).
 */
static int become_dumpable(uid_t uid)
{
	return become(uid) || prctl(PR_SET_DUMPABLE, 1) ? -1 : 0;
}

/* Send @fd, or -@error if it is negative, over the socket @sock. */
static void send_fd(int sock, int fd)
{
	char control[CMSG_SPACE(sizeof(int))] = {};
	int error = fd < 0 ? -fd : 0;
	struct iovec iov = { &error, sizeof(error) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (fd >= 0) {
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	if (sendmsg(sock, &msg, 0) < 0)
		_exit(1);
}

/* A descriptor or -errno from send_fd(). */
static int receive_fd(int sock)
{
	char control[CMSG_SPACE(sizeof(int))] = {};
	int error = EPROTO, fd;
	struct iovec iov = { &error, sizeof(error) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;

	if (recvmsg(sock, &msg, 0) != sizeof(error))
		return -EPROTO;
	if (error)
		return -error;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/*
 * Open @path with @flags as @uid (with its effective ids only if
 * @euid_only: the real uid stays root) in a child, which hands the
 * descriptor to the caller, as a user can hand one to a setuid program or
 * a root daemon: the descriptor, or -errno of the open.
 */
static int open_as(uid_t uid, bool euid_only, const char *path, int flags)
{
	int sock[2], fd, status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sock))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(sock[0]);
		if (euid_only ? setresgid(-1, uid, -1) || setresuid(-1, uid, -1) :
				become(uid))
			_exit(1);
		fd = open(path, flags);
		send_fd(sock[1], fd < 0 ? -errno : fd);
		_exit(0);
	}
	close(sock[1]);
	fd = receive_fd(sock[0]);
	close(sock[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return fd >= 0 ? (close(fd), -ECHILD) : fd;
	return fd;
}

/* A child as @uid (root: 0) that waits for its stdin pipe to close. */
struct target {
	pid_t pid;
	int in;
};

static int target_start(struct target *t, uid_t uid)
{
	int in[2], ready[2];
	char c;

	if (pipe(in) || pipe(ready))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0) {
		close(in[1]);
		close(ready[0]);
		if (uid && become_dumpable(uid))
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		while (read(in[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(in[0]);
	close(ready[1]);
	t->in = in[1];
	if (read(ready[0], &c, 1) != 1)
		return -ECHILD;
	close(ready[0]);
	return 0;
}

static void target_stop(struct target *t)
{
	close(t->in);
	waitpid(t->pid, NULL, 0);
}

static int read_settings(pid_t pid, char *line, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/memctl", pid);
	return read_text(path, line, size) < 0 ? -1 : 0;
}

/* Write @text to @fd in one write(): 0 or -errno. */
static int fd_write(int fd, const char *text)
{
	return write(fd, text, strlen(text)) < 0 ? -errno : 0;
}

/*
 * Opening @path for writing as @uid (see open_as()) must fail with EACCES;
 * if it did not, root writes to the descriptor as a deputy would, for the
 * caller to see whether that changed anything.
 */
static void expect_refused_open(struct __test_metadata *_metadata,
				uid_t uid, bool euid_only, const char *path)
{
	int fd = open_as(uid, euid_only, path, O_WRONLY);

	EXPECT_EQ(-EACCES, fd) TH_LOG("%s opened for writing", path);
	if (fd >= 0) {
		TH_LOG("the deputy's write: %d", fd_write(fd, "1 0 0"));
		close(fd);
	}
}

/*
 * A user opens a root process's file and hands the descriptor to a root
 * process (the deputy), which writes to it: the open fails, and the
 * target's settings stay as they were, whatever the deputy does.
 */
TEST(another_users_open_for_writing_fails_and_a_deputy_gains_nothing)
{
	char path[2][64], line[128];
	struct target root;
	int i, fd;

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, target_start(&root, 0));
	snprintf(path[0], sizeof(path[0]), "/proc/%d/memctl", root.pid);
	snprintf(path[1], sizeof(path[1]), "/proc/%d/task/%d/memctl",
		 root.pid, root.pid);
	for (i = 0; i < 2; i++) {
		expect_refused_open(_metadata, NOBODY, false, path[i]);
		/* Reading stays open to anyone. */
		fd = open_as(NOBODY, false, path[i], O_RDONLY);
		EXPECT_LE(0, fd);
		if (fd >= 0) {
			EXPECT_EQ(-EBADF, fd_write(fd, "1 0 0"));
			close(fd);
		}
	}
	ASSERT_EQ(0, read_settings(root.pid, line, sizeof(line)));
	EXPECT_STREQ("0 0 0\n", line);
	target_stop(&root);
}

/* The same user's descriptor works, whoever writes to it. */
TEST(the_same_users_descriptor_writes_through_a_deputy)
{
	struct target mine;
	char path[64], line[128];
	int fd;

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, target_start(&mine, NOBODY));
	snprintf(path, sizeof(path), "/proc/%d/memctl", mine.pid);
	fd = open_as(NOBODY, false, path, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fd_write(fd, "1 4096 0"));
	close(fd);
	ASSERT_EQ(0, read_settings(mine.pid, line, sizeof(line)));
	EXPECT_STREQ("1 4096 0\n", line);
	target_stop(&mine);
}

/*
 * A root process that switched its effective (and so its fs) uid to a
 * user's is judged as that user, as file accesses are: it may not open a
 * root process's file for writing, although its real uid is root.
 */
TEST(a_file_access_is_judged_by_the_fs_uid)
{
	struct target root;
	char path[64], line[128];

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, target_start(&root, 0));
	snprintf(path, sizeof(path), "/proc/%d/memctl", root.pid);
	expect_refused_open(_metadata, NOBODY, true, path);
	ASSERT_EQ(0, read_settings(root.pid, line, sizeof(line)));
	EXPECT_STREQ("0 0 0\n", line);
	target_stop(&root);
}

/*
 * A user's process that execs @program --hold, with a descriptor of its
 * file that the user opened before: the descriptor writes before the exec
 * and not after it (root writes to it, as a deputy would), and the new
 * program's settings are in @shown.
 */
static int write_across_exec(struct __test_metadata *_metadata,
			     const char *program, char *shown, size_t size)
{
	int go[2], out[2], in[2], fd, ret, status, len;
	char path[64], c;
	pid_t pid;

	if (pipe(go) || pipe(out) || pipe(in))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(go[1]);
		close(in[1]);
		close(out[0]);
		if (become_dumpable(NOBODY) || write(out[1], "u", 1) != 1 ||
		    read(go[0], &c, 1) != 1)
			_exit(100);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execl(program, program, "--hold", (char *)NULL);
		_exit(101);
	}
	close(go[0]);
	close(in[0]);
	close(out[1]);
	/* Once it is the user's, the user opens its file. */
	EXPECT_EQ(1, read(out[0], &c, 1));
	snprintf(path, sizeof(path), "/proc/%d/memctl", pid);
	fd = open_as(NOBODY, false, path, O_WRONLY);
	EXPECT_LE(0, fd);
	EXPECT_EQ(0, fd_write(fd, "1 4096 0")) TH_LOG("before the exec");
	EXPECT_EQ(1, write(go[1], "x", 1));
	EXPECT_EQ(1, read(out[0], &c, 1)) TH_LOG("%s did not start", program);
	ret = fd_write(fd, "4 0 0");
	close(fd);
	close(in[1]);
	len = read(out[0], shown, size - 1);
	shown[len > 0 ? len : 0] = '\0';
	close(out[0]);
	close(go[1]);
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return ret;
}

TEST(a_descriptor_opened_before_an_execve_does_not_write_after_it)
{
	char shown[128];

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, copy_self(PLAIN_COPY, 0755));
	EXPECT_EQ(-EACCES, write_across_exec(_metadata, PLAIN_COPY, shown,
					     sizeof(shown)));
	/* An ordinary execve keeps the settings written before it. */
	EXPECT_STREQ("1 4096 0\n", shown);
	unlink(PLAIN_COPY);
}

TEST(a_descriptor_opened_before_a_setuid_exec_does_not_write_after_it)
{
	char shown[128];

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, copy_self(SETUID_COPY, 04755));
	EXPECT_EQ(-EACCES, write_across_exec(_metadata, SETUID_COPY, shown,
					     sizeof(shown)));
	/* The secure exec cleared what was written before it. */
	EXPECT_STREQ("0 0 0\n", shown);
	unlink(SETUID_COPY);
}

/* In a child as the user: set @s, exec @program --show; its output. */
static int settings_after_exec(const char *program, struct setting s,
			       char *shown, size_t size)
{
	int out[2], status, len;
	pid_t pid;

	if (pipe(out))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		if (become(NOBODY) || task_set(s))
			_exit(100);
		execl(program, program, "--show", (char *)NULL);
		_exit(101);
	}
	close(out[1]);
	len = read(out[0], shown, size - 1);
	shown[len > 0 ? len : 0] = '\0';
	close(out[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

TEST(a_setuid_exec_clears_the_settings_an_ordinary_one_keeps_them)
{
	struct setting s = direct_anon(PR_MEMCONTROL_SIGNAL, SIGUSR1, 0);
	char shown[128], expected[128];

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	snprintf(expected, sizeof(expected), "%lu %lu %lu\n", s.word,
		 s.extra, s.rss);
	ASSERT_EQ(0, copy_self(SETUID_COPY, 04755));
	ASSERT_EQ(0, copy_self(PLAIN_COPY, 0755));
	ASSERT_EQ(0, settings_after_exec(SETUID_COPY, s, shown,
					 sizeof(shown)));
	EXPECT_STREQ("0 0 0\n", shown);
	ASSERT_EQ(0, settings_after_exec(PLAIN_COPY, s, shown, sizeof(shown)));
	EXPECT_STREQ(expected, shown);
	unlink(SETUID_COPY);
	unlink(PLAIN_COPY);
}

/* Exit status 0 if a change of ids clears, and keeping them keeps. */
static int credentials_change(void *arg)
{
	struct setting s = direct_anon(PR_MEMCONTROL_ENOMEM, 0, 0), now;

	if (task_set(s) || setresuid(0, 0, 0) || task_get(&now))
		return 1;
	if (memcmp(&s, &now, sizeof(s)))
		return 2;
	if (become(NOBODY) || task_get(&now))
		return 3;
	return now.word || now.extra || now.rss ? 4 : 0;
}

TEST(a_change_of_credentials_clears_the_settings)
{
	int signal;

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	EXPECT_EQ(0, task_run(NULL, credentials_change, NULL, 60000, &signal));
}

/* A process as the user whose leader exited, left non-dumpable. */
static void *park(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static int zombie_leader(void *arg)
{
	pthread_t thread;

	if (become(NOBODY) || pthread_create(&thread, NULL, park, NULL) ||
	    prctl(PR_SET_DUMPABLE, 0))
		return 1;
	syscall(SYS_exit, 0);
	return 2;
}

/*
 * The pid file of a process whose leader is a zombie (which has no mm to
 * judge) is judged by its live threads: another process of the same user
 * may not write a non-dumpable process's settings.
 */
TEST(the_pid_file_judges_every_thread)
{
	char path[64], state[4096];
	int tries;
	pid_t pid;

	ASSERT_TRUE(memctl_loaded()) TH_LOG("memctl.ko is not loaded");
	ASSERT_EQ(0, task_spawn(NULL, zombie_leader, NULL, &pid));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	for (tries = 0; tries < 5000; tries++) {
		if (read_text(path, state, sizeof(state)) >= 0 &&
		    strstr(state, "State:\tZ"))
			break;
		usleep(1000);
	}
	ASSERT_NE(NULL, strstr(state, "State:\tZ")) TH_LOG("no zombie leader");
	snprintf(path, sizeof(path), "/proc/%d/memctl", pid);
	expect_refused_open(_metadata, NOBODY, false, path);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static volatile sig_atomic_t signals;

static void count_signal(int sig)
{
	signals++;
}

#define FLOOD_EPISODES 40
#define FLOOD_LIMIT (2 * MiB)

/* Start and end an episode: over, then under with a charge. */
static void episode(char *over, char *under)
{
	touch(over, 2 * FLOOD_LIMIT);
	drop(over, 2 * FLOOD_LIMIT);
	touch(under, MiB);
	drop(under, MiB);
}

/*
 * FLOOD_EPISODES episodes with LOG, timed into *@arg (milliseconds), then
 * (after the rate limit's interval) one more: 0, or what went wrong.
 */
static int log_flood(void *arg)
{
	struct setting s = {
		WORD(PR_MEMCONTROL_SIGNAL, SIGUSR1, PR_MEMCONTROL_LOG |
		     PR_MEMCONTROL_DIRECT | PR_MEMCONTROL_RSS_ANON),
		0, FLOOD_LIMIT,
	};
	char *over = anon_reserve(2 * FLOOD_LIMIT), *under = anon_reserve(MiB);
	double start;
	int i;

	if (!over || !under || signal(SIGUSR1, count_signal) == SIG_ERR ||
	    prctl(PR_SET_NAME, "memctl-flood"))
		return 1;
	if (task_set(s))
		return 2;
	start = now_seconds();
	for (i = 0; i < FLOOD_EPISODES; i++)
		episode(over, under);
	*(int *)arg = (now_seconds() - start) * 1000;
	/* Each episode signalled once: they all happened. */
	if (signals != FLOOD_EPISODES)
		return 10 + (signals < 10 ? signals : 9);
	/* The rate limit's interval, and a little more. */
	sleep(6);
	episode(over, under);
	return signals == FLOOD_EPISODES + 1 ? 0 : 3;
}

struct flood_log {
	int lines;			/* memctl-flood's lines */
	unsigned long suppressed;	/* the counts on all but the first */
	char last[1024];
};

/* memctl-flood's lines in the kernel log from @fd. */
static void read_flood_log(int fd, struct flood_log *log)
{
	char record[1024], *line, *count;
	unsigned long n;
	ssize_t len;

	while ((len = read(fd, record, sizeof(record) - 1)) > 0) {
		record[len] = '\0';
		line = strchr(record, ';');
		if (!line || !strstr(line, "memctl: memctl-flood["))
			continue;
		/* The first may count lines of others before it. */
		count = strstr(line, " (");
		if (log->lines++ && count &&
		    sscanf(count, " (%lu earlier lines suppressed)", &n) == 1)
			log->suppressed += n;
		snprintf(log->last, sizeof(log->last), "%s", line + 1);
	}
}

/*
 * An oscillating group with LOG prints at most the kernel's burst of ten
 * lines in each five seconds, however long its flood of episodes takes;
 * each suppressed line is counted by the next line printed (after the
 * flood, the one more episode five seconds later).
 */
TEST_F(task, log_lines_are_rate_limited)
{
	struct flood_log log = {};
	int fd, signal, windows, *flood_ms;
	pid_t pid;

	flood_ms = mmap(NULL, sizeof(*flood_ms), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, flood_ms);
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, lseek(fd, 0, SEEK_END));
	ASSERT_EQ(0, task_spawn(self->cg, log_flood, flood_ms, &pid));
	ASSERT_EQ(0, task_wait(pid, 120000, &signal));
	EXPECT_TRUE(WIFEXITED(signal) && WEXITSTATUS(signal) == 0)
		TH_LOG("log_flood: %d", WEXITSTATUS(signal));
	read_flood_log(fd, &log);
	close(fd);
	/* The intervals the flood can have touched, and the one after it. */
	windows = *flood_ms / 5000 + 2 + 1;
	TH_LOG("%d lines for %d episodes in %d ms (+1 after 6 s); %lu counted as suppressed; the last: %s",
	       log.lines, FLOOD_EPISODES, *flood_ms, log.suppressed, log.last);
	EXPECT_GE(10 * windows, log.lines);
	/* Printed or counted, each episode's line (the last one printed). */
	EXPECT_EQ(FLOOD_EPISODES + 1, log.lines + log.suppressed);
	/* Suppression is certain only for a flood faster than the burst. */
	if (10 * windows < FLOOD_EPISODES + 1)
		EXPECT_LT(log.lines, FLOOD_EPISODES + 1)
			TH_LOG("nothing was suppressed");
	munmap(flood_ms, sizeof(*flood_ms));
}

/* Exit status 0 if an identical rewrite keeps the episode going. */
static int rewrite(void *arg)
{
	struct setting s = direct_anon(PR_MEMCONTROL_SIGNAL, SIGUSR1, 0);
	char *reserve = anon_reserve(RSS_OVER), *more = anon_reserve(4 * MiB);

	if (!reserve || !more || signal(SIGUSR1, count_signal) == SIG_ERR)
		return 1;
	if (task_set(s))
		return 2;
	touch(reserve, RSS_OVER);
	if (signals != 1)
		return 3;
	if (task_set(s))
		return 4;
	touch(more, 2 * MiB);
	if (signals != 1)
		return 5;
	/* New settings start a new episode: the checks did happen. */
	s.rss += 4096;
	if (task_set(s))
		return 6;
	touch(more + 2 * MiB, 2 * MiB);
	return signals == 2 ? 0 : 7;
}

TEST_F(task, an_identical_rewrite_does_not_restart_the_episode)
{
	int signal;

	EXPECT_EQ(0, run(_metadata, self->cg, rewrite, NULL, &signal));
}

/* In a new pid namespace's init: @arg's action with SIGKILL. */
static int ns_init(void *arg)
{
	struct setting s = direct_anon(*(int *)arg, 0, 0);
	char *reserve = anon_reserve(RSS_OVER);

	if (*(int *)arg == PR_MEMCONTROL_SIGNAL)
		s.word |= WORD(0, SIGKILL, 0);
	if (!reserve || getpid() != 1 || task_set(s))
		return 1;
	touch(reserve, RSS_OVER);
	touch(reserve, RSS_OVER);
	return 0;
}

static int ns_parent(void *arg)
{
	int status;
	pid_t pid;

	if (unshare(CLONE_NEWPID))
		return 100;
	pid = fork();
	if (pid < 0)
		return 101;
	if (pid == 0)
		_exit(ns_init(arg));
	if (waitpid(pid, &status, 0) != pid)
		return 102;
	if (WIFSIGNALED(status))
		return 200 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * SIGNAL is sent as the task would send it to itself: a pid namespace's
 * init ignores SIGKILL there, as it would from kill() inside it; KILL is
 * the kernel's, as the OOM killer's is, and kills it.
 */
TEST_F(task, signal_respects_a_pid_namespace_init_and_kill_does_not)
{
	int action, signal;

	action = PR_MEMCONTROL_SIGNAL;
	EXPECT_EQ(0, run(_metadata, self->cg, ns_parent, &action, &signal));
	action = PR_MEMCONTROL_KILL;
	EXPECT_EQ(200 + SIGKILL, run(_metadata, self->cg, ns_parent, &action,
				     &signal));
}

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--show") ||
			  !strcmp(argv[1], "--hold")))
		return helper(argv[1]);
	return test_harness_run(argc, argv);
}

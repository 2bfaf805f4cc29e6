// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memctl_util.h"
#include "task_util.h"

int task_set(struct setting s)
{
	if (prctl(PR_SET_MEMCONTROL, s.word, s.extra, s.rss, 0UL))
		return -errno;
	return 0;
}

int task_get(struct setting *s)
{
	long word = memctl_get(PR_MEMCONTROL_ACTION);
	long extra = memctl_get(PR_MEMCONTROL_CLIMIT);
	long rss = memctl_get(PR_MEMCONTROL_PLIMIT);

	if (word < 0 || extra < 0 || rss < 0)
		return -errno;
	*s = (struct setting){ word, extra, rss };
	return 0;
}

struct setting direct_anon(int action, int signal, unsigned long flags)
{
	return (struct setting){
		WORD(action, signal, flags | PR_MEMCONTROL_DIRECT |
		     PR_MEMCONTROL_RSS_ANON),
		0, RSS_LIMIT,
	};
}

char *anon_reserve(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 4096)
		((volatile char *)p)[i] = 1;
}

int drop(char *p, size_t len)
{
	/*
	 * Unmapped and mapped again, not MADV_DONTNEED: the test kernel, a
	 * tinyconfig, has no madvise(). The new mapping comes after the RSS
	 * went down, so an ENOMEM gate lets it through once under.
	 */
	if (munmap(p, len))
		return -errno;
	if (mmap(p, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

int64_t rss_anon(void)
{
	char text[4096], *line;
	unsigned long kib;

	if (read_text("/proc/self/status", text, sizeof(text)) < 0)
		return -EIO;
	line = strstr(text, "\nRssAnon:");
	if (!line || sscanf(line, "\nRssAnon: %lu kB", &kib) != 1)
		return -EINVAL;
	return kib * KiB;
}

int task_spawn(const char *cg, int (*fn)(void *arg), void *arg, pid_t *pid)
{
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (*pid == 0) {
		if (cg && cg_enter(cg, getpid()))
			_exit(127);
		_exit(fn(arg));
	}
	return 0;
}

int task_wait(pid_t pid, int timeout_ms, int *status)
{
	double end = now_seconds() + timeout_ms / 1000.0;
	pid_t got;

	for (;;) {
		got = waitpid(pid, status, WNOHANG);
		if (got == pid)
			return 0;
		if (got < 0)
			return -errno;
		if (now_seconds() > end)
			break;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -ETIMEDOUT;
}

int psi_some_total(const char *path, uint64_t *us)
{
	char text[512], *total;

	if (read_text(path, text, sizeof(text)) < 0)
		return -EIO;
	total = strstr(text, "some ");
	total = total ? strstr(total, "total=") : NULL;
	if (!total || sscanf(total, "total=%lu", (unsigned long *)us) != 1)
		return -EINVAL;
	return 0;
}

int task_run(const char *cg, int (*fn)(void *arg), void *arg, int timeout_ms,
	     int *signal)
{
	int ret, status;
	pid_t pid;

	*signal = 0;
	ret = task_spawn(cg, fn, arg, &pid);
	if (!ret)
		ret = task_wait(pid, timeout_ms, &status);
	if (ret)
		return ret;
	if (WIFSIGNALED(status))
		*signal = WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

int task_mmap_page(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? -errno : munmap(p, 4096);
}

int task_grow_then_set(struct setting setting)
{
	char *reserve = anon_reserve(RSS_OVER);

	if (!reserve)
		return -ENOMEM;
	touch(reserve, RSS_OVER);
	return task_set(setting);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the per-task action selftests: settings by prctl, memory that
 * makes a task's RSS grow or shrink, and children that report how they
 * ended.
 */
#ifndef MEMCTL_TASK_UTIL_H
#define MEMCTL_TASK_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../../../include/uapi/linux/memctl.h"

#define GiB (1024L * MiB)
#define WORD PR_MEMCONTROL_WORD

/* The RSS limit the DIRECT cases set, and how far they go over it. */
#define RSS_LIMIT (8 * MiB)
#define RSS_OVER (16 * MiB)

struct setting {
	unsigned long word, extra, rss;
};

/* PR_SET_MEMCONTROL for the calling thread: 0 or -errno. */
int task_set(struct setting s);

/* The calling thread's settings, by PR_GET_MEMCONTROL's raw call. */
int task_get(struct setting *s);

/* ENOMEM/SIGNAL/... on the task's anonymous RSS above RSS_LIMIT. */
struct setting direct_anon(int action, int signal, unsigned long flags);

/*
 * An anonymous private mapping of @len bytes, not yet touched: NULL on
 * failure. Taken before a case sets its settings, which may refuse mmap.
 */
char *anon_reserve(size_t len);

/* Write to one byte of each page of [@p, @p + @len). */
void touch(char *p, size_t len);

/* Give back the pages of [@p, @p + @len), which stays mapped. */
int drop(char *p, size_t len);

/*
 * The calling process's RSS of anonymous pages, in bytes, from
 * /proc/self/status (RssAnon).
 */
int64_t rss_anon(void);

/*
 * Fork a child that moves into @cg (if not NULL) and returns fn(arg) as its
 * exit status; the child's pid in *@pid. Returns 0 or -errno.
 */
int task_spawn(const char *cg, int (*fn)(void *arg), void *arg, pid_t *pid);

/*
 * Wait up to @timeout_ms for @pid; its wait status in *@status. 0,
 * -ETIMEDOUT (the child is then killed and reaped) or -errno.
 */
int task_wait(pid_t pid, int timeout_ms, int *status);

/*
 * task_spawn() and task_wait(): fn(arg)'s exit status, -ECHILD if it did
 * not exit (its signal in *@signal), -ETIMEDOUT or -errno.
 */
int task_run(const char *cg, int (*fn)(void *arg), void *arg, int timeout_ms,
	     int *signal);

/* Map and unmap an anonymous page: 0 or -errno (ENOMEM from a gate). */
int task_mmap_page(void);

/* Take the RSS to RSS_OVER, then set @setting: 0 or -errno. */
int task_grow_then_set(struct setting setting);

/* The "some" total of a PSI file (microseconds stalled). */
int psi_some_total(const char *path, uint64_t *us);

#endif /* MEMCTL_TASK_UTIL_H */

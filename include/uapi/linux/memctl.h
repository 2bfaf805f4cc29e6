/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * memctl's per-task over-limit actions: prctl(PR_SET_MEMCONTROL) and
 * PR_GET_MEMCONTROL (Documentation/userspace-api/memctl.rst). Usable from
 * C as is; with memctl unloaded both options fail with EINVAL.
 *
 *	prctl(PR_SET_MEMCONTROL, action_word, cgroup_extra_bytes,
 *	      rss_limit_bytes, 0);
 *	prctl(PR_GET_MEMCONTROL, selector, 0, 0, 0);
 */
#ifndef _UAPI_LINUX_MEMCTL_H
#define _UAPI_LINUX_MEMCTL_H

/* Outside prctl's sequential range, in the style of PR_SET_VMA. */
#define PR_GET_MEMCONTROL		0x4d430001
#define PR_SET_MEMCONTROL		0x4d430002

/* The action: bits 0-7 of the action word. */
#define PR_MEMCONTROL_NONE		0
#define PR_MEMCONTROL_ENOMEM		1
#define PR_MEMCONTROL_SLOWDOWN		2
#define PR_MEMCONTROL_SIGNAL		3
#define PR_MEMCONTROL_KILL		4
#define PR_MEMCONTROL_ACTION_MASK	0xffUL

/* The signal number (PR_MEMCONTROL_SIGNAL only): bits 8-15. */
#define PR_MEMCONTROL_SIGNAL_SHIFT	8
#define PR_MEMCONTROL_SIGNAL_MASK	0xff00UL

/* Flags, bits 16-31, here at their place in the action word. */
#define PR_MEMCONTROL_FLAGS_SHIFT	16
/* Signal at every check while over, not once per episode. */
#define PR_MEMCONTROL_SIGCONT		(0x0001UL << PR_MEMCONTROL_FLAGS_SHIFT)
/* Ignore the cgroup: only the task's RSS against rss_limit_bytes. */
#define PR_MEMCONTROL_DIRECT		(0x0002UL << PR_MEMCONTROL_FLAGS_SHIFT)
/* One kernel log line per episode. */
#define PR_MEMCONTROL_LOG		(0x0004UL << PR_MEMCONTROL_FLAGS_SHIFT)
/* The kinds of RSS that count against rss_limit_bytes. */
#define PR_MEMCONTROL_RSS_ANON		(0x0100UL << PR_MEMCONTROL_FLAGS_SHIFT)
#define PR_MEMCONTROL_RSS_FILE		(0x0200UL << PR_MEMCONTROL_FLAGS_SHIFT)
#define PR_MEMCONTROL_RSS_SHMEM		(0x0400UL << PR_MEMCONTROL_FLAGS_SHIFT)

/* An action word from its three fields. */
#define PR_MEMCONTROL_WORD(action, signal, flags)			\
	((unsigned long)(action) |					\
	 ((unsigned long)(signal) << PR_MEMCONTROL_SIGNAL_SHIFT) |	\
	 (unsigned long)(flags))

/* PR_GET_MEMCONTROL selectors. */
#define PR_MEMCONTROL_ACTION		0	/* the action word */
#define PR_MEMCONTROL_CLIMIT		1	/* cgroup_extra_bytes */
#define PR_MEMCONTROL_PLIMIT		2	/* rss_limit_bytes */

#ifndef __KERNEL__
#include <sys/syscall.h>
#include <unistd.h>

/*
 * PR_GET_MEMCONTROL with the whole value: the system call returns a long,
 * and byte counts go up to LONG_MAX (larger ones are refused when set),
 * but glibc's prctl() returns an int, which cuts a count of 2 GiB or more.
 * -1 with errno set on error, as prctl(). glibc declares syscall() with
 * _GNU_SOURCE or _DEFAULT_SOURCE.
 */
static inline long memctl_get(int selector)
{
	return syscall(SYS_prctl, PR_GET_MEMCONTROL, selector, 0UL, 0UL, 0UL);
}
#endif

#endif /* _UAPI_LINUX_MEMCTL_H */

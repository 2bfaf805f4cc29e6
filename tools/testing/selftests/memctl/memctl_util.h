/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the memctl selftests: finding the memory controller on
 * either hierarchy, creating and removing groups, reading and writing their
 * files, running code inside a group and loading or unloading memctl.ko.
 *
 * Functions return 0 or a positive value on success and -errno on failure,
 * so that a test can assert on the exact errno.
 */
#ifndef MEMCTL_UTIL_H
#define MEMCTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * kselftest_harness.h kills a test after 30 s by default, which the debug
 * kernel (make check-debug: KASAN and kmemleak under TCG, three guests on two
 * cores) needs for some tests that take a few seconds otherwise. A hung test
 * is still caught.
 */
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300
#endif

#define KiB 1024L
#define MiB (1024L * KiB)

/* Where the memory controller is mounted, and on which hierarchy. */
struct memcg_root {
	char path[256];
	bool v1;
};

int memcg_find_root(struct memcg_root *root);
/* The per-hierarchy name of a memctl or stock file, e.g. "kmem usage". */
const char *kmem_usage_file(const struct memcg_root *root);
const char *user_usage_file(const struct memcg_root *root);

/* The kmem limit file, its "unlimited" keyword and how reads show that. */
const char *kmem_limit_file(const struct memcg_root *root);
const char *kmem_peak_file(const struct memcg_root *root);
const char *kmem_unlimited_keyword(const struct memcg_root *root);
const char *kmem_unlimited_value(const struct memcg_root *root);
const char *user_limit_file(const struct memcg_root *root);

/*
 * Give @cg a kmem limit @headroom bytes above its current kmem usage,
 * rounded down to pages; the limit goes to *@limit.
 */
int kmem_limit_above_usage(const struct memcg_root *root, const char *cg,
			   uint64_t headroom, uint64_t *limit);

/* Charges refused by @cg's kmem limit: v1 failcnt, v2 "max" in events. */
int read_kmem_refusals(const struct memcg_root *root, const char *cg,
		       uint64_t *val);
/* OOM kills in @cg, and how often its user limit was hit. */
int read_oom_kills(const struct memcg_root *root, const char *cg,
		   uint64_t *val);
int read_user_limit_hits(const struct memcg_root *root, const char *cg,
			 uint64_t *val);
/* On cgroup v2, enable the memory controller for @cg's children. */
int enable_memory_for_children(const struct memcg_root *root, const char *cg);
int write_cg(const char *cg, const char *file, const char *text);

/*
 * In a process forked inside @cg, fork children that wait until killed,
 * until a fork fails or @max exist. *@forked is how many were created and
 * *@error the errno of the failed fork (0 if none failed). The children are
 * killed and reaped before returning.
 */
int cg_fork_until_failure(const char *cg, int max, int *forked, int *error);

/*
 * Wait up to @timeout_ms until no accounted group pins memctl (removed ones
 * are still being freed; drops the caches that keep them alive), then, for
 * the second, unload it.
 */
int memctl_wait_unpinned(int timeout_ms);
int memctl_unload_wait(int timeout_ms);

/* Paths are built into caller buffers of PATH_MAX bytes. */
void path_join(char *buf, const char *dir, const char *name);

int cg_create(const char *path);
int cg_destroy(const char *path);
int cg_enter(const char *cg, pid_t pid);
/* Wait until no process is left in @cg (not its descendants). */
int cg_wait_empty(const char *cg, int timeout_ms);

int read_text(const char *path, char *buf, size_t size);
int read_u64(const char *path, uint64_t *val);
int read_cg_u64(const char *cg, const char *file, uint64_t *val);
int read_key_u64(const char *path, const char *key, uint64_t *val);
int write_text(const char *path, const char *text);
bool file_exists(const char *dir, const char *name);

/*
 * Run fn(arg) in a child process that first moves itself into @cg. Returns
 * the child's exit status, or -errno.
 */
int cg_run(const char *cg, int (*fn)(void *arg), void *arg);

/* Start @n children in @cg that sleep until killed; pids go to @pids. */
int cg_start_sleepers(const char *cg, int n, pid_t *pids);
void kill_and_reap(pid_t *pids, int n);

/* Wait up to @timeout_ms for *@val (re-read from @path) to be <= @limit. */
int wait_u64_at_most(const char *path, uint64_t limit, int timeout_ms,
		     uint64_t *val);

int memctl_load(void);
int memctl_unload(void);
bool memctl_loaded(void);

/*
 * @full if the run wants the full sizes (MEMCTL_TEST_SIZE=full: make
 * check-full and make check-debug), else make check's @quick. Only how
 * much the long tests do differs (writers, races, stress, floods of
 * dentries, files and groups), never what they assert: see "Where make
 * check's time goes" in Documentation/building-and-testing.rst.
 */
int memctl_quick_or_full(int quick, int full);

/* Seconds of CLOCK_MONOTONIC. */
double now_seconds(void);

/*
 * Slack between two reads of the kernel's per-memcg statistics: each CPU
 * may hold back a batch of 64 pages (upstream test_kmem.c's MAX_VMSTAT_ERROR).
 */
uint64_t vmstat_slack(void);

/*
 * The selftests' helper module (test_modules/memctl_test_charge.c): it
 * charges kernel memory with chosen flags and shows the kmem hook's static
 * key. Loading finds it below the current directory (run_tests.sh starts
 * there) and accepts it already loaded, as a failed test may leave it.
 */
#define CHARGE_HELPER "memctl_test_charge"
#define CHARGE_HELPER_PARAM(name) "/sys/module/" CHARGE_HELPER "/parameters/" name
int charge_helper_load(void);
int charge_helper_unload(void);

/*
 * The kernel's own exact count of the kernel memory of @pid's memcg, or of
 * its @up-th ancestor, in bytes, through the helper module (which must be
 * loaded).
 */
int kernel_kmem_of(pid_t pid, int up, uint64_t *bytes);

/*
 * Wait up to @timeout_ms until @cg's kmem usage file equals the kernel's
 * exact count (asked through @member, a process in @cg's @up-th descendant
 * on its path) and stays so over the read; both values go to @memctl and
 * @kernel. -ERANGE if they never matched. Asking from outside @cg leaves
 * its counts alone.
 */
int kmem_matches_kernel(const struct memcg_root *root, const char *cg,
			pid_t member, int up, int timeout_ms, uint64_t *memctl,
			uint64_t *kernel);

/* A group whose kmem counter is checked, with a process to ask through. */
struct kmem_reference {
	const char *cg;
	pid_t member;	/* in @cg's @up-th descendant on its path */
	int up;
};

/*
 * kmem_matches_kernel() for each of @n groups; each that does not match is
 * printed as a TAP comment, prefixed with @when. Returns how many did not.
 */
int kmem_all_match_kernel(const struct memcg_root *root,
			  const struct kmem_reference *groups, int n,
			  int timeout_ms, const char *when);

/*
 * Kernel-memory churn: what a process makes and frees in each round.
 * CHURN_ALL_KINDS takes the others in turn.
 */
enum churn_kind {
	CHURN_FORKS,		/* task stacks and structures */
	CHURN_PIPES,		/* a pipe buffer, freed on the next CPU */
	CHURN_PAGE_TABLES,	/* page tables of a sparse mapping */
	CHURN_SOCKETS,		/* a socket pair with a message */
	CHURN_PERCPU,		/* a child memcg of @parent: per-CPU stats */
	CHURN_ALL_KINDS,
};
extern const char *const churn_kind_names[CHURN_ALL_KINDS];

/*
 * Start a process in @cg, pinned to @cpu, that makes and frees kernel
 * memory of @kind for @rounds rounds, or until killed if @rounds is 0; new
 * groups go below @parent. Returns its pid or -1; kill_and_reap() ends it.
 */
pid_t start_kmem_churn(const char *cg, const char *parent, int cpu,
		       enum churn_kind kind, long rounds);
/*
 * Remove the child groups of @parent whose names start with @prefix, such
 * as those that killed churn processes leave ("tmp_"): empty groups only.
 */
int remove_child_groups(const char *parent, const char *prefix);

#endif /* MEMCTL_UTIL_H */

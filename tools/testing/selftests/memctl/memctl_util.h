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

/* Paths are built into caller buffers of PATH_MAX bytes. */
void path_join(char *buf, const char *dir, const char *name);

int cg_create(const char *path);
int cg_destroy(const char *path);
int cg_enter(const char *cg, pid_t pid);

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
 * Slack between two reads of the kernel's per-memcg statistics: each CPU
 * may hold back a batch of 64 pages (upstream test_kmem.c's MAX_VMSTAT_ERROR).
 */
uint64_t vmstat_slack(void);

#endif /* MEMCTL_UTIL_H */

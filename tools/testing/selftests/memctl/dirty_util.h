/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the dirty-limit selftests: a writer process in a group that
 * writes to a file on /scratch (the guest's ext4 disk) when told to, and
 * sampling of a group's dirty page count while it writes.
 */
#ifndef DIRTY_UTIL_H
#define DIRTY_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "memctl_util.h"

/*
 * Where the tests' files go: ext4 file systems on virtio disks, one as fast
 * as the host, one whose writes QEMU throttles to 4 MiB/s (scripts/vm-run),
 * for writers that must outrun writeback.
 */
#define SCRATCH "/scratch"
#define SLOW "/slow"

/*
 * How far above its limit the tests let a group's dirty count go: see
 * "Slack" in Documentation/admin-guide/dirty-limits.rst for where it comes
 * from.
 */
#define DIRTY_SLACK (2 * MiB)

/*
 * Whether this is the debug kernel (MEMCTL_KERNEL_FLAVOUR=debug, set by
 * scripts/vm-run), whose writers are ten to fifty times slower (KASAN
 * under TCG) and whose slow disk is eight times slower.
 */
bool dirty_debug_kernel(void);

/*
 * How much a test writes: @mib on the default test kernel, @debug_mib on
 * the debug kernel. Each test's sizes keep its premise (writers that reach
 * the limit, or outrun the disk) on both.
 */
int dirty_mib(int mib, int debug_mib);

/* A group's page cache, in bytes (memory.stat, subtree included). */
int read_dirty(const struct memcg_root *root, const char *cg, uint64_t *bytes);
int read_writeback(const struct memcg_root *root, const char *cg,
		   uint64_t *bytes);

/*
 * How long, in microseconds, some task of @cg waited for I/O (the "some"
 * total of its io.pressure, cgroup v2): dirty throttling waits count there.
 */
int read_io_stall_us(const char *cg, uint64_t *us);

/* Wait up to @timeout_ms for @cg's dirty count to be at most @limit. */
int wait_dirty_at_most(const struct memcg_root *root, const char *cg,
		       uint64_t limit, int timeout_ms, uint64_t *dirty);

/* Wait up to @timeout_ms for @cg's dirty count to pass @floor. */
int wait_dirty_above(const struct memcg_root *root, const char *cg,
		     uint64_t floor, int timeout_ms);

/*
 * The largest and mean dirty count seen, how many samples and which of them
 * first saw the peak (1-based); taken every @every_ms (0: every 5 ms) by the
 * functions that wait for writers.
 */
struct dirty_samples {
	uint64_t peak, peak_sample, sum, count;
	int every_ms;
};

void dirty_sample(const struct memcg_root *root, const char *cg,
		  struct dirty_samples *samples);
uint64_t dirty_mean(const struct dirty_samples *samples);

/*
 * A process in a group that writes to its file when told to: appends, or
 * with a wrap size, starts again at the beginning of the file each time it
 * has written that much, rewriting page cache that writeback has cleaned
 * (faster than the disk, as a database rewriting its pages).
 */
struct writer {
	char path[PATH_MAX];
	pid_t pid;
	int command;	/* how many MiB to write next; 0 ends the writer */
	int done;	/* one byte back after each command: 0 or an error */
};

int writer_start(struct writer *w, const char *cg, const char *path,
		 int wrap_mib);

/*
 * Has @w append @mib MiB and waits for it, sampling @cg's dirty count into
 * @samples (if not NULL) every 5 ms meanwhile. The time it took goes to
 * @seconds (if not NULL). 0, or -errno, or the writer's positive error.
 */
int writer_write(struct writer *w, int mib, const struct memcg_root *root,
		 const char *cg, struct dirty_samples *samples,
		 double *seconds);

/* The same for @n writers at once, all of @ws; @seconds until the last. */
#define MAX_WRITERS 4
int writers_write(struct writer *ws, int n, int mib,
		  const struct memcg_root *root, const char *cg,
		  struct dirty_samples *samples, double *seconds);

/* writers_write() in two steps, to do something else meanwhile. */
int writers_send(struct writer *ws, int n, int mib);
int writers_wait(struct writer *ws, int n, const struct memcg_root *root,
		 const char *cg, struct dirty_samples *samples);

/*
 * Runs "dd if=/dev/zero of=@path bs=1M count=@mib" in @cg for each of @n
 * paths at once, sampling @cg's dirty count every 5 ms until all are done;
 * @seconds until the last. 0 if every dd succeeded.
 */
int dd_run(const char *cg, char (*paths)[PATH_MAX], int n, int mib,
	   const struct memcg_root *root, struct dirty_samples *samples,
	   double *seconds);

/* Ends @w and reaps it; 0 if it exited cleanly. */
int writer_stop(struct writer *w);

/*
 * What a dirty test sets up: groups (named memctl_dirty_<pid>_<name>, or
 * children of a group), writers in them whose files go in a directory of
 * their own on /scratch. dirty_env_cleanup() undoes it all, and loads
 * memctl again if it was loaded at dirty_env_init() and a test unloaded it.
 */
#define MAX_GROUPS 4
#define MAX_ENV_WRITERS 8
struct dirty_env {
	struct memcg_root root;
	char dirs[2][256];	/* on SCRATCH and SLOW */
	const char *dir;	/* where new writers' files go */
	char groups[MAX_GROUPS][PATH_MAX];
	int ngroups;
	struct writer writers[MAX_ENV_WRITERS];
	int nwriters;
	bool memctl_was_loaded;
	char writeback_interval[32];	/* to restore, if deferred */
};

int dirty_env_init(struct dirty_env *env);
/* Puts the files of writers started from now on in @fs (SCRATCH, SLOW). */
void dirty_env_use(struct dirty_env *env, const char *fs);
/* A new group in @parent (NULL: the root); its path, or NULL. */
const char *dirty_env_group(struct dirty_env *env, const char *parent,
			    const char *name);
/* @n new writers in @cg (see writer_start()); the first of them, or NULL. */
struct writer *dirty_env_writers(struct dirty_env *env, const char *cg, int n,
				 int wrap_mib);
/*
 * Puts off the kernel's periodic writeback (vm.dirty_writeback_centisecs)
 * until cleanup. That runs each group's flusher every 5 s, which writes a
 * group's pages down to its share of the *global* background threshold,
 * a share by recent writeout on the device, which a busy neighbour (or a
 * test before) makes small: a quiet group's pages get written then,
 * whatever the dirty limits do. Tests that check which pages the limits
 * write put it off.
 */
int dirty_env_defer_periodic_writeback(struct dirty_env *env);
void dirty_env_cleanup(struct dirty_env *env);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between memctl's C glue (src/memctl_glue.c) and its Rust
 * code. The glue owns what needs C: the cftype tables, the ops table of the
 * kernel's hook layer (include/linux/memctl.h in the patched tree) and
 * wrappers of inline functions. src/ffi.rs declares the same functions for
 * Rust; keep the two in step.
 */
#ifndef _MEMCTL_GLUE_H
#define _MEMCTL_GLUE_H

#include <linux/types.h>

struct bdi_writeback;
struct mem_cgroup;
struct task_struct;

/* Implemented in C, called from Rust. */
int memctl_glue_register(void);
void memctl_glue_unregister(void);
int memctl_glue_attach(struct mem_cgroup *memcg, void *state);
void memctl_glue_limit_lock(void);
void memctl_glue_limit_unlock(void);
void memctl_glue_tree_lock(void);
void memctl_glue_tree_unlock(void);
struct mem_cgroup *memctl_glue_parent(struct mem_cgroup *memcg);
size_t memctl_glue_get_subtree(struct mem_cgroup *memcg,
			       struct mem_cgroup **subtree, size_t capacity);
void memctl_glue_put_subtree(struct mem_cgroup **subtree, size_t count);
bool memctl_glue_charge_exempt(gfp_t gfp);
bool memctl_glue_charge_may_block(gfp_t gfp);
void memctl_glue_kmem_hooks_get(void);
void memctl_glue_kmem_hooks_put(void);
void memctl_glue_memcg_hooks_get(void);
void memctl_glue_memcg_hooks_put(void);
void memctl_glue_wait_for_rcu_frees(void);
void memctl_glue_cond_resched(void);
u64 memctl_glue_jiffies(void);
/* Dirty limits */
#define MEMCTL_DIRTY_WORDS 3
void memctl_glue_dirty_lock(void);
void memctl_glue_dirty_unlock(void);
void memctl_glue_dirty_hooks_get(void);
void memctl_glue_dirty_hooks_put(void);
void memctl_glue_read_dirty_words(struct mem_cgroup *memcg, u64 *words);
void memctl_glue_write_dirty_words(struct mem_cgroup *memcg, const u64 *words);
u64 memctl_glue_load_tag(void);
u64 memctl_glue_hz(void);
bool memctl_glue_wb_has_memcg_domain(struct bdi_writeback *wb);
struct mem_cgroup *memctl_glue_wb_memcg(struct bdi_writeback *wb);
struct mem_cgroup *memctl_glue_get_current_memcg(void);
void memctl_glue_put_memcg(struct mem_cgroup *memcg);
void memctl_glue_limit_poll_interval(unsigned long pages);
bool memctl_glue_throttle_pause(unsigned long ticks);
bool memctl_glue_dirty_flags_async(unsigned int flags);
/* Per-task actions */
#define MEMCTL_TASK_WORDS 3
void memctl_glue_task_lock(void);
int memctl_glue_task_lock_killable(void);
void memctl_glue_task_unlock(void);
void memctl_glue_log_lock(void);
void memctl_glue_log_unlock(void);
void memctl_glue_task_hooks_get(void);
void memctl_glue_task_hooks_put(void);
u32 memctl_glue_task_read(struct task_struct *task, u64 *words,
			  u32 *generation);
int memctl_glue_task_write(struct task_struct *task, bool all_threads,
			   const u64 *words, u32 generation, bool check,
			   bool refuse, bool fault);
struct task_struct *memctl_glue_current(void);
u32 memctl_glue_episode(void);
void memctl_glue_set_episode(u32 episode);
void memctl_glue_notify_resume(void);
u64 memctl_glue_nsig(void);
bool memctl_glue_current_group(u64 *usage, u64 *high);
void memctl_glue_current_rss(u64 *anon, u64 *file, u64 *shmem);
void memctl_glue_signal(int sig);
void memctl_glue_kill(void);
void memctl_glue_slowdown(u64 ms);
int memctl_glue_current_identity(char *comm, size_t comm_len, char *path,
				 size_t path_len);
int memctl_glue_current_pid(void);

/* Implemented in Rust: the hook layer's callbacks. */
int memctl_on_memcg_online(struct mem_cgroup *memcg);
void memctl_on_memcg_free(struct mem_cgroup *memcg, void *state);
int memctl_on_kmem_charge(void *state, gfp_t gfp, unsigned long nr_pages);
void memctl_on_kmem_uncharge(void *state, unsigned long nr_pages);
bool memctl_kmem_oom_stats(void *state, u64 *usage, u64 *limit, u64 *failcnt);
void memctl_on_dirty_limits(struct mem_cgroup *memcg, unsigned long avail,
			    unsigned long dirty, unsigned long global_avail,
			    unsigned long global_dirty, unsigned long *thresh,
			    unsigned long *bg_thresh);
int memctl_on_dirty_throttle(struct bdi_writeback *wb, unsigned int flags);
long memctl_on_task_prctl(int option, unsigned long arg2, unsigned long arg3,
			  unsigned long arg4, unsigned long arg5);
void memctl_on_task_charge(void);
void memctl_on_task_resume(void);
bool memctl_on_task_refuse(void);
ssize_t memctl_on_task_proc_show(struct task_struct *task, char *buf,
				 size_t size);
int memctl_on_task_proc_store(struct task_struct *task, bool all_threads,
			      const char *buf, size_t len);

/* Implemented in Rust: the cgroup files. Values are in bytes. */
u64 memctl_kmem_usage(struct mem_cgroup *memcg);
u64 memctl_kmem_peak(struct mem_cgroup *memcg);
u64 memctl_kmem_failcnt(struct mem_cgroup *memcg);
/* U64_MAX for unlimited */
u64 memctl_kmem_limit(struct mem_cgroup *memcg);
void memctl_kmem_events(struct mem_cgroup *memcg, u64 *local,
			u64 *hierarchical);
int memctl_kmem_limit_write(struct mem_cgroup *memcg, const char *buf,
			    size_t len, bool v1);
void memctl_kmem_reset_failcnt(struct mem_cgroup *memcg);
void memctl_kmem_reset_peak(struct mem_cgroup *memcg);
/* @file: the index of a dirty file, in the order of DirtyFile::ALL */
u64 memctl_dirty_read(struct mem_cgroup *memcg, unsigned int file);
int memctl_dirty_write(struct mem_cgroup *memcg, unsigned int file,
		       const char *buf, size_t len);

#endif /* _MEMCTL_GLUE_H */

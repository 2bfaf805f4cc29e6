// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's C glue: the cgroup file tables, the ops handed to the hook layer,
 * and thin wrappers for the kernel's inline functions and macros. struct
 * cftype is a C initialiser table and struct mem_cgroup is not visible to
 * Rust, so they live here; every decision is made in Rust.
 */

#include <linux/backing-dev.h>
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/memctl.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/oom.h>
#include <linux/psi.h>
#include <linux/rcupdate.h>
#include <linux/resume_user_mode.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>
#include <linux/writeback.h>

#include "memctl_glue.h"

/* cgroup file handlers */

static struct mem_cgroup *of_memcg(struct kernfs_open_file *of)
{
	return mem_cgroup_from_css(of_css(of));
}

static struct mem_cgroup *seq_memcg(struct seq_file *sf)
{
	return mem_cgroup_from_css(seq_css(sf));
}

static u64 kmem_usage_read(struct cgroup_subsys_state *css, struct cftype *cft)
{
	return memctl_kmem_usage(mem_cgroup_from_css(css));
}

static u64 kmem_peak_read(struct cgroup_subsys_state *css, struct cftype *cft)
{
	return memctl_kmem_peak(mem_cgroup_from_css(css));
}

static u64 kmem_failcnt_read(struct cgroup_subsys_state *css,
			     struct cftype *cft)
{
	return memctl_kmem_failcnt(mem_cgroup_from_css(css));
}

/* v1 shows "unlimited" as the largest limit a page counter holds. */
static u64 kmem_limit_v1_read(struct cgroup_subsys_state *css,
			      struct cftype *cft)
{
	u64 limit = memctl_kmem_limit(mem_cgroup_from_css(css));

	return limit == U64_MAX ? (u64)PAGE_COUNTER_MAX * PAGE_SIZE : limit;
}

static int kmem_max_show(struct seq_file *sf, void *v)
{
	u64 limit = memctl_kmem_limit(seq_memcg(sf));

	if (limit == U64_MAX)
		seq_puts(sf, "max\n");
	else
		seq_printf(sf, "%llu\n", limit);
	return 0;
}

static int kmem_events_show(struct seq_file *sf, void *v)
{
	u64 local, hierarchical;
	bool local_events = cgrp_dfl_root.flags & CGRP_ROOT_MEMORY_LOCAL_EVENTS;

	memctl_kmem_events(seq_memcg(sf), &local, &hierarchical);
	seq_printf(sf, "max %llu\n", local_events ? local : hierarchical);
	return 0;
}

static int kmem_events_local_show(struct seq_file *sf, void *v)
{
	u64 local, hierarchical;

	memctl_kmem_events(seq_memcg(sf), &local, &hierarchical);
	seq_printf(sf, "max %llu\n", local);
	return 0;
}

static ssize_t kmem_limit_write(struct kernfs_open_file *of, char *buf,
				size_t nbytes, loff_t off, bool v1)
{
	int ret = memctl_kmem_limit_write(of_memcg(of), buf, nbytes, v1);

	return ret ? ret : nbytes;
}

static ssize_t kmem_max_write(struct kernfs_open_file *of, char *buf,
			      size_t nbytes, loff_t off)
{
	return kmem_limit_write(of, buf, nbytes, off, false);
}

static ssize_t kmem_limit_v1_write(struct kernfs_open_file *of, char *buf,
				   size_t nbytes, loff_t off)
{
	return kmem_limit_write(of, buf, nbytes, off, true);
}

/* As the stock v1 reset files do, any write resets. */
static ssize_t kmem_failcnt_reset(struct kernfs_open_file *of, char *buf,
				  size_t nbytes, loff_t off)
{
	memctl_kmem_reset_failcnt(of_memcg(of));
	return nbytes;
}

static ssize_t kmem_peak_reset(struct kernfs_open_file *of, char *buf,
			       size_t nbytes, loff_t off)
{
	memctl_kmem_reset_peak(of_memcg(of));
	return nbytes;
}

/* The dirty files, the same on both hierarchies; .private is the index. */
static u64 dirty_read(struct cgroup_subsys_state *css, struct cftype *cft)
{
	return memctl_dirty_read(mem_cgroup_from_css(css), cft->private);
}

static ssize_t dirty_write(struct kernfs_open_file *of, char *buf,
			   size_t nbytes, loff_t off)
{
	int ret = memctl_dirty_write(of_memcg(of), of_cft(of)->private, buf,
				     nbytes);

	return ret ? ret : nbytes;
}

#define MEMCTL_DIRTY_FILE(_name, _index)			\
	{							\
		.name = _name,					\
		.private = _index,				\
		.read_u64 = dirty_read,				\
		.write = dirty_write,				\
	}

#define MEMCTL_DIRTY_FILES					\
	MEMCTL_DIRTY_FILE("dirty_ratio", 0),			\
	MEMCTL_DIRTY_FILE("dirty_limit_in_bytes", 1),		\
	MEMCTL_DIRTY_FILE("dirty_background_ratio", 2),		\
	MEMCTL_DIRTY_FILE("dirty_background_limit_in_bytes", 3)

/* cgroup v2 */
static struct cftype memctl_dfl_files[] = {
	{
		.name = "kmem.max",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = kmem_max_show,
		.write = kmem_max_write,
	},
	{
		.name = "kmem.current",
		.flags = CFTYPE_NOT_ON_ROOT,
		.read_u64 = kmem_usage_read,
	},
	{
		.name = "kmem.peak",
		.flags = CFTYPE_NOT_ON_ROOT,
		.read_u64 = kmem_peak_read,
	},
	{
		.name = "kmem.events",
		.flags = CFTYPE_NOT_ON_ROOT,
		.file_offset = offsetof(struct mem_cgroup, memctl_events_file),
		.seq_show = kmem_events_show,
	},
	{
		.name = "kmem.events.local",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = kmem_events_local_show,
	},
	MEMCTL_DIRTY_FILES,
	{ }	/* terminate */
};

/* cgroup v1: these names replace the stock files while memctl is loaded. */
static struct cftype memctl_legacy_files[] = {
	{
		.name = "kmem.limit_in_bytes",
		.flags = CFTYPE_NOT_ON_ROOT,
		.read_u64 = kmem_limit_v1_read,
		.write = kmem_limit_v1_write,
	},
	{
		.name = "kmem.usage_in_bytes",
		.flags = CFTYPE_NOT_ON_ROOT,
		.read_u64 = kmem_usage_read,
	},
	{
		.name = "kmem.failcnt",
		.flags = CFTYPE_NOT_ON_ROOT,
		.read_u64 = kmem_failcnt_read,
		.write = kmem_failcnt_reset,
	},
	{
		.name = "kmem.max_usage_in_bytes",
		.flags = CFTYPE_NOT_ON_ROOT,
		.read_u64 = kmem_peak_read,
		.write = kmem_peak_reset,
	},
	MEMCTL_DIRTY_FILES,
	{ }	/* terminate */
};

/* memcg OOM report */

static bool memctl_glue_kmem_oom_report(void *state)
{
	u64 usage, limit, failcnt;

	if (!memctl_kmem_oom_stats(state, &usage, &limit, &failcnt))
		return false;
	/* The format of the memory controller's own lines around it. */
	pr_info("kmem: usage %llukB, limit %llukB, failcnt %llu\n",
		usage >> 10, limit >> 10, failcnt);
	return true;
}

static const struct memctl_ops memctl_glue_ops = {
	.owner = THIS_MODULE,
	.dfl_files = memctl_dfl_files,
	.legacy_files = memctl_legacy_files,
	.memcg_online = memctl_on_memcg_online,
	.memcg_free = memctl_on_memcg_free,
	.kmem_charge = memctl_on_kmem_charge,
	.kmem_uncharge = memctl_on_kmem_uncharge,
	.kmem_oom_report = memctl_glue_kmem_oom_report,
	.dirty_limits = memctl_on_dirty_limits,
	.dirty_throttle = memctl_on_dirty_throttle,
	.task_prctl = memctl_on_task_prctl,
	.task_charge = memctl_on_task_charge,
	.task_resume = memctl_on_task_resume,
	.task_refuse = memctl_on_task_refuse,
	.task_proc_show = memctl_on_task_proc_show,
	.task_proc_store = memctl_on_task_proc_store,
};

int memctl_glue_register(void)
{
	return memctl_register(&memctl_glue_ops);
}

void memctl_glue_unregister(void)
{
	memctl_unregister(&memctl_glue_ops);
}

int memctl_glue_attach(struct mem_cgroup *memcg, void *state)
{
	return memctl_memcg_attach(&memctl_glue_ops, memcg, state);
}

/* Locks: limit changes, then the shape of the accounted tree. */

static DEFINE_MUTEX(memctl_limit_mutex);
static DEFINE_MUTEX(memctl_tree_mutex);

void memctl_glue_limit_lock(void)
{
	mutex_lock(&memctl_limit_mutex);
}

void memctl_glue_limit_unlock(void)
{
	mutex_unlock(&memctl_limit_mutex);
}

void memctl_glue_tree_lock(void)
{
	mutex_lock(&memctl_tree_mutex);
}

void memctl_glue_tree_unlock(void)
{
	mutex_unlock(&memctl_tree_mutex);
}

/* The memory controller's inline helpers */

struct mem_cgroup *memctl_glue_parent(struct mem_cgroup *memcg)
{
	return parent_mem_cgroup(memcg);
}

size_t memctl_glue_get_subtree(struct mem_cgroup *memcg,
			       struct mem_cgroup **subtree, size_t capacity)
{
	struct cgroup_subsys_state *pos;
	size_t count = 0;

	/*
	 * Not css_tryget_online(): a memcg whose css_online has run, but which
	 * is not marked online yet, would be missed, and the online hook may
	 * have found its parent unaccounted. Groups being removed stay out.
	 */
	rcu_read_lock();
	css_for_each_descendant_pre(pos, &memcg->css) {
		if (css_is_dying(pos))
			continue;
		if (count < capacity && css_tryget(pos))
			subtree[count++] = mem_cgroup_from_css(pos);
		else if (count >= capacity)
			count++;
	}
	rcu_read_unlock();
	if (count > capacity)
		memctl_glue_put_subtree(subtree, capacity);
	return count;
}

void memctl_glue_put_subtree(struct mem_cgroup **subtree, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		css_put(&subtree[i]->css);
}

/*
 * Exactly what try_charge_memcg() forces past memory.max for the kmem
 * limit's reasons: __GFP_NOFAIL, and reclaim's own allocations. Not dying
 * tasks or OOM victims: upstream stopped forcing those in 5.16, as a task
 * with a fatal signal pending could then allocate kernel memory without
 * bound (memory.max bounds it only where it is set).
 */
bool memctl_glue_charge_exempt(gfp_t gfp)
{
	if (gfp & __GFP_NOFAIL)
		return true;
	/* In interrupts, current is whoever was interrupted. */
	return in_task() && (current->flags & PF_MEMALLOC);
}

bool memctl_glue_charge_may_block(gfp_t gfp)
{
	return gfpflags_allow_blocking(gfp);
}

void memctl_glue_kmem_hooks_get(void)
{
	memctl_hook_enable(MEMCTL_HOOK_KMEM);
}

void memctl_glue_kmem_hooks_put(void)
{
	memctl_hook_disable(MEMCTL_HOOK_KMEM);
}

void memctl_glue_memcg_hooks_get(void)
{
	memctl_hook_enable(MEMCTL_HOOK_MEMCG);
}

void memctl_glue_memcg_hooks_put(void)
{
	memctl_hook_disable(MEMCTL_HOOK_MEMCG);
}

void memctl_glue_wait_for_rcu_frees(void)
{
	rcu_barrier();
}

void memctl_glue_cond_resched(void)
{
	cond_resched();
}

u64 memctl_glue_jiffies(void)
{
	return get_jiffies_64();
}

/* Dirty limits */

static DEFINE_MUTEX(memctl_dirty_mutex);

void memctl_glue_dirty_lock(void)
{
	mutex_lock(&memctl_dirty_mutex);
}

void memctl_glue_dirty_unlock(void)
{
	mutex_unlock(&memctl_dirty_mutex);
}

void memctl_glue_dirty_hooks_get(void)
{
	memctl_hook_enable(MEMCTL_HOOK_DIRTY);
}

void memctl_glue_dirty_hooks_put(void)
{
	memctl_hook_disable(MEMCTL_HOOK_DIRTY);
}

/*
 * Word 0 is the tag of the module load that wrote the others. Writers (one
 * at a time, under the dirty mutex) store the settings before the tag, and
 * readers load the tag before the settings: a reader that sees a tag sees
 * the settings written with it, or later ones.
 */
void memctl_glue_read_dirty_words(struct mem_cgroup *memcg, u64 *words)
{
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(memcg->memctl_dirty) != MEMCTL_DIRTY_WORDS);
	BUILD_BUG_ON(sizeof(memcg->memctl_dirty[0]) != sizeof(u64));
	words[0] = smp_load_acquire(&memcg->memctl_dirty[0]);
	for (i = 1; i < MEMCTL_DIRTY_WORDS; i++)
		words[i] = READ_ONCE(memcg->memctl_dirty[i]);
}

void memctl_glue_write_dirty_words(struct mem_cgroup *memcg, const u64 *words)
{
	int i;

	for (i = 1; i < MEMCTL_DIRTY_WORDS; i++)
		WRITE_ONCE(memcg->memctl_dirty[i], words[i]);
	smp_store_release(&memcg->memctl_dirty[0], words[0]);
}

/* Unique per load, never 0: boot-time nanoseconds at module init. */
u64 memctl_glue_load_tag(void)
{
	return ktime_get_boottime_ns() | 1;
}

u64 memctl_glue_hz(void)
{
	return HZ;
}

#ifdef CONFIG_CGROUP_WRITEBACK
bool memctl_glue_wb_has_memcg_domain(struct bdi_writeback *wb)
{
	return !!wb->memcg_css->parent;
}

struct mem_cgroup *memctl_glue_wb_memcg(struct bdi_writeback *wb)
{
	return mem_cgroup_from_css(wb->memcg_css);
}
#else
bool memctl_glue_wb_has_memcg_domain(struct bdi_writeback *wb)
{
	return false;
}

struct mem_cgroup *memctl_glue_wb_memcg(struct bdi_writeback *wb)
{
	return NULL;
}
#endif

/* With a reference; the root for kernel threads. */
struct mem_cgroup *memctl_glue_get_current_memcg(void)
{
	return get_mem_cgroup_from_mm(current->mm);
}

void memctl_glue_put_memcg(struct mem_cgroup *memcg)
{
	css_put(&memcg->css);
}

/* Check the current task again after at most @pages more dirtied pages. */
void memctl_glue_limit_poll_interval(unsigned long pages)
{
	current->nr_dirtied_pause = min_t(int, current->nr_dirtied_pause,
					  clamp_val(pages, 1UL, INT_MAX));
}

/*
 * Sleep @ticks as a writer waiting for writeback; false if a fatal signal
 * is pending (the writer must stop waiting).
 */
bool memctl_glue_throttle_pause(unsigned long ticks)
{
	__set_current_state(TASK_KILLABLE);
	io_schedule_timeout(ticks);
	return !fatal_signal_pending(current);
}

bool memctl_glue_dirty_flags_async(unsigned int flags)
{
	return flags & BDP_ASYNC;
}

/* Per-task actions */

static DEFINE_MUTEX(memctl_task_mutex);

void memctl_glue_task_lock(void)
{
	mutex_lock(&memctl_task_mutex);
}

/* For a prctl or a file write: 0, or -EINTR if the writer was killed. */
int memctl_glue_task_lock_killable(void)
{
	return mutex_lock_killable(&memctl_task_mutex);
}

void memctl_glue_task_unlock(void)
{
	mutex_unlock(&memctl_task_mutex);
}

/* LOG's rate limit: taken on the way back to user mode, where it may sleep. */
static DEFINE_MUTEX(memctl_log_mutex);

void memctl_glue_log_lock(void)
{
	mutex_lock(&memctl_log_mutex);
}

void memctl_glue_log_unlock(void)
{
	mutex_unlock(&memctl_log_mutex);
}

void memctl_glue_task_hooks_get(void)
{
	memctl_hook_enable(MEMCTL_HOOK_TASK);
}

void memctl_glue_task_hooks_put(void)
{
	memctl_hook_disable(MEMCTL_HOOK_TASK);
}

struct memctl_task_copy {
	u64 *words;
	u32 generation;
	u32 sequence;
};

/* Under @task's sighand lock, which serialises the writers. */
static void memctl_glue_task_copy(struct task_struct *task, void *arg)
{
	struct memctl_task_copy *copy = arg;
	int i;

	for (i = 0; i < MEMCTL_TASK_WORDS; i++)
		copy->words[i] = task->memctl.words[i];
	copy->generation = task->memctl.generation;
	copy->sequence = task->memctl.sequence;
}

/*
 * A task's settings and the write sequence they were read at, under the
 * writers' lock rather than by retrying against them: a reader that spun
 * while a preempted writer holds the lock would never get through on
 * PREEMPT_RT, where the lock sleeps. A task that has exited has none.
 */
u32 memctl_glue_task_read(struct task_struct *task, u64 *words,
			  u32 *generation)
{
	struct memctl_task_copy copy = { .words = words };

	BUILD_BUG_ON(ARRAY_SIZE(task->memctl.words) != MEMCTL_TASK_WORDS);
	if (memctl_task_update(task, false, memctl_glue_task_copy, &copy)) {
		memset(words, 0, MEMCTL_TASK_WORDS * sizeof(*words));
		*generation = 0;
		return 0;
	}
	*generation = copy.generation;
	return copy.sequence;
}

struct memctl_task_settings {
	const u64 *words;
	u32 generation;
	u32 calls;
};

/* Under @task's sighand lock, which serialises the writers. */
static void memctl_glue_task_store(struct task_struct *task, void *arg)
{
	const struct memctl_task_settings *settings = arg;
	struct memctl_task *state = &task->memctl;
	int i;

	/* The settings it has: the episode goes on (the sequence stays). */
	if (state->generation == settings->generation &&
	    !memcmp(state->words, settings->words, sizeof(state->words)))
		return;
	WRITE_ONCE(state->sequence, state->sequence + 1);
	smp_wmb();
	for (i = 0; i < MEMCTL_TASK_WORDS; i++)
		WRITE_ONCE(state->words[i], settings->words[i]);
	WRITE_ONCE(state->generation, settings->generation);
	WRITE_ONCE(state->calls, settings->calls);
	smp_store_release(&state->sequence, state->sequence + 1);
}

int memctl_glue_task_write(struct task_struct *task, bool all_threads,
			   const u64 *words, u32 generation, bool check,
			   bool refuse, bool fault)
{
	struct memctl_task_settings settings = {
		.words = words,
		.generation = generation,
		.calls = (check ? MEMCTL_TASK_CALL_CHECK : 0) |
			 (refuse ? MEMCTL_TASK_CALL_REFUSE : 0) |
			 (fault ? MEMCTL_TASK_CALL_FAULT : 0),
	};

	return memctl_task_update(task, all_threads, memctl_glue_task_store,
				  &settings);
}

struct task_struct *memctl_glue_current(void)
{
	return current;
}

/* Only the current task changes its own episode word. */
u32 memctl_glue_episode(void)
{
	return READ_ONCE(current->memctl.episode);
}

void memctl_glue_set_episode(u32 episode)
{
	WRITE_ONCE(current->memctl.episode, episode);
}

void memctl_glue_notify_resume(void)
{
	set_notify_resume(current);
}

u64 memctl_glue_nsig(void)
{
	return _NSIG;
}

/*
 * The usage and memory.high of the current task's memcg, in bytes (high
 * U64_MAX for "max"); false on cgroup v1 and in the root group, where the
 * cgroup trigger does not fire. Does not sleep.
 */
bool memctl_glue_current_group(u64 *usage, u64 *high)
{
	struct mem_cgroup *memcg;
	unsigned long pages;
	bool found = false;

	if (!cgroup_subsys_on_dfl(memory_cgrp_subsys) || !current->mm)
		return false;
	/*
	 * Two reads need no reference: RCU keeps the group, as in
	 * get_mem_cgroup_from_mm(), which an ENOMEM gate would otherwise pay
	 * for at every call.
	 */
	rcu_read_lock();
	memcg = mem_cgroup_from_task(rcu_dereference(current->mm->owner));
	/* The root has no parent (mem_cgroup_is_root() is not for modules). */
	if (memcg && parent_mem_cgroup(memcg)) {
		*usage = (u64)page_counter_read(&memcg->memory) << PAGE_SHIFT;
		pages = READ_ONCE(memcg->memory.high);
		*high = pages == PAGE_COUNTER_MAX ? U64_MAX :
			(u64)pages << PAGE_SHIFT;
		found = true;
	}
	rcu_read_unlock();
	return found;
}

/* The current task's RSS by kind, in bytes; 0 without an mm. */
void memctl_glue_current_rss(u64 *anon, u64 *file, u64 *shmem)
{
	struct mm_struct *mm = current->mm;

	*anon = *file = *shmem = 0;
	if (!mm)
		return;
	*anon = (u64)get_mm_counter(mm, MM_ANONPAGES) << PAGE_SHIFT;
	*file = (u64)get_mm_counter(mm, MM_FILEPAGES) << PAGE_SHIFT;
	*shmem = (u64)get_mm_counter(mm, MM_SHMEMPAGES) << PAGE_SHIFT;
}

/*
 * SIGNAL, on the way back to user mode: as the task would send it to
 * itself, so that a pid namespace's init ignores SIGKILL and SIGSTOP as it
 * does from kill() inside its namespace.
 */
void memctl_glue_signal(int sig)
{
	send_sig(sig, current, 0);
}

/* KILL: from the kernel, like the OOM killer's, which no task can ignore. */
void memctl_glue_kill(void)
{
	send_sig(SIGKILL, current, 1);
}

/*
 * SLOWDOWN: a killable sleep of @ms, counted as a memory stall in PSI like
 * memory.high's own penalty.
 */
void memctl_glue_slowdown(u64 ms)
{
	unsigned long pflags;

	psi_memstall_enter(&pflags);
	schedule_timeout_killable(msecs_to_jiffies(min_t(u64, ms, UINT_MAX)));
	psi_memstall_leave(&pflags);
}

/*
 * What the log line names: the current task's command and thread id, and
 * its memcg's path (on v1 in the memory hierarchy).
 */
int memctl_glue_current_identity(char *comm, size_t comm_len, char *path,
				 size_t path_len)
{
	struct mem_cgroup *memcg;
	int ret = -ENOENT;

	strscpy(comm, current->comm, comm_len);
	if (!current->mm)
		return ret;
	memcg = get_mem_cgroup_from_mm(current->mm);
	if (memcg) {
		ret = cgroup_path(memcg->css.cgroup, path, path_len);
		css_put(&memcg->css);
	}
	return ret < 0 ? ret : 0;
}

int memctl_glue_current_pid(void)
{
	return task_pid_nr(current);
}

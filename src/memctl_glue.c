// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's C glue: the cgroup file tables, the ops handed to the hook layer,
 * and thin wrappers for the kernel's inline functions and macros. struct
 * cftype is a C initialiser table and struct mem_cgroup is not visible to
 * Rust, so they live here; every decision is made in Rust.
 */

#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/memctl.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/oom.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>

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

bool memctl_glue_charge_exempt(gfp_t gfp)
{
	if (gfp & __GFP_NOFAIL)
		return true;
	/* In interrupts, current is whoever was interrupted. */
	if (!in_task())
		return false;
	/*
	 * Dying tasks must be able to exit; tasks in reclaim must not fail
	 * (try_charge_memcg() forces their charges too).
	 */
	return fatal_signal_pending(current) || tsk_is_oom_victim(current) ||
	       (current->flags & PF_MEMALLOC);
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

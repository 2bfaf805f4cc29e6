// SPDX-License-Identifier: GPL-2.0
/*
 * memctl_test_charge - charge kernel memory on a selftest's request
 *
 * memctl never refuses some charges: __GFP_NOFAIL ones and those of a task
 * in reclaim (PF_MEMALLOC); those of a dying task it refuses like any other.
 * No system call makes such charges on demand, so kmem_exemptions_test asks
 * this module to: writing
 * "MODE PAGES" to /sys/module/memctl_test_charge/parameters/charge allocates
 * up to PAGES accounted pages one by one, in the writer's context (and so
 * its memory cgroup), stops at the first refused one and keeps the rest.
 *
 *   plain     GFP_KERNEL_ACCOUNT, the control: refused at the limit
 *   nofail    GFP_KERNEL_ACCOUNT | __GFP_NOFAIL
 *   memalloc  GFP_KERNEL_ACCOUNT with PF_MEMALLOC set
 *   dying     GFP_KERNEL_ACCOUNT after SIGKILL is queued for the writer,
 *             which dies when the write returns
 *
 *   order     one GFP_KERNEL_ACCOUNT allocation of 2^PAGES pages, freed at
 *             once: a single charge of that size (kmem_limit_test uses
 *             one larger than the memcg's per-CPU charge batch, so that it
 *             reaches the user page counter itself)
 *
 * The "charged" parameter reads how many pages the last request got;
 * writing anything to "release" frees every kept page. "kmem_hook" reads
 * 1 while the kernel's kmem charge hook is on (its static key enabled),
 * else 0: a test can see memctl turn the hook on and off.
 *
 * Writing "PID [UP]" to "kernel_kmem_of" stores the kernel's own exact count
 * of kernel memory of that task's memcg, or of its UP-th ancestor
 * (memctl_memcg_kmem_pages(), which flushes every pending statistic), in
 * pages, for "kernel_kmem" to read: the reference a test compares memctl's
 * counter with, asked from outside the group so that asking does not change
 * it (on cgroup v2 a group with children has no tasks: UP reaches it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/memctl.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/memcontrol.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/string.h>

static DEFINE_MUTEX(kept_lock);
static LIST_HEAD(kept_pages);

static unsigned long charged;
module_param(charged, ulong, 0444);
MODULE_PARM_DESC(charged, "pages the last charge request got");

enum charge_mode {
	CHARGE_PLAIN, CHARGE_NOFAIL, CHARGE_MEMALLOC, CHARGE_DYING, CHARGE_ORDER
};

static const char *const charge_mode_names[] = {
	[CHARGE_PLAIN] = "plain",
	[CHARGE_NOFAIL] = "nofail",
	[CHARGE_MEMALLOC] = "memalloc",
	[CHARGE_DYING] = "dying",
	[CHARGE_ORDER] = "order",
};

/* Allocate up to @nr pages with @gfp, keep them; return how many. */
static unsigned long keep_pages(gfp_t gfp, unsigned long nr)
{
	unsigned long done;
	struct page *page;

	for (done = 0; done < nr; done++) {
		page = alloc_page(gfp | __GFP_NOWARN);
		if (!page)
			break;
		list_add(&page->lru, &kept_pages);
	}
	return done;
}

static void free_kept_pages(void)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &kept_pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/* Allocate and free 2^@order pages at once; return how many it got. */
static unsigned long charge_once(gfp_t gfp, unsigned long order)
{
	struct page *page;

	if (order > MAX_PAGE_ORDER)
		return 0;
	page = alloc_pages(gfp | __GFP_NOWARN, order);
	if (!page)
		return 0;
	__free_pages(page, order);
	return 1UL << order;
}

static int charge_set(const char *val, const struct kernel_param *kp)
{
	unsigned int noreclaim_flag;
	char name[16];
	unsigned long nr;
	gfp_t gfp = GFP_KERNEL_ACCOUNT;
	int mode;

	if (sscanf(val, "%15s %lu", name, &nr) != 2)
		return -EINVAL;
	mode = match_string(charge_mode_names, ARRAY_SIZE(charge_mode_names),
			    name);
	if (mode < 0)
		return mode;

	mutex_lock(&kept_lock);
	switch (mode) {
	case CHARGE_PLAIN:
		charged = keep_pages(gfp, nr);
		break;
	case CHARGE_NOFAIL:
		charged = keep_pages(gfp | __GFP_NOFAIL, nr);
		break;
	case CHARGE_MEMALLOC:
		noreclaim_flag = memalloc_noreclaim_save();
		charged = keep_pages(gfp, nr);
		memalloc_noreclaim_restore(noreclaim_flag);
		break;
	case CHARGE_DYING:
		send_sig(SIGKILL, current, 1);
		charged = keep_pages(gfp, nr);
		break;
	case CHARGE_ORDER:
		charged = charge_once(gfp, nr);
		break;
	}
	mutex_unlock(&kept_lock);
	return 0;
}

static const struct kernel_param_ops charge_ops = {
	.set = charge_set,
};
module_param_cb(charge, &charge_ops, NULL, 0200);
MODULE_PARM_DESC(charge, "\"MODE PAGES\": charge up to PAGES pages");

static int release_set(const char *val, const struct kernel_param *kp)
{
	mutex_lock(&kept_lock);
	free_kept_pages();
	mutex_unlock(&kept_lock);
	return 0;
}

static const struct kernel_param_ops release_ops = {
	.set = release_set,
};
module_param_cb(release, &release_ops, NULL, 0200);
MODULE_PARM_DESC(release, "write anything: free every kept page");

static int kmem_hook_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%d\n",
			  static_key_enabled(&memctl_hook_keys[MEMCTL_HOOK_KMEM]));
}

static const struct kernel_param_ops kmem_hook_ops = {
	.get = kmem_hook_get,
};
module_param_cb(kmem_hook, &kmem_hook_ops, NULL, 0444);
MODULE_PARM_DESC(kmem_hook, "1 while the kmem charge hook is on");

static unsigned long kernel_kmem;
module_param(kernel_kmem, ulong, 0444);
MODULE_PARM_DESC(kernel_kmem,
		 "pages: the kernel's count asked for through kernel_kmem_of");

static int kernel_kmem_of_set(const char *val, const struct kernel_param *kp)
{
	struct mem_cgroup *memcg, *ancestor;
	struct task_struct *task;
	struct mm_struct *mm;
	int nr, up = 0;
	struct pid *pid;

	if (sscanf(val, "%d %d", &nr, &up) < 1 || up < 0)
		return -EINVAL;
	pid = find_get_pid(nr);
	task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!task)
		return -ESRCH;
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm)
		return -EINVAL;
	memcg = get_mem_cgroup_from_mm(mm);
	mmput(mm);
	/* A memcg pins its parent. */
	for (ancestor = memcg; ancestor && up; up--)
		ancestor = parent_mem_cgroup(ancestor);
	if (ancestor)
		kernel_kmem = memctl_memcg_kmem_pages(ancestor, true);
	mem_cgroup_put(memcg);
	return ancestor ? 0 : -EINVAL;
}

static const struct kernel_param_ops kernel_kmem_of_ops = {
	.set = kernel_kmem_of_set,
};
module_param_cb(kernel_kmem_of, &kernel_kmem_of_ops, NULL, 0200);
MODULE_PARM_DESC(kernel_kmem_of, "a pid: count its memcg's kernel memory");

static void __exit memctl_test_charge_exit(void)
{
	free_kept_pages();
}
module_exit(memctl_test_charge_exit);

MODULE_DESCRIPTION("memctl selftests: kernel-memory charges with chosen flags");
MODULE_LICENSE("GPL");

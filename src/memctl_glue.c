// SPDX-License-Identifier: GPL-2.0
/*
 * memctl's C glue: the cgroup file tables and the ops handed to the hook
 * layer. struct cftype is a C initialiser table, so it lives here; every
 * handler forwards to Rust, which decides what the file shows.
 */

#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/memctl.h>

#include "memctl_glue.h"

static u64 kmem_usage_read_u64(struct cgroup_subsys_state *css,
			       struct cftype *cft)
{
	return memctl_kmem_usage_read(mem_cgroup_from_css(css));
}

/* cgroup v2 */
static struct cftype memctl_dfl_files[] = {
	{
		.name = "kmem.current",
		.flags = CFTYPE_NOT_ON_ROOT,
		.read_u64 = kmem_usage_read_u64,
	},
	{ }	/* terminate */
};

/* cgroup v1: these names replace the stock files while memctl is loaded. */
static struct cftype memctl_legacy_files[] = {
	{
		.name = "kmem.usage_in_bytes",
		.flags = CFTYPE_NOT_ON_ROOT,
		.read_u64 = kmem_usage_read_u64,
	},
	{ }	/* terminate */
};

static const struct memctl_ops memctl_glue_ops = {
	.dfl_files = memctl_dfl_files,
	.legacy_files = memctl_legacy_files,
};

int memctl_glue_register(void)
{
	return memctl_register(&memctl_glue_ops);
}

void memctl_glue_unregister(void)
{
	memctl_unregister(&memctl_glue_ops);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between memctl's C glue (src/memctl_glue.c) and its Rust
 * code. The glue owns what needs C: the cftype tables and the ops table of
 * the kernel's hook layer (include/linux/memctl.h in the patched tree).
 */
#ifndef _MEMCTL_GLUE_H
#define _MEMCTL_GLUE_H

#include <linux/types.h>

struct mem_cgroup;

/* Implemented in C, called from Rust. */
int memctl_glue_register(void);
void memctl_glue_unregister(void);

/* Implemented in Rust, called from the cftype handlers. */
u64 memctl_kmem_usage_read(struct mem_cgroup *memcg);

#endif /* _MEMCTL_GLUE_H */

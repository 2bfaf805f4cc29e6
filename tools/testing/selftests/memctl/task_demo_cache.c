// SPDX-License-Identifier: GPL-2.0
/*
 * A cache that grows by 1 MiB entries for make demo (scripts/demo-guest).
 *
 *	task_demo_cache NAME enomem|plain SECONDS
 *
 * With "enomem" it asks memctl for ENOMEM once its group is over
 * memory.high (prctl(PR_SET_MEMCONTROL), with LOG) and, when an entry
 * cannot be mapped, sheds the oldest quarter of its entries and goes on.
 * With "plain" it only grows. About every second it prints what it holds,
 * how many entries it added since the last line and how many it shed; it
 * stops after SECONDS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "memctl_util.h"
#include "../../../../include/uapi/linux/memctl.h"

#define ENTRIES 4096

int main(int argc, char **argv)
{
	static char *entries[ENTRIES];
	int head = 0, count = 0, added = 0, shed = 0, refused = 0, i;
	double start, next;
	bool enomem;
	int seconds;

	if (argc != 4)
		return 2;
	enomem = !strcmp(argv[2], "enomem");
	seconds = atoi(argv[3]);
	if (enomem &&
	    prctl(PR_SET_MEMCONTROL,
		  PR_MEMCONTROL_WORD(PR_MEMCONTROL_ENOMEM, 0, PR_MEMCONTROL_LOG),
		  0UL, 0UL, 0UL)) {
		perror("PR_SET_MEMCONTROL");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	start = now_seconds();
	next = start + 1;
	while (now_seconds() < start + seconds) {
		char *entry = count < ENTRIES ?
			mmap(NULL, MiB, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;

		if (entry == MAP_FAILED) {
			if (errno != ENOMEM)
				return 1;
			refused++;
			/* Nothing left to shed: wait for room. */
			if (!count) {
				usleep(100000);
				continue;
			}
			/* Over memory.high: shed the oldest quarter. */
			for (i = 0; i < (count + 3) / 4; i++) {
				munmap(entries[head], MiB);
				head = (head + 1) % ENTRIES;
				shed++;
			}
			count -= i;
		} else {
			memset(entry, 1, MiB);
			entries[(head + count) % ENTRIES] = entry;
			count++;
			added++;
		}
		if (now_seconds() >= next) {
			printf("%-8s %3.0f s  holds %4d MiB  added %3d  shed %4d (ENOMEM %d times)\n",
			       argv[1], now_seconds() - start, count, added, shed,
			       refused);
			added = 0;
			/* After a stall (throttling), one line, not one a second. */
			next = now_seconds() + 1;
		}
	}
	printf("%-8s done after %d s, holding %d MiB\n", argv[1], seconds,
	       count);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the memctl selftests; see memctl_util.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memctl_util.h"

int memcg_find_root(struct memcg_root *root)
{
	char dev[256], dir[256], type[64], opts[1024];
	FILE *mounts = fopen("/proc/mounts", "r");
	int ret = -ENOENT;

	if (!mounts)
		return -errno;
	while (fscanf(mounts, "%255s %255s %63s %1023s %*d %*d\n",
		      dev, dir, type, opts) == 4) {
		bool v1_memory = !strcmp(type, "cgroup") &&
				 strstr(opts, "memory");
		char controllers[PATH_MAX], list[256];

		if (!v1_memory && strcmp(type, "cgroup2"))
			continue;
		if (!v1_memory) {
			/* v2 counts only if the memory controller is on it. */
			path_join(controllers, dir, "cgroup.controllers");
			if (read_text(controllers, list, sizeof(list)) < 0 ||
			    !strstr(list, "memory"))
				continue;
		}
		snprintf(root->path, sizeof(root->path), "%s", dir);
		root->v1 = v1_memory;
		ret = 0;
		break;
	}
	fclose(mounts);
	return ret;
}

const char *kmem_usage_file(const struct memcg_root *root)
{
	return root->v1 ? "memory.kmem.usage_in_bytes" : "memory.kmem.current";
}

const char *user_usage_file(const struct memcg_root *root)
{
	return root->v1 ? "memory.usage_in_bytes" : "memory.current";
}

const char *kmem_limit_file(const struct memcg_root *root)
{
	return root->v1 ? "memory.kmem.limit_in_bytes" : "memory.kmem.max";
}

const char *kmem_peak_file(const struct memcg_root *root)
{
	return root->v1 ? "memory.kmem.max_usage_in_bytes" : "memory.kmem.peak";
}

const char *kmem_unlimited_keyword(const struct memcg_root *root)
{
	return root->v1 ? "-1" : "max";
}

const char *kmem_unlimited_value(const struct memcg_root *root)
{
	/* v1 shows PAGE_COUNTER_MAX pages, like memory.limit_in_bytes. */
	return root->v1 ? "9223372036854771712\n" : "max\n";
}

const char *user_limit_file(const struct memcg_root *root)
{
	return root->v1 ? "memory.limit_in_bytes" : "memory.max";
}

int kmem_limit_above_usage(const struct memcg_root *root, const char *cg,
			   uint64_t headroom, uint64_t *limit)
{
	char path[PATH_MAX], value[32];
	uint64_t usage;
	int ret;

	path_join(path, cg, kmem_usage_file(root));
	ret = read_u64(path, &usage);
	if (ret)
		return ret;
	*limit = (usage + headroom) / 4096 * 4096;
	snprintf(value, sizeof(value), "%llu", (unsigned long long)*limit);
	return write_cg(cg, kmem_limit_file(root), value);
}

int read_kmem_refusals(const struct memcg_root *root, const char *cg,
		       uint64_t *val)
{
	char path[PATH_MAX];

	if (root->v1)
		return read_cg_u64(cg, "memory.kmem.failcnt", val);
	path_join(path, cg, "memory.kmem.events");
	return read_key_u64(path, "max", val);
}

int read_oom_kills(const struct memcg_root *root, const char *cg,
		   uint64_t *val)
{
	char path[PATH_MAX];

	path_join(path, cg, root->v1 ? "memory.oom_control" : "memory.events");
	return read_key_u64(path, "oom_kill", val);
}

int read_user_limit_hits(const struct memcg_root *root, const char *cg,
			 uint64_t *val)
{
	char path[PATH_MAX];

	if (root->v1)
		return read_cg_u64(cg, "memory.failcnt", val);
	path_join(path, cg, "memory.events");
	return read_key_u64(path, "max", val);
}

int enable_memory_for_children(const struct memcg_root *root, const char *cg)
{
	return root->v1 ? 0 : write_cg(cg, "cgroup.subtree_control", "+memory");
}

int write_cg(const char *cg, const char *file, const char *text)
{
	char path[PATH_MAX];

	path_join(path, cg, file);
	return write_text(path, text);
}

int cg_fork_until_failure(const char *cg, int max, int *forked, int *error)
{
	int result[2] = { 0, 0 }, pipefd[2], status, i;
	pid_t forker, *pids;

	if (pipe(pipefd))
		return -errno;
	forker = fork();
	if (forker < 0)
		return -errno;
	if (forker == 0) {
		close(pipefd[0]);
		pids = calloc(max, sizeof(*pids));
		if (!pids || cg_enter(cg, getpid()))
			_exit(127);
		while (result[0] < max) {
			pid_t pid = fork();

			if (pid < 0) {
				result[1] = errno;
				break;
			}
			if (pid == 0) {
				for (;;)
					pause();
			}
			pids[result[0]++] = pid;
		}
		/* Reap them here, so no zombie keeps kernel memory charged. */
		for (i = 0; i < result[0]; i++) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
		if (write(pipefd[1], result, sizeof(result)) != sizeof(result))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], result, sizeof(result)) != sizeof(result))
		result[0] = -1;
	close(pipefd[0]);
	if (waitpid(forker, &status, 0) < 0)
		return -errno;
	if (result[0] < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -ECHILD;
	*forked = result[0];
	*error = result[1];
	return 0;
}

void path_join(char *buf, const char *dir, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
}

int cg_create(const char *path)
{
	return mkdir(path, 0755) ? -errno : 0;
}

static int cg_kill_all(const char *cg)
{
	char path[PATH_MAX];
	FILE *procs;
	int pid;

	path_join(path, cg, "cgroup.procs");
	procs = fopen(path, "r");
	if (!procs)
		return -errno;
	while (fscanf(procs, "%d", &pid) == 1)
		kill(pid, SIGKILL);
	fclose(procs);
	return 0;
}

int cg_destroy(const char *path)
{
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		cg_kill_all(path);
		usleep(1000);
	}
	return -EBUSY;
}

int cg_enter(const char *cg, pid_t pid)
{
	char path[PATH_MAX], text[32];

	path_join(path, cg, "cgroup.procs");
	snprintf(text, sizeof(text), "%d", pid);
	return write_text(path, text);
}

int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	if (len < 0)
		len = -errno;
	else
		buf[len] = '\0';
	close(fd);
	return len;
}

int read_u64(const char *path, uint64_t *val)
{
	char buf[64], *end;
	int len = read_text(path, buf, sizeof(buf));

	if (len < 0)
		return len;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end != '\n' && *end != '\0'))
		return -EINVAL;
	return 0;
}

int read_cg_u64(const char *cg, const char *file, uint64_t *val)
{
	char path[PATH_MAX];

	path_join(path, cg, file);
	return read_u64(path, val);
}

int read_key_u64(const char *path, const char *key, uint64_t *val)
{
	static char buf[64 * 1024];
	size_t key_len = strlen(key);
	char *line;
	int len = read_text(path, buf, sizeof(buf));

	if (len < 0)
		return len;
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, key_len) && line[key_len] == ' ') {
			*val = strtoull(line + key_len + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = write(fd, text, strlen(text));
	len = len < 0 ? -errno : 0;
	close(fd);
	return len;
}

bool file_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	path_join(path, dir, name);
	return access(path, F_OK) == 0;
}

int cg_run(const char *cg, int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (cg_enter(cg, getpid()))
			_exit(127);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

int cg_start_sleepers(const char *cg, int n, pid_t *pids)
{
	int i, status, pipefd[2];
	pid_t spawner;

	/*
	 * Kernel memory is charged to the group a task is forked in and stays
	 * there when the task moves, so the sleepers are forked by a spawner
	 * inside @cg. They outlive the spawner and, with this process as their
	 * subreaper, become its children.
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe(pipefd))
		return -errno;
	spawner = fork();
	if (spawner < 0)
		return -errno;
	if (spawner == 0) {
		close(pipefd[0]);
		if (cg_enter(cg, getpid()))
			_exit(127);
		for (i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid < 0)
				_exit(1);
			if (pid == 0) {
				for (;;)
					pause();
			}
			if (write(pipefd[1], &pid, sizeof(pid)) != sizeof(pid))
				_exit(1);
		}
		_exit(0);
	}
	close(pipefd[1]);
	for (i = 0; i < n; i++)
		if (read(pipefd[0], &pids[i], sizeof(pids[i])) != sizeof(pids[i]))
			break;
	close(pipefd[0]);
	if (waitpid(spawner, &status, 0) < 0 || i < n ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		kill_and_reap(pids, i);
		return -ECHILD;
	}
	return 0;
}

void kill_and_reap(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
}

int wait_u64_at_most(const char *path, uint64_t limit, int timeout_ms,
		     uint64_t *val)
{
	int waited, ret;

	for (waited = 0;; waited += 10) {
		ret = read_u64(path, val);
		if (ret || *val <= limit || waited >= timeout_ms)
			return ret;
		usleep(10 * 1000);
	}
}

static int module_load(const char *ko)
{
	int fd, ret = 0;

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

static int module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

int memctl_load(void)
{
	const char *ko = getenv("MEMCTL_KO");

	return ko ? module_load(ko) : -ENOENT;
}

int memctl_unload(void)
{
	return module_unload("memctl");
}

int charge_helper_load(void)
{
	int ret = module_load("test_modules/" CHARGE_HELPER ".ko");

	return ret == -EEXIST ? 0 : ret;
}

int charge_helper_unload(void)
{
	return module_unload(CHARGE_HELPER);
}

bool memctl_loaded(void)
{
	return access("/sys/module/memctl", F_OK) == 0;
}

static bool memctl_full_size(void)
{
	const char *size = getenv("MEMCTL_TEST_SIZE");

	return size && !strcmp(size, "full");
}

int memctl_quick_or_full(int quick, int full)
{
	return memctl_full_size() ? full : quick;
}

uint64_t vmstat_slack(void)
{
	return 64 * 4096ULL * get_nprocs();
}

int memctl_wait_unpinned(int timeout_ms)
{
	uint64_t refcnt;
	int waited, ret;

	for (waited = 0;; waited += 50) {
		ret = read_u64("/sys/module/memctl/refcnt", &refcnt);
		if (ret)
			return ret;
		if (refcnt == 0)
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		/* Removed groups live on while page cache or slab pins them. */
		sync();
		write_text("/proc/sys/vm/drop_caches", "3");
		usleep(50 * 1000);
	}
}

int memctl_unload_wait(int timeout_ms)
{
	int ret = memctl_wait_unpinned(timeout_ms);

	return ret ? ret : memctl_unload();
}

int cg_wait_empty(const char *cg, int timeout_ms)
{
	char path[PATH_MAX], buf[64];
	int waited, ret;

	path_join(path, cg, "cgroup.procs");
	for (waited = 0;; waited += 10) {
		ret = read_text(path, buf, sizeof(buf));
		if (ret < 0)
			return ret;
		if (ret == 0)
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(10 * 1000);
	}
}

int kernel_kmem_of(pid_t pid, int up, uint64_t *bytes)
{
	char text[32];
	uint64_t pages;
	int ret;

	snprintf(text, sizeof(text), "%d %d", (int)pid, up);
	ret = write_text(CHARGE_HELPER_PARAM("kernel_kmem_of"), text);
	if (ret)
		return ret;
	ret = read_u64(CHARGE_HELPER_PARAM("kernel_kmem"), &pages);
	if (ret)
		return ret;
	*bytes = pages * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

int kmem_matches_kernel(const struct memcg_root *root, const char *cg,
			pid_t member, int up, int timeout_ms, uint64_t *memctl,
			uint64_t *kernel)
{
	uint64_t again;
	int waited, ret;

	for (waited = 0;; waited += 100) {
		ret = read_cg_u64(cg, kmem_usage_file(root), memctl);
		if (!ret)
			ret = kernel_kmem_of(member, up, kernel);
		if (!ret)
			ret = read_cg_u64(cg, kmem_usage_file(root), &again);
		if (ret)
			return ret;
		if (*memctl == *kernel && again == *memctl)
			return 0;
		if (waited >= timeout_ms)
			return -ERANGE;
		/* Objects freed through RCU are still being uncharged. */
		usleep(100 * 1000);
	}
}

const char *const churn_kind_names[] = {
	"forks", "pipes freed on another CPU", "page tables", "sockets",
	"per-CPU memory of new groups",
};

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % get_nprocs(), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* A pipe with a page in it, freed by a child on the next CPU. */
static void pipe_freed_elsewhere(int cpu)
{
	char page[4096] = { 1 };
	pid_t pid = -1;
	int fds[2];

	if (pipe(fds))
		return;
	if (write(fds[1], page, sizeof(page)) < 0)
		goto out;
	pid = fork();
	if (pid == 0) {
		pin_to_cpu(cpu + 1);
		_exit(read(fds[0], page, sizeof(page)) < 0);
	}
out:
	close(fds[0]);
	close(fds[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void touch_page_tables(void)
{
	size_t size = 8 * MiB, off;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	/* One page per 2M: a page table each, little user memory. */
	for (off = 0; off < size; off += 2 * MiB)
		p[off] = 1;
	munmap(p, size);
}

static void socket_pair(void)
{
	char msg[1024] = { 0 };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return;
	if (send(sv[0], msg, sizeof(msg), 0) > 0)
		recv(sv[1], msg, sizeof(msg), 0);
	close(sv[0]);
	close(sv[1]);
}

static void new_group(const char *parent, int cpu, long round)
{
	char path[PATH_MAX], name[64];

	snprintf(name, sizeof(name), "tmp_%d_%d_%ld", getpid(), cpu, round);
	path_join(path, parent, name);
	if (mkdir(path, 0755) == 0)
		rmdir(path);
}

static void one_round(enum churn_kind kind, const char *parent, int cpu,
		      long round)
{
	pid_t pid;

	switch (kind) {
	case CHURN_FORKS:
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		break;
	case CHURN_PIPES:
		pipe_freed_elsewhere(cpu);
		break;
	case CHURN_PAGE_TABLES:
		touch_page_tables();
		break;
	case CHURN_SOCKETS:
		socket_pair();
		break;
	case CHURN_PERCPU:
		new_group(parent, cpu, round);
		break;
	case CHURN_ALL_KINDS:
		break;
	}
}

pid_t start_kmem_churn(const char *cg, const char *parent, int cpu,
			 enum churn_kind kind, long rounds)
{
	pid_t pid = fork();
	long round;

	if (pid != 0)
		return pid;
	if (cg_enter(cg, getpid()))
		_exit(1);
	pin_to_cpu(cpu);
	for (round = 0; !rounds || round < rounds; round++)
		one_round(kind == CHURN_ALL_KINDS ? round % CHURN_ALL_KINDS :
			  kind, parent, cpu, round);
	_exit(0);
}

int remove_child_groups(const char *parent, const char *prefix)
{
	char path[PATH_MAX];
	struct dirent *entry;
	int ret = 0;
	DIR *dir;

	dir = opendir(parent);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((entry = readdir(dir))) {
		if (entry->d_type != DT_DIR || entry->d_name[0] == '.' ||
		    strncmp(entry->d_name, prefix, strlen(prefix)))
			continue;
		path_join(path, parent, entry->d_name);
		if (cg_destroy(path))
			ret = -EBUSY;
	}
	closedir(dir);
	return ret;
}

int kmem_all_match_kernel(const struct memcg_root *root,
			  const struct kmem_reference *groups, int n,
			  int timeout_ms, const char *when)
{
	uint64_t memctl, kernel;
	int i, mismatches = 0;

	for (i = 0; i < n; i++) {
		if (!kmem_matches_kernel(root, groups[i].cg, groups[i].member,
					 groups[i].up, timeout_ms, &memctl,
					 &kernel))
			continue;
		fprintf(stderr, "# %s: %s: memctl %llu, kernel %llu (%+lld)\n",
			when, groups[i].cg, (unsigned long long)memctl,
			(unsigned long long)kernel,
			(long long)(memctl - kernel));
		mismatches++;
	}
	return mismatches;
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

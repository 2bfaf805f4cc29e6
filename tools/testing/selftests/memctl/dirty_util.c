// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dirty_util.h"

#define CHUNK (1 * MiB)
#define SAMPLE_MS 5

bool dirty_debug_kernel(void)
{
	const char *flavour = getenv("MEMCTL_KERNEL_FLAVOUR");

	return flavour && !strcmp(flavour, "debug");
}

int dirty_mib(int mib, int debug_mib)
{
	return dirty_debug_kernel() ? debug_mib : mib;
}

int read_dirty(const struct memcg_root *root, const char *cg, uint64_t *bytes)
{
	char path[PATH_MAX];

	path_join(path, cg, "memory.stat");
	return read_key_u64(path, root->v1 ? "total_dirty" : "file_dirty",
			    bytes);
}

int read_writeback(const struct memcg_root *root, const char *cg,
		   uint64_t *bytes)
{
	char path[PATH_MAX];

	path_join(path, cg, "memory.stat");
	return read_key_u64(path, root->v1 ? "total_writeback" :
			    "file_writeback", bytes);
}

int read_io_stall_us(const char *cg, uint64_t *us)
{
	char path[PATH_MAX], text[512], *total;
	int ret;

	path_join(path, cg, "io.pressure");
	ret = read_text(path, text, sizeof(text));
	if (ret < 0)
		return ret;
	/* "some avg10=... avg60=... avg300=... total=N\nfull ..." */
	total = strstr(text, "total=");
	if (strncmp(text, "some ", 5) || !total)
		return -EINVAL;
	*us = strtoull(total + 6, NULL, 10);
	return 0;
}

int wait_dirty_at_most(const struct memcg_root *root, const char *cg,
		       uint64_t limit, int timeout_ms, uint64_t *dirty)
{
	int waited, ret;

	for (waited = 0;; waited += 10) {
		ret = read_dirty(root, cg, dirty);
		if (ret || *dirty <= limit)
			return ret;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(10000);
	}
}

int wait_dirty_above(const struct memcg_root *root, const char *cg,
		     uint64_t floor, int timeout_ms)
{
	uint64_t dirty;
	int waited, ret;

	for (waited = 0;; waited += 2) {
		ret = read_dirty(root, cg, &dirty);
		if (ret || dirty > floor)
			return ret;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(2000);
	}
}

void dirty_sample(const struct memcg_root *root, const char *cg,
		  struct dirty_samples *samples)
{
	uint64_t dirty;

	if (read_dirty(root, cg, &dirty))
		return;
	samples->count++;
	samples->sum += dirty;
	if (dirty > samples->peak) {
		samples->peak = dirty;
		samples->peak_sample = samples->count;
	}
}

uint64_t dirty_mean(const struct dirty_samples *samples)
{
	return samples->count ? samples->sum / samples->count : 0;
}

/* The writer's loop: append what it is told, answer after each command. */
static int writer_main(const char *path, int wrap_mib, int command, int done)
{
	static char chunk[CHUNK];
	int fd, mib, i, offset = 0;
	char status;

	memset(chunk, 0x5a, sizeof(chunk));
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd < 0)
		return 1;
	while (read(command, &mib, sizeof(mib)) == sizeof(mib) && mib > 0) {
		status = 0;
		for (i = 0; i < mib && !status; i++) {
			if (wrap_mib && offset == wrap_mib) {
				if (lseek(fd, 0, SEEK_SET))
					status = 2;
				offset = 0;
			}
			if (write(fd, chunk, CHUNK) != CHUNK)
				status = 2;
			offset++;
		}
		if (write(done, &status, 1) != 1)
			return 3;
	}
	return close(fd) ? 4 : 0;
}

int writer_start(struct writer *w, const char *cg, const char *path,
		 int wrap_mib)
{
	int command[2], done[2];

	snprintf(w->path, sizeof(w->path), "%s", path);
	if (pipe(command))
		return -errno;
	if (pipe(done)) {
		close(command[0]);
		close(command[1]);
		return -errno;
	}
	w->pid = fork();
	if (w->pid < 0)
		return -errno;
	if (w->pid == 0) {
		close(command[1]);
		close(done[0]);
		if (cg_enter(cg, getpid()))
			_exit(127);
		_exit(writer_main(w->path, wrap_mib, command[0], done[1]));
	}
	close(command[0]);
	close(done[1]);
	w->command = command[1];
	w->done = done[0];
	return 0;
}

int writers_send(struct writer *ws, int n, int mib)
{
	int i;

	for (i = 0; i < n; i++)
		if (write(ws[i].command, &mib, sizeof(mib)) != sizeof(mib))
			return -EPIPE;
	return 0;
}

int writers_wait(struct writer *ws, int n, const struct memcg_root *root,
		 const char *cg, struct dirty_samples *samples)
{
	struct pollfd pfds[MAX_WRITERS];
	int i, ret, busy = n, error = 0;
	char status;

	if (n > MAX_WRITERS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		pfds[i] = (struct pollfd){ .fd = ws[i].done, .events = POLLIN };
	while (busy) {
		if (samples)
			dirty_sample(root, cg, samples);
		ret = poll(pfds, n, samples && samples->every_ms ?
			   samples->every_ms : SAMPLE_MS);
		if (ret < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < n && ret > 0; i++) {
			if (!(pfds[i].revents & (POLLIN | POLLHUP)))
				continue;
			if (read(ws[i].done, &status, 1) != 1)
				return -EPIPE;
			if (status && !error)
				error = status;
			pfds[i].fd = -1;
			busy--;
		}
	}
	return error;
}

int writers_write(struct writer *ws, int n, int mib,
		  const struct memcg_root *root, const char *cg,
		  struct dirty_samples *samples, double *seconds)
{
	double start = now_seconds();
	int ret;

	ret = writers_send(ws, n, mib);
	if (!ret)
		ret = writers_wait(ws, n, root, cg, samples);
	if (seconds)
		*seconds = now_seconds() - start;
	return ret;
}

int writer_write(struct writer *w, int mib, const struct memcg_root *root,
		 const char *cg, struct dirty_samples *samples,
		 double *seconds)
{
	return writers_write(w, 1, mib, root, cg, samples, seconds);
}

int dd_run(const char *cg, char (*paths)[PATH_MAX], int n, int mib,
	   const struct memcg_root *root, struct dirty_samples *samples,
	   double *seconds)
{
	char of[PATH_MAX + 4], count[32];
	pid_t pids[MAX_WRITERS];
	double start = now_seconds();
	int i, status, busy = 0, failed = 0;

	if (n > MAX_WRITERS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			failed = -errno;
			break;
		}
		if (pids[i] == 0) {
			if (cg_enter(cg, getpid()))
				_exit(127);
			snprintf(of, sizeof(of), "of=%s", paths[i]);
			snprintf(count, sizeof(count), "count=%d", mib);
			execlp("dd", "dd", "if=/dev/zero", of, "bs=1M", count,
			       (char *)NULL);
			_exit(127);
		}
		busy++;
	}
	while (busy) {
		dirty_sample(root, cg, samples);
		for (i = 0; i < n; i++) {
			if (pids[i] <= 0 ||
			    waitpid(pids[i], &status, WNOHANG) != pids[i])
				continue;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				failed = -ECHILD;
			pids[i] = 0;
			busy--;
		}
		usleep(SAMPLE_MS * 1000);
	}
	*seconds = now_seconds() - start;
	return failed;
}

int writer_stop(struct writer *w)
{
	int status, end = 0;

	if (w->pid <= 0)
		return 0;
	if (write(w->command, &end, sizeof(end)) != sizeof(end))
		kill(w->pid, SIGKILL);
	close(w->command);
	close(w->done);
	if (waitpid(w->pid, &status, 0) != w->pid)
		return -errno;
	w->pid = 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

int dirty_env_init(struct dirty_env *env)
{
	static const char *const fs[] = { SCRATCH, SLOW };
	int i, ret;

	memset(env, 0, sizeof(*env));
	env->memctl_was_loaded = memctl_loaded();
	/* A writer that died fails its command rather than the test. */
	signal(SIGPIPE, SIG_IGN);
	ret = memcg_find_root(&env->root);
	if (ret)
		return ret;
	for (i = 0; i < 2; i++) {
		snprintf(env->dirs[i], sizeof(env->dirs[i]),
			 "%s/memctl_dirty_%d", fs[i], getpid());
		if (mkdir(env->dirs[i], 0700))
			return -errno;
	}
	env->dir = env->dirs[0];
	return 0;
}

void dirty_env_use(struct dirty_env *env, const char *fs)
{
	env->dir = env->dirs[strcmp(fs, SLOW) == 0];
}

const char *dirty_env_group(struct dirty_env *env, const char *parent,
			    const char *name)
{
	char path[PATH_MAX];

	if (env->ngroups == MAX_GROUPS)
		return NULL;
	if (parent)
		snprintf(path, sizeof(path), "%s/%s", parent, name);
	else
		snprintf(path, sizeof(path), "%s/memctl_dirty_%d_%s",
			 env->root.path, getpid(), name);
	if (cg_create(path))
		return NULL;
	memcpy(env->groups[env->ngroups], path, sizeof(path));
	return env->groups[env->ngroups++];
}

struct writer *dirty_env_writers(struct dirty_env *env, const char *cg, int n,
				 int wrap_mib)
{
	struct writer *first = &env->writers[env->nwriters];
	char path[PATH_MAX + 16];
	int i;

	if (env->nwriters + n > MAX_ENV_WRITERS)
		return NULL;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%d", env->dir, env->nwriters);
		if (writer_start(&env->writers[env->nwriters], cg, path,
				 wrap_mib))
			return NULL;
		env->nwriters++;
	}
	return first;
}

#define WRITEBACK_INTERVAL "/proc/sys/vm/dirty_writeback_centisecs"

int dirty_env_defer_periodic_writeback(struct dirty_env *env)
{
	int ret;

	ret = read_text(WRITEBACK_INTERVAL, env->writeback_interval,
			sizeof(env->writeback_interval));
	if (ret < 0)
		return ret;
	return write_text(WRITEBACK_INTERVAL, "60000");
}

void dirty_env_cleanup(struct dirty_env *env)
{
	int i;

	if (env->writeback_interval[0])
		write_text(WRITEBACK_INTERVAL, env->writeback_interval);

	for (i = 0; i < env->nwriters; i++) {
		writer_stop(&env->writers[i]);
		unlink(env->writers[i].path);
	}
	for (i = 0; i < 2; i++)
		if (env->dirs[i][0])
			rmdir(env->dirs[i]);
	for (i = env->ngroups - 1; i >= 0; i--)
		cg_destroy(env->groups[i]);
	if (env->memctl_was_loaded && !memctl_loaded())
		memctl_load();
}

/* Error reporting and the small file helpers every part of the shim uses. */
#include "shim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct shim_error shim_error;

static int vfail(int code, int err, const char *fmt, va_list ap)
{
	int len = vsnprintf(shim_error.msg, sizeof shim_error.msg, fmt, ap);
	if (err && len >= 0 && (size_t) len < sizeof shim_error.msg)
		snprintf(shim_error.msg + len, sizeof shim_error.msg - len, ": %s", strerror(err));
	shim_error.code = code;
	return -1;
}

int fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(code, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int fail_errno(int code, const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vfail(code, err, fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

/* Running out of memory in a few-KiB program means the machine is gone: stop at once. */
void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		abort();
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		abort();
	return p;
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += n;
	}
	return done;
}

int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail_errno(EXIT_RUNTIME, "cannot open `%s`", path);
	if (write_all(fd, text, strlen(text)) < 0) {
		fail_errno(EXIT_RUNTIME, "cannot write `%s`", path);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot write `%s`", path);
	return 0;
}

int write_file_atomic(const char *path, const char *text)
{
	size_t len = strlen(path) + 16;
	char *tmp = xmalloc(len);
	snprintf(tmp, len, "%s.tmp%d", path, (int) getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fail_errno(EXIT_RUNTIME, "cannot open `%s`", tmp);
		free(tmp);
		return -1;
	}
	int ret = 0;
	if (write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot write `%s`", tmp);
	if (close(fd) < 0 && ret == 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot write `%s`", tmp);
	if (ret == 0 && rename(tmp, path) < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot rename `%s` to `%s`", tmp, path);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t done = 0;
	while (done + 1 < size) {
		ssize_t n = read(fd, buf + done, size - 1 - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	close(fd);
	buf[done] = '\0';
	return done;
}

char *read_file_all(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			free(buf);
			close(fd);
			errno = err;
			return NULL;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The command must inherit only its stdio, whatever the engine or libc left open. */
void set_cloexec_from(int lowest)
{
	if (syscall(SYS_close_range, lowest, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		return;
	struct dirent *de;
	while ((de = readdir(dir))) {
		int fd = atoi(de->d_name);
		if (fd >= lowest && fd != dirfd(dir))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(dir);
}

int set_nonblock(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, flags);
}

int cgroup_procs_open(const char *dir)
{
	size_t len = strlen(dir) + 16;
	char *path = xmalloc(len);
	snprintf(path, len, "%s/cgroup.procs", dir);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return fail_errno(EXIT_RUNTIME, "cannot open cgroup `%s`", dir);
	return fd;
}

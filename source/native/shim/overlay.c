/*
 * The container's root as an overlay of its image layers. Mount data is limited to one page,
 * which a few dozen layers with long paths exceed: then the paths are made relative to their
 * common parent (overlayfs resolves them from the mounter's working directory), and past
 * that the layers are added one by one with the new mount API ("lowerdir+", Linux 6.8).
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG 0
#endif
#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_STRING 1
#endif
#ifndef FSCONFIG_CMD_CREATE
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* overlayfs splits options on ',' and lower dirs on ':', with '\' escaping either. */
static void buf_add_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ',' || *s == ':' || *s == '\\')
			buf_add(b, "\\", 1);
		buf_add(b, s, 1);
	}
}

static void build_data(const struct conf *c, size_t skip, struct buf *b)
{
	b->len = 0;
	buf_add(b, "lowerdir=", 9);
	for (size_t i = 0; i < c->lower.n; i++) {
		if (i)
			buf_add(b, ":", 1);
		buf_add_escaped(b, c->lower.v[i] + skip);
	}
	if (c->upper) {
		buf_add(b, ",upperdir=", 10);
		buf_add_escaped(b, c->upper + skip);
		buf_add(b, ",workdir=", 9);
		buf_add_escaped(b, c->work + skip);
		if (c->volatile_upper)
			buf_add(b, ",volatile", 9);
	}
}

/* Length of the longest directory (with its trailing '/') that holds every layer. */
static size_t common_parent(const struct conf *c)
{
	const char *first = c->lower.v[0];
	size_t len = strlen(first);
	const char *all[3] = {c->upper, c->work, NULL};
	for (size_t i = 0; i < c->lower.n + 2; i++) {
		const char *p = i < c->lower.n ? c->lower.v[i] : all[i - c->lower.n];
		if (!p)
			continue;
		size_t n = 0;
		while (n < len && p[n] == first[n])
			n++;
		len = n;
	}
	while (len > 0 && first[len - 1] != '/')
		len--;
	return len;
}

static int mount_legacy(const struct conf *c, const char *data)
{
	if (mount("overlay", c->rootfs, "overlay", 0, data) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot mount overlay on `%s`", c->rootfs);
	return 0;
}

static int fsconfig_string(int fd, const char *key, const char *value, const struct conf *c)
{
	if (syscall(SYS_fsconfig, fd, FSCONFIG_SET_STRING, key, value, 0) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot mount overlay on `%s`: %s `%s`", c->rootfs, key, value);
	return 0;
}

static int mount_fsconfig(const struct conf *c)
{
	int fs = syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return fail_errno(EXIT_RUNTIME, "cannot mount overlay on `%s`: too many layers for mount data, and fsopen failed", c->rootfs);
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < c->lower.n; i++)
		ret = fsconfig_string(fs, "lowerdir+", c->lower.v[i], c);
	if (ret == 0 && c->upper)
		ret = fsconfig_string(fs, "upperdir", c->upper, c);
	if (ret == 0 && c->work)
		ret = fsconfig_string(fs, "workdir", c->work, c);
	if (ret == 0 && c->volatile_upper && syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot mount overlay on `%s`: volatile", c->rootfs);
	if (ret == 0 && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot mount overlay on `%s`", c->rootfs);
	int mnt = ret == 0 ? syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0) : -1;
	if (ret == 0 && mnt < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot mount overlay on `%s`", c->rootfs);
	if (ret == 0 && syscall(SYS_move_mount, mnt, "", AT_FDCWD, c->rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot mount overlay on `%s`", c->rootfs);
	if (mnt >= 0)
		close(mnt);
	close(fs);
	return ret;
}

int overlay_mount(const struct conf *c)
{
	long page = sysconf(_SC_PAGESIZE);
	struct buf data = {0};
	int ret;

	build_data(c, 0, &data);
	if ((long) data.len < page) {
		ret = mount_legacy(c, data.s);
		free(data.s);
		return ret;
	}
	size_t skip = common_parent(c);
	if (skip > 1) {
		build_data(c, skip, &data);
		if ((long) data.len < page) {
			char *dir = xstrdup(c->lower.v[0]);
			dir[skip] = '\0';
			if (chdir(dir) < 0)
				ret = fail_errno(EXIT_RUNTIME, "cannot chdir to `%s`", dir);
			else
				ret = mount_legacy(c, data.s);
			if (chdir("/") < 0 && ret == 0)
				ret = fail_errno(EXIT_RUNTIME, "cannot chdir to `/`");
			free(dir);
			free(data.s);
			return ret;
		}
	}
	free(data.s);
	return mount_fsconfig(c);
}

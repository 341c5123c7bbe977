/*
 * The container's filesystem, built in its own mount namespace: the root (overlay or bind),
 * Docker's default mounts, the `mount` records, pivot_root, then masked and read-only paths.
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT), so a symlink in an
 * image cannot send a mount outside the container; the mount then goes through the resolved
 * descriptor's /proc/self/fd link.
 */
#include "shim.h"
#include "mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t) (flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* The directory part of `path` and its last component, split in a copy. */
static char *split_last(const char *path, const char **name)
{
	char *copy = xstrdup(path);
	size_t len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	char *slash = strrchr(copy, '/');
	if (!slash) {
		*name = copy;
		return xstrdup("/");
	}
	*name = path + (slash - copy) + 1;
	if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	return copy;
}

/* The symlink `name` in `parent` points to, as a path in the root; NULL when not a symlink. */
static char *link_target(int pfd, const char *parent, const char *name)
{
	char target[4096];
	ssize_t n = readlinkat(pfd, name, target, sizeof target - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	if (target[0] == '/')
		return xstrdup(target);
	size_t len = strlen(parent) + n + 2;
	char *joined = xmalloc(len);
	snprintf(joined, len, "%s/%s", parent, target);
	return joined;
}

static int mkdir_component(int rootfd, const char *prefix, mode_t mode, int depth);

static int mkdir_walk(int rootfd, const char *path, mode_t mode, int depth)
{
	char *copy = xstrdup(path);
	int ret = 0;
	for (char *p = copy;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (p > copy && p[-1] != '/')
			ret = mkdir_component(rootfd, copy, mode, depth);
		*p = saved;
		if (ret < 0 || saved == '\0')
			break;
	}
	free(copy);
	return ret;
}

/*
 * Makes sure `prefix` is a directory, creating its last component; a dangling symlink there
 * is followed (inside the root) and its target created, as runc does.
 */
static int mkdir_component(int rootfd, const char *prefix, mode_t mode, int depth)
{
	int fd = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != ENOENT)
		return fail_errno(EXIT_RUNTIME, "cannot open `%s` in the container", prefix);
	const char *name;
	char *parent = split_last(prefix, &name);
	int ret = 0;
	int pfd = open_in_root(rootfd, parent, O_PATH | O_DIRECTORY);
	int made = pfd < 0 ? -1 : mkdirat(pfd, name, mode);
	if (pfd < 0) {
		ret = fail_errno(EXIT_RUNTIME, "cannot open `%s` in the container", parent);
	} else if (made < 0 && errno != EEXIST) {
		ret = fail_errno(EXIT_RUNTIME, "cannot create `%s` in the container", prefix);
	} else if (made < 0) {
		char *target = link_target(pfd, parent, name);
		if (!target)
			ret = fail(EXIT_RUNTIME, "cannot create `%s` in the container: not a directory", prefix);
		else if (depth >= 40)
			ret = fail(EXIT_RUNTIME, "cannot create `%s` in the container: too many levels of symbolic links", prefix);
		else
			ret = mkdir_walk(rootfd, target, mode, depth + 1);
		free(target);
	}
	if (pfd >= 0)
		close(pfd);
	free(parent);
	return ret;
}

int mkdir_in_root(int rootfd, const char *path, mode_t mode)
{
	return mkdir_walk(rootfd, path, mode, 0);
}

/* A file to bind a file on; a dangling symlink there (/etc/resolv.conf often is) is followed. */
static int create_file_walk(int rootfd, const char *path, int depth)
{
	int fd = open_in_root(rootfd, path, O_PATH);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	const char *name;
	char *parent = split_last(path, &name);
	int ret = mkdir_in_root(rootfd, parent, 0755);
	int pfd = ret == 0 ? open_in_root(rootfd, parent, O_PATH | O_DIRECTORY) : -1;
	if (ret == 0 && pfd < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot open `%s` in the container", parent);
	if (pfd >= 0) {
		fd = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0) {
			close(fd);
		} else if (errno != EEXIST) {
			ret = fail_errno(EXIT_RUNTIME, "cannot create `%s` in the container", path);
		} else {
			char *target = link_target(pfd, parent, name);
			if (!target || depth >= 40)
				ret = fail(EXIT_RUNTIME, "cannot create `%s` in the container: dangling symbolic link", path);
			else
				ret = create_file_walk(rootfd, target, depth + 1);
			free(target);
		}
		close(pfd);
	}
	free(parent);
	return ret;
}

static int create_file_in_root(int rootfd, const char *path)
{
	return create_file_walk(rootfd, path, 0);
}

unsigned long statvfs_to_mount_flags(unsigned long f)
{
	unsigned long flags = 0;
	if (f & ST_RDONLY) flags |= MS_RDONLY;
	if (f & ST_NOSUID) flags |= MS_NOSUID;
	if (f & ST_NODEV) flags |= MS_NODEV;
	if (f & ST_NOEXEC) flags |= MS_NOEXEC;
	if (f & ST_NOATIME) flags |= MS_NOATIME;
	if (f & ST_NODIRATIME) flags |= MS_NODIRATIME;
	if (f & ST_RELATIME) flags |= MS_RELATIME;
	return flags;
}

/* A bind remount replaces every per-mount flag: keep the ones already set. */
static int remount_bind(const char *target, unsigned long add, const char *what)
{
	struct statvfs sv;
	if (statvfs(target, &sv) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot stat `%s`", what);
	unsigned long flags = statvfs_to_mount_flags(sv.f_flag) | add;
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot remount `%s`", what);
	return 0;
}

static void fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

int mount_in_root(int rootfd, const char *src, const char *dest, const char *type,
                  unsigned long flags, const char *data)
{
	int fd = open_in_root(rootfd, dest, O_PATH);
	if (fd < 0)
		return fail_errno(EXIT_RUNTIME, "cannot open mount point `%s`", dest);
	char target[64];
	fd_path(fd, target, sizeof target);
	int ret = 0;
	if (mount(src, target, type, flags, data && *data ? data : NULL) < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot mount `%s` on `%s`", src, dest);
	close(fd);
	return ret;
}

struct mount_attr_v0 {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/*
 * Flags on a recursive bind must reach the submounts too; only mount_setattr (Linux 5.12)
 * does that. Older kernels get them on the top mount alone.
 */
static int apply_bind_flags(int rootfd, const char *dest, unsigned long flags, bool recursive)
{
	const unsigned long wanted = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	if (!wanted)
		return 0;
	int fd = open_in_root(rootfd, dest, O_PATH);
	if (fd < 0)
		return fail_errno(EXIT_RUNTIME, "cannot open mount point `%s`", dest);
	int ret = -1;
	if (recursive) {
		struct mount_attr_v0 attr = {0};
		attr.attr_set = (wanted & MS_RDONLY ? 0x1 : 0) | (wanted & MS_NOSUID ? 0x2 : 0) |
		                (wanted & MS_NODEV ? 0x4 : 0) | (wanted & MS_NOEXEC ? 0x8 : 0);
		ret = syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
	}
	if (ret < 0) {
		char target[64];
		fd_path(fd, target, sizeof target);
		ret = remount_bind(target, wanted, dest);
	}
	close(fd);
	return ret;
}

static const struct {
	const char *name;
	unsigned long flag;
	bool clear;
} flag_names[] = {
	{"ro", MS_RDONLY, false}, {"rw", MS_RDONLY, true}, {"nosuid", MS_NOSUID, false},
	{"nodev", MS_NODEV, false}, {"noexec", MS_NOEXEC, false}, {"rbind", MS_BIND | MS_REC, false},
	{"bind", MS_BIND, false}, {"noatime", MS_NOATIME, false}, {"nodiratime", MS_NODIRATIME, false},
	{"relatime", MS_RELATIME, false}, {"strictatime", MS_STRICTATIME, false},
	{"sync", MS_SYNCHRONOUS, false}, {"dirsync", MS_DIRSYNC, false},
};

static int parse_flags(const char *spec, unsigned long *flags)
{
	*flags = 0;
	char *copy = xstrdup(spec), *save;
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		size_t i, n = sizeof flag_names / sizeof flag_names[0];
		for (i = 0; i < n && strcmp(flag_names[i].name, f) != 0; i++)
			;
		if (i == n) {
			fail(EXIT_RUNTIME, "unknown mount flag `%s`", f);
			free(copy);
			return -1;
		}
		if (flag_names[i].clear)
			*flags &= ~flag_names[i].flag;
		else
			*flags |= flag_names[i].flag;
	}
	free(copy);
	return 0;
}

static int mount_record(int rootfd, const struct mount_rec *m)
{
	unsigned long flags;
	if (parse_flags(m->flags, &flags) < 0)
		return -1;
	bool bind = strcmp(m->type, "bind") == 0;
	struct stat st;
	bool file = bind && stat(m->src, &st) == 0 && !S_ISDIR(st.st_mode);
	if (bind && !file && stat(m->src, &st) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot bind `%s`", m->src);
	int ret = file ? create_file_in_root(rootfd, m->dest) : mkdir_in_root(rootfd, m->dest, 0755);
	if (ret < 0)
		return -1;
	if (!bind)
		return mount_in_root(rootfd, m->src, m->dest, m->type, flags, m->data);
	bool recursive = flags & MS_REC;
	if (mount_in_root(rootfd, m->src, m->dest, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
		return -1;
	return apply_bind_flags(rootfd, m->dest, flags, recursive);
}

struct default_mount {
	const char *src, *dest, *type;
	unsigned long flags;
	const char *data;
};

static const struct default_mount default_mounts[] = {
	{"proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL},
	{"tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"},
	{"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"},
	{"shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k"},
	{"mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL},
	{"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL},
};

static int mount_defaults(int rootfd, bool privileged)
{
	for (size_t i = 0; i < sizeof default_mounts / sizeof default_mounts[0]; i++) {
		const struct default_mount *m = &default_mounts[i];
		unsigned long flags = m->flags;
		/* A privileged container may write to /sys, as in Docker. */
		if (privileged && strcmp(m->type, "sysfs") == 0)
			flags &= ~MS_RDONLY;
		if (mkdir_in_root(rootfd, m->dest, 0755) < 0 ||
		    mount_in_root(rootfd, m->src, m->dest, m->type, flags, m->data) < 0)
			return -1;
	}
	return 0;
}

static int mount_root(const struct conf *c)
{
	if (c->lower.n)
		return overlay_mount(c);
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot bind `%s` on itself", c->rootfs);
	return 0;
}

int rootfs_setup(const struct conf *c)
{
	/* Nothing mounted from here on may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot make `/` private");
	if (mount_root(c) < 0)
		return -1;
	int rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return fail_errno(EXIT_RUNTIME, "cannot open `%s`", c->rootfs);
	if (mount_defaults(rootfd, c->privileged) < 0 || dev_populate(rootfd, c->privileged) < 0) {
		close(rootfd);
		return -1;
	}
	return rootfd;
}

int rootfs_finish(const struct conf *c, int rootfd)
{
	cgroupfs_mount(rootfd, c->privileged);
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < c->nmounts; i++)
		ret = mount_record(rootfd, &c->mounts[i]);
	close(rootfd);
	return ret;
}

int pivot_to(const char *rootfs)
{
	int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int ret = 0;
	if (newroot < 0 || oldroot < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot open `%s`", rootfs);
	/* pivot_root(".", ".") stacks the old root on the new one; no put_old directory needed. */
	else if (fchdir(newroot) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot pivot_root to `%s`", rootfs);
	else if (fchdir(oldroot) < 0 || mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
	         umount2(".", MNT_DETACH) < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot detach the old root");
	else if (chdir("/") < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot chdir to `/`");
	if (newroot >= 0)
		close(newroot);
	if (oldroot >= 0)
		close(oldroot);
	return ret;
}

int mask_paths(const struct conf *c)
{
	for (size_t i = 0; i < c->mask.n; i++) {
		const char *path = c->mask.v[i];
		struct stat st;
		if (stat(path, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return fail_errno(EXIT_RUNTIME, "cannot mask `%s`", path);
		}
		int r = S_ISDIR(st.st_mode)
			? mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL)
			: mount("/dev/null", path, NULL, MS_BIND, NULL);
		if (r < 0)
			return fail_errno(EXIT_RUNTIME, "cannot mask `%s`", path);
	}
	return 0;
}

int readonly_paths(const struct conf *c)
{
	for (size_t i = 0; i < c->readonly.n; i++) {
		const char *path = c->readonly.v[i];
		if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return fail_errno(EXIT_RUNTIME, "cannot bind `%s` read-only", path);
		}
		if (remount_bind(path, MS_RDONLY, path) < 0)
			return -1;
	}
	return 0;
}

int remount_root_readonly(void)
{
	return remount_bind("/", MS_RDONLY, "/");
}

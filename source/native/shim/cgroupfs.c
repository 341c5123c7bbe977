/*
 * /sys/fs/cgroup inside the container, read-only unless privileged. The container has its own
 * cgroup namespace by now, so each hierarchy mounted here shows the container's cgroup as its
 * root. v2 hosts get one cgroup2 mount; v1 hosts a tmpfs holding every hierarchy the host has
 * (read from mountinfo, with the same options, which v1 requires to reuse a hierarchy).
 */
#include "shim.h"
#include "mounts.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

/* The superblock options worth passing again: controllers and name=, not rw or agents. */
static void filter_options(const char *super, char *out, size_t size)
{
	char *copy = xstrdup(super), *save;
	out[0] = '\0';
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "rw") || !strcmp(o, "ro") || !strncmp(o, "release_agent=", 14))
			continue;
		if (strlen(out) + strlen(o) + 2 > size)
			break;
		if (out[0])
			strcat(out, ",");
		strcat(out, o);
	}
	free(copy);
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - TYPE SOURCE SUPER". */
static void mount_hierarchy(int rootfd, char *line, unsigned long flags)
{
	char *field[6] = {0};
	char *save, *p = strtok_r(line, " \n", &save);
	for (int i = 0; p && i < 5; i++, p = strtok_r(NULL, " \n", &save))
		field[i] = p;
	while (p && strcmp(p, "-") != 0)
		p = strtok_r(NULL, " \n", &save);
	char *type = p ? strtok_r(NULL, " \n", &save) : NULL;
	char *source = type ? strtok_r(NULL, " \n", &save) : NULL;
	char *super = source ? strtok_r(NULL, " \n", &save) : NULL;
	const char *mp = field[4];
	if (!super || !mp || strncmp(mp, CGROUP_ROOT "/", sizeof CGROUP_ROOT) != 0)
		return;
	if (strchr(mp + sizeof CGROUP_ROOT, '/'))
		return;
	if (strcmp(type, "cgroup") != 0 && strcmp(type, "cgroup2") != 0)
		return;
	char data[256];
	filter_options(super, data, sizeof data);
	if (mkdir_in_root(rootfd, mp, 0755) == 0)
		mount_in_root(rootfd, type, mp, type, flags, strcmp(type, "cgroup2") == 0 ? NULL : data);
}

/* Aliases such as cpu -> cpu,cpuacct. */
static void copy_symlinks(int rootfd)
{
	DIR *dir = opendir(CGROUP_ROOT);
	int dest = open_in_root(rootfd, CGROUP_ROOT, O_PATH | O_DIRECTORY);
	struct dirent *de;
	while (dir && dest >= 0 && (de = readdir(dir))) {
		if (de->d_type != DT_LNK)
			continue;
		char target[256];
		ssize_t n = readlinkat(dirfd(dir), de->d_name, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		symlinkat(target, dest, de->d_name);
	}
	if (dir)
		closedir(dir);
	if (dest >= 0)
		close(dest);
}

static void mount_v1(int rootfd, unsigned long flags)
{
	if (mount_in_root(rootfd, "tmpfs", CGROUP_ROOT, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=755") < 0)
		return;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) > 0)
		mount_hierarchy(rootfd, line, flags);
	free(line);
	if (f)
		fclose(f);
	copy_symlinks(rootfd);
	if (!(flags & MS_RDONLY))
		return;
	int fd = open_in_root(rootfd, CGROUP_ROOT, O_PATH);
	if (fd < 0)
		return;
	char target[64];
	snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
	mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	close(fd);
}

void cgroupfs_mount(int rootfd, bool privileged)
{
	unsigned long flags = MS_NOSUID | MS_NOEXEC | MS_NODEV | (privileged ? 0 : MS_RDONLY);
	struct statfs sfs;
	if (statfs(CGROUP_ROOT, &sfs) < 0)
		return;
	if (sfs.f_type == CGROUP2_SUPER_MAGIC)
		mount_in_root(rootfd, "cgroup2", CGROUP_ROOT, "cgroup2", flags, NULL);
	else if (sfs.f_type == TMPFS_MAGIC)
		mount_v1(rootfd, flags);
}

/*
 * /dev inside the container: a fresh tmpfs holding only Docker's default nodes and links (or,
 * privileged, a copy of the host's device nodes), and the console when there is a tty.
 */
#include "shim.h"
#include "mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

static const struct {
	const char *name;
	unsigned major, minor;
} default_nodes[] = {
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
	const char *name, *target;
} default_links[] = {
	{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},
};

/* Host entries a privileged container does not get copies of: its own take their place. */
static bool skipped(const char *name)
{
	static const char *const names[] = {"pts", "shm", "mqueue", "ptmx", "console", "core", "fd",
	                                    "stdin", "stdout", "stderr", "tty", NULL};
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Copies device nodes and directories; mounts inside the host's /dev stay out. */
static void copy_devices(int from, int to, dev_t devfs, int depth)
{
	DIR *dir = fdopendir(from);
	if (!dir) {
		close(from);
		return;
	}
	struct dirent *de;
	while ((de = readdir(dir))) {
		struct stat st;
		if (de->d_name[0] == '.' || skipped(de->d_name) ||
		    fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != devfs)
			continue;
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			if (mknodat(to, de->d_name, st.st_mode, st.st_rdev) == 0)
				fchownat(to, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
		} else if (S_ISDIR(st.st_mode) && depth < 4) {
			mkdirat(to, de->d_name, st.st_mode & 07777);
			int sub_from = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int sub_to = openat(to, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub_from >= 0 && sub_to >= 0)
				copy_devices(sub_from, sub_to, devfs, depth + 1);
			else if (sub_from >= 0)
				close(sub_from);
			if (sub_to >= 0)
				close(sub_to);
		}
	}
	closedir(dir);
}

static void copy_host_devices(int devfd)
{
	int host = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (host < 0)
		return;
	if (fstat(host, &st) < 0) {
		close(host);
		return;
	}
	copy_devices(host, devfd, st.st_dev, 0);
}

int dev_populate(int rootfd, bool privileged)
{
	int dev = open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
	if (dev < 0)
		return fail_errno(EXIT_RUNTIME, "cannot open `/dev` in the container");
	if (privileged)
		copy_host_devices(dev);
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < sizeof default_nodes / sizeof default_nodes[0]; i++) {
		dev_t rdev = makedev(default_nodes[i].major, default_nodes[i].minor);
		if (mknodat(dev, default_nodes[i].name, S_IFCHR | 0666, rdev) < 0 && errno != EEXIST)
			ret = fail_errno(EXIT_RUNTIME, "cannot create `/dev/%s`", default_nodes[i].name);
	}
	for (size_t i = 0; ret == 0 && i < sizeof default_links / sizeof default_links[0]; i++)
		if (symlinkat(default_links[i].target, dev, default_links[i].name) < 0 && errno != EEXIST)
			ret = fail_errno(EXIT_RUNTIME, "cannot create `/dev/%s`", default_links[i].name);
	close(dev);
	return ret;
}

/*
 * Opened from inside the container, after pivot_root, so the pty belongs to the container's
 * own devpts and shows there as /dev/pts/0.
 */
int dev_open_console(int *master, int *slave)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return fail_errno(EXIT_RUNTIME, "cannot open `/dev/ptmx`");
	int unlock = 0, n;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0) {
		fail_errno(EXIT_RUNTIME, "cannot set up the pty");
		close(m);
		return -1;
	}
	/* A sane size until a client sends its own: many programs misbehave on 0x0. */
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	ioctl(m, TIOCSWINSZ, &ws);
	char path[64];
	snprintf(path, sizeof path, "/dev/pts/%d", n);
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		s = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		fail_errno(EXIT_RUNTIME, "cannot open `%s`", path);
		close(m);
		return -1;
	}
	int console = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (console < 0 || mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0) {
		fail_errno(EXIT_RUNTIME, "cannot bind `%s` on `/dev/console`", path);
		if (console >= 0)
			close(console);
		close(m);
		close(s);
		return -1;
	}
	close(console);
	*master = m;
	*slave = s;
	return 0;
}

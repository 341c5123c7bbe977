/* Helpers of mounts.c shared with devices.c and cgroupfs.c. */
#ifndef BERTH_MOUNTS_H
#define BERTH_MOUNTS_H

#include <stdbool.h>
#include <sys/types.h>

/* openat2 relative to `rootfd` as the root: symlinks and ".." never leave it. */
int open_in_root(int rootfd, const char *path, int flags);
int mkdir_in_root(int rootfd, const char *path, mode_t mode);
int mount_in_root(int rootfd, const char *src, const char *dest, const char *type,
                  unsigned long flags, const char *data);
unsigned long statvfs_to_mount_flags(unsigned long f);
/* /sys/fs/cgroup inside the container; best effort, as a missing view breaks nothing. */
void cgroupfs_mount(int rootfd, bool privileged);

#endif

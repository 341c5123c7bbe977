/* Capabilities: the bounding set, then the process's own sets, as Docker leaves them. */
#include "shim.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int last_cap(void)
{
	char buf[16];
	if (read_file("/proc/sys/kernel/cap_last_cap", buf, sizeof buf) > 0)
		return atoi(buf);
	return CAP_LAST_CAP;
}

int caps_drop_bounding(uint64_t mask)
{
	int last = last_cap();
	for (int cap = 0; cap <= last && cap < 64; cap++) {
		if (mask & (1ULL << cap))
			continue;
		/* EINVAL: a capability this kernel does not know, nothing to drop. */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return fail_errno(EXIT_RUNTIME, "cannot drop capability `%d` from the bounding set", cap);
	}
	return 0;
}

/*
 * Root keeps `mask` in all its sets. Any other user ends with empty effective, permitted and
 * inheritable sets (only the bounding set remembers the mask), as Docker does: a file with
 * inheritable file capabilities must not hand the mask back to an unprivileged user.
 */
int caps_set(uint64_t mask, bool root)
{
	int last = last_cap();
	if (last < 63)
		mask &= (1ULL << (last + 1)) - 1;
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct cur[2];
	if (syscall(SYS_capget, &hdr, cur) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot read capabilities");
	/* A set can only shrink: what the shim itself lacks (CAP_SYS_RESOURCE here) stays out. */
	uint64_t permitted = cur[0].permitted | (uint64_t) cur[1].permitted << 32;
	uint64_t set = root ? mask & permitted : 0;
	struct __user_cap_data_struct data[2] = {
		{(uint32_t) set, (uint32_t) set, (uint32_t) set},
		{(uint32_t) (set >> 32), (uint32_t) (set >> 32), (uint32_t) (set >> 32)},
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot set capabilities to `%016llx`", (unsigned long long) set);
	/* Ambient capabilities would survive execve for a non-root user. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fail_errno(EXIT_RUNTIME, "cannot clear ambient capabilities");
	return 0;
}

/* A per-architecture view of the deny-list (seccomp_list.h) for the filter builder. */
#ifndef BERTH_SECCOMP_ARCH_H
#define BERTH_SECCOMP_ARCH_H

#include <stddef.h>
#include <stdint.h>

struct seccomp_deny {
	uint32_t nr;
	uint64_t caps; /* the call is allowed when the container keeps one of these */
};

struct seccomp_arch {
	uint32_t audit_arch;
	const struct seccomp_deny *deny;
	size_t ndeny;
	uint32_t nr_clone, nr_clone3, nr_personality;
};

#if defined(__x86_64__)
/* 32-bit programs on a 64-bit kernel enter with their own numbers: seccomp_i386.c. */
extern const struct seccomp_arch seccomp_arch_i386;
#endif

#endif

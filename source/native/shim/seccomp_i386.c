/*
 * The deny-list with i386 syscall numbers, for 32-bit programs on x86_64. A file of its own
 * because <asm/unistd_32.h> and the native <sys/syscall.h> define the same __NR_ names.
 */
#if defined(__x86_64__)
#include <asm/unistd_32.h>
#include <linux/audit.h>
#include <linux/capability.h>

#include "seccomp_arch.h"

static const struct seccomp_deny deny_i386[] = {
#define DENY(name, caps) {__NR_##name, caps},
#include "seccomp_list.h"
#undef DENY
};

const struct seccomp_arch seccomp_arch_i386 = {
	AUDIT_ARCH_I386, deny_i386, sizeof deny_i386 / sizeof deny_i386[0],
	__NR_clone, __NR_clone3, __NR_personality,
};
#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int seccomp_i386_unused;
#endif

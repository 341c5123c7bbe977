/*
 * The default seccomp filter, a deny-list generated as classic BPF: the calls Docker's
 * default profile refuses to a container, answered with EPERM; clone3 with ENOSYS so libc
 * falls back to clone, whose namespace flags can be checked (clone3's are behind a pointer).
 */
#include "shim.h"
#include "seccomp_arch.h"

#include <endian.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef NATIVE_ARCH
static const struct seccomp_deny deny_native[] = {
#define DENY(name, caps) {__NR_##name, caps},
#include "seccomp_list.h"
#undef DENY
};

static const struct seccomp_arch arch_native = {
	NATIVE_ARCH, deny_native, sizeof deny_native / sizeof deny_native[0],
	__NR_clone, __NR_clone3, __NR_personality,
};
#endif

/* x32 programs use the x86_64 arch with this bit set in the syscall number. */
#define X32_SYSCALL_BIT 0x40000000u
/* x32's own kexec_load: the only denied call among x32's renumbered ones (512 and up). */
#define X32_KEXEC_LOAD (X32_SYSCALL_BIT | 528u)

#define CLONE_NEW_MASK (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
                        CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

/* The low 32 bits of the first argument, where clone keeps its flags. */
#if __BYTE_ORDER == __LITTLE_ENDIAN
#define ARG0_LO offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LO (offsetof(struct seccomp_data, args[0]) + 4)
#endif

struct prog {
	struct sock_filter *ins;
	size_t n, cap;
};

static size_t emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->n == p->cap)
		p->ins = xrealloc(p->ins, (p->cap = p->cap ? p->cap * 2 : 256) * sizeof *p->ins);
	p->ins[p->n] = (struct sock_filter) BPF_JUMP(code, k, jt, jf);
	return p->n++;
}

static void emit_deny(struct prog *p, uint32_t nr, uint32_t ret)
{
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, nr);
	emit(p, BPF_RET | BPF_K, 0, 0, ret);
}

/* clone with a namespace flag is denied; the block returns either way, so it comes last. */
static void emit_clone(struct prog *p, uint32_t nr)
{
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, nr);
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG0_LO);
	emit(p, BPF_JMP | BPF_JSET | BPF_K, 0, 1, CLONE_NEW_MASK);
	emit(p, BPF_RET | BPF_K, 0, 0, RET_ERRNO(EPERM));
	emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
}

/* personality only with the values Docker allows (Linux, LINUX32, UNAME26 and the query). */
static void emit_personality(struct prog *p, uint32_t nr)
{
	static const uint32_t allowed[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
	const size_t n = sizeof allowed / sizeof allowed[0];
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, n + 3, nr);
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG0_LO);
	for (size_t i = 0; i < n; i++)
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, n - i, 0, allowed[i]);
	emit(p, BPF_RET | BPF_K, 0, 0, RET_ERRNO(EPERM));
	emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
}

/* The checks for one architecture, starting with the syscall number in the accumulator. */
static void emit_arch(struct prog *p, const struct seccomp_arch *a, uint64_t caps)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
	if (a->audit_arch == AUDIT_ARCH_X86_64) {
		emit_deny(p, X32_KEXEC_LOAD, RET_ERRNO(EPERM));
		/* x32 shares the x86_64 numbers of every other denied call. */
		emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, ~X32_SYSCALL_BIT);
	}
#endif
	for (size_t i = 0; i < a->ndeny; i++)
		if (!(a->deny[i].caps & caps))
			emit_deny(p, a->deny[i].nr, RET_ERRNO(EPERM));
	bool sys_admin = caps & (1ULL << CAP_SYS_ADMIN);
	if (!sys_admin)
		emit_deny(p, a->nr_clone3, RET_ERRNO(ENOSYS));
	emit_personality(p, a->nr_personality);
	if (!sys_admin)
		emit_clone(p, a->nr_clone);
	emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
}

static void patch_jump(struct prog *p, size_t at, size_t target)
{
	p->ins[at].k = target - (at + 1);
}

int seccomp_install(uint64_t caps)
{
#ifndef NATIVE_ARCH
	(void) caps;
	return fail(EXIT_RUNTIME, "seccomp filter is not supported on this architecture");
#else
	const struct seccomp_arch *arches[] = {
		&arch_native,
#if defined(__x86_64__)
		&seccomp_arch_i386,
#endif
	};
	const size_t narch = sizeof arches / sizeof arches[0];
	struct prog p = {0};
	size_t jumps[2];

	emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < narch; i++) {
		emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, arches[i]->audit_arch);
		jumps[i] = emit(&p, BPF_JMP | BPF_JA, 0, 0, 0);
	}
	/* An architecture the filter does not know could name any call: refuse them all. */
	emit(&p, BPF_RET | BPF_K, 0, 0, RET_ERRNO(EPERM));
	for (size_t i = 0; i < narch; i++) {
		patch_jump(&p, jumps[i], p.n);
		emit_arch(&p, arches[i], caps);
	}

	struct sock_fprog fprog = {(unsigned short) p.n, p.ins};
	int ret = 0;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot install the seccomp filter");
	free(p.ins);
	return ret;
#endif
}

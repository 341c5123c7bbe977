/*
 * The syscalls berth's default seccomp filter denies with EPERM, after Docker's default
 * profile for a container: each with the capabilities that, when the container keeps one of
 * them, let the call through (0: never). Included once per architecture, with that
 * architecture's __NR_* numbers in scope; DENY(name, caps) is defined by the includer.
 * clone (namespace flags), clone3 and personality have their own rules in seccomp.c.
 */
#define C(cap) (1ULL << CAP_##cap)

#ifdef __NR_mount
DENY(mount, C(SYS_ADMIN))
#endif
#ifdef __NR_umount
DENY(umount, C(SYS_ADMIN))
#endif
#ifdef __NR_umount2
DENY(umount2, C(SYS_ADMIN))
#endif
#ifdef __NR_pivot_root
DENY(pivot_root, C(SYS_ADMIN))
#endif
#ifdef __NR_unshare
DENY(unshare, C(SYS_ADMIN))
#endif
#ifdef __NR_setns
DENY(setns, C(SYS_ADMIN))
#endif
#ifdef __NR_fsopen
DENY(fsopen, C(SYS_ADMIN))
#endif
#ifdef __NR_fsconfig
DENY(fsconfig, C(SYS_ADMIN))
#endif
#ifdef __NR_fsmount
DENY(fsmount, C(SYS_ADMIN))
#endif
#ifdef __NR_fspick
DENY(fspick, C(SYS_ADMIN))
#endif
#ifdef __NR_move_mount
DENY(move_mount, C(SYS_ADMIN))
#endif
#ifdef __NR_open_tree
DENY(open_tree, C(SYS_ADMIN))
#endif
#ifdef __NR_mount_setattr
DENY(mount_setattr, C(SYS_ADMIN))
#endif
#ifdef __NR_quotactl
DENY(quotactl, C(SYS_ADMIN))
#endif
#ifdef __NR_quotactl_fd
DENY(quotactl_fd, C(SYS_ADMIN))
#endif
#ifdef __NR_lookup_dcookie
DENY(lookup_dcookie, C(SYS_ADMIN))
#endif
#ifdef __NR_name_to_handle_at
DENY(name_to_handle_at, C(SYS_ADMIN) | C(DAC_READ_SEARCH))
#endif
#ifdef __NR_open_by_handle_at
DENY(open_by_handle_at, C(DAC_READ_SEARCH))
#endif
#ifdef __NR_fanotify_init
DENY(fanotify_init, C(SYS_ADMIN))
#endif
#ifdef __NR_syslog
DENY(syslog, C(SYS_ADMIN) | C(SYSLOG))
#endif
#ifdef __NR_bpf
DENY(bpf, C(SYS_ADMIN) | C(BPF))
#endif
#ifdef __NR_perf_event_open
DENY(perf_event_open, C(SYS_ADMIN) | C(PERFMON))
#endif
#ifdef __NR_reboot
DENY(reboot, C(SYS_BOOT))
#endif
#ifdef __NR_kexec_load
DENY(kexec_load, 0)
#endif
#ifdef __NR_kexec_file_load
DENY(kexec_file_load, 0)
#endif
#ifdef __NR_init_module
DENY(init_module, C(SYS_MODULE))
#endif
#ifdef __NR_finit_module
DENY(finit_module, C(SYS_MODULE))
#endif
#ifdef __NR_delete_module
DENY(delete_module, C(SYS_MODULE))
#endif
#ifdef __NR_create_module
DENY(create_module, 0)
#endif
#ifdef __NR_get_kernel_syms
DENY(get_kernel_syms, 0)
#endif
#ifdef __NR_query_module
DENY(query_module, 0)
#endif
#ifdef __NR_acct
DENY(acct, C(SYS_PACCT))
#endif
#ifdef __NR_iopl
DENY(iopl, C(SYS_RAWIO))
#endif
#ifdef __NR_ioperm
DENY(ioperm, C(SYS_RAWIO))
#endif
#ifdef __NR_settimeofday
DENY(settimeofday, C(SYS_TIME))
#endif
#ifdef __NR_stime
DENY(stime, C(SYS_TIME))
#endif
#ifdef __NR_clock_settime
DENY(clock_settime, C(SYS_TIME))
#endif
#ifdef __NR_clock_settime64
DENY(clock_settime64, C(SYS_TIME))
#endif
#ifdef __NR_clock_adjtime
DENY(clock_adjtime, C(SYS_TIME))
#endif
#ifdef __NR_clock_adjtime64
DENY(clock_adjtime64, C(SYS_TIME))
#endif
#ifdef __NR_adjtimex
DENY(adjtimex, C(SYS_TIME))
#endif
#ifdef __NR_keyctl
DENY(keyctl, 0)
#endif
#ifdef __NR_add_key
DENY(add_key, 0)
#endif
#ifdef __NR_request_key
DENY(request_key, 0)
#endif
#ifdef __NR_swapon
DENY(swapon, 0)
#endif
#ifdef __NR_swapoff
DENY(swapoff, 0)
#endif
#ifdef __NR_userfaultfd
DENY(userfaultfd, C(SYS_PTRACE))
#endif
#ifdef __NR_pidfd_getfd
DENY(pidfd_getfd, C(SYS_PTRACE))
#endif
#ifdef __NR_vhangup
DENY(vhangup, C(SYS_TTY_CONFIG))
#endif
#ifdef __NR_mbind
DENY(mbind, C(SYS_NICE))
#endif
#ifdef __NR_set_mempolicy
DENY(set_mempolicy, C(SYS_NICE))
#endif
#ifdef __NR_get_mempolicy
DENY(get_mempolicy, C(SYS_NICE))
#endif
#ifdef __NR_move_pages
DENY(move_pages, C(SYS_NICE))
#endif
#ifdef __NR_vm86
DENY(vm86, 0)
#endif
#ifdef __NR_vm86old
DENY(vm86old, 0)
#endif
#ifdef __NR_modify_ldt
DENY(modify_ldt, 0)
#endif
#ifdef __NR_uselib
DENY(uselib, 0)
#endif
#ifdef __NR_ustat
DENY(ustat, 0)
#endif
#ifdef __NR_sysfs
DENY(sysfs, 0)
#endif
#ifdef __NR__sysctl
DENY(_sysctl, 0)
#endif
#ifdef __NR_nfsservctl
DENY(nfsservctl, 0)
#endif
#ifdef __NR_io_uring_setup
DENY(io_uring_setup, 0)
#endif
#ifdef __NR_io_uring_enter
DENY(io_uring_enter, 0)
#endif
#ifdef __NR_io_uring_register
DENY(io_uring_register, 0)
#endif

#undef C

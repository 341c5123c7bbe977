/*
 * berth-shim's internal interfaces. protocol.h is the contract with the engine; this header
 * is how the shim's own files talk to each other.
 */
#ifndef BERTH_SHIM_H
#define BERTH_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "protocol.h"

/* Exit codes as Docker: the runtime failed, the command cannot be invoked, it is not found. */
#define EXIT_RUNTIME 125
#define EXIT_CANNOT_INVOKE 126
#define EXIT_NOT_FOUND 127

/* ---- util.c: errors and small file helpers ---- */

/*
 * The one error being reported. Functions that fail fill it with fail() and return -1; the
 * caller that can report (fd 3, the parent over the sync socket, stderr) prints it once.
 */
struct shim_error {
	int code;
	char msg[1024];
};

extern struct shim_error shim_error;

int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like fail(), with ": strerror(errno)" appended. */
int fail_errno(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *xmalloc(size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
ssize_t write_all(int fd, const void *buf, size_t len);
/* Writes `text` to `path`, creating it (mode 0644). */
int write_file(const char *path, const char *text);
/* Writes through a temporary file and a rename, so readers see all of it or nothing. */
int write_file_atomic(const char *path, const char *text);
/* Reads at most `size - 1` bytes and NUL terminates them; -1 on error. */
ssize_t read_file(const char *path, char *buf, size_t size);
/* Reads a whole file into a malloc'ed, NUL terminated buffer. */
char *read_file_all(const char *path, size_t *len);
void set_cloexec_from(int lowest);
/* Opens DIR/cgroup.procs for writing a pid into; -1 with the error set. */
int cgroup_procs_open(const char *dir);
int set_nonblock(int fd, bool on);

/* ---- conf.c: the CONF file (protocol.h) ---- */

enum shim_mode { MODE_RUN = 1, MODE_EXEC = 2 };
enum net_mode { NET_NONE, NET_HOST };

struct strv {
	char **v;
	size_t n;
};

struct mount_rec {
	char *src, *dest, *type, *flags, *data;
};

struct rlimit_rec {
	int resource;
	uint64_t soft, hard;
};

struct conf {
	enum shim_mode mode;
	char *id, *rootfs, *upper, *work, *hostname, *cwd, *user;
	char *oom, *netns, *log, *attach, *exit_file, *pidfile, *shimpid;
	struct strv lower, mask, readonly, env, args, cgroups, cleanup;
	struct mount_rec *mounts;
	size_t nmounts;
	struct rlimit_rec *rlimits;
	size_t nrlimits;
	bool readonly_rootfs, volatile_upper, tty, stdin_open, no_new_privileges, seccomp, privileged, init, wait_attach;
	bool has_caps;
	uint64_t caps;
	enum net_mode network;
	pid_t pid;
};

int conf_load(const char *path, enum shim_mode mode, struct conf *conf);
void strv_push(struct strv *sv, char *s);
/* The value of NAME in an environment list ("NAME=value"), or NULL. */
const char *env_get(const struct strv *env, const char *name);

/* ---- user.c: users, groups, rlimits ---- */

struct user {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	char *home;
};

/* Resolves SPEC in the current root's /etc/passwd and /etc/group. */
int user_resolve(const char *spec, struct user *user);
int user_switch(const struct user *user);
int rlimits_apply(const struct rlimit_rec *limits, size_t n);
int rlimit_by_name(const char *name);

/* ---- caps.c ---- */

int caps_drop_bounding(uint64_t mask);
/* Sets effective, permitted and inheritable to `mask` (root) or to nothing (another user). */
int caps_set(uint64_t mask, bool root);

/* ---- seccomp.c ---- */

/* The default deny-list, adjusted for the capabilities the container keeps. */
int seccomp_install(uint64_t caps);

/* ---- process.c: what both modes do between "inside the container" and execve ---- */

struct process {
	char **argv;
	struct strv *env;
	const char *cwd;
	const char *user;
	bool create_cwd;
	bool has_caps;
	uint64_t caps;
	bool no_new_privileges;
	bool seccomp;
	int tty_fd; /* fchown'ed to the user when >= 0 */
	/* filled by process_prepare */
	char *path;
};

/*
 * Resolves the user, sets up the working directory, drops privileges and finds argv[0] in
 * PATH: everything but the execve, so the caller can still report failures.
 */
int process_prepare(struct process *proc);
/* execve; on failure prints "berth: ..." on stderr and exits 126 or 127. */
void process_exec(const struct process *proc) __attribute__((noreturn));

/* ---- signals.c: forwarding and reaping for `init 1` and exec mode ---- */

/* Blocks the signals a supervisor forwards (and SIGCHLD); keeps the old mask in `old`. */
void signals_block_forwarded(sigset_t *old);
/* Restores default dispositions and the mask for a process about to exec. */
void signals_reset(const sigset_t *mask);
/* Forwards signals to `child` and reaps every child until `child` exits; its status as 0-255. */
int signals_forward_until_exit(pid_t child);
int status_to_code(int status);

/* ---- mounts.c ---- */

/* The root and the default mounts; returns the root as an O_PATH descriptor for rootfs_finish. */
int rootfs_setup(const struct conf *conf);
/* The cgroup filesystems (seen from the container's cgroup namespace) and the conf's mounts. */
int rootfs_finish(const struct conf *conf, int rootfd);
int pivot_to(const char *rootfs);
int mask_paths(const struct conf *conf);
int readonly_paths(const struct conf *conf);
int remount_root_readonly(void);

/* ---- overlay.c ---- */

int overlay_mount(const struct conf *conf);

/* ---- devices.c ---- */

int dev_populate(int rootfd, bool privileged);
/* Opens a pty in the container's devpts; binds its slave on /dev/console. */
int dev_open_console(int *master, int *slave);

/* ---- container.c / exec.c: the two modes ---- */

int run_main(struct conf *conf, int report_fd);
int exec_main(struct conf *conf);

/* ---- io.c: the supervisor after "ok" ---- */

struct supervisor_fds {
	pid_t child;
	int sync_fd;  /* tells the container to exec ("go") */
	int out_fd;   /* pty master or stdout pipe */
	int err_fd;   /* stderr pipe or -1 */
	int in_fd;    /* stdin pipe, the pty master, or -1 */
	int listen_fd;
	int log_fd;
};

int supervise(const struct conf *conf, struct supervisor_fds *fds);

#endif

/*
 * Run mode: clone the container's first process into new namespaces, let it build its
 * filesystem and drop its privileges, report "ok PID" or "err CODE MESSAGE" on fd 3, then
 * hand over to the supervisor (io.c).
 *
 *   shim                                   container (pid 1 in its pid namespace)
 *   clone(NEWPID|NEWNS|NEWUTS|NEWIPC[|NEWNET]) ─▶ join netns; the root and default mounts
 *   move it into its cgroups, 'C' ──▶      unshare(NEWCGROUP), cgroup and conf mounts,
 *                                          pivot_root, pty, masks, hostname, rlimits,
 *                          ◀── 'M' master  user, caps, seccomp, PATH lookup
 *                          ◀── 'R' ready   (or 'E' code text, then exit)
 *   pidfile, socket, "ok PID"
 *   (first attach client if wait_attach)
 *                          ──▶ 'G'         execve (init 1: fork, exec in the child, reap)
 */
#include "shim.h"
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Descriptors made before clone: the parent's ends and the child's. */
struct plumbing {
	int sync[2];          /* [0] shim, [1] container */
	int out[2], err[2], in[2];
	int report_fd;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- in the container ---- */

static int bring_up_loopback(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail_errno(EXIT_RUNTIME, "cannot open a socket to set up `lo`");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	int ret = 0;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot read the flags of `lo`");
	ifr.ifr_flags |= IFF_UP;
	if (ret == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		ret = fail_errno(EXIT_RUNTIME, "cannot bring up `lo`");
	close(s);
	return ret;
}

static int join_network(const struct conf *c)
{
	if (c->netns) {
		int fd = open(c->netns, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail_errno(EXIT_RUNTIME, "cannot open network namespace `%s`", c->netns);
		int r = setns(fd, CLONE_NEWNET);
		close(fd);
		if (r < 0)
			return fail_errno(EXIT_RUNTIME, "cannot join network namespace `%s`", c->netns);
		return 0;
	}
	return c->network == NET_NONE ? bring_up_loopback() : 0;
}

/*
 * The shim moves the container into its cgroups while the root is being built (place_in_cgroups);
 * unsharing after that makes the container's cgroup its namespace's root.
 */
static int enter_cgroup_namespace(int sync)
{
	struct sync_msg msg;
	int fd;
	if (sync_recv(sync, &msg, &fd) != SYNC_CGROUPS)
		return fail(EXIT_RUNTIME, "the shim did not place the container in its cgroups");
	if (unshare(CLONE_NEWCGROUP) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot create a cgroup namespace");
	return 0;
}

static int redirect(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	if (dup2(fd, target) < 0)
		return -1;
	close(fd);
	return 0;
}

static int pipes_as_stdio(struct plumbing *p)
{
	int in = p->in[0];
	if (in < 0)
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0 || redirect(in, 0) < 0 || redirect(p->out[1], 1) < 0 || redirect(p->err[1], 2) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot set up stdio");
	p->in[0] = p->out[1] = p->err[1] = -1;
	return 0;
}

/* The pty's slave becomes stdio and the controlling terminal; the master goes to the shim. */
static int console_as_stdio(int sync, int *tty)
{
	int master, slave;
	if (dev_open_console(&master, &slave) < 0)
		return -1;
	int r = sync_send(sync, SYNC_MASTER, master);
	close(master);
	if (r < 0)
		return fail_errno(EXIT_RUNTIME, "cannot pass the pty to the shim");
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot set up the terminal as stdio");
	close(slave);
	if (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot make the pty the controlling terminal");
	*tty = 0;
	return 0;
}

static int setup_container(struct conf *c, struct plumbing *p, struct process *proc)
{
	if (!c->tty && pipes_as_stdio(p) < 0)
		return -1;
	if (join_network(c) < 0)
		return -1;
	int rootfd = rootfs_setup(c);
	if (rootfd < 0)
		return -1;
	if (enter_cgroup_namespace(p->sync[1]) < 0) {
		close(rootfd);
		return -1;
	}
	if (rootfs_finish(c, rootfd) < 0 || pivot_to(c->rootfs) < 0)
		return -1;
	if (c->tty && console_as_stdio(p->sync[1], &proc->tty_fd) < 0)
		return -1;
	if (mask_paths(c) < 0 || readonly_paths(c) < 0)
		return -1;
	if (c->readonly_rootfs && remount_root_readonly() < 0)
		return -1;
	if (c->hostname && c->hostname[0] && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot set hostname `%s`", c->hostname);
	if (rlimits_apply(c->rlimits, c->nrlimits) < 0)
		return -1;
	return process_prepare(proc);
}

static void wait_for_go(int sync)
{
	struct sync_msg msg;
	int fd;
	if (sync_recv(sync, &msg, &fd) != SYNC_GO)
		_exit(EXIT_RUNTIME);
}

/* `init 1`: pid 1 stays, forks the command, forwards signals to it and reaps every orphan. */
static void run_init(const struct process *proc, bool tty)
{
	sigset_t old;
	signals_block_forwarded(&old);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "berth: cannot fork: %s\n", strerror(errno));
		_exit(EXIT_RUNTIME);
	}
	if (pid == 0) {
		/* Its own process group, in the foreground, so ^C reaches it and not pid 1. */
		setpgid(0, 0);
		if (tty)
			tcsetpgrp(0, getpid());
		signals_reset(&old);
		process_exec(proc);
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		close(null);
	}
	_exit(signals_forward_until_exit(pid));
}

static void container_main(struct conf *c, struct plumbing *p)
{
	signals_reset(NULL);
	umask(0);
	close_fd(&p->sync[0]);
	close_fd(&p->out[0]);
	close_fd(&p->err[0]);
	close_fd(&p->in[1]);
	close_fd(&p->report_fd);

	struct process proc = {
		.argv = c->args.v, .env = &c->env, .cwd = c->cwd, .user = c->user, .create_cwd = true,
		.has_caps = c->has_caps, .caps = c->caps, .no_new_privileges = c->no_new_privileges,
		.seccomp = c->seccomp && !c->privileged, .tty_fd = -1,
	};
	if (setup_container(c, p, &proc) < 0) {
		sync_send_error(p->sync[1]);
		_exit(EXIT_RUNTIME);
	}
	if (sync_send(p->sync[1], SYNC_READY, -1) < 0)
		_exit(EXIT_RUNTIME);
	wait_for_go(p->sync[1]);
	if (c->init)
		run_init(&proc, c->tty);
	process_exec(&proc);
}

/* ---- in the shim ---- */

static int make_pipes(const struct conf *c, struct plumbing *p)
{
	p->out[0] = p->out[1] = p->err[0] = p->err[1] = p->in[0] = p->in[1] = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p->sync) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot create a socketpair");
	if (c->tty)
		return 0;
	if (pipe2(p->out, O_CLOEXEC) < 0 || pipe2(p->err, O_CLOEXEC) < 0 ||
	    (c->stdin_open && pipe2(p->in, O_CLOEXEC) < 0))
		return fail_errno(EXIT_RUNTIME, "cannot create pipes");
	return 0;
}

static void report(int fd, const char *line)
{
	if (fd >= 0) {
		write_all(fd, line, strlen(line));
		close(fd);
	}
}

static void report_error(int fd)
{
	char line[sizeof shim_error.msg + 32];
	/* One line, whatever a path in the message holds. */
	for (char *s = shim_error.msg; *s; s++)
		if (*s == '\n')
			*s = ' ';
	snprintf(line, sizeof line, "err %d %s\n", shim_error.code ? shim_error.code : EXIT_RUNTIME, shim_error.msg);
	report(fd, line);
}

static void kill_container(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * Moving a process into a cgroup waits for an RCU grace period, ~10 ms: the shim does it while
 * the container mounts its root, then lets it go on ('C'). The cgroup2 one, if any, the
 * container was born in already (clone_container).
 */
static int place_in_cgroups(const struct conf *c, pid_t pid, int sync, const char *born_in)
{
	char text[16];
	int len = snprintf(text, sizeof text, "%d", (int) pid);
	for (size_t i = 0; i < c->cgroups.n; i++) {
		if (c->cgroups.v[i] == born_in)
			continue;
		int fd = cgroup_procs_open(c->cgroups.v[i]);
		if (fd < 0)
			return -1;
		bool joined = write(fd, text, len) == len;
		if (!joined)
			fail_errno(EXIT_RUNTIME, "cannot join cgroup `%s`", c->cgroups.v[i]);
		close(fd);
		if (!joined)
			return -1;
	}
	/* Unsent only to a container that has failed already: it said why, for wait_ready to read. */
	sync_send(sync, SYNC_CGROUPS, -1);
	return 0;
}

/* Waits for 'R'; keeps the pty master if one comes first. */
static int wait_ready(pid_t pid, int sync, int *master)
{
	for (;;) {
		struct sync_msg msg;
		int fd;
		int type = sync_recv(sync, &msg, &fd);
		if (type == SYNC_MASTER && fd >= 0) {
			*master = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (type == SYNC_READY)
			return 0;
		if (type == SYNC_ERROR)
			return fail(msg.code ? msg.code : EXIT_RUNTIME, "%s", msg.text);
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return fail(EXIT_RUNTIME, "container process exited during setup with status `%d`", status_to_code(status));
		return fail(EXIT_RUNTIME, "container process exited during setup");
	}
}

static int write_pid(const char *file, pid_t pid)
{
	if (!file)
		return 0;
	char text[32];
	snprintf(text, sizeof text, "%d", (int) pid);
	return write_file_atomic(file, text);
}

/*
 * sun_path holds 107 bytes; a longer path is reached through the directory's descriptor
 * (/proc/self/fd/N/NAME), as conmon does, so a deep BERTH_RUN still works.
 */
static int bind_path(int fd, const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) < sizeof addr.sun_path) {
		strcpy(addr.sun_path, path);
		return bind(fd, (struct sockaddr *) &addr, sizeof addr);
	}
	const char *slash = strrchr(path, '/');
	char *dir = strndup(path, slash > path ? (size_t) (slash - path) : 1);
	int dirfd = dir ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	free(dir);
	if (dirfd < 0)
		return -1;
	int n = snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, slash + 1);
	int ret = -1;
	if (n > 0 && (size_t) n < sizeof addr.sun_path)
		ret = bind(fd, (struct sockaddr *) &addr, sizeof addr);
	else
		errno = ENAMETOOLONG;
	int err = errno;
	close(dirfd);
	errno = err;
	return ret;
}

static int listen_attach(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail_errno(EXIT_RUNTIME, "cannot create socket `%s`", path);
	unlink(path);
	if (bind_path(fd, path) < 0 || chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
		fail_errno(EXIT_RUNTIME, "cannot listen on `%s`", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* What the supervisor needs, made once the container is ready; undone on failure. */
static int prepare_supervisor(const struct conf *c, struct supervisor_fds *s)
{
	if (write_pid(c->pidfile, s->child) < 0 || write_pid(c->shimpid, getpid()) < 0)
		return -1;
	if (c->log) {
		s->log_fd = open(c->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (s->log_fd < 0)
			return fail_errno(EXIT_RUNTIME, "cannot open log `%s`", c->log);
	}
	if (c->attach && (s->listen_fd = listen_attach(c->attach)) < 0)
		return -1;
	return 0;
}

static void undo_supervisor(const struct conf *c, struct supervisor_fds *s)
{
	if (s->listen_fd >= 0)
		unlink(c->attach);
	if (c->pidfile)
		unlink(c->pidfile);
	if (c->shimpid)
		unlink(c->shimpid);
}

/* Until "ok": the container is ready, the pty (if any) is here, the files and socket exist. */
static int await_container(const struct conf *c, struct supervisor_fds *s)
{
	int master = -1;
	if (wait_ready(s->child, s->sync_fd, &master) < 0)
		return -1;
	if (c->tty) {
		if (master < 0)
			return fail(EXIT_RUNTIME, "container process sent no pty");
		s->out_fd = master;
		s->in_fd = c->stdin_open ? master : -1;
	}
	return prepare_supervisor(c, s);
}

/* The cgroup2 directory among the container's cgroups, or NULL: a v2 host has one, a v1 host none. */
static const char *cgroup2_dir(const struct conf *c)
{
	for (size_t i = 0; i < c->cgroups.n; i++) {
		struct statfs sfs;
		if (statfs(c->cgroups.v[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
			return c->cgroups.v[i];
	}
	return NULL;
}

/*
 * Without CLONE_VM, clone is a fork into new namespaces: no separate stack needed. On cgroup v2
 * the container is cloned straight into its cgroup (CLONE_INTO_CGROUP, Linux 5.7), which spares
 * the move's grace period; *born_in says which directory that was. Older kernels get a move.
 */
static pid_t clone_container(const struct conf *c, int flags, const char **born_in)
{
	*born_in = NULL;
	const char *dir = cgroup2_dir(c);
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		struct clone_args args = {
			.flags = (uint64_t) flags | CLONE_INTO_CGROUP,
			.exit_signal = SIGCHLD,
			.cgroup = (uint64_t) fd,
		};
		pid_t pid = syscall(SYS_clone3, &args, sizeof args);
		int err = errno;
		close(fd);
		if (pid > 0)
			*born_in = dir;
		if (pid >= 0 || (err != ENOSYS && err != E2BIG && err != EINVAL))
			return pid;
	}
	return syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

int run_main(struct conf *c, int report_fd)
{
	struct plumbing p = {.report_fd = report_fd};
	/* The shim outlives its engine and its terminal: their signals are not for it. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	if (make_pipes(c, &p) < 0) {
		report_error(report_fd);
		return 1;
	}
	int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
	if (!c->netns && c->network == NET_NONE)
		flags |= CLONE_NEWNET;
	const char *born_in;
	pid_t pid = clone_container(c, flags, &born_in);
	if (pid < 0) {
		fail_errno(EXIT_RUNTIME, "cannot clone the container process");
		report_error(report_fd);
		return 1;
	}
	if (pid == 0)
		container_main(c, &p);

	close_fd(&p.sync[1]);
	close_fd(&p.out[1]);
	close_fd(&p.err[1]);
	close_fd(&p.in[0]);
	struct supervisor_fds s = {
		.child = pid, .sync_fd = p.sync[0], .out_fd = p.out[0], .err_fd = p.err[0], .in_fd = p.in[1],
		.listen_fd = -1, .log_fd = -1,
	};
	if (place_in_cgroups(c, pid, s.sync_fd, born_in) < 0 || await_container(c, &s) < 0) {
		kill_container(pid);
		undo_supervisor(c, &s);
		report_error(report_fd);
		return 1;
	}
	char line[32];
	snprintf(line, sizeof line, "ok %d\n", (int) pid);
	report(report_fd, line);
	return supervise(c, &s);
}

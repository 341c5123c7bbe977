/*
 * Exec mode: one more process in a running container, on the caller's own stdio. The shim
 * opens every namespace of the container's pid 1 first (its /proc entry may vanish), enters
 * the pid namespace so that its child is born inside, forks, and the child joins the cgroups
 * and the other namespaces before it becomes the command. The shim stays outside, forwarding
 * signals, and exits with the command's status.
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* The order the child joins them: mnt last, as it changes the root every later path needs. */
static const struct {
	const char *name;
	int type;
} namespaces[] = {
	{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET},
	{"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS},
};

#define NNS (sizeof namespaces / sizeof namespaces[0])

struct handles {
	int pid_ns;
	int ns[NNS];
	int *procs; /* cgroup.procs of each cgroup */
	size_t nprocs;
};

static int open_ns(pid_t pid, const char *name)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/%s", (int) pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(EXIT_RUNTIME, "cannot open `%s`", path);
	return fd;
}

static int open_handles(const struct conf *c, struct handles *h)
{
	h->procs = xmalloc((c->cgroups.n + 1) * sizeof *h->procs);
	h->nprocs = 0;
	for (size_t i = 0; i < c->cgroups.n; i++) {
		int fd = cgroup_procs_open(c->cgroups.v[i]);
		if (fd < 0)
			return -1;
		h->procs[h->nprocs++] = fd;
	}
	if ((h->pid_ns = open_ns(c->pid, "pid")) < 0)
		return -1;
	for (size_t i = 0; i < NNS; i++)
		if ((h->ns[i] = open_ns(c->pid, namespaces[i].name)) < 0)
			return -1;
	return 0;
}

static int enter(const struct conf *c, const struct handles *h)
{
	/* Before the cgroup namespace: a process may only move within the cgroups it sees. */
	for (size_t i = 0; i < h->nprocs; i++)
		if (write(h->procs[i], "0", 1) != 1)
			return fail_errno(EXIT_RUNTIME, "cannot join cgroup `%s`", c->cgroups.v[i]);
	for (size_t i = 0; i < NNS; i++)
		if (setns(h->ns[i], namespaces[i].type) < 0)
			return fail_errno(EXIT_RUNTIME, "cannot join the %s namespace of pid `%d`", namespaces[i].name, (int) c->pid);
	return 0;
}

/*
 * `tty 1`: the command gets the caller's terminal as a job gets it from a shell. When the
 * terminal is the caller's controlling terminal, the command becomes its foreground process
 * group (^C and resizes reach the command, not the shim); a terminal that is nobody's yet
 * (a pty the engine opened for it) becomes the command's own controlling terminal.
 * Runs while every signal is still blocked, so tcsetpgrp from the background cannot stop it.
 */
static void take_terminal(void)
{
	if (tcgetsid(0) == getsid(0)) {
		setpgid(0, 0);
		tcsetpgrp(0, getpid());
	} else if (setsid() >= 0) {
		ioctl(0, TIOCSCTTY, 0);
	}
}

static void child(struct conf *c, const struct handles *h, const sigset_t *mask)
{
	if (c->tty)
		take_terminal();
	signals_reset(mask);
	struct process proc = {
		.argv = c->args.v, .env = &c->env, .cwd = c->cwd, .user = c->user,
		.has_caps = c->has_caps, .caps = c->caps, .no_new_privileges = c->no_new_privileges,
		.seccomp = c->seccomp, .tty_fd = -1,
	};
	int ret = enter(c, h);
	if (ret == 0)
		ret = process_prepare(&proc);
	if (ret < 0) {
		fprintf(stderr, "berth: %s\n", shim_error.msg);
		_exit(shim_error.code ? shim_error.code : EXIT_RUNTIME);
	}
	process_exec(&proc);
}

int exec_main(struct conf *c)
{
	struct handles h = {0};
	if (open_handles(c, &h) < 0)
		return -1;
	if (setns(h.pid_ns, CLONE_NEWPID) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot join the pid namespace of pid `%d`", (int) c->pid);
	sigset_t old;
	signals_block_forwarded(&old);
	pid_t pid = fork();
	if (pid < 0)
		return fail_errno(EXIT_RUNTIME, "cannot fork");
	if (pid == 0)
		child(c, &h, &old);
	/* Whoever runs first, the command's group exists before the terminal is handed to it. */
	bool job = c->tty && tcgetsid(0) == getsid(0);
	if (job)
		setpgid(pid, pid);
	close(h.pid_ns);
	for (size_t i = 0; i < NNS; i++)
		close(h.ns[i]);
	for (size_t i = 0; i < h.nprocs; i++)
		close(h.procs[i]);
	int code = signals_forward_until_exit(pid);
	/* The terminal back to the caller's group, as a shell takes it back from a finished job. */
	if (job)
		tcsetpgrp(0, getpgrp());
	return code;
}

/*
 * The supervisor: after "ok", the shim copies the container's output to the log and to attach
 * clients, their input to the container, and waits for pid 1. One poll loop, no threads.
 * At exit it drains the output, writes the exit file, says EXIT to the clients, removes the
 * socket and runs the cleanup command.
 */
#include "shim.h"
#include "attach.h"
#include "log.h"
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Replayed to a client attaching to a tty, so it sees the screen. */
#define REPLAY_SIZE 8192
/* After pid 1 exits, output still pending is read until this long a silence. */
#define DRAIN_MS 2000

struct sup {
	const struct conf *conf;
	struct supervisor_fds *fds;
	struct log log;
	struct attach attach;
	int sigfd;
	bool go_sent, exited;
	int status;
	struct timespec finished;
	/* tty output for late clients */
	char *ring;
	size_t ring_len, ring_head;
	/* input the container has not taken yet, from the client that owns stdin */
	char *pending;
	size_t pending_len, pending_cap;
	int stdin_owner;
	bool stdin_eof;
};

static void send_go(struct sup *s)
{
	if (s->go_sent)
		return;
	s->go_sent = true;
	sync_send(s->fds->sync_fd, SYNC_GO, -1);
	close(s->fds->sync_fd);
	s->fds->sync_fd = -1;
}

/* ---- container input ---- */

static void close_stdin(struct sup *s)
{
	struct supervisor_fds *f = s->fds;
	/* The pty master is also the output: only a pipe is closed. */
	if (f->in_fd >= 0 && f->in_fd != f->out_fd)
		close(f->in_fd);
	f->in_fd = -1;
	s->pending_len = 0;
}

static void stdin_flush(struct sup *s)
{
	size_t done = 0;
	while (s->fds->in_fd >= 0 && done < s->pending_len) {
		ssize_t n = write(s->fds->in_fd, s->pending + done, s->pending_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			/* The container closed its stdin (EPIPE) or the pty is gone (EIO). */
			close_stdin(s);
			return;
		}
		done += n;
	}
	memmove(s->pending, s->pending + done, s->pending_len - done);
	s->pending_len -= done;
	if (s->pending_len == 0 && s->stdin_eof)
		close_stdin(s);
}

static void on_stdin(void *ctx, int client, const char *data, size_t len)
{
	struct sup *s = ctx;
	if (!s->conf->stdin_open || s->fds->in_fd < 0 || s->stdin_eof)
		return;
	if (s->stdin_owner < 0)
		s->stdin_owner = client;
	if (s->stdin_owner != client)
		return;
	if (s->pending_len + len > s->pending_cap) {
		s->pending_cap = s->pending_len + len;
		s->pending = xrealloc(s->pending, s->pending_cap);
	}
	memcpy(s->pending + s->pending_len, data, len);
	s->pending_len += len;
	stdin_flush(s);
}

static void on_eof(void *ctx, int client)
{
	struct sup *s = ctx;
	if (s->conf->tty || (s->stdin_owner >= 0 && s->stdin_owner != client))
		return;
	s->stdin_eof = true;
	stdin_flush(s);
	if (s->pending_len == 0)
		close_stdin(s);
}

static void on_resize(void *ctx, unsigned rows, unsigned cols)
{
	struct sup *s = ctx;
	if (!s->conf->tty || s->fds->out_fd < 0)
		return;
	struct winsize ws = {.ws_row = rows, .ws_col = cols};
	ioctl(s->fds->out_fd, TIOCSWINSZ, &ws);
}

/* The owner's input is read only once what it sent before is in the container. */
static bool client_readable(void *ctx, int client)
{
	struct sup *s = ctx;
	return !(client == s->stdin_owner && s->pending_len > 0);
}

static void on_closed(void *ctx, int client)
{
	struct sup *s = ctx;
	if (s->stdin_owner == client)
		s->stdin_owner = -1;
}

static const struct attach_ops ops = {on_stdin, on_eof, on_resize, client_readable, on_closed};

/* ---- container output ---- */

static void ring_add(struct sup *s, const char *data, size_t len)
{
	if (!s->ring)
		s->ring = xmalloc(REPLAY_SIZE);
	if (len > REPLAY_SIZE) {
		data += len - REPLAY_SIZE;
		len = REPLAY_SIZE;
	}
	for (size_t i = 0; i < len; i++) {
		s->ring[s->ring_head] = data[i];
		s->ring_head = (s->ring_head + 1) % REPLAY_SIZE;
	}
	s->ring_len = s->ring_len + len > REPLAY_SIZE ? REPLAY_SIZE : s->ring_len + len;
}

static void replay(struct sup *s, struct client *c)
{
	if (!s->ring_len)
		return;
	size_t start = (s->ring_head + REPLAY_SIZE - s->ring_len) % REPLAY_SIZE;
	size_t first = start + s->ring_len <= REPLAY_SIZE ? s->ring_len : REPLAY_SIZE - start;
	attach_send(c, FRAME_STDOUT, s->ring + start, first);
	if (first < s->ring_len)
		attach_send(c, FRAME_STDOUT, s->ring, s->ring_len - first);
}

/* Reads once from a stream; false at its end. */
static bool read_output(struct sup *s, int fd, int stream)
{
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	/* A pty master answers EIO once no process holds the slave. */
	if (n <= 0)
		return false;
	log_write(&s->log, stream, buf, n);
	if (s->conf->tty)
		ring_add(s, buf, n);
	attach_broadcast(&s->attach, stream ? FRAME_STDERR : FRAME_STDOUT, buf, n);
	return true;
}

static void close_output(struct sup *s, int *fd)
{
	if (s->fds->in_fd == *fd)
		s->fds->in_fd = -1;
	close(*fd);
	*fd = -1;
}

/* ---- the loop ---- */

static void on_signal(struct sup *s)
{
	struct signalfd_siginfo si;
	while (read(s->sigfd, &si, sizeof si) == sizeof si)
		;
	int status;
	if (!s->exited && waitpid(s->fds->child, &status, WNOHANG) == s->fds->child) {
		s->exited = true;
		s->status = status;
		clock_gettime(CLOCK_REALTIME, &s->finished);
	}
}

static void on_connect(struct sup *s)
{
	int i;
	while ((i = attach_accept(&s->attach)) >= 0) {
		if (s->conf->tty)
			replay(s, &s->attach.clients[i]);
		/* wait_attach: the first client is here, so no output can be lost any more. */
		send_go(s);
	}
}

enum { P_SIG, P_OUT, P_ERR, P_IN, P_LISTEN, P_CLIENTS };

static size_t build_poll(struct sup *s, struct pollfd **pfds, size_t *cap)
{
	size_t n = P_CLIENTS + s->attach.n;
	if (n > *cap) {
		*pfds = xrealloc(*pfds, n * sizeof **pfds);
		*cap = n;
	}
	struct pollfd *p = *pfds;
	struct supervisor_fds *f = s->fds;
	p[P_SIG] = (struct pollfd) {s->sigfd, POLLIN, 0};
	p[P_OUT] = (struct pollfd) {f->out_fd, POLLIN, 0};
	p[P_ERR] = (struct pollfd) {f->err_fd, POLLIN, 0};
	p[P_IN] = (struct pollfd) {s->pending_len && f->in_fd != f->out_fd ? f->in_fd : -1, POLLOUT, 0};
	/* On a tty, the master takes input and gives output: one entry, both events. */
	if (s->pending_len && f->in_fd >= 0 && f->in_fd == f->out_fd)
		p[P_OUT].events |= POLLOUT;
	p[P_LISTEN] = (struct pollfd) {f->listen_fd, POLLIN, 0};
	for (size_t i = 0; i < s->attach.n; i++) {
		struct client *c = &s->attach.clients[i];
		short ev = (ops.readable(s, c->fd) ? POLLIN : 0) | (c->out_len ? POLLOUT : 0);
		p[P_CLIENTS + i] = (struct pollfd) {c->fd, ev, 0};
	}
	return n;
}

static void handle_clients(struct sup *s, struct pollfd *p, size_t nclients)
{
	for (size_t i = 0; i < nclients && i < s->attach.n; i++) {
		struct client *c = &s->attach.clients[i];
		if (p[i].revents & POLLOUT)
			attach_flush(c);
		if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
			attach_read(&s->attach, c);
	}
	attach_reap(&s->attach);
}

static void handle_streams(struct sup *s, struct pollfd *p)
{
	struct supervisor_fds *f = s->fds;
	if ((p[P_OUT].revents & POLLOUT) || (p[P_IN].revents & (POLLOUT | POLLERR | POLLHUP)))
		stdin_flush(s);
	if (f->out_fd >= 0 && (p[P_OUT].revents & (POLLIN | POLLHUP | POLLERR)) && !read_output(s, f->out_fd, 0))
		close_output(s, &f->out_fd);
	if (f->err_fd >= 0 && (p[P_ERR].revents & (POLLIN | POLLHUP | POLLERR)) && !read_output(s, f->err_fd, 1))
		close_output(s, &f->err_fd);
}

static int loop(struct sup *s)
{
	struct pollfd *pfds = NULL;
	size_t cap = 0;
	for (;;) {
		struct supervisor_fds *f = s->fds;
		if (s->exited && f->out_fd < 0 && f->err_fd < 0)
			break;
		size_t n = build_poll(s, &pfds, &cap);
		int r = poll(pfds, n, s->exited ? DRAIN_MS : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail_errno(EXIT_RUNTIME, "poll failed");
		if (r == 0)
			break;
		if (pfds[P_SIG].revents & POLLIN)
			on_signal(s);
		handle_streams(s, pfds);
		if (pfds[P_LISTEN].revents & POLLIN)
			on_connect(s);
		handle_clients(s, pfds + P_CLIENTS, n - P_CLIENTS);
	}
	free(pfds);
	return 0;
}

/* ---- the end ---- */

static int oom_killed(const char *file)
{
	if (!file)
		return 0;
	char buf[4096];
	if (read_file(file, buf, sizeof buf) <= 0)
		return 0;
	for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (strncmp(line, "oom_kill ", 9) == 0)
			return strtoull(line + 9, NULL, 10) > 0;
	return 0;
}

static void write_exit(const struct sup *s, int code)
{
	if (!s->conf->exit_file)
		return;
	char text[64];
	unsigned long long ns = (unsigned long long) s->finished.tv_sec * 1000000000ULL + s->finished.tv_nsec;
	snprintf(text, sizeof text, "%d %d %llu\n", code, oom_killed(s->conf->oom), ns);
	write_file_atomic(s->conf->exit_file, text);
}

static void run_cleanup(const struct conf *c)
{
	if (!c->cleanup.n)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		signals_reset(NULL);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0), dup2(null, 1), dup2(null, 2);
		}
		set_cloexec_from(3);
		execvp(c->cleanup.v[0], c->cleanup.v);
		_exit(EXIT_NOT_FOUND);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}

static int open_signalfd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int supervise(const struct conf *c, struct supervisor_fds *f)
{
	struct sup s = {.conf = c, .fds = f, .stdin_owner = -1};
	log_init(&s.log, f->log_fd);
	s.attach = (struct attach) {.listen_fd = f->listen_fd, .ops = &ops, .ctx = &s};
	s.sigfd = open_signalfd();
	if (s.sigfd < 0)
		return fail_errno(EXIT_RUNTIME, "cannot create a signalfd");
	/* poll says when; a read or write must never block the other streams. */
	int streams[] = {f->out_fd, f->err_fd, f->in_fd};
	for (size_t i = 0; i < 3; i++)
		if (streams[i] >= 0)
			set_nonblock(streams[i], true);
	if (!c->wait_attach || f->listen_fd < 0)
		send_go(&s);
	/* SIGCHLD may have come before the signalfd existed: look once. */
	on_signal(&s);

	loop(&s);

	log_flush(&s.log);
	if (f->log_fd >= 0)
		close(f->log_fd);
	if (!s.exited) {
		/* The loop failed: still report how the container ends. */
		kill(f->child, SIGKILL);
		waitpid(f->child, &s.status, 0);
		clock_gettime(CLOCK_REALTIME, &s.finished);
	}
	int code = status_to_code(s.status);
	write_exit(&s, code);
	attach_finish(&s.attach, code);
	if (f->listen_fd >= 0) {
		close(f->listen_fd);
		unlink(c->attach);
	}
	if (!s.attach.cleaned)
		run_cleanup(c);
	return 0;
}

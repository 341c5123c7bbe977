/* Attach clients: framing, queues, fan-out (attach.h). */
#include "attach.h"
#include "shim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A client this far behind is not reading: drop it rather than grow without bound. */
#define CLIENT_MAX_QUEUE (4u << 20)

int attach_accept(struct attach *a)
{
	int fd = accept4(a->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	a->clients = xrealloc(a->clients, (a->n + 1) * sizeof *a->clients);
	struct client *c = &a->clients[a->n];
	memset(c, 0, sizeof *c);
	c->fd = fd;
	return (int) a->n++;
}

static void queue(struct client *c, const void *data, size_t len)
{
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + len)
			cap *= 2;
		c->out = xrealloc(c->out, cap);
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
}

void attach_flush(struct client *c)
{
	size_t done = 0;
	while (!c->dead && done < c->out_len) {
		ssize_t n = send(c->fd, c->out + done, c->out_len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			c->dead = true;
		else
			done += n;
	}
	memmove(c->out, c->out + done, c->out_len - done);
	c->out_len -= done;
	/* Give back the memory a burst took. */
	if (c->out_len == 0 && c->out_cap > 65536) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
}

void attach_send(struct client *c, int type, const void *data, size_t len)
{
	if (c->dead)
		return;
	if (c->out_len + len + 5 > CLIENT_MAX_QUEUE) {
		c->dead = true;
		return;
	}
	uint8_t header[5] = {(uint8_t) type, (uint8_t) (len >> 24), (uint8_t) (len >> 16), (uint8_t) (len >> 8), (uint8_t) len};
	queue(c, header, sizeof header);
	queue(c, data, len);
	attach_flush(c);
}

void attach_broadcast(struct attach *a, int type, const void *data, size_t len)
{
	for (size_t i = 0; i < a->n; i++)
		attach_send(&a->clients[i], type, data, len);
}

static void frame_done(struct attach *a, struct client *c)
{
	uint8_t type = c->header[0];
	if (type == FRAME_CLEANED)
		a->cleaned = true;
	else if (a->finished)
		; /* the container is gone: input and resizes have nowhere to go */
	else if (type == FRAME_EOF)
		a->ops->stdin_eof(a->ctx, c->fd);
	else if (type == FRAME_RESIZE && c->payload_len == 4)
		a->ops->resize(a->ctx, (c->payload[0] << 8) | c->payload[1], (c->payload[2] << 8) | c->payload[3]);
	c->header_len = 0;
	c->payload_len = 0;
}

/* Feeds received bytes through the frame parser, whatever chunks they come in. */
static void parse(struct attach *a, struct client *c, const char *p, size_t len)
{
	while (len > 0) {
		if (c->header_len < 5) {
			c->header[c->header_len++] = (uint8_t) *p++;
			len--;
			if (c->header_len == 5) {
				c->remaining = (uint32_t) c->header[1] << 24 | (uint32_t) c->header[2] << 16 |
				               (uint32_t) c->header[3] << 8 | c->header[4];
				if (c->remaining == 0)
					frame_done(a, c);
			}
			continue;
		}
		size_t n = len < c->remaining ? len : c->remaining;
		if (c->header[0] == FRAME_STDIN && !a->finished) {
			a->ops->stdin_data(a->ctx, c->fd, p, n);
		} else if (c->header[0] == FRAME_RESIZE) {
			for (size_t i = 0; i < n && c->payload_len < sizeof c->payload; i++)
				c->payload[c->payload_len++] = (uint8_t) p[i];
		}
		p += n;
		len -= n;
		c->remaining -= n;
		if (c->remaining == 0)
			frame_done(a, c);
	}
}

void attach_read(struct attach *a, struct client *c)
{
	char buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof buf, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->dead = true;
		return;
	}
	parse(a, c, buf, n);
}

void attach_reap(struct attach *a)
{
	size_t kept = 0;
	for (size_t i = 0; i < a->n; i++) {
		struct client *c = &a->clients[i];
		if (!c->dead) {
			a->clients[kept++] = *c;
			continue;
		}
		a->ops->closed(a->ctx, c->fd);
		close(c->fd);
		free(c->out);
	}
	a->n = kept;
}

/* Reads what a client says after EXIT until it hangs up: it may answer CLEANED. */
static void drain(struct attach *a, struct client *c)
{
	char buf[512];
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		parse(a, c, buf, (size_t) n);
	}
}

void attach_finish(struct attach *a, int code)
{
	char text[16];
	int len = snprintf(text, sizeof text, "%d", code);
	a->finished = true;
	for (size_t i = 0; i < a->n; i++) {
		struct client *c = &a->clients[i];
		/*
		 * The end of the output and the exit code matter: wait up to 2 s for the reader, and
		 * up to 5 s for a client cleaning up to say so (on a busy machine that takes time).
		 */
		struct timeval send_wait = {2, 0}, answer_wait = {5, 0};
		set_nonblock(c->fd, false);
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &send_wait, sizeof send_wait);
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &answer_wait, sizeof answer_wait);
		attach_send(c, FRAME_EXIT, text, len);
		if (!c->dead)
			drain(a, c);
		c->dead = true;
	}
	attach_reap(a);
	free(a->clients);
	a->clients = NULL;
}

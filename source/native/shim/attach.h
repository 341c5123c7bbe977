/*
 * The attach socket's clients and their frames (protocol.h, ATTACH PROTOCOL). Output to a
 * client is queued and written as the socket takes it, so a slow client never stalls the
 * container; one that falls too far behind is dropped.
 */
#ifndef BERTH_ATTACH_H
#define BERTH_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct client {
	int fd;
	bool dead;
	/* the frame being read */
	uint8_t header[5];
	size_t header_len;
	uint32_t remaining;
	uint8_t payload[4]; /* RESIZE's payload */
	size_t payload_len;
	/* output not yet taken by the socket */
	char *out;
	size_t out_len, out_cap;
};

struct attach_ops {
	void (*stdin_data)(void *ctx, int client_fd, const char *data, size_t len);
	void (*stdin_eof)(void *ctx, int client_fd);
	void (*resize)(void *ctx, unsigned rows, unsigned cols);
	/* may this client's input be read now (false while its stdin waits on the container) */
	bool (*readable)(void *ctx, int client_fd);
	void (*closed)(void *ctx, int client_fd);
};

struct attach {
	int listen_fd;
	struct client *clients;
	size_t n;
	const struct attach_ops *ops;
	void *ctx;
	/* EXIT was sent; a client answered it with CLEANED: it ran the cleanup itself */
	bool finished, cleaned;
};

/* Accepts one pending connection; returns the new client's index or -1. */
int attach_accept(struct attach *a);
void attach_send(struct client *c, int type, const void *data, size_t len);
void attach_broadcast(struct attach *a, int type, const void *data, size_t len);
void attach_flush(struct client *c);
void attach_read(struct attach *a, struct client *c);
/* Closes and forgets dead clients. */
void attach_reap(struct attach *a);
/*
 * Sends EXIT with `code` to everyone (waiting a little for slow readers), reads their answers
 * until they hang up, and closes.
 */
void attach_finish(struct attach *a, int code);

#endif

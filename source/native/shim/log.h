/* The container's log in CRI format: "RFC3339Nano-UTC STREAM P|F TEXT\n" (protocol.h). */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <stddef.h>

/* A record is cut here: a longer line becomes P records ending with an F record. */
#define LOG_MAX_RECORD 16384

struct log_stream {
	const char *name;
	char *partial; /* bytes of an unfinished line, allocated on first use */
	size_t len;
};

struct log {
	int fd; /* -1: no log */
	struct log_stream streams[2]; /* stdout, stderr */
};

void log_init(struct log *log, int fd);
void log_write(struct log *log, int stream, const char *data, size_t len);
/* Writes unfinished lines as P records: output stopped mid-line. */
void log_flush(struct log *log);

#endif

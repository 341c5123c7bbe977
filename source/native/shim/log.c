/* CRI log records (log.h). */
#include "log.h"
#include "shim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

void log_init(struct log *log, int fd)
{
	memset(log, 0, sizeof *log);
	log->fd = fd;
	log->streams[0].name = "stdout";
	log->streams[1].name = "stderr";
}

/* 2026-11-27T19:38:16.123456789Z: always nine digits, so records sort as text. */
static size_t timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
	return n;
}

static void emit(struct log *log, struct log_stream *s, const char *text, size_t len, char tag)
{
	char prefix[64];
	size_t n = timestamp(prefix, sizeof prefix);
	n += snprintf(prefix + n, sizeof prefix - n, " %s %c ", s->name, tag);
	/* A terminal ends its lines with \r\n; the record keeps the line without either. */
	if (tag == 'F' && len > 0 && text[len - 1] == '\r')
		len--;
	struct iovec iov[3] = {{prefix, n}, {(void *) text, len}, {"\n", 1}};
	/* O_APPEND and one writev: a reader never sees half a record from this writer. */
	if (writev(log->fd, iov, 3) < 0) {
		/* A full disk loses log lines, never the container. */
	}
}

static void add_partial(struct log_stream *s, const char *data, size_t n)
{
	if (!s->partial)
		s->partial = xmalloc(LOG_MAX_RECORD);
	memcpy(s->partial + s->len, data, n);
	s->len += n;
}

void log_write(struct log *log, int stream, const char *data, size_t len)
{
	if (log->fd < 0)
		return;
	struct log_stream *s = &log->streams[stream];
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t seg = nl ? (size_t) (nl - data) : len;
		/* A whole line with nothing before it goes out without a copy. */
		if (nl && s->len == 0 && seg <= LOG_MAX_RECORD) {
			emit(log, s, data, seg, 'F');
		} else {
			size_t left = seg;
			while (left > 0) {
				size_t n = left < LOG_MAX_RECORD - s->len ? left : LOG_MAX_RECORD - s->len;
				add_partial(s, data + (seg - left), n);
				left -= n;
				/* Full: cut here, unless the newline that ends it is next. */
				if (s->len == LOG_MAX_RECORD && (left > 0 || !nl)) {
					emit(log, s, s->partial, s->len, 'P');
					s->len = 0;
				}
			}
			if (nl) {
				emit(log, s, s->partial ? s->partial : "", s->len, 'F');
				s->len = 0;
			}
		}
		data += seg + (nl ? 1 : 0);
		len -= seg + (nl ? 1 : 0);
	}
}

void log_flush(struct log *log)
{
	for (int i = 0; i < 2 && log->fd >= 0; i++) {
		struct log_stream *s = &log->streams[i];
		if (s->len > 0)
			emit(log, s, s->partial, s->len, 'P');
		s->len = 0;
		free(s->partial);
		s->partial = NULL;
	}
}

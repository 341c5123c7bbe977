/* The setup channel between the shim and the container's first process (sync.h). */
#include "sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static int send_msg(int sock, const struct sync_msg *msg, size_t len, int fd)
{
	struct iovec iov = {(void *) msg, len};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(&control, 0, sizeof control);
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof control.buf;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

int sync_send(int sock, char type, int fd)
{
	struct sync_msg msg = {.type = type};
	return send_msg(sock, &msg, offsetof(struct sync_msg, text) + 1, fd);
}

int sync_send_error(int sock)
{
	struct sync_msg msg = {.type = SYNC_ERROR, .code = shim_error.code ? shim_error.code : EXIT_RUNTIME};
	memcpy(msg.text, shim_error.msg, sizeof msg.text);
	msg.text[sizeof msg.text - 1] = '\0';
	return send_msg(sock, &msg, offsetof(struct sync_msg, text) + strlen(msg.text) + 1, -1);
}

int sync_recv(int sock, struct sync_msg *msg, int *fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = {msg, sizeof *msg};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
	memset(msg, 0, sizeof *msg);
	*fd = -1;
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return (int) n;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	msg->text[sizeof msg->text - 1] = '\0';
	return msg->type;
}

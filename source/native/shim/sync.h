/*
 * Messages between the shim and the container's first process during setup, over a
 * SOCK_SEQPACKET socketpair (one message per send, boundaries kept).
 *   child -> shim   'M' the pty master (SCM_RIGHTS), 'R' ready to exec, 'E' failed (code, text)
 *   shim -> child   'C' the child is in its cgroups, 'G' go: exec the command
 * The child exits at once if the shim goes away before 'G'.
 */
#ifndef BERTH_SYNC_H
#define BERTH_SYNC_H

#include "shim.h"

#define SYNC_MASTER 'M'
#define SYNC_READY 'R'
#define SYNC_ERROR 'E'
#define SYNC_GO 'G'
#define SYNC_CGROUPS 'C'

struct sync_msg {
	char type;
	int code;
	char text[sizeof shim_error.msg];
};

int sync_send(int sock, char type, int fd);
int sync_send_error(int sock);
/* Returns the message type, 0 at EOF, -1 on error; `fd` receives a passed descriptor or -1. */
int sync_recv(int sock, struct sync_msg *msg, int *fd);

#endif

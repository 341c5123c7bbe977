/*
 * berth-shim: creates and supervises one container (`run CONF`), or runs one more process in
 * a running container (`exec CONF`). protocol.h is the contract with the engine.
 */
#include "shim.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Descriptors 0-2 must be taken, or the first pipe would become someone's stdout. */
static void ensure_stdio(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
			_exit(EXIT_RUNTIME);
}

static int usage(void)
{
	fprintf(stderr, "usage: berth-shim run|exec CONF\n");
	return EXIT_RUNTIME;
}

static int run(const char *file)
{
	/* fd 3 is the engine's pipe for the one-line answer; nothing else may inherit it. */
	int report_fd = fcntl(3, F_GETFD) >= 0 ? 3 : -1;
	if (report_fd >= 0)
		fcntl(report_fd, F_SETFD, FD_CLOEXEC);
	struct conf conf;
	if (conf_load(file, MODE_RUN, &conf) < 0) {
		if (report_fd >= 0)
			dprintf(report_fd, "err %d %s\n", shim_error.code, shim_error.msg);
		return 1;
	}
	/* The shim outlives the engine: it must keep no directory busy. */
	if (chdir("/") < 0)
		return 1;
	return run_main(&conf, report_fd);
}

static int exec(const char *file)
{
	struct conf conf;
	int ret = conf_load(file, MODE_EXEC, &conf);
	unlink(file);
	if (ret == 0)
		ret = exec_main(&conf);
	if (ret < 0) {
		fprintf(stderr, "berth: %s\n", shim_error.msg);
		return shim_error.code ? shim_error.code : EXIT_RUNTIME;
	}
	return ret;
}

int main(int argc, char **argv)
{
	ensure_stdio();
	if (argc != 3)
		return usage();
	if (strcmp(argv[1], "run") == 0)
		return run(argv[2]);
	if (strcmp(argv[1], "exec") == 0)
		return exec(argv[2]);
	return usage();
}

/*
 * The `berth` command. A command starts node from berth's start-up snapshot (dist/berth.blob,
 * the CLI already loaded), which saves most of node's module loading; the terminal UI, and a
 * node installed after the snapshot was made, start from dist/cli.js. A program rather than a
 * shell script: the shell, and the readlink it needs to find the package through npm's
 * symlink, cost some 3 ms on every command.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* This program is PACKAGE/source/native/build/Release/berth; the kernel knows its real path. */
static bool package_root(char *root) {
	ssize_t length = readlink("/proc/self/exe", root, PATH_MAX - 1);
	if (length < 0) {
		return false;
	}

	root[length] = '\0';
	for (int level = 0; level < 5; level++) {
		char *slash = strrchr(root, '/');
		if (slash == NULL || slash == root) {
			return false;
		}

		*slash = '\0';
	}

	return true;
}

/* node as a shell finds it on PATH. */
static bool find_node(char *node) {
	const char *path = getenv("PATH");
	for (const char *dir = path && *path ? path : "/usr/local/bin:/usr/bin:/bin"; ; ) {
		size_t length = strcspn(dir, ":");
		snprintf(node, PATH_MAX, "%.*s/node", (int)length, length ? dir : ".");
		if (access(node, X_OK) == 0) {
			return true;
		}

		if (dir[length] == '\0') {
			return false;
		}

		dir += length + 1;
	}
}

static bool in_package(char *out, const char *root, const char *file) {
	return (size_t)snprintf(out, PATH_MAX, "%s/%s", root, file) < PATH_MAX;
}

static bool newer(const struct timespec *a, const struct timespec *b) {
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

int main(int argc, char **argv) {
	/*
	 * node reads NODE_EXTRA_CA_CERTS at every start, 40 ms for a system bundle: berth takes the
	 * file as BERTH_EXTRA_CA_CERTS and reads it only to reach a registry.
	 */
	const char *certs = getenv("NODE_EXTRA_CA_CERTS");
	if (certs != NULL && *certs != '\0') {
		setenv("BERTH_EXTRA_CA_CERTS", certs, 1);
		unsetenv("NODE_EXTRA_CA_CERTS");
	}

	static char root[PATH_MAX], node[PATH_MAX], blob[PATH_MAX], cli[PATH_MAX];
	if (!package_root(root)) {
		fprintf(stderr, "berth: cannot find berth's own files from /proc/self/exe: %s\n", strerror(errno));
		return 125;
	}

	if (!find_node(node)) {
		fprintf(stderr, "berth: cannot find `node` on PATH\n");
		return 125;
	}

	if (!in_package(blob, root, "dist/berth.blob") || !in_package(cli, root, "dist/cli.js")) {
		fprintf(stderr, "berth: the path of `%s` is too long\n", root);
		return 125;
	}
	struct stat blob_stat, node_stat;
	bool snapshot = argc > 1 && stat(blob, &blob_stat) == 0 && stat(node, &node_stat) == 0 &&
	                !newer(&node_stat.st_mtim, &blob_stat.st_mtim);

	char **args = calloc((size_t)argc + 5, sizeof *args);
	if (args == NULL) {
		return 125;
	}

	int count = 0;
	args[count++] = node;
	/*
	 * With two CPUs or fewer, V8's background collector threads take the CPU that a pull's
	 * gunzip and hashing need: collecting on the main thread alone pulls ~10% faster there.
	 */
	if (sysconf(_SC_NPROCESSORS_ONLN) <= 2) {
		args[count++] = "--single-threaded-gc";
	}

	if (snapshot) {
		args[count++] = "--snapshot-blob";
		args[count++] = blob;
		/* The arguments are berth's, even those node has options of its own for (--help, --version). */
		args[count++] = "--";
	} else {
		args[count++] = cli;
	}

	for (int i = 1; i < argc; i++) {
		args[count++] = argv[i];
	}

	execv(node, args);
	fprintf(stderr, "berth: cannot run `%s`: %s\n", node, strerror(errno));
	return 125;
}

/*
 * The few syscalls Node lacks, as synchronous N-API functions (see addon.ts for the types).
 *
 * Every failure throws an Error shaped like Node's own fs errors: message
 * "ENOENT: no such file or directory, mknod '/x'", and properties code, errno (negative, as
 * Node has it), syscall and path. Names and texts come from libuv, which Node exports, so
 * the codes are exactly the ones Node's fs module uses (ENOTSUP rather than EOPNOTSUPP...).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "sha256.h"

#define MAX_ARGS 5

/* N-API calls only fail on programming errors or a pending exception: give up on the call. */
#define CHECK(call)                                                                            \
	do {                                                                                       \
		if ((call) != napi_ok) {                                                               \
			return NULL;                                                                       \
		}                                                                                      \
	} while (0)

/* The Error object for a failed syscall, not thrown: a promise rejects with it. */
static napi_value errno_error(napi_env env, int err, const char *syscall, const char *path) {
	char name[64];
	char text[256];
	uv_err_name_r(-err, name, sizeof name);
	uv_strerror_r(-err, text, sizeof text);

	size_t size = strlen(name) + strlen(text) + strlen(syscall) + (path ? strlen(path) : 0) + 16;
	char *message = malloc(size);
	if (message == NULL) {
		napi_throw_error(env, "ENOMEM", "out of memory");
		return NULL;
	}

	if (path) {
		snprintf(message, size, "%s: %s, %s '%s'", name, text, syscall, path);
	} else {
		snprintf(message, size, "%s: %s, %s", name, text, syscall);
	}

	napi_value js_message, js_code, js_errno, js_syscall, error;
	napi_status status = napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &js_message);
	free(message);
	CHECK(status);
	CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &js_code));
	CHECK(napi_create_int32(env, -err, &js_errno));
	CHECK(napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &js_syscall));
	CHECK(napi_create_error(env, NULL, js_message, &error));
	CHECK(napi_set_named_property(env, error, "code", js_code));
	CHECK(napi_set_named_property(env, error, "errno", js_errno));
	CHECK(napi_set_named_property(env, error, "syscall", js_syscall));
	if (path) {
		napi_value js_path;
		CHECK(napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &js_path));
		CHECK(napi_set_named_property(env, error, "path", js_path));
	}

	return error;
}

static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *path) {
	napi_value error = errno_error(env, err, syscall, path);
	if (error != NULL) {
		napi_throw(env, error);
	}

	return NULL;
}

static napi_value undefined(napi_env env) {
	napi_value value;
	napi_get_undefined(env, &value);
	return value;
}

/* Fetches exactly `count` arguments, or throws a TypeError. */
static int get_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv) {
	size_t argc = MAX_ARGS;
	napi_value all[MAX_ARGS];
	if (napi_get_cb_info(env, info, &argc, all, NULL, NULL) != napi_ok) {
		return 0;
	}

	if (argc < count) {
		napi_throw_type_error(env, "ERR_MISSING_ARGS", "missing arguments");
		return 0;
	}

	memcpy(argv, all, count * sizeof(napi_value));
	return 1;
}

/* A malloc'ed UTF-8 copy of a JS string argument, or NULL with a TypeError thrown. */
static char *get_string(napi_env env, napi_value value, const char *what) {
	size_t length;
	if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
		char message[96];
		snprintf(message, sizeof message, "%s must be a string", what);
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
		return NULL;
	}

	char *text = malloc(length + 1);
	if (text == NULL) {
		napi_throw_error(env, "ENOMEM", "out of memory");
		return NULL;
	}

	napi_get_value_string_utf8(env, value, text, length + 1, &length);
	if (strlen(text) != length) {
		/* A NUL inside would silently cut a path short. */
		free(text);
		char message[96];
		snprintf(message, sizeof message, "%s must not contain a NUL byte", what);
		napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message);
		return NULL;
	}

	return text;
}

/* An integer argument within [min, max], or 0 with a TypeError thrown. */
static int get_integer(napi_env env, napi_value value, int64_t min, int64_t max, int64_t *out, const char *what) {
	double number;
	/* Range first: converting NaN or a huge double to an integer is undefined. */
	if (napi_get_value_double(env, value, &number) != napi_ok || !(number >= (double)min && number <= (double)max) ||
	    number != (double)(int64_t)number) {
		char message[96];
		snprintf(message, sizeof message, "%s must be an integer in [%lld, %lld]", what, (long long)min, (long long)max);
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
		return 0;
	}

	*out = (int64_t)number;
	return 1;
}

static napi_value js_mknod(napi_env env, napi_callback_info info) {
	napi_value argv[4];
	int64_t mode, major, minor;
	if (!get_args(env, info, 4, argv) || !get_integer(env, argv[1], 0, 0xffffffff, &mode, "mode") ||
	    !get_integer(env, argv[2], 0, 0xffffffff, &major, "major") || !get_integer(env, argv[3], 0, 0xffffffff, &minor, "minor")) {
		return NULL;
	}

	char *path = get_string(env, argv[0], "path");
	if (path == NULL) {
		return NULL;
	}

	napi_value result = undefined(env);
	if (mknod(path, (mode_t)mode, makedev((unsigned int)major, (unsigned int)minor)) != 0) {
		result = throw_errno(env, errno, "mknod", path);
	}

	free(path);
	return result;
}

static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
	napi_value argv[3];
	if (!get_args(env, info, 3, argv)) {
		return NULL;
	}

	void *data;
	size_t size;
	bool is_buffer;
	if (napi_is_buffer(env, argv[2], &is_buffer) != napi_ok || !is_buffer) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "value must be a Buffer");
		return NULL;
	}

	CHECK(napi_get_buffer_info(env, argv[2], &data, &size));
	char *path = get_string(env, argv[0], "path");
	if (path == NULL) {
		return NULL;
	}

	char *name = get_string(env, argv[1], "name");
	if (name == NULL) {
		free(path);
		return NULL;
	}

	napi_value result = undefined(env);
	if (lsetxattr(path, name, data, size, 0) != 0) {
		result = throw_errno(env, errno, "lsetxattr", path);
	}

	free(name);
	free(path);
	return result;
}

static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	if (!get_args(env, info, 2, argv)) {
		return NULL;
	}

	char *path = get_string(env, argv[0], "path");
	if (path == NULL) {
		return NULL;
	}

	char *name = get_string(env, argv[1], "name");
	if (name == NULL) {
		free(path);
		return NULL;
	}

	napi_value result = NULL;
	char *data = NULL;
	for (;;) {
		ssize_t size = lgetxattr(path, name, NULL, 0);
		if (size >= 0) {
			free(data);
			data = malloc(size > 0 ? (size_t)size : 1);
			if (data == NULL) {
				napi_throw_error(env, "ENOMEM", "out of memory");
				break;
			}

			size = lgetxattr(path, name, data, (size_t)size);
		}

		if (size >= 0) {
			napi_create_buffer_copy(env, (size_t)size, data, NULL, &result);
			break;
		}

		/* ERANGE: the value grew between the two calls; ask again. */
		if (errno == ERANGE) {
			continue;
		}

		if (errno == ENODATA) {
			napi_get_null(env, &result);
		} else {
			result = throw_errno(env, errno, "lgetxattr", path);
		}

		break;
	}

	free(data);
	free(name);
	free(path);
	return result;
}

static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
	napi_value argv[1];
	if (!get_args(env, info, 1, argv)) {
		return NULL;
	}

	char *path = get_string(env, argv[0], "path");
	if (path == NULL) {
		return NULL;
	}

	napi_value result = NULL;
	char *list = NULL;
	for (;;) {
		ssize_t size = llistxattr(path, NULL, 0);
		if (size >= 0) {
			free(list);
			list = malloc(size > 0 ? (size_t)size : 1);
			if (list == NULL) {
				napi_throw_error(env, "ENOMEM", "out of memory");
				break;
			}

			size = llistxattr(path, list, (size_t)size);
		}

		if (size < 0) {
			if (errno == ERANGE) {
				continue;
			}

			result = throw_errno(env, errno, "llistxattr", path);
			break;
		}

		/* The names come back NUL-terminated, one after another. */
		if (napi_create_array(env, &result) != napi_ok) {
			result = NULL;
			break;
		}

		uint32_t index = 0;
		for (ssize_t at = 0; at < size; at += (ssize_t)strlen(list + at) + 1) {
			napi_value name;
			if (napi_create_string_utf8(env, list + at, NAPI_AUTO_LENGTH, &name) != napi_ok ||
			    napi_set_element(env, result, index++, name) != napi_ok) {
				result = NULL;
				break;
			}
		}

		break;
	}

	free(list);
	free(path);
	return result;
}

static napi_value js_flock(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int64_t fd, operation;
	if (!get_args(env, info, 2, argv) || !get_integer(env, argv[0], 0, INT32_MAX, &fd, "fd") ||
	    !get_integer(env, argv[1], 0, INT32_MAX, &operation, "operation")) {
		return NULL;
	}

	int status;
	do {
		status = flock((int)fd, (int)operation);
	} while (status != 0 && errno == EINTR);

	if (status != 0) {
		return throw_errno(env, errno, "flock", NULL);
	}

	return undefined(env);
}

static napi_value js_mount(napi_env env, napi_callback_info info) {
	napi_value argv[5];
	int64_t flags;
	if (!get_args(env, info, 5, argv) || !get_integer(env, argv[3], 0, UINT32_MAX, &flags, "flags")) {
		return NULL;
	}

	char *strings[4] = {NULL, NULL, NULL, NULL};
	static const int positions[4] = {0, 1, 2, 4};
	static const char *names[4] = {"source", "target", "type", "data"};
	napi_value result = NULL;
	for (int i = 0; i < 4; i++) {
		strings[i] = get_string(env, argv[positions[i]], names[i]);
		if (strings[i] == NULL) {
			goto out;
		}
	}

	/* An empty type or data means none: a bind mount or a remount needs no type, most no data. */
	const char *type = strings[2][0] ? strings[2] : NULL;
	const char *data = strings[3][0] ? strings[3] : NULL;
	if (mount(strings[0], strings[1], type, (unsigned long)flags, data) != 0) {
		result = throw_errno(env, errno, "mount", strings[1]);
	} else {
		result = undefined(env);
	}

out:
	for (int i = 0; i < 4; i++) {
		free(strings[i]);
	}

	return result;
}

static napi_value js_umount2(napi_env env, napi_callback_info info) {
	napi_value argv[2];
	int64_t flags;
	if (!get_args(env, info, 2, argv) || !get_integer(env, argv[1], 0, INT32_MAX, &flags, "flags")) {
		return NULL;
	}

	char *target = get_string(env, argv[0], "target");
	if (target == NULL) {
		return NULL;
	}

	napi_value result = undefined(env);
	if (umount2(target, (int)flags) != 0) {
		result = throw_errno(env, errno, "umount2", target);
	}

	free(target);
	return result;
}

static napi_value js_lchown(napi_env env, napi_callback_info info) {
	napi_value argv[3];
	int64_t uid, gid;
	/* -1 keeps the current id, as lchown(2) has it. */
	if (!get_args(env, info, 3, argv) || !get_integer(env, argv[1], -1, UINT32_MAX, &uid, "uid") ||
	    !get_integer(env, argv[2], -1, UINT32_MAX, &gid, "gid")) {
		return NULL;
	}

	char *path = get_string(env, argv[0], "path");
	if (path == NULL) {
		return NULL;
	}

	napi_value result = undefined(env);
	if (lchown(path, (uid_t)uid, (gid_t)gid) != 0) {
		result = throw_errno(env, errno, "lchown", path);
	}

	free(path);
	return result;
}

/*
 * Jobs on the libuv thread pool, each returning a promise, for what can take long or wait on
 * the kernel: syncfs with much dirty data, writing to a control file (a move between cgroups),
 * removing a tree. The event loop (and the TUI) goes on meanwhile.
 */
typedef enum { JOB_SYNCFS, JOB_WRITE, JOB_REMOVE_TREE } job_kind;

typedef struct {
	napi_async_work work;
	napi_deferred deferred;
	job_kind kind;
	char *path;
	char *data;
	int err;
	const char *syscall;
	const char *failed_path;
} file_job;

/* nftw's callback takes no argument of ours: the failure goes through the worker thread's own slot. */
static __thread file_job *removing;

static int remove_entry(const char *path, const struct stat *stat, int type, struct FTW *ftw) {
	(void)stat;
	(void)ftw;
	int dir = type == FTW_DP;
	if ((dir ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT) {
		return 0;
	}

	removing->err = errno;
	removing->syscall = dir ? "rmdir" : "unlink";
	removing->failed_path = strdup(path);
	return 1;
}

/*
 * rm -rf in one job, where Node's fs.rm makes a round trip to the thread pool for each file.
 * Symlinks are removed, not followed; a mount below is left alone (so the directory holding it
 * fails with ENOTEMPTY); a missing tree is no error.
 */
static void remove_tree(file_job *job) {
	removing = job;
	if (nftw(job->path, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT && job->err == 0) {
		job->err = errno;
		job->syscall = "rm";
	}
}

static void file_job_execute(napi_env env, void *data) {
	(void)env;
	file_job *job = data;
	if (job->kind == JOB_REMOVE_TREE) {
		remove_tree(job);
		return;
	}

	int fd = open(job->path, (job->kind == JOB_WRITE ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		job->err = errno;
		job->syscall = "open";
		return;
	}

	if (job->kind == JOB_WRITE ? write(fd, job->data, strlen(job->data)) < 0 : syncfs(fd) != 0) {
		job->err = errno;
		job->syscall = job->kind == JOB_WRITE ? "write" : "syncfs";
	}

	close(fd);
}

/* Queues `job` on the thread pool; its promise, or NULL (only on a broken environment). */
static napi_value queue_work(napi_env env, const char *name, napi_async_execute_callback execute,
                             napi_async_complete_callback complete, void *job, napi_deferred *deferred, napi_async_work *work) {
	napi_value promise, resource;
	if (napi_create_promise(env, deferred, &promise) != napi_ok ||
	    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource) != napi_ok ||
	    napi_create_async_work(env, NULL, resource, execute, complete, job, work) != napi_ok ||
	    napi_queue_async_work(env, *work) != napi_ok) {
		/* The promise, if made, is never settled. */
		return NULL;
	}

	return promise;
}

static void file_job_free(file_job *job) {
	free(job->path);
	free(job->data);
	free((char *)job->failed_path);
	free(job);
}

static void file_job_complete(napi_env env, napi_status status, void *data) {
	file_job *job = data;
	if (status == napi_ok && job->err == 0) {
		napi_resolve_deferred(env, job->deferred, undefined(env));
	} else {
		const char *path = job->failed_path ? job->failed_path : job->path;
		napi_value error = errno_error(env, job->err ? job->err : EINTR, job->syscall ? job->syscall : "open", path);
		if (error == NULL) {
			napi_get_and_clear_last_exception(env, &error);
		}

		napi_reject_deferred(env, job->deferred, error);
	}

	napi_delete_async_work(env, job->work);
	file_job_free(job);
}

/* Queues a job on arguments (path), or (path, data) for JOB_WRITE; returns its promise. */
static napi_value queue_file_job(napi_env env, napi_callback_info info, job_kind kind) {
	int with_data = kind == JOB_WRITE;
	napi_value argv[2];
	if (!get_args(env, info, with_data ? 2 : 1, argv)) {
		return NULL;
	}

	file_job *job = calloc(1, sizeof *job);
	if (job == NULL) {
		napi_throw_error(env, "ENOMEM", "out of memory");
		return NULL;
	}

	job->kind = kind;
	napi_value promise = NULL;
	if ((job->path = get_string(env, argv[0], "path")) != NULL &&
	    (!with_data || (job->data = get_string(env, argv[1], "data")) != NULL)) {
		promise = queue_work(env, "berth:file", file_job_execute, file_job_complete, job, &job->deferred, &job->work);
	}

	if (promise == NULL) {
		file_job_free(job);
	}

	return promise;
}

static napi_value js_syncfs(napi_env env, napi_callback_info info) {
	return queue_file_job(env, info, JOB_SYNCFS);
}

static napi_value js_write_file(napi_env env, napi_callback_info info) {
	return queue_file_job(env, info, JOB_WRITE);
}

static napi_value js_remove_tree(napi_env env, napi_callback_info info) {
	return queue_file_job(env, info, JOB_REMOVE_TREE);
}

static void free_strings(char **strings) {
	if (strings != NULL) {
		for (char **s = strings; *s != NULL; s++) {
			free(*s);
		}
	}

	free(strings);
}

/* A NULL-terminated, malloc'ed copy of a JS array of strings, or NULL with an exception pending. */
static char **get_strings(napi_env env, napi_value value, const char *what) {
	uint32_t length;
	if (napi_get_array_length(env, value, &length) != napi_ok) {
		char message[96];
		snprintf(message, sizeof message, "%s must be an array of strings", what);
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
		return NULL;
	}

	char **strings = calloc(length + 1, sizeof *strings);
	if (strings == NULL) {
		napi_throw_error(env, "ENOMEM", "out of memory");
		return NULL;
	}

	for (uint32_t i = 0; i < length; i++) {
		napi_value element;
		if (napi_get_element(env, value, i, &element) != napi_ok || (strings[i] = get_string(env, element, what)) == NULL) {
			free_strings(strings);
			return NULL;
		}
	}

	return strings;
}

/*
 * posix_spawn, with the child set up as Node's own spawn sets one up: no signal blocked or
 * ignored (Node ignores SIGPIPE). Descriptor i of the child is fds[i], for i < count. It starts
 * the program without copying Node's memory, as the fork behind child_process does.
 */
static int spawn_program(pid_t *pid, const char *file, char **argv, char **envp, const int *fds, int count, short flags) {
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&actions);
	for (int i = 0; i < count; i++) {
		posix_spawn_file_actions_adddup2(&actions, fds[i], i);
	}

	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, flags | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	int err = posix_spawn(pid, file, &actions, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	return err;
}

/* Reaps one child when it exits, so that a long-lived Node (the TUI) gathers no zombies. */
static void *reap(void *arg) {
	pid_t pid = (pid_t)(intptr_t)arg;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
	}

	return NULL;
}

/*
 * spawnDetached(file, argv, env): starts a program in a session of its own, stdio on /dev/null
 * and descriptor 3 the write end of a pipe; returns {pid, fd}, fd the pipe's read end, on which
 * the program answers. posix_spawn starts it without copying Node's memory, as fork would; a
 * thread of its own reaps it.
 */
static napi_value js_spawn_detached(napi_env env, napi_callback_info info) {
	napi_value argv[3];
	if (!get_args(env, info, 3, argv)) {
		return NULL;
	}

	char *file = get_string(env, argv[0], "file");
	char **args = file ? get_strings(env, argv[1], "argv") : NULL;
	char **envp = args ? get_strings(env, argv[2], "env") : NULL;
	napi_value result = NULL;
	int answer[2] = {-1, -1};
	if (envp == NULL) {
		goto out;
	}

	if (pipe2(answer, O_CLOEXEC) != 0) {
		result = throw_errno(env, errno, "pipe", NULL);
		goto out;
	}

	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0) {
		close(answer[0]);
		close(answer[1]);
		result = throw_errno(env, errno, "open", "/dev/null");
		goto out;
	}

	pid_t pid;
	int err = spawn_program(&pid, file, args, envp, (int[]){null, null, null, answer[1]}, 4, POSIX_SPAWN_SETSID);
	close(null);
	close(answer[1]);
	if (err != 0) {
		close(answer[0]);
		result = throw_errno(env, err, "spawn", file);
		goto out;
	}

	pthread_t reaper;
	pthread_attr_t detached;
	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&detached, PTHREAD_STACK_MIN + 16384);
	err = pthread_create(&reaper, &detached, reap, (void *)(intptr_t)pid);
	pthread_attr_destroy(&detached);
	napi_value js_pid, js_fd;
	if (err != 0 || napi_create_object(env, &result) != napi_ok || napi_create_int32(env, pid, &js_pid) != napi_ok ||
	    napi_create_int32(env, answer[0], &js_fd) != napi_ok || napi_set_named_property(env, result, "pid", js_pid) != napi_ok ||
	    napi_set_named_property(env, result, "fd", js_fd) != napi_ok) {
		/* The program runs on; without a reaper it stays a zombie once it exits, until Node does. */
		close(answer[0]);
		result = err != 0 ? throw_errno(env, err, "pthread_create", NULL) : NULL;
	}

out:
	free(file);
	free_strings(args);
	free_strings(envp);
	return result;
}

/* A growing buffer for what a tool writes. */
typedef struct {
	char *data;
	size_t length, capacity;
} output;

static int output_read(output *out, int fd) {
	if (out->capacity - out->length < 65536) {
		size_t capacity = out->capacity ? out->capacity * 2 : 65536;
		char *data = realloc(out->data, capacity);
		if (data == NULL) {
			errno = ENOMEM;
			return -1;
		}

		out->data = data;
		out->capacity = capacity;
	}

	ssize_t n = read(fd, out->data + out->length, out->capacity - out->length);
	if (n > 0) {
		out->length += (size_t)n;
	}

	return (int)n;
}

typedef struct {
	napi_async_work work;
	napi_deferred deferred;
	char *file;
	char **argv;
	char **envp;
	char *input;
	output out, err;
	int status;
	int spawn_error, io_error;
} tool_job;

/* Feeds the input, gathers stdout and stderr until both end, and reaps the tool. */
static void tool_communicate(tool_job *job, pid_t pid, int in, int out, int err) {
	size_t length = strlen(job->input), written = 0;
	if (length == 0) {
		close(in);
		in = -1;
	} else {
		fcntl(in, F_SETFL, O_NONBLOCK);
	}

	while (out >= 0 || err >= 0 || in >= 0) {
		struct pollfd fds[3] = {{.fd = in, .events = POLLOUT}, {.fd = out, .events = POLLIN}, {.fd = err, .events = POLLIN}};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}

			job->io_error = errno;
			break;
		}

		if (in >= 0 && fds[0].revents) {
			ssize_t n = write(in, job->input + written, length - written);
			if (n > 0) {
				written += (size_t)n;
			}

			/* All written, or the tool stopped reading (EPIPE): it gets its end of input. */
			if (written == length || (n < 0 && errno != EAGAIN)) {
				close(in);
				in = -1;
			}
		}

		int *fd[2] = {&out, &err};
		output *into[2] = {&job->out, &job->err};
		for (int i = 0; i < 2; i++) {
			if (*fd[i] >= 0 && fds[i + 1].revents) {
				int n = output_read(into[i], *fd[i]);
				if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
					if (n < 0) {
						job->io_error = errno;
					}

					close(*fd[i]);
					*fd[i] = -1;
				}
			}
		}
	}

	for (int *fd = (int[]){in, out, err}, i = 0; i < 3; i++) {
		if (fd[i] >= 0) {
			close(fd[i]);
		}
	}

	while (waitpid(pid, &job->status, 0) < 0 && errno == EINTR) {
	}
}

static void tool_execute(napi_env env, void *data) {
	(void)env;
	tool_job *job = data;
	/* stdin, stdout, stderr: [0] is the read end, [1] the write end. */
	int pipes[3][2];
	int made = 0;
	while (made < 3 && pipe2(pipes[made], O_CLOEXEC) == 0) {
		made++;
	}

	pid_t pid;
	job->spawn_error = made < 3 ? errno : spawn_program(&pid, job->file, job->argv, job->envp, (int[]){pipes[0][0], pipes[1][1], pipes[2][1]}, 3, 0);
	for (int i = 0; i < made; i++) {
		/* The child's ends go now; ours too if it never started. */
		close(pipes[i][i == 0 ? 0 : 1]);
		if (job->spawn_error != 0) {
			close(pipes[i][i == 0 ? 1 : 0]);
		}
	}

	if (job->spawn_error == 0) {
		tool_communicate(job, pid, pipes[0][1], pipes[1][0], pipes[2][0]);
	}
}

static napi_value tool_result(napi_env env, tool_job *job) {
	napi_value result, value;
	if (napi_create_object(env, &result) != napi_ok) {
		return NULL;
	}

	int exited = WIFEXITED(job->status);
	CHECK(napi_create_int32(env, exited ? WEXITSTATUS(job->status) : -1, &value));
	CHECK(napi_set_named_property(env, result, "status", value));
	CHECK(napi_create_int32(env, WIFSIGNALED(job->status) ? WTERMSIG(job->status) : 0, &value));
	CHECK(napi_set_named_property(env, result, "signal", value));
	CHECK(napi_create_string_utf8(env, job->out.data ? job->out.data : "", job->out.length, &value));
	CHECK(napi_set_named_property(env, result, "stdout", value));
	CHECK(napi_create_string_utf8(env, job->err.data ? job->err.data : "", job->err.length, &value));
	CHECK(napi_set_named_property(env, result, "stderr", value));
	return result;
}

static void tool_job_free(tool_job *job) {
	free(job->file);
	free_strings(job->argv);
	free_strings(job->envp);
	free(job->input);
	free(job->out.data);
	free(job->err.data);
	free(job);
}

static void tool_complete(napi_env env, napi_status status, void *data) {
	tool_job *job = data;
	napi_value result = NULL;
	if (status == napi_ok && job->spawn_error == 0 && job->io_error == 0) {
		result = tool_result(env, job);
	}

	if (result != NULL) {
		napi_resolve_deferred(env, job->deferred, result);
	} else {
		int err = job->spawn_error ? job->spawn_error : job->io_error ? job->io_error : EINTR;
		napi_value error = errno_error(env, err, job->spawn_error ? "spawn" : "read", job->file);
		if (error == NULL) {
			napi_get_and_clear_last_exception(env, &error);
		}

		napi_reject_deferred(env, job->deferred, error);
	}

	napi_delete_async_work(env, job->work);
	tool_job_free(job);
}

/*
 * runTool(file, argv, env, input): runs a program to its end on the thread pool, with `input`
 * on its stdin, and resolves with {status, signal, stdout, stderr}. posix_spawn starts it
 * without copying Node's memory, as the fork behind child_process would.
 */
static napi_value js_run_tool(napi_env env, napi_callback_info info) {
	napi_value argv[4];
	if (!get_args(env, info, 4, argv)) {
		return NULL;
	}

	tool_job *job = calloc(1, sizeof *job);
	if (job == NULL) {
		napi_throw_error(env, "ENOMEM", "out of memory");
		return NULL;
	}

	napi_value promise = NULL;
	if ((job->file = get_string(env, argv[0], "file")) != NULL && (job->argv = get_strings(env, argv[1], "argv")) != NULL &&
	    (job->envp = get_strings(env, argv[2], "env")) != NULL && (job->input = get_string(env, argv[3], "input")) != NULL) {
		promise = queue_work(env, "berth:tool", tool_execute, tool_complete, job, &job->deferred, &job->work);
	}

	if (promise == NULL) {
		tool_job_free(job);
	}

	return promise;
}

static napi_value init(napi_env env, napi_value exports) {
	static const struct {
		const char *name;
		napi_callback callback;
	} functions[] = {
		{"mknod", js_mknod},     {"lsetxattr", js_lsetxattr}, {"lgetxattr", js_lgetxattr},
		{"llistxattr", js_llistxattr}, {"flock", js_flock},   {"mount", js_mount},
		{"umount2", js_umount2}, {"lchown", js_lchown},       {"syncfs", js_syncfs},
		{"writeFile", js_write_file}, {"removeTree", js_remove_tree}, {"spawnDetached", js_spawn_detached},
		{"runTool", js_run_tool},
	};

	for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		napi_value function;
		CHECK(napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].callback, NULL, &function));
		CHECK(napi_set_named_property(env, exports, functions[i].name, function));
	}

	CHECK(define_sha256(env, exports));
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

/*
 * The last steps before execve, shared by run and exec modes: user, working directory,
 * capabilities, no_new_privs, seccomp, and the command found in the container's PATH.
 */
#include "shim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* mkdir -p in the current root: Docker creates a missing working directory. */
static int mkdir_p(const char *path)
{
	char *copy = xstrdup(path);
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			fail_errno(EXIT_RUNTIME, "cannot create working directory `%s`", copy);
			free(copy);
			return -1;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	return 0;
}

/* Why `file` cannot be executed, or 0 when it can. */
static int check_executable(const char *file)
{
	struct stat st;
	if (stat(file, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE;
	if (S_ISDIR(st.st_mode) || access(file, X_OK) < 0)
		return EXIT_CANNOT_INVOKE;
	return 0;
}

static int explain(const char *file)
{
	struct stat st;
	if (stat(file, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return fail(EXIT_NOT_FOUND, "executable file `%s` not found: no such file or directory", file);
		return fail_errno(EXIT_CANNOT_INVOKE, "cannot stat `%s`", file);
	}
	if (S_ISDIR(st.st_mode))
		return fail(EXIT_CANNOT_INVOKE, "cannot execute `%s`: is a directory", file);
	return fail(EXIT_CANNOT_INVOKE, "cannot execute `%s`: permission denied", file);
}

/* execvp's rules: the first executable match wins; a non-executable match means 126. */
static int lookup(const char *name, const char *pathenv, char **out)
{
	if (name[0] == '\0')
		return fail(EXIT_NOT_FOUND, "executable file `` not found in $PATH");
	if (strchr(name, '/')) {
		if (check_executable(name) != 0)
			return explain(name);
		*out = xstrdup(name);
		return 0;
	}
	char *denied = NULL;
	const char *dir = pathenv;
	for (;;) {
		size_t dlen = strcspn(dir, ":");
		size_t len = dlen + strlen(name) + 3;
		char *candidate = xmalloc(len);
		/* An empty PATH entry means the working directory. */
		snprintf(candidate, len, "%.*s/%s", (int) (dlen ? dlen : 1), dlen ? dir : ".", name);
		int why = check_executable(candidate);
		if (why == 0) {
			free(denied);
			*out = candidate;
			return 0;
		}
		if (why == EXIT_CANNOT_INVOKE && !denied)
			denied = candidate;
		else
			free(candidate);
		if (dir[dlen] == '\0')
			break;
		dir += dlen + 1;
	}
	if (denied) {
		explain(denied);
		free(denied);
		return -1;
	}
	return fail(EXIT_NOT_FOUND, "executable file `%s` not found in $PATH", name);
}

static void set_home(struct strv *env, const char *home)
{
	if (env_get(env, "HOME"))
		return;
	size_t len = strlen(home) + 6;
	char *entry = xmalloc(len);
	snprintf(entry, len, "HOME=%s", home);
	strv_push(env, entry);
}

/* Everything that needs privileges, in the order that keeps the filter installable. */
static int drop_privileges(struct process *proc, const struct user *u)
{
	/* Without no_new_privs, installing a filter needs CAP_SYS_ADMIN: do it while we have it. */
	if (proc->seccomp && !proc->no_new_privileges && seccomp_install(proc->caps) < 0)
		return -1;
	if (proc->has_caps && caps_drop_bounding(proc->caps) < 0)
		return -1;
	if (user_switch(u) < 0)
		return -1;
	if (proc->has_caps && caps_set(proc->caps, u->uid == 0) < 0)
		return -1;
	if (proc->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot set no_new_privileges");
	if (proc->seccomp && proc->no_new_privileges && seccomp_install(proc->caps) < 0)
		return -1;
	return 0;
}

int process_prepare(struct process *proc)
{
	umask(022);
	struct user u;
	if (user_resolve(proc->user, &u) < 0)
		return -1;
	set_home(proc->env, u.home);
	const char *cwd = proc->cwd && proc->cwd[0] ? proc->cwd : "/";
	if (cwd[0] != '/')
		return fail(EXIT_RUNTIME, "working directory `%s` is not absolute", cwd);
	if (proc->create_cwd && mkdir_p(cwd) < 0)
		return -1;
	/* The terminal belongs to whoever runs in it, as login(1) does. */
	if (proc->tty_fd >= 0 && u.uid != 0 && fchown(proc->tty_fd, u.uid, -1) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot change the owner of the terminal");
	if (drop_privileges(proc, &u) < 0)
		return -1;
	/* After the user switch, so the user's own permissions decide. */
	if (chdir(cwd) < 0)
		return fail_errno(EXIT_CANNOT_INVOKE, "cannot chdir to `%s`", cwd);
	const char *pathenv = env_get(proc->env, "PATH");
	return lookup(proc->argv[0], pathenv ? pathenv : DEFAULT_PATH, &proc->path);
}

void process_exec(const struct process *proc)
{
	set_cloexec_from(3);
	execve(proc->path, proc->argv, proc->env->v);
	int err = errno;
	fprintf(stderr, "berth: cannot exec `%s`: %s\n", proc->argv[0], strerror(err));
	_exit(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE);
}

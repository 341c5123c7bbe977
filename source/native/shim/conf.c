/*
 * The CONF file: NUL-terminated records of 0x1f-separated fields, the first field the key
 * (protocol.h). The whole file stays in memory; fields point into it.
 */
#include "shim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct key {
	const char *name;
	int fields;      /* fields after the key; -1: one or more */
	bool repeat;
	int modes;
};

#define RUN MODE_RUN
#define EXEC MODE_EXEC
#define BOTH (MODE_RUN | MODE_EXEC)

static const struct key keys[] = {
	{"id", 1, false, RUN},
	{"rootfs", 1, false, RUN},
	{"lower", 1, true, RUN},
	{"upper", 1, false, RUN},
	{"work", 1, false, RUN},
	{"readonly_rootfs", 1, false, RUN},
	{"mount", 5, true, RUN},
	{"mask", 1, true, RUN},
	{"readonly", 1, true, RUN},
	{"hostname", 1, false, RUN},
	{"cwd", 1, false, BOTH},
	{"user", 1, false, BOTH},
	{"env", 1, true, BOTH},
	{"arg", 1, true, BOTH},
	{"tty", 1, false, BOTH},
	{"stdin", 1, false, RUN},
	{"caps", 1, false, BOTH},
	{"no_new_privileges", 1, false, BOTH},
	{"seccomp", 1, false, BOTH},
	{"privileged", 1, false, RUN},
	{"rlimit", 3, true, RUN},
	{"cgroup", 1, true, BOTH},
	{"oom", 1, false, RUN},
	{"network", 1, false, RUN},
	{"netns", 1, false, RUN},
	{"init", 1, false, RUN},
	{"log", 1, false, RUN},
	{"attach", 1, false, RUN},
	{"wait_attach", 1, false, RUN},
	{"exit", 1, false, RUN},
	{"pidfile", 1, false, RUN},
	{"shimpid", 1, false, RUN},
	{"cleanup", -1, false, RUN},
	{"pid", 1, false, EXEC},
};

#define NKEYS (sizeof keys / sizeof keys[0])

void strv_push(struct strv *sv, char *s)
{
	sv->v = xrealloc(sv->v, (sv->n + 2) * sizeof *sv->v);
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

const char *env_get(const struct strv *env, const char *name)
{
	size_t len = strlen(name);
	const char *found = NULL;
	/* The last assignment wins, as with a shell's environment. */
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, len) == 0 && env->v[i][len] == '=')
			found = env->v[i] + len + 1;
	return found;
}

static int parse_bool(const char *key, const char *value, bool *out)
{
	if (strcmp(value, "1") == 0)
		*out = true;
	else if (strcmp(value, "0") == 0 || value[0] == '\0')
		*out = false;
	else
		return fail(EXIT_RUNTIME, "invalid value `%s` for `%s`", value, key);
	return 0;
}

static int parse_limit(const char *value, uint64_t *out)
{
	if (strcmp(value, "unlimited") == 0 || strcmp(value, "-1") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(value, &end, 10);
	if (errno || end == value || *end || value[0] == '-')
		return fail(EXIT_RUNTIME, "invalid rlimit value `%s`", value);
	*out = n;
	return 0;
}

/* Paths must not depend on the shim's working directory: it moves to / to keep nothing busy. */
static int check_absolute(const char *key, const char *path)
{
	if (path[0] != '/')
		return fail(EXIT_RUNTIME, "`%s` path `%s` is not absolute", key, path);
	return 0;
}

static int set_path(char **slot, const char *key, char *value)
{
	if (check_absolute(key, value) < 0)
		return -1;
	*slot = value;
	return 0;
}

static int apply_rlimit(struct conf *c, char **f)
{
	struct rlimit_rec r;
	r.resource = rlimit_by_name(f[1]);
	if (r.resource < 0)
		return fail(EXIT_RUNTIME, "unknown rlimit `%s`", f[1]);
	if (parse_limit(f[2], &r.soft) < 0 || parse_limit(f[3], &r.hard) < 0)
		return -1;
	if (r.soft > r.hard)
		return fail(EXIT_RUNTIME, "rlimit `%s` soft limit above its hard limit", f[1]);
	c->rlimits = xrealloc(c->rlimits, (c->nrlimits + 1) * sizeof *c->rlimits);
	c->rlimits[c->nrlimits++] = r;
	return 0;
}

static int apply_mount(struct conf *c, char **f)
{
	if (f[2][0] != '/')
		return fail(EXIT_RUNTIME, "mount destination `%s` is not absolute", f[2]);
	if (strcmp(f[3], "bind") == 0 && check_absolute("mount", f[1]) < 0)
		return -1;
	c->mounts = xrealloc(c->mounts, (c->nmounts + 1) * sizeof *c->mounts);
	c->mounts[c->nmounts++] = (struct mount_rec) {f[1], f[2], f[3], f[4], f[5]};
	return 0;
}

static int apply_network(struct conf *c, const char *value)
{
	if (strcmp(value, "none") == 0)
		c->network = NET_NONE;
	else if (strcmp(value, "host") == 0)
		c->network = NET_HOST;
	else
		return fail(EXIT_RUNTIME, "invalid network `%s`", value);
	return 0;
}

static int apply_number(const char *key, const char *value, int base, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(value, &end, base);
	if (errno || end == value || *end || value[0] == '-')
		return fail(EXIT_RUNTIME, "invalid value `%s` for `%s`", value, key);
	*out = n;
	return 0;
}

static int apply(struct conf *c, char **f, size_t nf)
{
	const char *k = f[0];
	char *v = nf > 1 ? f[1] : NULL;
	uint64_t n;

	if (!strcmp(k, "id")) c->id = v;
	else if (!strcmp(k, "rootfs")) return set_path(&c->rootfs, k, v);
	else if (!strcmp(k, "lower")) { if (check_absolute(k, v) < 0) return -1; strv_push(&c->lower, v); }
	else if (!strcmp(k, "upper")) return set_path(&c->upper, k, v);
	else if (!strcmp(k, "work")) return set_path(&c->work, k, v);
	else if (!strcmp(k, "readonly_rootfs")) return parse_bool(k, v, &c->readonly_rootfs);
	else if (!strcmp(k, "mount")) return apply_mount(c, f);
	else if (!strcmp(k, "mask")) strv_push(&c->mask, v);
	else if (!strcmp(k, "readonly")) strv_push(&c->readonly, v);
	else if (!strcmp(k, "hostname")) c->hostname = v;
	else if (!strcmp(k, "cwd")) c->cwd = v;
	else if (!strcmp(k, "user")) c->user = v;
	else if (!strcmp(k, "env")) strv_push(&c->env, v);
	else if (!strcmp(k, "arg")) strv_push(&c->args, v);
	else if (!strcmp(k, "tty")) return parse_bool(k, v, &c->tty);
	else if (!strcmp(k, "stdin")) return parse_bool(k, v, &c->stdin_open);
	else if (!strcmp(k, "caps")) {
		if (apply_number(k, v, 16, &c->caps) < 0)
			return -1;
		c->has_caps = true;
	}
	else if (!strcmp(k, "no_new_privileges")) return parse_bool(k, v, &c->no_new_privileges);
	else if (!strcmp(k, "seccomp")) return parse_bool(k, v, &c->seccomp);
	else if (!strcmp(k, "privileged")) return parse_bool(k, v, &c->privileged);
	else if (!strcmp(k, "rlimit")) return apply_rlimit(c, f);
	else if (!strcmp(k, "cgroup")) { if (check_absolute(k, v) < 0) return -1; strv_push(&c->cgroups, v); }
	else if (!strcmp(k, "oom")) return set_path(&c->oom, k, v);
	else if (!strcmp(k, "network")) return apply_network(c, v);
	else if (!strcmp(k, "netns")) return set_path(&c->netns, k, v);
	else if (!strcmp(k, "init")) return parse_bool(k, v, &c->init);
	else if (!strcmp(k, "log")) return set_path(&c->log, k, v);
	else if (!strcmp(k, "attach")) return set_path(&c->attach, k, v);
	else if (!strcmp(k, "wait_attach")) return parse_bool(k, v, &c->wait_attach);
	else if (!strcmp(k, "exit")) return set_path(&c->exit_file, k, v);
	else if (!strcmp(k, "pidfile")) return set_path(&c->pidfile, k, v);
	else if (!strcmp(k, "shimpid")) return set_path(&c->shimpid, k, v);
	else if (!strcmp(k, "cleanup")) { for (size_t i = 1; i < nf; i++) strv_push(&c->cleanup, f[i]); }
	else if (!strcmp(k, "pid")) {
		if (apply_number(k, v, 10, &n) < 0 || n < 1 || n > 0x7fffffff)
			return fail(EXIT_RUNTIME, "invalid pid `%s`", v);
		c->pid = (pid_t) n;
	}
	return 0;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Splits one record in place; returns the number of fields. */
static size_t split_fields(char *rec, char ***fields)
{
	size_t n = 1;
	for (char *p = rec; *p; p++)
		if (*p == CONF_FIELD_SEP)
			n++;
	char **f = xmalloc((n + 1) * sizeof *f);
	size_t i = 0;
	f[i++] = rec;
	for (char *p = rec; *p; p++)
		if (*p == CONF_FIELD_SEP) {
			*p = '\0';
			f[i++] = p + 1;
		}
	f[n] = NULL;
	*fields = f;
	return n;
}

static int check_record(const struct key *key, size_t nfields, const char *name, unsigned *seen, enum shim_mode mode)
{
	if (!key || !(key->modes & mode))
		return fail(EXIT_RUNTIME, "unknown key `%s`", name);
	size_t idx = key - keys;
	if (!key->repeat && (seen[idx / 32] & (1u << (idx % 32))))
		return fail(EXIT_RUNTIME, "key `%s` given twice", name);
	seen[idx / 32] |= 1u << (idx % 32);
	if (key->fields < 0 ? nfields < 2 : nfields != (size_t) key->fields + 1)
		return fail(EXIT_RUNTIME, "wrong number of fields for `%s`", name);
	return 0;
}

static int check_complete(const struct conf *c)
{
	if (c->mode == MODE_EXEC) {
		if (!c->pid)
			return fail(EXIT_RUNTIME, "missing key `pid`");
	} else if (!c->rootfs) {
		return fail(EXIT_RUNTIME, "missing key `rootfs`");
	}
	if (c->args.n == 0)
		return fail(EXIT_RUNTIME, "missing key `arg`");
	if (c->lower.n && !c->upper != !c->work)
		return fail(EXIT_RUNTIME, "`upper` and `work` go together");
	return 0;
}

/* Prefixes the error with the file's name (fail() cannot read the message it overwrites). */
static int wrap_error(const char *path)
{
	char msg[sizeof shim_error.msg];
	memcpy(msg, shim_error.msg, sizeof msg);
	return fail(EXIT_RUNTIME, "invalid conf `%s`: %s", path, msg);
}

int conf_load(const char *path, enum shim_mode mode, struct conf *c)
{
	size_t len;
	char *data = read_file_all(path, &len);
	if (!data)
		return fail_errno(EXIT_RUNTIME, "cannot read `%s`", path);
	memset(c, 0, sizeof *c);
	c->mode = mode;
	c->network = NET_NONE;
	unsigned seen[(NKEYS + 31) / 32] = {0};
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] != CONF_RECORD_END)
			continue;
		char **f;
		size_t nf = split_fields(data + start, &f);
		int ret = check_record(find_key(f[0]), nf, f[0], seen, mode);
		if (ret == 0)
			ret = apply(c, f, nf);
		free(f);
		if (ret < 0)
			return wrap_error(path);
		start = i + 1;
	}
	if (start != len)
		return fail(EXIT_RUNTIME, "invalid conf `%s`: last record is not terminated", path);
	if (check_complete(c) < 0)
		return wrap_error(path);
	return 0;
}

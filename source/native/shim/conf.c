/*
 * The CONF file: NUL-terminated records of 0x1f-separated fields, the first field the key
 * (protocol.h). The whole file stays in memory; fields point into it. Each key is one row of
 * the table below: how many fields, whether it repeats, in which mode, and where it goes.
 */
#include "shim.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum kind {
	K_STRING,    /* char * */
	K_PATH,      /* char *, absolute */
	K_BOOL,      /* bool: "1", or "0"/"" */
	K_LIST,      /* struct strv, one entry per record */
	K_PATH_LIST, /* struct strv of absolute paths */
	K_ARGV,      /* struct strv, every field of the one record */
	K_CUSTOM,
};

typedef int (*apply_fn)(struct conf *c, char **f);

struct key {
	const char *name;
	int fields; /* fields after the key; -1: one or more */
	bool repeat;
	int modes;
	enum kind kind;
	size_t offset;
	apply_fn apply;
};

static int apply_mount(struct conf *c, char **f);
static int apply_rlimit(struct conf *c, char **f);
static int apply_network(struct conf *c, char **f);
static int apply_caps(struct conf *c, char **f);
static int apply_pid(struct conf *c, char **f);

#define RUN MODE_RUN
#define EXEC MODE_EXEC
#define BOTH (MODE_RUN | MODE_EXEC)
#define AT(field) offsetof(struct conf, field)

static const struct key keys[] = {
	{"id", 1, false, RUN, K_STRING, AT(id), NULL},
	{"rootfs", 1, false, RUN, K_PATH, AT(rootfs), NULL},
	{"lower", 1, true, RUN, K_PATH_LIST, AT(lower), NULL},
	{"upper", 1, false, RUN, K_PATH, AT(upper), NULL},
	{"work", 1, false, RUN, K_PATH, AT(work), NULL},
	{"volatile", 1, false, RUN, K_BOOL, AT(volatile_upper), NULL},
	{"readonly_rootfs", 1, false, RUN, K_BOOL, AT(readonly_rootfs), NULL},
	{"mount", 5, true, RUN, K_CUSTOM, 0, apply_mount},
	{"mask", 1, true, RUN, K_LIST, AT(mask), NULL},
	{"readonly", 1, true, RUN, K_LIST, AT(readonly), NULL},
	{"hostname", 1, false, RUN, K_STRING, AT(hostname), NULL},
	{"cwd", 1, false, BOTH, K_STRING, AT(cwd), NULL},
	{"user", 1, false, BOTH, K_STRING, AT(user), NULL},
	{"env", 1, true, BOTH, K_LIST, AT(env), NULL},
	{"arg", 1, true, BOTH, K_LIST, AT(args), NULL},
	{"tty", 1, false, BOTH, K_BOOL, AT(tty), NULL},
	{"stdin", 1, false, RUN, K_BOOL, AT(stdin_open), NULL},
	{"caps", 1, false, BOTH, K_CUSTOM, 0, apply_caps},
	{"no_new_privileges", 1, false, BOTH, K_BOOL, AT(no_new_privileges), NULL},
	{"seccomp", 1, false, BOTH, K_BOOL, AT(seccomp), NULL},
	{"privileged", 1, false, RUN, K_BOOL, AT(privileged), NULL},
	{"rlimit", 3, true, RUN, K_CUSTOM, 0, apply_rlimit},
	{"cgroup", 1, true, BOTH, K_PATH_LIST, AT(cgroups), NULL},
	{"oom", 1, false, RUN, K_PATH, AT(oom), NULL},
	{"network", 1, false, RUN, K_CUSTOM, 0, apply_network},
	{"netns", 1, false, RUN, K_PATH, AT(netns), NULL},
	{"init", 1, false, RUN, K_BOOL, AT(init), NULL},
	{"log", 1, false, RUN, K_PATH, AT(log), NULL},
	{"attach", 1, false, RUN, K_PATH, AT(attach), NULL},
	{"wait_attach", 1, false, RUN, K_BOOL, AT(wait_attach), NULL},
	{"exit", 1, false, RUN, K_PATH, AT(exit_file), NULL},
	{"pidfile", 1, false, RUN, K_PATH, AT(pidfile), NULL},
	{"shimpid", 1, false, RUN, K_PATH, AT(shimpid), NULL},
	{"cleanup", -1, false, RUN, K_ARGV, AT(cleanup), NULL},
	{"pid", 1, false, EXEC, K_CUSTOM, 0, apply_pid},
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

/* Paths must not depend on the shim's working directory: it moves to / to keep nothing busy. */
static int check_absolute(const char *key, const char *path)
{
	if (path[0] != '/')
		return fail(EXIT_RUNTIME, "`%s` path `%s` is not absolute", key, path);
	return 0;
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

static int parse_number(const char *key, const char *value, int base, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(value, &end, base);
	if (errno || end == value || *end || value[0] == '-')
		return fail(EXIT_RUNTIME, "invalid value `%s` for `%s`", value, key);
	*out = n;
	return 0;
}

static int parse_limit(const char *value, uint64_t *out)
{
	if (strcmp(value, "unlimited") == 0 || strcmp(value, "-1") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	return parse_number("rlimit", value, 10, out);
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

static int apply_network(struct conf *c, char **f)
{
	if (strcmp(f[1], "none") == 0)
		c->network = NET_NONE;
	else if (strcmp(f[1], "host") == 0)
		c->network = NET_HOST;
	else
		return fail(EXIT_RUNTIME, "invalid network `%s`", f[1]);
	return 0;
}

static int apply_caps(struct conf *c, char **f)
{
	if (parse_number("caps", f[1], 16, &c->caps) < 0)
		return -1;
	c->has_caps = true;
	return 0;
}

static int apply_pid(struct conf *c, char **f)
{
	uint64_t n = 0;
	if (parse_number("pid", f[1], 10, &n) < 0 || n < 1 || n > 0x7fffffff)
		return fail(EXIT_RUNTIME, "invalid pid `%s`", f[1]);
	c->pid = (pid_t) n;
	return 0;
}

static int apply(struct conf *c, const struct key *k, char **f, size_t nf)
{
	void *slot = (char *) c + k->offset;
	switch (k->kind) {
	case K_PATH:
		if (check_absolute(k->name, f[1]) < 0)
			return -1;
		/* fall through */
	case K_STRING:
		*(char **) slot = f[1];
		return 0;
	case K_BOOL:
		return parse_bool(k->name, f[1], slot);
	case K_PATH_LIST:
		if (check_absolute(k->name, f[1]) < 0)
			return -1;
		/* fall through */
	case K_LIST:
		strv_push(slot, f[1]);
		return 0;
	case K_ARGV:
		for (size_t i = 1; i < nf; i++)
			strv_push(slot, f[i]);
		return 0;
	case K_CUSTOM:
		return k->apply(c, f);
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

static int check_record(const struct key *key, size_t nfields, const char *name, bool *seen, enum shim_mode mode)
{
	if (!key || !(key->modes & mode))
		return fail(EXIT_RUNTIME, "unknown key `%s`", name);
	if (!key->repeat && seen[key - keys])
		return fail(EXIT_RUNTIME, "key `%s` given twice", name);
	seen[key - keys] = true;
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
	if (!c->upper != !c->work)
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
	bool seen[NKEYS] = {false};
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] != CONF_RECORD_END)
			continue;
		char **f;
		size_t nf = split_fields(data + start, &f);
		const struct key *key = find_key(f[0]);
		int ret = check_record(key, nf, f[0], seen, mode);
		if (ret == 0)
			ret = apply(c, key, f, nf);
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

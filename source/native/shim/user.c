/*
 * Users and groups, resolved in the container's own /etc/passwd and /etc/group (never the
 * host's: libc's getpwnam would read the host files and NSS modules), and resource limits.
 */
#include "shim.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct entry {
	char *f[7]; /* passwd: name pw uid gid gecos home shell; group: name pw gid members */
	size_t n;
};

/* Splits a passwd/group line into its ':' fields, in place. */
static void split_entry(char *line, struct entry *e)
{
	line[strcspn(line, "\n")] = '\0';
	e->n = 0;
	char *p = line;
	while (e->n < 7) {
		e->f[e->n++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
}

static bool parse_id(const char *s, unsigned long *out)
{
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	*out = strtoul(s, NULL, 10);
	return errno == 0 && *out < 0xffffffffUL;
}

/* Calls `fn` on every entry of FILE until it returns true; missing files have no entries. */
static bool each_entry(const char *file, size_t min_fields, bool (*fn)(struct entry *, void *), void *arg)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return false;
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	while (!found && getline(&line, &cap, f) > 0) {
		struct entry e;
		split_entry(line, &e);
		if (e.n >= min_fields)
			found = fn(&e, arg);
	}
	free(line);
	fclose(f);
	return found;
}

struct pw_query {
	const char *name;  /* match by name, or */
	uid_t uid;         /* by uid when name is NULL */
	char *match_name;
	uid_t match_uid;
	gid_t match_gid;
	char *home;
};

static bool match_passwd(struct entry *e, void *arg)
{
	struct pw_query *q = arg;
	unsigned long uid, gid;
	if (!parse_id(e->f[2], &uid) || !parse_id(e->f[3], &gid))
		return false;
	if (q->name ? strcmp(e->f[0], q->name) != 0 : uid != q->uid)
		return false;
	q->match_name = xstrdup(e->f[0]);
	q->match_uid = uid;
	q->match_gid = gid;
	q->home = xstrdup(e->n >= 6 && e->f[5][0] ? e->f[5] : "/");
	return true;
}

struct gr_query {
	const char *name;
	gid_t gid;
};

static bool match_group(struct entry *e, void *arg)
{
	struct gr_query *q = arg;
	unsigned long gid;
	if (strcmp(e->f[0], q->name) != 0 || !parse_id(e->f[2], &gid))
		return false;
	q->gid = gid;
	return true;
}

static void add_group(struct user *u, gid_t gid)
{
	for (size_t i = 0; i < u->ngroups; i++)
		if (u->groups[i] == gid)
			return;
	u->groups = xrealloc(u->groups, (u->ngroups + 1) * sizeof(gid_t));
	u->groups[u->ngroups++] = gid;
}

struct member_query {
	const char *user;
	struct user *out;
};

static bool collect_member(struct entry *e, void *arg)
{
	struct member_query *q = arg;
	unsigned long gid;
	if (e->n < 4 || !parse_id(e->f[2], &gid))
		return false;
	for (char *m = strtok(e->f[3], ","); m; m = strtok(NULL, ","))
		if (strcmp(m, q->user) == 0) {
			add_group(q->out, gid);
			break;
		}
	return false;
}

static int resolve_group(const char *spec, gid_t *gid)
{
	unsigned long n;
	if (parse_id(spec, &n)) {
		*gid = n;
		return 0;
	}
	struct gr_query q = {.name = spec};
	if (!each_entry("/etc/group", 3, match_group, &q))
		return fail(EXIT_RUNTIME, "unable to find group `%s`: no matching entries in group file", spec);
	*gid = q.gid;
	return 0;
}

int user_resolve(const char *spec, struct user *u)
{
	memset(u, 0, sizeof *u);
	char *copy = xstrdup(spec && *spec ? spec : "0");
	char *group = strchr(copy, ':');
	if (group)
		*group++ = '\0';

	struct pw_query q = {0};
	unsigned long n;
	bool numeric = parse_id(copy, &n);
	if (numeric)
		q.uid = n;
	else
		q.name = copy;
	bool found = each_entry("/etc/passwd", 4, match_passwd, &q);
	if (!found && !numeric) {
		fail(EXIT_RUNTIME, "unable to find user `%s`: no matching entries in passwd file", copy);
		free(copy);
		return -1;
	}
	/* A uid missing from passwd runs with gid 0 and HOME=/, as in Docker. */
	u->uid = found ? q.match_uid : (uid_t) n;
	u->gid = found ? q.match_gid : 0;
	u->home = found ? q.home : xstrdup("/");
	if (group && resolve_group(group, &u->gid) < 0) {
		free(copy);
		return -1;
	}
	/*
	 * The primary group leads the supplementary list, as initgroups(3) makes it; the user's
	 * memberships follow only when the group was not forced, like Docker's "user:group".
	 */
	add_group(u, u->gid);
	if (!group && found) {
		struct member_query mq = {q.match_name, u};
		each_entry("/etc/group", 4, collect_member, &mq);
	}
	free(q.match_name);
	free(copy);
	return 0;
}

int user_switch(const struct user *u)
{
	if (setgroups(u->ngroups, u->groups) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot set supplementary groups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot set gid `%u`", (unsigned) u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return fail_errno(EXIT_RUNTIME, "cannot set uid `%u`", (unsigned) u->uid);
	return 0;
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"CPU", RLIMIT_CPU}, {"FSIZE", RLIMIT_FSIZE}, {"DATA", RLIMIT_DATA},
	{"STACK", RLIMIT_STACK}, {"CORE", RLIMIT_CORE}, {"RSS", RLIMIT_RSS},
	{"NPROC", RLIMIT_NPROC}, {"NOFILE", RLIMIT_NOFILE}, {"MEMLOCK", RLIMIT_MEMLOCK},
	{"AS", RLIMIT_AS}, {"LOCKS", RLIMIT_LOCKS}, {"SIGPENDING", RLIMIT_SIGPENDING},
	{"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE}, {"RTPRIO", RLIMIT_RTPRIO},
	{"RTTIME", RLIMIT_RTTIME},
};

int rlimit_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
		if (strcmp(rlimit_names[i].name, name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

/*
 * Raising a hard limit needs CAP_SYS_RESOURCE, which berth's hosts may lack (DESIGN.md), and
 * a container must never get more than its caller had: clamp to the current hard limit.
 */
int rlimits_apply(const struct rlimit_rec *limits, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rlimit cur;
		if (getrlimit(limits[i].resource, &cur) < 0)
			return fail_errno(EXIT_RUNTIME, "cannot read rlimit `%d`", limits[i].resource);
		rlim_t hard = limits[i].hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t) limits[i].hard;
		rlim_t soft = limits[i].soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t) limits[i].soft;
		if (cur.rlim_max != RLIM_INFINITY && (hard == RLIM_INFINITY || hard > cur.rlim_max))
			hard = cur.rlim_max;
		if (hard != RLIM_INFINITY && (soft == RLIM_INFINITY || soft > hard))
			soft = hard;
		struct rlimit next = {soft, hard};
		if (setrlimit(limits[i].resource, &next) < 0)
			return fail_errno(EXIT_RUNTIME, "cannot set rlimit `%d` to `%llu:%llu`", limits[i].resource,
			                  (unsigned long long) soft, (unsigned long long) hard);
	}
	return 0;
}

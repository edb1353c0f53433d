/*
 * Ending the sessions of ended grants (jit_end.h).
 *
 * Each round: first the sessions being ended (SIGTERM sent) whose grace
 * is over get SIGKILL, then every record in jit_session_dir is looked at.
 * A record whose process is gone (or whose pid now names another process,
 * by its start time) is stale and removed. A session ends when the clock
 * has passed the record's not_after, or when the cache names the user no
 * longer as a member of the role's group; the cache counts for that only
 * when its snapshot was made after the record was written, since an older
 * one may predate the grant itself (pam_jit may activate the grant a
 * moment before it writes the record). Such a cache that lists the
 * membership with a later end than not_after tells of an extension of the
 * grant: the session runs until that end, which is remembered while the
 * record is there (so that a revocation after the first end is still
 * one).
 *
 * A session's processes are the record's process and its descendants,
 * found through the parent pids in /proc. They are stopped (SIGSTOP) round
 * after round until a round finds no new one, so that none can fork out of
 * reach while they are signalled; then they get SIGTERM and SIGCONT, and
 * after jit_end_grace whatever remains of them (and of their children)
 * SIGKILL, the same way. Every signal goes to a (pid, start time) checked
 * just before, through a pidfd where the kernel has them, so a pid that was
 * reused is never signalled; pid 1 and iamd itself never are.
 *
 * The state lives in one static struct: iamd runs one such thread.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit_event.h"
#include "cache.h"
#include "deliver.h"
#include "jit_end.h"
#include "jit_session.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "safe_file.h"

/* A round at least this often, and never closer together than the floor. */
#define ROUND_MAX_MS 1000LL
#define ROUND_MIN_MS 10LL
/* Stop rounds while building a tree: a stopped process cannot fork, so
 * a few rounds find the whole tree unless processes fork faster than
 * they can be stopped. */
#define FREEZE_ROUNDS 16

struct member {
	pid_t pid;
	unsigned long long start;
};

struct tree {
	struct member *v;
	size_t n, cap;
};

/* A session that got SIGTERM and waits for its grace to end. */
struct ending {
	struct iam_jit_session s;
	const char *why;
	struct tree tree;
	long long kill_at;   /* CLOCK_MONOTONIC, ms */
};

/* The cache last mapped, and which file it was (to map a new one only
 * when iamd has replaced it). */
struct cache_view {
	int tried, valid;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct iam_cache_map map;
};

/* A session whose grant a cache said was extended: it runs until end,
 * later than its record's not_after. Kept while its record is seen, so
 * that a revocation after the record's not_after still reads as one. */
struct extension {
	pid_t pid;
	unsigned long long start;
	int64_t end;
	unsigned round;          /* the last round that saw its record */
};

struct jit_end {
	struct agent *a;
	pthread_mutex_t lock;
	pthread_cond_t kick;     /* on CLOCK_MONOTONIC */
	int kicked, running;
	struct ending *endings;
	size_t nendings;
	struct extension *extensions;
	size_t nextensions;
	unsigned round;
	struct cache_view cache;
	char dir_problem[sizeof(((struct iam_err *)0)->msg)]; /* logged once */
};

static struct jit_end job;

static long long clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void earlier(long long *next, long long ms)
{
	if (ms < *next)
		*next = ms;
}

/* A name of digits only without a leading zero, as records and /proc
 * entries are named; 0 for anything else (temporary files included). */
static pid_t pid_of_name(const char *name)
{
	long long v = 0;
	size_t i;

	if (name[0] < '1' || name[0] > '9')
		return 0;
	for (i = 0; name[i]; i++) {
		if (name[i] < '0' || name[i] > '9' || i >= 7)
			return 0;
		v = v * 10 + (name[i] - '0');
	}
	return v <= IAM_JIT_PID_MAX ? (pid_t)v : 0;
}

/* --- Processes ------------------------------------------------------------- */

/* The state letter of /proc/PID/stat ('R', 'S', 'Z'...), 0 if unreadable. */
static char proc_state(pid_t pid)
{
	char path[64], line[512], state = 0;
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, line, sizeof(line) - 1);
		close(fd);
		if (n > 0) {
			line[n] = '\0';
			p = strrchr(line, ')');
			if (p && p[1] == ' ')
				state = p[2];
		}
	}
	return state;
}

/* The process (pid, start) still runs: not gone, not reused, not a zombie. */
static int alive(pid_t pid, unsigned long long start)
{
	struct iam_proc_stat st;
	char state;

	if (iam_proc_stat(pid, &st) < 0 || st.start != start)
		return 0;
	state = proc_state(pid);
	return state != 0 && state != 'Z' && state != 'X';
}

static int never_signalled(pid_t pid)
{
	return pid <= 1 || pid == getpid();
}

/* sig to the process (pid, start) and to no other. With a pidfd, the start
 * time is checked after the pidfd pins the process, so no reuse can slip
 * in between; without (old kernels), the window is a few instructions. */
static int signal_one(const struct member *m, int sig)
{
	struct iam_proc_stat st;
	int r;

	if (never_signalled(m->pid))
		return -EPERM;
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
	{
		int fd = (int)syscall(SYS_pidfd_open, m->pid, 0);

		if (fd >= 0) {
			r = iam_proc_stat(m->pid, &st) == 0 && st.start == m->start ? 0 : -ESRCH;
			if (r == 0 && syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
				r = -errno;
			close(fd);
			return r;
		}
		if (errno == ESRCH)
			return -ESRCH;
	}
#endif
	r = iam_proc_stat(m->pid, &st) == 0 && st.start == m->start ? 0 : -ESRCH;
	if (r == 0 && kill(m->pid, sig) < 0)
		r = -errno;
	return r;
}

/* Every process of /proc with its parent and start time. */
struct procs {
	struct iam_proc_stat *v;
	size_t n, cap;
};

static int procs_read(struct procs *p)
{
	struct iam_proc_stat st, *grown;
	struct dirent *e;
	DIR *d = opendir("/proc");
	pid_t pid;
	int r = 0;

	p->n = 0;
	if (!d)
		return -errno;
	while (r == 0 && (e = readdir(d)) != NULL) {
		pid = pid_of_name(e->d_name);
		if (pid <= 0 || iam_proc_stat(pid, &st) < 0)
			continue;
		if (p->n == p->cap) {
			grown = realloc(p->v, (p->cap ? p->cap * 2 : 256) * sizeof(*grown));
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			p->v = grown;
			p->cap = p->cap ? p->cap * 2 : 256;
		}
		p->v[p->n++] = st;
	}
	closedir(d);
	return r;
}

static long tree_find(const struct tree *t, pid_t pid)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].pid == pid)
			return (long)i;
	return -1;
}

static int tree_add(struct tree *t, pid_t pid, unsigned long long start)
{
	struct member *grown;

	if (t->n == t->cap) {
		grown = realloc(t->v, (t->cap ? t->cap * 2 : 16) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->v = grown;
		t->cap = t->cap ? t->cap * 2 : 16;
	}
	t->v[t->n].pid = pid;
	t->v[t->n].start = start;
	t->n++;
	return 0;
}

/* clang-analyzer cannot tell that the entries of endings[] own distinct
 * trees once advance() moves the last one into a finished one's place. */
static void tree_free(struct tree *t)
{
	free(t->v); /* NOLINT(clang-analyzer-unix.Malloc): see above */
	memset(t, 0, sizeof(*t));
}

/* Drops the members that p no longer has with the same start time. */
static void tree_prune(struct tree *t, const struct procs *p)
{
	size_t i, k, kept = 0;

	for (i = 0; i < t->n; i++) {
		for (k = 0; k < p->n; k++)
			if (p->v[k].pid == t->v[i].pid && p->v[k].start == t->v[i].start)
				break;
		if (k < p->n)
			t->v[kept++] = t->v[i];
	}
	t->n = kept;
}

/* Adds every process of p whose parent is a member, until none is left. */
static void tree_grow(struct tree *t, const struct procs *p)
{
	size_t k;
	int grew = 1;

	while (grew) {
		grew = 0;
		for (k = 0; k < p->n; k++) {
			const struct iam_proc_stat *q = &p->v[k];

			if (never_signalled(q->pid) || tree_find(t, q->pid) >= 0 ||
			    tree_find(t, q->ppid) < 0)
				continue;
			if (tree_add(t, q->pid, q->start) < 0)
				return;
			grew = 1;
		}
	}
}

/* Completes t with the descendants of its members and stops them all;
 * members that are gone are dropped. */
static void freeze(struct tree *t)
{
	struct procs p = { NULL, 0, 0 };
	size_t i, before;
	int round;

	for (i = 0; i < t->n; i++)
		signal_one(&t->v[i], SIGSTOP);
	for (round = 0; round < FREEZE_ROUNDS; round++) {
		if (procs_read(&p) < 0)
			break;
		tree_prune(t, &p);
		before = t->n;
		tree_grow(t, &p);
		for (i = before; i < t->n; i++)
			signal_one(&t->v[i], SIGSTOP);
		if (t->n == before)
			break;
	}
	free(p.v);
}

/* SIGTERM, then SIGCONT so that stopped processes see it. The busy lock
 * keeps a stop of iamd from leaving processes stopped. */
static void term_tree(struct agent *a, struct tree *t)
{
	size_t i;

	pthread_mutex_lock(&a->busy);
	freeze(t);
	for (i = 0; i < t->n; i++)
		signal_one(&t->v[i], SIGTERM);
	for (i = 0; i < t->n; i++)
		signal_one(&t->v[i], SIGCONT);
	pthread_mutex_unlock(&a->busy);
}

/* SIGKILL to what is left of the tree and to its new children; how many
 * processes it went to. */
static size_t kill_tree(struct agent *a, struct tree *t)
{
	size_t i, killed = 0;

	pthread_mutex_lock(&a->busy);
	freeze(t);
	for (i = 0; i < t->n; i++)
		if (alive(t->v[i].pid, t->v[i].start) && signal_one(&t->v[i], SIGKILL) == 0)
			killed++;
	pthread_mutex_unlock(&a->busy);
	return killed;
}

static int tree_gone(const struct tree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (alive(t->v[i].pid, t->v[i].start)) /* NOLINT(clang-analyzer-unix.Malloc) */
			return 0;
	return 1;
}

/* --- Logging and audit ----------------------------------------------------- */

static void add_session(struct iam_buf *line, const struct iam_jit_session *s)
{
	iam_kv_add(line, "user", s->user);
	iam_kv_add(line, "role", s->role);
	iam_kv_add(line, "group", s->group);
	iam_kv_addll(line, "grant", (long long)s->grant);
	iam_kv_addll(line, "pid", (long long)s->pid);
}

static void log_session(int prio, const char *event, const struct iam_jit_session *s,
			const char *key, const char *value)
{
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", event);
	add_session(&line, s);
	if (key)
		iam_kv_add(&line, key, value);
	iam_log(prio, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

static void log_end(const struct jit_end *j, const struct ending *e)
{
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "jit_session_end");
	add_session(&line, &e->s);
	iam_kv_add(&line, "why", e->why);
	iam_kv_addll(&line, "not_after", (long long)e->s.not_after);
	iam_kv_addll(&line, "processes", (long long)e->tree.n);
	iam_kv_addf(&line, "grace", "%llds", j->a->cfg.jit_end_grace);
	iam_log(LOG_NOTICE, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

/* jit.session.end into the spool; the delivery thread sends it. */
static void report_end(struct jit_end *j, const struct ending *e)
{
	struct json_object *data = json_object_new_object(), *ev = NULL;
	struct iam_err err = { "" };

	if (data) {
		iam_json_add_str(data, "role", e->s.role);
		iam_json_add_str(data, "group", e->s.group);
		iam_json_add_int(data, "grant", e->s.grant);
		iam_json_add_int(data, "pid", e->s.pid);
		iam_json_add_str(data, "why", e->why);
		iam_json_add_int(data, "not_after", e->s.not_after);
		iam_json_add_int(data, "processes", (int64_t)e->tree.n);
	}
	if (iam_event_new("jit.session.end", e->s.user, time(NULL), data, &ev, &err) < 0 ||
	    iam_event_report(NULL, j->a->cfg.spool_dir, j->a->cfg.spool_max, ev, NULL, &err) < 0)
		log_session(LOG_ERR, "audit_lost", &e->s, "error", err.msg);
	else
		deliver_kick(j->a);
	json_object_put(ev);
}

/* --- The sessions being ended --------------------------------------------- */

static struct ending *ending_of(struct jit_end *j, pid_t pid)
{
	size_t i;

	for (i = 0; i < j->nendings; i++)
		if (j->endings[i].s.pid == pid)
			return &j->endings[i];
	return NULL;
}

static void begin_end(struct jit_end *j, const struct iam_jit_session *s, const char *why,
		      long long *next)
{
	struct ending e, *grown;
	struct iam_err err = { "" };

	memset(&e, 0, sizeof(e));
	e.s = *s;
	e.why = why;
	if (never_signalled(s->pid)) {
		log_session(LOG_ERR, "jit_session_refused", s, "error",
			    s->pid == 1 ? "the record names pid 1" : "the record names iamd");
		iam_jit_session_forget(j->a->cfg.jit_session_dir, s->pid, &err);
		return;
	}
	grown = realloc(j->endings, (j->nendings + 1) * sizeof(*grown));
	if (!grown || tree_add(&e.tree, s->pid, s->start) < 0) {
		if (grown)
			j->endings = grown;
		log_session(LOG_ERR, "jit_session_end_failed", s, "error", "out of memory");
		return;
	}
	j->endings = grown;
	term_tree(j->a, &e.tree);
	e.kill_at = clock_ms(CLOCK_MONOTONIC) + j->a->cfg.jit_end_grace * 1000;
	log_end(j, &e);
	report_end(j, &e);
	j->endings[j->nendings++] = e;
	earlier(next, j->a->cfg.jit_end_grace * 1000);
}

static void finish(struct jit_end *j, struct ending *e, size_t killed)
{
	struct iam_err err = { "" };
	struct iam_buf line;

	if (iam_jit_session_forget(j->a->cfg.jit_session_dir, e->s.pid, &err) < 0)
		log_session(LOG_ERR, "jit_session_record", &e->s, "error", err.msg);
	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "jit_session_ended");
	add_session(&line, &e->s);
	iam_kv_add(&line, "why", e->why);
	iam_kv_addll(&line, "killed", (long long)killed);
	iam_log(killed ? LOG_NOTICE : LOG_INFO, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
	tree_free(&e->tree);
}

/* SIGKILL for the sessions whose grace is over; done for those that are. */
static void advance(struct jit_end *j, long long *next)
{
	long long now = clock_ms(CLOCK_MONOTONIC);
	struct ending *e;
	size_t i = 0;

	while (i < j->nendings) {
		e = &j->endings[i];
		if (tree_gone(&e->tree)) {
			finish(j, e, 0);
		} else if (now >= e->kill_at) {
			finish(j, e, kill_tree(j->a, &e->tree));
		} else {
			earlier(next, e->kill_at - now);
			i++;
			continue;
		}
		/* the last one takes the finished one's place */
		if (i + 1 < j->nendings)
			j->endings[i] = j->endings[j->nendings - 1];
		j->nendings--;
	}
}

/* --- Revocation: the cache ------------------------------------------------ */

/* The cache iamd put in place, mapped again only when the file changed;
 * NULL when there is none or it is not valid (then only not_after ends
 * sessions). */
static const struct iam_cache *current_cache(struct jit_end *j)
{
	struct cache_view *v = &j->cache;
	const char *path = j->a->cfg.cache_path;
	struct iam_err err = { "" };
	struct iam_buf line;
	struct stat st;

	if (stat(path, &st) < 0) {
		if (v->valid)
			iam_cache_unmap(&v->map);
		v->tried = v->valid = 0;
		return NULL;
	}
	if (v->tried && st.st_dev == v->dev && st.st_ino == v->ino && st.st_size == v->size &&
	    st.st_mtim.tv_sec == v->mtime.tv_sec && st.st_mtim.tv_nsec == v->mtime.tv_nsec)
		return v->valid ? &v->map.c : NULL;
	if (v->valid)
		iam_cache_unmap(&v->map);
	v->tried = 1;
	v->dev = st.st_dev;
	v->ino = st.st_ino;
	v->size = st.st_size;
	v->mtime = st.st_mtim;
	v->valid = iam_cache_map(path, &v->map, &err) == 0;
	if (!v->valid) {
		iam_buf_init(&line, 0);
		iam_kv_add(&line, "event", "jit_cache_invalid");
		iam_kv_add(&line, "path", path);
		iam_kv_add(&line, "error", err.msg);
		iam_kv_add(&line, "effect", "sessions end at their not_after only");
		iam_log(LOG_WARNING, "%s", iam_buf_str(&line));
		iam_buf_free(&line);
	}
	return v->valid ? &v->map.c : NULL;
}

/* The end of the user's membership of group in the cache at now: its
 * until, INT64_MAX for one without an end, 0 when there is none. */
static int64_t membership_end(const struct iam_cache *c, const char *user, const char *group,
			      time_t now)
{
	const struct iam_cache_member *m;
	const struct iam_cache_group *g;
	long u = iam_cache_find_user(c, user), gi = iam_cache_find_group(c, group);
	int64_t last = 0;
	size_t i, n = 0;

	g = gi >= 0 ? iam_cache_group(c, (size_t)gi) : NULL;
	m = g && u >= 0 ? iam_cache_group_members(c, g, &n) : NULL;
	for (i = 0; m && i < n; i++) {
		if (m[i].index != (uint32_t)u || !iam_cache_member_active(&m[i], now))
			continue;
		if (m[i].until == 0)
			return INT64_MAX;
		if (m[i].until > last)
			last = m[i].until;
	}
	return last;
}

/*
 * 1 when a valid cache made after the record was written speaks for the
 * grant, with *end the end of the user's membership of the role's group
 * (INT64_MAX: without an end; 0: none, the grant was revoked). 0 when
 * there is no such cache: none valid, or one made in the second the record
 * was written or before, which may predate the grant.
 */
static int cache_verdict(struct jit_end *j, const struct iam_jit_session *s, const char *path,
			 long long now_ms, int64_t *end)
{
	const struct iam_cache *c = current_cache(j);
	struct stat st;

	if (!c || lstat(path, &st) < 0 || c->h->created_at <= (int64_t)st.st_mtime)
		return 0;
	*end = membership_end(c, s->user, s->group, (time_t)(now_ms / 1000));
	return 1;
}

/* --- Extensions ---------------------------------------------------------------- */

static struct extension *extension_of(struct jit_end *j, const struct iam_jit_session *s)
{
	size_t i;

	for (i = 0; i < j->nextensions; i++)
		if (j->extensions[i].pid == s->pid && j->extensions[i].start == s->start)
			return &j->extensions[i];
	return NULL;
}

/* s->not_after is the grant's new end. */
static void extension_learnt(struct jit_end *j, const struct iam_jit_session *s)
{
	struct extension *x = extension_of(j, s), *grown;
	struct iam_buf line;

	if (!x) {
		grown = realloc(j->extensions, (j->nextensions + 1) * sizeof(*grown));
		if (!grown)
			return;   /* learnt again next round */
		j->extensions = grown;
		x = &j->extensions[j->nextensions++];
		x->pid = s->pid;
		x->start = s->start;
	}
	x->end = s->not_after;
	x->round = j->round;
	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "jit_session_extended");
	add_session(&line, s);
	iam_kv_addll(&line, "not_after", (long long)s->not_after);
	iam_log(LOG_INFO, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

/* Forgets the extensions of records the last round did not see. */
static void extensions_sweep(struct jit_end *j)
{
	size_t i = 0;

	while (i < j->nextensions) {
		if (j->extensions[i].round != j->round)
			j->extensions[i] = j->extensions[--j->nextensions];
		else
			i++;
	}
}

/* --- The records ------------------------------------------------------------- */

/* A record that cannot be believed is removed (action=removed); one that
 * cannot be read now is kept for the next round (action=none). */
static void log_record(const char *event, const char *path, const struct iam_err *err,
		       const char *action)
{
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", event);
	iam_kv_add(&line, "path", path);
	iam_kv_add(&line, "error", err->msg);
	iam_kv_add(&line, "action", action);
	iam_log(LOG_WARNING, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

static void look_at(struct jit_end *j, pid_t pid, long long *next)
{
	const char *dir = j->a->cfg.jit_session_dir, *why = NULL;
	struct iam_err err = { "" };
	struct iam_jit_session s;
	struct iam_proc_stat ps;
	struct extension *x;
	char path[PATH_MAX];
	int64_t member_end = 0;
	long long now;
	int r, gone = 0;

	snprintf(path, sizeof(path), "%s/%d", dir, (int)pid);
	r = iam_jit_session_load(path, &s, &err);
	if (r == 0 && s.pid != pid) {
		iam_err_set(&err, "%s: the record names pid %d", path, (int)s.pid);
		r = -EBADMSG;
	}
	if (r == -EBADMSG || r == -EPERM || r == -EACCES) {
		log_record("jit_session_invalid", path, &err,
			   unlink(path) == 0 || errno == ENOENT ? "removed" : "kept");
		return;
	}
	if (r < 0) {
		if (r != -ENOENT)
			log_record("jit_session_unreadable", path, &err, "none");
		return;
	}
	r = iam_proc_stat(pid, &ps);
	if (r == -ENOENT || (r == 0 && !alive(pid, s.start))) {
		log_session(LOG_INFO, "jit_session_stale", &s, "reason",
			    r == 0 && ps.start != s.start ? "pid_reused" : "gone");
		if (iam_jit_session_forget(dir, pid, &err) < 0)
			log_session(LOG_ERR, "jit_session_record", &s, "error", err.msg);
		return;
	}
	if (r < 0)
		return;
	/* A newer cache that lists the membership with a later end tells of
	 * an extension of the grant: the session runs until then. */
	x = extension_of(j, &s);
	if (x) {
		x->round = j->round;
		if (x->end > s.not_after)
			s.not_after = x->end;
	}
	now = clock_ms(CLOCK_REALTIME);
	if (cache_verdict(j, &s, path, now, &member_end)) {
		gone = member_end == 0;
		if (member_end != INT64_MAX && member_end > s.not_after) {
			s.not_after = member_end < IAM_JIT_TIME_MAX ? member_end : IAM_JIT_TIME_MAX;
			extension_learnt(j, &s);
		}
	}
	if (now >= s.not_after * 1000)
		why = "expired";
	else if (gone)
		why = "revoked";
	if (why)
		begin_end(j, &s, why, next);
	else
		earlier(next, s.not_after * 1000 - now);
}

/* The directory is usable: root's and closed, or missing (no sessions).
 * Records in a directory others could write to are not believed. */
static int dir_usable(struct jit_end *j)
{
	struct iam_err err = { "" };
	struct iam_buf line;
	int r = iam_dir_private(j->a->cfg.jit_session_dir, "JIT session directory", 0, 0, &err);

	if (r < 0 && r != -ENOENT && strcmp(err.msg, j->dir_problem) != 0) {
		iam_buf_init(&line, 0);
		iam_kv_add(&line, "event", "jit_dir_unsafe");
		iam_kv_add(&line, "error", err.msg);
		iam_kv_add(&line, "effect", "no session is ended until it is fixed");
		iam_log(LOG_ERR, "%s", iam_buf_str(&line));
		iam_buf_free(&line);
		snprintf(j->dir_problem, sizeof(j->dir_problem), "%s", err.msg);
	}
	if (r == 0)
		j->dir_problem[0] = '\0';
	return r == 0;
}

static void scan(struct jit_end *j, long long *next)
{
	struct dirent *e;
	DIR *d;
	pid_t pid;

	if (!dir_usable(j) || (d = opendir(j->a->cfg.jit_session_dir)) == NULL)
		return;
	j->round++;
	while ((e = readdir(d)) != NULL) {
		pid = pid_of_name(e->d_name);
		if (pid > 0 && !ending_of(j, pid))
			look_at(j, pid, next);
	}
	closedir(d);
	extensions_sweep(j);
}

/* --- The thread ------------------------------------------------------------ */

static void wait_for_kick(struct jit_end *j, long long ms)
{
	struct timespec until;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->lock);
	while (!j->kicked && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&j->kick, &j->lock, &until);
	j->kicked = 0;
	pthread_mutex_unlock(&j->lock);
}

static void *worker(void *arg)
{
	struct jit_end *j = arg;
	long long next;

	for (;;) {
		next = ROUND_MAX_MS;
		advance(j, &next);
		scan(j, &next);
		wait_for_kick(j, next < ROUND_MIN_MS ? ROUND_MIN_MS : next);
	}
	return NULL;
}

void jit_end_kick(void)
{
	if (!job.running)
		return;
	pthread_mutex_lock(&job.lock);
	job.kicked = 1;
	pthread_cond_signal(&job.kick);
	pthread_mutex_unlock(&job.lock);
}

int jit_end_start(struct agent *a)
{
	pthread_condattr_t attr;
	pthread_t thread;
	struct iam_buf line;

	if (!a->cfg.jit_end_sessions)
		return 0;
	memset(&job, 0, sizeof(job));
	job.a = a;
	pthread_mutex_init(&job.lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&job.kick, &attr);
	pthread_condattr_destroy(&attr);
	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "jit_end_sessions");
	iam_kv_add(&line, "dir", a->cfg.jit_session_dir);
	iam_kv_addf(&line, "grace", "%llds", a->cfg.jit_end_grace);
	iam_log(LOG_INFO, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
	/* set first: the sync worker, which kicks, starts after this returns */
	job.running = 1;
	if (pthread_create(&thread, NULL, worker, &job) != 0) {
		job.running = 0;
		return -EAGAIN;
	}
	pthread_detach(thread);
	return 0;
}

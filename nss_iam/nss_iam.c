/*
 * libnss_iam.so.2: directory users and groups from the local cache that
 * iamd keeps. Each entry point saves errno, validates its input, does the
 * work through negative-errno helpers, and translates once:
 *   0        -> NSS_STATUS_SUCCESS (errno as it was)
 *   -ENOENT  -> NSS_STATUS_NOTFOUND, *errnop = ENOENT
 *   -ERANGE  -> NSS_STATUS_TRYAGAIN, *errnop = ERANGE (glibc retries bigger)
 *   -EUNATCH -> NSS_STATUS_UNAVAIL, *errnop = ENOENT (no usable cache)
 *   -ENOMEM  -> NSS_STATUS_TRYAGAIN, *errnop = ENOMEM
 * No network, no threads, no syslog, no output; no allocation per lookup.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "names.h"
#include "nss_iam.h"
#include "nss_fill.h"
#include "nss_state.h"

#define EXPORT __attribute__((visibility("default")))

static enum nss_status translate(int r, int *errnop, int saved)
{
	switch (r) {
	case 0:
		errno = saved;
		return NSS_STATUS_SUCCESS;
	case -ERANGE:
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	case -ENOMEM:
		*errnop = ENOMEM;
		return NSS_STATUS_TRYAGAIN;
	case -EUNATCH:
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	default:
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
}

static int acquire(struct nss_view *v)
{
	int r = nss_acquire(v);

	return r == -ENOENT ? -EUNATCH : r;
}

/* Ends a lookup: a miss caused by a chunk that failed its check is not
 * "no such entry" but "no usable cache". */
static int release(const struct nss_view *v, int r)
{
	if (r == -ENOENT && iam_cache_corrupt(v->cache))
		r = -EUNATCH;
	nss_release();
	return r;
}

static int user_at(const struct nss_view *v, long i, struct passwd *pw, char *buf, size_t len)
{
	return nss_user_ok(v, i) ? nss_fill_passwd(v, i, pw, buf, len) : -ENOENT;
}

static int group_at(const struct nss_view *v, long i, struct group *gr, char *buf, size_t len)
{
	return nss_group_ok(v, i) ? nss_fill_group(v, i, time(NULL), gr, buf, len) : -ENOENT;
}

EXPORT enum nss_status _nss_iam_getpwnam_r(const char *name, struct passwd *pw, char *buf,
					   size_t len, int *errnop)
{
	int saved = errno, r = -ENOENT;
	struct nss_view v;

	if (name && iam_name_valid(name)) {
		r = acquire(&v);
		if (r == 0) {
			r = release(&v, user_at(&v, iam_cache_find_user(v.cache, name), pw, buf, len));
		}
	}
	return translate(r, errnop, saved);
}

EXPORT enum nss_status _nss_iam_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
					   int *errnop)
{
	int saved = errno, r;
	struct nss_view v;

	r = acquire(&v);
	if (r == 0) {
		r = release(&v, user_at(&v, iam_cache_find_uid(v.cache, (uint32_t)uid), pw, buf, len));
	}
	return translate(r, errnop, saved);
}

EXPORT enum nss_status _nss_iam_getgrnam_r(const char *name, struct group *gr, char *buf,
					   size_t len, int *errnop)
{
	int saved = errno, r = -ENOENT;
	struct nss_view v;

	if (name && iam_name_valid(name)) {
		r = acquire(&v);
		if (r == 0) {
			r = release(&v, group_at(&v, iam_cache_find_group(v.cache, name), gr, buf, len));
		}
	}
	return translate(r, errnop, saved);
}

EXPORT enum nss_status _nss_iam_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len,
					   int *errnop)
{
	int saved = errno, r;
	struct nss_view v;

	r = acquire(&v);
	if (r == 0) {
		r = release(&v, group_at(&v, iam_cache_find_gid(v.cache, (uint32_t)gid), gr, buf, len));
	}
	return translate(r, errnop, saved);
}

/*
 * Enumeration. Each database has its own position and lock, apart from the
 * keyed lookups (which never move it). The position is the last id
 * returned: records are sorted by id, so after iamd replaces the cache the
 * walk goes on from the next id instead of starting again or skipping.
 */
struct walk {
	pthread_mutex_t lock;
	uint32_t last_id;
	int started;
	size_t next;          /* index to look at next ... */
	const void *mapping;  /* ... in this mapping */
};

static struct walk pw_walk = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL };
static struct walk gr_walk = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL };

/* As for the cache lock (nss_state.c): held around fork, fresh in the child. */
static void walks_lock(void)
{
	pthread_mutex_lock(&pw_walk.lock);
	pthread_mutex_lock(&gr_walk.lock);
}

static void walks_unlock(void)
{
	pthread_mutex_unlock(&gr_walk.lock);
	pthread_mutex_unlock(&pw_walk.lock);
}

static void walks_reinit(void)
{
	pthread_mutex_init(&pw_walk.lock, NULL);
	pthread_mutex_init(&gr_walk.lock, NULL);
}

static pthread_once_t walks_once = PTHREAD_ONCE_INIT;

static void walks_register(void)
{
	pthread_atfork(walks_lock, walks_unlock, walks_reinit);
}

static void walk_lock(struct walk *w)
{
	pthread_once(&walks_once, walks_register);
	pthread_mutex_lock(&w->lock);
}

static void walk_reset(struct walk *w)
{
	walk_lock(w);
	w->last_id = 0;
	w->started = 0;
	w->next = 0;
	w->mapping = NULL;
	pthread_mutex_unlock(&w->lock);
}

/* The first index whose id is above the last one returned. */
static size_t seek(const struct nss_view *v, const struct walk *w, int users)
{
	size_t lo = 0, hi = users ? v->cache->h->nusers : v->cache->h->ngroups;

	if (!w->started)
		return 0;
	if (w->mapping == v->cache->base)
		return w->next;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct iam_cache_user *u = users ? iam_cache_user(v->cache, mid) : NULL;
		const struct iam_cache_group *g = users ? NULL : iam_cache_group(v->cache, mid);
		uint32_t id;

		if (!u && !g)
			return hi; /* a record failed its check: end the walk */
		id = u ? u->uid : g->gid;
		if (id <= w->last_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int walk_users(struct walk *w, struct passwd *pw, char *buf, size_t len)
{
	struct nss_view v;
	size_t i;
	int r = acquire(&v);

	if (r < 0)
		return r;
	for (i = seek(&v, w, 1), r = -ENOENT; i < v.cache->h->nusers; i++) {
		if (!nss_user_ok(&v, (long)i))
			continue;
		r = nss_fill_passwd(&v, (long)i, pw, buf, len);
		if (r == 0) {
			w->last_id = iam_cache_user(v.cache, i)->uid;
			w->next = i + 1;
			w->mapping = v.cache->base;
			w->started = 1;
		}
		break;
	}
	return release(&v, r);
}

static int walk_groups(struct walk *w, struct group *gr, char *buf, size_t len)
{
	struct nss_view v;
	size_t i;
	int r = acquire(&v);

	if (r < 0)
		return r;
	for (i = seek(&v, w, 0), r = -ENOENT; i < v.cache->h->ngroups; i++) {
		if (!nss_group_ok(&v, (long)i))
			continue;
		r = nss_fill_group(&v, (long)i, time(NULL), gr, buf, len);
		if (r == 0) {
			w->last_id = iam_cache_group(v.cache, i)->gid;
			w->next = i + 1;
			w->mapping = v.cache->base;
			w->started = 1;
		}
		break;
	}
	return release(&v, r);
}

EXPORT enum nss_status _nss_iam_setpwent(int stayopen)
{
	(void)stayopen;
	walk_reset(&pw_walk);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status _nss_iam_endpwent(void)
{
	walk_reset(&pw_walk);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status _nss_iam_getpwent_r(struct passwd *pw, char *buf, size_t len, int *errnop)
{
	int saved = errno, r;

	walk_lock(&pw_walk);
	r = walk_users(&pw_walk, pw, buf, len);
	pthread_mutex_unlock(&pw_walk.lock);
	return translate(r, errnop, saved);
}

EXPORT enum nss_status _nss_iam_setgrent(int stayopen)
{
	(void)stayopen;
	walk_reset(&gr_walk);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status _nss_iam_endgrent(void)
{
	walk_reset(&gr_walk);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status _nss_iam_getgrent_r(struct group *gr, char *buf, size_t len, int *errnop)
{
	int saved = errno, r;

	walk_lock(&gr_walk);
	r = walk_groups(&gr_walk, gr, buf, len);
	pthread_mutex_unlock(&gr_walk.lock);
	return translate(r, errnop, saved);
}

/*
 * initgroups: the user's supplementary groups, from the per-user list, with
 * JIT memberships only while active. glibc passes its array and expects us
 * to grow it (within limit, when limit > 0).
 */
static int add_gid(gid_t gid, long *start, long *size, gid_t **groupsp, long limit)
{
	long i;

	for (i = 0; i < *start; i++)
		if ((*groupsp)[i] == gid)
			return 0;
	if (*start == *size) {
		long newsize = *size ? 2 * *size : 16;
		gid_t *p;

		if (limit > 0 && *size >= limit)
			return 0;
		if (limit > 0 && newsize > limit)
			newsize = limit;
		p = realloc(*groupsp, (size_t)newsize * sizeof(gid_t));
		if (!p)
			return -ENOMEM;
		*groupsp = p;
		*size = newsize;
	}
	(*groupsp)[(*start)++] = gid;
	return 0;
}

static int user_groups(const struct nss_view *v, long u, gid_t skip, long *start, long *size,
		       gid_t **groupsp, long limit)
{
	const struct iam_cache_member *m;
	time_t now = time(NULL);
	size_t n, k;
	int r = 0;

	m = iam_cache_user_groups(v->cache, iam_cache_user(v->cache, (size_t)u), &n);
	for (k = 0; r == 0 && k < n; k++) {
		long g = (long)m[k].index;
		gid_t gid;

		if (!iam_cache_member_active(&m[k], now) || !nss_group_ok(v, g))
			continue;
		gid = iam_cache_group(v->cache, (size_t)g)->gid;
		if (gid != skip)
			r = add_gid(gid, start, size, groupsp, limit);
	}
	return r;
}

EXPORT enum nss_status _nss_iam_initgroups_dyn(const char *user, gid_t group, long *start,
					       long *size, gid_t **groupsp, long limit,
					       int *errnop)
{
	int saved = errno, r = -ENOENT;
	struct nss_view v;
	long u;

	if (user && iam_name_valid(user) && start && size && groupsp) {
		r = acquire(&v);
		if (r == 0) {
			u = iam_cache_find_user(v.cache, user);
			r = release(&v, nss_user_ok(&v, u) ? user_groups(&v, u, group, start, size,
									 groupsp, limit)
							    : -ENOENT);
		}
	}
	return translate(r, errnop, saved);
}

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "nss_fill.h"

static int id_ok(const struct nss_view *v, uint32_t id)
{
	return id != 0 && (long long)id >= v->id_min && (long long)id <= v->id_max;
}

/* The name of user i when the user may be listed (in range, not shadowed
 * by a local name), else NULL. A group's member list needs no more: the
 * other fields matter to getpwnam, which checks them itself. */
static const char *member_name(const struct nss_view *v, long i)
{
	const struct iam_cache_user *u = i >= 0 ? iam_cache_user(v->cache, (size_t)i) : NULL;
	const char *name = u ? iam_cache_str(v->cache, u->name) : NULL;

	return name && id_ok(v, u->uid) && id_ok(v, u->gid) && !nss_shadowed_user(v, (size_t)i)
		       ? name : NULL;
}

int nss_user_ok(const struct nss_view *v, long i)
{
	const struct iam_cache_user *u = member_name(v, i) ? iam_cache_user(v->cache, (size_t)i)
							   : NULL;

	return u && iam_cache_str(v->cache, u->gecos) && iam_cache_str(v->cache, u->home) &&
	       iam_cache_str(v->cache, u->shell);
}

int nss_group_ok(const struct nss_view *v, long i)
{
	const struct iam_cache_group *g = i >= 0 ? iam_cache_group(v->cache, (size_t)i) : NULL;

	return g && iam_cache_str(v->cache, g->name) && id_ok(v, g->gid) &&
	       !nss_shadowed_group(v, (size_t)i);
}

/* Appends s to the buffer at *used; NULL when it does not fit. */
static char *put(char *buf, size_t len, size_t *used, const char *s)
{
	size_t n = strlen(s) + 1;
	char *at;

	if (n > len - *used)
		return NULL;
	at = buf + *used;
	memcpy(at, s, n);
	*used += n;
	return at;
}

int nss_fill_passwd(const struct nss_view *v, long i, struct passwd *pw, char *buf, size_t len)
{
	const struct iam_cache_user *u = iam_cache_user(v->cache, (size_t)i);
	const char *shell = (u->flags & IAM_CACHE_USER_DISABLED) ? IAM_NSS_NOLOGIN
								 : iam_cache_str(v->cache, u->shell);
	size_t used = 0;

	pw->pw_name = put(buf, len, &used, iam_cache_str(v->cache, u->name));
	pw->pw_passwd = pw->pw_name ? put(buf, len, &used, "x") : NULL;
	pw->pw_gecos = pw->pw_passwd ? put(buf, len, &used, iam_cache_str(v->cache, u->gecos)) : NULL;
	pw->pw_dir = pw->pw_gecos ? put(buf, len, &used, iam_cache_str(v->cache, u->home)) : NULL;
	pw->pw_shell = pw->pw_dir ? put(buf, len, &used, shell) : NULL;
	if (!pw->pw_shell)
		return -ERANGE;
	pw->pw_uid = u->uid;
	pw->pw_gid = u->gid;
	return 0;
}

/* Copies s to the top of the free space [*front, *back) of buf, keeping
 * `reserve` bytes free below it; NULL when it does not fit. */
static char *put_top(char *buf, size_t front, size_t *back, size_t reserve, const char *s)
{
	size_t n = strlen(s) + 1;

	if (*back - front < reserve || *back - front - reserve < n)
		return NULL;
	*back -= n;
	memcpy(buf + *back, s, n);
	return buf + *back;
}

/* One pass over the members, each checked once: the pointers grow up from
 * the (aligned) start of the buffer, the strings down from its end, so
 * nothing needs counting first and the buffer needed is exactly what the
 * answer takes. */
int nss_fill_group(const struct nss_view *v, long i, time_t now, struct group *gr, char *buf,
		   size_t len)
{
	const struct iam_cache_group *g = iam_cache_group(v->cache, (size_t)i);
	const char *gname = g ? iam_cache_str(v->cache, g->name) : NULL;
	const struct iam_cache_member *m;
	size_t n, k, j = 0, front, back = len;
	char **mem;

	if (!gname)
		return -ENOENT; /* nss_group_ok() said no before: not reached */
	m = iam_cache_group_members(v->cache, g, &n);
	front = (sizeof(char *) - ((uintptr_t)buf % sizeof(char *))) % sizeof(char *);
	if (len < front + sizeof(char *))
		return -ERANGE;
	mem = (char **)(void *)(buf + front);
	front += sizeof(char *); /* the NULL that ends the list */
	gr->gr_name = put_top(buf, front, &back, 0, gname);
	gr->gr_passwd = gr->gr_name ? put_top(buf, front, &back, 0, "x") : NULL;
	if (!gr->gr_passwd)
		return -ERANGE;
	for (k = 0; k < n; k++) {
		const char *name;

		if (!iam_cache_member_active(&m[k], now) ||
		    !(name = member_name(v, (long)m[k].index)))
			continue;
		mem[j] = put_top(buf, front, &back, sizeof(char *), name);
		if (!mem[j++])
			return -ERANGE;
		front += sizeof(char *);
	}
	mem[j] = NULL;
	gr->gr_mem = mem;
	gr->gr_gid = g->gid;
	return 0;
}

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "nss_fill.h"

static int id_ok(const struct nss_view *v, uint32_t id)
{
	return id != 0 && (long long)id >= v->id_min && (long long)id <= v->id_max;
}

int nss_user_ok(const struct nss_view *v, long i)
{
	const struct iam_cache_user *u = i >= 0 ? iam_cache_user(v->cache, (size_t)i) : NULL;

	return u && iam_cache_str(v->cache, u->name) && iam_cache_str(v->cache, u->gecos) &&
	       iam_cache_str(v->cache, u->home) && iam_cache_str(v->cache, u->shell) &&
	       id_ok(v, u->uid) && id_ok(v, u->gid) && !nss_shadowed_user(v, (size_t)i);
}

int nss_group_ok(const struct nss_view *v, long i)
{
	const struct iam_cache_group *g = i >= 0 ? iam_cache_group(v->cache, (size_t)i) : NULL;

	return g && iam_cache_str(v->cache, g->name) && id_ok(v, g->gid) &&
	       !nss_shadowed_group(v, (size_t)i);
}

/* The name of user i, once nss_user_ok() said yes. */
static const char *user_name(const struct nss_view *v, size_t i)
{
	return iam_cache_str(v->cache, iam_cache_user(v->cache, i)->name);
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

/* Counts the members to list and the bytes their names need. */
static size_t count_members(const struct nss_view *v, const struct iam_cache_member *m, size_t n,
			    time_t now, size_t *bytes)
{
	size_t i, count = 0;

	*bytes = 0;
	for (i = 0; i < n; i++) {
		if (!iam_cache_member_active(&m[i], now) || !nss_user_ok(v, (long)m[i].index))
			continue;
		*bytes += strlen(user_name(v, m[i].index)) + 1;
		count++;
	}
	return count;
}

int nss_fill_group(const struct nss_view *v, long i, time_t now, struct group *gr, char *buf,
		   size_t len)
{
	const struct iam_cache_group *g = iam_cache_group(v->cache, (size_t)i);
	const char *name = iam_cache_str(v->cache, g->name);
	const struct iam_cache_member *m;
	size_t n, count, bytes, used, k, j = 0, align;
	char **mem;

	m = iam_cache_group_members(v->cache, g, &n);
	count = count_members(v, m, n, now, &bytes);
	/* pointers first, aligned, then the strings */
	align = (sizeof(char *) - ((uintptr_t)buf % sizeof(char *))) % sizeof(char *);
	if (len < align || (len - align) / sizeof(char *) < count + 1 ||
	    len - align - (count + 1) * sizeof(char *) < bytes + strlen(name) + 1 + 2)
		return -ERANGE;
	mem = (char **)(void *)(buf + align);
	used = align + (count + 1) * sizeof(char *);
	gr->gr_name = put(buf, len, &used, name);
	gr->gr_passwd = put(buf, len, &used, "x");
	for (k = 0; k < n && j < count; k++) {
		if (!iam_cache_member_active(&m[k], now) || !nss_user_ok(v, (long)m[k].index))
			continue;
		mem[j++] = put(buf, len, &used, user_name(v, m[k].index));
	}
	mem[j] = NULL;
	gr->gr_mem = mem;
	gr->gr_gid = g->gid;
	return 0;
}

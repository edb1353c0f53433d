/*
 * Checks an NSS cache file the way a reader that trusts nothing would, for
 * tests/durability: maps it with the common reader (iam_cache_map, which
 * checks the header, the section and chunk tables and then every chunk's
 * CRC), and walks every record through the checked accessors: each user
 * and group has a name, is found again by name and by id, and each of its
 * membership slices lies inside its section.
 *
 *   cachecheck PATH   prints "serial N users U groups G" and exits 0 when
 *                     the cache is valid; 1 with a reason when it is not
 *                     (missing included); 2 on a usage error.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cache.h"

static int check_users(const struct iam_cache *c, struct iam_err *err)
{
	size_t i, n;

	for (i = 0; i < c->h->nusers; i++) {
		const struct iam_cache_user *u = iam_cache_user(c, i);
		const char *name = u ? iam_cache_str(c, u->name) : NULL;

		if (!name || !iam_cache_str(c, u->gecos) || !iam_cache_str(c, u->home) ||
		    !iam_cache_str(c, u->shell)) {
			iam_err_set(err, "user %zu: unreadable record or string", i);
			return -1;
		}
		if (iam_cache_find_user(c, name) != (long)i || iam_cache_find_uid(c, u->uid) != (long)i) {
			iam_err_set(err, "user %zu (%s): not found again by name and uid", i, name);
			return -1;
		}
		if (u->groups_count && !iam_cache_user_groups(c, u, &n)) {
			iam_err_set(err, "user %zu (%s): groups outside their section", i, name);
			return -1;
		}
	}
	return 0;
}

static int check_groups(const struct iam_cache *c, struct iam_err *err)
{
	size_t i, j, n;

	for (i = 0; i < c->h->ngroups; i++) {
		const struct iam_cache_group *g = iam_cache_group(c, i);
		const struct iam_cache_member *m;
		const char *name = g ? iam_cache_str(c, g->name) : NULL;

		if (!name) {
			iam_err_set(err, "group %zu: unreadable record or name", i);
			return -1;
		}
		if (iam_cache_find_group(c, name) != (long)i ||
		    iam_cache_find_gid(c, g->gid) != (long)i) {
			iam_err_set(err, "group %zu (%s): not found again by name and gid", i, name);
			return -1;
		}
		m = iam_cache_group_members(c, g, &n);
		if (g->members_count && !m) {
			iam_err_set(err, "group %zu (%s): members outside their section", i, name);
			return -1;
		}
		for (j = 0; j < n; j++) {
			if (!iam_cache_user(c, m[j].index)) {
				iam_err_set(err, "group %zu (%s): member %zu is not a user", i, name, j);
				return -1;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct iam_cache_map m;
	struct iam_err err = { "" };
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: cachecheck PATH\n");
		return 2;
	}
	r = iam_cache_map(argv[1], &m, &err);
	if (r < 0) {
		fprintf(stderr, "cachecheck: %s: %s\n", argv[1], err.msg);
		return 1;
	}
	r = check_users(&m.c, &err);
	if (r == 0)
		r = check_groups(&m.c, &err);
	if (r == 0 && iam_cache_corrupt(&m.c)) {
		iam_err_set(&err, "a chunk failed its check");
		r = -1;
	}
	if (r == 0)
		printf("serial %llu users %u groups %u\n", (unsigned long long)m.c.h->serial,
		       m.c.h->nusers, m.c.h->ngroups);
	else
		fprintf(stderr, "cachecheck: %s: %s\n", argv[1], err.msg);
	iam_cache_unmap(&m);
	return r < 0 ? 1 : 0;
}

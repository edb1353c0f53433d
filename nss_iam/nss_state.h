/*
 * What the module keeps between calls, for the whole process: the
 * configuration (cache path, id range), the names that exist in the local
 * files, and the mapped cache. Lookups hold a read lock; a changed file is
 * picked up under the write lock. The cache file is stat'ed on every call
 * (a replaced file has another inode, so it is noticed at once); the
 * configuration and /etc/passwd and /etc/group at most once a second.
 * Files are mapped and closed: no descriptor stays open in the host
 * program. A fork is safe: the lock is taken around it (pthread_atfork).
 */
#ifndef IAM_NSS_STATE_H
#define IAM_NSS_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "cache.h"

struct nss_view {
	const struct iam_cache *cache;
	long long id_min, id_max;
	/* cache records whose names the local files have, sorted */
	const uint32_t *shadow_users, *shadow_groups;
	size_t nshadow_users, nshadow_groups;
};

/* 0 with the read lock held and *v filled; -ENOENT when there is no usable
 * cache (missing, unreadable, corrupt) or the local files cannot be read
 * (without them the local-name rule could not hold: nothing is answered).
 * Pair with nss_release() only after a 0. */
int nss_acquire(struct nss_view *v);
void nss_release(void);

/* Whether cache record i has a name that /etc/passwd (users) or
 * /etc/group (groups) has: such a record is never answered. Found by
 * looking each local name up in the cache when either file changes, so a
 * lookup costs a binary search over the few local names, not string
 * comparisons. */
int nss_shadowed_user(const struct nss_view *v, size_t i);
int nss_shadowed_group(const struct nss_view *v, size_t i);

#endif

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
};

/* 0 with the read lock held and *v filled; -ENOENT when there is no usable
 * cache (missing, unreadable, corrupt); -ENOMEM. Pair with nss_release()
 * only after a 0. */
int nss_acquire(struct nss_view *v);
void nss_release(void);

/* Whether a name exists in /etc/passwd (users) or /etc/group (groups):
 * such a name is never answered from the directory. Call while acquired. */
int nss_local_user(const char *name);
int nss_local_group(const char *name);

#endif

/* Copying cache records into the caller's struct passwd / struct group and
 * buffer, glibc's way: size first, then copy; every pointer returned points
 * into the caller's buffer; a short buffer is -ERANGE and changes nothing
 * the caller relies on. */
#ifndef IAM_NSS_FILL_H
#define IAM_NSS_FILL_H

#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <time.h>
#include "nss_state.h"

/* Shell given to disabled users, so files keep their owner but nobody can
 * log in as them. */
#define IAM_NSS_NOLOGIN "/usr/sbin/nologin"

/* Whether record i may be answered at all: ids inside the configured range
 * (never 0), a name that is not local, records and strings that pass their
 * checks. The fill functions below may only be called for such records. */
int nss_user_ok(const struct nss_view *v, long i);
int nss_group_ok(const struct nss_view *v, long i);

int nss_fill_passwd(const struct nss_view *v, long i, struct passwd *pw, char *buf,
		    size_t len);
/* Members are the group's users whose membership is active at `now`, with
 * ids in range and a name that is not local. */
int nss_fill_group(const struct nss_view *v, long i, time_t now, struct group *gr, char *buf,
		   size_t len);

#endif

/*
 * The audit spool: events a host has not yet delivered to the endpoint.
 *
 * A root-only directory (spool_dir in iam.conf, mode 0700, owned by root),
 * one file per event named "<id>.json", holding the event's JSON object
 * exactly as POST /v1/audit/events takes it. A file is written to a
 * temporary name, fsync'd and renamed, then the directory is fsync'd, so an
 * event is either whole or absent, and survives a crash once put.
 *
 * Writers (pam_iam, pam_jit) spool first, then try to deliver at once and
 * remove the file when the endpoint accepted it: an event survives a process
 * killed in between. iamd delivers the rest in batches, oldest first, and
 * removes what the endpoint accepted; the endpoint drops duplicates by id,
 * so a resend is harmless. Nothing here uses the network or json-c.
 */
#ifndef IAM_SPOOL_H
#define IAM_SPOOL_H

#include <stddef.h>
#include <sys/types.h>
#include "iam_error.h"

#define IAM_SPOOL_MAX_EVENT 16384 /* bytes of one event's JSON text */
#define IAM_SPOOL_ID_MAX 64       /* API limit on event ids */

/* 1 when id may name an event: [A-Za-z0-9._:-]{1,64}, not starting with
 * '.' (so that no id names a hidden file, "." or ".."). */
int iam_spool_id_valid(const char *id);

/*
 * Checks that dir is a directory owned by root or by `owner` (the daemons
 * and modules pass 0; tests their own uid), not a symlink, and not
 * accessible to group or others; with create, makes it (and its missing
 * parent, 0755) first, mode 0700. -ENOENT without create when missing;
 * -EPERM when unsafe, with a message naming what is wrong. The functions
 * below expect a directory that passed this check.
 */
int iam_spool_check_dir(const char *dir, uid_t owner, int create, struct iam_err *err);

/*
 * Puts one event, mode 0600. id must be valid (above, else -EINVAL); json
 * is its text (len bytes, 1 to IAM_SPOOL_MAX_EVENT, else -EINVAL/-EFBIG).
 * When the spool already holds `max` events (max > 0) the event is refused
 * with -ENOSPC (and a message saying the spool is full), never silently
 * dropped: the caller logs it as an error. The cap is counted without a
 * lock, so writers racing for the last places may pass it by a few. An
 * existing event with the same id is replaced (also when full).
 */
int iam_spool_put(const char *dir, long long max, const char *id, const char *json,
		  size_t len, struct iam_err *err);

/* Removes one event; a missing one is not an error (0). */
int iam_spool_remove(const char *dir, const char *id, struct iam_err *err);

/*
 * Calls fn for at most `limit` events, oldest id first (ids start with the
 * event time, so name order is time order; a longer run of leading digits
 * is a later time). json is NUL-terminated and valid only during the call;
 * fn may remove or quarantine the event it is given. fn returns 0 to go
 * on, > 0 to stop early, negative to fail (returned as is, fn sets err).
 * A file that is not a regular file, too big, not owned by root (or the
 * caller's euid), writable by others, or not named like an event is moved
 * to "<dir>/bad/" and counted in *bad (may be NULL); temporary files of a
 * put in progress ("<id>.json.tmpXXXXXX") are skipped; "bad" itself is
 * not an event. Events removed while this runs are skipped.
 */
typedef int (*iam_spool_fn)(void *ctx, const char *id, const char *json, size_t len);
int iam_spool_each(const char *dir, size_t limit, iam_spool_fn fn, void *ctx,
		   size_t *bad, struct iam_err *err);

/* The number of events waiting (for status output and the cap): the names
 * in dir that look like events, without opening them. */
long long iam_spool_count(const char *dir, struct iam_err *err);

/* Moves one event the endpoint refused as malformed to "<dir>/bad/" (made
 * 0700 when missing), where it stays for an admin to inspect and is never
 * resent (moving it back into dir resends it). A missing event is not an
 * error (0); one of the same name already in bad/ is replaced. */
int iam_spool_quarantine(const char *dir, const char *id, struct iam_err *err);

#endif

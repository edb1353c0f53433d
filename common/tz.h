/*
 * IANA time zones without touching the process's TZ: the zone's TZif file
 * (RFC 8536, versions 2 and later) is read from the zoneinfo directory and
 * local time is computed from its transitions, then from its POSIX TZ footer
 * for instants past the last transition. setenv("TZ")/localtime() would
 * change state shared with the host program (sshd, sudo) and with other
 * threads of iam-policyd, so it is never used.
 */
#ifndef IAM_TZ_H
#define IAM_TZ_H

#include <time.h>
#include "iam_error.h"

struct iam_tz;

/* Longer names are refused; the longest IANA name is about 32 bytes. */
#define IAM_TZ_NAME_MAX 128

/* A zone name is "UTC" or like "Europe/Berlin": letters, digits, '_', '-',
 * '+', '/' between non-empty components, no "." or ".." components (no dot
 * at all, in fact), at most IAM_TZ_NAME_MAX bytes. 1 when valid, else 0. */
int iam_tz_name_valid(const char *name);

/* zoneinfo_dir NULL means IAM_DEFAULT_ZONEINFO. -EINVAL for a bad name or a
 * malformed file (TZif version 1 only, leap-second "right/" zones, larger
 * than 1 MiB, not a regular file), -ENOENT for an unknown zone (also for a
 * directory such as "Europe"). "UTC" works without a file. The object is
 * read-only afterwards and may be shared between threads. */
int iam_tz_load(const char *zoneinfo_dir, const char *name, struct iam_tz **out,
		struct iam_err *err);
void iam_tz_free(struct iam_tz *tz);
const char *iam_tz_name(const struct iam_tz *tz);

/* Local wall-clock time of the instant t in the zone: fills tm_year..tm_sec,
 * tm_wday, tm_yday, tm_isdst and tm_gmtoff; tm_zone points to the zone
 * abbreviation ("CEST") inside tz and is valid until iam_tz_free. 0, -EINVAL
 * for NULL arguments, -EOVERFLOW for instants more than about a billion
 * years from 1970. */
int iam_tz_localtime(const struct iam_tz *tz, time_t t, struct tm *out);

#endif

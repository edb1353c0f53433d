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

/* A zone name is "UTC" or like "Europe/Berlin": letters, digits, '_', '-',
 * '+', '/' between non-empty components, no "." or ".." components. */
int iam_tz_name_valid(const char *name);

/* zoneinfo_dir NULL means IAM_DEFAULT_ZONEINFO. -EINVAL for a bad name or a
 * malformed file, -ENOENT for an unknown zone. */
int iam_tz_load(const char *zoneinfo_dir, const char *name, struct iam_tz **out,
		struct iam_err *err);
void iam_tz_free(struct iam_tz *tz);
const char *iam_tz_name(const struct iam_tz *tz);

/* Local wall-clock time of the instant t in the zone: fills tm_year..tm_sec,
 * tm_wday, tm_yday, tm_isdst and tm_gmtoff. */
int iam_tz_localtime(const struct iam_tz *tz, time_t t, struct tm *out);

#endif

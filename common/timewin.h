/*
 * Time-of-day windows: "HH:MM-HH:MM" on some days of the week, in a time
 * zone. The window is wall-clock time in that zone: 14:00-16:00 is 14:00 to
 * 16:00 on the clocks of that city, also on DST change days (so it may last
 * one hour more or less in real time that day). The start is inclusive and
 * the end exclusive. An end before the start crosses midnight; the part after
 * midnight belongs to the day the window started on, which is the day the
 * days-of-week list is checked against. "00:00-24:00" is the whole day.
 * Every function takes the current time as a parameter: clocks are injected.
 */
#ifndef IAM_TIMEWIN_H
#define IAM_TIMEWIN_H

#include <stddef.h>
#include <time.h>
#include "iam_error.h"
#include "tz.h"

#define IAM_DAYS_ALL 0x7fu /* bit 0 = Sunday ... bit 6 = Saturday */

struct iam_window {
	int start_min;  /* minutes after local midnight, 0..1439 */
	int end_min;    /* 1..1440 */
	unsigned days;  /* day bits of the day the window starts */
};

/* spec "HH:MM-HH:MM"; days NULL, "" or "*" for every day, otherwise a
 * comma-separated list of days and ranges: "Mon-Fri", "Sat,Sun", "Fri-Mon".
 * Day names are the English three-letter abbreviations, any case; spaces
 * around the commas are allowed. An end of 00:00 means midnight at the end
 * of the day and is stored as 1440 ("22:00-00:00" is "22:00-24:00"); a
 * start equal to the end is refused. 0 or -EINVAL; *out is only written on
 * success. */
int iam_window_parse(const char *spec, const char *days, struct iam_window *out,
		     struct iam_err *err);

/* 1 when the instant now falls inside the window in zone tz, 0 when not,
 * negative on error (-EINVAL for a malformed window or NULL zone). Minutes
 * count: with 14:00-16:00, 15:59:59 is inside and 16:00:00 is not. On a
 * spring-forward day a window inside the skipped hour does not happen; on
 * a fall-back day one inside the repeated hour happens twice. */
int iam_window_contains(const struct iam_window *w, const struct iam_tz *tz,
			time_t now);

/* "14:00-16:00" and "Mon-Fri" (or "*") back from a parsed window. Days are
 * listed Monday first, runs of three or more as ranges ("Mon-Fri",
 * "Fri-Mon"), shorter runs as lists ("Sat,Sun"). Output that does not fit
 * is truncated (always NUL terminated); spec or days may be NULL. */
void iam_window_format(const struct iam_window *w, char *spec, size_t specsz,
		       char *days, size_t dayssz);

#endif

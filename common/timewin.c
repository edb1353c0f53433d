#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "timewin.h"

#define MINUTES_PER_DAY 1440
#define SPEC_LEN 11             /* "HH:MM-HH:MM" */

static const char *const day_names[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static int two_digits(const char *s, int max, int *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -EINVAL;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return *out <= max ? 0 : -EINVAL;
}

/* "HH:MM" at s; 24:00 only where allow_24 (the end of a window). */
static int parse_clock(const char *s, int allow_24, int *minutes)
{
	int h, m;

	if (two_digits(s, 24, &h) < 0 || s[2] != ':' || two_digits(s + 3, 59, &m) < 0)
		return -EINVAL;
	if (h == 24 && !(allow_24 && m == 0))
		return -EINVAL;
	*minutes = h * 60 + m;
	return 0;
}

static int parse_spec(const char *spec, struct iam_window *w, struct iam_err *err)
{
	if (!spec || strlen(spec) != SPEC_LEN || spec[5] != '-' ||
	    parse_clock(spec, 0, &w->start_min) < 0 ||
	    parse_clock(spec + 6, 1, &w->end_min) < 0) {
		iam_err_set(err, "time window \"%.32s\" is not HH:MM-HH:MM with "
			    "hours 00-23 (24:00 only as the end) and minutes 00-59, "
			    "e.g. 14:00-16:00", spec ? spec : "");
		return -EINVAL;
	}
	if (w->start_min == w->end_min) {
		iam_err_set(err, "time window \"%s\" starts and ends at the same "
			    "time; use 00:00-24:00 for the whole day", spec);
		return -EINVAL;
	}
	/* Ending at midnight is ending at 24:00 of the same day. */
	if (w->end_min == 0)
		w->end_min = MINUTES_PER_DAY;
	return 0;
}

static int day_index(const char *s, size_t len)
{
	int i;

	if (len != 3)
		return -1;
	for (i = 0; i < 7; i++)
		if (strncasecmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* "Mon" or "Fri-Mon" (wrapping through the weekend) of len bytes. */
static int parse_day_item(const char *s, size_t len, unsigned *days)
{
	const char *dash = memchr(s, '-', len);
	int first, last, d;

	if (!dash) {
		first = last = day_index(s, len);
	} else {
		first = day_index(s, (size_t)(dash - s));
		last = day_index(dash + 1, len - (size_t)(dash - s) - 1);
	}
	if (first < 0 || last < 0)
		return -EINVAL;
	for (d = first;; d = (d + 1) % 7) {
		*days |= 1u << d;
		if (d == last)
			break;
	}
	return 0;
}

static int parse_days(const char *s, unsigned *days, struct iam_err *err)
{
	const char *p = s;

	*days = 0;
	if (!s || s[0] == '\0' || strcmp(s, "*") == 0) {
		*days = IAM_DAYS_ALL;
		return 0;
	}
	for (;;) {
		const char *end;
		size_t len;

		p += strspn(p, " ");
		end = p + strcspn(p, ",");
		len = (size_t)(end - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (parse_day_item(p, len, days) < 0) {
			iam_err_set(err, "days \"%.64s\": expected day names such "
				    "as Mon, ranges such as Mon-Fri, separated "
				    "by commas, or * for every day", s);
			return -EINVAL;
		}
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

int iam_window_parse(const char *spec, const char *days, struct iam_window *out,
		     struct iam_err *err)
{
	struct iam_window w;
	int r;

	if (!out)
		return -EINVAL;
	r = parse_spec(spec, &w, err);
	if (r == 0)
		r = parse_days(days, &w.days, err);
	if (r == 0)
		*out = w;
	return r;
}

static int window_sane(const struct iam_window *w)
{
	return w->start_min >= 0 && w->start_min < MINUTES_PER_DAY &&
	       w->end_min >= 1 && w->end_min <= MINUTES_PER_DAY &&
	       w->start_min != w->end_min &&
	       (w->days & ~IAM_DAYS_ALL) == 0;
}

static int day_set(unsigned days, int wday)
{
	return (days >> wday) & 1u;
}

int iam_window_contains(const struct iam_window *w, const struct iam_tz *tz,
			time_t now)
{
	struct tm tm;
	int r, minute;

	if (!w || !window_sane(w))
		return -EINVAL;
	r = iam_tz_localtime(tz, now, &tm);
	if (r < 0)
		return r;
	minute = tm.tm_hour * 60 + tm.tm_min;
	if (w->start_min < w->end_min)
		return minute >= w->start_min && minute < w->end_min &&
		       day_set(w->days, tm.tm_wday);
	/* Across midnight: the early part belongs to the day before. */
	if (minute >= w->start_min)
		return day_set(w->days, tm.tm_wday);
	if (minute < w->end_min)
		return day_set(w->days, (tm.tm_wday + 6) % 7);
	return 0;
}

/* Ranges run Monday-first, but a run that wraps through the weekend is
 * kept whole: start at the first day of a run, preferring Monday. */
static int first_run_start(unsigned days)
{
	static const int monday_first[7] = { 1, 2, 3, 4, 5, 6, 0 };
	int i;

	for (i = 0; i < 7; i++) {
		int d = monday_first[i];

		if (day_set(days, d) && !day_set(days, (d + 6) % 7))
			return d;
	}
	return 1;
}

static void format_days(unsigned days, char *out, size_t outsz)
{
	char buf[64] = "";
	size_t len = 0;
	int start, run, i = 0;

	days &= IAM_DAYS_ALL;
	if (days == IAM_DAYS_ALL) {
		snprintf(out, outsz, "*");
		return;
	}
	start = first_run_start(days);
	while (i < 7) {
		int d = (start + i) % 7;

		for (run = 0; i + run < 7 && day_set(days, (d + run) % 7); run++)
			;
		if (run > 0) {
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
				"%s%s%s%s", len ? "," : "", day_names[d],
				run > 2 ? "-" : run == 2 ? "," : "",
				run > 1 ? day_names[(d + run - 1) % 7] : "");
		}
		i += run ? run : 1;
	}
	snprintf(out, outsz, "%s", buf);
}

void iam_window_format(const struct iam_window *w, char *spec, size_t specsz,
		       char *days, size_t dayssz)
{
	if (!w)
		return;
	if (spec && specsz)
		snprintf(spec, specsz, "%02d:%02d-%02d:%02d",
			 w->start_min / 60, w->start_min % 60,
			 w->end_min / 60, w->end_min % 60);
	if (days && dayssz)
		format_days(w->days, days, dayssz);
}

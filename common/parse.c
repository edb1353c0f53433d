#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/*
 * strtoll() and strtoull() skip leading white space and accept a sign (even
 * "-" for the unsigned one, which then wraps). Requiring the first character
 * to be a digit before calling them rules all of that out.
 */
static int scan_unsigned(const char *s, const char **end, unsigned long long *out)
{
	char *stop;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &stop, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || stop == s)
		return -EINVAL;
	*end = stop;
	*out = v;
	return 0;
}

int iam_parse_ll(const char *s, long long min, long long max, long long *out)
{
	const char *digits;
	char *stop;
	long long v;

	if (!s || min > max)
		return -EINVAL;
	digits = s[0] == '-' ? s + 1 : s;
	if (!isdigit((unsigned char)digits[0]))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &stop, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || *stop != '\0')
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int iam_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

static int size_multiplier(const char *suffix, unsigned long long *mult)
{
	if (suffix[0] == '\0') {
		*mult = 1;
		return 0;
	}
	if (suffix[1] != '\0')
		return -EINVAL;
	switch (suffix[0]) {
	case 'k': case 'K':
		*mult = 1ULL << 10;
		return 0;
	case 'm': case 'M':
		*mult = 1ULL << 20;
		return 0;
	case 'g': case 'G':
		*mult = 1ULL << 30;
		return 0;
	default:
		return -EINVAL;
	}
}

int iam_parse_size(const char *s, long long *out)
{
	unsigned long long v, mult;
	const char *end;
	int r;

	if (!s)
		return -EINVAL;
	r = scan_unsigned(s, &end, &v);
	if (r < 0)
		return r;
	r = size_multiplier(end, &mult);
	if (r < 0)
		return r;
	if (v > (unsigned long long)LLONG_MAX / mult)
		return -ERANGE;
	*out = (long long)(v * mult);
	return 0;
}

/* Units from the largest down; a duration must use them in this order, each
 * at most once, so "1h30m" is fine and "30m1h" or "1h1h" are typos. The
 * index in this table is the rank that the order is checked with. */
struct duration_unit {
	const char *name;
	unsigned long long msec;
};

static const struct duration_unit duration_units[] = {
	{ "w", 7ULL * 24 * 3600 * 1000 },
	{ "d", 24ULL * 3600 * 1000 },
	{ "h", 3600ULL * 1000 },
	{ "m", 60ULL * 1000 },
	{ "s", 1000 },
	{ "ms", 1 },
};

#define N_DURATION_UNITS (sizeof(duration_units) / sizeof(duration_units[0]))

/* The longest unit name at s wins, so that "500ms" is not 500 minutes
 * followed by junk. Returns the rank, or -1. */
static int match_unit(const char *s, int allow_ms)
{
	size_t i, len, best_len = 0;
	int best = -1;

	for (i = 0; i < N_DURATION_UNITS; i++) {
		if (!allow_ms && duration_units[i].msec == 1)
			continue;
		len = strlen(duration_units[i].name);
		if (len > best_len && strncmp(s, duration_units[i].name, len) == 0) {
			best = (int)i;
			best_len = len;
		}
	}
	return best;
}

/* Adds v times the unit of that rank to *total without passing cap_msec. */
static int add_term(unsigned long long v, int rank, unsigned long long cap_msec,
		    unsigned long long *total)
{
	unsigned long long unit = duration_units[rank].msec;

	if (v > cap_msec / unit || v * unit > cap_msec - *total)
		return -ERANGE;
	*total += v * unit;
	return 0;
}

/*
 * The shared engine of iam_parse_seconds and iam_parse_msec: the result is in
 * milliseconds, bare_msec is what a number without a unit is worth.
 */
static int parse_duration_msec(const char *s, int allow_ms,
			       unsigned long long bare_msec,
			       unsigned long long cap_msec,
			       unsigned long long *out)
{
	unsigned long long total = 0, v;
	const char *end;
	int last_rank = -1, r;

	if (!s)
		return -EINVAL;
	r = scan_unsigned(s, &end, &v);
	if (r < 0)
		return r;
	if (*end == '\0') {
		if (v > cap_msec / bare_msec)
			return -ERANGE;
		*out = v * bare_msec;
		return 0;
	}
	for (;;) {
		int rank = match_unit(end, allow_ms);

		if (rank <= last_rank)
			return -EINVAL;
		last_rank = rank;
		r = add_term(v, rank, cap_msec, &total);
		if (r < 0)
			return r;
		end += strlen(duration_units[rank].name);
		if (*end == '\0')
			break;
		r = scan_unsigned(end, &end, &v);
		if (r < 0)
			return r;
	}
	*out = total;
	return 0;
}

/* Ten years of 365.25 days: the longest grant, timeout or cache age anyone
 * should configure; more is a typo (an extra zero). */
#define DURATION_CAP_SEC 315576000ULL

int iam_parse_seconds(const char *s, long long *out)
{
	unsigned long long msec;
	int r;

	r = parse_duration_msec(s, 0, 1000, DURATION_CAP_SEC * 1000, &msec);
	if (r < 0)
		return r;
	*out = (long long)(msec / 1000);
	return 0;
}

int iam_parse_msec(const char *s, long long *out)
{
	unsigned long long msec;
	int r;

	r = parse_duration_msec(s, 1, 1, DURATION_CAP_SEC * 1000, &msec);
	if (r < 0)
		return r;
	*out = (long long)msec;
	return 0;
}

void iam_format_duration(long long seconds, char *out, size_t outsz)
{
	static const struct { char unit; unsigned long long sec; } parts[] = {
		{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
	};
	char buf[64] = "";
	size_t len = 0, i;
	unsigned long long rest;

	if (!out || outsz == 0)
		return;
	/* The magnitude as unsigned so that LLONG_MIN does not overflow. */
	rest = seconds < 0 ? 0ULL - (unsigned long long)seconds
			   : (unsigned long long)seconds;
	if (seconds < 0)
		buf[len++] = '-';
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		unsigned long long n = rest / parts[i].sec;

		rest %= parts[i].sec;
		if (n)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%llu%c", n, parts[i].unit);
	}
	snprintf(out, outsz, "%s", seconds == 0 ? "0s" : buf);
}

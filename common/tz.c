#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz.h"

#define TZ_FILE_MAX (1024L * 1024)
#define TZIF_HEADER_LEN 44
#define TZIF_TYPE_LEN 6
#define TZIF_TYPES_MAX 256      /* transition types are one byte */
#define TZ_FOOTER_MAX 255
#define TZ_ABBR_MAX 16
/* RFC 8536 section 3.2: UT offsets SHOULD be within -24:59:59..25:59:59;
 * we require it, which also keeps every sum below far from overflow. */
#define UTOFF_MIN (-89999)
#define UTOFF_MAX 93599
/* RFC 8536 section 3.3.1 lets a rule time range over -167..167 hours. */
#define RULE_HOURS_MAX 167
#define POSIX_OFFSET_HOURS_MAX 24
#define SECS_PER_DAY 86400
#define DEFAULT_RULE_TIME 7200
/* Instants further than about a billion years from 1970 are refused: the
 * year then always fits in tm_year and no sum below can overflow. */
#define TIME_LIMIT (1LL << 55)

struct tz_type {
	int32_t utoff;
	int isdst;
	uint32_t abbr;          /* index into iam_tz.abbrs */
};

/* The day of a POSIX TZ rule ("Jn", "n" or "Mm.w.d") and its local time. */
enum rule_kind { RULE_JULIAN, RULE_ZERO_BASED, RULE_MONTH_WEEK_DAY };

struct tz_rule {
	enum rule_kind kind;
	int day;                /* J: 1..365, n: 0..365, M: weekday 0..6 */
	int month;              /* M only: 1..12 */
	int week;               /* M only: 1..5, 5 is "the last" */
	int32_t time;           /* seconds after local midnight */
};

/* The TZ string at the end of the file: local time after the last
 * transition, e.g. "CET-1CEST,M3.5.0,M10.5.0/3". */
struct tz_footer {
	int present;
	int has_dst;
	int32_t std_utoff, dst_utoff;
	char std_abbr[TZ_ABBR_MAX + 1];
	char dst_abbr[TZ_ABBR_MAX + 1];
	struct tz_rule start, end;
};

struct iam_tz {
	char *name;
	size_t timecnt, typecnt;
	int64_t *times;         /* strictly ascending */
	unsigned char *time_types; /* each < typecnt */
	struct tz_type *types;
	char *abbrs;            /* NUL terminated at its last byte */
	struct tz_footer footer;
};

/* What an instant looks like in the zone. */
struct tz_local {
	int32_t utoff;
	int isdst;
	const char *abbr;
};

/* ---- zone names ---------------------------------------------------- */

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int iam_tz_name_valid(const char *name)
{
	size_t i, comp_len = 0;

	if (!name)
		return 0;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= IAM_TZ_NAME_MAX)
			return 0;
		if (c == '/') {
			if (comp_len == 0)
				return 0;
			comp_len = 0;
		} else if (is_alpha(c) || is_digit(c) || c == '_' || c == '-' ||
			   c == '+') {
			comp_len++;
		} else {
			return 0;
		}
	}
	return comp_len > 0;
}

/* ---- calendar arithmetic (proleptic Gregorian, 64-bit days) ---------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int64_t y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return mdays[m - 1] + (m == 2 && is_leap(y));
}

/*
 * Days since 1970-01-01. Counting years from March makes February, with its
 * leap day, the last month of the year, so the day of that year is a fixed
 * formula of the month; whole 400-year eras (146097 days) are handled
 * separately so that negative years need no special case.
 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, year_of_era, day_of_year, day_of_era;
	int month_from_march = m > 2 ? m - 3 : m + 9;

	if (m <= 2)
		y--;
	era = floor_div(y, 400);
	year_of_era = y - era * 400;
	day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
	day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 +
		     day_of_year;
	/* 719468 days lie between 0000-03-01 and 1970-01-01. */
	return era * 146097 + day_of_era - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t day_of_era = z - era * 146097;
	int64_t year_of_era = (day_of_era - day_of_era / 1460 +
			       day_of_era / 36524 - day_of_era / 146096) / 365;
	int64_t day_of_year = day_of_era -
			      (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	int64_t month_from_march = (5 * day_of_year + 2) / 153;

	*d = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
	*m = (int)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
	*y = year_of_era + era * 400 + (*m <= 2);
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(int64_t days)
{
	return (int)(days - floor_div(days + 4, 7) * 7 + 4);
}

static int64_t year_of_days(int64_t days)
{
	int64_t y;
	int m, d;

	civil_from_days(days, &y, &m, &d);
	return y;
}

/* ---- POSIX TZ strings (the footer) --------------------------------- */

/* Between min_digits and max_digits decimal digits, at most max. */
static int read_number(const char **pp, int min_digits, int max_digits, int max,
		       int *out)
{
	const char *p = *pp;
	int v = 0, n = 0;

	while (is_digit(*p) && n < max_digits) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (n < min_digits || is_digit(*p) || v > max)
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

/* "CET" (letters) or "<+0330>" (letters, digits, '+', '-'), 3 or more. */
static int parse_designation(const char **pp, char *out)
{
	const char *p = *pp;
	int quoted = *p == '<';
	size_t len = 0;

	if (quoted)
		p++;
	while (is_alpha(*p) || (quoted && (is_digit(*p) || *p == '+' || *p == '-'))) {
		if (len >= TZ_ABBR_MAX)
			return -EINVAL;
		out[len++] = *p++;
	}
	if (len < 3 || (quoted && *p++ != '>'))
		return -EINVAL;
	out[len] = '\0';
	*pp = p;
	return 0;
}

/* [+-]hh[:mm[:ss]] with hh up to max_hours; in seconds. */
static int parse_hms(const char **pp, int max_hours, int32_t *out)
{
	const char *p = *pp;
	int sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (read_number(&p, 1, 3, max_hours, &h) < 0)
		return -EINVAL;
	if (*p == ':') {
		p++;
		if (read_number(&p, 2, 2, 59, &m) < 0)
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (read_number(&p, 2, 2, 59, &s) < 0)
				return -EINVAL;
		}
	}
	*pp = p;
	*out = sign * (h * 3600 + m * 60 + s);
	return 0;
}

/* A POSIX offset is what to add to local time to get UT, the opposite of
 * a UT offset: "CET-1" is one hour east of Greenwich. */
static int parse_utoff(const char **pp, int32_t *utoff)
{
	int32_t posix;

	if (parse_hms(pp, POSIX_OFFSET_HOURS_MAX, &posix) < 0)
		return -EINVAL;
	*utoff = -posix;
	return *utoff >= UTOFF_MIN && *utoff <= UTOFF_MAX ? 0 : -EINVAL;
}

/* Consumes c at *pp; never steps over the terminating NUL. */
static int expect_char(const char **pp, char c)
{
	if (**pp != c)
		return -EINVAL;
	(*pp)++;
	return 0;
}

static int parse_month_week_day(const char **pp, struct tz_rule *r)
{
	r->kind = RULE_MONTH_WEEK_DAY;
	if (read_number(pp, 1, 2, 12, &r->month) < 0 || r->month < 1 ||
	    expect_char(pp, '.') < 0 ||
	    read_number(pp, 1, 1, 5, &r->week) < 0 || r->week < 1 ||
	    expect_char(pp, '.') < 0 ||
	    read_number(pp, 1, 1, 6, &r->day) < 0)
		return -EINVAL;
	return 0;
}

static int parse_rule_date(const char **pp, struct tz_rule *r)
{
	if (expect_char(pp, 'M') == 0)
		return parse_month_week_day(pp, r);
	if (expect_char(pp, 'J') == 0) {
		r->kind = RULE_JULIAN;
		return read_number(pp, 1, 3, 365, &r->day) < 0 || r->day < 1 ?
		       -EINVAL : 0;
	}
	r->kind = RULE_ZERO_BASED;
	return read_number(pp, 1, 3, 365, &r->day);
}

/* ",date[/time]" */
static int parse_rule(const char **pp, struct tz_rule *r)
{
	if (expect_char(pp, ',') < 0 || parse_rule_date(pp, r) < 0)
		return -EINVAL;
	r->time = DEFAULT_RULE_TIME;
	if (expect_char(pp, '/') < 0)
		return 0;
	return parse_hms(pp, RULE_HOURS_MAX, &r->time);
}

/*
 * std offset [dst [offset] ,start[/time],end[/time]]. POSIX leaves a DST
 * zone without rules to the implementation; RFC 8536 footers always carry
 * them, so one without is refused rather than guessed.
 */
static int parse_footer(const char *s, struct tz_footer *f)
{
	const char *p = s;

	memset(f, 0, sizeof(*f));
	if (*p == '\0')
		return 0;
	if (parse_designation(&p, f->std_abbr) < 0 ||
	    parse_utoff(&p, &f->std_utoff) < 0)
		return -EINVAL;
	f->present = 1;
	if (*p == '\0')
		return 0;
	if (parse_designation(&p, f->dst_abbr) < 0)
		return -EINVAL;
	f->has_dst = 1;
	f->dst_utoff = f->std_utoff + 3600;
	if (*p != ',' && parse_utoff(&p, &f->dst_utoff) < 0)
		return -EINVAL;
	if (parse_rule(&p, &f->start) < 0 || parse_rule(&p, &f->end) < 0)
		return -EINVAL;
	return *p == '\0' ? 0 : -EINVAL;
}

/* The local midnight (as days since 1970) on which rule r falls in year y. */
static int64_t rule_day(const struct tz_rule *r, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1), first, day;
	int mdays;

	switch (r->kind) {
	case RULE_JULIAN:
		/* Jn never counts February 29. */
		return jan1 + r->day - 1 + (is_leap(y) && r->day >= 60);
	case RULE_ZERO_BASED:
		return jan1 + r->day;
	case RULE_MONTH_WEEK_DAY:
	default:
		first = days_from_civil(y, r->month, 1);
		mdays = days_in_month(y, r->month);
		day = first + (r->day - weekday(first) + 7) % 7 + (long)(r->week - 1) * 7;
		while (day - first >= mdays)
			day -= 7;
		return day;
	}
}

/*
 * DST starts at a local standard time and ends at a local daylight time.
 * Both changes are taken in the year of the instant's standard local time;
 * when the end comes first in that year (southern hemisphere, or Dublin
 * whose "DST" is winter) DST is what lies outside [end, start).
 */
static int footer_is_dst(const struct tz_footer *f, int64_t t)
{
	int64_t y = year_of_days(floor_div(t + f->std_utoff, SECS_PER_DAY));
	int64_t start = rule_day(&f->start, y) * SECS_PER_DAY + f->start.time -
			f->std_utoff;
	int64_t end = rule_day(&f->end, y) * SECS_PER_DAY + f->end.time -
		      f->dst_utoff;

	if (start < end)
		return t >= start && t < end;
	return t >= start || t < end;
}

static void footer_local(const struct tz_footer *f, int64_t t, struct tz_local *lt)
{
	if (f->has_dst && footer_is_dst(f, t)) {
		lt->utoff = f->dst_utoff;
		lt->isdst = 1;
		lt->abbr = f->dst_abbr;
	} else {
		lt->utoff = f->std_utoff;
		lt->isdst = 0;
		lt->abbr = f->std_abbr;
	}
}

/* ---- TZif files (RFC 8536) ----------------------------------------- */

struct cursor {
	const unsigned char *p;
	size_t len, off;
};

struct tzif_counts {
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static const unsigned char *take(struct cursor *c, uint64_t n)
{
	const unsigned char *p;

	if (n > c->len - c->off)
		return NULL;
	p = c->p + c->off;
	c->off += (size_t)n;
	return p;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Two's complement without implementation-defined conversions. */
static int32_t be32_signed(const unsigned char *p)
{
	uint32_t u = be32(p);

	return u <= INT32_MAX ? (int32_t)u : -(int32_t)(UINT32_MAX - u) - 1;
}

static int64_t be64_signed(const unsigned char *p)
{
	uint64_t u = (uint64_t)be32(p) << 32 | be32(p + 4);

	return u <= INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

static int read_header(struct cursor *c, char *version, struct tzif_counts *n,
		       struct iam_err *err)
{
	const unsigned char *h = take(c, TZIF_HEADER_LEN);

	if (!h || memcmp(h, "TZif", 4) != 0) {
		iam_err_set(err, "not a TZif file (no \"TZif\" header)");
		return -EINVAL;
	}
	*version = (char)h[4];
	n->isutcnt = be32(h + 20);
	n->isstdcnt = be32(h + 24);
	n->leapcnt = be32(h + 28);
	n->timecnt = be32(h + 32);
	n->typecnt = be32(h + 36);
	n->charcnt = be32(h + 40);
	return 0;
}

/* Bytes of a data block; time_len is 4 in version 1 blocks, 8 later. */
static uint64_t block_len(const struct tzif_counts *n, unsigned time_len)
{
	return (uint64_t)n->timecnt * (time_len + 1) +
	       (uint64_t)n->typecnt * TZIF_TYPE_LEN + n->charcnt +
	       (uint64_t)n->leapcnt * (time_len + 4) + n->isstdcnt + n->isutcnt;
}

static int check_counts(const struct tzif_counts *n, const struct cursor *c,
			struct iam_err *err)
{
	if (n->typecnt == 0 || n->typecnt > TZIF_TYPES_MAX || n->charcnt == 0 ||
	    (n->isutcnt != 0 && n->isutcnt != n->typecnt) ||
	    (n->isstdcnt != 0 && n->isstdcnt != n->typecnt)) {
		iam_err_set(err, "inconsistent counts in the header (%u types, "
			    "%u designation bytes)", n->typecnt, n->charcnt);
		return -EINVAL;
	}
	if (n->leapcnt != 0) {
		iam_err_set(err, "leap-second (\"right/\") zones are not supported");
		return -EINVAL;
	}
	if (block_len(n, 8) > c->len - c->off) {
		iam_err_set(err, "the header announces more data than the file holds");
		return -EINVAL;
	}
	return 0;
}

static int read_times(struct iam_tz *tz, struct cursor *c, struct iam_err *err)
{
	const unsigned char *p = take(c, (uint64_t)tz->timecnt * 8);
	const unsigned char *idx = take(c, tz->timecnt);
	size_t i;

	for (i = 0; i < tz->timecnt; i++) {
		tz->times[i] = be64_signed(p + 8 * i);
		if (i > 0 && tz->times[i] <= tz->times[i - 1]) {
			iam_err_set(err, "transition %zu is not after the one "
				    "before it", i);
			return -EINVAL;
		}
		if (idx[i] >= tz->typecnt) {
			iam_err_set(err, "transition %zu uses time type %u but "
				    "the file has %zu", i, idx[i], tz->typecnt);
			return -EINVAL;
		}
		tz->time_types[i] = idx[i];
	}
	return 0;
}

static int read_types(struct iam_tz *tz, struct cursor *c, size_t charcnt,
		      struct iam_err *err)
{
	const unsigned char *p = take(c, (uint64_t)tz->typecnt * TZIF_TYPE_LEN);
	size_t i;

	for (i = 0; i < tz->typecnt; i++, p += TZIF_TYPE_LEN) {
		struct tz_type *t = &tz->types[i];

		t->utoff = be32_signed(p);
		t->isdst = p[4];
		t->abbr = p[5];
		if (t->utoff < UTOFF_MIN || t->utoff > UTOFF_MAX || p[4] > 1 ||
		    t->abbr >= charcnt) {
			iam_err_set(err, "time type %zu is invalid (offset %ld, "
				    "dst flag %u, designation %u of %zu bytes)",
				    i, (long)t->utoff, p[4], p[5], charcnt);
			return -EINVAL;
		}
	}
	return 0;
}

/* The designations ("CET\0CEST\0") end up in tm_zone: each must end within
 * the array and be plain printable ASCII. */
static int read_abbrs(struct iam_tz *tz, struct cursor *c, size_t charcnt,
		      struct iam_err *err)
{
	const unsigned char *p = take(c, charcnt);
	size_t i;

	for (i = 0; i + 1 < charcnt; i++) {
		if (p[i] != '\0' && (p[i] < 0x20 || p[i] > 0x7e))
			break;
	}
	if (i + 1 < charcnt || p[charcnt - 1] != '\0') {
		iam_err_set(err, "time zone designations are not printable "
			    "NUL-terminated strings");
		return -EINVAL;
	}
	memcpy(tz->abbrs, p, charcnt);
	return 0;
}

/* Standard/wall and UT/local indicators: only needed by readers that apply
 * old POSIX rules to the file, but they must still be 0 or 1. */
static int check_indicators(struct cursor *c, const struct tzif_counts *n,
			    struct iam_err *err)
{
	const unsigned char *p = take(c, (uint64_t)n->isstdcnt + n->isutcnt);
	size_t i;

	for (i = 0; i < (size_t)n->isstdcnt + n->isutcnt; i++) {
		if (p[i] > 1) {
			iam_err_set(err, "standard/UT indicator %zu is %u, not "
				    "0 or 1", i, p[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* "\n" TZ string "\n" and nothing after it. */
static int read_footer(struct iam_tz *tz, struct cursor *c, struct iam_err *err)
{
	const unsigned char *open_nl, *text_start, *nl;
	char text[TZ_FOOTER_MAX + 1];
	size_t len;

	open_nl = take(c, 1);
	if (!open_nl || *open_nl != '\n')
		goto bad;
	text_start = c->p + c->off;
	len = c->len - c->off;
	nl = memchr(text_start, '\n', len < sizeof(text) ? len : sizeof(text));
	/* The closing newline must be the last byte of the file. */
	if (!nl || (size_t)(nl - text_start) + 1 != len)
		goto bad;
	len = (size_t)(nl - text_start);
	memcpy(text, text_start, len);
	text[len] = '\0';
	if (strlen(text) != len || parse_footer(text, &tz->footer) < 0)
		goto bad;
	return 0;
bad:
	iam_err_set(err, "missing or invalid TZ string footer");
	return -EINVAL;
}

static int alloc_tables(struct iam_tz *tz, const struct tzif_counts *n)
{
	tz->timecnt = n->timecnt;
	tz->typecnt = n->typecnt;
	/* calloc(0) may return NULL; one spare element keeps it simple. */
	tz->times = calloc((size_t)n->timecnt + 1, sizeof(*tz->times));
	tz->time_types = calloc((size_t)n->timecnt + 1, 1);
	tz->types = calloc(n->typecnt, sizeof(*tz->types));
	tz->abbrs = calloc(n->charcnt, 1);
	if (!tz->times || !tz->time_types || !tz->types || !tz->abbrs)
		return -ENOMEM;
	return 0;
}

/* Skips the version 1 block, which only readers of 32-bit times use. */
static int skip_v1(struct cursor *c, struct iam_err *err)
{
	struct tzif_counts n;
	char version;
	int r;

	r = read_header(c, &version, &n, err);
	if (r < 0)
		return r;
	if (version < '2' || version > '9') {
		iam_err_set(err, "TZif version 1 or unknown version; version 2 "
			    "or later is needed");
		return -EINVAL;
	}
	if (!take(c, block_len(&n, 4))) {
		iam_err_set(err, "the version 1 data block is truncated");
		return -EINVAL;
	}
	return 0;
}

static int parse_tzif(struct iam_tz *tz, const unsigned char *data, size_t len,
		      struct iam_err *err)
{
	struct cursor c = { data, len, 0 };
	struct tzif_counts n;
	char version;
	int r;

	r = skip_v1(&c, err);
	if (r == 0)
		r = read_header(&c, &version, &n, err);
	if (r == 0)
		r = check_counts(&n, &c, err);
	if (r == 0)
		r = alloc_tables(tz, &n);
	if (r == 0)
		r = read_times(tz, &c, err);
	if (r == 0)
		r = read_types(tz, &c, n.charcnt, err);
	if (r == 0)
		r = read_abbrs(tz, &c, n.charcnt, err);
	if (r == 0)
		r = check_indicators(&c, &n, err);
	if (r == 0)
		r = read_footer(tz, &c, err);
	return r;
}

/* ---- loading ------------------------------------------------------- */

static int read_whole(int fd, size_t size, unsigned char **data, size_t *len)
{
	unsigned char *buf = malloc(size ? size : 1);
	size_t got = 0;

	if (!buf)
		return -ENOMEM;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			free(buf);
			return r;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*data = buf;
	*len = got;
	return 0;
}

static int open_error(int errnum, const char *path, const char *name,
		      struct iam_err *err)
{
	char msg[128];

	if (errnum == ENOENT || errnum == ENOTDIR) {
		iam_err_set(err, "unknown time zone \"%s\" (no %s)", name, path);
		return -ENOENT;
	}
	iam_err_set(err, "cannot open time zone file %s: %s", path,
		    strerror_r(errnum, msg, sizeof(msg)));
	return -errnum;
}

/*
 * Zone files are often symlinks (Debian: UTC -> Etc/UTC), so links are
 * followed; the strict name check is what keeps the path inside the
 * directory. O_NONBLOCK keeps a FIFO planted in the tree from hanging us.
 */
static int read_zone_file(const char *path, const char *name,
			  unsigned char **data, size_t *len, struct iam_err *err)
{
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return open_error(errno, path, name, err);
	if (fstat(fd, &st) < 0) {
		r = open_error(errno, path, name, err);
	} else if (S_ISDIR(st.st_mode)) {
		iam_err_set(err, "unknown time zone \"%s\" (%s is a directory)",
			    name, path);
		r = -ENOENT;
	} else if (!S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX) {
		iam_err_set(err, "time zone file %s is not a regular file of at "
			    "most %ld bytes", path, TZ_FILE_MAX);
		r = -EINVAL;
	} else {
		r = read_whole(fd, (size_t)st.st_size, data, len);
		if (r < 0)
			iam_err_set(err, "cannot read time zone file %s", path);
	}
	close(fd);
	return r;
}

/* UTC needs no file; it is built in for systems without tzdata. */
static int make_utc(struct iam_tz *tz)
{
	static const struct tzif_counts n = { 0, 0, 0, 0, 1, 4 };

	if (alloc_tables(tz, &n) < 0)
		return -ENOMEM;
	memcpy(tz->abbrs, "UTC", 4);
	return 0;
}

static int load_into(struct iam_tz *tz, const char *dir, const char *name,
		     struct iam_err *err)
{
	unsigned char *data = NULL;
	char path[PATH_MAX];
	size_t len = 0;
	int r, n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path) || dir[0] == '\0') {
		iam_err_set(err, "bad zoneinfo directory \"%.64s\"", dir);
		return -EINVAL;
	}
	r = read_zone_file(path, name, &data, &len, err);
	if (r == -ENOENT && strcmp(name, "UTC") == 0)
		r = make_utc(tz);
	else if (r == 0)
		r = parse_tzif(tz, data, len, err);
	if (r == -EINVAL && data)
		iam_err_prefix(err, "time zone file %s", path);
	free(data);
	return r;
}

int iam_tz_load(const char *zoneinfo_dir, const char *name, struct iam_tz **out,
		struct iam_err *err)
{
	struct iam_tz *tz;
	int r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!iam_tz_name_valid(name)) {
		iam_err_set(err, "invalid time zone name \"%.64s\"; expected a "
			    "name like Europe/Berlin or UTC", name ? name : "");
		return -EINVAL;
	}
	tz = calloc(1, sizeof(*tz));
	if (!tz)
		return -ENOMEM;
	tz->name = strdup(name);
	r = tz->name ? 0 : -ENOMEM;
	if (r == 0)
		r = load_into(tz, zoneinfo_dir ? zoneinfo_dir : IAM_DEFAULT_ZONEINFO,
			      name, err);
	if (r == -ENOMEM)
		iam_err_set(err, "out of memory loading time zone %s", name);
	if (r < 0) {
		iam_tz_free(tz);
		return r;
	}
	*out = tz;
	return 0;
}

void iam_tz_free(struct iam_tz *tz)
{
	if (!tz)
		return;
	free(tz->name);
	free(tz->times);
	free(tz->time_types);
	free(tz->types);
	free(tz->abbrs);
	free(tz);
}

const char *iam_tz_name(const struct iam_tz *tz)
{
	return tz ? tz->name : NULL;
}

/* ---- conversion ---------------------------------------------------- */

/* The last transition at or before t; the caller made sure there is one. */
static size_t find_transition(const struct iam_tz *tz, int64_t t)
{
	size_t lo = 0, hi = tz->timecnt - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		if (tz->times[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void type_local(const struct iam_tz *tz, size_t type, struct tz_local *lt)
{
	lt->utoff = tz->types[type].utoff;
	lt->isdst = tz->types[type].isdst;
	lt->abbr = tz->abbrs + tz->types[type].abbr;
}

/*
 * RFC 8536 section 3.2: before the first transition, time type 0 applies;
 * after the last one the footer does, and without a footer the last type
 * stays. With no transitions at all, the footer (else type 0) is the zone.
 */
static void find_local(const struct iam_tz *tz, int64_t t, struct tz_local *lt)
{
	if (tz->timecnt == 0 || t > tz->times[tz->timecnt - 1]) {
		size_t last_type = tz->timecnt ? tz->time_types[tz->timecnt - 1] : 0;

		if (tz->footer.present)
			footer_local(&tz->footer, t, lt);
		else
			type_local(tz, last_type, lt);
	} else if (t < tz->times[0]) {
		type_local(tz, 0, lt);
	} else {
		type_local(tz, tz->time_types[find_transition(tz, t)], lt);
	}
}

static void fill_tm(int64_t local, const struct tz_local *lt, struct tm *out)
{
	int64_t days = floor_div(local, SECS_PER_DAY), y;
	int secs = (int)(local - days * SECS_PER_DAY), m, d;

	civil_from_days(days, &y, &m, &d);
	memset(out, 0, sizeof(*out));
	out->tm_year = (int)(y - 1900);
	out->tm_mon = m - 1;
	out->tm_mday = d;
	out->tm_hour = secs / 3600;
	out->tm_min = secs / 60 % 60;
	out->tm_sec = secs % 60;
	out->tm_wday = weekday(days);
	out->tm_yday = (int)(days - days_from_civil(y, 1, 1));
	out->tm_isdst = lt->isdst;
	out->tm_gmtoff = lt->utoff;
	out->tm_zone = lt->abbr;
}

int iam_tz_localtime(const struct iam_tz *tz, time_t t, struct tm *out)
{
	struct tz_local lt;

	if (!tz || !out)
		return -EINVAL;
	if ((int64_t)t < -TIME_LIMIT || (int64_t)t > TIME_LIMIT)
		return -EOVERFLOW;
	find_local(tz, (int64_t)t, &lt);
	fill_tm((int64_t)t + lt.utoff, &lt, out);
	return 0;
}

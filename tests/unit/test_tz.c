/*
 * Unit tests for common/tz.c and common/timewin.c: local time in IANA zones
 * read from TZif files (the system's and hand-made hostile ones), and
 * time-of-day windows in those zones. Every instant is a fixed time_t built
 * with timegm(); nothing here reads the clock or sleeps.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "iam_buf.h"
#include "timewin.h"
#include "tz.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define CRAFTED "Crafted"

/* The temporary zoneinfo directory for hand-made files. */
static char tmpdir[] = "/tmp/iam_test_tz.XXXXXX";

static time_t utc(int y, int mon, int d, int h, int min, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = min;
	tm.tm_sec = s;
	return timegm(&tm);
}

static struct iam_tz *load_system(const char *name)
{
	struct iam_err err = { "" };
	struct iam_tz *tz = NULL;

	if (iam_tz_load(NULL, name, &tz, &err) != 0)
		fail_msg("loading %s: %s", name, err.msg);
	return tz;
}

/* Expected local time of an instant. */
struct local {
	int y, mon, d, h, min, s;
	long gmtoff;
	int isdst;
	const char *abbr;
};

static void check_at(const struct iam_tz *tz, time_t t, const struct local *e)
{
	struct tm tm;

	assert_int_equal(iam_tz_localtime(tz, t, &tm), 0);
	if (tm.tm_year + 1900 != e->y || tm.tm_mon + 1 != e->mon ||
	    tm.tm_mday != e->d || tm.tm_hour != e->h || tm.tm_min != e->min ||
	    tm.tm_sec != e->s || tm.tm_gmtoff != e->gmtoff ||
	    tm.tm_isdst != e->isdst || strcmp(tm.tm_zone, e->abbr) != 0)
		fail_msg("%s at %lld: got %04d-%02d-%02d %02d:%02d:%02d %+ld dst=%d "
			 "%s, expected %04d-%02d-%02d %02d:%02d:%02d %+ld dst=%d %s",
			 iam_tz_name(tz), (long long)t, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (long)tm.tm_gmtoff, tm.tm_isdst, tm.tm_zone, e->y, e->mon,
			 e->d, e->h, e->min, e->s, e->gmtoff, e->isdst, e->abbr);
}

#define CHECK(tz, t, ...) do {                                   \
		const struct local e_ = { __VA_ARGS__ };         \
		check_at((tz), (t), &e_);                        \
	} while (0)

/* ---- names and loading --------------------------------------------- */

static void test_name_valid(void **state)
{
	static const char *const good[] = {
		"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires",
		"Etc/GMT+5", "Etc/GMT-14", "America/Port-au-Prince", "EST5EDT",
	};
	static const char *const bad[] = {
		"", "/", "../etc/passwd", "/etc/passwd", "Europe/../../x",
		"Europe/./Berlin", "Europe//Berlin", "Europe/Berlin/", "/UTC",
		"Europe/Berlin ", "Europe/Ber lin", ".", "..", "Europe/.hidden",
		"Europe\\Berlin", "Europe/Berlin\n", "Europe/Berl\xc3\xadn",
		"Europe/Berlin%00", "~root", "$HOME", "Europe/*",
	};
	char longname[IAM_TZ_NAME_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < N(good); i++)
		if (!iam_tz_name_valid(good[i]))
			fail_msg("\"%s\" should be valid", good[i]);
	for (i = 0; i < N(bad); i++)
		if (iam_tz_name_valid(bad[i]))
			fail_msg("\"%s\" should be invalid", bad[i]);
	assert_int_equal(iam_tz_name_valid(NULL), 0);
	memset(longname, 'a', sizeof(longname) - 2);
	longname[sizeof(longname) - 2] = '\0';
	assert_int_equal(iam_tz_name_valid(longname), 1);
	longname[sizeof(longname) - 2] = 'a';
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(iam_tz_name_valid(longname), 0);
}

static void test_load_bad_names(void **state)
{
	static const char *const bad[] = {
		"../etc/passwd", "/etc/passwd", "Europe/../../x", "", "..",
		"Europe/Berlin/../../../etc/shadow",
	};
	struct iam_err err;
	struct iam_tz *tz;
	char longname[5000];
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		tz = (struct iam_tz *)&err;
		err.msg[0] = '\0';
		if (iam_tz_load(NULL, bad[i], &tz, &err) != -EINVAL)
			fail_msg("\"%s\" should be refused", bad[i]);
		assert_null(tz);
		assert_non_null(strstr(err.msg, "invalid time zone name"));
	}
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(iam_tz_load(NULL, longname, &tz, &err), -EINVAL);
	assert_int_equal(iam_tz_load(NULL, NULL, &tz, &err), -EINVAL);
	assert_int_equal(iam_tz_load(NULL, "UTC", NULL, &err), -EINVAL);
}

static void test_load_unknown(void **state)
{
	struct iam_err err = { "" };
	struct iam_tz *tz = NULL;

	(void)state;
	assert_int_equal(iam_tz_load(NULL, "Mars/Olympus_Mons", &tz, &err), -ENOENT);
	assert_null(tz);
	assert_non_null(strstr(err.msg, "Mars/Olympus_Mons"));
	/* A directory of zones is not a zone. */
	assert_int_equal(iam_tz_load(NULL, "Europe", &tz, &err), -ENOENT);
	/* A file below a file. */
	assert_int_equal(iam_tz_load(NULL, "UTC/Berlin", &tz, &err), -ENOENT);
	assert_int_equal(iam_tz_load("/nonexistent-zoneinfo", "Europe/Berlin",
				     &tz, NULL), -ENOENT);
	assert_int_equal(iam_tz_load("", "Europe/Berlin", &tz, &err), -EINVAL);
	assert_null(tz);
}

/* ---- system zones -------------------------------------------------- */

static void test_utc(void **state)
{
	struct iam_tz *tz = load_system("UTC");
	struct tm tm;

	(void)state;
	assert_string_equal(iam_tz_name(tz), "UTC");
	CHECK(tz, 0, 1970, 1, 1, 0, 0, 0, 0, 0, "UTC");
	CHECK(tz, -1, 1969, 12, 31, 23, 59, 59, 0, 0, "UTC");
	CHECK(tz, utc(2000, 2, 29, 12, 0, 0), 2000, 2, 29, 12, 0, 0, 0, 0, "UTC");
	CHECK(tz, utc(2100, 3, 1, 0, 0, 0), 2100, 3, 1, 0, 0, 0, 0, 0, "UTC");
	CHECK(tz, utc(1600, 2, 29, 1, 2, 3), 1600, 2, 29, 1, 2, 3, 0, 0, "UTC");

	assert_int_equal(iam_tz_localtime(tz, 0, &tm), 0);
	assert_int_equal(tm.tm_wday, 4);        /* Thursday */
	assert_int_equal(tm.tm_yday, 0);
	assert_int_equal(iam_tz_localtime(tz, -1, &tm), 0);
	assert_int_equal(tm.tm_wday, 3);
	assert_int_equal(tm.tm_yday, 364);
	assert_int_equal(iam_tz_localtime(tz, utc(2024, 12, 31, 0, 0, 0), &tm), 0);
	assert_int_equal(tm.tm_yday, 365);      /* leap year */
	assert_int_equal(tm.tm_wday, 2);
	assert_int_equal(iam_tz_localtime(tz, utc(1900, 3, 1, 0, 0, 0), &tm), 0);
	assert_int_equal(tm.tm_yday, 59);       /* 1900 is not a leap year */
	assert_int_equal(tm.tm_wday, 4);

	assert_int_equal(iam_tz_localtime(NULL, 0, &tm), -EINVAL);
	assert_int_equal(iam_tz_localtime(tz, 0, NULL), -EINVAL);
	assert_int_equal(iam_tz_localtime(tz, (time_t)INT64_MAX, &tm), -EOVERFLOW);
	assert_int_equal(iam_tz_localtime(tz, (time_t)INT64_MIN, &tm), -EOVERFLOW);
	iam_tz_free(tz);
	iam_tz_free(NULL);
	assert_null(iam_tz_name(NULL));
}

static void test_utc_without_file(void **state)
{
	struct iam_err err = { "" };
	struct iam_tz *tz = NULL;

	(void)state;
	/* tmpdir has no UTC file: the zone is built in. */
	assert_int_equal(iam_tz_load(tmpdir, "UTC", &tz, &err), 0);
	CHECK(tz, utc(2025, 7, 1, 12, 0, 0), 2025, 7, 1, 12, 0, 0, 0, 0, "UTC");
	iam_tz_free(tz);
	assert_int_equal(iam_tz_load(tmpdir, "Etc/UTC", &tz, &err), -ENOENT);
}

static void test_berlin(void **state)
{
	struct iam_tz *tz = load_system("Europe/Berlin");
	struct tm tm;

	(void)state;
	/* Spring forward: 2025-03-30 01:00 UTC, 02:00 CET -> 03:00 CEST. */
	CHECK(tz, utc(2025, 3, 30, 0, 59, 59), 2025, 3, 30, 1, 59, 59, 3600, 0, "CET");
	CHECK(tz, utc(2025, 3, 30, 1, 0, 0), 2025, 3, 30, 3, 0, 0, 7200, 1, "CEST");
	/* Fall back: 2025-10-26 01:00 UTC, 03:00 CEST -> 02:00 CET. */
	CHECK(tz, utc(2025, 10, 26, 0, 59, 59), 2025, 10, 26, 2, 59, 59, 7200, 1, "CEST");
	CHECK(tz, utc(2025, 10, 26, 1, 0, 0), 2025, 10, 26, 2, 0, 0, 3600, 0, "CET");
	CHECK(tz, utc(2025, 12, 31, 23, 30, 0), 2026, 1, 1, 0, 30, 0, 3600, 0, "CET");
	/* Before the first transition (1893): local mean time, +0:53:28. */
	CHECK(tz, utc(1850, 1, 1, 0, 0, 0), 1850, 1, 1, 0, 53, 28, 3208, 0, "LMT");

	assert_int_equal(iam_tz_localtime(tz, utc(2025, 3, 30, 1, 0, 0), &tm), 0);
	assert_int_equal(tm.tm_wday, 0);        /* Sunday */
	assert_int_equal(tm.tm_yday, 88);
	iam_tz_free(tz);
}

static void test_new_york(void **state)
{
	struct iam_tz *tz = load_system("America/New_York");

	(void)state;
	/* 2025-03-09 02:00 EST -> 03:00 EDT at 07:00 UTC. */
	CHECK(tz, utc(2025, 3, 9, 6, 59, 59), 2025, 3, 9, 1, 59, 59, -18000, 0, "EST");
	CHECK(tz, utc(2025, 3, 9, 7, 0, 0), 2025, 3, 9, 3, 0, 0, -14400, 1, "EDT");
	/* 2025-11-02 02:00 EDT -> 01:00 EST at 06:00 UTC. */
	CHECK(tz, utc(2025, 11, 2, 5, 59, 59), 2025, 11, 2, 1, 59, 59, -14400, 1, "EDT");
	CHECK(tz, utc(2025, 11, 2, 6, 0, 0), 2025, 11, 2, 1, 0, 0, -18000, 0, "EST");
	/* The day before in local time although it is Jan 1 in UTC. */
	CHECK(tz, utc(2025, 1, 1, 3, 0, 0), 2024, 12, 31, 22, 0, 0, -18000, 0, "EST");
	iam_tz_free(tz);
}

/* Year 2100 lies past the last transition of any TZif file: the footer
 * rule decides. */
static void test_far_future(void **state)
{
	struct iam_tz *berlin = load_system("Europe/Berlin");
	struct iam_tz *ny = load_system("America/New_York");

	(void)state;
	CHECK(berlin, utc(2100, 3, 28, 0, 59, 59), 2100, 3, 28, 1, 59, 59, 3600, 0, "CET");
	CHECK(berlin, utc(2100, 3, 28, 1, 0, 0), 2100, 3, 28, 3, 0, 0, 7200, 1, "CEST");
	CHECK(berlin, utc(2100, 10, 31, 0, 59, 59), 2100, 10, 31, 2, 59, 59, 7200, 1, "CEST");
	CHECK(berlin, utc(2100, 10, 31, 1, 0, 0), 2100, 10, 31, 2, 0, 0, 3600, 0, "CET");
	CHECK(berlin, utc(2100, 7, 1, 12, 0, 0), 2100, 7, 1, 14, 0, 0, 7200, 1, "CEST");
	CHECK(ny, utc(2100, 3, 14, 6, 59, 59), 2100, 3, 14, 1, 59, 59, -18000, 0, "EST");
	CHECK(ny, utc(2100, 3, 14, 7, 0, 0), 2100, 3, 14, 3, 0, 0, -14400, 1, "EDT");
	/* Far, far away: still a sane answer. */
	CHECK(berlin, utc(9999, 12, 31, 23, 0, 0), 10000, 1, 1, 0, 0, 0, 3600, 0, "CET");
	iam_tz_free(berlin);
	iam_tz_free(ny);
}

static void test_odd_offsets(void **state)
{
	struct iam_tz *kolkata = load_system("Asia/Kolkata");
	struct iam_tz *lhi = load_system("Australia/Lord_Howe");
	struct iam_tz *chatham = load_system("Pacific/Chatham");
	struct iam_tz *gmt5 = load_system("Etc/GMT+5");

	(void)state;
	CHECK(kolkata, utc(2025, 1, 1, 0, 0, 0), 2025, 1, 1, 5, 30, 0, 19800, 0, "IST");
	CHECK(kolkata, utc(2025, 7, 1, 18, 30, 0), 2025, 7, 2, 0, 0, 0, 19800, 0, "IST");
	/* Lord Howe: +10:30, and +11:00 in (southern) summer: a 30 minute DST. */
	CHECK(lhi, utc(2025, 1, 15, 0, 0, 0), 2025, 1, 15, 11, 0, 0, 39600, 1, "+11");
	CHECK(lhi, utc(2025, 7, 15, 0, 0, 0), 2025, 7, 15, 10, 30, 0, 37800, 0, "+1030");
	CHECK(lhi, utc(2025, 4, 5, 14, 59, 59), 2025, 4, 6, 1, 59, 59, 39600, 1, "+11");
	CHECK(lhi, utc(2025, 4, 5, 15, 0, 0), 2025, 4, 6, 1, 30, 0, 37800, 0, "+1030");
	CHECK(lhi, utc(2025, 10, 4, 15, 29, 59), 2025, 10, 5, 1, 59, 59, 37800, 0, "+1030");
	CHECK(lhi, utc(2025, 10, 4, 15, 30, 0), 2025, 10, 5, 2, 30, 0, 39600, 1, "+11");
	CHECK(lhi, utc(2100, 1, 15, 0, 0, 0), 2100, 1, 15, 11, 0, 0, 39600, 1, "+11");
	CHECK(chatham, utc(2025, 1, 15, 0, 0, 0), 2025, 1, 15, 13, 45, 0, 49500, 1, "+1345");
	CHECK(chatham, utc(2025, 7, 15, 0, 0, 0), 2025, 7, 15, 12, 45, 0, 45900, 0, "+1245");
	/* POSIX-style naming: Etc/GMT+5 is five hours west. */
	CHECK(gmt5, utc(2025, 7, 1, 12, 0, 0), 2025, 7, 1, 7, 0, 0, -18000, 0, "-05");
	iam_tz_free(kolkata);
	iam_tz_free(lhi);
	iam_tz_free(chatham);
	iam_tz_free(gmt5);
}

static uint64_t next_random(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return *seed >> 11;
}

static int same_tm(const struct tm *a, const struct tm *b)
{
	return a->tm_year == b->tm_year && a->tm_yday == b->tm_yday &&
	       a->tm_mon == b->tm_mon && a->tm_mday == b->tm_mday &&
	       a->tm_hour == b->tm_hour && a->tm_min == b->tm_min &&
	       a->tm_sec == b->tm_sec && a->tm_wday == b->tm_wday &&
	       a->tm_isdst == b->tm_isdst && a->tm_gmtoff == b->tm_gmtoff &&
	       strcmp(a->tm_zone, b->tm_zone) == 0;
}

/* The test program (not the library) may use TZ and localtime_r: glibc is
 * an independent reader of the same files. */
static void compare_with_libc(const char *zone, uint64_t *seed)
{
	struct iam_tz *tz = load_system(zone);
	struct tm a, b;
	char env[64];
	time_t t;
	int i;

	snprintf(env, sizeof(env), ":%s", zone);
	setenv("TZ", env, 1);
	tzset();
	for (i = 0; i < 3000; i++) {
		/* 1900 to 2500 */
		t = -2208988800LL + (time_t)(next_random(seed) % 18934214400ULL);
		assert_int_equal(iam_tz_localtime(tz, t, &a), 0);
		assert_non_null(localtime_r(&t, &b));
		if (!same_tm(&a, &b))
			fail_msg("%s differs from libc at %lld", zone, (long long)t);
	}
	iam_tz_free(tz);
}

static void test_matches_libc(void **state)
{
	static const char *const zones[] = {
		"Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
		"Europe/Dublin", "America/Nuuk", "Africa/Casablanca",
		"America/Sao_Paulo", "Pacific/Apia", "Asia/Tehran",
	};
	uint64_t seed = 0x1234567;
	size_t z;

	(void)state;
	for (z = 0; z < N(zones); z++)
		compare_with_libc(zones[z], &seed);
	unsetenv("TZ");
	tzset();
}

/* ---- hand-made TZif files ------------------------------------------ */

struct ttype {
	int32_t utoff;
	unsigned char isdst, abbr;
};

struct zone_def {
	size_t ntimes;
	const int64_t *times;
	const unsigned char *idx;
	size_t ntypes;
	const struct ttype *types;
	size_t nchars;
	const char *chars;
	int indicators;         /* write isstd/isut arrays of zeros */
	const char *footer;     /* between the two newlines */
};

/* Offsets in a built file: v1 header with no data, then the v2 header. */
#define V2 44
#define V2_ISUTCNT (V2 + 20)
#define V2_ISSTDCNT (V2 + 24)
#define V2_LEAPCNT (V2 + 28)
#define V2_TIMECNT (V2 + 32)
#define V2_TYPECNT (V2 + 36)
#define V2_CHARCNT (V2 + 40)
#define DATA 88

struct blob {
	unsigned char *p;
	size_t len;
};

static void put32(struct iam_buf *b, uint32_t v)
{
	unsigned char x[4] = { v >> 24, v >> 16, v >> 8, v };

	assert_int_equal(iam_buf_append(b, x, 4), 0);
}

static void put_header(struct iam_buf *b, const uint32_t counts[6])
{
	static const unsigned char magic[20] = "TZif2";
	int i;

	assert_int_equal(iam_buf_append(b, magic, sizeof(magic)), 0);
	for (i = 0; i < 6; i++)
		put32(b, counts[i]);
}

static struct blob build(const struct zone_def *z)
{
	const uint32_t v1[6] = { 0 };
	const uint32_t nind = z->indicators ? (uint32_t)z->ntypes : 0;
	const uint32_t v2[6] = { nind, nind, 0, (uint32_t)z->ntimes,
				 (uint32_t)z->ntypes, (uint32_t)z->nchars };
	struct iam_buf b;
	struct blob out;
	size_t i;

	iam_buf_init(&b, 0);
	put_header(&b, v1);
	put_header(&b, v2);
	for (i = 0; i < z->ntimes; i++) {
		put32(&b, (uint32_t)((uint64_t)z->times[i] >> 32));
		put32(&b, (uint32_t)z->times[i]);
	}
	assert_int_equal(iam_buf_append(&b, z->idx, z->ntimes), 0);
	for (i = 0; i < z->ntypes; i++) {
		put32(&b, (uint32_t)z->types[i].utoff);
		assert_int_equal(iam_buf_append(&b, &z->types[i].isdst, 1), 0);
		assert_int_equal(iam_buf_append(&b, &z->types[i].abbr, 1), 0);
	}
	assert_int_equal(iam_buf_append(&b, z->chars, z->nchars), 0);
	for (i = 0; i < 2 * nind; i++)
		assert_int_equal(iam_buf_append(&b, "", 1), 0);
	assert_int_equal(iam_buf_printf(&b, "\n%s\n", z->footer), 0);
	out.len = b.len;
	out.p = (unsigned char *)iam_buf_steal(&b);
	return out;
}

static void patch32(struct blob *b, size_t off, uint32_t v)
{
	assert_true(off + 4 <= b->len);
	b->p[off] = (unsigned char)(v >> 24);
	b->p[off + 1] = (unsigned char)(v >> 16);
	b->p[off + 2] = (unsigned char)(v >> 8);
	b->p[off + 3] = (unsigned char)v;
}

static void write_file(const char *name, const void *p, size_t len)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_true(len == 0 || write(fd, p, len) == (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static int load_bytes(const void *p, size_t len, struct iam_tz **tz,
		      struct iam_err *err)
{
	write_file(CRAFTED, p, len);
	return iam_tz_load(tmpdir, CRAFTED, tz, err);
}

static void expect_invalid(const void *p, size_t len, const char *what)
{
	struct iam_err err = { "" };
	struct iam_tz *tz = NULL;
	int r = load_bytes(p, len, &tz, &err);

	if (r != -EINVAL)
		fail_msg("%s: expected -EINVAL, got %d", what, r);
	assert_null(tz);
	if (err.msg[0] == '\0')
		fail_msg("%s: refused without a message", what);
}

/*
 * A small zone, valid by construction: LMT +0:53:28 until 0, then "AAA"
 * (+1) and "BBB" (+2, DST) by transitions, then a footer with EU rules.
 */
static const int64_t good_times[] = { 0, 1000000, 2000000 };
static const unsigned char good_idx[] = { 1, 2, 1 };
static const struct ttype good_types[] = {
	{ 3208, 0, 0 }, { 3600, 0, 4 }, { 7200, 1, 8 },
};
static const char good_chars[] = "LMT\0AAA\0BBB";     /* 12 with the NUL */

static struct zone_def good_zone(void)
{
	struct zone_def z = {
		N(good_times), good_times, good_idx, N(good_types), good_types,
		sizeof(good_chars), good_chars, 1, "AAA-1BBB,M3.5.0,M10.5.0/3",
	};

	return z;
}

static void test_crafted_valid(void **state)
{
	struct zone_def z = good_zone();
	struct blob b = build(&z);
	struct iam_err err = { "" };
	struct iam_tz *tz = NULL;

	(void)state;
	if (load_bytes(b.p, b.len, &tz, &err) != 0)
		fail_msg("the well-formed test zone was refused: %s", err.msg);
	assert_string_equal(iam_tz_name(tz), CRAFTED);
	CHECK(tz, -1, 1970, 1, 1, 0, 53, 27, 3208, 0, "LMT");
	CHECK(tz, 0, 1970, 1, 1, 1, 0, 0, 3600, 0, "AAA");
	CHECK(tz, 999999, 1970, 1, 12, 14, 46, 39, 3600, 0, "AAA");
	CHECK(tz, 1000000, 1970, 1, 12, 15, 46, 40, 7200, 1, "BBB");
	CHECK(tz, 2000000, 1970, 1, 24, 4, 33, 20, 3600, 0, "AAA");
	/* After the last transition: the footer. */
	CHECK(tz, utc(2025, 7, 1, 0, 0, 0), 2025, 7, 1, 2, 0, 0, 7200, 1, "BBB");
	CHECK(tz, utc(2025, 1, 1, 0, 0, 0), 2025, 1, 1, 1, 0, 0, 3600, 0, "AAA");
	iam_tz_free(tz);

	/* Without a footer the last type stays; no indicators is fine. */
	z.footer = "";
	z.indicators = 0;
	free(b.p);
	b = build(&z);
	assert_int_equal(load_bytes(b.p, b.len, &tz, &err), 0);
	CHECK(tz, utc(2025, 7, 1, 0, 0, 0), 2025, 7, 1, 1, 0, 0, 3600, 0, "AAA");
	iam_tz_free(tz);
	free(b.p);
}

static void test_crafted_symlink(void **state)
{
	struct zone_def z = good_zone();
	struct blob b = build(&z);
	struct iam_tz *tz = NULL;
	char target[PATH_MAX], link[PATH_MAX];

	(void)state;
	write_file("Target", b.p, b.len);
	snprintf(target, sizeof(target), "%s/Target", tmpdir);
	snprintf(link, sizeof(link), "%s/Link", tmpdir);
	unlink(link);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(iam_tz_load(tmpdir, "Link", &tz, NULL), 0);
	CHECK(tz, 0, 1970, 1, 1, 1, 0, 0, 3600, 0, "AAA");
	iam_tz_free(tz);
	unlink(link);
	free(b.p);
}

static void test_crafted_headers(void **state)
{
	struct zone_def z = good_zone();
	struct blob b = build(&z);
	unsigned char *copy = malloc(b.len);

	(void)state;
	assert_non_null(copy);
	expect_invalid("", 0, "empty file");
	expect_invalid(b.p, 10, "truncated header");
	expect_invalid(b.p, V2 + 30, "truncated second header");

	memcpy(copy, b.p, b.len);
	memcpy(copy, "TZiF", 4);
	expect_invalid(copy, b.len, "bad magic");
	memcpy(copy, b.p, b.len);
	memcpy(copy + V2, "XXXX", 4);
	expect_invalid(copy, b.len, "bad second magic");
	memcpy(copy, b.p, b.len);
	copy[4] = '\0';
	expect_invalid(copy, b.len, "version 1 only");
	copy[4] = '1';
	expect_invalid(copy, b.len, "version '1'");
	copy[4] = 0xff;
	expect_invalid(copy, b.len, "unknown version byte");

	/* A version 1 block that claims more than the file holds. */
	memcpy(copy, b.p, b.len);
	copy[32] = 0x7f;
	expect_invalid(copy, b.len, "huge v1 timecnt");
	memset(copy + 20, 0xff, 24);
	expect_invalid(copy, b.len, "all v1 counts 0xffffffff");
	free(copy);
	free(b.p);
}

static void expect_patched_invalid(size_t off, uint32_t v, const char *what)
{
	struct zone_def z = good_zone();
	struct blob b = build(&z);

	patch32(&b, off, v);
	expect_invalid(b.p, b.len, what);
	free(b.p);
}

static void test_crafted_counts(void **state)
{
	(void)state;
	expect_patched_invalid(V2_TIMECNT, 1000, "timecnt larger than the file");
	expect_patched_invalid(V2_TIMECNT, 0xffffffffu, "huge timecnt");
	expect_patched_invalid(V2_TIMECNT, 4, "timecnt one too many");
	expect_patched_invalid(V2_TYPECNT, 0xffffffffu, "huge typecnt");
	expect_patched_invalid(V2_TYPECNT, 0, "no types");
	expect_patched_invalid(V2_TYPECNT, 257, "more types than a byte indexes");
	expect_patched_invalid(V2_CHARCNT, 0xffffffffu, "huge charcnt");
	expect_patched_invalid(V2_CHARCNT, 0, "no designations");
	expect_patched_invalid(V2_LEAPCNT, 1, "leap seconds");
	expect_patched_invalid(V2_LEAPCNT, 0xffffffffu, "huge leapcnt");
	expect_patched_invalid(V2_ISSTDCNT, 1, "isstdcnt neither 0 nor typecnt");
	expect_patched_invalid(V2_ISUTCNT, 0xffffffffu, "huge isutcnt");
	/* Shrinking a count moves every later field: the file no longer
	 * ends where its footer should. */
	expect_patched_invalid(V2_TIMECNT, 2, "timecnt one too few");
}

static void expect_zone_invalid(const struct zone_def *z, const char *what)
{
	struct blob b = build(z);

	expect_invalid(b.p, b.len, what);
	free(b.p);
}

static void test_crafted_types(void **state)
{
	static const unsigned char idx_out_of_range[] = { 1, 3, 1 };
	static const unsigned char idx_far_out[] = { 1, 255, 1 };
	static const int64_t not_ascending[] = { 0, 2000000, 1000000 };
	static const int64_t repeated[] = { 0, 1000000, 1000000 };
	static const struct ttype abbr_out[] = {
		{ 3208, 0, 0 }, { 3600, 0, 12 }, { 7200, 1, 8 },
	};
	static const struct ttype abbr_far_out[] = {
		{ 3208, 0, 0 }, { 3600, 0, 255 }, { 7200, 1, 8 },
	};
	static const struct ttype utoff_min[] = {
		{ INT32_MIN, 0, 0 }, { 3600, 0, 4 }, { 7200, 1, 8 },
	};
	static const struct ttype utoff_big[] = {
		{ 3208, 0, 0 }, { 93600, 0, 4 }, { 7200, 1, 8 },
	};
	static const struct ttype utoff_small[] = {
		{ 3208, 0, 0 }, { -90000, 0, 4 }, { 7200, 1, 8 },
	};
	static const struct ttype isdst_two[] = {
		{ 3208, 0, 0 }, { 3600, 2, 4 }, { 7200, 1, 8 },
	};
	struct zone_def z;

	(void)state;
	z = good_zone();
	z.idx = idx_out_of_range;
	expect_zone_invalid(&z, "transition type index == typecnt");
	z.idx = idx_far_out;
	expect_zone_invalid(&z, "transition type index 255");
	z = good_zone();
	z.times = not_ascending;
	expect_zone_invalid(&z, "transitions out of order");
	z.times = repeated;
	expect_zone_invalid(&z, "repeated transition");
	z = good_zone();
	z.types = abbr_out;
	expect_zone_invalid(&z, "designation index == charcnt");
	z.types = abbr_far_out;
	expect_zone_invalid(&z, "designation index 255");
	z.types = utoff_min;
	expect_zone_invalid(&z, "utoff -2^31");
	z.types = utoff_big;
	expect_zone_invalid(&z, "utoff above 25:59:59");
	z.types = utoff_small;
	expect_zone_invalid(&z, "utoff below -24:59:59");
	z.types = isdst_two;
	expect_zone_invalid(&z, "isdst 2");
}

static void test_crafted_designations(void **state)
{
	struct zone_def z = good_zone();
	struct blob b;

	(void)state;
	z.chars = "LMT\0AAA\0BBBX";
	expect_zone_invalid(&z, "designations not NUL terminated");
	z.chars = "LMT\0A\nA\0BBB";
	expect_zone_invalid(&z, "control character in a designation");
	z.chars = "LMT\0AA\xc3\0BBB";
	expect_zone_invalid(&z, "non-ASCII designation");

	/* An indicator that is neither 0 nor 1. */
	z = good_zone();
	b = build(&z);
	b.p[b.len - strlen(z.footer) - 3] = 2;
	expect_invalid(b.p, b.len, "isut indicator 2");
	free(b.p);
}

static void test_crafted_footers(void **state)
{
	static const char *const bad[] = {
		"CET-1CEST",                    /* DST without rules */
		"CET-1CEST,M3.5.0",             /* one rule */
		"CET-1CEST,M3.5.0,M10.5.0,",
		"CET-1CEST,M13.5.0,M10.5.0/3", "CET-1CEST,M0.5.0,M10.5.0/3",
		"CET-1CEST,M3.6.0,M10.5.0/3", "CET-1CEST,M3.0.0,M10.5.0/3",
		"CET-1CEST,M3.5.7,M10.5.0/3", "CET-1CEST,M3.5,M10.5.0/3",
		"CET-1CEST,M3.5.0,M10.5.0/",    "CET-1CEST,M3.5.0,M10.5.0/168",
		"CET-1CEST,M3.5.0,M10.5.0/-168", "CET-1CEST,M3.5.0,M10.5.0/3:60",
		"CET-1CEST,M3.5.0,M10.5.0/3:5", "CET-1CEST,J0,J365",
		"CET-1CEST,J366,J1", "CET-1CEST,366,1", "CET-1CEST,M3..0,M10.5.0",
		"CET", "CET-", "CET-25", "CET-1:60", "CET-1:5", "CET-1:00:60",
		"CE-1", "C3T-1", "<AB>-1", "<ABCDEFGHIJKLMNOPQ>-1", "<CET-1",
		"<C T>-1", "CET-1 ", " CET-1", "CET-1CEST-25,M3.5.0,M10.5.0",
		"CET-1\tCEST", "CET-1CEST,M3.5.0,M10.5.0/3x",
		"CET-0001", "1CET",
	};
	struct zone_def z = good_zone();
	char footer[400];
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		z.footer = bad[i];
		expect_zone_invalid(&z, bad[i]);
	}
	memset(footer, 'A', sizeof(footer) - 1);
	footer[sizeof(footer) - 1] = '\0';
	z.footer = footer;
	expect_zone_invalid(&z, "footer longer than 255 bytes");
}

static void test_crafted_footer_framing(void **state)
{
	struct zone_def z = good_zone();
	struct blob b = build(&z);
	unsigned char *big = malloc(b.len + 1);

	(void)state;
	assert_non_null(big);
	/* No closing newline. */
	expect_invalid(b.p, b.len - 1, "footer without its closing newline");
	/* Junk after the footer. */
	memcpy(big, b.p, b.len);
	big[b.len] = 'x';
	expect_invalid(big, b.len + 1, "bytes after the footer");
	big[b.len] = '\n';
	expect_invalid(big, b.len + 1, "an extra newline after the footer");
	/* No opening newline. */
	memcpy(big, b.p, b.len);
	big[b.len - strlen(z.footer) - 2] = ' ';
	expect_invalid(big, b.len, "footer without its opening newline");
	/* A NUL inside the footer. */
	memcpy(big, b.p, b.len);
	big[b.len - 4] = '\0';
	expect_invalid(big, b.len, "NUL inside the footer");
	free(big);
	free(b.p);
}

/* Every proper prefix of a valid file is refused, never read past. */
static void test_crafted_truncations(void **state)
{
	struct zone_def z = good_zone();
	struct blob b = build(&z);
	char what[64];
	size_t len;

	(void)state;
	for (len = 0; len < b.len; len++) {
		snprintf(what, sizeof(what), "prefix of %zu bytes", len);
		expect_invalid(b.p, len, what);
	}
	free(b.p);
}

static void read_system_file(const char *name, struct blob *out)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", IAM_DEFAULT_ZONEINFO, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	out->len = (size_t)st.st_size;
	out->p = malloc(out->len);
	assert_non_null(out->p);
	assert_true(read(fd, out->p, out->len) == (ssize_t)out->len);
	close(fd);
}

/* Overwrites one to four random bytes. */
static void damage(unsigned char *p, size_t len, uint64_t *seed)
{
	int k, nflips = 1 + (int)(next_random(seed) & 3);

	for (k = 0; k < nflips; k++) {
		uint64_t x = next_random(seed);

		p[(x >> 8) % len] = (unsigned char)x;
	}
}

/* Random byte damage to a real file: any answer but a crash (ASan and
 * valgrind watch the reads); what loads must also convert. */
static void test_crafted_mutations(void **state)
{
	struct blob orig;
	unsigned char *p;
	uint64_t seed = 42;
	int i;

	(void)state;
	read_system_file("America/New_York", &orig);
	p = malloc(orig.len);
	assert_non_null(p);
	for (i = 0; i < 1500; i++) {
		struct iam_tz *tz = NULL;
		struct iam_err err;
		struct tm tm;
		int k, r;

		memcpy(p, orig.p, orig.len);
		damage(p, orig.len, &seed);
		r = load_bytes(p, orig.len, &tz, &err);
		if (r != 0 && r != -EINVAL)
			fail_msg("mutation %d: unexpected %d", i, r);
		for (k = -3; r == 0 && k <= 3; k++)
			assert_int_equal(iam_tz_localtime(tz, (time_t)k * 1000000000, &tm), 0);
		iam_tz_free(tz);
	}
	free(p);
	free(orig.p);
}

static void test_not_regular_files(void **state)
{
	char path[PATH_MAX];
	struct iam_tz *tz = NULL;
	struct iam_err err;
	int fd;

	(void)state;
	/* A FIFO must not block the loader. */
	snprintf(path, sizeof(path), "%s/Fifo", tmpdir);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(iam_tz_load(tmpdir, "Fifo", &tz, &err), -EINVAL);
	assert_null(tz);
	unlink(path);

	/* More than 1 MiB, as a sparse file. */
	snprintf(path, sizeof(path), "%s/Huge", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1024 * 1024 + 1), 0);
	close(fd);
	assert_int_equal(iam_tz_load(tmpdir, "Huge", &tz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bytes"));
	unlink(path);
}

/* ---- footer rules, on zones that have no transitions ---------------- */

static struct iam_tz *footer_zone(const char *footer)
{
	static const struct ttype t[] = { { 0, 0, 0 } };
	struct zone_def z = { 0, NULL, NULL, 1, t, 4, "ZZZ", 0, footer };
	struct blob b = build(&z);
	struct iam_err err = { "" };
	struct iam_tz *tz = NULL;

	if (load_bytes(b.p, b.len, &tz, &err) != 0)
		fail_msg("footer \"%s\" refused: %s", footer, err.msg);
	free(b.p);
	return tz;
}

static void test_footer_us(void **state)
{
	struct iam_tz *tz = footer_zone("EST5EDT,M3.2.0,M11.1.0");

	(void)state;
	CHECK(tz, utc(2025, 3, 9, 6, 59, 59), 2025, 3, 9, 1, 59, 59, -18000, 0, "EST");
	CHECK(tz, utc(2025, 3, 9, 7, 0, 0), 2025, 3, 9, 3, 0, 0, -14400, 1, "EDT");
	CHECK(tz, utc(2025, 11, 2, 5, 59, 59), 2025, 11, 2, 1, 59, 59, -14400, 1, "EDT");
	CHECK(tz, utc(2025, 11, 2, 6, 0, 0), 2025, 11, 2, 1, 0, 0, -18000, 0, "EST");
	/* Before 1970 too: the footer is the whole zone. */
	CHECK(tz, utc(1960, 7, 1, 12, 0, 0), 1960, 7, 1, 8, 0, 0, -14400, 1, "EDT");
	iam_tz_free(tz);
}

static void test_footer_fixed_and_quoted(void **state)
{
	struct iam_tz *tz = footer_zone("<+0330>-3:30");

	(void)state;
	CHECK(tz, utc(2025, 1, 1, 0, 0, 0), 2025, 1, 1, 3, 30, 0, 12600, 0, "+0330");
	iam_tz_free(tz);
	tz = footer_zone("<-0245>2:45:30");
	CHECK(tz, utc(2025, 1, 1, 0, 0, 0), 2024, 12, 31, 21, 14, 30, -9930, 0, "-0245");
	iam_tz_free(tz);
	tz = footer_zone("UTC0");
	CHECK(tz, 0, 1970, 1, 1, 0, 0, 0, 0, 0, "UTC");
	iam_tz_free(tz);
	tz = footer_zone("<+14>-14");
	CHECK(tz, utc(2025, 1, 1, 0, 0, 0), 2025, 1, 1, 14, 0, 0, 50400, 0, "+14");
	iam_tz_free(tz);
}

/* Dublin: standard time is summer time, "DST" is winter (negative save),
 * so the end rule comes before the start rule in the year. */
static void test_footer_negative_dst(void **state)
{
	struct iam_tz *tz = footer_zone("IST-1GMT0,M10.5.0,M3.5.0/1");

	(void)state;
	CHECK(tz, utc(2025, 1, 15, 12, 0, 0), 2025, 1, 15, 12, 0, 0, 0, 1, "GMT");
	CHECK(tz, utc(2025, 3, 30, 0, 59, 59), 2025, 3, 30, 0, 59, 59, 0, 1, "GMT");
	CHECK(tz, utc(2025, 3, 30, 1, 0, 0), 2025, 3, 30, 2, 0, 0, 3600, 0, "IST");
	CHECK(tz, utc(2025, 10, 26, 0, 59, 59), 2025, 10, 26, 1, 59, 59, 3600, 0, "IST");
	CHECK(tz, utc(2025, 10, 26, 1, 0, 0), 2025, 10, 26, 1, 0, 0, 0, 1, "GMT");
	iam_tz_free(tz);
}

static void test_footer_southern(void **state)
{
	struct iam_tz *tz = footer_zone("AAA-10BBB,M10.1.0,M4.1.0/3");

	(void)state;
	CHECK(tz, utc(2025, 1, 15, 0, 0, 0), 2025, 1, 15, 11, 0, 0, 39600, 1, "BBB");
	CHECK(tz, utc(2025, 7, 15, 0, 0, 0), 2025, 7, 15, 10, 0, 0, 36000, 0, "AAA");
	CHECK(tz, utc(2025, 4, 5, 15, 59, 59), 2025, 4, 6, 2, 59, 59, 39600, 1, "BBB");
	CHECK(tz, utc(2025, 4, 5, 16, 0, 0), 2025, 4, 6, 2, 0, 0, 36000, 0, "AAA");
	CHECK(tz, utc(2025, 10, 4, 15, 59, 59), 2025, 10, 5, 1, 59, 59, 36000, 0, "AAA");
	CHECK(tz, utc(2025, 10, 4, 16, 0, 0), 2025, 10, 5, 3, 0, 0, 39600, 1, "BBB");
	/* New Year's Eve in summer. */
	CHECK(tz, utc(2025, 12, 31, 13, 0, 0), 2026, 1, 1, 0, 0, 0, 39600, 1, "BBB");
	iam_tz_free(tz);
}

/* Nuuk: rule times of -1:00 and 0:00 (RFC 8536 extension). */
static void test_footer_negative_rule_time(void **state)
{
	struct iam_tz *tz = footer_zone("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");

	(void)state;
	CHECK(tz, utc(2025, 3, 30, 0, 59, 59), 2025, 3, 29, 22, 59, 59, -7200, 0, "-02");
	CHECK(tz, utc(2025, 3, 30, 1, 0, 0), 2025, 3, 30, 0, 0, 0, -3600, 1, "-01");
	CHECK(tz, utc(2025, 10, 26, 0, 59, 59), 2025, 10, 25, 23, 59, 59, -3600, 1, "-01");
	CHECK(tz, utc(2025, 10, 26, 1, 0, 0), 2025, 10, 25, 23, 0, 0, -7200, 0, "-02");
	iam_tz_free(tz);
}

static void test_footer_long_rule_times(void **state)
{
	struct iam_tz *tz = footer_zone("AAA0BBB,M3.5.0/-167,M10.5.0/167");

	(void)state;
	/* Last Sunday of March 2025 (30th) minus 167 h: 23rd 01:00. */
	CHECK(tz, utc(2025, 3, 23, 0, 59, 59), 2025, 3, 23, 0, 59, 59, 0, 0, "AAA");
	CHECK(tz, utc(2025, 3, 23, 1, 0, 0), 2025, 3, 23, 2, 0, 0, 3600, 1, "BBB");
	/* Last Sunday of October (26th) plus 167 h: Nov 1st 23:00 local. */
	CHECK(tz, utc(2025, 11, 1, 21, 59, 59), 2025, 11, 1, 22, 59, 59, 3600, 1, "BBB");
	CHECK(tz, utc(2025, 11, 1, 22, 0, 0), 2025, 11, 1, 22, 0, 0, 0, 0, "AAA");
	iam_tz_free(tz);
}

static void test_footer_julian(void **state)
{
	struct iam_tz *tz = footer_zone("AAA3BBB,J60/0,J300/0");

	(void)state;
	/* Jn never counts February 29: J60 is March 1 in any year. */
	CHECK(tz, utc(2024, 3, 1, 2, 59, 59), 2024, 2, 29, 23, 59, 59, -10800, 0, "AAA");
	CHECK(tz, utc(2024, 3, 1, 3, 0, 0), 2024, 3, 1, 1, 0, 0, -7200, 1, "BBB");
	CHECK(tz, utc(2025, 3, 1, 2, 59, 59), 2025, 2, 28, 23, 59, 59, -10800, 0, "AAA");
	CHECK(tz, utc(2025, 3, 1, 3, 0, 0), 2025, 3, 1, 1, 0, 0, -7200, 1, "BBB");
	/* J300 is October 27. */
	CHECK(tz, utc(2024, 10, 27, 1, 59, 59), 2024, 10, 26, 23, 59, 59, -7200, 1, "BBB");
	CHECK(tz, utc(2024, 10, 27, 2, 0, 0), 2024, 10, 26, 23, 0, 0, -10800, 0, "AAA");
	iam_tz_free(tz);

	/* Zero-based n counts February 29: day 59 is Feb 29 in 2024. */
	tz = footer_zone("AAA3BBB,59/0,299/0");
	CHECK(tz, utc(2024, 2, 29, 2, 59, 59), 2024, 2, 28, 23, 59, 59, -10800, 0, "AAA");
	CHECK(tz, utc(2024, 2, 29, 3, 0, 0), 2024, 2, 29, 1, 0, 0, -7200, 1, "BBB");
	CHECK(tz, utc(2025, 3, 1, 2, 59, 59), 2025, 2, 28, 23, 59, 59, -10800, 0, "AAA");
	CHECK(tz, utc(2025, 3, 1, 3, 0, 0), 2025, 3, 1, 1, 0, 0, -7200, 1, "BBB");
	iam_tz_free(tz);
}

/* How zic writes a zone that is on DST all year. */
static void test_footer_permanent_dst(void **state)
{
	struct iam_tz *tz = footer_zone("EST5EDT,0/0,J365/25");

	(void)state;
	CHECK(tz, utc(2025, 1, 1, 4, 59, 59), 2025, 1, 1, 0, 59, 59, -14400, 1, "EDT");
	CHECK(tz, utc(2025, 1, 1, 5, 0, 0), 2025, 1, 1, 1, 0, 0, -14400, 1, "EDT");
	CHECK(tz, utc(2025, 7, 1, 12, 0, 0), 2025, 7, 1, 8, 0, 0, -14400, 1, "EDT");
	CHECK(tz, utc(2024, 12, 31, 23, 0, 0), 2024, 12, 31, 19, 0, 0, -14400, 1, "EDT");
	iam_tz_free(tz);
}

/* ---- windows ------------------------------------------------------- */

static struct iam_window window(const char *spec, const char *days)
{
	struct iam_err err = { "" };
	struct iam_window w;

	if (iam_window_parse(spec, days, &w, &err) != 0)
		fail_msg("window \"%s\" \"%s\" refused: %s", spec,
			 days ? days : "(null)", err.msg);
	return w;
}

static void test_window_parse(void **state)
{
	struct iam_window w;

	(void)state;
	w = window("14:00-16:00", NULL);
	assert_int_equal(w.start_min, 840);
	assert_int_equal(w.end_min, 960);
	assert_int_equal(w.days, IAM_DAYS_ALL);
	w = window("00:00-24:00", "");
	assert_int_equal(w.start_min, 0);
	assert_int_equal(w.end_min, 1440);
	assert_int_equal(w.days, IAM_DAYS_ALL);
	w = window("22:00-06:00", "*");
	assert_int_equal(w.start_min, 1320);
	assert_int_equal(w.end_min, 360);
	w = window("22:00-00:00", "Sun");
	assert_int_equal(w.end_min, 1440);
	assert_int_equal(w.days, 0x01);
	w = window("23:59-00:01", "mon-FRI");
	assert_int_equal(w.start_min, 1439);
	assert_int_equal(w.end_min, 1);
	assert_int_equal(w.days, 0x3e);
	assert_int_equal(window("09:00-17:00", "Sat,Sun").days, 0x41);
	assert_int_equal(window("09:00-17:00", " sat , SUN ").days, 0x41);
	assert_int_equal(window("09:00-17:00", "Fri-Mon").days, 0x63);
	assert_int_equal(window("09:00-17:00", "Mon-Mon").days, 0x02);
	assert_int_equal(window("09:00-17:00", "Sun-Sat").days, 0x7f);
	assert_int_equal(window("09:00-17:00", "Sat-Fri").days, 0x7f);
	assert_int_equal(window("09:00-17:00", "Mon,Mon,Tue").days, 0x06);
	assert_int_equal(window("09:00-17:00", "Mon-Wed,Fri").days, 0x2e);
}

static void test_window_parse_rejects(void **state)
{
	static const char *const bad_specs[] = {
		"25:00-26:00", "1:00-2:00", "14:00-14:00", "00:00-00:00", "14:00",
		"", "14:00-16:00 ", " 14:00-16:00", "14:60-15:00", "14:00-15:60",
		"24:00-01:00", "14:00-24:01", "14:00_16:00", "14-16", "14:00-16:0a",
		"+1:00-02:00", "14:00--16:00", "14.00-16.00", "14:00-16:00-18:00",
		"1400-1600", "99:99-99:99", "14:00-16", "\xef\xbc\x91\x34:00-16:00",
	};
	static const char *const bad_days[] = {
		"Mon-Funday", "Funday", "Mon,", ",Mon", "Mon--Fri", "Monday", "Mo",
		"Mon-", "-Mon", "1", "*,Mon", "Mon;Tue", "all", "Mon Tue", ",",
		"Mon-Tue-Wed", "M\xc3\xb6n",
	};
	struct iam_window w = { 1, 2, 3 };
	struct iam_err err;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad_specs); i++) {
		err.msg[0] = '\0';
		if (iam_window_parse(bad_specs[i], NULL, &w, &err) != -EINVAL)
			fail_msg("spec \"%s\" should be refused", bad_specs[i]);
		if (err.msg[0] == '\0')
			fail_msg("spec \"%s\" refused without a message", bad_specs[i]);
	}
	for (i = 0; i < N(bad_days); i++) {
		err.msg[0] = '\0';
		if (iam_window_parse("14:00-16:00", bad_days[i], &w, &err) != -EINVAL)
			fail_msg("days \"%s\" should be refused", bad_days[i]);
		if (!strstr(err.msg, bad_days[i]))
			fail_msg("message \"%s\" does not name the input", err.msg);
	}
	assert_int_equal(iam_window_parse(NULL, NULL, &w, &err), -EINVAL);
	assert_int_equal(iam_window_parse("14:00-16:00", NULL, NULL, &err), -EINVAL);
	assert_int_equal(iam_window_parse("25:00-26:00", NULL, &w, NULL), -EINVAL);
	/* Untouched on failure. */
	assert_int_equal(w.start_min, 1);
	assert_int_equal(w.end_min, 2);
	assert_int_equal(w.days, 3);
	assert_int_equal(iam_window_parse("14:00-14:00", NULL, &w, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "same time"));
}

static void check_format(const char *spec, const char *days, const char *want_spec,
			 const char *want_days)
{
	struct iam_window w = window(spec, days), again;
	char s[32], d[64];

	iam_window_format(&w, s, sizeof(s), d, sizeof(d));
	assert_string_equal(s, want_spec);
	assert_string_equal(d, want_days);
	/* What format writes, parse reads back as the same window. */
	again = window(s, d);
	assert_memory_equal(&again, &w, sizeof(w));
}

static void test_window_format(void **state)
{
	struct iam_window w = window("14:00-16:00", "Mon-Fri");
	char s[8], d[4];

	(void)state;
	check_format("14:00-16:00", "Mon-Fri", "14:00-16:00", "Mon-Fri");
	check_format("00:00-24:00", NULL, "00:00-24:00", "*");
	check_format("22:00-06:00", "fri-mon", "22:00-06:00", "Fri-Mon");
	check_format("22:00-00:00", "Sun", "22:00-24:00", "Sun");
	check_format("09:05-17:55", "Sat,Sun", "09:05-17:55", "Sat,Sun");
	check_format("09:00-17:00", "Sun,Mon", "09:00-17:00", "Sun,Mon");
	check_format("09:00-17:00", "Mon,Wed,Fri", "09:00-17:00", "Mon,Wed,Fri");
	check_format("09:00-17:00", "Mon-Wed,Fri-Sun", "09:00-17:00", "Fri-Wed");
	check_format("09:00-17:00", "Tue,Wed,Sat", "09:00-17:00", "Tue,Wed,Sat");
	check_format("09:00-17:00", "Sat-Sun,Tue-Thu", "09:00-17:00", "Tue-Thu,Sat,Sun");

	/* Truncated output stays terminated. */
	iam_window_format(&w, s, sizeof(s), d, sizeof(d));
	assert_string_equal(s, "14:00-1");
	assert_string_equal(d, "Mon");
	iam_window_format(&w, NULL, 0, NULL, 0);
	iam_window_format(NULL, s, sizeof(s), d, sizeof(d));
}

/* contains() with the window and zone given by name; 1, 0 or an error. */
static int in_window(const char *spec, const char *days, const char *zone, time_t t)
{
	struct iam_window w = window(spec, days);
	struct iam_tz *tz = load_system(zone);
	int r = iam_window_contains(&w, tz, t);

	iam_tz_free(tz);
	return r;
}

static void test_window_simple(void **state)
{
	(void)state;
	/* UTC: start inclusive, end exclusive, minute resolution. */
	assert_int_equal(in_window("14:00-16:00", NULL, "UTC", utc(2025, 6, 10, 13, 59, 59)), 0);
	assert_int_equal(in_window("14:00-16:00", NULL, "UTC", utc(2025, 6, 10, 14, 0, 0)), 1);
	assert_int_equal(in_window("14:00-16:00", NULL, "UTC", utc(2025, 6, 10, 15, 0, 0)), 1);
	assert_int_equal(in_window("14:00-16:00", NULL, "UTC", utc(2025, 6, 10, 15, 59, 59)), 1);
	assert_int_equal(in_window("14:00-16:00", NULL, "UTC", utc(2025, 6, 10, 16, 0, 0)), 0);
	assert_int_equal(in_window("14:00-16:00", NULL, "UTC", utc(2025, 6, 10, 3, 0, 0)), 0);
	/* Berlin in June is UTC+2: 14:00 local is 12:00 UTC. */
	assert_int_equal(in_window("14:00-16:00", NULL, "Europe/Berlin", utc(2025, 6, 10, 11, 59, 59)), 0);
	assert_int_equal(in_window("14:00-16:00", NULL, "Europe/Berlin", utc(2025, 6, 10, 12, 0, 0)), 1);
	assert_int_equal(in_window("14:00-16:00", NULL, "Europe/Berlin", utc(2025, 6, 10, 13, 59, 0)), 1);
	assert_int_equal(in_window("14:00-16:00", NULL, "Europe/Berlin", utc(2025, 6, 10, 14, 0, 0)), 0);
	assert_int_equal(in_window("14:00-16:00", NULL, "Europe/Berlin", utc(2025, 6, 10, 15, 0, 0)), 0);
	/* Days: 2025-06-10 is a Tuesday. */
	assert_int_equal(in_window("14:00-16:00", "Mon-Fri", "UTC", utc(2025, 6, 10, 14, 0, 0)), 1);
	assert_int_equal(in_window("14:00-16:00", "Sat,Sun", "UTC", utc(2025, 6, 10, 14, 0, 0)), 0);
	assert_int_equal(in_window("14:00-16:00", "Sat,Sun", "UTC", utc(2025, 6, 14, 14, 0, 0)), 1);
	/* Whole day. */
	assert_int_equal(in_window("00:00-24:00", "Tue", "UTC", utc(2025, 6, 10, 0, 0, 0)), 1);
	assert_int_equal(in_window("00:00-24:00", "Tue", "UTC", utc(2025, 6, 10, 23, 59, 59)), 1);
	assert_int_equal(in_window("00:00-24:00", "Tue", "UTC", utc(2025, 6, 11, 0, 0, 0)), 0);
	/* Kolkata, +5:30: 14:00 local is 08:30 UTC. */
	assert_int_equal(in_window("14:00-16:00", NULL, "Asia/Kolkata", utc(2025, 6, 10, 8, 29, 59)), 0);
	assert_int_equal(in_window("14:00-16:00", NULL, "Asia/Kolkata", utc(2025, 6, 10, 8, 30, 0)), 1);
}

static void test_window_across_midnight(void **state)
{
	static const char *const zones[] = { "UTC", "Europe/Berlin" };
	/* Local times; in January Berlin is UTC+1. 2025-01-03 is a Friday. */
	static const struct { int mon, d, h, min, in; } cases[] = {
		{ 1, 3, 21, 59, 0 },    /* Fri before the start */
		{ 1, 3, 22, 0, 1 },     /* Fri start */
		{ 1, 3, 23, 0, 1 },     /* Fri 23:00 */
		{ 1, 4, 2, 0, 1 },      /* Sat 02:00, started Friday */
		{ 1, 4, 5, 59, 1 },     /* Sat 05:59 */
		{ 1, 4, 6, 0, 0 },      /* Sat 06:00, end exclusive */
		{ 1, 4, 23, 0, 0 },     /* Sat 23:00, Saturday not listed */
		{ 1, 5, 2, 0, 0 },      /* Sun 02:00, started Saturday */
		{ 1, 5, 22, 0, 0 },     /* Sun 22:00 */
		{ 1, 6, 2, 0, 0 },      /* Mon 02:00, started Sunday */
		{ 1, 6, 12, 0, 0 },     /* Mon noon */
		{ 1, 6, 22, 0, 1 },     /* Mon 22:00 */
		{ 1, 7, 5, 59, 1 },     /* Tue 05:59, started Monday */
		{ 1, 7, 6, 0, 0 },
	};
	size_t z, i;

	(void)state;
	for (z = 0; z < N(zones); z++) {
		int offset_h = z == 0 ? 0 : 1;

		for (i = 0; i < N(cases); i++) {
			time_t t = utc(2025, cases[i].mon, cases[i].d, cases[i].h,
				cases[i].min, 0) - offset_h * 3600;
			if (in_window("22:00-06:00", "Mon-Fri", zones[z], t) != cases[i].in)
				fail_msg("%s %02d-%02d %02d:%02d should be %s", zones[z],
					 cases[i].mon, cases[i].d, cases[i].h,
					 cases[i].min, cases[i].in ? "in" : "out");
		}
	}
	/* Up to 24:00: Sunday 23:59 in, Monday 00:00 out. */
	assert_int_equal(in_window("22:00-00:00", "Sun", "UTC", utc(2025, 1, 5, 23, 59, 0)), 1);
	assert_int_equal(in_window("22:00-00:00", "Sun", "UTC", utc(2025, 1, 6, 0, 0, 0)), 0);
}

/* Wall-clock windows on the days the clocks change. */
static void test_window_dst_days(void **state)
{
	(void)state;
	/* Berlin 2025-03-30 (Sunday): 02:00 CET jumps to 03:00 CEST at 01:00 UTC;
	 * 01:00-03:30 local lasts 1.5 h of real time that day. */
	assert_int_equal(in_window("01:00-03:30", "Sun", "Europe/Berlin", utc(2025, 3, 29, 23, 59, 59)), 0);
	assert_int_equal(in_window("01:00-03:30", "Sun", "Europe/Berlin", utc(2025, 3, 30, 0, 0, 0)), 1);
	assert_int_equal(in_window("01:00-03:30", "Sun", "Europe/Berlin", utc(2025, 3, 30, 0, 59, 59)), 1);
	assert_int_equal(in_window("01:00-03:30", "Sun", "Europe/Berlin", utc(2025, 3, 30, 1, 0, 0)), 1);
	assert_int_equal(in_window("01:00-03:30", "Sun", "Europe/Berlin", utc(2025, 3, 30, 1, 29, 59)), 1);
	assert_int_equal(in_window("01:00-03:30", "Sun", "Europe/Berlin", utc(2025, 3, 30, 1, 30, 0)), 0);
	/* A window inside the skipped hour does not happen. */
	assert_int_equal(in_window("02:00-03:00", NULL, "Europe/Berlin", utc(2025, 3, 30, 0, 59, 59)), 0);
	assert_int_equal(in_window("02:00-03:00", NULL, "Europe/Berlin", utc(2025, 3, 30, 1, 0, 0)), 0);
	/* Berlin 2025-10-26: 02:00-03:00 local happens twice, two real hours. */
	assert_int_equal(in_window("02:00-03:00", "Sun", "Europe/Berlin", utc(2025, 10, 25, 23, 59, 59)), 0);
	assert_int_equal(in_window("02:00-03:00", "Sun", "Europe/Berlin", utc(2025, 10, 26, 0, 0, 0)), 1);
	assert_int_equal(in_window("02:00-03:00", "Sun", "Europe/Berlin", utc(2025, 10, 26, 0, 59, 59)), 1);
	assert_int_equal(in_window("02:00-03:00", "Sun", "Europe/Berlin", utc(2025, 10, 26, 1, 0, 0)), 1);
	assert_int_equal(in_window("02:00-03:00", "Sun", "Europe/Berlin", utc(2025, 10, 26, 1, 59, 59)), 1);
	assert_int_equal(in_window("02:00-03:00", "Sun", "Europe/Berlin", utc(2025, 10, 26, 2, 0, 0)), 0);
	/* New York 2025-03-09 (Sunday, now EDT, UTC-4): 14:00-16:00 local is
	 * 18:00-20:00 UTC; the day before (EST) it was 19:00-21:00 UTC. */
	assert_int_equal(in_window("14:00-16:00", "Sat,Sun", "America/New_York", utc(2025, 3, 9, 17, 59, 59)), 0);
	assert_int_equal(in_window("14:00-16:00", "Sat,Sun", "America/New_York", utc(2025, 3, 9, 18, 0, 0)), 1);
	assert_int_equal(in_window("14:00-16:00", "Sat,Sun", "America/New_York", utc(2025, 3, 9, 19, 59, 59)), 1);
	assert_int_equal(in_window("14:00-16:00", "Sat,Sun", "America/New_York", utc(2025, 3, 9, 20, 0, 0)), 0);
	assert_int_equal(in_window("14:00-16:00", "Sat,Sun", "America/New_York", utc(2025, 3, 8, 18, 59, 59)), 0);
	assert_int_equal(in_window("14:00-16:00", "Sat,Sun", "America/New_York", utc(2025, 3, 8, 19, 0, 0)), 1);
	assert_int_equal(in_window("14:00-16:00", "Sat,Sun", "America/New_York", utc(2025, 3, 8, 20, 59, 59)), 1);
	assert_int_equal(in_window("14:00-16:00", "Sat,Sun", "America/New_York", utc(2025, 3, 8, 21, 0, 0)), 0);
	/* New York 2025-11-02: 01:00-02:00 local happens twice. */
	assert_int_equal(in_window("01:00-02:00", "Sun", "America/New_York", utc(2025, 11, 2, 4, 59, 59)), 0);
	assert_int_equal(in_window("01:00-02:00", "Sun", "America/New_York", utc(2025, 11, 2, 5, 0, 0)), 1);
	assert_int_equal(in_window("01:00-02:00", "Sun", "America/New_York", utc(2025, 11, 2, 6, 0, 0)), 1);
	assert_int_equal(in_window("01:00-02:00", "Sun", "America/New_York", utc(2025, 11, 2, 6, 59, 59)), 1);
	assert_int_equal(in_window("01:00-02:00", "Sun", "America/New_York", utc(2025, 11, 2, 7, 0, 0)), 0);
}

static void test_window_contains_rejects(void **state)
{
	struct iam_tz *tz = load_system("UTC");
	struct iam_window w = window("14:00-16:00", NULL), bad;

	(void)state;
	assert_int_equal(iam_window_contains(&w, NULL, 0), -EINVAL);
	assert_int_equal(iam_window_contains(NULL, tz, 0), -EINVAL);
	bad = w;
	bad.start_min = 1440;
	assert_int_equal(iam_window_contains(&bad, tz, 0), -EINVAL);
	bad = w;
	bad.start_min = -1;
	assert_int_equal(iam_window_contains(&bad, tz, 0), -EINVAL);
	bad = w;
	bad.end_min = 0;
	assert_int_equal(iam_window_contains(&bad, tz, 0), -EINVAL);
	bad = w;
	bad.end_min = 1441;
	assert_int_equal(iam_window_contains(&bad, tz, 0), -EINVAL);
	bad = w;
	bad.end_min = bad.start_min;
	assert_int_equal(iam_window_contains(&bad, tz, 0), -EINVAL);
	bad = w;
	bad.days = 0x80;
	assert_int_equal(iam_window_contains(&bad, tz, 0), -EINVAL);
	assert_int_equal(iam_window_contains(&w, tz, (time_t)INT64_MAX), -EOVERFLOW);
	bad = w;
	bad.days = 0;
	assert_int_equal(iam_window_contains(&bad, tz, utc(2025, 6, 10, 15, 0, 0)), 0);
	iam_tz_free(tz);
}

/* ---- fixtures ------------------------------------------------------ */

static int make_tmpdir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	static const char *const files[] = {
		CRAFTED, "Target", "Link", "Fifo", "Huge",
	};
	char path[PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < N(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_load_bad_names),
		cmocka_unit_test(test_load_unknown),
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_utc_without_file),
		cmocka_unit_test(test_berlin),
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_far_future),
		cmocka_unit_test(test_odd_offsets),
		cmocka_unit_test(test_matches_libc),
		cmocka_unit_test(test_crafted_valid),
		cmocka_unit_test(test_crafted_symlink),
		cmocka_unit_test(test_crafted_headers),
		cmocka_unit_test(test_crafted_counts),
		cmocka_unit_test(test_crafted_types),
		cmocka_unit_test(test_crafted_designations),
		cmocka_unit_test(test_crafted_footers),
		cmocka_unit_test(test_crafted_footer_framing),
		cmocka_unit_test(test_crafted_truncations),
		cmocka_unit_test(test_crafted_mutations),
		cmocka_unit_test(test_not_regular_files),
		cmocka_unit_test(test_footer_us),
		cmocka_unit_test(test_footer_fixed_and_quoted),
		cmocka_unit_test(test_footer_negative_dst),
		cmocka_unit_test(test_footer_southern),
		cmocka_unit_test(test_footer_negative_rule_time),
		cmocka_unit_test(test_footer_long_rule_times),
		cmocka_unit_test(test_footer_julian),
		cmocka_unit_test(test_footer_permanent_dst),
		cmocka_unit_test(test_window_parse),
		cmocka_unit_test(test_window_parse_rejects),
		cmocka_unit_test(test_window_format),
		cmocka_unit_test(test_window_simple),
		cmocka_unit_test(test_window_across_midnight),
		cmocka_unit_test(test_window_dst_days),
		cmocka_unit_test(test_window_contains_rejects),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}

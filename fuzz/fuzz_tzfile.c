/*
 * The input as a TZif file: written once per run into a private zoneinfo
 * directory (made with mkdtemp when the first input arrives), loaded with
 * iam_tz_load and asked for local time at a few instants, from before the
 * first transition to past the last one, where the POSIX footer rules.
 * Local time must be a real calendar time that is exactly the instant
 * shifted by the reported UTC offset.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "tz.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ZONE "Fuzz"

static const time_t instants[] = {
	-2208988800LL, -1000000000, -1, 0, 1000000000, 1711846800, 2147483647,
	4102444800LL, 253402300799LL,
};

static char zoneinfo[] = "/tmp/iam_fuzz_tz.XXXXXX";
static char zone_path[sizeof(zoneinfo) + sizeof(ZONE) + 1];

static void remove_zoneinfo(void)
{
	unlink(zone_path);
	rmdir(zoneinfo);
}

static void make_zoneinfo(void)
{
	if (zone_path[0])
		return;
	FUZZ_CHECK(mkdtemp(zoneinfo) != NULL);
	snprintf(zone_path, sizeof(zone_path), "%s/%s", zoneinfo, ZONE);
	atexit(remove_zoneinfo);
}

/* A new file each time: truncating one in place makes ext4 flush it to disk
 * on close (auto_da_alloc), which costs milliseconds per input. */
static void write_zone(const uint8_t *data, size_t size)
{
	int fd;

	unlink(zone_path);
	fd = open(zone_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	FUZZ_CHECK(close(fd) == 0);
}

static void check_localtime(const struct iam_tz *tz, time_t t)
{
	struct tm tm, copy;

	if (iam_tz_localtime(tz, t, &tm) != 0)
		return;
	FUZZ_CHECK(tm.tm_sec >= 0 && tm.tm_sec <= 59);
	FUZZ_CHECK(tm.tm_min >= 0 && tm.tm_min <= 59);
	FUZZ_CHECK(tm.tm_hour >= 0 && tm.tm_hour <= 23);
	FUZZ_CHECK(tm.tm_mday >= 1 && tm.tm_mday <= 31);
	FUZZ_CHECK(tm.tm_mon >= 0 && tm.tm_mon <= 11);
	FUZZ_CHECK(tm.tm_wday >= 0 && tm.tm_wday <= 6);
	FUZZ_CHECK(tm.tm_yday >= 0 && tm.tm_yday <= 365);
	FUZZ_CHECK(tm.tm_isdst == 0 || tm.tm_isdst == 1);
	FUZZ_CHECK(tm.tm_zone != NULL && strlen(tm.tm_zone) < 64);
	copy = tm;
	FUZZ_CHECK(timegm(&copy) == t + tm.tm_gmtoff);
	FUZZ_CHECK(copy.tm_wday == tm.tm_wday && copy.tm_yday == tm.tm_yday);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iam_err err = { "" };
	struct iam_tz *tz = NULL;
	size_t i;

	make_zoneinfo();
	write_zone(data, size);
	if (iam_tz_load(zoneinfo, ZONE, &tz, &err) != 0) {
		FUZZ_CHECK(tz == NULL && err.msg[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(strcmp(iam_tz_name(tz), ZONE) == 0);
	for (i = 0; i < N(instants); i++)
		check_localtime(tz, instants[i]);
	iam_tz_free(tz);
	return 0;
}

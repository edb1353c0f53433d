/*
 * iam_window_parse with the input split into spec and days at the first NUL
 * or newline (no separator: days is NULL), and iam_tz_name_valid on both
 * parts. A window that parses must be sane, must format to text that parses
 * back to the same window, and must give a yes or no for any instant.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "timewin.h"
#include "tz.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const time_t instants[] = {
	0, 1700000000, 1711846799, 1711846800, 1729990800, -86401, 4102444800LL,
};

static const struct iam_tz *utc(void)
{
	static struct iam_tz *tz;

	if (!tz)
		FUZZ_CHECK(iam_tz_load(NULL, "UTC", &tz, NULL) == 0);
	return tz;
}

/* What the contract promises of a valid zone name. */
static void check_tz_name(const char *name)
{
	size_t len = strlen(name);

	if (!iam_tz_name_valid(name))
		return;
	FUZZ_CHECK(len > 0 && len <= IAM_TZ_NAME_MAX);
	FUZZ_CHECK(!strchr(name, '.'));
	FUZZ_CHECK(name[0] != '/' && name[len - 1] != '/' && !strstr(name, "//"));
}

static void check_window(const struct iam_window *w)
{
	char spec[32], days[64];
	struct iam_window again;
	struct iam_err err = { "" };
	size_t i;
	int r;

	FUZZ_CHECK(w->start_min >= 0 && w->start_min < 1440);
	FUZZ_CHECK(w->end_min >= 1 && w->end_min <= 1440);
	FUZZ_CHECK(w->start_min != w->end_min);
	FUZZ_CHECK(w->days != 0 && (w->days & ~IAM_DAYS_ALL) == 0);

	iam_window_format(w, spec, sizeof(spec), days, sizeof(days));
	if (iam_window_parse(spec, days, &again, &err) != 0) {
		fprintf(stderr, "formatted window \"%s\" \"%s\" does not parse: %s\n",
			spec, days, err.msg);
		abort();
	}
	FUZZ_CHECK(again.start_min == w->start_min && again.end_min == w->end_min &&
		   again.days == w->days);

	for (i = 0; i < N(instants); i++) {
		r = iam_window_contains(w, utc(), instants[i]);
		FUZZ_CHECK(r == 0 || r == 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iam_window w;
	struct iam_err err = { "" };
	size_t cut = 0;
	char *spec, *days = NULL;

	while (cut < size && data[cut] != '\0' && data[cut] != '\n')
		cut++;
	spec = fuzz_cstring(data, cut);
	if (cut < size)
		days = fuzz_cstring(data + cut + 1, size - cut - 1);

	check_tz_name(spec);
	if (days)
		check_tz_name(days);
	if (iam_window_parse(spec, days, &w, &err) == 0)
		check_window(&w);
	else
		FUZZ_CHECK(err.msg[0] != '\0');
	free(spec);
	free(days);
	return 0;
}

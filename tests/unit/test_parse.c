/* Unit tests for common/parse.c: strict scalar parsers. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"

#define TEN_YEARS 315576000LL

static void test_ll_accepts(void **state)
{
	long long v = 42;

	(void)state;
	assert_int_equal(iam_parse_ll("0", 0, 10, &v), 0);
	assert_true(v == 0);
	assert_int_equal(iam_parse_ll("10", 0, 10, &v), 0);
	assert_true(v == 10);
	assert_int_equal(iam_parse_ll("-5", -10, 10, &v), 0);
	assert_true(v == -5);
	assert_int_equal(iam_parse_ll("007", 0, 10, &v), 0);
	assert_true(v == 7);
	assert_int_equal(iam_parse_ll("9223372036854775807", LLONG_MIN, LLONG_MAX, &v), 0);
	assert_true(v == LLONG_MAX);
	assert_int_equal(iam_parse_ll("-9223372036854775808", LLONG_MIN, LLONG_MAX, &v), 0);
	assert_true(v == LLONG_MIN);
}

static void test_ll_rejects(void **state)
{
	long long v = 42;

	(void)state;
	assert_int_equal(iam_parse_ll("", 0, 10, &v), -EINVAL);
	assert_int_equal(iam_parse_ll(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(iam_parse_ll(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("--1", -10, 10, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("-", -10, 10, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("- 1", -10, 10, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("1e3", 0, 10000, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("1.0", 0, 10, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("12abc", 0, 100, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("\xd9\xa1", 0, 100, &v), -EINVAL);
	assert_int_equal(iam_parse_ll("11", 0, 10, &v), -ERANGE);
	assert_int_equal(iam_parse_ll("-1", 0, 10, &v), -ERANGE);
	assert_int_equal(iam_parse_ll("9223372036854775808", LLONG_MIN, LLONG_MAX, &v), -ERANGE);
	assert_int_equal(iam_parse_ll("-9223372036854775809", LLONG_MIN, LLONG_MAX, &v), -ERANGE);
	assert_int_equal(iam_parse_ll("99999999999999999999999", 0, LLONG_MAX, &v), -ERANGE);
	assert_int_equal(iam_parse_ll("5", 10, 0, &v), -EINVAL);
	/* Failures leave the output alone. */
	assert_true(v == 42);
}

static void test_bool(void **state)
{
	static const char *const yes[] = { "yes", "YES", "True", "on", "1", "oN" };
	static const char *const no[] = { "no", "No", "FALSE", "off", "0" };
	static const char *const bad[] = {
		"", "y", "n", "2", "yes ", " no", "enable", "truee", "01", "-1",
	};
	size_t i;
	int v;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		v = -1;
		assert_int_equal(iam_parse_bool(yes[i], &v), 0);
		assert_int_equal(v, 1);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		v = -1;
		assert_int_equal(iam_parse_bool(no[i], &v), 0);
		assert_int_equal(v, 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = -1;
		assert_int_equal(iam_parse_bool(bad[i], &v), -EINVAL);
		assert_int_equal(v, -1);
	}
	assert_int_equal(iam_parse_bool(NULL, &v), -EINVAL);
}

static void test_size(void **state)
{
	long long v = -1;

	(void)state;
	assert_int_equal(iam_parse_size("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(iam_parse_size("512", &v), 0);
	assert_true(v == 512);
	assert_int_equal(iam_parse_size("4K", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(iam_parse_size("4k", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(iam_parse_size("10M", &v), 0);
	assert_true(v == 10LL * 1024 * 1024);
	assert_int_equal(iam_parse_size("2G", &v), 0);
	assert_true(v == 2LL * 1024 * 1024 * 1024);
	assert_int_equal(iam_parse_size("8589934591G", &v), 0);
	assert_true(v == 8589934591LL * 1073741824LL);

	v = 7;
	assert_int_equal(iam_parse_size("", &v), -EINVAL);
	assert_int_equal(iam_parse_size(NULL, &v), -EINVAL);
	assert_int_equal(iam_parse_size("K", &v), -EINVAL);
	assert_int_equal(iam_parse_size("-1", &v), -EINVAL);
	assert_int_equal(iam_parse_size("+1", &v), -EINVAL);
	assert_int_equal(iam_parse_size(" 1K", &v), -EINVAL);
	assert_int_equal(iam_parse_size("1 K", &v), -EINVAL);
	assert_int_equal(iam_parse_size("1KB", &v), -EINVAL);
	assert_int_equal(iam_parse_size("1T", &v), -EINVAL);
	assert_int_equal(iam_parse_size("1.5M", &v), -EINVAL);
	assert_int_equal(iam_parse_size("8589934592G", &v), -ERANGE);
	assert_int_equal(iam_parse_size("9223372036854775808", &v), -ERANGE);
	assert_int_equal(iam_parse_size("18446744073709551616", &v), -ERANGE);
	assert_true(v == 7);
}

static void test_seconds_accepts(void **state)
{
	static const struct { const char *in; long long out; } cases[] = {
		{ "0", 0 }, { "0s", 0 }, { "90", 90 }, { "90s", 90 },
		{ "15m", 900 }, { "1h", 3600 }, { "1h30m", 5400 },
		{ "2d", 172800 }, { "1w", 604800 }, { "1w2d3h4m5s", 788645 },
		{ "1d12h", 129600 }, { "25h", 90000 }, { "120m", 7200 },
		{ "3652d", 3652LL * 86400 }, { "315576000", TEN_YEARS },
		{ "315576000s", TEN_YEARS }, { "3652d12h", TEN_YEARS },
		{ "0h0m1s", 1 }, { "007s", 7 },
	};
	size_t i;
	long long v;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = -1;
		assert_int_equal(iam_parse_seconds(cases[i].in, &v), 0);
		if (v != cases[i].out)
			fail_msg("\"%s\" gave %lld, expected %lld", cases[i].in, v,
				 cases[i].out);
	}
}

static void test_seconds_rejects(void **state)
{
	static const char *const invalid[] = {
		"", "s", "m", "-1", "+1", "-1s", " 1s", "1s ", "1 s", "1h 30m",
		"1x", "1S", "1H", "1.5h", "30m1h", "1s1s", "1h1h", "1m1h",
		"1ms", "1h30", "h1", "1h-1m", "1hh", "0x10", "1y", "1sec",
	};
	static const char *const too_big[] = {
		"315576001", "3653d", "522w", "3652d12h0m1s",
		"99999999999999999999", "18446744073709551615s",
		"9999999999999w", "3652d13h",
	};
	size_t i;
	long long v = 99;

	(void)state;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		if (iam_parse_seconds(invalid[i], &v) != -EINVAL)
			fail_msg("\"%s\" was not refused as invalid", invalid[i]);
	for (i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++)
		if (iam_parse_seconds(too_big[i], &v) != -ERANGE)
			fail_msg("\"%s\" was not refused as too large", too_big[i]);
	assert_int_equal(iam_parse_seconds(NULL, &v), -EINVAL);
	assert_true(v == 99);
}

static void test_msec(void **state)
{
	static const struct { const char *in; long long out; } cases[] = {
		{ "0", 0 }, { "250", 250 }, { "500ms", 500 }, { "2s", 2000 },
		{ "1s500ms", 1500 }, { "1m", 60000 }, { "1m5s", 65000 },
		{ "1h", 3600000 }, { "1d", 86400000 }, { "0ms", 0 },
		{ "315576000000", TEN_YEARS * 1000 },
		{ "315576000s", TEN_YEARS * 1000 },
	};
	static const char *const invalid[] = {
		"", "ms", "1sm", "500ms1s", "1ms1ms", "1 ms", "-5ms", "1m1m",
		"1mss", "1msx",
	};
	size_t i;
	long long v;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = -1;
		assert_int_equal(iam_parse_msec(cases[i].in, &v), 0);
		if (v != cases[i].out)
			fail_msg("\"%s\" gave %lld, expected %lld", cases[i].in, v,
				 cases[i].out);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		if (iam_parse_msec(invalid[i], &v) != -EINVAL)
			fail_msg("\"%s\" was not refused", invalid[i]);
	assert_int_equal(iam_parse_msec("315576000001", &v), -ERANGE);
	assert_int_equal(iam_parse_msec("315576000s1ms", &v), -ERANGE);
}

static void test_format_duration(void **state)
{
	static const struct { long long in; const char *out; } cases[] = {
		{ 0, "0s" }, { 45, "45s" }, { 60, "1m" }, { 5400, "1h30m" },
		{ 172800, "2d" }, { 90061, "1d1h1m1s" }, { 3600, "1h" },
		{ 86399, "23h59m59s" }, { -90, "-1m30s" },
		{ LLONG_MIN, "-106751991167300d15h30m8s" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		iam_format_duration(cases[i].in, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].out);
	}
	/* Truncated, but always terminated. */
	iam_format_duration(5400, buf, 3);
	assert_string_equal(buf, "1h");
	iam_format_duration(5400, buf, 1);
	assert_string_equal(buf, "");
	iam_format_duration(5400, NULL, 0);
}

static void test_duration_round_trip(void **state)
{
	static const long long values[] = {
		0, 1, 59, 60, 61, 3599, 3600, 86400, 604800, 788645, TEN_YEARS,
	};
	char buf[64];
	long long v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		iam_format_duration(values[i], buf, sizeof(buf));
		assert_int_equal(iam_parse_seconds(buf, &v), 0);
		assert_true(v == values[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ll_accepts),
		cmocka_unit_test(test_ll_rejects),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_seconds_accepts),
		cmocka_unit_test(test_seconds_rejects),
		cmocka_unit_test(test_msec),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_duration_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

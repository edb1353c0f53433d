/* Unit tests for common/names.c: what may become a passwd/group field. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "names.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A string of n copies of c followed by tail, in buf. */
static const char *repeat(char *buf, char c, size_t n, const char *tail)
{
	memset(buf, c, n);
	strcpy(buf + n, tail);
	return buf;
}

static void check_all(int (*valid)(const char *), const char *const *good,
		      size_t ngood, const char *const *bad, size_t nbad)
{
	size_t i;

	for (i = 0; i < ngood; i++)
		if (valid(good[i]) != 1)
			fail_msg("\"%s\" should be valid", good[i]);
	for (i = 0; i < nbad; i++)
		if (valid(bad[i]) != 0)
			fail_msg("\"%s\" should be invalid", bad[i]);
}

static void test_name(void **state)
{
	static const char *const good[] = {
		"alice", "_svc", "a", "bob-smith", "bob_smith", "u1", "a-",
		"abcdefghijklmnopqrstuvwxyz012345",     /* 32 bytes */
	};
	static const char *const bad[] = {
		"", "Alice", "1abc", "-abc", "a b", "a:b", "a.b", "a$", "a/b",
		"al\nice", "ali\xc3\xa9", "abcdefghijklmnopqrstuvwxyz0123456",
		"root\t", " alice", "a+b", "a@b",
	};

	(void)state;
	check_all(iam_name_valid, good, N(good), bad, N(bad));
	assert_int_equal(iam_name_valid(NULL), 0);
}

static void test_hostname(void **state)
{
	static const char *const good[] = {
		"host", "web-01", "web-01.example.com", "a", "1host", "10.0.0.1",
		"Host.Example.COM", "xn--bcher-kva.example",
	};
	static const char *const bad[] = {
		"", ".", "host.", ".host", "a..b", "-host", "host-", "a.-b.c",
		"a.b-.c", "ho_st", "ho st", "host:22", "h\xc3\xa9", "host/x",
		"host\n",
	};
	char buf[400];
	char label63[64], label64[65];

	(void)state;
	check_all(iam_hostname_valid, good, N(good), bad, N(bad));
	assert_int_equal(iam_hostname_valid(NULL), 0);

	repeat(label63, 'a', 63, "");
	repeat(label64, 'a', 64, "");
	assert_int_equal(iam_hostname_valid(label63), 1);
	assert_int_equal(iam_hostname_valid(label64), 0);

	/* 4 labels of 63 plus 3 dots is 255 bytes: too long; 253 is fine. */
	snprintf(buf, sizeof(buf), "%s.%s.%s.%s", label63, label63, label63, label63);
	assert_int_equal(iam_hostname_valid(buf), 0);
	buf[253] = '\0';        /* "...a" of 61 in the last label */
	assert_int_equal(strlen(buf), 253);
	assert_int_equal(iam_hostname_valid(buf), 1);
	buf[252] = '\0';
	buf[251] = '.';
	assert_int_equal(iam_hostname_valid(buf), 0);   /* ends in '.' */
	repeat(buf, 'a', 254, "");
	assert_int_equal(iam_hostname_valid(buf), 0);
}

static void test_gecos(void **state)
{
	static const char *const good[] = {
		"", "Alice Example", "Alice Example,Room 1,+49 30 1234,,",
		"Jos\xc3\xa9 M\xc3\xbcller", "\xe5\xb1\xb1\xe7\x94\xb0",
		"O'Brien (ops) <ops@example.com>",
	};
	static const char *const bad[] = {
		"Alice:Example", "Alice\nroot::0:0::/:/bin/sh", "tab\there",
		"esc\x1b[2J", "del\x7f", "c1\xc2\x9b[2J", "bad\xff",
		"overlong\xc0\xba", "trunc\xc3",
	};
	char buf[300];

	(void)state;
	check_all(iam_gecos_valid, good, N(good), bad, N(bad));
	assert_int_equal(iam_gecos_valid(NULL), 0);
	assert_int_equal(iam_gecos_valid(repeat(buf, 'x', 255, "")), 1);
	assert_int_equal(iam_gecos_valid(repeat(buf, 'x', 256, "")), 0);
	/* The limit counts bytes, not characters. */
	assert_int_equal(iam_gecos_valid(repeat(buf, 'x', 253, "\xc3\xa9")), 1);
	assert_int_equal(iam_gecos_valid(repeat(buf, 'x', 254, "\xc3\xa9")), 0);
}

static void test_path_field(void **state)
{
	static const char *const good[] = {
		"/", "/bin/bash", "/home/alice", "/usr/local/bin/zsh",
		"/home/alice/", "/home/a.b", "/home/..alice", "/home/.x",
		"/srv/home/alice-01_x",
	};
	static const char *const bad[] = {
		"", "bin/bash", "./bin/bash", "~alice", "/home/../etc",
		"/home/..", "/..", "/home/./alice", "/.", "/home/al:ice",
		"/home/al ice", "/home/alice\n", "/home/\t", "/home/\x7f",
		"/home/j\xc3\xa9r\xc3\xb4me", "/bin/sh:/bin/bash",
	};
	char buf[300];

	(void)state;
	check_all(iam_path_field_valid, good, N(good), bad, N(bad));
	assert_int_equal(iam_path_field_valid(NULL), 0);
	buf[0] = '/';
	repeat(buf + 1, 'a', 254, "");
	assert_int_equal(iam_path_field_valid(buf), 1);
	repeat(buf + 1, 'a', 255, "");
	assert_int_equal(iam_path_field_valid(buf), 0);
}

static void test_text_utf8_valid(void **state)
{
	static const char *const good[] = {
		"", "deploy hotfix, ticket OPS-123",
		"\xc2\xa0",                     /* U+00A0, first after C1 */
		"\xc3\xa9t\xc3\xa9",            /* été */
		"\xdf\xbf",                     /* U+07FF, last 2-byte */
		"\xe0\xa0\x80",                 /* U+0800, first 3-byte */
		"\xed\x9f\xbf",                 /* U+D7FF, before surrogates */
		"\xee\x80\x80",                 /* U+E000, after surrogates */
		"\xef\xbf\xbd",                 /* U+FFFD */
		"\xf0\x90\x80\x80",             /* U+10000, first 4-byte */
		"\xf0\x9f\x94\x91 key",         /* emoji */
		"\xf4\x8f\xbf\xbf",             /* U+10FFFF, the last */
		"~ !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(good); i++)
		if (iam_text_valid(good[i], 64) != 1)
			fail_msg("text %zu should be valid", i);
}

static void test_text_utf8_invalid(void **state)
{
	static const char *const bad[] = {
		"\x80",                         /* lone continuation */
		"a\xbf",
		"\xc0\x80",                     /* overlong NUL */
		"\xc0\xaf",                     /* overlong '/' */
		"\xc1\xbf",                     /* overlong 2-byte */
		"\xe0\x80\xaf",                 /* overlong 3-byte '/' */
		"\xe0\x9f\xbf",                 /* overlong U+07FF */
		"\xf0\x80\x80\xaf",             /* overlong 4-byte '/' */
		"\xf0\x8f\xbf\xbf",             /* overlong U+FFFF */
		"\xed\xa0\x80",                 /* U+D800 surrogate */
		"\xed\xbf\xbf",                 /* U+DFFF surrogate */
		"\xed\xa0\xbd\xed\xb2\xa9",     /* CESU-8 surrogate pair */
		"\xf4\x90\x80\x80",             /* U+110000 */
		"\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80",         /* 5-byte form */
		"\xfc\x84\x80\x80\x80\x80",     /* 6-byte form */
		"\xfe", "\xff",
		"\xc3",                         /* truncated at the end */
		"\xe2\x82",
		"\xf0\x9f\x94",
		"\xe2\x82x",                    /* truncated in the middle */
		"\xc3\xc3\xa9",
		"tab\t", "new\nline", "cr\r", "esc\x1b", "bell\x07", "del\x7f",
		"\xc2\x80",                     /* U+0080, C1 */
		"\xc2\x9b",                     /* U+009B, CSI */
		"\xc2\x9f",                     /* U+009F, C1 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++)
		if (iam_text_valid(bad[i], 64) != 0)
			fail_msg("text %zu should be invalid", i);
	assert_int_equal(iam_text_valid(NULL, 64), 0);
}

static void test_text_length(void **state)
{
	(void)state;
	assert_int_equal(iam_text_valid("abcd", 4), 1);
	assert_int_equal(iam_text_valid("abcde", 4), 0);
	assert_int_equal(iam_text_valid("", 0), 1);
	assert_int_equal(iam_text_valid("a", 0), 0);
	/* A multibyte character may not straddle the limit. */
	assert_int_equal(iam_text_valid("ab\xc3\xa9", 4), 1);
	assert_int_equal(iam_text_valid("abc\xc3\xa9", 4), 0);
	assert_int_equal(iam_text_valid("\xf0\x9f\x94\x91", 3), 0);
	assert_int_equal(iam_text_valid("\xf0\x9f\x94\x91", 4), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_gecos),
		cmocka_unit_test(test_path_field),
		cmocka_unit_test(test_text_utf8_valid),
		cmocka_unit_test(test_text_utf8_invalid),
		cmocka_unit_test(test_text_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for common/token.c: bearer tokens "iam<kind>_<id>.<secret>",
 * generated and parsed, and the SHA-256 the endpoint stores.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "encode.h"
#include "token.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 43 base64url characters that use every special one. */
#define SECRET "AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZa"

static int b64url_only(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789-_") == strlen(s);
}

static void test_round_trip(void **state)
{
	static const enum iam_token_kind kinds[] = {
		IAM_TOKEN_ADMIN, IAM_TOKEN_HOST, IAM_TOKEN_USER, IAM_TOKEN_CHALLENGE,
	};
	static const long long ids[] = { 1, 42, 999999999999LL };
	char text[IAM_TOKEN_MAX], hash[IAM_SHA256_HEX_LEN + 1];
	char again[IAM_SHA256_HEX_LEN + 1], prefix[32];
	struct iam_token t;
	size_t i, j;

	(void)state;
	for (i = 0; i < N(kinds); i++) {
		for (j = 0; j < N(ids); j++) {
			assert_int_equal(iam_token_generate(kinds[i], ids[j], text, hash), 0);
			snprintf(prefix, sizeof(prefix), "iam%c_%lld.", (char)kinds[i], ids[j]);
			assert_memory_equal(text, prefix, strlen(prefix));
			assert_int_equal(strlen(text), strlen(prefix) + IAM_TOKEN_SECRET_LEN);

			memset(&t, 0xff, sizeof(t));
			assert_int_equal(iam_token_parse(text, &t), 0);
			assert_int_equal(t.kind, kinds[i]);
			assert_true(t.id == ids[j]);
			assert_int_equal(strlen(t.secret), IAM_TOKEN_SECRET_LEN);
			assert_true(b64url_only(t.secret));
			assert_string_equal(t.secret, text + strlen(prefix));

			/* The stored hash is SHA-256 of the secret alone. */
			assert_int_equal(strlen(hash), IAM_SHA256_HEX_LEN);
			assert_int_equal(iam_token_hash(&t, again), 0);
			assert_string_equal(hash, again);
			assert_int_equal(iam_sha256_hex(t.secret, IAM_TOKEN_SECRET_LEN, again), 0);
			assert_string_equal(hash, again);
		}
	}
}

static void test_fresh_secrets(void **state)
{
	char a[IAM_TOKEN_MAX], b[IAM_TOKEN_MAX];
	char ha[IAM_SHA256_HEX_LEN + 1], hb[IAM_SHA256_HEX_LEN + 1];

	(void)state;
	assert_int_equal(iam_token_generate(IAM_TOKEN_USER, 7, a, ha), 0);
	assert_int_equal(iam_token_generate(IAM_TOKEN_USER, 7, b, hb), 0);
	assert_string_not_equal(a, b);
	assert_string_not_equal(ha, hb);
}

static void test_known_hash(void **state)
{
	char hash[IAM_SHA256_HEX_LEN + 1], expect[IAM_SHA256_HEX_LEN + 1];
	struct iam_token t;

	(void)state;
	assert_int_equal(iam_token_parse("iama_12." SECRET, &t), 0);
	assert_int_equal(t.kind, IAM_TOKEN_ADMIN);
	assert_true(t.id == 12);
	assert_string_equal(t.secret, SECRET);
	assert_int_equal(iam_token_hash(&t, hash), 0);
	assert_int_equal(iam_sha256_hex(SECRET, strlen(SECRET), expect), 0);
	assert_string_equal(hash, expect);
	/* The id and kind are not part of the hash: only the secret is. */
	assert_int_equal(iam_token_parse("iamh_99." SECRET, &t), 0);
	assert_int_equal(iam_token_hash(&t, hash), 0);
	assert_string_equal(hash, expect);
}

static void test_generate_refuses(void **state)
{
	char text[IAM_TOKEN_MAX], hash[IAM_SHA256_HEX_LEN + 1];

	(void)state;
	assert_int_equal(iam_token_generate(IAM_TOKEN_HOST, 0, text, hash), -EINVAL);
	assert_int_equal(iam_token_generate(IAM_TOKEN_HOST, -5, text, hash), -EINVAL);
	/* What parse would refuse is never made. */
	assert_int_equal(iam_token_generate(IAM_TOKEN_HOST, 1000000000000LL, text, hash), -EINVAL);
	assert_int_equal(iam_token_generate((enum iam_token_kind)'x', 1, text, hash), -EINVAL);
	assert_int_equal(iam_token_generate((enum iam_token_kind)0, 1, text, hash), -EINVAL);
	assert_int_equal(iam_token_generate((enum iam_token_kind)('a' + 256), 1, text, hash),
			 -EINVAL);
}

static void test_trailing_newline(void **state)
{
	struct iam_token t;

	(void)state;
	assert_int_equal(iam_token_parse("iamu_5." SECRET "\n", &t), 0);
	assert_string_equal(t.secret, SECRET);
	assert_true(t.id == 5);
	/* One, not two, and not a carriage return. */
	assert_int_equal(iam_token_parse("iamu_5." SECRET "\n\n", &t), -EINVAL);
	assert_int_equal(iam_token_parse("iamu_5." SECRET "\r\n", &t), -EINVAL);
	assert_int_equal(iam_token_parse("iamu_5." SECRET "\r", &t), -EINVAL);
	/* A newline does not count as a secret character. */
	assert_int_equal(iam_token_parse("iamu_5.AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZ\n",
					 &t), -EINVAL);
}

static void test_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"i", "ia", "iam", "iama", "iama_", "iama_1", "iama_1.",
		/* prefix */
		"IAMa_1." SECRET, "iaMa_1." SECRET, "xama_1." SECRET, "iama-1." SECRET,
		" iama_1." SECRET, "iama__1." SECRET, "iam_1." SECRET,
		/* kind */
		"iamx_1." SECRET, "iamA_1." SECRET, "iamH_1." SECRET, "iam__1." SECRET,
		"iamaa_1." SECRET,
		/* id */
		"iama_0." SECRET, "iama_-1." SECRET, "iama_+1." SECRET, "iama_1a." SECRET,
		"iama_a1." SECRET, "iama_." SECRET, "iama_ 1." SECRET, "iama_1 ." SECRET,
		"iama_0x1." SECRET, "iama_1e3." SECRET, "iama_1000000000000." SECRET,
		"iama_99999999999999999999999." SECRET, "iama_1.5." SECRET,
		/* dot */
		"iama_1" SECRET, "iama_1," SECRET,
		/* secret length */
		"iama_1.AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZ",
		"iama_1." SECRET "A",
		"iama_1." SECRET SECRET,
		/* secret characters */
		"iama_1.+Zaz09-_AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZa",
		"iama_1./Zaz09-_AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZa",
		"iama_1.AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZ=",
		"iama_1.AZaz09-_AZaz09-_AZaz09 _AZaz09-_AZaz09-_AZa",
		"iama_1.AZaz09-_AZaz09-_AZaz09._AZaz09-_AZaz09-_AZa",
		"iama_1.AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZ\xc3",
		"iama_1.AZaz09-_AZaz09-_AZaz09-\tAZaz09-_AZaz09-_AZa",
		/* trailing garbage */
		"iama_1." SECRET " ", "iama_1." SECRET "\n ", "iama_1." SECRET "\nx",
		"iama_1." SECRET ".", "iama_1." SECRET "\t",
	};
	struct iam_token t;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		memset(&t, 0x5a, sizeof(t));
		if (iam_token_parse(bad[i], &t) != -EINVAL)
			fail_msg("accepted token \"%s\"", bad[i]);
		/* Nothing of a refused token is left in the output. */
		assert_true(t.id == 0);
		assert_string_equal(t.secret, "");
	}
}

/* A secret buffer that ends exactly where the token ends: the parser must
 * stop at the NUL (valgrind and ASan see any read beyond it). */
static void test_exact_buffers(void **state)
{
	static const char *const texts[] = { "iam", "iama", "iama_", "iama_12", "iama_12." };
	struct iam_token t;
	size_t i;

	(void)state;
	for (i = 0; i < N(texts); i++) {
		char *copy = strdup(texts[i]);

		assert_non_null(copy);
		assert_int_equal(iam_token_parse(copy, &t), -EINVAL);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fresh_secrets),
		cmocka_unit_test(test_known_hash),
		cmocka_unit_test(test_generate_refuses),
		cmocka_unit_test(test_trailing_newline),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_exact_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for common/kdf.c: scrypt password verifiers. log2_n is 10
 * everywhere (1 MiB, a few milliseconds) to keep the suite fast; the
 * format and the checks do not depend on it.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kdf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct iam_kdf_params fast = { 10, 8, 1 };

/* Computed independently (Python's hashlib.scrypt):
 * scrypt("correct horse", "iam-kdf-kat-salt", N=1024, r=8, p=1, 32 bytes). */
#define KAT_SALT "aWFtLWtkZi1rYXQtc2FsdA=="
#define KAT_HASH "aHRQNYpkdeumRNSoSQ1QCPdDfPgOJnIBqYBih34nVuk="
#define KAT "$scrypt$ln=10,r=8,p=1$" KAT_SALT "$" KAT_HASH
/* Same password and salt with r=2, p=3. */
#define KAT_R2P3 "$scrypt$ln=10,r=2,p=3$" KAT_SALT "$CpV9dNT5XwHo/Tv/2YWJM2iWkkXI3aWkWog2tnziRvM="

static void test_params_valid(void **state)
{
	static const struct {
		struct iam_kdf_params p;
		int valid;
	} cases[] = {
		{ { 10, 1, 1 }, 1 },   { { 22, 32, 16 }, 1 }, { { 15, 8, 1 }, 1 },
		{ { 9, 8, 1 }, 0 },    { { 23, 8, 1 }, 0 },   { { 0, 8, 1 }, 0 },
		{ { 10, 0, 1 }, 0 },   { { 10, 33, 1 }, 0 },  { { 10, 8, 0 }, 0 },
		{ { 10, 8, 17 }, 0 },  { { 64, 8, 1 }, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		if (!!iam_kdf_params_valid(&cases[i].p) != cases[i].valid)
			fail_msg("ln=%u r=%u p=%u: wrong verdict", cases[i].p.log2_n,
				 cases[i].p.r, cases[i].p.p);
}

static void test_known_answer(void **state)
{
	struct iam_err err = { "" };

	(void)state;
	assert_int_equal(iam_kdf_verify("correct horse", KAT, &err), 1);
	assert_int_equal(iam_kdf_verify("correct horse", KAT_R2P3, &err), 1);
	assert_int_equal(iam_kdf_verify("correct horsE", KAT, &err), 0);
	assert_int_equal(iam_kdf_verify("correct horse ", KAT, &err), 0);
	assert_int_equal(iam_kdf_verify("", KAT, &err), 0);
}

static void test_hash_format(void **state)
{
	static const char prefix[] = "$scrypt$ln=10,r=8,p=1$";
	char out[IAM_KDF_MAX];
	struct iam_err err = { "" };
	const char *salt, *hash;

	(void)state;
	memset(out, 'X', sizeof(out));
	assert_int_equal(iam_kdf_hash("correct horse", &fast, out, &err), 0);
	assert_memory_equal(out, prefix, strlen(prefix));
	/* 16 bytes of salt and 32 of hash, padded standard base64. */
	salt = out + strlen(prefix);
	hash = strchr(salt, '$');
	assert_non_null(hash);
	assert_int_equal(hash - salt, 24);
	assert_memory_equal(salt + 22, "==", 2);
	hash++;
	assert_int_equal(strlen(hash), 44);
	assert_int_equal(hash[43], '=');
	assert_null(strchr(hash, '$'));
	assert_int_equal(strlen(out), strlen(prefix) + 24 + 1 + 44);
}

static void test_hash_verify(void **state)
{
	static const char *const passwords[] = {
		"correct horse battery staple", "", "p\xc3\xa4ssw\xc3\xb6rd", " ",
	};
	char out[IAM_KDF_MAX];
	struct iam_err err = { "" };
	size_t i;

	(void)state;
	for (i = 0; i < N(passwords); i++) {
		assert_int_equal(iam_kdf_hash(passwords[i], &fast, out, &err), 0);
		assert_int_equal(iam_kdf_verify(passwords[i], out, &err), 1);
		assert_int_equal(iam_kdf_verify(i ? passwords[i - 1] : "x", out, &err), 0);
	}
	assert_int_equal(iam_kdf_hash("hunter2", &fast, out, &err), 0);
	assert_int_equal(iam_kdf_verify("hunter3", out, &err), 0);
	assert_int_equal(iam_kdf_verify("Hunter2", out, &err), 0);
	assert_int_equal(iam_kdf_verify("hunter2\n", out, &err), 0);
}

static void test_other_params(void **state)
{
	static const struct iam_kdf_params odd = { 11, 1, 3 };
	char out[IAM_KDF_MAX];
	struct iam_err err = { "" };

	(void)state;
	assert_int_equal(iam_kdf_hash("pw", &odd, out, &err), 0);
	assert_memory_equal(out, "$scrypt$ln=11,r=1,p=3$", 22);
	assert_int_equal(iam_kdf_verify("pw", out, &err), 1);
	assert_int_equal(iam_kdf_verify("pW", out, &err), 0);
}

static void test_salted(void **state)
{
	char a[IAM_KDF_MAX], b[IAM_KDF_MAX];
	struct iam_err err = { "" };

	(void)state;
	assert_int_equal(iam_kdf_hash("same password", &fast, a, &err), 0);
	assert_int_equal(iam_kdf_hash("same password", &fast, b, &err), 0);
	assert_string_not_equal(a, b);
	/* The salts differ, hence the hashes too. */
	assert_memory_not_equal(a + 22, b + 22, 24);
	assert_int_equal(iam_kdf_verify("same password", a, &err), 1);
	assert_int_equal(iam_kdf_verify("same password", b, &err), 1);
}

static void test_bad_params_refused(void **state)
{
	static const struct iam_kdf_params bad[] = {
		{ 9, 8, 1 }, { 23, 8, 1 }, { 10, 0, 1 }, { 10, 8, 0 }, { 10, 33, 1 },
	};
	char out[IAM_KDF_MAX];
	struct iam_err err;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		err.msg[0] = '\0';
		assert_int_equal(iam_kdf_hash("pw", &bad[i], out, &err), -EINVAL);
		assert_string_equal(err.msg, "invalid scrypt parameters");
	}
}

static void test_malformed_verifiers(void **state)
{
	static const char *const bad[] = {
		"",
		"$scrypt$",
		"scrypt$ln=10,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		"$Scrypt$ln=10,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt2$ln=10,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		"$argon2id$v=19$m=65536,t=3,p=4$" KAT_SALT "$" KAT_HASH,
		/* parameters */
		"$scrypt$$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10,r=8$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10,p=1,r=8$" KAT_SALT "$" KAT_HASH,
		"$scrypt$r=8,ln=10,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=x,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10,r=8,p=1,x=2$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10,r=8,p=1,$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ ln=10,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10 ,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=+10,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=9,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=23,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=64,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10,r=0,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10,r=33,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10,r=8,p=0$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10,r=8,p=17$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10,r=-8,p=1$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=10,r=8,p=99999999999999999999$" KAT_SALT "$" KAT_HASH,
		"$scrypt$ln=100000000000000000000000000000000000000,r=8,p=1$" KAT_SALT "$" KAT_HASH,
		/* salt */
		"$scrypt$ln=10,r=8,p=1$$" KAT_HASH,
		"$scrypt$ln=10,r=8,p=1$aWFtLWtkZi1rYXQtc2Fsd!==$" KAT_HASH,
		"$scrypt$ln=10,r=8,p=1$aWFtLWtkZi1rYXQtc2FsdA$" KAT_HASH,
		"$scrypt$ln=10,r=8,p=1$aWFtLWtkZi1rYXQtc2Fs$" KAT_HASH,   /* 15 bytes */
		"$scrypt$ln=10,r=8,p=1$aWFtLWtkZi1rYXQtc2FsdA==AAAA$" KAT_HASH,
		"$scrypt$ln=10,r=8,p=1$ aWFtLWtkZi1rYXQtc2FsdA==$" KAT_HASH,
		/* hash */
		"$scrypt$ln=10,r=8,p=1$" KAT_SALT,
		"$scrypt$ln=10,r=8,p=1$" KAT_SALT "$",
		"$scrypt$ln=10,r=8,p=1$" KAT_SALT "$aHRQNYpkdeumRNSoSQ1QCPdDfPgOJnIBqYBih34n",
		"$scrypt$ln=10,r=8,p=1$" KAT_SALT "$aHRQNYpkdeumRNSoSQ1QCPdDfPgOJnIBqYBih34nVuk",
		"$scrypt$ln=10,r=8,p=1$" KAT_SALT "$" KAT_HASH "AAAA",
		"$scrypt$ln=10,r=8,p=1$" KAT_SALT "$" KAT_HASH "\n",
		"$scrypt$ln=10,r=8,p=1$" KAT_SALT "$" KAT_HASH "$",
		"$scrypt$ln=10,r=8,p=1$" KAT_SALT "$" KAT_HASH "$extra",
		"$scrypt$ln=10,r=8,p=1$" KAT_SALT "$aHRQNYpkdeumRNSoSQ1QCPdDfPgOJnIBqYBih34nVu-=",
	};
	struct iam_err err;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		err.msg[0] = '\0';
		if (iam_kdf_verify("correct horse", bad[i], &err) >= 0)
			fail_msg("accepted malformed verifier \"%s\"", bad[i]);
		assert_string_equal(err.msg, "malformed password verifier");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_valid),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_hash_format),
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_other_params),
		cmocka_unit_test(test_salted),
		cmocka_unit_test(test_bad_params_refused),
		cmocka_unit_test(test_malformed_verifiers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

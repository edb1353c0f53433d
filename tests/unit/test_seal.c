/*
 * Unit tests for common/seal.c: a secret sealed to the vault's X25519 key
 * opens only with that key and the same context; any change to the sealed
 * text, another key, another context, or a text that is not one fails
 * cleanly; each sealing is fresh; the key files follow the secret rules.
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "seal.h"
#include "secmem.h"
#include "sign.h"

#define assert_contains(s, sub)                                              \
	do {                                                                 \
		if (!strstr((s), (sub)))                                     \
			fail_msg("\"%s\" does not contain \"%s\"", (s), (sub)); \
	} while (0)

static const char context[] = "host=web1 account=root version=3";
static const char secret[] = "kT9#vQ2!mX7@pL4$wZ8%";

struct keys {
	EVP_PKEY *vault, *pub, *other;
};

static int setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));
	char b64[IAM_SEAL_PUB_B64];

	if (!k || iam_seal_keygen(&k->vault, NULL) < 0 || iam_seal_keygen(&k->other, NULL) < 0 ||
	    iam_seal_pubkey_b64(k->vault, b64) < 0 || iam_seal_pubkey_from_b64(b64, &k->pub, NULL) < 0)
		return -1;
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct keys *k = *state;

	EVP_PKEY_free(k->vault);
	EVP_PKEY_free(k->pub);
	EVP_PKEY_free(k->other);
	free(k);
	return 0;
}

static char *seal_ok(struct keys *k, const char *ctx, const char *msg)
{
	struct iam_err err = { "" };
	char *sealed = NULL;

	assert_int_equal(iam_seal(k->pub, ctx, msg, strlen(msg), &sealed, &err), 0);
	assert_non_null(sealed);
	return sealed;
}

static int unseal(EVP_PKEY *key, const char *ctx, const char *sealed, struct iam_err *err)
{
	char *msg = NULL;
	size_t n = 99;
	int r = iam_unseal(key, ctx, sealed, &msg, &n, err);

	if (r < 0) {
		assert_null(msg);
		assert_int_equal(n, 0);
	}
	iam_free_secret(msg);
	return r;
}

static void test_round_trip(void **state)
{
	struct keys *k = *state;
	struct iam_err err = { "" };
	char *sealed = seal_ok(k, context, secret), *msg = NULL;
	size_t n = 0;

	assert_int_equal(strncmp(sealed, "iam-seal-v1:", 12), 0);
	assert_null(strstr(sealed, secret));
	assert_int_equal(iam_unseal(k->vault, context, sealed, &msg, &n, &err), 0);
	assert_int_equal(n, strlen(secret));
	assert_string_equal(msg, secret);
	iam_free_secret(msg);
	free(sealed);
}

static void test_fresh_each_time(void **state)
{
	struct keys *k = *state;
	char *a = seal_ok(k, context, secret), *b = seal_ok(k, context, secret);

	/* a fresh ephemeral key each time: same secret, different text */
	assert_string_not_equal(a, b);
	assert_true(strncmp(a + 12, b + 12, 43) != 0); /* the ephemeral public keys */
	free(a);
	free(b);
}

static void test_other_key_or_context(void **state)
{
	struct keys *k = *state;
	struct iam_err err = { "" };
	char *sealed = seal_ok(k, context, secret);

	assert_int_equal(unseal(k->other, context, sealed, &err), -EBADMSG);
	assert_contains(err.msg, "does not open");
	assert_int_equal(unseal(k->vault, "host=web1 account=root version=4", sealed, &err),
			 -EBADMSG);
	assert_int_equal(unseal(k->vault, "host=web2 account=root version=3", sealed, &err),
			 -EBADMSG);
	assert_int_equal(unseal(k->vault, "", sealed, &err), -EBADMSG);
	free(sealed);
}

/* Every byte of the sealed data matters: flip one bit at each position of
 * the base64 text (each changes the decoded bytes or breaks the encoding). */
static void test_tampered(void **state)
{
	struct keys *k = *state;
	struct iam_err err = { "" };
	char *sealed = seal_ok(k, context, "short secret");
	size_t i, len = strlen(sealed);

	for (i = 12; i < len; i++) {
		char saved = sealed[i];
		int r;

		sealed[i] = saved == 'A' ? 'B' : 'A';
		r = unseal(k->vault, context, sealed, &err);
		if (r != -EBADMSG)
			fail_msg("a change at %zu opened (%d)", i, r);
		sealed[i] = saved;
	}
	assert_int_equal(unseal(k->vault, context, sealed, &err), 0);
	free(sealed);
}

static void test_not_sealed(void **state)
{
	struct keys *k = *state;
	struct iam_err err = { "" };
	char *sealed = seal_ok(k, context, secret), *cut;
	static const char *const bad[] = {
		"", "iam-seal-v1:", "iam-seal-v2:AAAA", "iam-seal-v1:not base64!",
		"iam-seal-v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"plain text password",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_int_equal(unseal(k->vault, context, bad[i], &err), -EBADMSG);
		assert_true(err.msg[0] != '\0');
	}
	/* truncated by a storage layer: shorter by 4 characters, and to the key */
	cut = strdup(sealed);
	assert_non_null(cut);
	cut[strlen(cut) - 4] = '\0';
	assert_int_equal(unseal(k->vault, context, cut, &err), -EBADMSG);
	cut[12 + 44] = '\0';
	assert_int_equal(unseal(k->vault, context, cut, &err), -EBADMSG);
	free(cut);
	free(sealed);
}

static void test_sizes(void **state)
{
	struct keys *k = *state;
	struct iam_err err = { "" };
	char big[IAM_SEAL_MSG_MAX + 2], *sealed = NULL, *msg = NULL;
	size_t n = 0;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(iam_seal(k->pub, context, big, IAM_SEAL_MSG_MAX + 1, &sealed, &err),
			 -EINVAL);
	assert_null(sealed);
	assert_int_equal(iam_seal(k->pub, context, big, 0, &sealed, &err), -EINVAL);
	assert_int_equal(iam_seal(k->pub, context, big, IAM_SEAL_MSG_MAX, &sealed, &err), 0);
	assert_int_equal(iam_unseal(k->vault, context, sealed, &msg, &n, &err), 0);
	assert_int_equal(n, IAM_SEAL_MSG_MAX);
	iam_free_secret(msg);
	free(sealed);
}

static void test_wrong_key_types(void **state)
{
	struct keys *k = *state;
	struct iam_err err = { "" };
	EVP_PKEY *ed = NULL, *pub = NULL;
	char *sealed = NULL, b64[IAM_SEAL_PUB_B64];

	assert_int_equal(iam_sign_keygen(&ed, &err), 0);
	assert_int_equal(iam_seal(ed, context, secret, strlen(secret), &sealed, &err), -EINVAL);
	assert_null(sealed);
	EVP_PKEY_free(ed);
	assert_int_equal(iam_seal_pubkey_from_b64("short", &pub, &err), -EINVAL);
	assert_null(pub);
	assert_int_equal(iam_seal_pubkey_b64(k->vault, b64), 0);
	assert_int_equal(strlen(b64), 44);
}

static void test_key_file(void **state)
{
	struct keys *k = *state;
	struct iam_err err = { "" };
	char dir[] = "/tmp/iam_test_seal.XXXXXX", path[64], *sealed, *msg = NULL;
	EVP_PKEY *loaded = NULL, *ed = NULL;
	struct stat st;
	size_t n = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vault.key", dir);
	assert_int_equal(iam_seal_save_private(k->vault, path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(iam_seal_load_private(path, &loaded, &err), 0);
	sealed = seal_ok(k, context, secret);
	assert_int_equal(iam_unseal(loaded, context, sealed, &msg, &n, &err), 0);
	assert_string_equal(msg, secret);
	iam_free_secret(msg);
	free(sealed);
	EVP_PKEY_free(loaded);
	/* readable by others: refused; an Ed25519 key: refused */
	assert_int_equal(chmod(path, 0644), 0);
	assert_true(iam_seal_load_private(path, &loaded, &err) < 0);
	assert_null(loaded);
	assert_int_equal(iam_sign_keygen(&ed, &err), 0);
	assert_int_equal(iam_sign_save_private(ed, path, &err), 0);
	assert_int_equal(iam_seal_load_private(path, &loaded, &err), -EINVAL);
	assert_contains(err.msg, "X25519");
	EVP_PKEY_free(ed);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fresh_each_time),
		cmocka_unit_test(test_other_key_or_context),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_not_sealed),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_wrong_key_types),
		cmocka_unit_test(test_key_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

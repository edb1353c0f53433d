/*
 * Unit tests for common/sign.c: Ed25519 keys, signatures and their text
 * forms, with the RFC 8032 test vectors as known answers, and the private
 * key file (a secret: mode 0600, read through the safe reader).
 */
#include "config.h"

#include <dirent.h>
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
#include <unistd.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "encode.h"
#include "sign.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define assert_contains(s, sub)                                              \
	do {                                                                 \
		if (!strstr((s), (sub)))                                     \
			fail_msg("\"%s\" does not contain \"%s\"", (s), (sub)); \
	} while (0)

static char tmpdir[] = "/tmp/iam_test_sign.XXXXXX";

static const char message[] = "iam-audit-head:42:0123456789abcdef";

/* RFC 8032 section 7.1, TEST 1 and TEST 2. */
static const struct {
	unsigned char secret[32];
	const char *pub_b64;
	unsigned char msg[1];
	size_t msglen;
	const char *sig_b64;
} rfc8032[] = {
	{
		{ 0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
		  0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
		  0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60 },
		"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		{ 0 }, 0,
		"5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr"
		"0lv18FlbviRlUUFDjnoQCw==",
	},
	{
		{ 0x4c, 0xcd, 0x08, 0x9b, 0x28, 0xff, 0x96, 0xda, 0x9d, 0xb6, 0xc3,
		  0x46, 0xec, 0x11, 0x4e, 0x0f, 0x5b, 0x8a, 0x31, 0x9f, 0x35, 0xab,
		  0xa6, 0x24, 0xda, 0x8c, 0xf6, 0xed, 0x4f, 0xb8, 0xa6, 0xfb },
		"PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=",
		{ 0x72 }, 1,
		"kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbadoIWsHkPhWZbkWPNhPQ8R2M"
		"OHsurrQwKu6wDSkWErsMAA==",
	},
};

static void test_known_answers(void **state)
{
	char pub[IAM_SIGN_PUB_B64], sig[IAM_SIGN_SIG_B64];
	struct iam_err err = { "" };
	EVP_PKEY *key, *verifier;
	size_t i;

	(void)state;
	for (i = 0; i < N(rfc8032); i++) {
		key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, rfc8032[i].secret, 32);
		assert_non_null(key);
		assert_int_equal(iam_sign_pubkey_b64(key, pub), 0);
		assert_string_equal(pub, rfc8032[i].pub_b64);
		assert_int_equal(iam_sign(key, rfc8032[i].msg, rfc8032[i].msglen, sig, &err), 0);
		assert_string_equal(sig, rfc8032[i].sig_b64);
		assert_int_equal(iam_sign_pubkey_from_b64(rfc8032[i].pub_b64, &verifier, &err), 0);
		assert_int_equal(iam_verify(verifier, rfc8032[i].msg, rfc8032[i].msglen,
					    rfc8032[i].sig_b64, &err), 0);
		/* Each vector's signature fails under the other's key. */
		assert_int_equal(iam_verify(verifier, rfc8032[i].msg, rfc8032[i].msglen,
					    rfc8032[1 - i].sig_b64, &err), -EBADMSG);
		EVP_PKEY_free(verifier);
		EVP_PKEY_free(key);
	}
}

static void test_sign_verify(void **state)
{
	char sig[IAM_SIGN_SIG_B64], sig2[IAM_SIGN_SIG_B64];
	struct iam_err err = { "" };
	EVP_PKEY *key;

	(void)state;
	assert_int_equal(iam_sign_keygen(&key, &err), 0);
	assert_int_equal(EVP_PKEY_get_id(key), EVP_PKEY_ED25519);
	assert_int_equal(iam_sign(key, message, strlen(message), sig, &err), 0);
	assert_int_equal(strlen(sig), IAM_SIGN_SIG_B64 - 1);
	assert_int_equal(iam_verify(key, message, strlen(message), sig, &err), 0);
	/* Ed25519 is deterministic. */
	assert_int_equal(iam_sign(key, message, strlen(message), sig2, &err), 0);
	assert_string_equal(sig, sig2);
	/* Empty messages work too. */
	assert_int_equal(iam_sign(key, "", 0, sig2, &err), 0);
	assert_int_equal(iam_verify(key, "", 0, sig2, &err), 0);
	assert_int_equal(iam_verify(key, "x", 1, sig2, &err), -EBADMSG);
	EVP_PKEY_free(key);
}

static void test_bit_flips(void **state)
{
	char sig[IAM_SIGN_SIG_B64], flipped[IAM_SIGN_SIG_B64];
	unsigned char msg[sizeof(message) - 1], raw[66]; /* decoding wants 3 per 4 */
	struct iam_err err;
	EVP_PKEY *key;
	size_t bit, n;

	(void)state;
	assert_int_equal(iam_sign_keygen(&key, &err), 0);
	assert_int_equal(iam_sign(key, message, strlen(message), sig, &err), 0);
	/* Every single-bit change of the message is caught. */
	for (bit = 0; bit < 8 * sizeof(msg); bit++) {
		memcpy(msg, message, sizeof(msg));
		msg[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		err.msg[0] = '\0';
		assert_int_equal(iam_verify(key, msg, sizeof(msg), sig, &err), -EBADMSG);
		assert_contains(err.msg, "does not match");
	}
	/* Every single-bit change of the signature is caught. */
	assert_int_equal(iam_b64_decode(sig, raw, sizeof(raw), &n), 0);
	assert_int_equal(n, 64);
	for (bit = 0; bit < 8 * 64; bit++) {
		raw[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		assert_int_equal(iam_b64_encode(raw, 64, flipped, sizeof(flipped)), 0);
		raw[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		assert_int_equal(iam_verify(key, message, strlen(message), flipped, &err),
				 -EBADMSG);
	}
	/* A truncated message is another message. */
	assert_int_equal(iam_verify(key, message, strlen(message) - 1, sig, &err), -EBADMSG);
	EVP_PKEY_free(key);
}

static void test_wrong_key(void **state)
{
	char sig[IAM_SIGN_SIG_B64];
	struct iam_err err = { "" };
	EVP_PKEY *a, *b;

	(void)state;
	assert_int_equal(iam_sign_keygen(&a, &err), 0);
	assert_int_equal(iam_sign_keygen(&b, &err), 0);
	assert_int_equal(EVP_PKEY_eq(a, b), 0);
	assert_int_equal(iam_sign(a, message, strlen(message), sig, &err), 0);
	assert_int_equal(iam_verify(b, message, strlen(message), sig, &err), -EBADMSG);
	assert_int_equal(iam_verify(a, message, strlen(message), sig, &err), 0);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

static void test_malformed_signatures(void **state)
{
	char sig[IAM_SIGN_SIG_B64], bad[IAM_SIGN_SIG_B64 + 8];
	struct iam_err err;
	EVP_PKEY *key;
	size_t len;

	(void)state;
	assert_int_equal(iam_sign_keygen(&key, &err), 0);
	assert_int_equal(iam_sign(key, message, strlen(message), sig, &err), 0);
	len = strlen(sig);

	assert_int_equal(iam_verify(key, message, strlen(message), "", &err), -EBADMSG);
	assert_int_equal(iam_verify(key, message, strlen(message), "not a signature", &err),
			 -EBADMSG);
	/* One character short, one too many. */
	snprintf(bad, sizeof(bad), "%.*s", (int)len - 1, sig);
	assert_int_equal(iam_verify(key, message, strlen(message), bad, &err), -EBADMSG);
	snprintf(bad, sizeof(bad), "%sA", sig);
	assert_int_equal(iam_verify(key, message, strlen(message), bad, &err), -EBADMSG);
	snprintf(bad, sizeof(bad), "%s\n", sig);
	assert_int_equal(iam_verify(key, message, strlen(message), bad, &err), -EBADMSG);
	/* Right length, wrong alphabet or padding. */
	snprintf(bad, sizeof(bad), "%s", sig);
	bad[10] = '!';
	assert_int_equal(iam_verify(key, message, strlen(message), bad, &err), -EBADMSG);
	snprintf(bad, sizeof(bad), "%s", sig);
	bad[len - 1] = 'A';
	bad[len - 2] = 'A';
	assert_int_equal(iam_verify(key, message, strlen(message), bad, &err), -EBADMSG);
	snprintf(bad, sizeof(bad), "%s", sig);
	bad[0] = '=';
	assert_int_equal(iam_verify(key, message, strlen(message), bad, &err), -EBADMSG);
	err.msg[0] = '\0';
	memset(bad, 'A', 88);
	bad[88] = '\0'; /* 66 bytes: the wrong size for a signature */
	assert_int_equal(iam_verify(key, message, strlen(message), bad, &err), -EBADMSG);
	assert_contains(err.msg, "malformed signature");
	EVP_PKEY_free(key);
}

static void test_pubkey_b64(void **state)
{
	char pub[IAM_SIGN_PUB_B64], again[IAM_SIGN_PUB_B64], sig[IAM_SIGN_SIG_B64];
	struct iam_err err = { "" };
	EVP_PKEY *key, *pubkey;

	(void)state;
	assert_int_equal(iam_sign_keygen(&key, &err), 0);
	assert_int_equal(iam_sign_pubkey_b64(key, pub), 0);
	assert_int_equal(strlen(pub), 44);
	assert_int_equal(pub[43], '=');
	assert_int_equal(iam_sign_pubkey_from_b64(pub, &pubkey, &err), 0);
	assert_int_equal(EVP_PKEY_eq(key, pubkey), 1);
	assert_int_equal(iam_sign_pubkey_b64(pubkey, again), 0);
	assert_string_equal(pub, again);
	/* The public half verifies what the private half signed. */
	assert_int_equal(iam_sign(key, message, strlen(message), sig, &err), 0);
	assert_int_equal(iam_verify(pubkey, message, strlen(message), sig, &err), 0);
	EVP_PKEY_free(pubkey);
	EVP_PKEY_free(key);
}

static void test_pubkey_from_b64_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo",     /* 43 characters */
		"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo==",   /* 45 characters */
		"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
		" 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR!=",
		"11qYAYKxCrfVS-7TyWQHOg7hcvPapiMlrwIaaPcHURo=",    /* base64url */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",    /* 33 bytes */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",    /* 31 bytes */
		"not a key at all, but forty-four characters!",
	};
	struct iam_err err;
	EVP_PKEY *key;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		key = (EVP_PKEY *)1;
		err.msg[0] = '\0';
		if (iam_sign_pubkey_from_b64(bad[i], &key, &err) != -EINVAL)
			fail_msg("accepted public key \"%s\"", bad[i]);
		assert_null(key);
		assert_true(err.msg[0] != '\0');
	}
}

/* ---- private key files -------------------------------------------------- */

static void path_in_tmpdir(char *path, size_t size, const char *name)
{
	assert_true((size_t)snprintf(path, size, "%s/%s", tmpdir, name) < size);
}

static void test_save_load(void **state)
{
	char path[PATH_MAX], sig[IAM_SIGN_SIG_B64];
	struct iam_err err = { "" };
	EVP_PKEY *key, *loaded;
	struct stat st;

	(void)state;
	path_in_tmpdir(path, sizeof(path), "signing.key");
	assert_int_equal(iam_sign_keygen(&key, &err), 0);
	assert_int_equal(iam_sign_save_private(key, path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(S_ISREG(st.st_mode));

	assert_int_equal(iam_sign_load_private(path, &loaded, &err), 0);
	assert_int_equal(EVP_PKEY_eq(key, loaded), 1);
	assert_int_equal(iam_sign(loaded, message, strlen(message), sig, &err), 0);
	assert_int_equal(iam_verify(key, message, strlen(message), sig, &err), 0);
	EVP_PKEY_free(loaded);

	/* Readable by others: a secret in the open, refused. */
	assert_int_equal(chmod(path, 0644), 0);
	loaded = (EVP_PKEY *)1;
	err.msg[0] = '\0';
	assert_int_equal(iam_sign_load_private(path, &loaded, &err), -EACCES);
	assert_null(loaded);
	assert_contains(err.msg, "chmod 600");
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(iam_sign_load_private(path, &loaded, &err), -EACCES);

	/* Saving again replaces the file and restores the mode. */
	assert_int_equal(iam_sign_save_private(key, path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(iam_sign_load_private(path, &loaded, &err), 0);
	EVP_PKEY_free(loaded);
	EVP_PKEY_free(key);

	path_in_tmpdir(path, sizeof(path), "missing.key");
	assert_int_equal(iam_sign_load_private(path, &loaded, &err), -ENOENT);
	assert_null(loaded);
}

/* Writes key as a PEM file with mode 0600, encrypted when pass is set. */
static void write_pem(const char *path, EVP_PKEY *key, const char *pass)
{
	BIO *bio = BIO_new_file(path, "w");
	int ok;

	assert_non_null(bio);
	ok = PEM_write_bio_PrivateKey(bio, key, pass ? EVP_aes_256_cbc() : NULL,
				      (const unsigned char *)pass, pass ? (int)strlen(pass) : 0,
				      NULL, NULL);
	BIO_free(bio);
	assert_int_equal(ok, 1);
	assert_int_equal(chmod(path, 0600), 0);
}

static void test_load_not_ed25519(void **state)
{
	char path[PATH_MAX];
	struct iam_err err;
	EVP_PKEY *p256, *loaded;

	(void)state;
	p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(p256);
	path_in_tmpdir(path, sizeof(path), "p256.key");
	write_pem(path, p256, NULL);
	EVP_PKEY_free(p256);
	loaded = (EVP_PKEY *)1;
	err.msg[0] = '\0';
	assert_int_equal(iam_sign_load_private(path, &loaded, &err), -EINVAL);
	assert_null(loaded);
	assert_contains(err.msg, "does not hold an Ed25519 private key");

	/* Not PEM at all. */
	path_in_tmpdir(path, sizeof(path), "junk.key");
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "-----BEGIN PRIVATE KEY-----\nAAAA\n", 33), 33);
		close(fd);
	}
	assert_int_equal(iam_sign_load_private(path, &loaded, &err), -EINVAL);
	assert_null(loaded);
}

/* An encrypted key is refused at once. Before the fix OpenSSL asked for a
 * passphrase on the terminal or, without one, read it from stdin: here
 * stdin offers the right passphrase, and the key must still be refused. */
static void test_load_encrypted(void **state)
{
	static const char pass[] = "passphrase";
	char path[PATH_MAX];
	struct iam_err err;
	EVP_PKEY *key, *loaded;
	int pipefd[2], saved_stdin;

	(void)state;
	assert_int_equal(iam_sign_keygen(&key, &err), 0);
	path_in_tmpdir(path, sizeof(path), "encrypted.key");
	write_pem(path, key, pass);
	EVP_PKEY_free(key);

	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(write(pipefd[1], pass, strlen(pass)), (ssize_t)strlen(pass));
	assert_int_equal(write(pipefd[1], "\n", 1), 1);
	close(pipefd[1]);
	saved_stdin = dup(STDIN_FILENO);
	assert_true(saved_stdin >= 0);
	assert_true(dup2(pipefd[0], STDIN_FILENO) >= 0);
	close(pipefd[0]);
	loaded = (EVP_PKEY *)1;
	err.msg[0] = '\0';
	assert_int_equal(iam_sign_load_private(path, &loaded, &err), -EINVAL);
	assert_true(dup2(saved_stdin, STDIN_FILENO) >= 0);
	close(saved_stdin);
	assert_null(loaded);
	assert_contains(err.msg, "does not hold an Ed25519 private key");
}

/* ---- fixtures ------------------------------------------------------------ */

static int make_tmpdir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	(void)state;
	d = opendir(tmpdir);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_malformed_signatures),
		cmocka_unit_test(test_pubkey_b64),
		cmocka_unit_test(test_pubkey_from_b64_rejects),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_load_not_ed25519),
		cmocka_unit_test(test_load_encrypted),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "encode.h"
#include "safe_file.h"
#include "secmem.h"
#include "sign.h"

#define PUB_LEN 32
#define SIG_LEN 64

int iam_sign_keygen(EVP_PKEY **out, struct iam_err *err)
{
	*out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!*out) {
		iam_err_set(err, "cannot generate an Ed25519 key");
		return -EIO;
	}
	return 0;
}

int iam_sign_save_private(EVP_PKEY *key, const char *path, struct iam_err *err)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *pem = NULL;
	long len;
	int r = -EIO;

	if (bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
		len = BIO_get_mem_data(bio, &pem);
		r = iam_file_write_atomic(path, pem, (size_t)len, 0600, err);
	} else {
		iam_err_set(err, "cannot encode the signing key");
	}
	BIO_free(bio);
	return r;
}

/* Without a callback OpenSSL asks for a passphrase on the terminal, or
 * failing that on stdin, and blocks until one comes: a daemon must never do
 * that. Signing keys are stored unencrypted in a 0600 file. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int iam_sign_load_private(const char *path, EVP_PKEY **out, struct iam_err *err)
{
	char *pem = NULL;
	size_t len = 0;
	BIO *bio;
	int r;

	*out = NULL;
	r = iam_file_read(path, geteuid(), 16384, IAM_FILE_SECRET, &pem, &len, err);
	if (r < 0)
		return r;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio)
		*out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	iam_wipe(pem, len);
	free(pem);
	if (!*out || EVP_PKEY_get_id(*out) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(*out);
		*out = NULL;
		iam_err_set(err, "%s does not hold an Ed25519 private key in PEM", path);
		return -EINVAL;
	}
	return 0;
}

int iam_sign_pubkey_b64(EVP_PKEY *key, char out[IAM_SIGN_PUB_B64])
{
	unsigned char raw[PUB_LEN];
	size_t len = sizeof(raw);

	if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != PUB_LEN)
		return -EINVAL;
	return iam_b64_encode(raw, len, out, IAM_SIGN_PUB_B64);
}

int iam_sign_pubkey_from_b64(const char *b64, EVP_PKEY **out, struct iam_err *err)
{
	unsigned char raw[48];
	size_t len = 0;

	*out = NULL;
	if (strlen(b64) != IAM_SIGN_PUB_B64 - 1 ||
	    iam_b64_decode(b64, raw, sizeof(raw), &len) < 0 || len != PUB_LEN) {
		iam_err_set(err, "not an Ed25519 public key (expected 44 base64 characters)");
		return -EINVAL;
	}
	*out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, len);
	if (!*out) {
		iam_err_set(err, "OpenSSL rejected the Ed25519 public key");
		return -EINVAL;
	}
	return 0;
}

int iam_sign(EVP_PKEY *key, const void *msg, size_t n, char out[IAM_SIGN_SIG_B64],
	     struct iam_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[SIG_LEN];
	size_t siglen = sizeof(sig);
	int ok;

	ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, msg, n) == 1 && siglen == SIG_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		iam_err_set(err, "Ed25519 signing failed");
		return -EIO;
	}
	return iam_b64_encode(sig, siglen, out, IAM_SIGN_SIG_B64);
}

int iam_verify(EVP_PKEY *pub, const void *msg, size_t n, const char *sig_b64,
	       struct iam_err *err)
{
	unsigned char sig[96];
	size_t siglen = 0;
	EVP_MD_CTX *ctx;
	int v = -1;

	if (strlen(sig_b64) != IAM_SIGN_SIG_B64 - 1 ||
	    iam_b64_decode(sig_b64, sig, sizeof(sig), &siglen) < 0 || siglen != SIG_LEN) {
		iam_err_set(err, "malformed signature (expected 88 base64 characters)");
		return -EBADMSG;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1)
		v = EVP_DigestVerify(ctx, sig, siglen, msg, n);
	EVP_MD_CTX_free(ctx);
	if (v == 1)
		return 0;
	if (v == 0) {
		iam_err_set(err, "signature does not match the trusted public key");
		return -EBADMSG;
	}
	iam_err_set(err, "signature verification failed inside OpenSSL");
	return -EIO;
}

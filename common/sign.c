#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "encode.h"
#include "pkey_file.h"
#include "sign.h"

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
	return iam_pkey_save_private(key, path, "the signing key", err);
}

int iam_sign_load_private(const char *path, EVP_PKEY **out, struct iam_err *err)
{
	return iam_pkey_load_private(path, EVP_PKEY_ED25519, "an Ed25519 private key", out, err);
}

int iam_sign_pubkey_b64(EVP_PKEY *key, char out[IAM_SIGN_PUB_B64])
{
	return iam_pkey_pub_b64(key, out);
}

int iam_sign_pubkey_from_b64(const char *b64, EVP_PKEY **out, struct iam_err *err)
{
	return iam_pkey_pub_from_b64(EVP_PKEY_ED25519, b64, "an Ed25519 public key", out, err);
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

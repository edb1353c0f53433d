/* iam-seal-v1: see seal.h for the algorithm and why. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "encode.h"
#include "pkey_file.h"
#include "seal.h"
#include "secmem.h"

#define SEAL_PREFIX "iam-seal-v1:"
#define SEAL_INFO "iam-seal-v1"
#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define PUB_LEN IAM_PKEY_RAW_LEN
#define RAW_MAX (PUB_LEN + IAM_SEAL_MSG_MAX + TAG_LEN)
/* base64 decodes whole groups of 3 bytes */
#define RAW_BUF (RAW_MAX + 3)
#define B64_MAX (4 * ((RAW_MAX + 2) / 3) + 1)

int iam_seal_keygen(EVP_PKEY **out, struct iam_err *err)
{
	*out = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	if (!*out) {
		iam_err_set(err, "cannot generate an X25519 key");
		return -EIO;
	}
	return 0;
}

int iam_seal_save_private(EVP_PKEY *key, const char *path, struct iam_err *err)
{
	return iam_pkey_save_private(key, path, "the vault key", err);
}

int iam_seal_load_private(const char *path, EVP_PKEY **out, struct iam_err *err)
{
	return iam_pkey_load_private(path, EVP_PKEY_X25519, "an X25519 private key", out, err);
}

int iam_seal_pubkey_b64(EVP_PKEY *key, char out[IAM_SEAL_PUB_B64])
{
	return iam_pkey_pub_b64(key, out);
}

int iam_seal_pubkey_from_b64(const char *b64, EVP_PKEY **out, struct iam_err *err)
{
	return iam_pkey_pub_from_b64(EVP_PKEY_X25519, b64, "an X25519 public key", out, err);
}

void iam_vault_context(const char *host, const char *account, const char *escrow_id,
		       char out[IAM_VAULT_CONTEXT_MAX])
{
	snprintf(out, IAM_VAULT_CONTEXT_MAX, "iam-vault host=%.253s account=%.64s escrow=%.64s",
		 host, account, escrow_id);
}

static int raw_pub(EVP_PKEY *key, unsigned char out[PUB_LEN])
{
	size_t len = PUB_LEN;

	if (EVP_PKEY_get_id(key) != EVP_PKEY_X25519)
		return -EINVAL;
	return EVP_PKEY_get_raw_public_key(key, out, &len) == 1 && len == PUB_LEN ? 0 : -EINVAL;
}

/* The AES key and nonce for one message: HKDF-SHA256 over the X25519
 * shared secret of ours and peer, salted with both public keys (the
 * ephemeral one first). */
static int derive(EVP_PKEY *ours, EVP_PKEY *peer, const unsigned char eph_pub[PUB_LEN],
		  const unsigned char vault_pub[PUB_LEN], unsigned char okm[KEY_LEN + NONCE_LEN])
{
	unsigned char z[32], salt[2 * PUB_LEN];
	size_t zlen = sizeof(z);
	EVP_PKEY_CTX *dh = EVP_PKEY_CTX_new_from_pkey(NULL, ours, NULL);
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[5];
	int ok;

	ok = dh && EVP_PKEY_derive_init(dh) == 1 && EVP_PKEY_derive_set_peer(dh, peer) == 1 &&
	     EVP_PKEY_derive(dh, z, &zlen) == 1 && zlen == sizeof(z);
	EVP_PKEY_CTX_free(dh);
	memcpy(salt, eph_pub, PUB_LEN);
	memcpy(salt + PUB_LEN, vault_pub, PUB_LEN);
	if (ok) {
		kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
		kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
		params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z, zlen);
		params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt,
							      sizeof(salt));
		params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
							      (void *)SEAL_INFO, strlen(SEAL_INFO));
		params[4] = OSSL_PARAM_construct_end();
		ok = kctx && EVP_KDF_derive(kctx, okm, KEY_LEN + NONCE_LEN, params) == 1;
	}
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	iam_wipe(z, sizeof(z));
	return ok ? 0 : -EIO;
}

/* AES-256-GCM one way or the other; tag is written (seal) or checked. */
static int gcm(int seal, const unsigned char okm[KEY_LEN + NONCE_LEN], const char *context,
	       const unsigned char *in, size_t n, unsigned char *out, unsigned char tag[TAG_LEN])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, ok;

	ok = ctx && EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), okm, okm + KEY_LEN, seal, NULL) == 1 &&
	     EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)context,
			      (int)strlen(context)) == 1 &&
	     EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1;
	if (ok && !seal)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, out + len, &len) == 1;
	if (ok && seal)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EBADMSG;
}

int iam_seal(EVP_PKEY *vault_pub, const char *context, const void *msg, size_t n, char **out,
	     struct iam_err *err)
{
	unsigned char raw[RAW_MAX], vpub[PUB_LEN], okm[KEY_LEN + NONCE_LEN];
	EVP_PKEY *eph = NULL;
	char *text = NULL;
	int r;

	*out = NULL;
	if (n == 0 || n > IAM_SEAL_MSG_MAX) {
		iam_err_set(err, "a sealed secret holds 1 to %d bytes", IAM_SEAL_MSG_MAX);
		return -EINVAL;
	}
	if (raw_pub(vault_pub, vpub) < 0) {
		iam_err_set(err, "the vault key is not an X25519 key");
		return -EINVAL;
	}
	r = iam_seal_keygen(&eph, err);
	if (r == 0)
		r = raw_pub(eph, raw);
	if (r == 0)
		r = derive(eph, vault_pub, raw, vpub, okm);
	if (r == 0)
		r = gcm(1, okm, context, msg, n, raw + PUB_LEN, raw + PUB_LEN + n);
	if (r == 0 && !(text = malloc(sizeof(SEAL_PREFIX) - 1 + B64_MAX)))
		r = -ENOMEM;
	if (r == 0) {
		memcpy(text, SEAL_PREFIX, sizeof(SEAL_PREFIX) - 1);
		r = iam_b64_encode(raw, PUB_LEN + n + TAG_LEN, text + sizeof(SEAL_PREFIX) - 1,
				   B64_MAX);
	}
	if (r < 0 && (!err || !err->msg[0]))
		iam_err_set(err, "cannot seal the secret (OpenSSL)");
	EVP_PKEY_free(eph);
	iam_wipe(okm, sizeof(okm));
	iam_wipe(raw, sizeof(raw));
	if (r < 0)
		free(text);
	else
		*out = text;
	return r < 0 ? r : 0;
}

/* The sealed text's bytes: ephemeral key, ciphertext, tag. */
static int decode(const char *sealed, unsigned char raw[RAW_BUF], size_t *len,
		  struct iam_err *err)
{
	size_t plen = sizeof(SEAL_PREFIX) - 1;

	if (strncmp(sealed, SEAL_PREFIX, plen) != 0 || strlen(sealed + plen) >= B64_MAX ||
	    iam_b64_decode(sealed + plen, raw, RAW_BUF, len) < 0 || *len <= PUB_LEN + TAG_LEN ||
	    *len > RAW_MAX) {
		iam_err_set(err, "not a sealed secret (expected \"%s\" and base64)", SEAL_PREFIX);
		return -EBADMSG;
	}
	return 0;
}

int iam_unseal(EVP_PKEY *vault_key, const char *context, const char *sealed, char **out,
	       size_t *n, struct iam_err *err)
{
	unsigned char raw[RAW_BUF], vpub[PUB_LEN], okm[KEY_LEN + NONCE_LEN];
	EVP_PKEY *eph = NULL;
	char *msg = NULL;
	size_t len = 0, mlen = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = decode(sealed, raw, &len, err);
	if (r < 0)
		return r;
	mlen = len - PUB_LEN - TAG_LEN;
	eph = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, raw, PUB_LEN);
	r = eph && raw_pub(vault_key, vpub) == 0 ? 0 : -EIO;
	if (r == 0)
		r = derive(vault_key, eph, raw, vpub, okm);
	if (r == 0 && !(msg = malloc(mlen + 1)))
		r = -ENOMEM;
	if (r == 0)
		r = gcm(0, okm, context, raw + PUB_LEN, mlen, (unsigned char *)msg,
			raw + PUB_LEN + mlen);
	if (r == -EBADMSG)
		iam_err_set(err, "the sealed secret does not open: another vault key, another "
				 "record, or altered");
	else if (r < 0)
		iam_err_set(err, "cannot open the sealed secret (OpenSSL)");
	EVP_PKEY_free(eph);
	iam_wipe(okm, sizeof(okm));
	iam_wipe(raw, sizeof(raw));
	if (r < 0) {
		if (msg)
			iam_wipe(msg, mlen);
		free(msg);
		return r;
	}
	msg[mlen] = '\0';
	*out = msg;
	*n = mlen;
	return 0;
}

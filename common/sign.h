/* Ed25519 signatures (OpenSSL) for directory snapshots and the audit head.
 * Public keys travel as base64 of the 32 raw bytes; signatures as base64 of
 * the 64 raw bytes. */
#ifndef IAM_SIGN_H
#define IAM_SIGN_H

#include <stddef.h>
#include <openssl/evp.h>
#include "iam_error.h"

#define IAM_SIGN_PUB_B64 45 /* 44 chars + NUL */
#define IAM_SIGN_SIG_B64 89 /* 88 chars + NUL */

int iam_sign_keygen(EVP_PKEY **out, struct iam_err *err);
/* PEM (PKCS#8) private key to a 0600 file, and back through the safe reader. */
int iam_sign_save_private(EVP_PKEY *key, const char *path, struct iam_err *err);
int iam_sign_load_private(const char *path, EVP_PKEY **out, struct iam_err *err);
int iam_sign_pubkey_b64(EVP_PKEY *key, char out[IAM_SIGN_PUB_B64]);
int iam_sign_pubkey_from_b64(const char *b64, EVP_PKEY **out, struct iam_err *err);
int iam_sign(EVP_PKEY *key, const void *msg, size_t n, char out[IAM_SIGN_SIG_B64],
	     struct iam_err *err);
/* 0 when the signature is valid, -EBADMSG when not, other negatives on error. */
int iam_verify(EVP_PKEY *pub, const void *msg, size_t n, const char *sig_b64,
	       struct iam_err *err);

#endif

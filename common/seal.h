/*
 * Sealed secrets: a message encrypted on a host to the vault's X25519
 * public key, so that only the holder of the vault's private key can read
 * it. The endpoint stores the sealed text; its private key lives apart from
 * the database. Algorithm "iam-seal-v1" (all OpenSSL primitives):
 *
 *   e        a fresh X25519 key pair for every message
 *   z        X25519(e, vault public key)
 *   k || n   HKDF-SHA256(key = z, salt = e_pub || vault_pub,
 *                        info = "iam-seal-v1"), 44 bytes: an AES-256 key and
 *            a 96-bit nonce, each used once since e is never reused
 *   c || t   AES-256-GCM(k, n, message, additional data = context)
 *   sealed   "iam-seal-v1:" base64(e_pub || c || t)
 *
 * The context names where the secret belongs (host, account, version): a
 * sealed text moved to another record, or altered in any byte, does not
 * open.
 */
#ifndef IAM_SEAL_H
#define IAM_SEAL_H

#include <stddef.h>
#include <openssl/evp.h>
#include "iam_error.h"

#define IAM_SEAL_PUB_B64 45   /* 44 characters + NUL */
#define IAM_SEAL_MSG_MAX 1024 /* a password, never a file */

int iam_seal_keygen(EVP_PKEY **out, struct iam_err *err);
/* The private key as PEM (PKCS#8) in a 0600 file, and back through the
 * safe reader (owned by the caller's user, not readable by others). */
int iam_seal_save_private(EVP_PKEY *key, const char *path, struct iam_err *err);
int iam_seal_load_private(const char *path, EVP_PKEY **out, struct iam_err *err);
int iam_seal_pubkey_b64(EVP_PKEY *key, char out[IAM_SEAL_PUB_B64]);
int iam_seal_pubkey_from_b64(const char *b64, EVP_PKEY **out, struct iam_err *err);

/* The context of an escrowed password, as host and endpoint both write it:
 * "iam-vault host=HOST account=ACCOUNT escrow=ID". */
#define IAM_VAULT_CONTEXT_MAX 448
void iam_vault_context(const char *host, const char *account, const char *escrow_id,
		       char out[IAM_VAULT_CONTEXT_MAX]);

/* *out: the sealed text (malloc'd, free()). */
int iam_seal(EVP_PKEY *vault_pub, const char *context, const void *msg, size_t n, char **out,
	     struct iam_err *err);
/* *out: the message, NUL-terminated (free with iam_free_secret). -EBADMSG
 * when the text does not open with this key and context. */
int iam_unseal(EVP_PKEY *vault_key, const char *context, const char *sealed, char **out,
	       size_t *n, struct iam_err *err);

#endif

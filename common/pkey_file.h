/* The key forms sign.c and seal.c share: a private key as PEM in a 0600
 * file, a public key as base64 of its 32 raw bytes (Ed25519, X25519). */
#ifndef IAM_PKEY_FILE_H
#define IAM_PKEY_FILE_H

#include <stddef.h>
#include <openssl/evp.h>
#include "iam_error.h"

#define IAM_PKEY_RAW_LEN 32
#define IAM_PKEY_B64 45 /* 44 characters + NUL */

/* what names the key in errors ("the signing key"). */
int iam_pkey_save_private(EVP_PKEY *key, const char *path, const char *what,
			  struct iam_err *err);
/* type: EVP_PKEY_ED25519 or EVP_PKEY_X25519; any other key is refused. */
int iam_pkey_load_private(const char *path, int type, const char *what, EVP_PKEY **out,
			  struct iam_err *err);
int iam_pkey_pub_b64(EVP_PKEY *key, char out[IAM_PKEY_B64]);
int iam_pkey_pub_from_b64(int type, const char *b64, const char *what, EVP_PKEY **out,
			  struct iam_err *err);

#endif

/*
 * Password verifiers with a slow, memory-hard KDF (scrypt from OpenSSL), in a
 * self-describing string:  $scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>
 * 2^15 * 8 * 128 bytes = 32 MiB of memory per computation by default.
 */
#ifndef IAM_KDF_H
#define IAM_KDF_H

#include <stddef.h>
#include "iam_error.h"

struct iam_kdf_params {
	unsigned log2_n; /* 10..22 */
	unsigned r;      /* 1..32 */
	unsigned p;      /* 1..16 */
};

#define IAM_KDF_DEFAULT_LOG2_N 15
#define IAM_KDF_MAX 160 /* verifier string length, with NUL */

int iam_kdf_params_valid(const struct iam_kdf_params *p);
int iam_kdf_hash(const char *password, const struct iam_kdf_params *p,
		 char out[IAM_KDF_MAX], struct iam_err *err);
/* 1: the password matches; 0: it does not; negative: malformed verifier. */
int iam_kdf_verify(const char *password, const char *verifier, struct iam_err *err);

#endif

/*
 * Bearer tokens: "iam<kind>_<id>.<secret>", kind 'a' (admin), 'h' (host),
 * 'u' (user session) or 'c' (MFA challenge), id a positive decimal, secret 43 base64url characters
 * (32 random bytes). The endpoint stores only SHA-256 of the secret (the
 * secret is random, so a slow KDF adds nothing) and compares in constant
 * time.
 */
#ifndef IAM_TOKEN_H
#define IAM_TOKEN_H

#include <stddef.h>
#include "encode.h"

enum iam_token_kind {
	IAM_TOKEN_ADMIN = 'a',
	IAM_TOKEN_HOST = 'h',
	IAM_TOKEN_USER = 'u',
	IAM_TOKEN_CHALLENGE = 'c', /* an MFA challenge between two login steps */
};

#define IAM_TOKEN_SECRET_LEN 43
#define IAM_TOKEN_MAX 80

struct iam_token {
	enum iam_token_kind kind;
	long long id;
	char secret[IAM_TOKEN_SECRET_LEN + 1];
};

/* 0 or -EINVAL; never reads past a NUL, ignores one trailing newline. */
int iam_token_parse(const char *s, struct iam_token *out);
/* Makes a new token string and the hash to store. */
int iam_token_generate(enum iam_token_kind kind, long long id,
		       char out[IAM_TOKEN_MAX], char hash_hex[IAM_SHA256_HEX_LEN + 1]);
int iam_token_hash(const struct iam_token *t, char hash_hex[IAM_SHA256_HEX_LEN + 1]);

#endif

/* Encodings and digests built on OpenSSL. */
#ifndef IAM_ENCODE_H
#define IAM_ENCODE_H

#include <stddef.h>

#define IAM_SHA256_HEX_LEN 64

/* Standard base64 with padding. out must hold 4*ceil(n/3)+1 bytes. */
int iam_b64_encode(const unsigned char *in, size_t n, char *out, size_t outsz);
/* Strict: rejects whitespace, bad characters and bad padding. */
int iam_b64_decode(const char *in, unsigned char *out, size_t outsz, size_t *outlen);
/* base64url without padding (RFC 4648 section 5), for tokens. */
int iam_b64url_encode(const unsigned char *in, size_t n, char *out, size_t outsz);
void iam_hex_encode(const unsigned char *in, size_t n, char *out /* 2n+1 */);
int iam_sha256_hex(const void *p, size_t n, char out[IAM_SHA256_HEX_LEN + 1]);

#endif

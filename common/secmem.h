/* Secrets: wipe them on every path, compare them in constant time. */
#ifndef IAM_SECMEM_H
#define IAM_SECMEM_H

#include <stddef.h>

void iam_wipe(void *p, size_t n);
/* 1 when equal; the time depends on n only. */
int iam_ct_equal(const void *a, const void *b, size_t n);
/* 1 when equal; leaks only whether the lengths differ. */
int iam_ct_streq(const char *a, const char *b);
/* Wipes a NUL-terminated secret and frees it; NULL is fine. */
void iam_free_secret(char *s);
/* Cryptographically strong bytes from OpenSSL's DRBG. */
int iam_random_bytes(void *p, size_t n);

#endif

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "secmem.h"

int iam_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int iam_ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}

int iam_random_bytes(void *p, size_t n)
{
	if (n > INT_MAX)
		return -EINVAL;
	return RAND_bytes(p, (int)n) == 1 ? 0 : -EIO;
}

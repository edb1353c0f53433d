#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "secmem.h"

/* explicit_bzero, not OpenSSL: this half is linked into the NSS module,
 * which must not pull libcrypto into every process that looks up a user. */
void iam_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void iam_free_secret(char *s)
{
	if (!s)
		return;
	iam_wipe(s, strlen(s));
	free(s);
}

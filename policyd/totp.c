#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include "secmem.h"
#include "totp.h"

int totp_init(void)
{
	return oath_init() == OATH_OK ? 0 : -EIO;
}

int totp_new_secret(unsigned char secret[TOTP_SECRET_LEN])
{
	return iam_random_bytes(secret, TOTP_SECRET_LEN);
}

int totp_code_valid(const char *code)
{
	int i;

	for (i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return code[TOTP_DIGITS] == '\0';
}

/* liboath compares candidates with strcmp; this one takes the same time
 * whatever the digits. */
static int ct_compare(void *handle, const char *candidate)
{
	const char *code = handle;

	if (strlen(candidate) != TOTP_DIGITS)
		return 1;
	return CRYPTO_memcmp(candidate, code, TOTP_DIGITS) == 0 ? 0 : 1;
}

int totp_check(const unsigned char *secret, size_t len, const char *code, time_t now,
	       int window, int64_t *step)
{
	uint64_t counter = 0;
	int pos = 0, r;

	if (!totp_code_valid(code) || len == 0)
		return 0;
	r = oath_totp_validate4_callback((const char *)secret, len, now, TOTP_STEP, 0,
					 TOTP_DIGITS, (size_t)window, &pos, &counter, 0,
					 ct_compare, (void *)(uintptr_t)code);
	if (r == OATH_INVALID_OTP)
		return 0;
	if (r < 0)
		return -EIO;
	*step = (int64_t)counter;
	return 1;
}

int totp_uri(const char *user, const unsigned char *secret, size_t len, char *b32,
	     size_t b32sz, char *uri, size_t urisz)
{
	char *enc = NULL;
	size_t enclen = 0;
	int n;

	if (oath_base32_encode((const char *)secret, len, &enc, &enclen) != OATH_OK)
		return -ENOMEM;
	/* otpauth URIs use base32 without padding */
	while (enclen > 0 && enc[enclen - 1] == '=')
		enc[--enclen] = '\0';
	n = snprintf(b32, b32sz, "%s", enc);
	if (n >= 0 && (size_t)n < b32sz)
		n = snprintf(uri, urisz, "otpauth://totp/IAM:%s?secret=%s&issuer=IAM"
			     "&algorithm=SHA1&digits=%d&period=%d", user, enc, TOTP_DIGITS,
			     TOTP_STEP);
	iam_wipe(enc, enclen);
	free(enc);
	return n < 0 || (size_t)n >= urisz ? -ENOSPC : 0;
}

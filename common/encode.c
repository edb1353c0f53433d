#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "encode.h"

int iam_b64_encode(const unsigned char *in, size_t n, char *out, size_t outsz)
{
	size_t need;

	if (n > INT_MAX / 2)
		return -EINVAL;
	need = 4 * ((n + 2) / 3) + 1;
	if (outsz < need)
		return -ENOSPC;
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	return 0;
}

/* The 6-bit value of a base64 character, -1 for anything else. */
static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* The bits after the last whole byte must be zero: "QQ==" and "QR==" both
 * decode to "A", and only the first is what an encoder writes. Refusing the
 * other gives every byte string exactly one text form, so keys and
 * signatures can be compared as text. */
static int canonical_tail(const char *in, size_t len, size_t pad)
{
	if (pad == 1)
		return (b64_value(in[len - 2]) & 0x3) == 0;
	if (pad == 2)
		return (b64_value(in[len - 3]) & 0xf) == 0;
	return 1;
}

/* EVP_DecodeBlock accepts whitespace and reports padding as zero bytes, so
 * the shape is checked first and the padding subtracted after. */
int iam_b64_decode(const char *in, unsigned char *out, size_t outsz, size_t *outlen)
{
	size_t len = strlen(in), pad = 0, i;
	int n;

	if (len == 0 || len % 4 != 0 || len > INT_MAX)
		return -EINVAL;
	if (in[len - 1] == '=')
		pad++;
	if (in[len - 2] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		if (b64_value(in[i]) < 0)
			return -EINVAL;
	if (!canonical_tail(in, len, pad))
		return -EINVAL;
	if (outsz < len / 4 * 3)
		return -ENOSPC;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0 || (size_t)n < pad)
		return -EINVAL;
	*outlen = (size_t)n - pad;
	return 0;
}

int iam_b64url_encode(const unsigned char *in, size_t n, char *out, size_t outsz)
{
	size_t len, i;
	int r = iam_b64_encode(in, n, out, outsz);

	if (r < 0)
		return r;
	len = strlen(out);
	while (len > 0 && out[len - 1] == '=')
		out[--len] = '\0';
	for (i = 0; i < len; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return 0;
}

void iam_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int iam_sha256_hex(const void *p, size_t n, char out[IAM_SHA256_HEX_LEN + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	if (!SHA256(p, n, md))
		return -EIO;
	iam_hex_encode(md, sizeof(md), out);
	return 0;
}

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "secmem.h"
#include "token.h"

/* The largest id iam_token_parse accepts: twelve decimal digits. */
#define TOKEN_ID_MAX 999999999999LL

static int kind_valid(int c)
{
	return c > 0 && c < 128 && strchr("ahuc", c) != NULL;
}

static int b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int iam_token_parse(const char *s, struct iam_token *out)
{
	char idtext[24];
	const char *id, *dot, *secret;
	size_t idlen, slen;
	long long v;

	memset(out, 0, sizeof(*out));
	if (strncmp(s, "iam", 3) != 0 || !kind_valid((unsigned char)s[3]) || s[4] != '_')
		return -EINVAL;
	id = s + 5;
	dot = strchr(id, '.');
	if (!dot)
		return -EINVAL;
	idlen = (size_t)(dot - id);
	if (idlen == 0 || idlen >= sizeof(idtext))
		return -EINVAL;
	memcpy(idtext, id, idlen);
	idtext[idlen] = '\0';
	if (iam_parse_ll(idtext, 1, TOKEN_ID_MAX, &v) < 0)
		return -EINVAL;
	secret = dot + 1;
	slen = strlen(secret);
	if (slen == IAM_TOKEN_SECRET_LEN + 1 && secret[slen - 1] == '\n')
		slen--;
	if (slen != IAM_TOKEN_SECRET_LEN)
		return -EINVAL;
	for (size_t i = 0; i < slen; i++)
		if (!b64url_char(secret[i]))
			return -EINVAL;
	out->kind = (enum iam_token_kind)s[3];
	out->id = v;
	memcpy(out->secret, secret, slen);
	out->secret[slen] = '\0';
	return 0;
}

int iam_token_hash(const struct iam_token *t, char hash_hex[IAM_SHA256_HEX_LEN + 1])
{
	return iam_sha256_hex(t->secret, strlen(t->secret), hash_hex);
}

int iam_token_generate(enum iam_token_kind kind, long long id, char out[IAM_TOKEN_MAX],
		       char hash_hex[IAM_SHA256_HEX_LEN + 1])
{
	unsigned char raw[32];
	char text[48]; /* base64 needs room for padding before it is stripped */
	struct iam_token t;
	int r;

	/* Never make a token that iam_token_parse would refuse. */
	if (!kind_valid((int)kind) || id < 1 || id > TOKEN_ID_MAX)
		return -EINVAL;
	if (iam_random_bytes(raw, sizeof(raw)) < 0)
		return -EIO;
	t.kind = kind;
	t.id = id;
	r = iam_b64url_encode(raw, sizeof(raw), text, sizeof(text));
	if (r == 0)
		memcpy(t.secret, text, IAM_TOKEN_SECRET_LEN + 1);
	iam_wipe(raw, sizeof(raw));
	iam_wipe(text, sizeof(text));
	if (r == 0) {
		snprintf(out, IAM_TOKEN_MAX, "iam%c_%lld.%s", (char)kind, id, t.secret);
		r = iam_token_hash(&t, hash_hex);
	}
	iam_wipe(&t, sizeof(t));
	return r;
}

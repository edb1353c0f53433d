/*
 * iam_token_parse on the input as a C string. An accepted token must have a
 * known kind, an id in range and a secret of 43 base64url characters, and
 * writing it out again must give a token that parses to the same thing.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "token.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void check_token(const struct iam_token *t)
{
	char text[IAM_TOKEN_MAX + 16], hash[IAM_SHA256_HEX_LEN + 1];
	struct iam_token again;

	FUZZ_CHECK(t->kind == IAM_TOKEN_ADMIN || t->kind == IAM_TOKEN_HOST ||
		   t->kind == IAM_TOKEN_USER || t->kind == IAM_TOKEN_CHALLENGE);
	FUZZ_CHECK(t->id >= 1 && t->id <= 999999999999LL);
	FUZZ_CHECK(strlen(t->secret) == IAM_TOKEN_SECRET_LEN);
	FUZZ_CHECK(strspn(t->secret, b64url) == IAM_TOKEN_SECRET_LEN);
	FUZZ_CHECK(iam_token_hash(t, hash) == 0 && strlen(hash) == IAM_SHA256_HEX_LEN);

	snprintf(text, sizeof(text), "iam%c_%lld.%s", (char)t->kind, t->id, t->secret);
	FUZZ_CHECK(strlen(text) < IAM_TOKEN_MAX);
	FUZZ_CHECK(iam_token_parse(text, &again) == 0);
	FUZZ_CHECK(again.kind == t->kind && again.id == t->id &&
		   strcmp(again.secret, t->secret) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	struct iam_token t;

	if (iam_token_parse(text, &t) == 0)
		check_token(&t);
	else
		FUZZ_CHECK(t.id == 0 && t.secret[0] == '\0');
	free(text);
	return 0;
}

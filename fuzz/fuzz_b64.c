/*
 * iam_b64_decode on the input as a C string, into a buffer of exactly the
 * size the contract asks for. Strict decoding means one text per byte
 * string: whatever decodes must encode back to the very same text. The raw
 * input also goes through the encoders, whose output must use only their
 * own alphabet and have the promised length.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "encode.h"
#include "fuzz.h"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void fuzz_decode(const char *text)
{
	size_t len = strlen(text), room = len / 4 * 3, n = 0;
	unsigned char *out = malloc(room ? room : 1);
	char *again = malloc(len + 1);

	FUZZ_CHECK(out && again);
	if (iam_b64_decode(text, out, room, &n) == 0) {
		FUZZ_CHECK(len > 0 && len % 4 == 0 && n <= room && n + 2 >= room);
		FUZZ_CHECK(iam_b64_encode(out, n, again, len + 1) == 0);
		FUZZ_CHECK(strcmp(again, text) == 0);
	}
	free(again);
	free(out);
}

static void fuzz_encode(const uint8_t *data, size_t size)
{
	size_t want = 4 * ((size + 2) / 3);
	char *text = malloc(want + 1), *hex = malloc(2 * size + 1);

	FUZZ_CHECK(text && hex);
	FUZZ_CHECK(iam_b64_encode(data, size, text, want + 1) == 0);
	FUZZ_CHECK(strlen(text) == want);
	FUZZ_CHECK(strspn(text, b64) + strspn(text + strspn(text, b64), "=") == want);
	FUZZ_CHECK(iam_b64url_encode(data, size, text, want + 1) == 0);
	FUZZ_CHECK(strlen(text) == (4 * size + 2) / 3);
	FUZZ_CHECK(strspn(text, b64url) == strlen(text));
	iam_hex_encode(data, size, hex);
	FUZZ_CHECK(strlen(hex) == 2 * size);
	free(hex);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);

	fuzz_decode(text);
	fuzz_encode(data, size);
	free(text);
	return 0;
}

/*
 * iam_kdf_verify on the input as a verifier string. Parsing is what is under
 * test, but a verifier that parses also runs scrypt, whose cost grows with
 * 2^ln, r and p: inputs that could ask for more than ln=10, r=8, p=2 are
 * skipped before the parser sees them. The guard reads every number after
 * any "ln=", "r=" or "p=" in the input, wherever it stands, so whatever the
 * parser could take for a parameter is covered.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "kdf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *tag;
	unsigned long long max;
} limits[] = {
	{ "ln=", 10 }, { "r=", 8 }, { "p=", 2 },
};

/* Leading zeros are allowed by the parser; large values saturate. */
static unsigned long long number_at(const char *s)
{
	unsigned long long v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		v = v > 1000000 ? v : v * 10 + (unsigned long long)(*s - '0');
	return v;
}

static int cheap(const char *s)
{
	const char *p;
	size_t i;

	for (i = 0; i < N(limits); i++)
		for (p = strstr(s, limits[i].tag); p; p = strstr(p + 1, limits[i].tag))
			if (number_at(p + strlen(limits[i].tag)) > limits[i].max)
				return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	struct iam_err err = { "" };
	int r;

	if (cheap(text)) {
		r = iam_kdf_verify("correct horse", text, &err);
		FUZZ_CHECK(r == 1 || r == 0 || r == -EINVAL);
		if (r < 0)
			FUZZ_CHECK(err.msg[0] != '\0');
	}
	free(text);
	return 0;
}

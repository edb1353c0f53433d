/*
 * iam_jit_session_parse on the raw input (not NUL terminated, so that ASan
 * sees any read past len). An accepted record must pass
 * iam_jit_session_check and format back to exactly the input (one text per
 * record); a refused one must leave *s zeroed and a reason in err.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "jit_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct iam_jit_session zero;
	struct iam_jit_session s;
	struct iam_err err = { "" };
	char *text = malloc(size ? size : 1), again[IAM_JIT_SESSION_MAX + 1];
	int r, n;

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	r = iam_jit_session_parse(text, size, &s, &err);
	if (r == 0) {
		FUZZ_CHECK(iam_jit_session_check(&s, &err) == 0);
		n = iam_jit_session_format(&s, again, sizeof(again), &err);
		FUZZ_CHECK(n > 0 && (size_t)n == size && memcmp(again, data, size) == 0);
	} else {
		FUZZ_CHECK(r == -EBADMSG);
		FUZZ_CHECK(memcmp(&s, &zero, sizeof(s)) == 0);
		FUZZ_CHECK(err.msg[0] != '\0');
	}
	free(text);
	return 0;
}

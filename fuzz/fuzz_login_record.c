/*
 * The login record parser (common/login_record.c). It is static, so the
 * file is included here rather than widening the public API; the library's
 * copy is then never pulled from the archive. parse_record runs on the
 * input as iam_login_record_read hands it over (a C string, refused before
 * parsing when it holds a NUL). An accepted record must hold only fields
 * iam_login_record_write accepts, and writing it (to a private temporary
 * directory) and reading it back must give the same record.
 */
#include "../common/login_record.c"

#include <stdint.h>

#include "fuzz.h"

static char dir[64];

static void cleanup(void)
{
	iam_login_record_remove(dir, 4242, NULL);
	rmdir(dir);
}

static void setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(dir, sizeof(dir), "%s/fuzz-login-XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	atexit(cleanup);
}

static void round_trip(const struct iam_login_record *r)
{
	struct iam_login_record w = *r, back;
	struct iam_err err = { "" };

	w.pid = 4242;
	FUZZ_CHECK(iam_login_record_write(dir, &w, &err) == 0);
	FUZZ_CHECK(iam_login_record_read(dir, 4242, &back, &err) == 0);
	FUZZ_CHECK(back.pid == 4242 && back.start == r->start);
	FUZZ_CHECK(strcmp(back.user, r->user) == 0 && strcmp(back.service, r->service) == 0 &&
		   strcmp(back.origin, r->origin) == 0 && strcmp(back.session, r->session) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iam_login_record r;
	char *text;

	if (!dir[0])
		setup();
	/* the reader takes at most RECORD_MAX bytes and no NUL */
	if (size > RECORD_MAX || memchr(data, '\0', size))
		return 0;
	text = fuzz_cstring(data, size);
	memset(&r, 0, sizeof(r));
	if (parse_record(text, &r) == 0) {
		FUZZ_CHECK(field_ok(r.user) && field_ok(r.service) && field_ok(r.origin) &&
			   field_ok(r.session));
		FUZZ_CHECK(r.start <= (unsigned long long)INT64_MAX);
		round_trip(&r);
	}
	free(text);
	return 0;
}

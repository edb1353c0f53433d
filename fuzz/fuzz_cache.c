/*
 * The NSS cache reader on hostile images. The checksum is sealed over the
 * input first, so that the fuzzer reaches the structural checks and the
 * lookups instead of stopping at the CRC. Whatever the image, nothing may
 * be read outside it (ASan), and every record a lookup returns must lie
 * inside its section.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cache.h"
#include "fuzz.h"

static void walk(const struct iam_cache *c)
{
	const struct iam_cache_member *m;
	size_t i, n, k;

	for (i = 0; i < c->h->nusers; i++) {
		m = iam_cache_user_groups(c, &c->users[i], &n);
		for (k = 0; k < n; k++)
			FUZZ_CHECK(m + k < c->user_groups + c->nuser_groups);
		(void)iam_cache_str(c, c->users[i].name);
	}
	for (i = 0; i < c->h->ngroups; i++) {
		m = iam_cache_group_members(c, &c->groups[i], &n);
		for (k = 0; k < n; k++)
			FUZZ_CHECK(m + k < c->members + c->nmembers);
		(void)iam_cache_str(c, c->groups[i].name);
	}
}

static void lookups(const struct iam_cache *c)
{
	static const char *const names[] = { "alice", "bob", "root", "" };
	size_t i;
	long r;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		r = iam_cache_find_user(c, names[i]);
		FUZZ_CHECK(r < (long)c->h->nusers);
		r = iam_cache_find_group(c, names[i]);
		FUZZ_CHECK(r < (long)c->h->ngroups);
	}
	FUZZ_CHECK(iam_cache_find_uid(c, 200001) < (long)c->h->nusers);
	FUZZ_CHECK(iam_cache_find_gid(c, 300001) < (long)c->h->ngroups);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *img;
	struct iam_cache c;

	if (size < sizeof(struct iam_cache_header) || size > (1 << 20))
		return 0;
	img = aligned_alloc(8, (size + 7) & ~(size_t)7);
	if (!img)
		abort();
	memcpy(img, data, size);
	/* a header that does not describe the image cannot be sealed; the
	 * open then has to refuse it on its own */
	(void)iam_cache_seal(img, size);
	if (iam_cache_open(&c, img, size, NULL) == 0) {
		walk(&c);
		lookups(&c);
		iam_cache_close(&c);
	}
	free(img);
	return 0;
}

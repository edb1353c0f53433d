/* iam_cache_seal on an image whose header does not describe it must refuse
 * it (-EINVAL) and write nothing (cache.h). Found by fuzz/fuzz_cache
 * (fuzz/corpus/fuzz_cache/regress-seal-table-over-header): a CHUNKS section
 * that starts inside the header made seal write the chunk table over the
 * header itself, then checksum a section whose size it had just
 * overwritten (a read far past the image; ASan: SEGV in crc32_z), and a
 * CHUNKS offset that is not a multiple of 4 made it store misaligned
 * uint32_t (UBSan). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache.h"

#define IMAGE_SIZE (sizeof(struct iam_cache_header) + 64)

static unsigned char image[IMAGE_SIZE] __attribute__((aligned(8)));
static unsigned char before[IMAGE_SIZE];

/* A header whose chunked data starts at start and whose chunk table is
 * table_size bytes at end. */
static void craft(uint64_t start, uint64_t end, uint64_t table_size)
{
	struct iam_cache_header h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, IAM_CACHE_MAGIC, sizeof(h.magic));
	h.endian = IAM_CACHE_ENDIAN;
	h.version = IAM_CACHE_VERSION;
	h.header_size = sizeof(h);
	h.chunk_size = 4096;
	h.file_size = IMAGE_SIZE;
	h.sections[0].offset = start;
	h.sections[IAM_SEC_CHUNKS].offset = end;
	h.sections[IAM_SEC_CHUNKS].size = table_size;
	memset(image, 0x5a, sizeof(image));
	memcpy(image, &h, sizeof(h));
	memcpy(before, image, sizeof(image));
}

/* The chunk table inside the header: seal used to write it there. */
static void test_table_over_header(void **state)
{
	(void)state;
	craft(0, 16, 4);
	assert_int_equal(iam_cache_seal(image, sizeof(image)), -EINVAL);
	assert_memory_equal(image, before, sizeof(image));
}

/* Chunked data that starts inside the header. */
static void test_data_in_header(void **state)
{
	(void)state;
	craft(8, sizeof(struct iam_cache_header) + 32, 4);
	assert_int_equal(iam_cache_seal(image, sizeof(image)), -EINVAL);
	assert_memory_equal(image, before, sizeof(image));
}

/* A chunk table at an offset a uint32_t cannot be stored at. */
static void test_table_misaligned(void **state)
{
	(void)state;
	craft(sizeof(struct iam_cache_header), sizeof(struct iam_cache_header) + 33, 8);
	assert_int_equal(iam_cache_seal(image, sizeof(image)), -EINVAL);
	assert_memory_equal(image, before, sizeof(image));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_over_header),
		cmocka_unit_test(test_data_in_header),
		cmocka_unit_test(test_table_misaligned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

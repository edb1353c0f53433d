/* The NSS cache: what the builder writes, the reader finds, and what the
 * reader does with truncated, corrupt and hostile images. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"

static unsigned char *image;
static size_t size;

/* alice 200001 (developers, ops until 2000000000), bob 200002 disabled
 * (developers), carol 200003; developers 300001, ops 300002, empty 300003. */
static void build_sample(uint64_t serial)
{
	struct iam_cache_builder *b = iam_cache_builder_new();
	long alice, bob, carol, dev, ops;

	assert_non_null(b);
	/* added out of id order: the image must come out sorted */
	carol = iam_cache_add_user(b, "carol", 200003, 200003, "", "/home/carol", "/bin/sh", 0);
	alice = iam_cache_add_user(b, "alice", 200001, 200001, "Alice A", "/home/alice", "/bin/bash", 0);
	bob = iam_cache_add_user(b, "bob", 200002, 200002, "Bob", "/home/bob", "/bin/bash",
				 IAM_CACHE_USER_DISABLED);
	assert_true(alice >= 0 && bob >= 0 && carol >= 0);
	ops = iam_cache_add_group(b, "ops", 300002);
	dev = iam_cache_add_group(b, "developers", 300001);
	assert_true(iam_cache_add_group(b, "empty", 300003) >= 0);
	assert_int_equal(iam_cache_add_member(b, dev, alice, 0), 0);
	assert_int_equal(iam_cache_add_member(b, dev, bob, 0), 0);
	assert_int_equal(iam_cache_add_member(b, ops, alice, 2000000000), 0);
	/* a repeat keeps the later end; 0 (static) outlasts any end */
	assert_int_equal(iam_cache_add_member(b, ops, alice, 1000), 0);
	assert_int_equal(iam_cache_add_member(b, dev, alice, 5), 0);
	free(image);
	assert_int_equal(iam_cache_build(b, serial, 1700000000, &image, &size, NULL), 0);
	iam_cache_builder_free(b);
}

static void test_build_and_find(void **state)
{
	struct iam_cache c;
	const struct iam_cache_member *m;
	long i;
	size_t n;

	(void)state;
	build_sample(42);
	assert_int_equal(iam_cache_open(&c, image, size, NULL), 0);
	assert_int_equal(c.h->serial, 42);
	assert_int_equal(c.h->nusers, 3);
	assert_int_equal(c.h->ngroups, 3);
	/* sorted by uid */
	assert_int_equal(c.users[0].uid, 200001);
	assert_int_equal(c.users[2].uid, 200003);
	i = iam_cache_find_user(&c, "alice");
	assert_int_equal(i, 0);
	assert_string_equal(iam_cache_str(&c, c.users[i].gecos), "Alice A");
	assert_string_equal(iam_cache_str(&c, c.users[i].home), "/home/alice");
	assert_int_equal(iam_cache_find_uid(&c, 200002), 1);
	assert_true(c.users[1].flags & IAM_CACHE_USER_DISABLED);
	assert_int_equal(iam_cache_find_user(&c, "dave"), -1);
	assert_int_equal(iam_cache_find_uid(&c, 0), -1);
	i = iam_cache_find_group(&c, "developers");
	assert_int_equal(c.groups[i].gid, 300001);
	m = iam_cache_group_members(&c, &c.groups[i], &n);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].until, 0);
	assert_string_equal(iam_cache_str(&c, c.users[m[0].index].name), "alice");
	i = iam_cache_find_gid(&c, 300002);
	m = iam_cache_group_members(&c, &c.groups[i], &n);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].until, 2000000000);
	assert_true(iam_cache_member_active(&m[0], 1999999999));
	assert_false(iam_cache_member_active(&m[0], 2000000000));
	m = iam_cache_user_groups(&c, &c.users[0], &n);
	assert_int_equal(n, 2);
	m = iam_cache_user_groups(&c, &c.users[2], &n);
	assert_int_equal(n, 0);
	/* equal strings are stored once */
	assert_int_equal(c.users[0].shell, c.users[1].shell);
	assert_int_equal(iam_cache_verify_all(&c, NULL), 0);
	assert_false(iam_cache_corrupt(&c));
	iam_cache_close(&c);
}

static void test_builder_refuses(void **state)
{
	struct iam_cache_builder *b = iam_cache_builder_new();

	(void)state;
	assert_true(iam_cache_add_user(b, "alice", 200001, 200001, "", "/h", "/bin/sh", 0) >= 0);
	assert_int_equal(iam_cache_add_user(b, "alice", 200009, 1, "", "/h", "/bin/sh", 0), -EEXIST);
	assert_int_equal(iam_cache_add_user(b, "alice2", 200001, 1, "", "/h", "/bin/sh", 0), -EEXIST);
	assert_int_equal(iam_cache_add_user(b, "root0", 0, 1, "", "/h", "/bin/sh", 0), -EINVAL);
	assert_int_equal(iam_cache_add_user(b, "a:b", 5, 5, "", "/h", "/bin/sh", 0), -EINVAL);
	assert_int_equal(iam_cache_add_user(b, "x", 6, 6, "a:b", "/h", "/bin/sh", 0), -EINVAL);
	assert_int_equal(iam_cache_add_user(b, "y", 7, 7, "line\nbreak", "/h", "/bin/sh", 0), -EINVAL);
	assert_int_equal(iam_cache_add_user(b, "z", 8, 8, "", "relative", "/bin/sh", 0), -EINVAL);
	assert_int_equal(iam_cache_add_group(b, "g", 0), -EINVAL);
	assert_true(iam_cache_add_group(b, "g", 9) >= 0);
	assert_int_equal(iam_cache_add_group(b, "g", 10), -EEXIST);
	assert_int_equal(iam_cache_add_member(b, 5, 0, 0), -EINVAL);
	assert_int_equal(iam_cache_add_member(b, 0, 7, 0), -EINVAL);
	assert_int_equal(iam_cache_user_handle(b, "alice"), 0);
	assert_int_equal(iam_cache_user_handle(b, "nobody"), -1);
	iam_cache_builder_free(b);
}

static void test_empty_cache(void **state)
{
	struct iam_cache_builder *b = iam_cache_builder_new();
	unsigned char *img = NULL;
	struct iam_cache c;
	size_t sz;

	(void)state;
	assert_int_equal(iam_cache_build(b, 1, 1, &img, &sz, NULL), 0);
	assert_int_equal(iam_cache_open(&c, img, sz, NULL), 0);
	assert_int_equal(iam_cache_find_user(&c, "x"), -1);
	assert_int_equal(iam_cache_find_gid(&c, 5), -1);
	iam_cache_close(&c);
	free(img);
	iam_cache_builder_free(b);
}

/* A copy in 8-aligned memory, as mmap gives. */
static unsigned char *copy_of(const unsigned char *src, size_t n)
{
	unsigned char *p = NULL;

	assert_int_equal(posix_memalign((void **)&p, 8, n ? n : 8), 0);
	memcpy(p, src, n);
	return p;
}

static void reseal(unsigned char *img, size_t n)
{
	assert_int_equal(iam_cache_seal(img, n), 0);
}

/* Opens, or fails; a successful open is closed again by the caller. */
static int opened(struct iam_cache *c, unsigned char *p, size_t n)
{
	return iam_cache_open(c, p, n, NULL);
}

static void test_truncated_and_corrupt(void **state)
{
	struct iam_cache c;
	struct iam_err err;
	unsigned char *p;
	size_t cut;

	(void)state;
	build_sample(1);
	for (cut = 0; cut < size; cut += (cut < 256 ? 1 : 97)) {
		p = copy_of(image, cut);
		assert_int_not_equal(iam_cache_open(&c, p, cut, &err), 0);
		free(p);
	}
	/* every single flipped byte is caught: in the header or the chunk
	 * table when the file is opened, in the data when its chunk is read */
	for (cut = 0; cut < size; cut += 13) {
		p = copy_of(image, size);
		p[cut] ^= 0x40;
		if (opened(&c, p, size) == 0) {
			assert_int_not_equal(iam_cache_verify_all(&c, &err), 0);
			assert_true(iam_cache_corrupt(&c));
			iam_cache_close(&c);
		}
		free(p);
	}
	p = copy_of(image, size);
	assert_int_equal(iam_cache_open(&c, p + 1, size - 1, &err), -EINVAL); /* misaligned */
	free(p);
}

static void test_foreign_endian_and_version(void **state)
{
	struct iam_cache c;
	struct iam_err err;
	unsigned char *p;
	struct iam_cache_header *h;

	(void)state;
	build_sample(1);
	p = copy_of(image, size);
	h = (struct iam_cache_header *)(void *)p;
	h->endian = __builtin_bswap32(IAM_CACHE_ENDIAN);
	reseal(p, size);
	assert_int_equal(iam_cache_open(&c, p, size, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "byte order"));
	h->endian = IAM_CACHE_ENDIAN;
	h->version = 2;
	reseal(p, size);
	assert_int_equal(iam_cache_open(&c, p, size, &err), -ENOTSUP);
	free(p);
}

/* Well-sealed but hostile: offsets past the end, loops, huge counts. The
 * open or the lookups must refuse them without reading out of bounds
 * (run under ASan/valgrind to prove it). */
/* A corrupt record is never used: the lookup that needs it fails and the
 * cache says it is corrupt; records in other chunks still work. */
static void test_corrupt_record_not_used(void **state)
{
	struct iam_cache c;
	struct iam_cache_header *h;
	struct iam_cache_user *u;
	unsigned char *p;

	(void)state;
	build_sample(1);
	p = copy_of(image, size);
	h = (struct iam_cache_header *)(void *)p;
	u = (struct iam_cache_user *)(void *)(p + h->sections[IAM_SEC_USERS].offset);
	u[0].uid ^= 1; /* alice's uid, after sealing: the chunk no longer matches */
	assert_int_equal(iam_cache_open(&c, p, size, NULL), 0);
	assert_false(iam_cache_corrupt(&c));
	assert_int_equal(iam_cache_find_user(&c, "alice"), -1);
	assert_null(iam_cache_user(&c, 0));
	assert_true(iam_cache_corrupt(&c));
	iam_cache_close(&c);
	free(p);
}

static void test_hostile_images(void **state)
{
	struct iam_cache c;
	struct iam_cache_header *h;
	struct iam_cache_user *u;
	struct iam_cache_group *g;
	uint32_t *idx;
	unsigned char *p;
	size_t n;

	(void)state;
	build_sample(1);
	/* a section past the end */
	p = copy_of(image, size);
	h = (struct iam_cache_header *)(void *)p;
	h->sections[IAM_SEC_USERS].offset = size - 8;
	reseal(p, size);
	assert_int_equal(iam_cache_open(&c, p, size, NULL), -EINVAL);
	free(p);
	/* a huge user count */
	p = copy_of(image, size);
	h = (struct iam_cache_header *)(void *)p;
	h->nusers = 0x7fffffff;
	reseal(p, size);
	assert_int_equal(iam_cache_open(&c, p, size, NULL), -EINVAL);
	free(p);
	/* records pointing outside the strings and members sections */
	p = copy_of(image, size);
	h = (struct iam_cache_header *)(void *)p;
	u = (struct iam_cache_user *)(void *)(p + h->sections[IAM_SEC_USERS].offset);
	g = (struct iam_cache_group *)(void *)(p + h->sections[IAM_SEC_GROUPS].offset);
	u[0].name = 0xfffffff0;
	u[1].groups_first = 0xffffff00;
	u[1].groups_count = 0x200;
	g[0].members_count = 0xffffffff;
	reseal(p, size);
	assert_int_equal(iam_cache_open(&c, p, size, NULL), 0);
	assert_null(iam_cache_str(&c, u[0].name));
	assert_int_equal(iam_cache_find_user(&c, "alice"), -1);
	assert_null(iam_cache_user_groups(&c, &c.users[1], &n));
	assert_int_equal(n, 0);
	assert_null(iam_cache_group_members(&c, &c.groups[0], &n));
	iam_cache_close(&c);
	free(p);
	/* an index full of entries that point nowhere: the probe still ends */
	p = copy_of(image, size);
	h = (struct iam_cache_header *)(void *)p;
	idx = (uint32_t *)(void *)(p + h->sections[IAM_SEC_IDX_UID].offset);
	for (n = 0; n < h->sections[IAM_SEC_IDX_UID].size / 4; n++)
		idx[n] = 0x7fffffff;
	reseal(p, size);
	assert_int_equal(iam_cache_open(&c, p, size, NULL), 0);
	assert_int_equal(iam_cache_find_uid(&c, 200001), -1);
	iam_cache_close(&c);
	idx[0] = 0;
	reseal(p, size);
	assert_int_equal(iam_cache_open(&c, p, size, NULL), 0);
	assert_int_equal(iam_cache_find_uid(&c, 200001), -1);
	iam_cache_close(&c);
	free(p);
	/* strings that do not end with a NUL */
	p = copy_of(image, size);
	h = (struct iam_cache_header *)(void *)p;
	p[h->sections[IAM_SEC_STRINGS].offset + h->sections[IAM_SEC_STRINGS].size - 1] = 'x';
	reseal(p, size);
	assert_int_equal(iam_cache_open(&c, p, size, NULL), -EINVAL);
	free(p);
}

static void test_files(void **state)
{
	char dir[] = "/tmp/test_cache.XXXXXX", path[64];
	struct iam_err err;
	uint64_t serial = 99;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/nss.cache", dir);
	assert_int_equal(iam_cache_file_serial(path, &serial, &err), 0);
	assert_int_equal(serial, 0); /* none yet */
	build_sample(7);
	assert_int_equal(iam_cache_write_file(path, image, size, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal((size_t)st.st_size, size);
	assert_int_equal(iam_cache_file_serial(path, &serial, &err), 0);
	assert_int_equal(serial, 7);
	/* a broken file is reported, not taken for "no cache" */
	assert_int_equal(truncate(path, 100), 0);
	assert_int_not_equal(iam_cache_file_serial(path, &serial, &err), 0);
	/* a failed write leaves the old file: here the directory is gone */
	unlink(path);
	rmdir(dir);
	assert_int_not_equal(iam_cache_write_file(path, image, size, &err), 0);
	assert_int_not_equal(access(path, F_OK), 0);
}

/* A user in 2,000 groups and a group of 50,000 members. */
static void test_large_memberships(void **state)
{
	struct iam_cache_builder *b = iam_cache_builder_new();
	unsigned char *img = NULL;
	struct iam_cache c;
	size_t sz, n;
	long big, u0 = -1, i;
	char name[32];

	(void)state;
	for (i = 0; i < 50000; i++) {
		snprintf(name, sizeof(name), "u%ld", i);
		assert_true(iam_cache_add_user(b, name, 200000 + (uint32_t)i, 200000 + (uint32_t)i, "",
					       "/home/u", "/bin/sh", 0) >= 0);
	}
	u0 = iam_cache_user_handle(b, "u0");
	big = iam_cache_add_group(b, "everyone", 400000);
	for (i = 0; i < 50000; i++)
		assert_int_equal(iam_cache_add_member(b, big, i, 0), 0);
	for (i = 0; i < 2000; i++) {
		long g;

		snprintf(name, sizeof(name), "g%ld", i);
		g = iam_cache_add_group(b, name, 410000 + (uint32_t)i);
		assert_int_equal(iam_cache_add_member(b, g, u0, 0), 0);
	}
	assert_int_equal(iam_cache_build(b, 1, 1, &img, &sz, NULL), 0);
	assert_int_equal(iam_cache_open(&c, img, sz, NULL), 0);
	i = iam_cache_find_group(&c, "everyone");
	iam_cache_group_members(&c, &c.groups[i], &n);
	assert_int_equal(n, 50000);
	iam_cache_user_groups(&c, &c.users[iam_cache_find_user(&c, "u0")], &n);
	assert_int_equal(n, 2001);
	assert_int_equal(iam_cache_find_uid(&c, 249999), 49999);
	assert_int_equal(iam_cache_verify_all(&c, NULL), 0);
	iam_cache_close(&c);
	free(img);
	iam_cache_builder_free(b);
}

static int teardown(void **state)
{
	(void)state;
	free(image);
	image = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_and_find),
		cmocka_unit_test(test_builder_refuses),
		cmocka_unit_test(test_empty_cache),
		cmocka_unit_test(test_truncated_and_corrupt),
		cmocka_unit_test(test_foreign_endian_and_version),
		cmocka_unit_test(test_corrupt_record_not_used),
		cmocka_unit_test(test_hostile_images),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_large_memberships),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}

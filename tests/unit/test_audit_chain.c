/*
 * Unit tests for common/audit_chain.c: the audit log's hash chain and the
 * text the audit head signature covers. The known answers were computed
 * apart from this code (Python's hashlib over the netstrings written out by
 * hand) and are recomputed here with OpenSSL's SHA256() over the same text.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/sha.h>

#include "audit_chain.h"
#include "encode.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct iam_audit_record first = {
	.seq = 1,
	.time = 1700000000,
	.source = "admin",
	.event_id = "ev-1",
	.type = "login",
	.actor = "alice",
	.data = "{\"result\":\"allow\"}",
};

/* netstring(prev) ... netstring(data) for `first`, spelled out. */
static const char first_text[] =
	"64:" IAM_AUDIT_GENESIS ","
	"1:1,"
	"10:1700000000,"
	"5:admin,"
	"4:ev-1,"
	"5:login,"
	"5:alice,"
	"18:{\"result\":\"allow\"},";
#define FIRST_HASH "a88bdaccda1d2932ce12fb6ea990d33727611f90a0e54061eddef435b2cd7204"

/* The second link: negative numbers and every text field NULL. */
#define SECOND_HASH "91fcbbf45f7b39149a609a70564532ee59ca29f9e8e3abdcebd5ecdcd06ac2c3"

static void sha256_text(const char *text, char out[IAM_SHA256_HEX_LEN + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	assert_non_null(SHA256((const unsigned char *)text, strlen(text), md));
	iam_hex_encode(md, sizeof(md), out);
}

static void test_known_answer(void **state)
{
	char hash[IAM_SHA256_HEX_LEN + 1], by_hand[IAM_SHA256_HEX_LEN + 1];
	struct iam_audit_record second = { .seq = -7, .time = -1 };

	(void)state;
	assert_int_equal(strlen(IAM_AUDIT_GENESIS), 64);
	sha256_text(first_text, by_hand);
	assert_string_equal(by_hand, FIRST_HASH);
	assert_int_equal(iam_audit_hash(&first, IAM_AUDIT_GENESIS, hash), 0);
	assert_string_equal(hash, FIRST_HASH);

	assert_int_equal(iam_audit_hash(&second, FIRST_HASH, hash), 0);
	assert_string_equal(hash, SECOND_HASH);
}

static void test_every_field_counts(void **state)
{
	static const char *const other = "X";
	char base[IAM_SHA256_HEX_LEN + 1], hash[IAM_SHA256_HEX_LEN + 1];
	struct iam_audit_record r;
	int field;

	(void)state;
	assert_int_equal(iam_audit_hash(&first, IAM_AUDIT_GENESIS, base), 0);
	for (field = 0; field < 8; field++) {
		const char *prev = IAM_AUDIT_GENESIS;

		r = first;
		switch (field) {
		case 0: prev = FIRST_HASH; break;
		case 1: r.seq = 2; break;
		case 2: r.time = 1700000001; break;
		case 3: r.source = other; break;
		case 4: r.event_id = other; break;
		case 5: r.type = other; break;
		case 6: r.actor = other; break;
		default: r.data = "{\"result\":\"deny\"}"; break;
		}
		assert_int_equal(iam_audit_hash(&r, prev, hash), 0);
		if (strcmp(hash, base) == 0)
			fail_msg("changing field %d left the hash unchanged", field);
	}
	/* The same record hashes the same every time. */
	assert_int_equal(iam_audit_hash(&first, IAM_AUDIT_GENESIS, hash), 0);
	assert_string_equal(hash, base);
}

static void test_field_boundaries(void **state)
{
	struct iam_audit_record a = first, b = first;
	char ha[IAM_SHA256_HEX_LEN + 1], hb[IAM_SHA256_HEX_LEN + 1];

	(void)state;
	/* Without length prefixes these two would hash the same bytes. */
	a.source = "ab";
	a.event_id = "c";
	b.source = "a";
	b.event_id = "bc";
	assert_int_equal(iam_audit_hash(&a, IAM_AUDIT_GENESIS, ha), 0);
	assert_int_equal(iam_audit_hash(&b, IAM_AUDIT_GENESIS, hb), 0);
	assert_string_not_equal(ha, hb);

	/* A field cannot smuggle a forged netstring into the next one. */
	a = first;
	b = first;
	a.type = "login";
	a.actor = "alice";
	b.type = "login,5:alice";
	b.actor = "";
	assert_int_equal(iam_audit_hash(&a, IAM_AUDIT_GENESIS, ha), 0);
	assert_int_equal(iam_audit_hash(&b, IAM_AUDIT_GENESIS, hb), 0);
	assert_string_not_equal(ha, hb);

	/* Numbers are fields too: seq 11, time 1 against seq 1, time 11. */
	a = first;
	b = first;
	a.seq = 11;
	a.time = 1;
	b.seq = 1;
	b.time = 11;
	assert_int_equal(iam_audit_hash(&a, IAM_AUDIT_GENESIS, ha), 0);
	assert_int_equal(iam_audit_hash(&b, IAM_AUDIT_GENESIS, hb), 0);
	assert_string_not_equal(ha, hb);
}

static void test_null_fields(void **state)
{
	struct iam_audit_record a = first, b = first, dash = first;
	char ha[IAM_SHA256_HEX_LEN + 1], hb[IAM_SHA256_HEX_LEN + 1];
	char by_hand[IAM_SHA256_HEX_LEN + 1], text[512];

	(void)state;
	a.actor = NULL;
	a.data = NULL;
	b.actor = "";
	b.data = "";
	assert_int_equal(iam_audit_hash(&a, IAM_AUDIT_GENESIS, ha), 0);
	assert_int_equal(iam_audit_hash(&b, IAM_AUDIT_GENESIS, hb), 0);
	assert_string_equal(ha, hb);
	snprintf(text, sizeof(text), "64:%s,1:1,10:1700000000,5:admin,4:ev-1,5:login,0:,0:,",
		 IAM_AUDIT_GENESIS);
	sha256_text(text, by_hand);
	assert_string_equal(ha, by_hand);
	/* "" is not "-". */
	dash.actor = "-";
	dash.data = "";
	assert_int_equal(iam_audit_hash(&dash, IAM_AUDIT_GENESIS, hb), 0);
	assert_string_not_equal(ha, hb);
}

static void test_extreme_numbers(void **state)
{
	struct iam_audit_record r = first;
	char hash[IAM_SHA256_HEX_LEN + 1], by_hand[IAM_SHA256_HEX_LEN + 1];
	char text[512];

	(void)state;
	r.seq = INT64_MAX;
	r.time = INT64_MIN;
	assert_int_equal(iam_audit_hash(&r, IAM_AUDIT_GENESIS, hash), 0);
	snprintf(text, sizeof(text),
		 "64:%s,19:9223372036854775807,20:-9223372036854775808,5:admin,4:ev-1,"
		 "5:login,5:alice,18:{\"result\":\"allow\"},", IAM_AUDIT_GENESIS);
	sha256_text(text, by_hand);
	assert_string_equal(hash, by_hand);
}

static void test_head_message(void **state)
{
	static const char expect[] = "iam-audit-head:42:" FIRST_HASH;
	char out[sizeof(expect) + 8];

	(void)state;
	assert_int_equal(iam_audit_head_message(42, FIRST_HASH, out, sizeof(out)), 0);
	assert_string_equal(out, expect);
	/* Exactly enough room, then one byte short. */
	assert_int_equal(iam_audit_head_message(42, FIRST_HASH, out, sizeof(expect)), 0);
	assert_string_equal(out, expect);
	assert_int_equal(iam_audit_head_message(42, FIRST_HASH, out, sizeof(expect) - 1),
			 -ENOSPC);
	assert_int_equal(iam_audit_head_message(42, FIRST_HASH, out, 0), -ENOSPC);

	assert_int_equal(iam_audit_head_message(0, IAM_AUDIT_GENESIS, out, sizeof(out)), 0);
	assert_string_equal(out, "iam-audit-head:0:" IAM_AUDIT_GENESIS);
	assert_int_equal(iam_audit_head_message(-3, "h", out, sizeof(out)), 0);
	assert_string_equal(out, "iam-audit-head:-3:h");
	assert_int_equal(iam_audit_head_message(INT64_MAX, "", out, sizeof(out)), 0);
	assert_string_equal(out, "iam-audit-head:9223372036854775807:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_every_field_counts),
		cmocka_unit_test(test_field_boundaries),
		cmocka_unit_test(test_null_fields),
		cmocka_unit_test(test_extreme_numbers),
		cmocka_unit_test(test_head_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

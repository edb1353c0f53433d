/*
 * Unit tests for the small foundations in common/: the growable buffer
 * (iam_buf.c), secret handling (secmem.c), encodings and digests
 * (encode.c) and the key=value log line helpers (log.c).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "encode.h"
#include "iam_buf.h"
#include "log.h"
#include "secmem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- iam_buf ------------------------------------------------------- */

static void test_buf_empty(void **state)
{
	struct iam_buf b;

	(void)state;
	iam_buf_init(&b, 0);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(iam_buf_str(&b), "");
	/* An empty append still gives a NUL-terminated heap string. */
	assert_int_equal(iam_buf_append(&b, "", 0), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	iam_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
}

static void test_buf_growth(void **state)
{
	struct iam_buf b;
	char expect[5001];
	size_t i;

	(void)state;
	iam_buf_init(&b, 0);
	for (i = 0; i < 5000; i++) {
		char c = (char)('a' + i % 26);

		expect[i] = c;
		assert_int_equal(iam_buf_append(&b, &c, 1), 0);
		assert_int_equal(b.len, i + 1);
		assert_true(b.cap > b.len);
		assert_int_equal(b.data[b.len], '\0');
	}
	expect[5000] = '\0';
	assert_string_equal(iam_buf_str(&b), expect);
	/* Binary data keeps its bytes, NULs included. */
	iam_buf_reset(&b);
	assert_int_equal(iam_buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4);
	iam_buf_free(&b);
}

static void test_buf_puts(void **state)
{
	struct iam_buf b;

	(void)state;
	iam_buf_init(&b, 0);
	assert_int_equal(iam_buf_puts(&b, "hello"), 0);
	assert_int_equal(iam_buf_puts(&b, ", "), 0);
	assert_int_equal(iam_buf_puts(&b, "world"), 0);
	assert_string_equal(iam_buf_str(&b), "hello, world");
	assert_int_equal(b.len, 12);
	iam_buf_free(&b);
}

static void test_buf_limit(void **state)
{
	struct iam_buf b;
	const char *before;

	(void)state;
	iam_buf_init(&b, 10);
	assert_int_equal(iam_buf_puts(&b, "12345678"), 0);
	before = b.data;
	/* One byte too many: refused, and nothing about b changes. */
	assert_int_equal(iam_buf_puts(&b, "abc"), -E2BIG);
	assert_int_equal(b.len, 8);
	assert_ptr_equal(b.data, before);
	assert_string_equal(iam_buf_str(&b), "12345678");
	assert_int_equal(iam_buf_printf(&b, "%d", 123), -E2BIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(iam_buf_str(&b), "12345678");
	/* Exactly at the limit is fine; beyond it is not, even by one byte. */
	assert_int_equal(iam_buf_printf(&b, "%d", 9), 0);
	assert_int_equal(iam_buf_puts(&b, "0"), 0);
	assert_int_equal(b.len, 10);
	assert_string_equal(iam_buf_str(&b), "1234567890");
	assert_int_equal(iam_buf_append(&b, "x", 1), -E2BIG);
	assert_string_equal(iam_buf_str(&b), "1234567890");
	iam_buf_free(&b);

	/* A single append larger than the limit on an empty buffer. */
	iam_buf_init(&b, 4);
	assert_int_equal(iam_buf_append(&b, "hello", 5), -E2BIG);
	assert_int_equal(b.len, 0);
	assert_string_equal(iam_buf_str(&b), "");
	/* An absurd length cannot wrap the size computation. */
	assert_int_equal(iam_buf_append(&b, "x", SIZE_MAX), -E2BIG);
	iam_buf_free(&b);
}

static void test_buf_printf(void **state)
{
	struct iam_buf b;
	char big[300];

	(void)state;
	iam_buf_init(&b, 0);
	assert_int_equal(iam_buf_printf(&b, "%s=%d", "uid", 200001), 0);
	assert_int_equal(iam_buf_printf(&b, " %05.1f|%-4s|%c", 3.14159, "ab", 'z'), 0);
	assert_string_equal(iam_buf_str(&b), "uid=200001 003.1|ab  |z");
	assert_int_equal(b.len, strlen("uid=200001 003.1|ab  |z"));
	/* Longer than the first allocation, to force growth inside printf. */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	iam_buf_reset(&b);
	assert_int_equal(iam_buf_printf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, sizeof(big) + 1);
	assert_int_equal(b.data[0], '<');
	assert_int_equal(b.data[b.len - 1], '>');
	assert_int_equal(b.data[b.len], '\0');
	iam_buf_free(&b);
}

static void test_buf_steal(void **state)
{
	struct iam_buf b;
	char *s;

	(void)state;
	iam_buf_init(&b, 100);
	assert_int_equal(iam_buf_puts(&b, "token"), 0);
	s = iam_buf_steal(&b);
	assert_string_equal(s, "token");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.limit, 100);
	assert_string_equal(iam_buf_str(&b), "");
	free(s);
	/* The buffer is usable after a steal. */
	assert_int_equal(iam_buf_puts(&b, "again"), 0);
	assert_string_equal(iam_buf_str(&b), "again");
	iam_buf_free(&b);
	/* Stealing from an empty buffer gives an empty heap string. */
	iam_buf_init(&b, 0);
	s = iam_buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

static void test_buf_reset(void **state)
{
	struct iam_buf b;
	size_t cap;

	(void)state;
	iam_buf_init(&b, 0);
	iam_buf_reset(&b); /* reset of a never-used buffer is harmless */
	assert_int_equal(b.len, 0);
	assert_int_equal(iam_buf_puts(&b, "password=hunter2"), 0);
	cap = b.cap;
	iam_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(iam_buf_str(&b), "");
	/* The old bytes are wiped, not only hidden behind a NUL. */
	assert_null(memmem(b.data, strlen("password=hunter2"), "hunter2", 7));
	assert_int_equal(b.cap, cap);
	assert_int_equal(iam_buf_puts(&b, "x"), 0);
	assert_string_equal(iam_buf_str(&b), "x");
	iam_buf_free(&b);
}

/* ---- secmem -------------------------------------------------------- */

static void test_ct_equal(void **state)
{
	(void)state;
	assert_int_equal(iam_ct_equal("abcdef", "abcdef", 6), 1);
	assert_int_equal(iam_ct_equal("abcdef", "abcdeg", 6), 0);
	assert_int_equal(iam_ct_equal("xbcdef", "abcdef", 6), 0);
	/* Only the first n bytes count. */
	assert_int_equal(iam_ct_equal("abcdeX", "abcdeY", 5), 1);
	assert_int_equal(iam_ct_equal("a", "b", 0), 1);
}

static void test_ct_streq(void **state)
{
	(void)state;
	assert_int_equal(iam_ct_streq("secret", "secret"), 1);
	assert_int_equal(iam_ct_streq("", ""), 1);
	assert_int_equal(iam_ct_streq("secret", "secreT"), 0);
	assert_int_equal(iam_ct_streq("secret", "secret2"), 0);
	assert_int_equal(iam_ct_streq("secret2", "secret"), 0);
	assert_int_equal(iam_ct_streq("", "x"), 0);
}

static void test_wipe_and_free_secret(void **state)
{
	unsigned char bytes[8];
	size_t i;

	(void)state;
	memset(bytes, 0xa5, sizeof(bytes));
	iam_wipe(bytes, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(bytes[i], 0);
	for (; i < sizeof(bytes); i++)
		assert_int_equal(bytes[i], 0xa5);
	iam_wipe(NULL, 10);
	iam_free_secret(NULL);
	iam_free_secret(strdup("hunter2")); /* valgrind proves it is freed */
}

static void test_random_bytes(void **state)
{
	unsigned char a[32], b[32], zero[32];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(iam_random_bytes(a, sizeof(a)), 0);
	assert_int_equal(iam_random_bytes(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(iam_random_bytes(a, 0), 0);
}

/* ---- encode -------------------------------------------------------- */

/* RFC 4648 section 10. */
static const struct {
	const char *raw;
	const char *b64;
} rfc4648[] = {
	{ "f", "Zg==" },     { "fo", "Zm8=" },     { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

static void test_b64_vectors(void **state)
{
	unsigned char raw[16];
	char text[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < N(rfc4648); i++) {
		size_t len = strlen(rfc4648[i].raw);

		assert_int_equal(iam_b64_encode((const unsigned char *)rfc4648[i].raw, len,
						text, sizeof(text)), 0);
		assert_string_equal(text, rfc4648[i].b64);
		n = 99;
		assert_int_equal(iam_b64_decode(rfc4648[i].b64, raw, sizeof(raw), &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(raw, rfc4648[i].raw, len);
	}
	assert_int_equal(iam_b64_encode(NULL, 0, text, sizeof(text)), 0);
	assert_string_equal(text, "");
}

static void test_b64_round_trip(void **state)
{
	/* out has room for whole groups of three, as decoding asks. */
	unsigned char in[100], out[102];
	char text[4 * 34 + 1];
	size_t len, n, i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (len = 1; len <= sizeof(in); len++) {
		assert_int_equal(iam_b64_encode(in, len, text, sizeof(text)), 0);
		assert_int_equal(strlen(text), 4 * ((len + 2) / 3));
		memset(out, 0, sizeof(out));
		assert_int_equal(iam_b64_decode(text, out, sizeof(out), &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, in, len);
	}
}

static void test_b64_sizes(void **state)
{
	unsigned char out[3];
	char text[9];
	size_t n = 0;

	(void)state;
	/* "foobar" needs 8 characters plus the NUL. */
	assert_int_equal(iam_b64_encode((const unsigned char *)"foobar", 6, text, 8), -ENOSPC);
	assert_int_equal(iam_b64_encode((const unsigned char *)"foobar", 6, text, 9), 0);
	assert_string_equal(text, "Zm9vYmFy");
	/* Decoding needs room for three bytes per group of four. */
	assert_int_equal(iam_b64_decode("Zm9vYmFy", out, sizeof(out), &n), -ENOSPC);
	assert_int_equal(iam_b64_decode("Zm9v", out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
}

static void test_b64_strict(void **state)
{
	static const char *const bad[] = {
		"",                            /* nothing */
		"Zm9", "Zm9vY", "Zm9vYm",      /* length not a multiple of 4 */
		"Zm9v\n", "\nZm9v", " Zm9v",   /* whitespace */
		"Zm9v ", "Zm 9v", "Zm9v\tYmFy", "Zm9v\r\n",
		"Zm9-", "Zm9_", "Zm9!", "Zm9v*mFy", /* characters outside the alphabet */
		"Zm9\xc3\xa9",
		"Zg=", "Z===", "====", "Zg=a", "=Zg=", "Zm=v", /* bad padding */
		"Zg==Zg==", "Zm9v====", "Zm8=Zm8=",
		/* non-canonical: bits after the last byte are not zero */
		"Zh==", "Zv==", "Zm9=", "Zm/=", "Zm9vYh==",
	};
	unsigned char out[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		n = 12345;
		if (iam_b64_decode(bad[i], out, sizeof(out), &n) != -EINVAL)
			fail_msg("accepted bad base64 \"%s\"", bad[i]);
		assert_int_equal(n, 12345);
	}
}

static void test_b64url(void **state)
{
	static const unsigned char raw[] = { 0xfb, 0xff, 0xbf };
	unsigned char zeros[32];
	char text[48];

	(void)state;
	/* Standard base64 would be "+/+/": the two characters that differ. */
	assert_int_equal(iam_b64url_encode(raw, 3, text, sizeof(text)), 0);
	assert_string_equal(text, "-_-_");
	/* No padding. */
	assert_int_equal(iam_b64url_encode(raw, 2, text, sizeof(text)), 0);
	assert_string_equal(text, "-_8");
	assert_int_equal(iam_b64url_encode(raw, 1, text, sizeof(text)), 0);
	assert_string_equal(text, "-w");
	/* 32 bytes, as in a token's secret: 43 characters. */
	memset(zeros, 0, sizeof(zeros));
	assert_int_equal(iam_b64url_encode(zeros, sizeof(zeros), text, sizeof(text)), 0);
	assert_int_equal(strlen(text), 43);
	assert_string_equal(text, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	/* The buffer must hold the padded form before it is stripped. */
	assert_int_equal(iam_b64url_encode(zeros, sizeof(zeros), text, 44), -ENOSPC);
}

static void test_hex(void **state)
{
	static const unsigned char raw[] = { 0x00, 0x01, 0xab, 0x7f, 0xff };
	char text[11];

	(void)state;
	memset(text, 'X', sizeof(text));
	iam_hex_encode(raw, sizeof(raw), text);
	assert_string_equal(text, "0001ab7fff");
	iam_hex_encode(raw, 0, text);
	assert_string_equal(text, "");
}

static void test_sha256(void **state)
{
	char hex[IAM_SHA256_HEX_LEN + 1];

	(void)state;
	assert_int_equal(iam_sha256_hex("abc", 3, hex), 0);
	assert_string_equal(hex,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(iam_sha256_hex("", 0, hex), 0);
	assert_string_equal(hex,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(iam_sha256_hex(
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex), 0);
	assert_string_equal(hex,
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* ---- log ----------------------------------------------------------- */

static void kv_expect(const char *value, const char *expect)
{
	struct iam_buf b;

	iam_buf_init(&b, 0);
	assert_int_equal(iam_kv_add(&b, "k", value), 0);
	assert_string_equal(iam_buf_str(&b), expect);
	iam_buf_free(&b);
}

static void test_kv_quoting(void **state)
{
	(void)state;
	kv_expect("alice", "k=alice");
	kv_expect("web-1.example.com:22/x", "k=web-1.example.com:22/x");
	kv_expect(NULL, "k=-");
	kv_expect("", "k=\"\"");
	kv_expect("a b", "k=\"a b\"");
	kv_expect("say \"hi\"", "k=\"say \\\"hi\\\"\"");
	kv_expect("a=b", "k=\"a=b\"");
	kv_expect("c:\\dir", "k=\"c:\\\\dir\"");
	kv_expect("line1\nline2", "k=\"line1\\x0aline2\"");
	kv_expect("cr\r", "k=\"cr\\x0d\"");
	kv_expect("tab\there", "k=\"tab\\x09here\"");
	kv_expect("del\x7f", "k=\"del\\x7f\"");
	kv_expect("\x1b[31m", "k=\"\\x1b[31m\"");
	/* UTF-8 is left alone: it cannot forge a field or a line. */
	kv_expect("J\xc3\xbcrgen", "k=J\xc3\xbcrgen");
}

static void test_kv_fields(void **state)
{
	struct iam_buf b;

	(void)state;
	iam_buf_init(&b, 0);
	assert_int_equal(iam_kv_add(&b, "event", "login"), 0);
	assert_string_equal(iam_buf_str(&b), "event=login");
	assert_int_equal(iam_kv_add(&b, "result", "deny"), 0);
	assert_int_equal(iam_kv_add(&b, "user", "mallory result=allow"), 0);
	assert_int_equal(iam_kv_addll(&b, "uid", -200001LL), 0);
	assert_int_equal(iam_kv_addf(&b, "where", "%s:%d", "web1", 22), 0);
	assert_int_equal(iam_kv_addf(&b, "why", "%s", "two words"), 0);
	assert_string_equal(iam_buf_str(&b),
		"event=login result=deny user=\"mallory result=allow\" uid=-200001 "
		"where=web1:22 why=\"two words\"");
	iam_buf_free(&b);
}

static void test_kv_limit(void **state)
{
	struct iam_buf b;

	(void)state;
	iam_buf_init(&b, 12);
	assert_int_equal(iam_kv_add(&b, "event", "login"), 0);
	assert_int_equal(iam_kv_add(&b, "user", "alice"), -E2BIG);
	iam_buf_free(&b);
}

/* iam_log to stderr: one line with the ident and the priority; debug lines
 * only when debug is on. stderr is pointed at a temporary file meanwhile. */
static void test_log_stderr(void **state)
{
	char path[] = "/tmp/iam_test_log.XXXXXX";
	char text[1024];
	int fd, saved;
	ssize_t n;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);

	iam_log_init("iam-test", IAM_LOG_STDERR, 0);
	assert_int_equal(iam_log_debug_enabled(), 0);
	iam_log(LOG_INFO, "hello %s", "world");
	iam_log(LOG_DEBUG, "hidden");
	iam_log_init("iam-test", IAM_LOG_STDERR, 1);
	assert_int_equal(iam_log_debug_enabled(), 1);
	iam_log(LOG_DEBUG, "shown");
	iam_log(LOG_ERR, "bad %d", 7);
	iam_log_init("iam-test", IAM_LOG_STDERR, 0);
	fflush(stderr);

	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	text[n] = '\0';
	assert_non_null(strstr(text, " iam-test[info]: hello world\n"));
	assert_non_null(strstr(text, " iam-test[debug]: shown\n"));
	assert_non_null(strstr(text, " iam-test[error]: bad 7\n"));
	assert_null(strstr(text, "hidden"));
	/* A UTC time stamp starts every line. */
	assert_true(text[4] == '-' && text[10] == 'T' && strchr(text, 'Z') != NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_empty),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_puts),
		cmocka_unit_test(test_buf_limit),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_buf_steal),
		cmocka_unit_test(test_buf_reset),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_ct_streq),
		cmocka_unit_test(test_wipe_and_free_secret),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_b64_vectors),
		cmocka_unit_test(test_b64_round_trip),
		cmocka_unit_test(test_b64_sizes),
		cmocka_unit_test(test_b64_strict),
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_kv_quoting),
		cmocka_unit_test(test_kv_fields),
		cmocka_unit_test(test_kv_limit),
		cmocka_unit_test(test_log_stderr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

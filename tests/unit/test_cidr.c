/* Unit tests for common/cidr.c: source-network conditions. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cidr.h"
#include "iam_buf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_addr_parse(void **state)
{
	static const unsigned char v6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	struct iam_addr a;

	(void)state;
	assert_int_equal(iam_addr_parse("10.8.1.2", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, "\x0a\x08\x01\x02", 4);

	assert_int_equal(iam_addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.bytes, v6, 16);

	/* IPv4-mapped IPv6 becomes IPv4, in either spelling. */
	assert_int_equal(iam_addr_parse("::ffff:10.8.1.2", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, "\x0a\x08\x01\x02", 4);
	assert_int_equal(iam_addr_parse("::FFFF:a08:102", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, "\x0a\x08\x01\x02", 4);
	/* IPv4-compatible (deprecated) and NAT64 stay IPv6. */
	assert_int_equal(iam_addr_parse("::10.8.1.2", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(iam_addr_parse("64:ff9b::10.8.1.2", &a), 0);
	assert_int_equal(a.family, AF_INET6);
}

static void test_addr_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "10.8.1", "10.8.1.2.3", "10.8.1.256", "010.8.1.2", "10.8.1.2 ",
		" 10.8.1.2", "0x0a.8.1.2", "10.8.1.2/32", "localhost",
		"example.com", "fe80::1%eth0", "fe80::1%1", "2001:db8:::1",
		"2001:db8::g", "1", "4294967295", "::ffff:10.8.1", "[::1]",
		"10.8.1.2\n", "2001:db8::1:2:3:4:5:6:7",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999",
		"0000:0000:0000:0000:0000:ffff:255.255.255.255:1",
	};
	struct iam_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++)
		if (iam_addr_parse(bad[i], &a) != -EINVAL)
			fail_msg("\"%s\" should be refused", bad[i]);
	assert_int_equal(iam_addr_parse(NULL, &a), -EINVAL);
}

/* Parses s, then checks the canonical text and prefix. */
static void check_cidr(const char *s, const char *canonical, int family)
{
	struct iam_err err = { "" };
	struct iam_cidr c;
	char buf[64];

	if (iam_cidr_parse(s, &c, &err) != 0)
		fail_msg("\"%s\" refused: %s", s, err.msg);
	assert_int_equal(c.net.family, family);
	iam_cidr_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, canonical);
}

static void test_cidr_parse(void **state)
{
	(void)state;
	check_cidr("10.8.0.0/16", "10.8.0.0/16", AF_INET);
	check_cidr("10.8.1.2", "10.8.1.2/32", AF_INET);
	check_cidr("10.8.1.2/32", "10.8.1.2/32", AF_INET);
	check_cidr("0.0.0.0/0", "0.0.0.0/0", AF_INET);
	check_cidr("192.168.1.128/25", "192.168.1.128/25", AF_INET);
	check_cidr("2001:db8::/32", "2001:db8::/32", AF_INET6);
	check_cidr("2001:DB8:0:0::/64", "2001:db8::/64", AF_INET6);
	check_cidr("::1", "::1/128", AF_INET6);
	check_cidr("::/0", "::/0", AF_INET6);
	check_cidr("2001:db8::8000/113", "2001:db8::8000/113", AF_INET6);
	/* Mapped prefixes become the IPv4 prefix they stand for. */
	check_cidr("::ffff:10.8.0.0/112", "10.8.0.0/16", AF_INET);
	check_cidr("::ffff:10.8.1.2", "10.8.1.2/32", AF_INET);
	check_cidr("::ffff:0.0.0.0/96", "0.0.0.0/0", AF_INET);
	/* Shorter than /96 it is an IPv6 prefix that covers more. */
	check_cidr("::fffe:0:0/95", "::fffe:0:0/95", AF_INET6);
}

static void test_cidr_host_bits(void **state)
{
	struct iam_err err = { "" };
	struct iam_cidr c = { { 0, { 0 } }, 99 };

	(void)state;
	assert_int_equal(iam_cidr_parse("10.8.0.1/16", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "did you mean 10.8.0.0/16?"));
	assert_non_null(strstr(err.msg, "10.8.0.1/16"));
	assert_int_equal(c.prefix, 99);         /* untouched */

	assert_int_equal(iam_cidr_parse("192.168.1.200/25", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "did you mean 192.168.1.128/25?"));
	assert_int_equal(iam_cidr_parse("10.0.0.0/0", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "did you mean 0.0.0.0/0?"));
	assert_int_equal(iam_cidr_parse("2001:db8::1/32", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "did you mean 2001:db8::/32?"));
	assert_int_equal(iam_cidr_parse("::ffff:10.8.0.1/112", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "did you mean ::ffff:10.8.0.0/112?"));
	/* err may be NULL. */
	assert_int_equal(iam_cidr_parse("10.8.0.1/16", &c, NULL), -EINVAL);
}

static void test_cidr_rejects(void **state)
{
	static const char *const bad[] = {
		"", "/16", "10.8.0.0/", "10.8.0.0/33", "10.8.0.0/-1",
		"10.8.0.0/+16", "10.8.0.0/016", "10.8.0.0/ 16", "10.8.0.0 /16",
		"10.8.0.0/16 ", "10.8.0.0/16/16", "10.8.0.0/1a", "10.8.0.0/0x10",
		"10.8.0.0/99999999999999999999", "2001:db8::/129",
		"2001:db8::/1280", "fe80::%eth0/64", "fe80::/64%eth0",
		"host.example.com/32", "10.8/16", "10.8.0.0,10.9.0.0",
		"10.8.0.0/16\n",
	};
	struct iam_err err;
	struct iam_cidr c;
	char longbuf[200];
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		err.msg[0] = '\0';
		if (iam_cidr_parse(bad[i], &c, &err) != -EINVAL)
			fail_msg("\"%s\" should be refused", bad[i]);
		if (err.msg[0] == '\0')
			fail_msg("\"%s\" refused without a message", bad[i]);
	}
	memset(longbuf, '1', sizeof(longbuf) - 1);
	longbuf[sizeof(longbuf) - 1] = '\0';
	assert_int_equal(iam_cidr_parse(longbuf, &c, &err), -EINVAL);
	assert_int_equal(iam_cidr_parse(NULL, &c, &err), -EINVAL);
	assert_int_equal(iam_cidr_parse("10.8.0.0/33", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "0 to 32"));
	assert_int_equal(iam_cidr_parse("example.com", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "example.com"));
}

static int match(const char *cidr, const char *addr)
{
	struct iam_cidr c;
	struct iam_addr a;

	if (iam_cidr_parse(cidr, &c, NULL) != 0)
		fail_msg("\"%s\" refused", cidr);
	if (iam_addr_parse(addr, &a) != 0)
		fail_msg("\"%s\" refused", addr);
	return iam_cidr_match(&c, &a);
}

static void test_cidr_match(void **state)
{
	(void)state;
	assert_int_equal(match("10.8.0.0/16", "10.8.0.0"), 1);
	assert_int_equal(match("10.8.0.0/16", "10.8.255.255"), 1);
	assert_int_equal(match("10.8.0.0/16", "10.9.0.0"), 0);
	assert_int_equal(match("10.8.0.0/16", "10.7.255.255"), 0);
	assert_int_equal(match("192.168.1.128/25", "192.168.1.128"), 1);
	assert_int_equal(match("192.168.1.128/25", "192.168.1.255"), 1);
	assert_int_equal(match("192.168.1.128/25", "192.168.1.127"), 0);
	assert_int_equal(match("10.8.1.2", "10.8.1.2"), 1);
	assert_int_equal(match("10.8.1.2", "10.8.1.3"), 0);
	assert_int_equal(match("0.0.0.0/0", "255.255.255.255"), 1);
	assert_int_equal(match("0.0.0.0/0", "::1"), 0);
	assert_int_equal(match("2001:db8::/32", "2001:db8:ffff::1"), 1);
	assert_int_equal(match("2001:db8::/32", "2001:db9::1"), 0);
	assert_int_equal(match("2001:db8::8000/113", "2001:db8::ffff"), 1);
	assert_int_equal(match("2001:db8::8000/113", "2001:db8::7fff"), 0);
	assert_int_equal(match("::/0", "2001:db8::1"), 1);
	/* Mapped addresses meet the IPv4 rules, not the IPv6 ones. */
	assert_int_equal(match("10.8.0.0/16", "::ffff:10.8.3.4"), 1);
	assert_int_equal(match("10.8.0.0/16", "::ffff:10.9.3.4"), 0);
	assert_int_equal(match("::ffff:10.8.0.0/112", "10.8.3.4"), 1);
	assert_int_equal(match("::/0", "::ffff:10.8.3.4"), 0);
	assert_int_equal(match("::/0", "10.8.3.4"), 0);
	assert_int_equal(match("::10.8.0.0/112", "10.8.3.4"), 0);
	assert_int_equal(match("::fffe:0:0/95", "::ffff:10.8.3.4"), 0);
	assert_int_equal(match("::fffe:0:0/95", "::fffe:1:2"), 1);
}

static void test_cidr_match_hostile_struct(void **state)
{
	struct iam_cidr c;
	struct iam_addr a;

	(void)state;
	assert_int_equal(iam_cidr_parse("10.0.0.0/8", &c, NULL), 0);
	assert_int_equal(iam_addr_parse("10.1.2.3", &a), 0);
	c.prefix = 33;
	assert_int_equal(iam_cidr_match(&c, &a), 0);
	c.prefix = 8;
	c.net.family = a.family = 12345;
	assert_int_equal(iam_cidr_match(&c, &a), 0);
	assert_int_equal(iam_cidr_match(NULL, &a), 0);
	assert_int_equal(iam_cidr_match(&c, NULL), 0);
}

static void test_list(void **state)
{
	struct iam_err err = { "" };
	struct iam_cidr *list = NULL;
	size_t n = 0;
	char buf[64];

	(void)state;
	assert_int_equal(iam_cidr_list_parse(" 10.8.0.0/16 ,2001:db8::/32,\t192.168.1.7 ",
					     &list, &n, &err), 0);
	assert_int_equal(n, 3);
	iam_cidr_format(&list[2], buf, sizeof(buf));
	assert_string_equal(buf, "192.168.1.7/32");
	assert_int_equal(iam_cidr_list_match(list, n, "10.8.9.9"), 1);
	assert_int_equal(iam_cidr_list_match(list, n, "::ffff:10.8.9.9"), 1);
	assert_int_equal(iam_cidr_list_match(list, n, "2001:db8::5"), 1);
	assert_int_equal(iam_cidr_list_match(list, n, "192.168.1.7"), 1);
	assert_int_equal(iam_cidr_list_match(list, n, "192.168.1.8"), 0);
	assert_int_equal(iam_cidr_list_match(list, n, "10.9.0.1"), 0);
	/* Not an address: no match, whatever the list says. */
	assert_int_equal(iam_cidr_list_match(list, n, "localhost"), 0);
	assert_int_equal(iam_cidr_list_match(list, n, ""), 0);
	assert_int_equal(iam_cidr_list_match(list, n, NULL), 0);
	assert_int_equal(iam_cidr_list_match(list, 0, "10.8.9.9"), 0);
	free(list);

	assert_int_equal(iam_cidr_list_parse("0.0.0.0/0", &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(iam_cidr_list_match(list, n, "203.0.113.9"), 1);
	free(list);
}

static void check_list_refused(const char *s, int expected, const char *needle)
{
	static struct iam_cidr sentinel[1];
	struct iam_err err = { "" };
	struct iam_cidr *list = sentinel;
	size_t n = 77;

	if (iam_cidr_list_parse(s, &list, &n, &err) != expected)
		fail_msg("list \"%.40s\" not refused with %d", s, expected);
	assert_null(list);
	assert_int_equal(n, 0);
	if (!strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
}

static void test_list_rejects(void **state)
{
	(void)state;
	check_list_refused("", -EINVAL, "empty");
	check_list_refused("   ", -EINVAL, "empty");
	check_list_refused(NULL, -EINVAL, "empty");
	check_list_refused("10.8.0.0/16,", -EINVAL, "entry 2");
	check_list_refused(",10.8.0.0/16", -EINVAL, "entry 1");
	check_list_refused("10.8.0.0/16,,10.9.0.0/16", -EINVAL, "entry 2");
	check_list_refused("10.8.0.0/16, ,10.9.0.0/16", -EINVAL, "entry 2");
	check_list_refused("10.8.0.0/16 10.9.0.0/16", -EINVAL, "entry 1");
	check_list_refused("10.8.0.0/16,10.9.0.1/16", -EINVAL,
			   "entry 2: network \"10.9.0.1/16\" has host bits set");
	check_list_refused("10.8.0.0/16,10.9.0.1/16", -EINVAL,
			   "did you mean 10.9.0.0/16?");
	check_list_refused("10.8.0.0/16;10.9.0.0/16", -EINVAL, "entry 1");
}

static void test_list_limit(void **state)
{
	struct iam_cidr *list = NULL;
	struct iam_err err = { "" };
	struct iam_buf b;
	size_t n = 0;
	int i;

	(void)state;
	iam_buf_init(&b, 0);
	for (i = 0; i < 256; i++)
		assert_int_equal(iam_buf_printf(&b, "%s10.%d.0.0/16", i ? ", " : "", i), 0);
	assert_int_equal(iam_cidr_list_parse(iam_buf_str(&b), &list, &n, &err), 0);
	assert_int_equal(n, 256);
	assert_int_equal(iam_cidr_list_match(list, n, "10.255.1.1"), 1);
	free(list);

	assert_int_equal(iam_buf_puts(&b, ",11.0.0.0/8"), 0);
	list = NULL;
	assert_int_equal(iam_cidr_list_parse(iam_buf_str(&b), &list, &n, &err), -E2BIG);
	assert_null(list);
	assert_non_null(strstr(err.msg, "257"));
	iam_buf_free(&b);
}

static void test_format_truncates(void **state)
{
	struct iam_cidr c;
	char buf[6];

	(void)state;
	assert_int_equal(iam_cidr_parse("10.8.0.0/16", &c, NULL), 0);
	iam_cidr_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "10.8.");
	iam_cidr_format(&c, buf, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_addr_parse_rejects),
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_host_bits),
		cmocka_unit_test(test_cidr_rejects),
		cmocka_unit_test(test_cidr_match),
		cmocka_unit_test(test_cidr_match_hostile_struct),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_rejects),
		cmocka_unit_test(test_list_limit),
		cmocka_unit_test(test_format_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

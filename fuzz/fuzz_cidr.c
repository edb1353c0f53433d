/*
 * iam_cidr_parse on the first line of the input, iam_cidr_list_parse on the
 * whole of it, and iam_cidr_list_match of the result against a few fixed
 * addresses and against the input's last line. Every parsed prefix must
 * format to canonical text that parses back to the same prefix, and the list
 * matcher must agree with matching the entries one by one.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"
#include "fuzz.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const addresses[] = {
	"10.8.1.2", "192.168.0.1", "0.0.0.0", "255.255.255.255", "::1", "::",
	"2001:db8::1", "fe80::1", "::ffff:10.8.1.2", "not an address",
};

static int same_cidr(const struct iam_cidr *a, const struct iam_cidr *b)
{
	size_t bytes = a->net.family == AF_INET ? 4 : 16;

	return a->net.family == b->net.family && a->prefix == b->prefix &&
	       memcmp(a->net.bytes, b->net.bytes, bytes) == 0;
}

static void check_cidr(const struct iam_cidr *c)
{
	struct iam_cidr again;
	char text[64];

	FUZZ_CHECK(c->net.family == AF_INET || c->net.family == AF_INET6);
	FUZZ_CHECK(c->prefix <= (c->net.family == AF_INET ? 32u : 128u));
	iam_cidr_format(c, text, sizeof(text));
	if (iam_cidr_parse(text, &again, NULL) != 0) {
		fprintf(stderr, "formatted prefix \"%s\" does not parse\n", text);
		abort();
	}
	FUZZ_CHECK(same_cidr(c, &again));
	/* A prefix contains its own network address. */
	FUZZ_CHECK(iam_cidr_match(c, &c->net) == 1);
}

static void check_match(const struct iam_cidr *list, size_t n, const char *addr)
{
	struct iam_addr a;
	int expect = 0;
	size_t i;

	if (iam_addr_parse(addr, &a) == 0)
		for (i = 0; i < n && !expect; i++)
			expect = iam_cidr_match(&list[i], &a);
	FUZZ_CHECK(iam_cidr_list_match(list, n, addr) == expect);
}

static void fuzz_list(const char *text, const char *last_line)
{
	struct iam_err err = { "" };
	struct iam_cidr *list = (struct iam_cidr *)1;
	size_t n = 99, i;

	if (iam_cidr_list_parse(text, &list, &n, &err) != 0) {
		FUZZ_CHECK(list == NULL && n == 0);
		return;
	}
	FUZZ_CHECK(list != NULL && n >= 1 && n <= 256);
	for (i = 0; i < n; i++)
		check_cidr(&list[i]);
	for (i = 0; i < N(addresses); i++)
		check_match(list, n, addresses[i]);
	check_match(list, n, last_line);
	free(list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	char *first = strdup(text);
	char *last_line = strrchr(text, '\n');
	struct iam_cidr c;

	FUZZ_CHECK(first != NULL);
	first[strcspn(first, "\n")] = '\0';
	if (iam_cidr_parse(first, &c, NULL) == 0)
		check_cidr(&c);
	fuzz_list(text, last_line ? last_line + 1 : text);
	free(first);
	free(text);
	return 0;
}

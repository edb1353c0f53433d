#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"

#define CIDR_LIST_MAX 256
/* The longest text of one entry: a full IPv6 literal with an embedded IPv4
 * part and "/128". Anything longer cannot be valid. */
#define CIDR_TEXT_MAX (INET6_ADDRSTRLEN + 4)

static const unsigned char v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static unsigned family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static size_t family_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Address literal without normalisation: inet_pton refuses host names,
 * zone ids ("%eth0"), white space and the old short IPv4 forms. */
static int parse_literal(const char *s, struct iam_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (strchr(s, ':')) {
		out->family = AF_INET6;
		return inet_pton(AF_INET6, s, out->bytes) == 1 ? 0 : -EINVAL;
	}
	out->family = AF_INET;
	return inet_pton(AF_INET, s, out->bytes) == 1 ? 0 : -EINVAL;
}

static int is_v4mapped(const struct iam_addr *a)
{
	return a->family == AF_INET6 &&
	       memcmp(a->bytes, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0;
}

static void unmap_v4(struct iam_addr *a)
{
	memmove(a->bytes, a->bytes + 12, 4);
	memset(a->bytes + 4, 0, 12);
	a->family = AF_INET;
}

int iam_addr_parse(const char *s, struct iam_addr *out)
{
	int r;

	if (!s || !out || strnlen(s, CIDR_TEXT_MAX + 1) > CIDR_TEXT_MAX)
		return -EINVAL;
	r = parse_literal(s, out);
	if (r < 0)
		return r;
	/* A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; they
	 * are IPv4 peers and must meet the IPv4 rules. */
	if (is_v4mapped(out))
		unmap_v4(out);
	return 0;
}

/* Strict decimal prefix length: digits only, no leading zero, in range. */
static int parse_prefix(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -EINVAL;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 3)
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Clears the bits after prefix; returns 1 when any of them was set. */
static int clear_host_bits(struct iam_addr *a, unsigned prefix)
{
	size_t nbytes = family_bytes(a->family), i;
	unsigned char mask, had = 0;

	for (i = 0; i < nbytes; i++) {
		if (prefix >= 8 * (i + 1))
			continue;
		mask = prefix > 8 * i ?
		       (unsigned char)(0xff << (8 - (prefix - 8 * i))) : 0;
		had |= a->bytes[i] & (unsigned char)~mask;
		a->bytes[i] &= mask;
	}
	return had != 0;
}

static void format_addr(const struct iam_addr *a, char *out, size_t outsz)
{
	if (!inet_ntop(a->family, a->bytes, out, (socklen_t)outsz))
		snprintf(out, outsz, "?");
}

/* An IPv6 prefix inside ::ffff:0:0/96 is an IPv4 prefix in disguise; make
 * it one so that it matches the IPv4 addresses iam_addr_parse produces. */
static void unmap_cidr(struct iam_cidr *c)
{
	if (c->prefix >= 96 && is_v4mapped(&c->net)) {
		unmap_v4(&c->net);
		c->prefix -= 96;
	}
}

static int split_cidr(const char *s, char *addr, size_t addrsz,
		      const char **prefix, struct iam_err *err)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	if (len == 0 || len >= addrsz) {
		iam_err_set(err, "network \"%.64s\" is not an IPv4 or IPv6 address "
			    "with an optional /prefix (e.g. 10.8.0.0/16)", s);
		return -EINVAL;
	}
	memcpy(addr, s, len);
	addr[len] = '\0';
	*prefix = slash ? slash + 1 : NULL;
	return 0;
}

int iam_cidr_parse(const char *s, struct iam_cidr *out, struct iam_err *err)
{
	char addr[CIDR_TEXT_MAX + 1];
	const char *prefix;
	struct iam_cidr c;
	int r;

	if (!s || !out) {
		iam_err_set(err, "no network given");
		return -EINVAL;
	}
	r = split_cidr(s, addr, sizeof(addr), &prefix, err);
	if (r < 0)
		return r;
	if (parse_literal(addr, &c.net) < 0) {
		iam_err_set(err, "network \"%.64s\": \"%s\" is not an IPv4 or IPv6 "
			    "address literal (no host names or zone ids)", s, addr);
		return -EINVAL;
	}
	c.prefix = family_bits(c.net.family);
	if (prefix && parse_prefix(prefix, family_bits(c.net.family), &c.prefix) < 0) {
		iam_err_set(err, "network \"%.64s\": the prefix length must be a "
			    "decimal number from 0 to %u", s,
			    family_bits(c.net.family));
		return -EINVAL;
	}
	if (clear_host_bits(&c.net, c.prefix)) {
		char net[INET6_ADDRSTRLEN];

		format_addr(&c.net, net, sizeof(net));
		iam_err_set(err, "network \"%.64s\" has host bits set after the "
			    "/%u prefix; did you mean %s/%u?", s, c.prefix, net,
			    c.prefix);
		return -EINVAL;
	}
	unmap_cidr(&c);
	*out = c;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Copies the entry starting at *pos into buf without the spaces around it
 * and moves *pos past the following comma (or to the end). */
static int next_entry(const char **pos, char *buf, size_t bufsz)
{
	const char *p = *pos;
	size_t len;

	p += strspn(p, " \t");
	len = strcspn(p, ",");
	*pos = p[len] == ',' ? p + len + 1 : p + len;
	while (len > 0 && is_space(p[len - 1]))
		len--;
	if (len == 0 || len >= bufsz)
		return -EINVAL;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return 0;
}

static size_t count_entries(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		if (*s == ',')
			n++;
	return n;
}

static int parse_entries(const char *s, struct iam_cidr *list, size_t n,
			 struct iam_err *err)
{
	char entry[CIDR_TEXT_MAX + 1];
	const char *pos = s;
	size_t i;

	for (i = 0; i < n; i++) {
		int r;

		if (next_entry(&pos, entry, sizeof(entry)) < 0) {
			iam_err_set(err, "network list \"%.64s\": entry %zu is empty "
				    "or too long; expected networks separated by "
				    "commas", s, i + 1);
			return -EINVAL;
		}
		r = iam_cidr_parse(entry, &list[i], err);
		if (r < 0) {
			iam_err_prefix(err, "network list entry %zu", i + 1);
			return r;
		}
	}
	return 0;
}

int iam_cidr_list_parse(const char *s, struct iam_cidr **out, size_t *n,
			struct iam_err *err)
{
	struct iam_cidr *list = NULL;
	size_t count = 0;
	int r = -EINVAL;

	if (!out || !n)
		return -EINVAL;
	if (!s || s[strspn(s, " \t")] == '\0') {
		iam_err_set(err, "empty network list; expected networks such as "
			    "10.8.0.0/16, 2001:db8::/32");
		goto out;
	}
	count = count_entries(s);
	if (count > CIDR_LIST_MAX) {
		iam_err_set(err, "network list has %zu entries; at most %d are "
			    "allowed", count, CIDR_LIST_MAX);
		r = -E2BIG;
		goto out;
	}
	list = calloc(count, sizeof(*list));
	if (!list) {
		iam_err_set(err, "out of memory for a network list");
		r = -ENOMEM;
		goto out;
	}
	r = parse_entries(s, list, count, err);
out:
	if (r < 0) {
		free(list);
		list = NULL;
		count = 0;
	}
	*out = list;
	*n = count;
	return r;
}

int iam_cidr_match(const struct iam_cidr *c, const struct iam_addr *a)
{
	unsigned full, rest;

	if (!c || !a || c->net.family != a->family ||
	    (a->family != AF_INET && a->family != AF_INET6) ||
	    c->prefix > family_bits(c->net.family))
		return 0;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(c->net.bytes, a->bytes, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((c->net.bytes[full] ^ a->bytes[full]) &
		(unsigned char)(0xff << (8 - rest))) == 0;
}

int iam_cidr_list_match(const struct iam_cidr *list, size_t n, const char *addr)
{
	struct iam_addr a;
	size_t i;

	if (!list || iam_addr_parse(addr, &a) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (iam_cidr_match(&list[i], &a))
			return 1;
	return 0;
}

void iam_cidr_format(const struct iam_cidr *c, char *out, size_t outsz)
{
	char addr[INET6_ADDRSTRLEN];

	if (!out || outsz == 0)
		return;
	format_addr(&c->net, addr, sizeof(addr));
	snprintf(out, outsz, "%s/%u", addr, c->prefix);
}

/*
 * Source-network conditions: IPv4 and IPv6 prefixes ("10.8.0.0/16",
 * "2001:db8::/32", or a single address), matched against an address
 * literal. An IPv4-mapped IPv6 address (::ffff:10.8.1.2) matches IPv4
 * prefixes. A prefix with host bits set ("10.8.0.1/16") is refused rather
 * than silently widened, so a typo cannot open a range.
 */
#ifndef IAM_CIDR_H
#define IAM_CIDR_H

#include <stddef.h>
#include "iam_error.h"

struct iam_addr {
	int family;             /* AF_INET or AF_INET6 */
	unsigned char bytes[16];
};

struct iam_cidr {
	struct iam_addr net;
	unsigned prefix;        /* 0..32 or 0..128 */
};

/* Address literal only; no host names, no IPv6 zone ids. An IPv4-mapped
 * IPv6 address comes back as AF_INET. 0 or -EINVAL. */
int iam_addr_parse(const char *s, struct iam_addr *out);
/* "addr/prefix" or a bare address (/32, /128). The prefix length is plain
 * decimal without leading zeros. An IPv6 prefix of at least /96 inside
 * ::ffff:0:0/96 becomes the IPv4 prefix it stands for; shorter IPv6
 * prefixes (even ::/0) never match IPv4 addresses. 0 or -EINVAL. */
int iam_cidr_parse(const char *s, struct iam_cidr *out, struct iam_err *err);
/* Comma-separated list, spaces allowed around commas; *out malloc'd (free()
 * it). At most 256 entries (-E2BIG beyond). An empty string or an empty
 * entry is an error (-EINVAL); on any error *out is NULL and *n is 0. */
int iam_cidr_list_parse(const char *s, struct iam_cidr **out, size_t *n,
			struct iam_err *err);
/* 1 when a lies inside c, 0 when not (also for different families). */
int iam_cidr_match(const struct iam_cidr *c, const struct iam_addr *a);
/* 1 if addr matches any entry; 0 if none or addr is not an address. */
int iam_cidr_list_match(const struct iam_cidr *list, size_t n, const char *addr);
/* Canonical text, e.g. "10.8.0.0/16". */
void iam_cidr_format(const struct iam_cidr *c, char *out, size_t outsz);

#endif

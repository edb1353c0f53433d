#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit_chain.h"

static int put_field(EVP_MD_CTX *ctx, const char *value)
{
	char len[24];
	const char *v = value ? value : "";

	snprintf(len, sizeof(len), "%zu:", strlen(v));
	return EVP_DigestUpdate(ctx, len, strlen(len)) == 1 &&
	       EVP_DigestUpdate(ctx, v, strlen(v)) == 1 &&
	       EVP_DigestUpdate(ctx, ",", 1) == 1;
}

int iam_audit_hash(const struct iam_audit_record *r, const char *prev_hash,
		   char out[IAM_SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char seq[24], when[24];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	snprintf(seq, sizeof(seq), "%" PRId64, r->seq);
	snprintf(when, sizeof(when), "%" PRId64, r->time);
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     put_field(ctx, prev_hash) && put_field(ctx, seq) && put_field(ctx, when) &&
	     put_field(ctx, r->source) && put_field(ctx, r->event_id) &&
	     put_field(ctx, r->type) && put_field(ctx, r->actor) &&
	     put_field(ctx, r->data) && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EIO;
	iam_hex_encode(md, mdlen, out);
	return 0;
}

int iam_audit_head_message(int64_t seq, const char *hash, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "iam-audit-head:%" PRId64 ":%s", seq, hash);

	return n < 0 || (size_t)n >= outsz ? -ENOSPC : 0;
}

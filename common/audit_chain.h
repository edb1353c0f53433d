/*
 * The audit log's hash chain. Each record's hash is SHA-256 over the previous
 * record's hash and the record's fields, each field length-prefixed so that
 * no two different records hash alike:
 *   hash = SHA256( netstring(prev_hash) netstring(seq) netstring(time)
 *                  netstring(source) netstring(event_id) netstring(type)
 *                  netstring(actor) netstring(data) )
 * where netstring(x) = decimal length ":" bytes ",". The first record's
 * prev_hash is 64 zeros. The endpoint computes it when appending and
 * `iamctl audit verify` recomputes it independently.
 */
#ifndef IAM_AUDIT_CHAIN_H
#define IAM_AUDIT_CHAIN_H

#include <stdint.h>
#include "encode.h"

#define IAM_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

struct iam_audit_record {
	int64_t seq;
	int64_t time;
	const char *source;   /* "admin", "host:web1", "user:alice", "policyd" */
	const char *event_id; /* unique; hosts choose it for idempotent ingest */
	const char *type;     /* "login", "elevation.approve", ... */
	const char *actor;    /* who did it, or "-" */
	const char *data;     /* JSON object text, stored verbatim */
};

int iam_audit_hash(const struct iam_audit_record *r, const char *prev_hash,
		   char out[IAM_SHA256_HEX_LEN + 1]);
/* The text the audit head signature covers: "iam-audit-head:<seq>:<hash>". */
int iam_audit_head_message(int64_t seq, const char *hash, char *out, size_t outsz);

#endif

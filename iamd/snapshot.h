/*
 * A directory snapshot (doc/api.md, GET /v1/snapshot): its signature is
 * checked over the exact bytes of the payload before one byte of it is
 * parsed; then it is parsed strictly and turned into cache records, leaving
 * out (and counting) every entry that must not exist on this host.
 */
#ifndef IAMD_SNAPSHOT_H
#define IAMD_SNAPSHOT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "cache.h"
#include "iam_error.h"
#include "localnames.h"

/* The signature does not verify (or is not a signature). */
#define SNAPSHOT_BAD_SIGNATURE (-EKEYREJECTED)

struct snapshot {
	struct json_object *doc;      /* the parsed payload */
	int64_t format, serial, generated_at;
	char *host;
	struct json_object *users;    /* borrowed from doc */
	struct json_object *groups;
};

/* Why an entry was left out. */
enum snapshot_skip {
	SKIP_BAD_NAME,   /* not ^[a-z_][a-z0-9_-]{0,31}$ */
	SKIP_ID_RANGE,   /* uid or gid outside [id_min, id_max] */
	SKIP_LOCAL_NAME, /* the name exists in /etc/passwd or /etc/group */
	SKIP_BAD_STATE,  /* a user state other than active or disabled */
	SKIP_BAD_FIELD,  /* a GECOS, home or shell a passwd line cannot hold */
	SKIP_DUPLICATE,  /* a name or id seen before */
	SKIP_MEMBER,     /* a membership of a user not in the cache, or a bad end */
	SKIP_COUNT
};

struct snapshot_filter {
	long long id_min, id_max;
	const struct name_set *local_users;
	const struct name_set *local_groups;
};

struct snapshot_counts {
	size_t users, groups, members;
	size_t skipped[SKIP_COUNT];
};

/* Verifies sig_b64 over payload[0..len) with pub, then parses the payload.
 * SNAPSHOT_BAD_SIGNATURE, -EBADMSG for a payload that is not a snapshot of
 * format 1, -ENOMEM; err says what. */
int snapshot_open(const char *payload, size_t len, const char *sig_b64, EVP_PKEY *pub,
		  struct snapshot *s, struct iam_err *err);
void snapshot_close(struct snapshot *s);

/* Adds the users, groups and memberships that pass the filter to b.
 * -EBADMSG when an entry is malformed (then nothing should be written),
 * -ENOMEM. */
int snapshot_fill(const struct snapshot *s, const struct snapshot_filter *f,
		  struct iam_cache_builder *b, struct snapshot_counts *counts,
		  struct iam_err *err);

/* "bad_name", "id_range", ... for the log. */
const char *snapshot_skip_name(enum snapshot_skip why);
size_t snapshot_skipped_total(const struct snapshot_counts *counts);

#endif

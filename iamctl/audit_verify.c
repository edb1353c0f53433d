/*
 * audit verify: recompute the hash chain of the whole log, check that the
 * signed head is in it, and that a record remembered from an earlier run
 * (the anchor) still has the same hash. Any break is exit status 7 with the
 * seq where it happened.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_chain.h"
#include "call.h"
#include "json.h"
#include "output.h"
#include "parse.h"
#include "safe_file.h"
#include "sign.h"

#define HASH_LEN IAM_SHA256_HEX_LEN
#define ANCHOR_MAX 256
#define KEY_ID_LEN 16

/* A record to meet on the way: the anchor, the signed head. */
struct mark {
	long long seq; /* 0: none */
	char hash[HASH_LEN + 1];
	int seen;
};

struct chain {
	long long next_seq;        /* the seq the next record must have */
	char prev[HASH_LEN + 1];   /* the hash it must link to */
	long long count;
	struct mark anchor, head;
};

struct record {
	int64_t seq, time;
	char *source, *event_id, *type, *actor, *data, *prev_hash, *hash;
};

#define RF(name, kind, member, maxlen) \
	{ name, kind, offsetof(struct record, member), IAM_JF_REQUIRED, maxlen, 0, 0 }

static const struct iam_json_field record_map[] = {
	RF("seq", IAM_J_INT64, seq, 0),
	RF("time", IAM_J_INT64, time, 0),
	RF("source", IAM_J_STRING, source, 512),
	RF("event_id", IAM_J_STRING, event_id, 512),
	RF("type", IAM_J_STRING, type, 512),
	RF("actor", IAM_J_STRING, actor, 512),
	RF("data", IAM_J_STRING, data, 1u << 20),
	RF("prev_hash", IAM_J_STRING, prev_hash, HASH_LEN),
	RF("hash", IAM_J_STRING, hash, HASH_LEN),
};

static int is_hash(const char *s)
{
	return strlen(s) == HASH_LEN && strspn(s, "0123456789abcdef") == HASH_LEN;
}

static int meet(struct cli_ctx *c, struct mark *m, const char *what, long long seq,
		const char *hash)
{
	if (m->seq != seq)
		return 0;
	m->seen = 1;
	if (strcmp(m->hash, hash) == 0)
		return 0;
	return cli_fail(c, CLI_EXIT_AUDIT, "audit log broken at seq %lld: it no longer has "
			"the hash %s (the log was rewritten)", seq, what);
}

static int link_record(struct cli_ctx *c, struct chain *ch, const struct record *rec)
{
	const struct iam_audit_record fields = {
		rec->seq, rec->time, rec->source, rec->event_id, rec->type, rec->actor, rec->data,
	};
	char computed[HASH_LEN + 1];
	int r;

	if (rec->seq != ch->next_seq)
		return cli_fail(c, CLI_EXIT_AUDIT, "audit log broken at seq %lld: expected seq "
				"%lld (records are missing or out of order)", (long long)rec->seq,
				ch->next_seq);
	if (strcmp(rec->prev_hash, ch->prev) != 0)
		return cli_fail(c, CLI_EXIT_AUDIT, "audit log broken at seq %lld: its prev_hash "
				"is not the hash of seq %lld", ch->next_seq, ch->next_seq - 1);
	if (iam_audit_hash(&fields, ch->prev, computed) < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "cannot compute SHA-256");
	if (strcmp(computed, rec->hash) != 0)
		return cli_fail(c, CLI_EXIT_AUDIT, "audit log broken at seq %lld: its hash does "
				"not match its contents (the record was altered)", ch->next_seq);
	r = meet(c, &ch->anchor, "the anchor recorded", rec->seq, rec->hash);
	if (r == 0)
		r = meet(c, &ch->head, "of the signed head", rec->seq, rec->hash);
	memcpy(ch->prev, rec->hash, sizeof(ch->prev));
	ch->next_seq++;
	ch->count++;
	return r;
}

static int check_record(struct cli_ctx *c, struct json_object *obj, void *arg)
{
	struct chain *ch = arg;
	struct iam_err err = { "" };
	struct record rec;
	int r;

	memset(&rec, 0, sizeof(rec));
	if (iam_json_map(obj, record_map, CLI_NELEM(record_map), 0, &rec, &err) < 0)
		return cli_fail(c, CLI_EXIT_AUDIT, "audit log broken at seq %lld: the record "
				"is malformed: %s", ch->next_seq, err.msg);
	r = link_record(c, ch, &rec);
	iam_json_map_free(record_map, CLI_NELEM(record_map), &rec);
	return r;
}

/* --- the anchor file: "SEQ HASH\n" ------------------------------------ */

static int parse_anchor(struct cli_ctx *c, const char *path, char *text, struct mark *m)
{
	char *space = strchr(text, ' ');
	size_t len = strlen(text);

	if (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (space)
		*space = '\0';
	if (!space || iam_parse_ll(text, 1, LLONG_MAX, &m->seq) < 0 || !is_hash(space + 1))
		return cli_fail(c, CLI_EXIT_USAGE, "%s is not an audit anchor (expected "
				"'SEQ HASH' from an earlier 'iamctl audit verify --anchor')", path);
	memcpy(m->hash, space + 1, sizeof(m->hash));
	return 0;
}

/* A missing file is the first run: nothing to compare yet. */
static int read_anchor(struct cli_ctx *c, const char *path, struct mark *m)
{
	struct iam_err err = { "" };
	char *text = NULL;
	int r;

	m->seq = 0;
	if (!path)
		return 0;
	r = iam_file_read(path, c->uid, ANCHOR_MAX, 0, &text, NULL, &err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "%s", err.msg);
	r = parse_anchor(c, path, text, m);
	free(text);
	return r;
}

static int write_anchor(struct cli_ctx *c, const char *path, const struct mark *head)
{
	struct iam_err err = { "" };
	char line[ANCHOR_MAX];
	int n;

	n = snprintf(line, sizeof(line), "%lld %s\n", head->seq, head->hash);
	if (iam_file_write_atomic(path, line, (size_t)n, 0644, &err) < 0)
		return cli_fail(c, CLI_EXIT_FAILED, "the log verified, but %s", err.msg);
	return 0;
}

/* --- the signed head ---------------------------------------------------- */

struct head {
	int64_t seq;
	char *hash, *signature, *key_id;
};

#define HF(name, kind, member, flags, maxlen) \
	{ name, kind, offsetof(struct head, member), flags, maxlen, 0, 0 }

static const struct iam_json_field head_map[] = {
	HF("seq", IAM_J_INT64, seq, IAM_JF_REQUIRED, 0),
	HF("hash", IAM_J_STRING, hash, IAM_JF_REQUIRED, HASH_LEN),
	HF("signature", IAM_J_STRING, signature, IAM_JF_NULLABLE, 128),
	HF("key_id", IAM_J_STRING, key_id, IAM_JF_NULLABLE, 64),
};

/* key_id: the first 16 hex digits of SHA-256 of the raw public key. */
static int key_id_of(const char *pub_b64, char out[KEY_ID_LEN + 1])
{
	unsigned char raw[48];
	char hex[HASH_LEN + 1];
	size_t len = 0;

	if (iam_b64_decode(pub_b64, raw, sizeof(raw), &len) < 0 ||
	    iam_sha256_hex(raw, len, hex) < 0)
		return -EINVAL;
	memcpy(out, hex, KEY_ID_LEN);
	out[KEY_ID_LEN] = '\0';
	return 0;
}

static int verify_signature(struct cli_ctx *c, const char *pub_b64, const struct head *h)
{
	struct iam_err err = { "" };
	char msg[128], ours[KEY_ID_LEN + 1];
	EVP_PKEY *key = NULL;
	int r;

	if (iam_sign_pubkey_from_b64(pub_b64, &key, &err) < 0)
		return cli_fail(c, CLI_EXIT_USAGE, "the signing public key: %s", err.msg);
	if (h->key_id && key_id_of(pub_b64, ours) == 0 && strcmp(ours, h->key_id) != 0)
		r = cli_fail(c, CLI_EXIT_AUDIT, "the audit head (seq %lld) is signed by key %s, "
			     "but the trusted key is %s", (long long)h->seq, h->key_id, ours);
	else if (!h->signature)
		r = cli_fail(c, CLI_EXIT_AUDIT, "the audit head (seq %lld) is not signed",
			     (long long)h->seq);
	else if (iam_audit_head_message(h->seq, h->hash, msg, sizeof(msg)) < 0)
		r = cli_fail(c, CLI_EXIT_FAILED, "audit head message too long");
	else if ((r = iam_verify(key, msg, strlen(msg), h->signature, &err)) == -EBADMSG)
		r = cli_fail(c, CLI_EXIT_AUDIT, "the audit head (seq %lld): %s",
			     (long long)h->seq, err.msg);
	else if (r < 0)
		r = cli_fail(c, CLI_EXIT_FAILED, "%s", err.msg);
	EVP_PKEY_free(key);
	return r;
}

static int fetch_head(struct cli_ctx *c, const char *pub_b64, struct mark *m)
{
	struct json_object *obj = NULL;
	struct iam_err err = { "" };
	struct head h;
	int r;

	memset(&h, 0, sizeof(h));
	r = audit_head(c, &obj);
	if (r == 0 && iam_json_map(obj, head_map, CLI_NELEM(head_map), 0, &h, &err) < 0)
		r = cli_fail(c, CLI_EXIT_UNAVAILABLE, "the endpoint's audit head: %s", err.msg);
	else if (r == 0 && (h.seq < 0 || (h.seq > 0 && !is_hash(h.hash))))
		r = cli_fail(c, CLI_EXIT_UNAVAILABLE, "the endpoint's audit head is malformed");
	if (r == 0 && pub_b64)
		r = verify_signature(c, pub_b64, &h);
	if (r == 0) {
		m->seq = h.seq;
		snprintf(m->hash, sizeof(m->hash), "%s", h.hash);
	}
	iam_json_map_free(head_map, CLI_NELEM(head_map), &h);
	json_object_put(obj);
	return r;
}

/* --- putting it together ------------------------------------------------ */

/* Marks the walk never met: records are gone from the end of the log. */
static int check_unseen(struct cli_ctx *c, const struct chain *ch)
{
	if (ch->head.seq > 0 && !ch->head.seen)
		return cli_fail(c, CLI_EXIT_AUDIT, "audit log broken: the signed head is seq "
				"%lld, but the log ends at seq %lld", ch->head.seq, ch->next_seq - 1);
	if (ch->anchor.seq > 0 && !ch->anchor.seen)
		return cli_fail(c, CLI_EXIT_AUDIT, "audit log broken: the anchor's seq %lld is "
				"gone; the log ends at seq %lld", ch->anchor.seq, ch->next_seq - 1);
	return 0;
}

static int print_json_summary(struct cli_ctx *c, const struct chain *ch, int signed_ok)
{
	struct json_object *obj = json_object_new_object(), *head = json_object_new_object();
	int r;

	if (!obj || !head) {
		json_object_put(obj);
		json_object_put(head);
		return cli_fail(c, CLI_EXIT_FAILED, "out of memory");
	}
	json_object_object_add(head, "seq", json_object_new_int64(ch->head.seq));
	json_object_object_add(head, "hash", json_object_new_string(ch->head.hash));
	json_object_object_add(obj, "result", json_object_new_string("ok"));
	json_object_object_add(obj, "records", json_object_new_int64(ch->count));
	json_object_object_add(obj, "head", head);
	json_object_object_add(obj, "signature",
			       json_object_new_string(signed_ok ? "verified" : "not_checked"));
	if (ch->anchor.seq > 0)
		json_object_object_add(obj, "anchor_seq", json_object_new_int64(ch->anchor.seq));
	r = out_json(c, obj);
	json_object_put(obj);
	return r;
}

static int print_summary(struct cli_ctx *c, const struct chain *ch, int signed_ok,
			 const char *anchor_file)
{
	if (!signed_ok)
		fprintf(stderr, "iamctl: warning: the head's signature was NOT checked: no "
			"public key (use --pubkey, IAM_SIGNING_PUBKEY or signing_pubkey)\n");
	if (c->json)
		return print_json_summary(c, ch, signed_ok);
	if (ch->head.seq == 0) {
		out_note(c, "The audit log is empty (%s).",
			 signed_ok ? "signature verified" : "signature NOT checked");
		return 0;
	}
	out_note(c, "Audit log intact: %lld records, every hash recomputed and linked.",
		 ch->count);
	out_note(c, "Head: seq %lld %s (%s).", ch->head.seq, ch->head.hash,
		 signed_ok ? "signature verified" : "signature NOT checked");
	if (ch->anchor.seq > 0)
		out_note(c, "Anchor: seq %lld is unchanged.", ch->anchor.seq);
	if (anchor_file)
		out_note(c, "Anchor file %s now holds seq %lld.", anchor_file, ch->head.seq);
	return 0;
}

int audit_verify(struct cli_ctx *c, const struct cli_args *a)
{
	const char *anchor_file = cli_opt(a, "anchor");
	const char *pub = cli_opt(a, "pubkey") ? cli_opt(a, "pubkey") : c->cfg.signing_pubkey;
	struct chain ch;
	int r;

	memset(&ch, 0, sizeof(ch));
	ch.next_seq = 1;
	snprintf(ch.prev, sizeof(ch.prev), "%s", IAM_AUDIT_GENESIS);
	r = read_anchor(c, anchor_file, &ch.anchor);
	if (r == 0)
		r = fetch_head(c, pub, &ch.head);
	if (r == 0 && ch.anchor.seq > ch.head.seq)
		r = cli_fail(c, CLI_EXIT_AUDIT, "audit log broken: the anchor is at seq %lld, "
			     "but the signed head only at seq %lld", ch.anchor.seq, ch.head.seq);
	if (r == 0)
		r = audit_each(c, 0, 0, check_record, &ch);
	if (r == 0)
		r = check_unseen(c, &ch);
	if (r == 0 && anchor_file && ch.head.seq > 0) /* an empty log anchors nothing */
		r = write_anchor(c, anchor_file, &ch.head);
	return r ? r : print_summary(c, &ch, pub != NULL, anchor_file);
}

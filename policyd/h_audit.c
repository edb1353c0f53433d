#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "audit_chain.h"
#include "names.h"
#include "parse.h"
#include "sign.h"

#define MAX_BATCH 1000

struct events_body {
	struct json_object *events;
};

static const struct iam_json_field events_fields[] = {
	{ "events", IAM_J_ARRAY, offsetof(struct events_body, events), IAM_JF_REQUIRED, 0, 0, 0 },
};

struct event_body {
	char *id, *type, *user;
	int64_t time;
	struct json_object *data;
};

#define EB(name, kind, member, flags, max) \
	{ name, kind, offsetof(struct event_body, member), flags, max, 0, 0 }

static const struct iam_json_field event_fields[] = {
	EB("id", IAM_J_STRING, id, IAM_JF_REQUIRED, 64),
	EB("type", IAM_J_STRING, type, IAM_JF_REQUIRED, 64),
	EB("user", IAM_J_STRING, user, IAM_JF_NULLABLE, 256),
	{ "time", IAM_J_INT64, offsetof(struct event_body, time), IAM_JF_REQUIRED, 0, 1,
	  253402300799LL },
	EB("data", IAM_J_OBJECT, data, 0, 0),
};
#define NEVENT (sizeof(event_fields) / sizeof(event_fields[0]))

static int charset_ok(const char *s, const char *extra, int upper)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (upper && c >= 'A' && c <= 'Z') || strchr(extra, c)))
			return 0;
	}
	return 1;
}

/* Validates every event before anything is stored: a batch is taken whole
 * or not at all. */
static int read_events(struct json_object *arr, struct event_body *ev, size_t n,
		       struct reply *out)
{
	struct iam_err err;
	const char *bad;
	size_t i;

	for (i = 0; i < n; i++) {
		if (iam_json_map_ex(json_object_array_get_idx(arr, i), event_fields, NEVENT,
				    IAM_JMAP_REJECT_UNKNOWN, &ev[i], &bad, &err) < 0) {
			reply_invalid(out, "events", "events[%zu]: %s", i, err.msg);
			return -1;
		}
		if (!charset_ok(ev[i].id, "._:-", 1) || !charset_ok(ev[i].type, "._-", 0) ||
		    (ev[i].user && !iam_text_valid(ev[i].user, 256))) {
			reply_invalid(out, "events", "events[%zu]: id must be [A-Za-z0-9._:-], type "
				      "[a-z0-9._-], user printable text.", i);
			return -1;
		}
	}
	return 0;
}

static void ingest(struct req *r, struct json_object *arr, size_t n, struct reply *out)
{
	struct event_body *ev = calloc(n ? n : 1, sizeof(*ev));
	struct host_event *he = calloc(n ? n : 1, sizeof(*he));
	struct json_object *body;
	int accepted = 0, dup = 0, rc;
	size_t i;

	if (!ev || !he) {
		reply_error(out, 500, "internal", "Out of memory.");
	} else if (read_events(arr, ev, n, out) == 0) {
		for (i = 0; i < n; i++)
			he[i] = (struct host_event){ ev[i].id, ev[i].time, ev[i].type, ev[i].user,
						     ev[i].data };
		rc = store_audit_ingest(r->st, r->who.name, he, n, r->now, &accepted, &dup);
		if (rc != ST_OK) {
			reply_store_error(out, rc, "event", "-");
		} else {
			body = json_object_new_object();
			iam_json_add_int(body, "accepted", accepted);
			iam_json_add_int(body, "duplicates", dup);
			reply_json(out, 200, body);
		}
	}
	for (i = 0; ev && i < n; i++)
		iam_json_map_free(event_fields, NEVENT, &ev[i]);
	free(ev);
	free(he);
}

void h_audit_ingest(struct req *r, struct reply *out)
{
	struct events_body b = { 0 };
	size_t n;

	if (body_map(r, out, events_fields, 1, &b) < 0)
		return;
	n = json_object_array_length(b.events);
	if (n > MAX_BATCH)
		reply_invalid(out, "events", "At most %d events per batch.", MAX_BATCH);
	else
		ingest(r, b.events, n, out);
}

static int add_record(void *ctx, const struct audit_row *a)
{
	struct json_object *o = json_object_new_object();

	iam_json_add_int(o, "seq", a->seq);
	iam_json_add_int(o, "time", a->time);
	iam_json_add_str(o, "source", a->source);
	iam_json_add_str(o, "event_id", a->event_id);
	iam_json_add_str(o, "type", a->type);
	iam_json_add_str(o, "actor", a->actor);
	iam_json_add_str(o, "data", a->data);
	iam_json_add_str(o, "prev_hash", a->prev_hash);
	iam_json_add_str(o, "hash", a->hash);
	json_object_array_add(ctx, o);
	return ST_OK;
}

void h_audit_list(struct req *r, struct reply *out)
{
	const char *after_arg = query_arg(r, "after"), *limit_arg = query_arg(r, "limit");
	long long after = 0, limit = 100;
	struct json_object *arr, *body;
	int more = 0, rc;

	if ((after_arg && iam_parse_ll(after_arg, 0, INT64_MAX - 1, &after) < 0) ||
	    (limit_arg && iam_parse_ll(limit_arg, 1, 1000, &limit) < 0)) {
		reply_invalid(out, after_arg && after == 0 ? "after" : "limit",
			      "after must be >= 0 and limit between 1 and 1000.");
		return;
	}
	arr = json_object_new_array();
	rc = store_audit_list(r->st, after, (int)limit, add_record, arr, &more);
	if (rc != ST_OK) {
		json_object_put(arr);
		reply_store_error(out, rc, "audit", "-");
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "records", arr);
	iam_json_add_bool(body, "more", more);
	reply_json(out, 200, body);
}

void h_audit_head(struct req *r, struct reply *out)
{
	char hash[65], msg[128], sig[IAM_SIGN_SIG_B64];
	struct json_object *body;
	int64_t seq = 0;
	int rc = store_audit_head(r->st, &seq, hash);

	if (rc == ST_OK && (iam_audit_head_message(seq, hash, msg, sizeof(msg)) < 0 ||
			    iam_sign(r->srv->signing_key, msg, strlen(msg), sig, NULL) < 0))
		rc = ST_ERROR;
	if (rc != ST_OK) {
		reply_store_error(out, rc, "audit", "-");
		return;
	}
	body = json_object_new_object();
	iam_json_add_int(body, "seq", seq);
	iam_json_add_str(body, "hash", hash);
	iam_json_add_str(body, "signature", sig);
	iam_json_add_str(body, "key_id", r->srv->key_id);
	reply_json(out, 200, body);
}

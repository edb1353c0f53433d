/*
 * Host audit events (audit_event.h): built as JSON objects, kept in the
 * spool (spool.h) until POST /v1/audit/events has taken them. The endpoint
 * stores an event once per (host, id), so every path here prefers sending
 * twice to losing one: an event leaves the spool only after the endpoint
 * acknowledged it, or into bad/ when the endpoint refused it as malformed.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_event.h"
#include "encode.h"
#include "json.h"
#include "names.h"
#include "secmem.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define TYPE_MAX 64
#define USER_MAX 256
#define EVENTS_PATH "/v1/audit/events"
/* What is spooled: json-c's compact form, without escaping '/'. */
#define SPOOL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* What iam_api_call sends: the size that counts against max_body. */
#define SEND_JSON_FLAGS JSON_C_TO_STRING_PLAIN

/* --- Building ------------------------------------------------------------- */

/* The instant an id stands for: name order must follow the order events
 * are made in, also within a second, across processes. The caller's now
 * comes from time(), whose coarse clock may still show the second the
 * precise one has just left, so when the two agree within a second the
 * precise reading is the id's; a now far from the clock (a test's) is
 * taken as it is, at the start of its second. */
static void id_instant(int64_t now, int64_t *sec, long *nsec)
{
	struct timespec ts;

	*sec = now;
	*nsec = 0;
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && (int64_t)ts.tv_sec >= now &&
	    (int64_t)ts.tv_sec - now <= 1) {
		*sec = (int64_t)ts.tv_sec;
		*nsec = ts.tv_nsec;
	}
}

int iam_event_id(int64_t now, char out[IAM_SPOOL_ID_MAX + 1], struct iam_err *err)
{
	unsigned char rnd[16];
	char hex[2 * sizeof(rnd) + 1];
	int64_t sec;
	long nsec;

	if (now < 0) {
		iam_err_set(err, "event time %" PRId64 " is before 1970", now);
		return -EINVAL;
	}
	if (iam_random_bytes(rnd, sizeof(rnd)) < 0) {
		iam_err_set(err, "no random bytes for an event id");
		return -EIO;
	}
	iam_hex_encode(rnd, sizeof(rnd), hex);
	id_instant(now, &sec, &nsec);
	/* at most 19 digits + 1 + 9 + 1 + 32: always within IAM_SPOOL_ID_MAX */
	snprintf(out, IAM_SPOOL_ID_MAX + 1, "%010" PRId64 ".%09ld.%s", sec, nsec, hex);
	return 0;
}

/* The endpoint's rule for types: [a-z0-9._-]{1,64}. */
static int type_valid(const char *type)
{
	size_t n = type ? strnlen(type, TYPE_MAX + 1) : 0, i;

	if (n == 0 || n > TYPE_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = type[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

/* Refused here as the endpoint would refuse it, so that a module's bug
 * shows up in its own log rather than in the spool's bad/. */
static int check_fields(const char *type, const char *user, int64_t now,
			struct json_object *data, struct iam_err *err)
{
	if (!type_valid(type))
		iam_err_set(err, "invalid event type '%.80s': 1-%d characters [a-z0-9._-]",
			    type ? type : "", TYPE_MAX);
	else if (user && !iam_text_valid(user, USER_MAX))
		iam_err_set(err, "event %s: the user is not printable UTF-8 of at most %d bytes",
			    type, USER_MAX);
	else if (now < 1)
		iam_err_set(err, "event %s: time %" PRId64 " is not after 1970", type, now);
	else if (data && !json_object_is_type(data, json_type_object))
		iam_err_set(err, "event %s: data must be a JSON object", type);
	else
		return 0;
	return -EINVAL;
}

static int build(const char *id, const char *type, const char *user, int64_t now,
		 struct json_object *data, struct json_object *ev)
{
	int r = iam_json_add_str(ev, "id", id);

	if (r == 0)
		r = iam_json_add_int(ev, "time", now);
	if (r == 0)
		r = iam_json_add_str(ev, "type", type);
	if (r == 0)
		r = iam_json_add_str(ev, "user", user);
	/* json-c takes data only when the add succeeds */
	if (r == 0 && json_object_object_add(ev, "data", data) == 0)
		return 0;
	json_object_put(data);
	return -ENOMEM;
}

int iam_event_new(const char *type, const char *user, int64_t now, struct json_object *data,
		  struct json_object **out, struct iam_err *err)
{
	char id[IAM_SPOOL_ID_MAX + 1];
	struct json_object *ev = NULL;
	int r;

	*out = NULL;
	r = check_fields(type, user, now, data, err);
	if (r == 0)
		r = iam_event_id(now, id, err);
	if (r == 0 && !data && !(data = json_object_new_object()))
		r = -ENOMEM;
	if (r == 0 && !(ev = json_object_new_object()))
		r = -ENOMEM;
	if (r < 0) {
		if (r == -ENOMEM)
			iam_err_set(err, "out of memory");
		json_object_put(data);
		return r;
	}
	r = build(id, type, user, now, data, ev);
	if (r < 0) {
		iam_err_set(err, "out of memory");
		json_object_put(ev);
		return r;
	}
	*out = ev;
	return 0;
}

/* --- Talking to the endpoint ---------------------------------------------- */

struct ack {
	int64_t accepted, duplicates;
};

static const struct iam_json_field ack_fields[] = {
	{ "accepted", IAM_J_INT64, offsetof(struct ack, accepted), IAM_JF_REQUIRED, 0, 0,
	  IAM_EVENT_BATCH_MAX },
	{ "duplicates", IAM_J_INT64, offsetof(struct ack, duplicates), IAM_JF_REQUIRED, 0, 0,
	  IAM_EVENT_BATCH_MAX },
};

/* Everything sent must be acknowledged, as stored or as known: anything
 * else leaves the events in the spool. */
static int check_ack(struct json_object *ans, size_t n, struct iam_err *err)
{
	struct ack a = { 0, 0 };

	if (iam_json_map(ans, ack_fields, NFIELDS(ack_fields), 0, &a, err) < 0) {
		iam_err_prefix(err, "the endpoint's answer to POST " EVENTS_PATH);
		return -EBADMSG;
	}
	if ((uint64_t)(a.accepted + a.duplicates) != n) {
		iam_err_set(err, "the endpoint acknowledged %" PRId64 " + %" PRId64 " of %zu "
			    "audit events", a.accepted, a.duplicates, n);
		return -EBADMSG;
	}
	return 0;
}

/* POST {"events": events}; events is an array of n events. */
static int post(struct iam_api *api, struct json_object *events, size_t n,
		struct iam_api_error *aerr, struct iam_err *err)
{
	struct json_object *body = json_object_new_object(), *ans = NULL;
	int r;

	memset(aerr, 0, sizeof(*aerr));
	if (!body || json_object_object_add(body, "events", json_object_get(events)) < 0) {
		json_object_put(body);
		iam_err_set(err, "out of memory");
		return -ENOMEM;
	}
	r = iam_api_call(api, "POST", EVENTS_PATH, body, &ans, aerr, err);
	json_object_put(body);
	if (r == 0)
		r = check_ack(ans, n, err);
	json_object_put(ans);
	return r;
}

/* The endpoint refused what was sent (a field, the JSON, the size), as
 * opposed to the request failing: sending the same again cannot help. */
static int refused_content(int r, const struct iam_api_error *aerr)
{
	return r == IAM_API_REFUSED && (aerr->status == 400 || aerr->status == 413);
}

static int post_one(struct iam_api *api, struct json_object *event, struct iam_api_error *aerr,
		    struct iam_err *err)
{
	struct json_object *one = json_object_new_array();
	int r;

	if (!one || json_object_array_add(one, json_object_get(event)) < 0) {
		json_object_put(one);
		memset(aerr, 0, sizeof(*aerr));
		iam_err_set(err, "out of memory");
		return -ENOMEM;
	}
	r = post(api, one, 1, aerr, err);
	json_object_put(one);
	return r;
}

/* --- Reporting one event -------------------------------------------------- */

static int event_id_of(struct json_object *event, const char **id, struct iam_err *err)
{
	struct json_object *v = NULL;

	if (json_object_is_type(event, json_type_object) &&
	    json_object_object_get_ex(event, "id", &v) && json_object_is_type(v, json_type_string) &&
	    iam_spool_id_valid(json_object_get_string(v))) {
		*id = json_object_get_string(v);
		return 0;
	}
	iam_err_set(err, "the audit event has no valid id (make it with iam_event_new)");
	return -EINVAL;
}

static int spool_event(const char *dir, long long max, const char *id, struct json_object *event,
		       struct iam_err *err)
{
	const char *text;
	int r = iam_spool_check_dir(dir, 0, 1, err);

	if (r < 0)
		return r;
	text = json_object_to_json_string_ext(event, SPOOL_JSON_FLAGS);
	if (!text) {
		iam_err_set(err, "out of memory");
		return -ENOMEM;
	}
	return iam_spool_put(dir, max, id, text, strlen(text), err);
}

/* The endpoint will never take this event: keep it in bad/ for an admin. */
static int report_refused(const char *dir, const char *id, int spooled,
			  const struct iam_err *why, struct iam_err *err)
{
	struct iam_err qerr = { "" };

	if (spooled && iam_spool_quarantine(dir, id, &qerr) == 0)
		iam_err_set(err, "the endpoint refused audit event %s: %.200s; kept in %.200s/bad",
			    id, why->msg, dir);
	else
		iam_err_set(err, "the endpoint refused audit event %s: %.200s; not kept%s%.200s",
			    id, why->msg, qerr.msg[0] ? ": " : "", qerr.msg);
	return -EBADMSG;
}

int iam_event_report(struct iam_api *api, const char *spool_dir, long long spool_max,
		     struct json_object *event, int *delivered, struct iam_err *err)
{
	struct iam_err serr = { "" }, derr = { "" };
	struct iam_api_error aerr;
	const char *id;
	int sr, dr = -ENOTCONN;

	if (delivered)
		*delivered = 0;
	sr = event_id_of(event, &id, err);
	if (sr < 0)
		return sr;
	sr = spool_event(spool_dir, spool_max, id, event, &serr);
	if (api)
		dr = post_one(api, event, &aerr, &derr);
	if (dr == 0) {
		/* a leftover file is only ever resent as a duplicate */
		if (sr == 0)
			iam_spool_remove(spool_dir, id, NULL);
		if (delivered)
			*delivered = 1;
		return 0;
	}
	if (api && refused_content(dr, &aerr))
		return report_refused(spool_dir, id, sr == 0, &derr, err);
	if (sr == 0)
		return 0;
	iam_err_set(err, "audit event %s is lost: %.240s; %.240s", id, serr.msg,
		    api ? derr.msg : "and there is no endpoint to deliver it to");
	return sr;
}

/* --- Delivering the spool ------------------------------------------------- */

struct batch {
	const char *dir;
	struct json_object *events; /* array */
	char (*ids)[IAM_SPOOL_ID_MAX + 1];
	size_t n, max, bytes;
	struct iam_delivery *d;
	struct iam_err *err;
};

static int quarantine(struct batch *b, const char *id, const char *why)
{
	char reason[sizeof(b->err->msg)];
	int r;

	/* why may be b->err's own text */
	snprintf(reason, sizeof(reason), "%s", why);
	r = iam_spool_quarantine(b->dir, id, b->err);
	if (r < 0)
		return r;
	b->d->quarantined++;
	if (b->d->on_quarantine)
		b->d->on_quarantine(b->d->ctx, id, reason);
	return 0;
}

/* A spooled file must hold one JSON object whose id is its name; the rest
 * is the endpoint's to judge. */
static int read_event(const char *id, const char *json, size_t len, struct json_object **out,
		      struct iam_err *why)
{
	struct json_object *ev = NULL, *v = NULL;

	*out = NULL;
	if (iam_json_parse(json, len, &ev, why) < 0)
		return -EINVAL;
	if (!json_object_is_type(ev, json_type_object))
		iam_err_set(why, "not a JSON object");
	else if (!json_object_object_get_ex(ev, "id", &v) ||
		 !json_object_is_type(v, json_type_string) ||
		 strcmp(json_object_get_string(v), id) != 0)
		iam_err_set(why, "its \"id\" is not its file name");
	else {
		*out = ev;
		return 0;
	}
	json_object_put(ev);
	return -EINVAL;
}

/* iam_spool_fn: adds events to the batch until it is full in count or in
 * bytes (but always takes one). */
static int collect(void *ctx, const char *id, const char *json, size_t len)
{
	struct batch *b = ctx;
	struct iam_err why = { "" };
	struct json_object *ev;
	const char *text;
	size_t size;

	if (read_event(id, json, len, &ev, &why) < 0)
		return quarantine(b, id, why.msg);
	text = json_object_to_json_string_ext(ev, SEND_JSON_FLAGS);
	size = (text ? strlen(text) : 0) + 1;
	if (b->n > 0 && b->bytes + size > IAM_EVENT_BATCH_BYTES) {
		json_object_put(ev);
		return 1;
	}
	if (json_object_array_add(b->events, ev) < 0) {
		json_object_put(ev);
		iam_err_set(b->err, "out of memory");
		return -ENOMEM;
	}
	snprintf(b->ids[b->n++], IAM_SPOOL_ID_MAX + 1, "%s", id);
	b->bytes += size;
	return b->n == b->max;
}

static int remove_sent(struct batch *b, size_t from, size_t to)
{
	size_t i;
	int r = 0;

	for (i = from; r == 0 && i < to; i++) {
		r = iam_spool_remove(b->dir, b->ids[i], b->err);
		if (r == 0)
			b->d->sent++;
	}
	return r;
}

static int failed(struct batch *b, int r, const struct iam_api_error *aerr, const char *what)
{
	if (r == IAM_API_REFUSED)
		b->d->status = aerr->status;
	iam_err_prefix(b->err, "delivering %s", what);
	return r;
}

static int send_one(struct iam_api *api, struct batch *b, size_t i)
{
	struct iam_api_error aerr;
	char what[IAM_SPOOL_ID_MAX + 32];
	int r = post_one(api, json_object_array_get_idx(b->events, i), &aerr, b->err);

	if (r == 0)
		return remove_sent(b, i, i + 1);
	if (refused_content(r, &aerr))
		return quarantine(b, b->ids[i], b->err->msg);
	snprintf(what, sizeof(what), "audit event %s", b->ids[i]);
	return failed(b, r, &aerr, what);
}

static int send_batch(struct iam_api *api, struct batch *b)
{
	struct iam_api_error aerr;
	char what[64];
	size_t i;
	int r = post(api, b->events, b->n, &aerr, b->err);

	if (r == 0)
		return remove_sent(b, 0, b->n);
	if (!refused_content(r, &aerr)) {
		snprintf(what, sizeof(what), "%zu audit events", b->n);
		return failed(b, r, &aerr, what);
	}
	if (b->n == 1)
		return quarantine(b, b->ids[0], b->err->msg);
	/* One of them is bad (or they are too many together): find which. */
	for (i = 0, r = 0; r == 0 && i < b->n; i++)
		r = send_one(api, b, i);
	return r;
}

int iam_event_deliver_spool(struct iam_api *api, const char *spool_dir, size_t batch,
			    struct iam_delivery *d, struct iam_err *err)
{
	struct batch b = { spool_dir, NULL, NULL, 0, batch, 0, d, err };
	int r = 0;

	d->sent = d->quarantined = d->junk = 0;
	d->status = 0;
	if (batch < 1 || batch > IAM_EVENT_BATCH_MAX) {
		iam_err_set(err, "a batch is 1 to %d audit events, not %zu", IAM_EVENT_BATCH_MAX,
			    batch);
		return -EINVAL;
	}
	b.events = json_object_new_array();
	b.ids = calloc(batch, sizeof(*b.ids));
	if (!b.events || !b.ids) {
		iam_err_set(err, "out of memory");
		r = -ENOMEM;
	}
	if (r == 0)
		r = iam_spool_each(spool_dir, batch, collect, &b, &d->junk, err);
	if (r == 0 && b.n > 0)
		r = send_batch(api, &b);
	json_object_put(b.events);
	free(b.ids);
	return r;
}

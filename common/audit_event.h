/*
 * Audit events a host reports (session.open, session.close, login.offline,
 * breakglass.use, elevation.use ...): built here, spooled (spool.h), and
 * delivered with POST /v1/audit/events (doc/api.md, "Audit").
 */
#ifndef IAM_AUDIT_EVENT_H
#define IAM_AUDIT_EVENT_H

#include <stdint.h>
#include <json-c/json.h>
#include "api_client.h"
#include "spool.h"

/* A fresh event id: "<time, 10+ digits>.<nanoseconds, 9 digits>.<32 hex
 * digits from RAND_bytes>", so ids sort by time, to the nanosecond (events
 * of one second are delivered in the order they were made), and never
 * collide across processes. The time is the precise clock's when now is
 * within a second of it (time() lags it by up to a tick), so the id's
 * second may be one past now; otherwise now's, at nanosecond 0. */
int iam_event_id(int64_t now, char out[IAM_SPOOL_ID_MAX + 1], struct iam_err *err);

/*
 * {"id", "time", "type", "user", "data"}. data is an object the caller built
 * (may be NULL for {}); ownership passes to the event, also on failure.
 * user may be NULL (then absent). What the endpoint would refuse is refused
 * here with -EINVAL: a type outside [a-z0-9._-]{1,64}, a user that is not
 * printable UTF-8 of at most 256 bytes, now < 1, data not an object.
 * *out is put by the caller.
 */
int iam_event_new(const char *type, const char *user, int64_t now, struct json_object *data,
		  struct json_object **out, struct iam_err *err);

/*
 * The one call the PAM modules make: spool the event (fsync'd; the spool
 * directory is made when missing and must be root's, see
 * iam_spool_check_dir), try to deliver it at once with api (may be NULL:
 * spool only), remove it from the spool when the endpoint accepted it.
 * Returns 0 when the event is safe (delivered or spooled); *delivered (may
 * be NULL) says which. Fails when the event could not even be spooled
 * (-ENOSPC full, -EIO...), after still trying to deliver it; and with
 * -EBADMSG when the endpoint refused the event itself as malformed (it is
 * then in "<spool>/bad/", and err says why): a bug to log, not to retry.
 * The caller keeps its reference to event.
 */
int iam_event_report(struct iam_api *api, const char *spool_dir, long long spool_max,
		     struct json_object *event, int *delivered, struct iam_err *err);

/* What one iam_event_deliver_spool() call did. */
struct iam_delivery {
	size_t sent;        /* accepted (or known already) by the endpoint, removed */
	size_t quarantined; /* events moved to bad/: refused by the endpoint as
			     * malformed, or not a JSON event object */
	size_t junk;        /* other files moved to bad/ (see iam_spool_each) */
	long status;        /* on IAM_API_REFUSED: the endpoint's HTTP status
			     * (401: read the host credential again) */
	/* Optional, for the log: each event moved to bad/, and why. */
	void (*on_quarantine)(void *ctx, const char *id, const char *why);
	void *ctx;
};

/*
 * Delivers up to `batch` (1..1000) spooled events, oldest first, in one
 * request of at most IAM_EVENT_BATCH_BYTES (so that it fits the endpoint's
 * default max_body), and removes the accepted ones; when the endpoint
 * refuses the batch as malformed (400 invalid_field, 413 body_too_large),
 * the events are sent one by one and those it refuses are quarantined, so
 * a bad event cannot block the rest. Counters in *d are reset first; 0
 * with nothing sent and nothing quarantined means the spool is empty.
 * Any other failure (transport, 5xx, 401, 403...) leaves the events in the
 * spool and returns the error. iamd calls this until the spool is empty
 * or the endpoint is unreachable.
 */
#define IAM_EVENT_BATCH_MAX 1000
#define IAM_EVENT_BATCH_BYTES ((size_t)48 * 1024)
int iam_event_deliver_spool(struct iam_api *api, const char *spool_dir, size_t batch,
			    struct iam_delivery *d, struct iam_err *err);

#endif

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "parse.h"
#include "sign.h"

#define POLL_INTERVAL_US 100000

/* Long-poll by watching the serial in the store (not a process-local
 * condition), so that replicas sharing one database all wake up. */
static int64_t wait_for_change(struct req *r, int64_t since, long long wait)
{
	int64_t serial = store_serial(r->st);
	long long waited_us = 0;

	while (serial >= 0 && serial <= since && waited_us < wait * 1000000LL &&
	       !r->srv->stopping) {
		usleep(POLL_INTERVAL_US);
		waited_us += POLL_INTERVAL_US;
		serial = store_serial(r->st);
	}
	return serial;
}

static void reply_snapshot(struct req *r, struct reply *out)
{
	char sig[IAM_SIGN_SIG_B64];
	struct json_object *body;
	char *payload = NULL;
	int64_t serial = 0;
	int rc;

	rc = store_snapshot_payload(r->st, r->who.name, r->now, &serial, &payload);
	if (rc != ST_OK) {
		reply_store_error(out, rc, "snapshot", "-");
		return;
	}
	if (iam_sign(r->srv->signing_key, payload, strlen(payload), sig, NULL) < 0) {
		free(payload);
		reply_error(out, 500, "internal", "Could not sign the snapshot.");
		return;
	}
	body = json_object_new_object();
	iam_json_add_bool(body, "changed", 1);
	iam_json_add_int(body, "serial", serial);
	json_object_object_add(body, "payload", json_object_new_string(payload));
	iam_json_add_str(body, "signature", sig);
	iam_json_add_str(body, "key_id", r->srv->key_id);
	free(payload);
	reply_json(out, 200, body);
}

void h_snapshot(struct req *r, struct reply *out)
{
	const char *since_arg = query_arg(r, "since"), *wait_arg = query_arg(r, "wait");
	long long since = -1, wait = 0;
	struct json_object *body;
	int64_t serial;

	if ((since_arg && iam_parse_ll(since_arg, 0, INT64_MAX - 1, &since) < 0) ||
	    (wait_arg && iam_parse_ll(wait_arg, 0, 3600, &wait) < 0)) {
		reply_invalid(out, since_arg && since < 0 ? "since" : "wait",
			      "since and wait must be non-negative integers.");
		return;
	}
	if (wait > r->srv->cfg->long_poll_max)
		wait = r->srv->cfg->long_poll_max;
	serial = since < 0 ? store_serial(r->st) : wait_for_change(r, since, wait);
	if (serial < 0) {
		reply_store_error(out, ST_ERROR, "snapshot", "-");
	} else if (since >= 0 && serial <= since) {
		body = json_object_new_object();
		iam_json_add_bool(body, "changed", 0);
		iam_json_add_int(body, "serial", serial);
		reply_json(out, 200, body);
	} else {
		/* The clock moves on while waiting; the snapshot is of now. */
		r->now = time(NULL);
		reply_snapshot(r, out);
	}
}

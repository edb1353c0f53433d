/*
 * Delivering the audit spool (spool_dir in iam.conf; common/spool.h and
 * common/audit_event.h): a round sends batches, oldest first, until the
 * spool is empty or the endpoint fails. "iamd flush-spool" runs one round;
 * the daemon runs rounds in a thread of its own, so that a slow or failing
 * audit ingest never delays a cache update, and a long-poll that waits up
 * to IAMD_POLL_WAIT seconds never delays the audit.
 */
#ifndef IAMD_DELIVER_H
#define IAMD_DELIVER_H

#include <stddef.h>

#include "agent.h"

struct deliver_result {
	size_t sent;        /* delivered (or already known) and removed */
	size_t quarantined; /* events moved to bad/ */
	size_t junk;        /* other files moved to bad/ */
	long long waiting;  /* events left after the round; -1: unknown */
	long status;        /* on a refusal: the endpoint's HTTP status */
	const char *reason; /* on failure: one word for the log */
};

/* One round through api. Logs one line per event it quarantines and one
 * for other files it moved; the caller logs the outcome (res, err). */
int deliver_round(struct iam_api *api, const struct iam_host_config *cfg,
		  struct deliver_result *res, struct iam_err *err);

/* Starts the daemon's delivery thread: a round at once, then one every
 * DELIVER_INTERVAL_MS while events wait, and one soon after each
 * deliver_kick(); after a failure the interval doubles up to
 * DELIVER_RETRY_MAX_MS. */
#define DELIVER_INTERVAL_MS 10000LL
#define DELIVER_RETRY_MAX_MS 60000LL
int deliver_start(struct agent *a);
/* The sync worker's call each time the endpoint answered a snapshot
 * request: the endpoint is reachable, so waiting events may go now. */
void deliver_kick(struct agent *a);

#endif

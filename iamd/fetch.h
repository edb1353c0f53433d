/*
 * The conversation with the endpoint (doc/api.md): who this host is, and
 * the snapshot envelope. The payload is handed on unparsed; snapshot.c
 * checks its signature before anything reads it.
 */
#ifndef IAMD_FETCH_H
#define IAMD_FETCH_H

#include <stdint.h>

#include "agent.h"

/* The answer to GET /v1/snapshot. */
struct envelope {
	int changed;
	int64_t serial;
	char *payload, *signature, *key_id; /* when changed */
};

/* Sets a->host from GET /v1/whoami, once. */
int fetch_host_name(struct agent *a, const char **reason, struct iam_err *err);

/* GET /v1/snapshot?since=SINCE&wait=WAIT, through the long-poll client
 * when wait > 0; since < 0: the whole snapshot, at once. On failure,
 * *reason is one word for the log ("unreachable", "timeout", "tls",
 * "refused", "bad_answer", ...). */
int fetch_snapshot(struct agent *a, long long since, unsigned wait, struct envelope *env,
		   const char **reason, struct iam_err *err);
void envelope_free(struct envelope *env);

/* The word for a failed API call r (iam_api_call's result; status: the
 * HTTP status when r is IAM_API_REFUSED). */
const char *fetch_reason(int r, long status);

#endif

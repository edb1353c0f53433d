/*
 * Decisions as pure functions: facts and the time in, a decision and its
 * reason out. No I/O, no clock, no globals, so that each rule is tested on
 * its own and risk signals can later be added as more inputs.
 */
#ifndef IAM_POLICYD_DECIDE_H
#define IAM_POLICYD_DECIDE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "store.h"
#include "tz.h"

/* The state a request is in at `now`, derived from its stored state:
 * pending past expires_at is "expired", approved is "active" inside
 * [not_before, not_after) and "expired" after it. */
const char *request_state(const struct request_row *r, time_t now);

/* Who wants to act on a request, as far as the rules care. */
struct actor_facts {
	int is_admin;
	int is_requester;
	int is_approver;  /* member of the role's approvers group */
};

/* Whether the action may happen now. NULL when it may, else the API error
 * code ("self_approval", "not_approver", "forbidden", "request_expired",
 * "invalid_state"). RQ_EXTEND asks whether r, a grant, may be extended:
 * by its requester only, while it is active. An extension row is approved,
 * denied and canceled like a request; revoking it is allowed while it is
 * pending (the store then cancels it) and refused once it applied (revoke
 * the grant instead). */
const char *decide_transition(enum request_action action, const struct request_row *r,
			      const struct actor_facts *a, time_t now);

/* Where grant g ends if `duration` seconds are added now: from
 * max(g's not_after, now), but never more than max_duration (the role's)
 * after now. NULL with *not_after set, else "grant_ended" (g is no longer
 * active) or "max_duration" (the cap leaves nothing to add). */
const char *decide_extension(const struct request_row *g, int64_t duration,
			     int64_t max_duration, time_t now, int64_t *not_after);

struct decision {
	int allow;
	const char *reason;   /* stable code, see doc/api.md */
	char message[512];    /* one plain sentence for the user */
};

void decide_account(const struct account_facts *f, struct decision *d);

/* The grant check. reqs are the user's requests for the role, newest first.
 * tz is the role's zone (NULL when the role has no window); origin may be
 * NULL or "" when the caller knows none. Only rows that are not extensions
 * and whose host is the asking one (or every host) count. */
struct grant_input {
	const struct user_row *user;   /* NULL: unknown user */
	const struct role_row *role;   /* NULL: unknown role */
	const char *role_name;
	const struct request_row *reqs;
	int nreqs;
	const struct iam_tz *tz;
	const char *origin;
	time_t now;
	int64_t host_id;               /* the host asking */
};

/* Fills d; *grant points at the active request used (or NULL). */
void decide_grant(const struct grant_input *in, struct decision *d,
		  const struct request_row **grant);

/* Lockout: whether a key with `until` is locked at now. */
int decide_locked(int64_t until, time_t now);

/* The rules a user's own new password must follow (password_min_length,
 * password_min_classes). Administrators' passwords are not held to them:
 * an admin may set a temporary one. */
#define PASSWORD_MAX_BYTES 1024

struct password_policy {
	long long min_length;   /* characters (Unicode code points) */
	long long min_classes;  /* of: lower, upper, digit, other */
};

/* Whether new_password may replace old_password for user. NULL when it
 * may; else the rule it breaks ("too_short", "too_long", "same_as_old",
 * "contains_user", "too_few_classes") and one sentence for the user in
 * msg. The strings are valid UTF-8 (the JSON parser saw to that). */
const char *decide_password(const struct password_policy *p, const char *user,
			    const char *old_password, const char *new_password,
			    char *msg, size_t msgsz);

#endif

/*
 * One attempt to prove who one is with a user's password (and TOTP code),
 * shared by logins (h_auth.c) and self-service password changes
 * (h_password.c), so that both lock out, rate-limit, cost the same for
 * unknown users and audit in the same words.
 */
#ifndef IAM_POLICYD_ATTEMPT_H
#define IAM_POLICYD_ATTEMPT_H

#include "api.h"

struct attempt {
	struct req *r;
	const char *event;   /* audit type of a lockout: "login", "user.password" */
	const char *by;      /* "self" for password changes, else NULL */
	const char *user;
	const char *service, *origin, *tty;
	char user_key[64];   /* lockout per name; "" for a name that is not valid */
	char rate_key[96];   /* rate limit per client or origin; "" when none */
};

/* "" and NULL mean the same for service, origin and tty: unknown. */
void attempt_init(struct attempt *a, struct req *r, const char *event, const char *user,
		  const char *service, const char *origin, const char *tty);

/* The attempt's audit data with its result and reason; the caller puts it. */
struct json_object *attempt_data(const struct attempt *a, const char *result,
				 const char *reason);
/* The log line of an attempt, and of an audit record that failed (rc). */
void attempt_log(const struct attempt *a, const char *type, const char *result,
		 const char *reason, int rc);
/* Logs the attempt and writes its audit record; returns the store's result
 * so that a success is never answered without its record. */
int attempt_audit(const struct attempt *a, const char *type, const char *result,
		  const char *reason);

/* 1 when the name or the source is locked: the reply is then 429. */
int attempt_locked(struct attempt *a, struct reply *out);
/* Counts a failure toward lockout, audits it and replies 401 auth_failed. */
void attempt_fail(struct attempt *a, const char *type, const char *reason,
		  struct reply *out);
/* After a success: forgets the name's failures. */
void attempt_reset(struct attempt *a);

/* An unknown user, a deprovisioned one and one without a password all cost
 * one KDF run against a dummy verifier, so timing tells nothing. 1 for a
 * match, 0 for none (*reason says why), -EBUSY when no KDF slot came free
 * in time. */
int attempt_password(struct req *r, const struct login_facts *f, const char *password,
		     const char **reason);
/* A TOTP code of the user, accepted once: 1, or 0 with *reason
 * ("bad_code", "replayed_code"). The step is marked used on success. */
int attempt_code(struct req *r, const struct login_facts *f, const char *code,
		 const char **reason);

#endif

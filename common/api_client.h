/*
 * A client of the iam-policyd API (doc/api.md) on top of the HTTP client:
 * sends JSON, parses answers strictly, and turns the endpoint's error
 * objects into struct iam_api_error. Used by iamctl, and by the modules and
 * iamd for the typed calls at the end.
 */
#ifndef IAM_API_CLIENT_H
#define IAM_API_CLIENT_H

#include <errno.h>
#include <stdint.h>
#include <json-c/json.h>
#include "http.h"
#include "iam_error.h"

struct iam_api;

/* What the endpoint said when it refused a request. */
struct iam_api_error {
	long status;            /* HTTP status */
	char code[48];          /* stable code, e.g. "auth_failed" */
	char message[256];      /* for people */
	char field[64];         /* invalid_field: which one, else "" */
	char resource[32];      /* not_found: which kind, else "" */
	char state[32];         /* invalid_state: the current state, else "" */
	long long retry_after;  /* locked_out: seconds, else 0 */
	char rule[32];          /* weak_password: the rule broken, else "" */
};

/* The endpoint answered with an error object (see aerr). */
#define IAM_API_REFUSED (-EREMOTEIO)

/* token may be NULL; it is copied and wiped on free. */
struct iam_api *iam_api_new(const struct iam_http_config *cfg, const char *token,
			    struct iam_err *err);
void iam_api_free(struct iam_api *api);
int iam_api_set_token(struct iam_api *api, const char *token);

/*
 * One request. body may be NULL. On 2xx: 0 and *out (may be passed NULL to
 * discard) holds the parsed object, which the caller puts.
 * IAM_API_REFUSED: the endpoint refused; aerr is filled and err holds
 * "<code>: <message>". Other negatives: the transport failed (see
 * iam_http_request) or the answer was not the JSON object the API promises
 * (-EBADMSG); err says which.
 */
int iam_api_call(struct iam_api *api, const char *method, const char *path,
		 struct json_object *body, struct json_object **out,
		 struct iam_api_error *aerr, struct iam_err *err);

/* Percent-encodes one path segment (RFC 3986 unreserved kept). */
int iam_api_escape(const char *segment, char *out, size_t outsz);

/* --- Typed calls ------------------------------------------------------ */

struct iam_login_result {
	char *result;     /* "ok" or "mfa_required" */
	char *user;
	int mfa;
	char *challenge;  /* mfa_required */
	char *token;      /* CLI logins: the session token (a secret) */
	int64_t expires_at;
	char *password_stamp; /* host logins: changes when the password is set */
};

int iam_api_login(struct iam_api *api, const char *user, const char *password,
		  const char *service, const char *origin, const char *tty,
		  struct iam_login_result *out, struct iam_api_error *aerr,
		  struct iam_err *err);
int iam_api_mfa(struct iam_api *api, const char *challenge, const char *code,
		struct iam_login_result *out, struct iam_api_error *aerr,
		struct iam_err *err);
void iam_login_result_free(struct iam_login_result *r);

/*
 * A user's own password change (POST /v1/auth/password), on behalf of the
 * user (a host token) or as the user (no token). code may be NULL; it is
 * needed when the user has TOTP (else the refusal is mfa_required).
 * service, origin and tty may be NULL and go to the audit log. 0 when the
 * password was changed. A weak new password is IAM_API_REFUSED with
 * aerr->code "weak_password", aerr->rule naming the rule and
 * aerr->message saying it for people. The request body (all the secrets)
 * is wiped once sent.
 */
int iam_api_change_password(struct iam_api *api, const char *user, const char *old_password,
			    const char *new_password, const char *code, const char *service,
			    const char *origin, const char *tty, struct iam_api_error *aerr,
			    struct iam_err *err);

struct iam_decision {
	int allow;        /* 1 only when the endpoint said "allow" */
	char *reason;
	char *message;
	int64_t grant_id; /* grant decisions: 0 when none */
	int64_t not_before;
	int64_t not_after;
	char *document;   /* allowed grants: the signed grant (doc/api.md), or NULL */
	char *signature;  /* its Ed25519 signature, base64 */
};

int iam_api_decide_account(struct iam_api *api, const char *user, const char *service,
			   const char *origin, const char *tty, struct iam_decision *out,
			   struct iam_api_error *aerr, struct iam_err *err);
int iam_api_decide_grant(struct iam_api *api, const char *user, const char *role,
			 const char *origin, struct iam_decision *out,
			 struct iam_api_error *aerr, struct iam_err *err);
void iam_decision_free(struct iam_decision *d);

/* An elevation request a host makes for a user (POST /v1/requests with
 * "user"), scoped to that host. code may be NULL. */
struct iam_request_new {
	const char *user;
	const char *role;
	int64_t duration;
	const char *reason;
	const char *code;
};

struct iam_request_result {
	int64_t id;
	char *state;      /* "active" or "pending" */
	int64_t not_after;
};

int iam_api_request_create(struct iam_api *api, const struct iam_request_new *rq,
			   struct iam_request_result *out, struct iam_api_error *aerr,
			   struct iam_err *err);
void iam_request_result_free(struct iam_request_result *r);

/* A role as GET /v1/roles/NAME gives it: what a request may ask for. */
struct iam_role_info {
	int64_t max_duration;
	int mfa;
	char *approval;   /* "none" or "required" */
	char *approvers;  /* NULL when approval is none */
	char **eligible_users;  /* NULL-terminated */
	char **eligible_groups; /* NULL-terminated */
};

int iam_api_role_get(struct iam_api *api, const char *role, struct iam_role_info *out,
		     struct iam_api_error *aerr, struct iam_err *err);
void iam_role_info_free(struct iam_role_info *r);
/* Frees a NULL-terminated array of strings and the strings. */
void iam_strv_free(char **v);

/* A break-glass login with a password checked out of the vault (POST
 * /v1/vault/use, api_vault.c), as a host. 0 when the endpoint accepts it;
 * IAM_API_REFUSED with aerr->code "auth_failed" (not the vault's
 * password), "not_checked_out" (right, but nobody's check-out runs),
 * "no_secret" (never escrowed) or another refusal. The request body is
 * wiped once sent. */
struct iam_vault_login {
	const char *account, *password;
	const char *service, *origin, *tty; /* may be NULL */
};

struct iam_vault_use {
	int64_t version;
	char holders[256];  /* "alice,bob": whose check-outs hold it, newest first */
};

int iam_api_vault_use(struct iam_api *api, const struct iam_vault_login *in,
		      struct iam_vault_use *out, struct iam_api_error *aerr, struct iam_err *err);

#endif

/*
 * What request handlers see: one parsed request in, one reply out. The
 * server (server.c) does HTTP and TLS; the router (router.c) authenticates
 * and picks the handler; handlers (h_*.c) validate input, call the store and
 * build the reply. Replies are always JSON; errors use the stable codes of
 * doc/api.md.
 */
#ifndef IAM_POLICYD_API_H
#define IAM_POLICYD_API_H

#include <semaphore.h>
#include <stdint.h>
#include <time.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "json.h"
#include "kdf.h"
#include "pconfig.h"
#include "sign.h"
#include "store.h"

struct MHD_Connection;

/* Process-wide, read-only once the server runs. */
struct server_ctx {
	const struct pconfig *cfg;
	struct store *st;
	EVP_PKEY *signing_key;
	char key_id[17];
	EVP_PKEY *vault_key;               /* NULL without vault_key */
	struct iam_kdf_params kdf;
	char dummy_verifier[IAM_KDF_MAX]; /* so unknown users cost one KDF too */
	sem_t *kdf_slots;                  /* scrypt runs at once (memory bound) */
	volatile int stopping;
};

/* Each scrypt run takes 128*N*r bytes (32 MiB by default): at most
 * kdf_concurrency of them run at once; the others wait up to 10 s, then
 * the request is answered 503. kdf_hash/kdf_verify return -EBUSY then. */
int kdf_hash(const struct server_ctx *srv, const char *password, char out[IAM_KDF_MAX]);
int kdf_verify(const struct server_ctx *srv, const char *password, const char *verifier);

#define MAX_PARAMS 4

struct req {
	const struct server_ctx *srv;
	struct store *st;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	const char *params[MAX_PARAMS]; /* the '*' segments of the route */
	char param_buf[512];
	struct json_object *body;       /* NULL without a body */
	struct principal who;
	char source[300];               /* "admin", "host:web1", "user:bob", "anonymous" */
	char client_ip[64];
	time_t now;
};

struct reply {
	int status;
	struct json_object *body;
};

typedef void (*handler_fn)(struct req *r, struct reply *out);

/* Replies. Each replaces whatever out held. */
void reply_json(struct reply *out, int status, struct json_object *body);
void reply_error(struct reply *out, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Adds one extra field to an error reply ("field", "resource", ...). */
void reply_error_field(struct reply *out, const char *key, struct json_object *value);
void reply_not_found(struct reply *out, const char *resource, const char *name);
void reply_invalid(struct reply *out, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The generic mapping of a store result; resource/name describe the object. */
void reply_store_error(struct reply *out, int rc, const char *resource, const char *name);
void reply_ok(struct reply *out);

/* Maps the body with a field table (unknown fields refused); on failure the
 * reply is already a 400 invalid_field naming the field. A missing body is
 * treated as {}. */
int body_map(struct req *r, struct reply *out, const struct iam_json_field *fields,
	     size_t n, void *dst);
/* A query argument, or NULL. */
const char *query_arg(struct req *r, const char *name);

/* Access rules handlers check themselves (the router checks the token kind). */
int is_admin(const struct req *r);
int is_self(const struct req *r, const char *user);

/* JSON views of stored objects. NULL on allocation failure. */
struct json_object *user_json(struct store *st, const struct user_row *u);
struct json_object *group_json(struct store *st, const struct group_row *g, time_t now);
struct json_object *host_json(struct store *st, const struct host_row *h);
struct json_object *role_json(struct store *st, const struct role_row *r);
struct json_object *request_json(const struct request_row *q, time_t now);
/* A role's networks (canonical CIDRs joined by ',') as a JSON array. */
struct json_object *networks_json(const char *csv);

/* The signed grant of doc/api.md ("Signed grants") for grant g of user u
 * and role, valid on the asking host only: *document is the JSON text
 * (malloc'd) and sig its Ed25519 signature by the snapshot key. 0, or -1
 * when it cannot be made. */
int grant_document(const struct req *r, const struct user_row *u,
		   const struct role_row *role, const struct request_row *g,
		   char **document, char sig[IAM_SIGN_SIG_B64]);

/* Routing: authenticates the caller and runs the handler. */
void route_request(struct req *r, struct reply *out);

/* Handlers, grouped by file. */
void h_health(struct req *r, struct reply *out);
void h_whoami(struct req *r, struct reply *out);

void h_login(struct req *r, struct reply *out);
void h_login_mfa(struct req *r, struct reply *out);
void h_logout(struct req *r, struct reply *out);
void h_password_change(struct req *r, struct reply *out);

void h_user_create(struct req *r, struct reply *out);
void h_user_list(struct req *r, struct reply *out);
void h_user_get(struct req *r, struct reply *out);
void h_user_password(struct req *r, struct reply *out);
void h_user_disable(struct req *r, struct reply *out);
void h_user_enable(struct req *r, struct reply *out);
void h_user_deprovision(struct req *r, struct reply *out);
void h_user_unlock(struct req *r, struct reply *out);
void h_user_mfa_enroll(struct req *r, struct reply *out);
void h_user_mfa_remove(struct req *r, struct reply *out);
void h_user_key_add(struct req *r, struct reply *out);
void h_user_key_list(struct req *r, struct reply *out);
void h_user_key_remove(struct req *r, struct reply *out);

void h_group_create(struct req *r, struct reply *out);
void h_group_list(struct req *r, struct reply *out);
void h_group_get(struct req *r, struct reply *out);
void h_group_member_add(struct req *r, struct reply *out);
void h_group_member_remove(struct req *r, struct reply *out);

void h_host_enroll(struct req *r, struct reply *out);
void h_host_rotate(struct req *r, struct reply *out);
void h_host_list(struct req *r, struct reply *out);
void h_host_get(struct req *r, struct reply *out);
void h_host_allow(struct req *r, struct reply *out);
void h_host_disallow(struct req *r, struct reply *out);

void h_role_create(struct req *r, struct reply *out);
void h_role_list(struct req *r, struct reply *out);
void h_role_get(struct req *r, struct reply *out);
void h_role_eligible_add(struct req *r, struct reply *out);
void h_role_eligible_remove(struct req *r, struct reply *out);

void h_request_create(struct req *r, struct reply *out);
void h_request_list(struct req *r, struct reply *out);
void h_request_get(struct req *r, struct reply *out);
void h_request_approve(struct req *r, struct reply *out);
void h_request_deny(struct req *r, struct reply *out);
void h_request_revoke(struct req *r, struct reply *out);
void h_request_cancel(struct req *r, struct reply *out);
void h_request_extend(struct req *r, struct reply *out);

void h_decide_account(struct req *r, struct reply *out);
void h_decide_grant(struct req *r, struct reply *out);

void h_snapshot(struct req *r, struct reply *out);

void h_vault_escrow(struct req *r, struct reply *out);
void h_vault_confirm(struct req *r, struct reply *out);
void h_vault_abandon(struct req *r, struct reply *out);
void h_vault_history(struct req *r, struct reply *out);
void h_vault_checkout(struct req *r, struct reply *out);
void h_vault_checkin(struct req *r, struct reply *out);
void h_vault_due(struct req *r, struct reply *out);
void h_vault_use(struct req *r, struct reply *out);

/* vault_secret.c: whether the endpoint has a vault key (else the reply is
 * 409 vault_not_configured and -1), and what the vault holds for one
 * account of one host. */
int vault_ready(const struct req *r, struct reply *out);

struct vault_target {
	int64_t host_id;
	const char *host, *account;
};

struct vault_secret {
	struct vault_row cur, pend;
	char *cur_pw;           /* the current version's password */
	char *pend_pw;          /* NULL when no version is pending */
};

/* ST_OK, ST_NOTFOUND when the account has no current version, or
 * ST_ERROR (a store fault or a text the vault key cannot open: logged). */
int vault_secret_open(const struct req *r, const struct vault_target *t,
		      struct vault_secret *s);
/* The version whose password this is, or NULL; constant time. */
const struct vault_row *vault_secret_match(const struct vault_secret *s, const char *password);
void vault_secret_free(struct vault_secret *s);

void h_audit_ingest(struct req *r, struct reply *out);
void h_audit_list(struct req *r, struct reply *out);
void h_audit_head(struct req *r, struct reply *out);

#endif

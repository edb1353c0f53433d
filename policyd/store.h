/*
 * The store: every byte of SQL in iam-policyd lives behind this interface
 * (store*.c), so that SQLite can later be joined by PostgreSQL without
 * touching request handling. SQLite runs in WAL mode with synchronous=FULL:
 * once a function here returns success, the change survives kill -9 and a
 * power cut.
 *
 * Functions are use cases, each one transaction: they read the facts, let a
 * pure function from decide.h decide, write the outcome and append the audit
 * record in the same transaction, so the log never misses a change and never
 * records one that did not happen.
 *
 * Each thread has its own connection (store_db()); nothing here keeps
 * process-local state that replicas would disagree on.
 */
#ifndef IAM_POLICYD_STORE_H
#define IAM_POLICYD_STORE_H

#include <stdint.h>
#include <time.h>
#include <json-c/json.h>
#include "iam_error.h"
#include "names.h"

/* Results. Handlers map them to API errors. */
enum st_rc {
	ST_OK = 0,
	ST_NOTFOUND = -1,   /* the named object does not exist */
	ST_EXISTS = -2,     /* the name is taken (or was) */
	ST_ID_IN_USE = -3,  /* the id is or was in use */
	ST_RANGE = -4,      /* id outside [id_min, id_max] or range exhausted */
	ST_STATE = -5,      /* the object's state forbids this */
	ST_BUSY = -6,       /* the database stayed locked past busy_timeout */
	ST_ERROR = -7,      /* anything else; logged where it happened */
	ST_DENIED = -8,     /* a rule refused it; see the use case's reason */
};

struct store;

struct store_options {
	const char *path;
	long long id_min, id_max;
};

/* Opens (creating if needed) and migrates the database. */
int store_open(struct store **out, const struct store_options *opt, struct iam_err *err);
void store_close(struct store *st);
/* Creates the database file with the schema; for --init. */
int store_create(const char *path, struct iam_err *err);
/* Schema version of the database (PRAGMA user_version). */
int store_schema_version(struct store *st);

/* --- Principals and credentials -------------------------------------- */

struct principal {
	enum { P_NONE, P_ADMIN, P_HOST, P_USER } kind;
	int64_t id;          /* admin token, host or user id */
	int64_t session_id;  /* user sessions: the session's own id */
	char name[256];      /* host or user name; "admin" */
	int mfa;             /* user sessions: opened with a TOTP code */
	int64_t last_seen;   /* hosts: when last recorded */
};

/* Checks a bearer token (already parsed and hashed); ST_NOTFOUND when it is
 * unknown, expired, revoked or belongs to an inactive user. */
int store_authenticate(struct store *st, char kind, int64_t id, const char *hash,
		       time_t now, struct principal *out);
/* The audit source naming a principal: "admin", "host:NAME", "user:NAME"
 * or "anonymous". */
void store_source(const struct principal *who, char *out, size_t outsz);
/* A new administrator token (the text is returned once; only its hash is
 * kept). */
int store_admin_token_create(struct store *st, const char *comment, time_t now,
			     char token[80]);

/* --- Users ------------------------------------------------------------ */

struct user_row {
	int64_t id;
	char name[IAM_NAME_MAX + 1];
	int64_t uid;
	char gecos[256];
	char home[256];
	char shell[256];
	char state[16];        /* active | disabled | deprovisioned */
	int has_password;
	int has_mfa;
	int64_t locked_until;
	int64_t created_at;
	int64_t updated_at;
};

struct user_new {
	const char *name;
	int64_t uid;           /* 0: allocate */
	const char *gecos, *home, *shell;
	const char *verifier;  /* NULL: no password */
};

int store_user_create(struct store *st, const struct user_new *u, const char *actor,
		      time_t now, struct user_row *out);
int store_user_get(struct store *st, const char *name, struct user_row *out);
/* Calls fn for each user, by name. */
int store_user_list(struct store *st, int (*fn)(void *ctx, const struct user_row *u),
		    void *ctx);
/* Static group names of a user (not the private group) as a JSON array. */
int store_user_groups(struct store *st, int64_t user_id, struct json_object **out);
int store_user_set_password(struct store *st, const char *name, const char *verifier,
			    const char *actor, time_t now, struct user_row *out);
/* A user's own password change, after the caller checked the current
 * password against old_verifier (and the TOTP code). In one transaction:
 * the new verifier replaces old_verifier only if that is still the stored
 * one and the user is still active (ST_STATE otherwise: the account changed
 * meanwhile), the name's failed-login count is cleared, MFA challenges
 * begun with the old password are dropped, and the audit record
 * "user.password" with `data` is appended. */
struct password_change {
	const char *user;
	const char *old_verifier;
	const char *new_verifier;
	const char *source;          /* the caller: "host:web1", "anonymous" */
	struct json_object *data;    /* the audit record's data */
};

int store_user_change_password(struct store *st, const struct password_change *pc,
			       time_t now);
/* state: "active" or "disabled" (deprovisioned is terminal). */
int store_user_set_state(struct store *st, const char *name, const char *state,
			 const char *reason, const char *actor, time_t now,
			 struct user_row *out);
int store_user_deprovision(struct store *st, const char *name, const char *reason,
			   const char *actor, time_t now, struct user_row *out);
int store_user_unlock(struct store *st, const char *name, const char *actor, time_t now,
		      struct user_row *out);
/* secret NULL removes TOTP. */
int store_user_set_totp(struct store *st, const char *name, const unsigned char *secret,
			size_t len, const char *actor, time_t now, struct user_row *out);

struct key_row {
	int64_t id;
	char key[8192];
	char fingerprint[64];
	char comment[256];
	int64_t added_at;
};

int store_key_add(struct store *st, const char *user, const char *key,
		  const char *fingerprint, const char *comment, const char *actor,
		  time_t now, struct key_row *out);
int store_key_remove(struct store *st, const char *user, int64_t key_id,
		     const char *actor, time_t now);
/* JSON array of key objects. */
int store_key_list(struct store *st, int64_t user_id, struct json_object **out);

/* --- Login ------------------------------------------------------------ */

/* What a login needs to know about a name. found == 0 for unknown names. */
struct login_facts {
	int found;
	int64_t user_id;
	char state[16];
	char verifier[160];
	unsigned char totp_secret[64];
	size_t totp_len;
	int64_t totp_last_step;
};

int store_login_facts(struct store *st, const char *name, struct login_facts *out);

/* Failure counters, keyed by a name ("user:alice", "ip:10.1.2.3"). */
struct failure_policy {
	long long threshold;
	long long window;   /* seconds */
	long long duration; /* lockout, seconds */
};

/* The time until which the key is locked, or 0. */
int store_lock_until(struct store *st, const char *key, time_t now, int64_t *until);
/* Counts one failure; sets *locked_until when this one locks the key. */
int store_failure_add(struct store *st, const char *key, const struct failure_policy *p,
		      time_t now, int64_t *locked_until);
/* After a success: forgets the count unless a lock is still running. */
int store_failure_reset(struct store *st, const char *key, time_t now);

/* Accepts a TOTP time step only if it is later than the last accepted one:
 * ST_OK, or ST_DENIED for a replay. */
int store_totp_step_use(struct store *st, int64_t user_id, int64_t step);

struct challenge_row {
	int64_t id;
	int64_t user_id;
	char user[IAM_NAME_MAX + 1];
	char caller[300];
	int64_t attempts;
	int64_t expires_at;
	char hash[65];
	char service[64], origin[64], tty[64];
};

int store_challenge_create(struct store *st, int64_t user_id, const char *caller,
			   const char *service, const char *origin, const char *tty,
			   time_t expires_at, char token[80]);
int store_challenge_get(struct store *st, int64_t id, struct challenge_row *out);
int store_challenge_fail(struct store *st, int64_t id);
int store_challenge_delete(struct store *st, int64_t id);

int store_session_create(struct store *st, int64_t user_id, int mfa, time_t now,
			 time_t expires_at, char token[80]);
int store_session_delete(struct store *st, int64_t id);

/* --- Groups ----------------------------------------------------------- */

struct group_row {
	int64_t id;
	char name[IAM_NAME_MAX + 1];
	int64_t gid;
	char kind[16];  /* user | regular | role */
};

int store_group_create(struct store *st, const char *name, int64_t gid, const char *kind,
		       const char *actor, time_t now, struct group_row *out);
int store_group_get(struct store *st, const char *name, struct group_row *out);
int store_group_list(struct store *st, int (*fn)(void *ctx, const struct group_row *g),
		     void *ctx);
/* Static members (names) and, for role groups, active JIT members. */
int store_group_members(struct store *st, const struct group_row *g, time_t now,
			struct json_object **members, struct json_object **jit);
int store_group_member_add(struct store *st, const char *group, const char *user,
			   const char *actor, time_t now);
int store_group_member_remove(struct store *st, const char *group, const char *user,
			      const char *actor, time_t now);

/* --- Hosts ------------------------------------------------------------ */

struct host_row {
	int64_t id;
	char name[254];
	int64_t enrolled_at;
	int64_t last_seen;
};

/* Enrols a host and returns its new credential. */
int store_host_enroll(struct store *st, const char *name, const char *actor, time_t now,
		      char credential[80]);
int store_host_rotate(struct store *st, const char *name, const char *actor, time_t now,
		      char credential[80]);
int store_host_get(struct store *st, const char *name, struct host_row *out);
int store_host_list(struct store *st, int (*fn)(void *ctx, const struct host_row *h),
		    void *ctx);
int store_host_access_groups(struct store *st, int64_t host_id, struct json_object **out);
int store_host_access(struct store *st, const char *host, const char *group, int allow,
		      const char *actor, time_t now);
int store_host_seen(struct store *st, int64_t host_id, int64_t last_seen, time_t now);

/* --- Roles ------------------------------------------------------------ */

struct role_row {
	int64_t id;
	char name[IAM_NAME_MAX + 1];
	char group[IAM_NAME_MAX + 1];
	int64_t group_id;
	int64_t max_duration;
	char approval[16];          /* none | required */
	char approvers[IAM_NAME_MAX + 1]; /* "" when none */
	int64_t approvers_group_id; /* 0 when none */
	char window[16];            /* "" when none */
	char days[64];
	char tz[64];
	char networks[4096];        /* canonical CIDRs joined by ',' */
	int mfa;
	int64_t request_ttl;
	char secrets[544];          /* local accounts for check-out, joined by ',' */
};

int store_role_create(struct store *st, const struct role_row *r, const char *actor,
		      time_t now, struct role_row *out);
int store_role_get(struct store *st, const char *name, struct role_row *out);
int store_role_list(struct store *st, int (*fn)(void *ctx, const struct role_row *r),
		    void *ctx);
int store_role_eligible(struct store *st, int64_t role_id, struct json_object **users,
			struct json_object **groups);
/* kind "user" or "group". */
int store_role_eligibility(struct store *st, const char *role, const char *kind,
			   const char *name, int add, const char *actor, time_t now);

/* --- Requests and grants ---------------------------------------------- */

struct request_row {
	int64_t id;
	int64_t role_id;
	char role[IAM_NAME_MAX + 1];
	int64_t user_id;
	char requester[IAM_NAME_MAX + 1];
	char reason[520];
	char ticket[72];
	int64_t duration;
	char state[16];         /* stored: pending approved denied canceled revoked */
	int mfa;
	int64_t created_at, expires_at;
	char decided_by[300];
	int64_t decided_at;
	char decision_reason[520];
	int64_t not_before, not_after;
	char ended_by[300];
	int64_t ended_at;
	char end_reason[520];
	int64_t host_id;        /* the one host the grant is valid on; 0: every host */
	char host[254];         /* that host's name; "" for every host */
	int64_t extends;        /* an extension: the grant it extends; 0 otherwise */
	char created_by[300];   /* "user:alice", or "host:web1" for a host's request */
};

struct request_new {
	const char *user;      /* the requester (the caller, or named by a host) */
	const char *role;
	int64_t duration;
	const char *reason;
	const char *ticket;
	int64_t host_id;       /* scope: 0 for every host */
	int mfa;               /* a fresh TOTP code was checked for this request */
};

/* Checks that the user is active and eligible, and that no request is open
 * for the role, and creates the request (active at once when the role
 * needs no approval). who is the caller, recorded as created_by. On
 * ST_DENIED *why is a stable API code ("not_eligible", "invalid_state",
 * "user_inactive"); ST_NOTFOUND when the user or role does not exist. */
int store_request_create(struct store *st, const struct principal *who,
			 const struct request_new *rq, time_t now,
			 struct request_row *out, const char **why);
int store_request_get(struct store *st, int64_t id, struct request_row *out);

/* RQ_EXTEND is decided like the others (decide_transition) but has its own
 * store call, since it creates a row. */
enum request_action { RQ_APPROVE, RQ_DENY, RQ_REVOKE, RQ_CANCEL, RQ_EXTEND };

struct extension_new {
	int64_t grant;         /* the request to extend */
	int64_t duration;      /* seconds to add */
	const char *reason;
	int mfa;               /* a fresh TOTP code was checked */
};

/* Asks to extend an active grant (the requester only): a new request row
 * with extends = the grant. It stays pending when the role needs approval
 * and is applied at once otherwise (see store_request_transition). On
 * ST_DENIED *why is an API code, or "grant_ended" / "max_duration" when
 * the extension cannot apply (decide_extension()); out holds the
 * extension, or the grant when none was created. */
int store_request_extend(struct store *st, const struct principal *who,
			 const struct extension_new *x, time_t now,
			 struct request_row *out, const char **why);

/* One transition, decided by decide_transition(); on ST_DENIED *why is the
 * API code, and out holds the request as it is. Approving an extension
 * moves its grant's not_after (decide_extension()); revoking a grant also
 * revokes its approved extensions and cancels its pending ones; revoking
 * a pending extension cancels it. */
int store_request_transition(struct store *st, int64_t id, enum request_action action,
			     const struct principal *who, const char *reason, time_t now,
			     struct request_row *out, const char **why);

struct request_filter {
	const char *state;     /* effective state, or NULL */
	const char *role;      /* or NULL */
	const struct principal *who; /* users see their own and the ones they may approve */
	int limit;
};

int store_request_list(struct store *st, const struct request_filter *f, time_t now,
		       int (*fn)(void *ctx, const struct request_row *r), void *ctx);
/* Whether the user is in the group (static membership). */
int store_is_member(struct store *st, int64_t group_id, int64_t user_id);

/* --- Decisions -------------------------------------------------------- */

struct account_facts {
	int found;
	char state[16];
	int allowed_on_host;
};

int store_account_facts(struct store *st, const char *user, int64_t host_id, time_t now,
			struct account_facts *out);

/* Whether the user and the role exist, and the user's grants and requests
 * for the role that count on the host (scoped to it or to every host; not
 * extensions), newest first, at most max: a bit mask (1: user found, 2:
 * role found) or a negative enum st_rc. */
int store_grant_facts(struct store *st, const char *user, const char *role,
		      int64_t host_id, struct user_row *u, struct role_row *r,
		      struct request_row *reqs, int max, int *n);

/* --- The vault ------------------------------------------------------- */

struct vault_escrow {
	int64_t host_id;
	const char *host;
	const char *account;
	const char *escrow_id;  /* the host's id for this version (hex) */
	const char *sealed;     /* iam-seal-v1 text, already checked to open */
};

struct vault_row {
	int64_t version;
	char account[IAM_NAME_MAX + 1];
	char escrow_id[65];
	char state[16];         /* pending, current, superseded, abandoned */
	int64_t created_at, decided_at;
};

/* A pending version; any older pending one of the account is abandoned
 * (the host gave up on it). The same escrow_id again finds the row it
 * made (*created = 0): a host whose answer was lost may ask again. */
int store_vault_escrow(struct store *st, const struct vault_escrow *e, const char *source,
		       time_t now, struct vault_row *out, int *created);
/* The host set the pending version: it becomes current, the current one
 * superseded. Again on a current one: ST_OK, nothing changes. ST_STATE
 * when it was abandoned or superseded. */
int store_vault_confirm(struct store *st, int64_t host_id, const char *host,
			const char *account, const char *escrow_id, const char *source,
			time_t now, struct vault_row *out);
/* The host did not set the pending version. ST_STATE when it is current. */
int store_vault_abandon(struct store *st, int64_t host_id, const char *host,
			const char *account, const char *escrow_id, const char *source,
			time_t now, struct vault_row *out);
/* Every version of a host's account (or of all its accounts when account
 * is NULL), newest first, without the sealed text. */
int store_vault_list(struct store *st, int64_t host_id, const char *account,
		     int (*fn)(void *ctx, const struct vault_row *v), void *ctx);

/* The sealed text of the account's version in state ("current" or
 * "pending"), newest first; ST_NOTFOUND when there is none. */
int store_vault_sealed(struct store *st, int64_t host_id, const char *account,
		       const char *state, struct vault_row *row, char *sealed, size_t sealedsz);

struct vault_checkout {
	int64_t host_id;
	const char *host, *account;
	int64_t version, pending;     /* pending: 0 when none was revealed */
	int64_t request_id, user_id;  /* the grant that allowed it, its holder */
	const char *role;
};

/* Records a check-out and audits it (vault.checkout), before anything is
 * revealed: an unrecorded reveal must not happen. */
int store_vault_checkout(struct store *st, const struct vault_checkout *c, const char *source,
			 time_t now);

struct checkout_row {
	char account[IAM_NAME_MAX + 1];
	char user[IAM_NAME_MAX + 1];
	int64_t version, request_id, at;
	int64_t until;          /* the grant's not_after */
	char grant_state[16];   /* the grant's stored state */
};

/* Check-outs of a host's account (all accounts when NULL), newest first. */
int store_vault_checkouts(struct store *st, int64_t host_id, const char *account,
			  int (*fn)(void *ctx, const struct checkout_row *c), void *ctx);
/* The user's latest check-out of the account whose grant is still active:
 * *request_id, or ST_NOTFOUND. */
int store_vault_open_checkout(struct store *st, int64_t host_id, const char *account,
			      int64_t user_id, time_t now, int64_t *request_id);
/* The host's accounts due for rotation: read by a check-out whose grant
 * has ended (or whose user is no longer active), and not rotated since. */
int store_vault_due(struct store *st, int64_t host_id, time_t now, struct json_object **accounts);
/* Who knows this version of the account's password: the check-outs that
 * revealed it (or a later version), as [{"user", "grant", "until"}],
 * newest first, in *holders while the grant runs and its user is active,
 * else in *exposed (kept past its window, until the host rotates it). */
int store_vault_holders(struct store *st, int64_t host_id, const char *account,
			int64_t version, time_t now, struct json_object **holders,
			struct json_object **exposed);

/* --- Snapshot and audit ----------------------------------------------- */

int64_t store_serial(struct store *st);
/* The snapshot payload (see doc/api.md) for a host, as JSON text. */
int store_snapshot_payload(struct store *st, const char *host, time_t now,
			   int64_t *serial, char **payload);

/* Appends a record in a transaction of its own, shared with the records
 * other threads append at the same time (store_group.c); returns once it
 * is committed. Never inside a transaction of the caller's. data may be
 * NULL ("{}"). */
int store_audit(struct store *st, time_t now, const char *source, const char *type,
		const char *actor, struct json_object *data);

struct host_event {
	const char *id;
	int64_t time;
	const char *type;
	const char *user;
	struct json_object *data;
};

/* Idempotent ingest of a batch, one transaction. */
int store_audit_ingest(struct store *st, const char *host, const struct host_event *ev,
		       size_t n, time_t now, int *accepted, int *duplicates);

struct audit_row {
	int64_t seq, time;
	char *source, *event_id, *type, *actor, *data;
	char prev_hash[65], hash[65];
};

int store_audit_list(struct store *st, int64_t after, int limit,
		     int (*fn)(void *ctx, const struct audit_row *a), void *ctx, int *more);
int store_audit_head(struct store *st, int64_t *seq, char hash[65]);

#endif

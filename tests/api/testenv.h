/*
 * A real iam-policyd for API tests: a fresh state directory (iam-policyd
 * --init, cheap KDF), the server on a free loopback port, and helpers to
 * call it through the common HTTP client and look at the answers.
 * Optionally the server runs under libfaketime with a clock the test moves
 * (testenv_shift_clock), so expiry is tested without sleeping.
 */
#ifndef IAM_TESTENV_H
#define IAM_TESTENV_H

#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#define TESTENV_FAKETIME 0x1u

struct testenv {
	char dir[128];
	char state[192];
	char ca[256];
	char url[64];
	char clock_file[256];
	char admin[128];       /* admin token */
	pid_t pid;
	long long clock_shift; /* seconds the server's clock is ahead */
	/* the last answer */
	long status;
	struct json_object *body;
};

/* extra_conf lines are appended to policyd.conf (may be NULL). Fails the
 * test on error. */
void testenv_start(struct testenv *e, unsigned flags, const char *extra_conf);
/* Stops the server with SIGTERM; returns its exit status (0 when clean:
 * under ASan a leak or error makes it non-zero). */
int testenv_stop(struct testenv *e);
/* Stops it with SIGKILL (durability tests) and starts it again. */
void testenv_kill(struct testenv *e);
void testenv_restart(struct testenv *e, unsigned flags);
void testenv_shift_clock(struct testenv *e, long long seconds);
/* The server's "now", following shifts. */
int64_t testenv_now(const struct testenv *e);

/* One call. body is JSON text or NULL; token may be NULL. Returns the HTTP
 * status (0 when no answer came) and keeps the parsed answer in e->body. */
long api(struct testenv *e, const char *token, const char *method, const char *path,
	 const char *body);
/* Same, with a raw body and content type, for malformed requests. */
long api_raw(struct testenv *e, const char *token, const char *method, const char *path,
	     const char *content_type, const char *body, size_t len);
long apif(struct testenv *e, const char *token, const char *method, const char *path,
	  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Values from e->body by a dotted path ("error.code", "grant.id"). */
const char *jstr(struct testenv *e, const char *path);
int64_t jint(struct testenv *e, const char *path);
int jbool(struct testenv *e, const char *path);
struct json_object *jget(struct testenv *e, const char *path);
/* The error code of the last answer, or "" for a success. */
const char *ecode(struct testenv *e);

/* Creates a user with a password (and returns nothing); asserts 201. */
void make_user(struct testenv *e, const char *name, const char *password);
/* Logs in without a host token; returns a malloc'd session token. */
char *login(struct testenv *e, const char *user, const char *password);
/* Enrols TOTP; returns the base32 secret (malloc'd). */
char *enroll_totp(struct testenv *e, const char *user);
/* The TOTP code for secret at the server's now (+ steps * 30 s). */
void totp_code(const struct testenv *e, const char *secret, int steps, char code[7]);
/* Enrols a host; returns its credential (malloc'd). */
char *enroll_host(struct testenv *e, const char *name);

/* Walks the whole audit log, recomputing every hash and link; fails the
 * test on any mismatch. Returns the last seq and its hash. */
int64_t verify_audit_chain(struct testenv *e, char last_hash[65]);

#endif

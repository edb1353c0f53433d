/* API tests of logins: passwords, TOTP with replay protection, lockout,
 * rate limiting, sessions and their expiry (server clock moved by
 * libfaketime, no sleeping), and users changing their own password. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api_client.h"
#include "testenv.h"

static struct testenv env;
static char *host;

static int setup(void **state)
{
	(void)state;
	if (!IAM_FAKETIME_LIB[0]) {
		fprintf(stderr, "libfaketime is missing (Debian package faketime); skipping\n");
		exit(77);
	}
	testenv_start(&env, TESTENV_FAKETIME,
		      "lockout_threshold = 3\nlockout_window = 10m\nlockout_duration = 10m\n"
		      "rate_limit_threshold = 1000\nuser_token_ttl = 15m");
	host = enroll_host(&env, "ssh1.example");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(host);
	return testenv_stop(&env) == 0 ? 0 : -1;
}

static long try_login(const char *token, const char *user, const char *password)
{
	return apif(&env, token, "POST", "/v1/auth/login",
		    "{\"user\":\"%s\",\"password\":\"%s\",\"service\":\"sshd\",\"origin\":\"10.1.2.3\"}",
		    user, password);
}

static void test_password_login(void **state)
{
	char *token;

	(void)state;
	make_user(&env, "alice", "correct horse");
	token = login(&env, "alice", "correct horse");
	assert_int_equal(strncmp(token, "iamu_", 5), 0);
	assert_int_equal(jbool(&env, "mfa"), 0);
	assert_true(jint(&env, "expires_at") > testenv_now(&env));
	assert_int_equal(api(&env, token, "GET", "/v1/whoami", NULL), 200);
	assert_string_equal(jstr(&env, "kind"), "user");
	assert_string_equal(jstr(&env, "name"), "alice");
	assert_null(jget(&env, "password_stamp"));
	/* a host asks for a decision and gets no session, but the password's
	 * stamp, the same at every login until the password is set again */
	assert_int_equal(try_login(host, "alice", "correct horse"), 200);
	assert_string_equal(jstr(&env, "result"), "ok");
	assert_null(jget(&env, "token"));
	{
		char stamp[64];

		assert_int_equal(strlen(jstr(&env, "password_stamp")), 32);
		snprintf(stamp, sizeof(stamp), "%s", jstr(&env, "password_stamp"));
		assert_int_equal(try_login(host, "alice", "correct horse"), 200);
		assert_string_equal(jstr(&env, "password_stamp"), stamp);
		assert_int_equal(api(&env, env.admin, "POST", "/v1/users/alice/password",
				     "{\"password\":\"correct horse\"}"), 200);
		assert_int_equal(try_login(host, "alice", "correct horse"), 200);
		assert_string_not_equal(jstr(&env, "password_stamp"), stamp);
	}
	free(token);
}

/* Wrong password, unknown user, no password and empty password all look
 * the same from outside. */
static void test_failures_are_indistinguishable(void **state)
{
	char first[512];

	(void)state;
	make_user(&env, "nopass", NULL);
	assert_int_equal(try_login(host, "alice", "wrong"), 401);
	assert_string_equal(ecode(&env), "auth_failed");
	snprintf(first, sizeof(first), "%s", json_object_to_json_string(env.body));
	assert_int_equal(try_login(host, "nosuchuser", "wrong"), 401);
	assert_string_equal(json_object_to_json_string(env.body), first);
	assert_int_equal(try_login(host, "nopass", "x"), 401);
	assert_string_equal(json_object_to_json_string(env.body), first);
	assert_int_equal(try_login(host, "alice", ""), 401);
	assert_string_equal(json_object_to_json_string(env.body), first);
	assert_int_equal(try_login(host, "Not A Name", "x"), 401);
	assert_string_equal(json_object_to_json_string(env.body), first);
	/* the good password still works: 4 failures were spread over names */
	assert_int_equal(try_login(host, "alice", "correct horse"), 200);
}

static void test_lockout_and_unlock(void **state)
{
	int i;

	(void)state;
	make_user(&env, "bob", "bobpw");
	for (i = 0; i < 3; i++)
		assert_int_equal(try_login(host, "bob", "guess"), 401);
	/* locked: even the right password is not checked */
	assert_int_equal(try_login(host, "bob", "bobpw"), 429);
	assert_string_equal(ecode(&env), "locked_out");
	assert_true(jint(&env, "error.retry_after") > 0 && jint(&env, "error.retry_after") <= 600);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/bob", NULL), 200);
	assert_true(jint(&env, "locked_until") > testenv_now(&env));
	/* unknown names lock the same way, so the answer reveals nothing */
	for (i = 0; i < 3; i++)
		assert_int_equal(try_login(host, "ghost", "guess"), 401);
	assert_int_equal(try_login(host, "ghost", "guess"), 429);
	/* an admin unlocks */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/bob/unlock", NULL), 200);
	assert_int_equal(try_login(host, "bob", "bobpw"), 200);
}

static void test_lockout_ends_on_time(void **state)
{
	int i;

	(void)state;
	make_user(&env, "carl", "carlpw");
	for (i = 0; i < 3; i++)
		assert_int_equal(try_login(host, "carl", "guess"), 401);
	assert_int_equal(try_login(host, "carl", "carlpw"), 429);
	testenv_shift_clock(&env, 601);
	assert_int_equal(try_login(host, "carl", "carlpw"), 200);
	/* the success cleared the count: two failures do not lock again */
	for (i = 0; i < 2; i++)
		assert_int_equal(try_login(host, "carl", "guess"), 401);
	assert_int_equal(try_login(host, "carl", "carlpw"), 200);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/carl", NULL), 200);
	assert_int_equal(jint(&env, "locked_until"), 0);
}

static void test_disabled_and_deprovisioned(void **state)
{
	(void)state;
	make_user(&env, "dave", "davepw");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/dave/disable", NULL), 200);
	assert_int_equal(try_login(NULL, "dave", "davepw"), 403);
	assert_string_equal(ecode(&env), "account_disabled");
	/* the wrong password reveals nothing about the state */
	assert_int_equal(try_login(NULL, "dave", "nope"), 401);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/dave/deprovision", NULL), 200);
	assert_int_equal(try_login(NULL, "dave", "davepw"), 401);
}

static void test_totp_login_and_replay(void **state)
{
	char *secret, code[7], challenge[128];

	(void)state;
	make_user(&env, "erin", "erinpw");
	secret = enroll_totp(&env, "erin");
	assert_int_equal(try_login(NULL, "erin", "erinpw"), 200);
	assert_string_equal(jstr(&env, "result"), "mfa_required");
	assert_null(jget(&env, "token"));
	snprintf(challenge, sizeof(challenge), "%s", jstr(&env, "challenge"));
	totp_code(&env, secret, 0, code);
	assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"%s\"}", challenge, code), 200);
	assert_string_equal(jstr(&env, "result"), "ok");
	assert_int_equal(jbool(&env, "mfa"), 1);
	assert_int_equal(strncmp(jstr(&env, "token"), "iamu_", 5), 0);
	/* the challenge is used up */
	assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"%s\"}", challenge, code), 401);
	/* the same code on a fresh challenge is a replay */
	assert_int_equal(try_login(NULL, "erin", "erinpw"), 200);
	snprintf(challenge, sizeof(challenge), "%s", jstr(&env, "challenge"));
	assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"%s\"}", challenge, code), 401);
	assert_string_equal(ecode(&env), "auth_failed");
	/* the next time step's code is fresh */
	totp_code(&env, secret, 1, code);
	assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"%s\"}", challenge, code), 200);
	free(secret);
}

static void test_challenge_rules(void **state)
{
	char *secret, code[7], challenge[128];
	int i;

	(void)state;
	make_user(&env, "fred", "fredpw");
	secret = enroll_totp(&env, "fred");
	/* started by a host, it cannot be finished by someone else */
	assert_int_equal(try_login(host, "fred", "fredpw"), 200);
	snprintf(challenge, sizeof(challenge), "%s", jstr(&env, "challenge"));
	totp_code(&env, secret, 0, code);
	assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"%s\"}", challenge, code), 401);
	assert_int_equal(apif(&env, host, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"%s\"}", challenge, code), 200);
	assert_null(jget(&env, "token"));
	/* three wrong codes use a challenge up (and count toward lockout) */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/fred/unlock", NULL), 200);
	assert_int_equal(try_login(NULL, "fred", "fredpw"), 200);
	snprintf(challenge, sizeof(challenge), "%s", jstr(&env, "challenge"));
	for (i = 0; i < 2; i++)
		assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
				      "{\"challenge\":\"%s\",\"code\":\"000000\"}", challenge), 401);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/fred/unlock", NULL), 200);
	assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"000001\"}", challenge), 401);
	totp_code(&env, secret, 1, code);
	assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"%s\"}", challenge, code), 401);
	/* an expired challenge is refused */
	assert_int_equal(try_login(NULL, "fred", "fredpw"), 200);
	snprintf(challenge, sizeof(challenge), "%s", jstr(&env, "challenge"));
	testenv_shift_clock(&env, 301);
	totp_code(&env, secret, 0, code);
	assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"%s\"}", challenge, code), 401);
	/* junk challenges */
	assert_int_equal(api(&env, NULL, "POST", "/v1/auth/mfa",
			     "{\"challenge\":\"iamc_1.x\",\"code\":\"123456\"}"), 401);
	assert_int_equal(api(&env, NULL, "POST", "/v1/auth/mfa", "{\"challenge\":\"x\"}"), 400);
	free(secret);
}

static void test_sessions_expire_and_end(void **state)
{
	char *token;

	(void)state;
	make_user(&env, "gail", "gailpw");
	token = login(&env, "gail", "gailpw");
	assert_int_equal(api(&env, token, "GET", "/v1/whoami", NULL), 200);
	testenv_shift_clock(&env, 15 * 60 + 1);
	assert_int_equal(api(&env, token, "GET", "/v1/whoami", NULL), 401);
	free(token);
	token = login(&env, "gail", "gailpw");
	assert_int_equal(api(&env, token, "POST", "/v1/auth/logout", NULL), 200);
	assert_int_equal(api(&env, token, "GET", "/v1/whoami", NULL), 401);
	free(token);
	/* disabling a user ends their sessions */
	token = login(&env, "gail", "gailpw");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/gail/disable", NULL), 200);
	assert_int_equal(api(&env, token, "GET", "/v1/whoami", NULL), 401);
	free(token);
}

static void test_password_change(void **state)
{
	(void)state;
	make_user(&env, "hugo", "old");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/hugo/password",
			     "{\"password\":\"new\"}"), 200);
	assert_int_equal(try_login(NULL, "hugo", "old"), 401);
	assert_int_equal(try_login(NULL, "hugo", "new"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/hugo/password",
			     "{\"password\":\"\"}"), 400);
}

/* Many names tried from one origin: the origin is limited too. */
static void test_rate_limit_by_origin(void **state)
{
	struct testenv small;
	char *h;
	int i;

	(void)state;
	testenv_start(&small, 0, "rate_limit_threshold = 4\nlockout_threshold = 100");
	h = enroll_host(&small, "gw.example");
	for (i = 0; i < 4; i++)
		assert_int_equal(apif(&small, h, "POST", "/v1/auth/login",
				      "{\"user\":\"u%d\",\"password\":\"x\",\"origin\":\"192.0.2.7\"}",
				      i), 401);
	assert_int_equal(api(&small, h, "POST", "/v1/auth/login",
			     "{\"user\":\"u9\",\"password\":\"x\",\"origin\":\"192.0.2.7\"}"), 429);
	/* another origin behind the same host is not affected */
	assert_int_equal(api(&small, h, "POST", "/v1/auth/login",
			     "{\"user\":\"u9\",\"password\":\"x\",\"origin\":\"192.0.2.8\"}"), 401);
	free(h);
	assert_int_equal(testenv_stop(&small), 0);
}

static void test_login_input_validated(void **state)
{
	(void)state;
	assert_int_equal(api(&env, NULL, "POST", "/v1/auth/login", "{\"user\":\"alice\"}"), 400);
	assert_string_equal(jstr(&env, "error.field"), "password");
	assert_int_equal(api(&env, NULL, "POST", "/v1/auth/login",
			     "{\"user\":\"alice\",\"password\":5}"), 400);
	assert_int_equal(api(&env, NULL, "POST", "/v1/auth/login",
			     "{\"user\":\"alice\",\"password\":\"x\",\"admin\":true}"), 400);
	assert_string_equal(jstr(&env, "error.field"), "admin");
	/* an admin token cannot log in on behalf of users */
	assert_int_equal(try_login(env.admin, "alice", "correct horse"), 403);
}

/* --- A user's own password change (POST /v1/auth/password) ----------- */

#define NEW_PW "Correct Horse 42"

static long change_pw(const char *token, const char *user, const char *old_pw,
		      const char *new_pw, const char *code)
{
	char extra[64] = "";

	if (code)
		snprintf(extra, sizeof(extra), ",\"code\":\"%s\"", code);
	return apif(&env, token, "POST", "/v1/auth/password",
		    "{\"user\":\"%s\",\"old_password\":\"%s\",\"new_password\":\"%s\"%s}", user,
		    old_pw, new_pw, extra);
}

/* The data of the newest audit record, which must be of this type. */
static void last_audit(const char *type, char *data, size_t datasz)
{
	char path[96];

	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit/head", NULL), 200);
	snprintf(path, sizeof(path), "/v1/audit?after=%lld&limit=1",
		 (long long)jint(&env, "seq") - 1);
	assert_int_equal(api(&env, env.admin, "GET", path, NULL), 200);
	assert_string_equal(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(jget(&env, "records"), 0), "type")), type);
	snprintf(data, datasz, "%s", json_object_get_string(json_object_object_get(
		json_object_array_get_idx(jget(&env, "records"), 0), "data")));
}

static void test_self_password_change(void **state)
{
	char data[1024];

	(void)state;
	make_user(&env, "ivan", "ivan-start-pw");
	assert_int_equal(change_pw(NULL, "ivan", "ivan-start-pw", NEW_PW, NULL), 200);
	assert_string_equal(jstr(&env, "result"), "ok");
	assert_string_equal(jstr(&env, "user"), "ivan");
	last_audit("user.password", data, sizeof(data));
	assert_non_null(strstr(data, "\"by\":\"self\""));
	assert_non_null(strstr(data, "\"result\":\"ok\""));
	assert_null(strstr(data, "password\":\"")); /* no secret in the log */
	assert_int_equal(try_login(NULL, "ivan", "ivan-start-pw"), 401);
	assert_int_equal(try_login(NULL, "ivan", NEW_PW), 200);
	/* the old password no longer proves anything */
	assert_int_equal(change_pw(NULL, "ivan", "ivan-start-pw", "Another Pass 43", NULL), 401);
	assert_string_equal(ecode(&env), "auth_failed");
}

static void test_self_password_wrong_old_locks(void **state)
{
	int i;

	(void)state;
	make_user(&env, "judy", "judy-start-pw");
	/* a success clears the count */
	for (i = 0; i < 2; i++) {
		assert_int_equal(change_pw(NULL, "judy", "guess", NEW_PW, NULL), 401);
		assert_string_equal(ecode(&env), "auth_failed");
	}
	assert_int_equal(change_pw(NULL, "judy", "judy-start-pw", NEW_PW, NULL), 200);
	for (i = 0; i < 2; i++)
		assert_int_equal(change_pw(NULL, "judy", "guess", "Third Pass 44", NULL), 401);
	/* failed changes and failed logins count together toward lockout */
	assert_int_equal(try_login(NULL, "judy", "guess"), 401);
	assert_int_equal(change_pw(NULL, "judy", NEW_PW, "Third Pass 44", NULL), 429);
	assert_string_equal(ecode(&env), "locked_out");
	assert_true(jint(&env, "error.retry_after") > 0);
	assert_int_equal(try_login(NULL, "judy", NEW_PW), 429);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/judy/unlock", NULL), 200);
	assert_int_equal(try_login(NULL, "judy", NEW_PW), 200);
}

static void expect_weak(const char *old_pw, const char *new_pw, const char *rule)
{
	assert_int_equal(change_pw(NULL, "kate", old_pw, new_pw, NULL), 400);
	assert_string_equal(ecode(&env), "weak_password");
	assert_string_equal(jstr(&env, "error.rule"), rule);
	assert_true(strlen(jstr(&env, "error.message")) > 10);
}

/* Every rule, each refused before anything is checked or changed: no
 * failure counted (the old password here is wrong), nothing stored. */
static void test_self_password_policy(void **state)
{
	char longpw[1100];
	int64_t seq;

	(void)state;
	make_user(&env, "kate", "Start-Password-1");
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit/head", NULL), 200);
	seq = jint(&env, "seq");
	expect_weak("wrong", "Short-pw-1", "too_short");
	assert_non_null(strstr(jstr(&env, "error.message"), "12 characters"));
	/* characters, not bytes: 11 two-byte letters are still too short */
	expect_weak("wrong", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9", "too_short");
	memset(longpw, 'x', 1025);
	memcpy(longpw, "Aa1", 3);
	longpw[1025] = '\0';
	expect_weak("wrong", longpw, "too_long");
	expect_weak("Start-Password-1", "Start-Password-1", "same_as_old");
	expect_weak("wrong", "my-KATE-password-9", "contains_user");
	expect_weak("wrong", "onlylowercaseletters", "too_few_classes");
	expect_weak("wrong", "123456789012345", "too_few_classes");
	/* nothing was recorded or counted: the name is not locked */
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit/head", NULL), 200);
	assert_int_equal(jint(&env, "seq"), seq);
	assert_int_equal(try_login(NULL, "kate", "Start-Password-1"), 200);
	/* 1024 bytes is still fine; two classes are enough */
	longpw[1024] = '\0';
	assert_int_equal(change_pw(NULL, "kate", "Start-Password-1", longpw, NULL), 200);
	assert_int_equal(change_pw(NULL, "kate", longpw, "lowercase and 1 digit", NULL), 200);
	/* administrators are not held to the policy (temporary passwords) */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/kate/password",
			     "{\"password\":\"tmp\"}"), 200);
	assert_int_equal(try_login(NULL, "kate", "tmp"), 200);
}

static void test_self_password_totp(void **state)
{
	char *secret, code[7];

	(void)state;
	make_user(&env, "liam", "liam-start-pw");
	secret = enroll_totp(&env, "liam");
	/* the code is asked for only after a right password */
	assert_int_equal(change_pw(NULL, "liam", "wrong", NEW_PW, NULL), 401);
	assert_string_equal(ecode(&env), "auth_failed");
	assert_int_equal(change_pw(NULL, "liam", "liam-start-pw", NEW_PW, NULL), 401);
	assert_string_equal(ecode(&env), "mfa_required");
	assert_int_equal(change_pw(NULL, "liam", "liam-start-pw", NEW_PW, ""), 401);
	assert_string_equal(ecode(&env), "mfa_required");
	assert_int_equal(change_pw(NULL, "liam", "liam-start-pw", NEW_PW, "000000"), 401);
	assert_string_equal(ecode(&env), "auth_failed");
	totp_code(&env, secret, 0, code);
	assert_int_equal(change_pw(NULL, "liam", "liam-start-pw", NEW_PW, code), 200);
	/* the code was used: not again, not for a login either */
	assert_int_equal(change_pw(NULL, "liam", NEW_PW, "Fourth Pass 45", code), 401);
	assert_string_equal(ecode(&env), "auth_failed");
	assert_int_equal(try_login(NULL, "liam", NEW_PW), 200);
	assert_string_equal(jstr(&env, "result"), "mfa_required");
	assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"%s\"}", jstr(&env, "challenge"), code),
			 401);
	/* two failures since the change (the replays): a third locks */
	assert_int_equal(change_pw(NULL, "liam", NEW_PW, "Fourth Pass 45", "000001"), 401);
	totp_code(&env, secret, 1, code);
	assert_int_equal(change_pw(NULL, "liam", NEW_PW, "Fourth Pass 45", code), 429);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/liam/unlock", NULL), 200);
	assert_int_equal(change_pw(NULL, "liam", NEW_PW, "Fourth Pass 45", code), 200);
	free(secret);
}

/* A challenge started with the old password dies with it. */
static void test_self_password_ends_challenges(void **state)
{
	char *secret, code[7], challenge[128];

	(void)state;
	make_user(&env, "nina", "nina-start-pw");
	secret = enroll_totp(&env, "nina");
	assert_int_equal(try_login(NULL, "nina", "nina-start-pw"), 200);
	snprintf(challenge, sizeof(challenge), "%s", jstr(&env, "challenge"));
	totp_code(&env, secret, 0, code);
	assert_int_equal(change_pw(NULL, "nina", "nina-start-pw", NEW_PW, code), 200);
	totp_code(&env, secret, 1, code);
	assert_int_equal(apif(&env, NULL, "POST", "/v1/auth/mfa",
			      "{\"challenge\":\"%s\",\"code\":\"%s\"}", challenge, code), 401);
	free(secret);
}

static void test_self_password_disabled_unknown(void **state)
{
	char first[512];

	(void)state;
	make_user(&env, "mona", "mona-start-pw");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/mona/disable", NULL), 200);
	assert_int_equal(change_pw(NULL, "mona", "mona-start-pw", NEW_PW, NULL), 403);
	assert_string_equal(ecode(&env), "account_disabled");
	assert_int_equal(change_pw(NULL, "mona", "wrong", NEW_PW, NULL), 401);
	snprintf(first, sizeof(first), "%s", json_object_to_json_string(env.body));
	/* unknown, invalid and deprovisioned names get the very same answer */
	assert_int_equal(change_pw(NULL, "nosuchuser", "whatever", NEW_PW, NULL), 401);
	assert_string_equal(json_object_to_json_string(env.body), first);
	assert_int_equal(change_pw(NULL, "Not A Name", "whatever", NEW_PW, NULL), 401);
	assert_string_equal(json_object_to_json_string(env.body), first);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/mona/deprovision", NULL), 200);
	assert_int_equal(change_pw(NULL, "mona", "mona-start-pw", NEW_PW, NULL), 401);
	assert_string_equal(json_object_to_json_string(env.body), first);
	/* enabling again: the old password was never replaced */
	make_user(&env, "otto", "otto-start-pw");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/otto/disable", NULL), 200);
	assert_int_equal(change_pw(NULL, "otto", "otto-start-pw", NEW_PW, NULL), 403);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/otto/enable", NULL), 200);
	assert_int_equal(try_login(NULL, "otto", "otto-start-pw"), 200);
}

/* What pam_iam does: the typed client with the host's token. */
static void test_self_password_host_typed(void **state)
{
	struct iam_http_config cfg = { env.url, env.ca, NULL, 2000, 10000, 1 << 20, NULL, 0, NULL };
	struct iam_api *h = iam_api_new(&cfg, host, NULL);
	struct iam_api_error aerr;
	char *secret, code[7], data[1024];

	(void)state;
	assert_non_null(h);
	make_user(&env, "pete", "pete-start-pw");
	assert_int_equal(iam_api_change_password(h, "pete", "pete-start-pw", NEW_PW, NULL, "passwd",
						 "10.1.2.3", "pts/1", &aerr, NULL), 0);
	last_audit("user.password", data, sizeof(data));
	assert_non_null(strstr(data, "\"by\":\"self\""));
	assert_non_null(strstr(data, "\"service\":\"passwd\""));
	assert_non_null(strstr(data, "\"origin\":\"10.1.2.3\""));
	assert_non_null(strstr(data, "\"tty\":\"pts/1\""));
	assert_int_equal(try_login(host, "pete", NEW_PW), 200);
	assert_int_equal(iam_api_change_password(h, "pete", NEW_PW, "short", NULL, "passwd", NULL,
						 NULL, &aerr, NULL), IAM_API_REFUSED);
	assert_int_equal(aerr.status, 400);
	assert_string_equal(aerr.code, "weak_password");
	assert_string_equal(aerr.rule, "too_short");
	assert_int_equal(iam_api_change_password(h, "pete", "wrong", "Fifth Pass 46", NULL, NULL,
						 NULL, NULL, &aerr, NULL), IAM_API_REFUSED);
	assert_string_equal(aerr.code, "auth_failed");
	assert_string_equal(aerr.rule, "");
	secret = enroll_totp(&env, "pete");
	assert_int_equal(iam_api_change_password(h, "pete", NEW_PW, "Fifth Pass 46", NULL, "passwd",
						 NULL, NULL, &aerr, NULL), IAM_API_REFUSED);
	assert_string_equal(aerr.code, "mfa_required");
	totp_code(&env, secret, 0, code);
	assert_int_equal(iam_api_change_password(h, "pete", NEW_PW, "Fifth Pass 46", code,
						 "passwd", NULL, NULL, &aerr, NULL), 0);
	/* neither an admin nor a user session may use it */
	assert_int_equal(iam_api_set_token(h, env.admin), 0);
	assert_int_equal(iam_api_change_password(h, "pete", "Fifth Pass 46", NEW_PW, NULL, NULL,
						 NULL, NULL, &aerr, NULL), IAM_API_REFUSED);
	assert_string_equal(aerr.code, "forbidden");
	free(secret);
	iam_api_free(h);
}

static void test_self_password_input_validated(void **state)
{
	static const char *const bodies[][2] = {
		{ "{\"user\":\"ivan\",\"old_password\":\"x\"}", "new_password" },
		{ "{\"user\":\"ivan\",\"new_password\":\"Abcdefgh1234\"}", "old_password" },
		{ "{\"user\":\"ivan\",\"old_password\":5,\"new_password\":\"Abcdefgh1234\"}",
		  "old_password" },
		{ "{\"user\":\"ivan\",\"old_password\":\"x\",\"new_password\":\"Abcdefgh1234\","
		  "\"password\":\"x\"}", "password" },
		{ "{\"user\":\"ivan\",\"old_password\":\"x\",\"new_password\":\"Abcdefgh1234\\u0000x\"}",
		  "new_password" },
		{ "{\"user\":\"ivan\",\"old_password\":\"x\",\"new_password\":\"Abcdefgh1234\","
		  "\"code\":123456}", "code" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		assert_int_equal(api(&env, NULL, "POST", "/v1/auth/password", bodies[i][0]), 400);
		assert_string_equal(ecode(&env), "invalid_field");
		assert_string_equal(jstr(&env, "error.field"), bodies[i][1]);
	}
	assert_int_equal(api(&env, NULL, "GET", "/v1/auth/password", NULL), 405);
}

/* The policy's keys are read from policyd.conf. */
static void test_self_password_policy_config(void **state)
{
	struct testenv strict;

	(void)state;
	testenv_start(&strict, 0, "password_min_length = 16\npassword_min_classes = 4");
	make_user(&strict, "rita", "rita-start-pw");
	assert_int_equal(apif(&strict, NULL, "POST", "/v1/auth/password",
			      "{\"user\":\"rita\",\"old_password\":\"x\",\"new_password\":\"%s\"}",
			      "Short Pass 1!"), 400);
	assert_string_equal(jstr(&strict, "error.rule"), "too_short");
	assert_int_equal(apif(&strict, NULL, "POST", "/v1/auth/password",
			      "{\"user\":\"rita\",\"old_password\":\"x\",\"new_password\":\"%s\"}",
			      "Correct Horse Battery"), 400);
	assert_string_equal(jstr(&strict, "error.rule"), "too_few_classes");
	assert_non_null(strstr(jstr(&strict, "error.message"), "at least 4"));
	assert_int_equal(apif(&strict, NULL, "POST", "/v1/auth/password",
			      "{\"user\":\"rita\",\"old_password\":\"rita-start-pw\","
			      "\"new_password\":\"%s\"}", "Correct Horse Battery 9"), 200);
	assert_int_equal(testenv_stop(&strict), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_login),
		cmocka_unit_test(test_failures_are_indistinguishable),
		cmocka_unit_test(test_lockout_and_unlock),
		cmocka_unit_test(test_lockout_ends_on_time),
		cmocka_unit_test(test_disabled_and_deprovisioned),
		cmocka_unit_test(test_totp_login_and_replay),
		cmocka_unit_test(test_challenge_rules),
		cmocka_unit_test(test_sessions_expire_and_end),
		cmocka_unit_test(test_password_change),
		cmocka_unit_test(test_rate_limit_by_origin),
		cmocka_unit_test(test_login_input_validated),
		cmocka_unit_test(test_self_password_change),
		cmocka_unit_test(test_self_password_wrong_old_locks),
		cmocka_unit_test(test_self_password_policy),
		cmocka_unit_test(test_self_password_totp),
		cmocka_unit_test(test_self_password_ends_challenges),
		cmocka_unit_test(test_self_password_disabled_unknown),
		cmocka_unit_test(test_self_password_host_typed),
		cmocka_unit_test(test_self_password_input_validated),
		cmocka_unit_test(test_self_password_policy_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

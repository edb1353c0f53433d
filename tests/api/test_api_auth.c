/* API tests of logins: passwords, TOTP with replay protection, lockout,
 * rate limiting, sessions and their expiry (server clock moved by
 * libfaketime, no sleeping). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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
	/* a host asks for a decision and gets no session */
	assert_int_equal(try_login(host, "alice", "correct horse"), 200);
	assert_string_equal(jstr(&env, "result"), "ok");
	assert_null(jget(&env, "token"));
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

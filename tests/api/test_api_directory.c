/* API tests of the directory: users, groups, hosts, keys, MFA enrolment,
 * and how every kind of bad request is refused without changing anything. */
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

#define ED25519_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"
/* ssh-keygen -lf prints this fingerprint for the key above */
#define ED25519_FP "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"

static int setup(void **state)
{
	(void)state;
	testenv_start(&env, 0, "max_body = 2K\nid_min = 300000\nid_max = 300050");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return testenv_stop(&env) == 0 ? 0 : -1;
}

/* The audit head: a refused request must not move it. */
static int64_t audit_seq(void)
{
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit/head", NULL), 200);
	return jint(&env, "seq");
}

static void test_health_needs_no_token(void **state)
{
	(void)state;
	assert_int_equal(api(&env, NULL, "GET", "/v1/health", NULL), 200);
	assert_string_equal(jstr(&env, "status"), "ok");
	assert_true(jint(&env, "serial") >= 1);
}

static void test_tokens_are_checked(void **state)
{
	char *host = enroll_host(&env, "tokens.example");

	(void)state;
	assert_int_equal(api(&env, NULL, "GET", "/v1/users", NULL), 401);
	assert_string_equal(ecode(&env), "unauthenticated");
	/* well-formed but unknown: right id, wrong secret */
	assert_int_equal(api(&env, "iama_1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "GET",
			     "/v1/users", NULL), 401);
	assert_int_equal(api(&env, "not-a-token", "GET", "/v1/users", NULL), 401);
	/* a host credential is not an admin token */
	assert_int_equal(api(&env, host, "GET", "/v1/users", NULL), 403);
	assert_string_equal(ecode(&env), "forbidden");
	assert_int_equal(api(&env, host, "GET", "/v1/whoami", NULL), 200);
	assert_string_equal(jstr(&env, "kind"), "host");
	assert_string_equal(jstr(&env, "name"), "tokens.example");
	free(host);
}

static void test_bad_requests_change_nothing(void **state)
{
	static const char big[] = "{\"name\":\"bigbody\",\"gecos\":\"";
	char body[4096];
	int64_t before = audit_seq();

	(void)state;
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"name\":"), 400);
	assert_string_equal(ecode(&env), "invalid_json");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"name\":\"x\"} trailing"), 400);
	assert_string_equal(ecode(&env), "invalid_json");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"name\":\"\xff\"}"), 400);
	assert_string_equal(ecode(&env), "invalid_json");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"name\":\"x\",\"uid\":\"5\"}"), 400);
	assert_string_equal(ecode(&env), "invalid_field");
	assert_string_equal(jstr(&env, "error.field"), "uid");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"gecos\":\"x\"}"), 400);
	assert_string_equal(jstr(&env, "error.field"), "name");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"name\":\"x\",\"shel\":\"/bin/sh\"}"), 400);
	assert_string_equal(jstr(&env, "error.field"), "shel");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "[1,2]"), 400);
	assert_int_equal(api_raw(&env, env.admin, "POST", "/v1/users", "text/plain", "{}", 2), 415);
	assert_string_equal(ecode(&env), "unsupported_media_type");
	snprintf(body, sizeof(body), "%s%3000d\"}", big, 7);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", body), 413);
	assert_string_equal(ecode(&env), "body_too_large");
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/bigbody", NULL), 404);
	assert_int_equal(audit_seq(), before);
}

static void test_routes(void **state)
{
	(void)state;
	assert_int_equal(api(&env, env.admin, "GET", "/v1/nothing", NULL), 404);
	assert_string_equal(ecode(&env), "not_found");
	assert_int_equal(api(&env, env.admin, "PUT", "/v1/users", NULL), 405);
	assert_string_equal(ecode(&env), "method_not_allowed");
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/", NULL), 404);
}

static void test_user_lifecycle(void **state)
{
	(void)state;
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users",
			     "{\"name\":\"dora\",\"gecos\":\"Dora D\",\"password\":\"s3cret\"}"), 201);
	assert_string_equal(jstr(&env, "name"), "dora");
	assert_true(jint(&env, "uid") >= 300000 && jint(&env, "uid") <= 300050);
	assert_int_equal(jint(&env, "gid"), jint(&env, "uid"));
	assert_string_equal(jstr(&env, "home"), "/home/dora");
	assert_string_equal(jstr(&env, "shell"), "/bin/bash");
	assert_string_equal(jstr(&env, "state"), "active");
	assert_int_equal(jbool(&env, "password"), 1);
	assert_int_equal(jbool(&env, "mfa"), 0);
	assert_null(jget(&env, "pw_verifier"));
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"name\":\"dora\"}"), 409);
	assert_string_equal(ecode(&env), "already_exists");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/dora/disable",
			     "{\"reason\":\"on leave\"}"), 200);
	assert_string_equal(jstr(&env, "state"), "disabled");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/dora/enable", NULL), 200);
	assert_string_equal(jstr(&env, "state"), "active");
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/nobody", NULL), 404);
	assert_string_equal(jstr(&env, "error.resource"), "user");
}

static void test_user_input_validated(void **state)
{
	static const char *const bad[] = {
		"{\"name\":\"Root\"}", "{\"name\":\"a:b\"}", "{\"name\":\"-x\"}",
		"{\"name\":\"x\\ny\"}", "{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
		"{\"name\":\"gx\",\"gecos\":\"a:b\"}", "{\"name\":\"gx\",\"shell\":\"bash\"}",
		"{\"name\":\"gx\",\"home\":\"/home/a:b\"}", "{\"name\":\"gx\",\"password\":\"\"}",
		"{\"name\":\"gx\",\"uid\":-5}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(api(&env, env.admin, "POST", "/v1/users", bad[i]), 400);
		assert_string_equal(ecode(&env), "invalid_field");
	}
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/gx", NULL), 404);
}

/* Ids are a security boundary: out of range or ever used means no. */
static void test_ids_never_reused(void **state)
{
	int64_t uid;

	(void)state;
	make_user(&env, "eve", "pw");
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/eve", NULL), 200);
	uid = jint(&env, "uid");
	assert_int_equal(apif(&env, env.admin, "POST", "/v1/users", "{\"name\":\"frank\",\"uid\":%lld}",
			      (long long)uid), 409);
	assert_string_equal(ecode(&env), "id_in_use");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"name\":\"frank\",\"uid\":1000}"), 409);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"name\":\"frank\",\"uid\":0}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/eve/deprovision",
			     "{\"reason\":\"left\"}"), 200);
	assert_string_equal(jstr(&env, "state"), "deprovisioned");
	assert_int_equal(jbool(&env, "password"), 0);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/eve/enable", NULL), 409);
	assert_string_equal(ecode(&env), "invalid_state");
	assert_int_equal(apif(&env, env.admin, "POST", "/v1/users", "{\"name\":\"gina\",\"uid\":%lld}",
			      (long long)uid), 409);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"name\":\"eve\"}"), 409);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users", "{\"name\":\"gina\"}"), 201);
	assert_true(jint(&env, "uid") > uid);
	/* groups share the id space with users */
	assert_int_equal(apif(&env, env.admin, "POST", "/v1/groups", "{\"name\":\"ops\",\"gid\":%lld}",
			      (long long)uid), 409);
}

static void test_groups(void **state)
{
	(void)state;
	make_user(&env, "hank", NULL);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups", "{\"name\":\"devs\"}"), 201);
	assert_string_equal(jstr(&env, "kind"), "regular");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups", "{\"name\":\"hank\"}"), 409);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/devs/members", "{\"user\":\"hank\"}"), 200);
	assert_int_equal(json_object_array_length(jget(&env, "members")), 1);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/hank", NULL), 200);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(jget(&env, "groups"), 0)),
			    "devs");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/devs/members", "{\"user\":\"nobody\"}"), 404);
	assert_string_equal(jstr(&env, "error.resource"), "user");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/nogroup/members", "{\"user\":\"hank\"}"), 404);
	assert_string_equal(jstr(&env, "error.resource"), "group");
	/* a user's private group takes no members */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/hank/members", "{\"user\":\"hank\"}"), 409);
	assert_int_equal(api(&env, env.admin, "DELETE", "/v1/groups/devs/members/hank", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "members")), 0);
	make_user(&env, "ivan", NULL);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/ivan/deprovision", NULL), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/devs/members", "{\"user\":\"ivan\"}"), 409);
}

static void test_hosts(void **state)
{
	char *cred = enroll_host(&env, "web1.example"), *cred2;

	(void)state;
	assert_non_null(strstr(cred, "iamh_"));
	assert_int_equal(api(&env, env.admin, "POST", "/v1/hosts", "{\"name\":\"web1.example\"}"), 409);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/hosts", "{\"name\":\"bad_host!\"}"), 400);
	assert_int_equal(api(&env, cred, "GET", "/v1/whoami", NULL), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/hosts/web1.example/credential", NULL), 200);
	cred2 = strdup(jstr(&env, "credential"));
	assert_int_equal(api(&env, cred, "GET", "/v1/whoami", NULL), 401);
	assert_int_equal(api(&env, cred2, "GET", "/v1/whoami", NULL), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups", "{\"name\":\"webadmins\"}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/hosts/web1.example/access",
			     "{\"group\":\"webadmins\"}"), 200);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
		jget(&env, "allowed_groups"), 0)), "webadmins");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/hosts/web1.example/access",
			     "{\"group\":\"nope\"}"), 404);
	assert_int_equal(api(&env, env.admin, "DELETE", "/v1/hosts/web1.example/access/webadmins", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "allowed_groups")), 0);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/hosts", NULL), 200);
	assert_true(json_object_array_length(jget(&env, "hosts")) >= 1);
	free(cred);
	free(cred2);
}

static void test_ssh_keys(void **state)
{
	char *host = enroll_host(&env, "keys.example");
	static const char *const bad[] = {
		"{\"key\":\"garbage\"}",
		"{\"key\":\"command=\\\"/bin/sh\\\" " ED25519_KEY "\"}",
		"{\"key\":\"" ED25519_KEY "\\n" ED25519_KEY "\"}",
		"{\"key\":\"ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\"}",
		"{\"key\":\"ssh-ed25519 !!!notbase64\"}",
	};
	size_t i;

	(void)state;
	make_user(&env, "judy", NULL);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/judy/keys",
			     "{\"key\":\"" ED25519_KEY "\\n\"}"), 201);
	assert_string_equal(jstr(&env, "fingerprint"), ED25519_FP);
	assert_string_equal(jstr(&env, "comment"), "alice@laptop");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/judy/keys",
			     "{\"key\":\"" ED25519_KEY "\"}"), 409);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(api(&env, env.admin, "POST", "/v1/users/judy/keys", bad[i]), 400);
	assert_int_equal(api(&env, host, "GET", "/v1/users/judy/keys", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "keys")), 1);
	/* a disabled user's keys are not handed to sshd */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/judy/disable", NULL), 200);
	assert_int_equal(api(&env, host, "GET", "/v1/users/judy/keys", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "keys")), 0);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/judy/keys", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "keys")), 1);
	assert_int_equal(api(&env, env.admin, "DELETE", "/v1/users/judy/keys/999", NULL), 404);
	assert_int_equal(api(&env, env.admin, "DELETE", "/v1/users/judy/keys/1", NULL), 200);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/judy/keys", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "keys")), 0);
	free(host);
}

static void test_mfa_enrolment(void **state)
{
	char *secret;

	(void)state;
	make_user(&env, "kate", "pw");
	secret = enroll_totp(&env, "kate");
	assert_int_equal(strlen(secret), 32);
	assert_non_null(strstr(jstr(&env, "uri"), "otpauth://totp/IAM:kate?secret="));
	assert_int_equal(api(&env, env.admin, "GET", "/v1/users/kate", NULL), 200);
	assert_int_equal(jbool(&env, "mfa"), 1);
	assert_null(jget(&env, "secret"));
	assert_int_equal(api(&env, env.admin, "DELETE", "/v1/users/kate/mfa", NULL), 200);
	assert_int_equal(jbool(&env, "mfa"), 0);
	free(secret);
}

/* A user may read their own record and nobody else's. */
static void test_self_access(void **state)
{
	char *token;

	(void)state;
	make_user(&env, "liam", "pw-liam");
	token = login(&env, "liam", "pw-liam");
	assert_int_equal(api(&env, token, "GET", "/v1/users/liam", NULL), 200);
	assert_int_equal(api(&env, token, "GET", "/v1/users/kate", NULL), 403);
	assert_int_equal(api(&env, token, "GET", "/v1/users", NULL), 403);
	assert_int_equal(api(&env, token, "POST", "/v1/users", "{\"name\":\"zed\"}"), 403);
	free(token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health_needs_no_token),
		cmocka_unit_test(test_tokens_are_checked),
		cmocka_unit_test(test_bad_requests_change_nothing),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_user_lifecycle),
		cmocka_unit_test(test_user_input_validated),
		cmocka_unit_test(test_ids_never_reused),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_ssh_keys),
		cmocka_unit_test(test_mfa_enrolment),
		cmocka_unit_test(test_self_access),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* API tests of privileged access: roles, eligibility, the request
 * lifecycle, grant and account decisions, signed snapshots and the audit
 * chain. The server's clock is moved with libfaketime. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <errno.h>

#include "api_client.h"
#include "audit_chain.h"
#include "sign.h"
#include "testenv.h"

static struct testenv env;
static char *host, *host2, *alice, *bob, *carol;

static void setup_people(void)
{
	make_user(&env, "alice", "alicepw"); /* developer */
	make_user(&env, "bob", "bobpw");     /* manager */
	make_user(&env, "carol", "carolpw"); /* developer and manager */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups", "{\"name\":\"developers\"}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups", "{\"name\":\"managers\"}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/developers/members", "{\"user\":\"alice\"}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/developers/members", "{\"user\":\"carol\"}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/managers/members", "{\"user\":\"bob\"}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/managers/members", "{\"user\":\"carol\"}"), 200);
	host = enroll_host(&env, "db1.example");
	alice = login(&env, "alice", "alicepw");
	bob = login(&env, "bob", "bobpw");
	carol = login(&env, "carol", "carolpw");
}

/* Moves the endpoint's clock; sessions may have expired, so log in again. */
static void shift(long long seconds)
{
	testenv_shift_clock(&env, seconds);
	free(alice);
	free(bob);
	free(carol);
	alice = bob = carol = NULL;
	alice = login(&env, "alice", "alicepw");
	bob = login(&env, "bob", "bobpw");
	carol = login(&env, "carol", "carolpw");
}

static int setup(void **state)
{
	(void)state;
	if (!IAM_FAKETIME_LIB[0]) {
		fprintf(stderr, "libfaketime is missing (Debian package faketime); skipping\n");
		exit(77);
	}
	testenv_start(&env, TESTENV_FAKETIME, "user_token_ttl = 24h\nlong_poll_max = 5s");
	setup_people();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(host);
	free(host2);
	free(alice);
	free(bob);
	free(carol);
	return testenv_stop(&env) == 0 ? 0 : -1;
}

static int64_t request(const char *token, const char *role, int duration, long want)
{
	assert_int_equal(apif(&env, token, "POST", "/v1/requests",
			      "{\"role\":\"%s\",\"duration\":%d,\"reason\":\"INC-7 disk full\"}",
			      role, duration), want);
	return jint(&env, "id");
}

static long act(const char *token, int64_t id, const char *action, const char *reason)
{
	char path[96];

	snprintf(path, sizeof(path), "/v1/requests/%lld/%s", (long long)id, action);
	if (!reason)
		return api(&env, token, "POST", path, NULL);
	return apif(&env, token, "POST", path, "{\"reason\":\"%s\"}", reason);
}

/* The grant decision for user and role as the host with token `on` sees it. */
static const char *grant_at(const char *on, const char *user, const char *role,
			    const char *origin)
{
	if (origin)
		assert_int_equal(apif(&env, on, "POST", "/v1/decide/grant",
				      "{\"user\":\"%s\",\"role\":\"%s\",\"origin\":\"%s\"}",
				      user, role, origin), 200);
	else
		assert_int_equal(apif(&env, on, "POST", "/v1/decide/grant",
				      "{\"user\":\"%s\",\"role\":\"%s\"}", user, role), 200);
	assert_true(strcmp(jstr(&env, "decision"), "allow") == 0 ||
		    strcmp(jstr(&env, "decision"), "deny") == 0);
	return jstr(&env, "reason");
}

static const char *grant(const char *user, const char *role, const char *origin)
{
	return grant_at(host, user, role, origin);
}

static void test_role_validation(void **state)
{
	static const struct { const char *body; const char *field; } bad[] = {
		{ "{\"name\":\"r1\",\"max_duration\":0}", "max_duration" },
		{ "{\"name\":\"r1\",\"max_duration\":3600,\"window\":\"25:00-26:00\"}", "window" },
		{ "{\"name\":\"r1\",\"max_duration\":3600,\"window\":\"14:00-16:00\",\"tz\":\"Mars/Base\"}", "tz" },
		{ "{\"name\":\"r1\",\"max_duration\":3600,\"tz\":\"../../etc/passwd\"}", "tz" },
		{ "{\"name\":\"r1\",\"max_duration\":3600,\"networks\":[\"10.8.0.1/16\"]}", "networks" },
		{ "{\"name\":\"r1\",\"max_duration\":3600,\"networks\":[5]}", "networks" },
		{ "{\"name\":\"r1\",\"max_duration\":3600,\"approval\":\"required\"}", "approvers" },
		{ "{\"name\":\"r1\",\"max_duration\":3600,\"approval\":\"maybe\"}", "approval" },
		{ "{\"name\":\"r1\",\"max_duration\":3600,\"days\":\"Mon\"}", "days" },
		{ "{\"name\":\"R1\",\"max_duration\":3600}", "name" },
		{ "{\"name\":\"r1\",\"max_duration\":3600,\"mfa\":\"yes\"}", "mfa" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(api(&env, env.admin, "POST", "/v1/roles", bad[i].body), 400);
		assert_string_equal(jstr(&env, "error.field"), bad[i].field);
	}
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"r1\",\"max_duration\":3600,\"approval\":\"required\","
			     "\"approvers\":\"nogroup\"}"), 404);
	/* the role's group is new: an existing group cannot become a privilege */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"r1\",\"max_duration\":3600,\"group\":\"developers\"}"), 409);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/roles/r1", NULL), 404);
}

/* The seed's example: approval by a manager, 14:00-16:00 Berlin, VPN only. */
static void create_roles(void)
{
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"dbadmin\",\"max_duration\":7200,\"approval\":\"required\","
			     "\"approvers\":\"managers\",\"networks\":[\"10.8.0.0/16\",\"2001:db8::/32\"]}"), 201);
	assert_string_equal(jstr(&env, "group"), "dbadmin");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/dbadmin/eligible",
			     "{\"group\":\"developers\"}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"oncall\",\"max_duration\":3600}"), 201);
	assert_string_equal(jstr(&env, "approval"), "none");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/oncall/eligible",
			     "{\"user\":\"alice\"}"), 200);
}

static void test_request_approve_revoke(void **state)
{
	int64_t id;

	(void)state;
	create_roles();
	assert_string_equal(grant("alice", "dbadmin", "10.8.1.1"), "no_grant");
	assert_non_null(strstr(jstr(&env, "message"), "iamctl elevate dbadmin"));
	id = request(alice, "dbadmin", 3600, 201);
	assert_string_equal(jstr(&env, "state"), "pending");
	assert_true(jint(&env, "expires_at") > testenv_now(&env));
	assert_string_equal(grant("alice", "dbadmin", "10.8.1.1"), "pending_approval");
	/* one open request per user and role */
	request(alice, "dbadmin", 600, 409);
	/* alice cannot approve her own; carol (a manager who is also a
	 * developer) cannot approve it for herself either, but may for alice */
	assert_int_equal(act(alice, id, "approve", "me"), 403);
	assert_string_equal(ecode(&env), "self_approval");
	assert_int_equal(act(carol, id, "approve", "looks fine"), 200);
	assert_string_equal(jstr(&env, "state"), "active");
	assert_string_equal(jstr(&env, "decided_by"), "carol");
	assert_int_equal(jint(&env, "not_after") - jint(&env, "not_before"), 3600);
	assert_string_equal(grant("alice", "dbadmin", "10.8.1.1"), "ok");
	assert_int_equal(jint(&env, "grant.id"), id);
	assert_string_equal(grant("alice", "dbadmin", "2001:db8::5"), "ok");
	assert_string_equal(grant("alice", "dbadmin", "192.0.2.1"), "origin_not_allowed");
	assert_string_equal(grant("alice", "dbadmin", NULL), "origin_unknown");
	assert_string_equal(grant("bob", "dbadmin", "10.8.1.1"), "no_grant");
	assert_int_equal(act(bob, id, "approve", "again"), 409);
	assert_string_equal(jstr(&env, "error.state"), "active");
	/* revoke needs a reason and ends it at once */
	assert_int_equal(act(bob, id, "revoke", NULL), 400);
	assert_int_equal(act(bob, id, "revoke", "INC closed"), 200);
	assert_string_equal(jstr(&env, "state"), "revoked");
	assert_string_equal(grant("alice", "dbadmin", "10.8.1.1"), "revoked");
}

static void test_approver_rules(void **state)
{
	int64_t id;

	(void)state;
	make_user(&env, "dan", "danpw");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/developers/members", "{\"user\":\"dan\"}"), 200);
	id = request(carol, "dbadmin", 600, 201);
	/* alice is not a manager */
	assert_int_equal(act(alice, id, "approve", "ok"), 403);
	assert_string_equal(ecode(&env), "not_approver");
	assert_int_equal(act(carol, id, "approve", "ok"), 403);
	assert_string_equal(ecode(&env), "self_approval");
	/* deny needs a reason */
	assert_int_equal(act(bob, id, "deny", NULL), 400);
	assert_int_equal(act(bob, id, "deny", "not now"), 200);
	assert_string_equal(jstr(&env, "state"), "denied");
	assert_int_equal(act(bob, id, "approve", "changed my mind"), 409);
	/* eligibility */
	request(bob, "dbadmin", 600, 403);
	assert_string_equal(ecode(&env), "not_eligible");
	request(alice, "dbadmin", 7201, 400);
	assert_string_equal(jstr(&env, "error.field"), "duration");
	request(alice, "nosuchrole", 60, 404);
	/* a host names the user it asks for; admins do not request */
	assert_int_equal(api(&env, host, "POST", "/v1/requests",
			     "{\"role\":\"dbadmin\",\"duration\":60,\"reason\":\"x\"}"), 400);
	assert_string_equal(jstr(&env, "error.field"), "user");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/requests",
			     "{\"role\":\"dbadmin\",\"duration\":60,\"reason\":\"x\"}"), 403);
	assert_int_equal(api(&env, alice, "POST", "/v1/requests",
			     "{\"role\":\"dbadmin\",\"duration\":60,\"reason\":\"\"}"), 400);
}

static void test_pending_expires_and_cancel(void **state)
{
	int64_t id;

	(void)state;
	id = request(alice, "dbadmin", 600, 201);
	assert_int_equal(act(bob, id, "cancel", "not yours"), 403);
	assert_string_equal(ecode(&env), "forbidden");
	assert_int_equal(act(alice, id, "cancel", NULL), 400);
	assert_string_equal(jstr(&env, "error.field"), "reason");
	assert_int_equal(act(alice, id, "cancel", "changed plans"), 200);
	assert_string_equal(jstr(&env, "end_reason"), "changed plans");
	assert_string_equal(jstr(&env, "state"), "canceled");
	id = request(alice, "dbadmin", 600, 201);
	shift(86400 + 1);
	assert_int_equal(act(bob, id, "approve", "late"), 409);
	assert_string_equal(ecode(&env), "request_expired");
	assert_int_equal(api(&env, alice, "GET", "/v1/requests/0", NULL), 404);
	assert_int_equal(api(&env, alice, "GET", "/v1/requests?state=expired", NULL), 200);
	assert_true(json_object_array_length(jget(&env, "requests")) >= 1);
	/* an expired pending request does not block a new one */
	request(alice, "dbadmin", 600, 201);
	assert_int_equal(act(alice, jint(&env, "id"), "cancel", "not needed"), 200);
}

/* No approval: active at once, and the window starts at approval. */
static void test_grant_ends_on_time(void **state)
{
	int64_t id;

	(void)state;
	id = request(alice, "oncall", 1800, 201);
	assert_string_equal(jstr(&env, "state"), "active");
	assert_string_equal(grant("alice", "oncall", NULL), "ok");
	shift(1780); /* margin: re-logging in takes real time */
	assert_string_equal(grant("alice", "oncall", NULL), "ok");
	shift(20);
	assert_string_equal(grant("alice", "oncall", NULL), "expired");
	assert_int_equal(api(&env, alice, "GET", "/v1/requests?role=oncall&state=expired", NULL), 200);
	assert_int_equal(jint(&env, "requests.0"), -1);
	assert_int_equal(json_object_get_int64(json_object_object_get(json_object_array_get_idx(
		jget(&env, "requests"), 0), "id")), id);
	/* the holder may end it early */
	request(alice, "oncall", 600, 201);
	assert_int_equal(act(alice, jint(&env, "id"), "revoke", "done"), 200);
	assert_string_equal(grant("alice", "oncall", NULL), "revoked");
}

static void test_time_window(void **state)
{
	time_t now = (time_t)testenv_now(&env);
	struct tm tm;
	char body[256];

	(void)state;
	/* a one-hour window starting two hours from now, in UTC */
	gmtime_r(&now, &tm);
	snprintf(body, sizeof(body), "{\"name\":\"later\",\"max_duration\":86400,\"window\":"
		 "\"%02d:00-%02d:00\",\"tz\":\"UTC\"}", (tm.tm_hour + 2) % 24, (tm.tm_hour + 3) % 24);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles", body), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/later/eligible",
			     "{\"user\":\"alice\"}"), 200);
	request(alice, "later", 86400, 201);
	assert_string_equal(grant("alice", "later", NULL), "outside_window");
	assert_non_null(strstr(jstr(&env, "message"), "UTC"));
	shift(2 * 3600 - tm.tm_min * 60 - tm.tm_sec + 30);
	assert_string_equal(grant("alice", "later", NULL), "ok");
	shift(3600);
	assert_string_equal(grant("alice", "later", NULL), "outside_window");
}

static void test_mfa_at_activation(void **state)
{
	char *secret, code[7];

	char *mia;

	(void)state;
	make_user(&env, "mia", "miapw");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/developers/members", "{\"user\":\"mia\"}"), 200);
	mia = login(&env, "mia", "miapw");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"secure\",\"max_duration\":3600,\"mfa\":true}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/secure/eligible",
			     "{\"group\":\"developers\"}"), 200);
	request(mia, "secure", 600, 403);
	assert_string_equal(ecode(&env), "mfa_not_enrolled");
	secret = enroll_totp(&env, "mia");
	request(mia, "secure", 600, 401);
	assert_string_equal(ecode(&env), "mfa_required");
	assert_int_equal(api(&env, mia, "POST", "/v1/requests",
			     "{\"role\":\"secure\",\"duration\":600,\"reason\":\"x\",\"code\":\"000000\"}"), 401);
	assert_string_equal(ecode(&env), "auth_failed");
	totp_code(&env, secret, 0, code);
	assert_int_equal(apif(&env, mia, "POST", "/v1/requests",
			      "{\"role\":\"secure\",\"duration\":600,\"reason\":\"x\",\"code\":\"%s\"}",
			      code), 201);
	assert_int_equal(jbool(&env, "mfa"), 1);
	assert_string_equal(grant("mia", "secure", NULL), "ok");
	free(secret);
	free(mia);
}

static void test_account_decisions(void **state)
{
	(void)state;
	assert_int_equal(api(&env, host, "POST", "/v1/decide/account", "{\"user\":\"alice\"}"), 200);
	assert_string_equal(jstr(&env, "reason"), "host_not_allowed");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/hosts/db1.example/access",
			     "{\"group\":\"developers\"}"), 200);
	assert_int_equal(api(&env, host, "POST", "/v1/decide/account",
			     "{\"user\":\"alice\",\"service\":\"sshd\",\"origin\":\"10.8.1.1\"}"), 200);
	assert_string_equal(jstr(&env, "decision"), "allow");
	assert_int_equal(api(&env, host, "POST", "/v1/decide/account", "{\"user\":\"bob\"}"), 200);
	assert_string_equal(jstr(&env, "reason"), "host_not_allowed");
	/* a role group allowed on the host admits holders of active grants only */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/hosts/db1.example/access",
			     "{\"group\":\"oncall\"}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/oncall/eligible",
			     "{\"user\":\"bob\"}"), 200);
	request(bob, "oncall", 600, 201);
	assert_int_equal(api(&env, host, "POST", "/v1/decide/account", "{\"user\":\"bob\"}"), 200);
	assert_string_equal(jstr(&env, "decision"), "allow");
	shift(601);
	assert_int_equal(api(&env, host, "POST", "/v1/decide/account", "{\"user\":\"bob\"}"), 200);
	assert_string_equal(jstr(&env, "reason"), "host_not_allowed");
	assert_int_equal(api(&env, host, "POST", "/v1/decide/account", "{\"user\":\"nobody\"}"), 200);
	assert_string_equal(jstr(&env, "reason"), "unknown_user");
	make_user(&env, "mallory", NULL);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/mallory/disable", NULL), 200);
	assert_int_equal(api(&env, host, "POST", "/v1/decide/account", "{\"user\":\"mallory\"}"), 200);
	assert_string_equal(jstr(&env, "message"), "Your account is disabled; contact your administrator.");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/mallory/deprovision", NULL), 200);
	assert_int_equal(api(&env, host, "POST", "/v1/decide/account", "{\"user\":\"mallory\"}"), 200);
	assert_string_equal(jstr(&env, "reason"), "deprovisioned");
	/* only hosts ask */
	assert_int_equal(api(&env, alice, "POST", "/v1/decide/account", "{\"user\":\"alice\"}"), 403);
}

static EVP_PKEY *signing_pubkey(void)
{
	char path[300], b64[64] = "";
	EVP_PKEY *pub = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/signing.pub", env.state);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(b64, sizeof(b64), f));
	fclose(f);
	b64[strcspn(b64, "\n")] = '\0';
	assert_int_equal(iam_sign_pubkey_from_b64(b64, &pub, NULL), 0);
	return pub;
}

static void test_snapshot_signed(void **state)
{
	EVP_PKEY *pub = signing_pubkey();
	struct json_object *payload = NULL, *users;
	const char *text;
	char *tampered;
	size_t i;
	int found_alice = 0, found_mallory = 0;

	(void)state;
	assert_int_equal(api(&env, host, "GET", "/v1/snapshot", NULL), 200);
	assert_int_equal(jbool(&env, "changed"), 1);
	text = jstr(&env, "payload");
	assert_int_equal(iam_verify(pub, text, strlen(text), jstr(&env, "signature"), NULL), 0);
	tampered = strdup(text);
	tampered[strlen(tampered) / 2] ^= 1;
	assert_int_equal(iam_verify(pub, tampered, strlen(tampered), jstr(&env, "signature"), NULL),
			 -EBADMSG);
	free(tampered);
	payload = json_tokener_parse(text);
	assert_non_null(payload);
	assert_string_equal(json_object_get_string(json_object_object_get(payload, "host")), "db1.example");
	assert_int_equal(json_object_get_int64(json_object_object_get(payload, "serial")), jint(&env, "serial"));
	users = json_object_object_get(payload, "users");
	for (i = 0; i < json_object_array_length(users); i++) {
		const char *name = json_object_get_string(json_object_object_get(
			json_object_array_get_idx(users, i), "name"));

		found_alice |= strcmp(name, "alice") == 0;
		found_mallory |= strcmp(name, "mallory") == 0;
	}
	assert_true(found_alice);
	assert_false(found_mallory); /* deprovisioned users are absent */
	json_object_put(payload);
	EVP_PKEY_free(pub);
	assert_int_equal(api(&env, alice, "GET", "/v1/snapshot", NULL), 403);
}

static void *add_user_soon(void *arg)
{
	struct testenv *e = arg, mine = *e;

	mine.body = NULL;
	usleep(300000);
	assert_int_equal(api(&mine, mine.admin, "POST", "/v1/users", "{\"name\":\"newbie\"}"), 201);
	json_object_put(mine.body);
	return NULL;
}

static void test_snapshot_long_poll(void **state)
{
	pthread_t t;
	int64_t serial;
	char path[96];

	(void)state;
	assert_int_equal(api(&env, host, "GET", "/v1/snapshot", NULL), 200);
	serial = jint(&env, "serial");
	snprintf(path, sizeof(path), "/v1/snapshot?since=%lld&wait=1", (long long)serial);
	assert_int_equal(api(&env, host, "GET", path, NULL), 200);
	assert_int_equal(jbool(&env, "changed"), 0);
	assert_int_equal(jint(&env, "serial"), serial);
	/* a change during the wait ends it with the new snapshot */
	pthread_create(&t, NULL, add_user_soon, &env);
	snprintf(path, sizeof(path), "/v1/snapshot?since=%lld&wait=5", (long long)serial);
	assert_int_equal(api(&env, host, "GET", path, NULL), 200);
	pthread_join(t, NULL);
	assert_int_equal(jbool(&env, "changed"), 1);
	assert_true(jint(&env, "serial") > serial);
	assert_non_null(strstr(jstr(&env, "payload"), "\"newbie\""));
	assert_int_equal(api(&env, host, "GET", "/v1/snapshot?since=-1", NULL), 400);
	assert_int_equal(api(&env, host, "GET", "/v1/snapshot?wait=x", NULL), 400);
}

/* How many members the snapshot of the host with token `on` gives a group
 * (-1: no such group); *until (may be NULL) gets the first one's "until". */
static int members_in_snapshot_of(const char *on, const char *group, int64_t *until)
{
	struct json_object *payload, *groups;
	int n = -1;
	size_t i;

	assert_int_equal(api(&env, on, "GET", "/v1/snapshot", NULL), 200);
	payload = json_tokener_parse(jstr(&env, "payload"));
	groups = json_object_object_get(payload, "groups");
	for (i = 0; i < json_object_array_length(groups); i++) {
		struct json_object *g = json_object_array_get_idx(groups, i), *m;

		if (strcmp(json_object_get_string(json_object_object_get(g, "name")), group) != 0)
			continue;
		m = json_object_object_get(g, "members");
		n = (int)json_object_array_length(m);
		if (until && n > 0)
			*until = json_object_get_int64(json_object_object_get(
				json_object_array_get_idx(m, 0), "until"));
	}
	json_object_put(payload);
	return n;
}

/* How many members the snapshot gives a group (-1: no such group). */
static int group_members_in_snapshot(const char *group)
{
	struct json_object *payload, *groups;
	int n = -1;
	size_t i;

	assert_int_equal(api(&env, host, "GET", "/v1/snapshot", NULL), 200);
	payload = json_tokener_parse(jstr(&env, "payload"));
	groups = json_object_object_get(payload, "groups");
	for (i = 0; i < json_object_array_length(groups); i++) {
		struct json_object *g = json_object_array_get_idx(groups, i);

		if (strcmp(json_object_get_string(json_object_object_get(g, "name")), group) == 0)
			n = (int)json_object_array_length(json_object_object_get(g, "members"));
	}
	json_object_put(payload);
	return n;
}

/* A grant shows up in the snapshot as a membership with its end time. */
static void test_snapshot_jit_membership(void **state)
{
	int64_t id, not_after;

	(void)state;
	id = request(alice, "oncall", 900, 201);
	not_after = jint(&env, "not_after");
	assert_int_equal(api(&env, host, "GET", "/v1/snapshot", NULL), 200);
	{
		char needle[128];

		snprintf(needle, sizeof(needle), "{\"user\":\"alice\",\"until\":%lld}", (long long)not_after);
		assert_non_null(strstr(jstr(&env, "payload"), needle));
	}
	assert_int_equal(api(&env, env.admin, "GET", "/v1/groups/oncall", NULL), 200);
	assert_string_equal(jstr(&env, "kind"), "role");
	assert_int_equal(json_object_array_length(jget(&env, "jit_members")), 1);
	assert_int_equal(group_members_in_snapshot("oncall"), 1);
	assert_int_equal(act(env.admin, id, "revoke", "test over"), 200);
	assert_int_equal(group_members_in_snapshot("oncall"), 0);
}

static void test_audit_ingest(void **state)
{
	static const char batch[] =
		"{\"events\":[{\"id\":\"s-1\",\"time\":1700000000,\"type\":\"session.open\","
		"\"user\":\"alice\",\"data\":{\"tty\":\"pts/3\",\"session\":\"42\"}},"
		"{\"id\":\"s-2\",\"time\":1700000100,\"type\":\"session.close\",\"user\":\"alice\"}]}";
	char big[80000];
	size_t used;
	int i;

	(void)state;
	assert_int_equal(api(&env, host, "POST", "/v1/audit/events", batch), 200);
	assert_int_equal(jint(&env, "accepted"), 2);
	assert_int_equal(jint(&env, "duplicates"), 0);
	assert_int_equal(api(&env, host, "POST", "/v1/audit/events", batch), 200);
	assert_int_equal(jint(&env, "accepted"), 0);
	assert_int_equal(jint(&env, "duplicates"), 2);
	/* one bad event refuses the whole batch */
	assert_int_equal(api(&env, host, "POST", "/v1/audit/events",
			     "{\"events\":[{\"id\":\"s-3\",\"time\":1,\"type\":\"ok\"},"
			     "{\"id\":\"bad id\",\"time\":1,\"type\":\"ok\"}]}"), 400);
	assert_int_equal(api(&env, host, "POST", "/v1/audit/events",
			     "{\"events\":[{\"id\":\"s-3\",\"time\":1,\"type\":\"ok\"}]}"), 200);
	assert_int_equal(jint(&env, "accepted"), 1);
	assert_int_equal(api(&env, host, "POST", "/v1/audit/events",
			     "{\"events\":[{\"id\":\"s-4\",\"time\":\"1\",\"type\":\"ok\"}]}"), 400);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/audit/events", batch), 403);
	/* more than 1000 events */
	used = (size_t)snprintf(big, sizeof(big), "{\"events\":[");
	for (i = 0; i < 1001; i++)
		used += (size_t)snprintf(big + used, sizeof(big) - used, "%s{\"id\":\"b%d\",\"time\":1,"
					 "\"type\":\"x\"}", i ? "," : "", i);
	snprintf(big + used, sizeof(big) - used, "]}");
	assert_true(strlen(big) < 64L * 1024);
	assert_int_equal(api(&env, host, "POST", "/v1/audit/events", big), 400);
}

/* Recompute the whole chain from the records, as iamctl audit verify does,
 * and check the signed head. */
static void test_audit_chain_verifies(void **state)
{
	EVP_PKEY *pub = signing_pubkey();
	char msg[128], hash[65];
	int64_t last;

	(void)state;
	last = verify_audit_chain(&env, hash);
	assert_true(last > 50);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit/head", NULL), 200);
	assert_int_equal(jint(&env, "seq"), last);
	assert_string_equal(jstr(&env, "hash"), hash);
	iam_audit_head_message(last, hash, msg, sizeof(msg));
	assert_int_equal(iam_verify(pub, msg, strlen(msg), jstr(&env, "signature"), NULL), 0);
	EVP_PKEY_free(pub);
	assert_int_equal(api(&env, host, "GET", "/v1/audit/head", NULL), 403);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit?limit=0", NULL), 400);
}

/* The database itself refuses to rewrite history. */
static void test_audit_append_only(void **state)
{
	char path[300];
	sqlite3 *db = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/iam.db", env.state);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'nobody' WHERE seq = 1",
					  NULL, NULL, NULL), SQLITE_OK);
	assert_non_null(strstr(sqlite3_errmsg(db), "append-only"));
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Every decision is in the log with who, what and why. */
static void test_decisions_audited(void **state)
{
	const char *data;

	(void)state;
	assert_string_equal(grant("alice", "dbadmin", "192.0.2.9"), "no_grant");
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit/head", NULL), 200);
	{
		char path[96];

		snprintf(path, sizeof(path), "/v1/audit?after=%lld", (long long)jint(&env, "seq") - 1);
		assert_int_equal(api(&env, env.admin, "GET", path, NULL), 200);
	}
	data = json_object_get_string(json_object_object_get(json_object_array_get_idx(
		jget(&env, "records"), 0), "data"));
	assert_non_null(strstr(data, "\"reason\":\"no_grant\""));
	assert_non_null(strstr(data, "\"host\":\"db1.example\""));
	assert_non_null(strstr(data, "\"origin\":\"192.0.2.9\""));
}

static void test_deprovision_revokes_grants(void **state)
{
	(void)state;
	make_user(&env, "olga", "olgapw");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/oncall/eligible", "{\"user\":\"olga\"}"), 200);
	{
		char *t = login(&env, "olga", "olgapw");

		request(t, "oncall", 600, 201);
		free(t);
	}
	assert_string_equal(grant("olga", "oncall", NULL), "ok");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/olga/deprovision", NULL), 200);
	assert_string_equal(grant("olga", "oncall", NULL), "user_inactive");
	assert_int_equal(api(&env, env.admin, "GET", "/v1/requests?role=oncall&state=revoked", NULL), 200);
	assert_string_equal(json_object_get_string(json_object_object_get(json_object_array_get_idx(
		jget(&env, "requests"), 0), "ended_by")), "deprovision");
}

/* No allow without its audit record: with the database's write lock held
 * elsewhere, an allow becomes 503 (the host then treats the endpoint as
 * unavailable) while a deny is still answered. Takes the busy timeout (5 s)
 * per call. */
static void test_allow_needs_audit_record(void **state)
{
	char path[300];
	sqlite3 *db = NULL;

	(void)state;
	request(bob, "oncall", 600, 201);
	assert_string_equal(grant("bob", "oncall", NULL), "ok");
	snprintf(path, sizeof(path), "%s/iam.db", env.state);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* the server may be writing at this moment (a busy machine): wait for
	 * it rather than fail to take the lock */
	sqlite3_busy_timeout(db, 10000);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(api(&env, host, "POST", "/v1/decide/grant",
			     "{\"user\":\"bob\",\"role\":\"oncall\"}"), 503);
	assert_string_equal(ecode(&env), "unavailable");
	assert_string_equal(grant("carol", "oncall", NULL), "no_grant");
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_string_equal(grant("bob", "oncall", NULL), "ok");
	assert_int_equal(act(bob, jint(&env, "grant.id"), "revoke", "done"), 200);
}

/* The typed calls the PAM modules will use map answers strictly: only the
 * word "allow" allows, and the grant's bounds come through. */
static void test_typed_client(void **state)
{
	struct iam_http_config cfg = { env.url, env.ca, NULL, 2000, 10000, 1 << 20, NULL, 0, NULL };
	struct iam_api_error aerr;
	struct iam_login_result lr;
	struct iam_decision d;
	struct iam_api *api_host = iam_api_new(&cfg, host, NULL);
	int64_t id;

	(void)state;
	assert_non_null(api_host);
	id = request(alice, "oncall", 600, 201);
	assert_int_equal(iam_api_decide_grant(api_host, "alice", "oncall", "10.8.1.1", &d, &aerr,
					      NULL), 0);
	assert_int_equal(d.allow, 1);
	assert_string_equal(d.reason, "ok");
	assert_int_equal(d.grant_id, id);
	assert_true(d.not_after - d.not_before == 600);
	iam_decision_free(&d);
	assert_int_equal(iam_api_decide_grant(api_host, "alice", "dbadmin", "10.8.1.1", &d, &aerr,
					      NULL), 0);
	assert_int_equal(d.allow, 0);
	assert_int_equal(d.grant_id, 0);
	iam_decision_free(&d);
	assert_int_equal(iam_api_decide_account(api_host, "bob", "sshd", NULL, NULL, &d, &aerr,
						NULL), 0);
	assert_int_equal(d.allow, 0);
	assert_string_equal(d.reason, "host_not_allowed");
	iam_decision_free(&d);
	assert_int_equal(iam_api_login(api_host, "bob", "bobpw", "sshd", "10.8.1.1", "ssh", &lr,
				       &aerr, NULL), 0);
	assert_string_equal(lr.result, "ok");
	assert_null(lr.token);
	iam_login_result_free(&lr);
	assert_int_equal(iam_api_login(api_host, "bob", "wrong", "sshd", NULL, NULL, &lr, &aerr,
				       NULL), IAM_API_REFUSED);
	assert_int_equal(aerr.status, 401);
	assert_string_equal(aerr.code, "auth_failed");
	/* a user token may not ask for decisions */
	assert_int_equal(iam_api_set_token(api_host, alice), 0);
	assert_int_equal(iam_api_decide_grant(api_host, "alice", "oncall", NULL, &d, &aerr, NULL),
			 IAM_API_REFUSED);
	assert_string_equal(aerr.code, "forbidden");
	iam_api_free(api_host);
}

/* --- Issue 5: host-scoped requests, reasons, extensions, signed grants --- */

/* Whether the answer has `key` under `parent` ("" for the top) set to null. */
static int jnull(const char *parent, const char *key)
{
	struct json_object *o = parent[0] ? jget(&env, parent) : env.body, *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) && v == NULL;
}

/* The newest audit record: its type, and its data parsed (caller frees). */
static struct json_object *last_record(char type[64])
{
	char path[96];
	struct json_object *rec, *data;

	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit/head", NULL), 200);
	snprintf(path, sizeof(path), "/v1/audit?after=%lld", (long long)jint(&env, "seq") - 1);
	assert_int_equal(api(&env, env.admin, "GET", path, NULL), 200);
	rec = json_object_array_get_idx(jget(&env, "records"), 0);
	assert_non_null(rec);
	snprintf(type, 64, "%s", json_object_get_string(json_object_object_get(rec, "type")));
	data = json_tokener_parse(json_object_get_string(json_object_object_get(rec, "data")));
	assert_non_null(data);
	return data;
}

static const char *dstr(struct json_object *data, const char *key)
{
	struct json_object *v = json_object_object_get(data, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static int64_t dint(struct json_object *data, const char *key)
{
	struct json_object *v = json_object_object_get(data, key);

	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

/* A host asks for a user: POST /v1/requests with "user". */
static long host_request(const char *on, const char *user, const char *role, int duration,
			 const char *code)
{
	if (code)
		return apif(&env, on, "POST", "/v1/requests",
			    "{\"user\":\"%s\",\"role\":\"%s\",\"duration\":%d,"
			    "\"reason\":\"sudo via pam_jit\",\"code\":\"%s\"}", user, role, duration,
			    code);
	return apif(&env, on, "POST", "/v1/requests",
		    "{\"user\":\"%s\",\"role\":\"%s\",\"duration\":%d,\"reason\":\"sudo via pam_jit\"}",
		    user, role, duration);
}

static long extend(const char *token, int64_t id, int duration, const char *reason)
{
	char path[96];

	snprintf(path, sizeof(path), "/v1/requests/%lld/extend", (long long)id);
	if (!reason)
		return apif(&env, token, "POST", path, "{\"duration\":%d}", duration);
	return apif(&env, token, "POST", path, "{\"duration\":%d,\"reason\":\"%s\"}", duration,
		    reason);
}

static int64_t not_after_of(int64_t id)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/requests/%lld", (long long)id);
	assert_int_equal(api(&env, env.admin, "GET", path, NULL), 200);
	return jint(&env, "not_after");
}

static const char *state_of(int64_t id)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/requests/%lld", (long long)id);
	assert_int_equal(api(&env, env.admin, "GET", path, NULL), 200);
	return jstr(&env, "state");
}

static void create_issue5_roles(void)
{
	host2 = enroll_host(&env, "web2.example");
	/* no approval: host requests and extensions apply at once */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"web\",\"max_duration\":3600}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/web/eligible",
			     "{\"group\":\"developers\"}"), 200);
	/* approval by a manager: extensions wait for one */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"ops2\",\"max_duration\":7200,\"approval\":\"required\","
			     "\"approvers\":\"managers\"}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/ops2/eligible",
			     "{\"group\":\"developers\"}"), 200);
	/* MFA at activation */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"vault\",\"max_duration\":3600,\"mfa\":true}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/vault/eligible",
			     "{\"group\":\"developers\"}"), 200);
}

/* A host asks on a user's behalf: the grant is valid on that host only. */
static void test_host_request_scoped(void **state)
{
	struct json_object *data;
	char type[64];
	int64_t id, until = 0;

	(void)state;
	create_issue5_roles();
	assert_int_equal(host_request(host, "alice", "web", 1200, NULL), 201);
	id = jint(&env, "id");
	assert_string_equal(jstr(&env, "state"), "active");
	assert_string_equal(jstr(&env, "requester"), "alice");
	assert_string_equal(jstr(&env, "host"), "db1.example");
	assert_string_equal(jstr(&env, "created_by"), "host:db1.example");
	assert_true(jnull("", "extends"));
	data = last_record(type);
	assert_string_equal(type, "elevation.request");
	assert_string_equal(dstr(data, "host"), "db1.example");
	assert_string_equal(dstr(data, "created_by"), "host:db1.example");
	assert_string_equal(dstr(data, "user"), "alice");
	json_object_put(data);
	/* it counts on db1 only */
	assert_string_equal(grant_at(host, "alice", "web", NULL), "ok");
	assert_int_equal(jint(&env, "grant.id"), id);
	assert_string_equal(grant_at(host2, "alice", "web", NULL), "no_grant");
	assert_true(jnull("", "grant"));
	assert_int_equal(members_in_snapshot_of(host, "web", &until), 1);
	assert_int_equal(until, not_after_of(id));
	assert_int_equal(members_in_snapshot_of(host2, "web", NULL), 0);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/groups/web", NULL), 200);
	assert_string_equal(json_object_get_string(json_object_object_get(json_object_array_get_idx(
		jget(&env, "jit_members"), 0), "host")), "db1.example");
	/* one open request per user and role, whoever created it */
	request(alice, "web", 600, 409);
	assert_int_equal(host_request(host2, "alice", "web", 600, NULL), 409);
	/* the user may end it like any grant of theirs */
	assert_int_equal(act(alice, id, "revoke", "done"), 200);
	assert_string_equal(grant_at(host, "alice", "web", NULL), "revoked");
	/* what a host may not ask */
	assert_int_equal(host_request(host, "nobody", "web", 600, NULL), 404);
	assert_string_equal(jstr(&env, "error.resource"), "user");
	assert_int_equal(host_request(host, "bob", "web", 600, NULL), 403);
	assert_string_equal(ecode(&env), "not_eligible");
	assert_int_equal(host_request(host, "alice", "web", 3601, NULL), 400);
	assert_string_equal(jstr(&env, "error.field"), "duration");
	assert_int_equal(api(&env, host, "POST", "/v1/requests",
			     "{\"user\":\"alice\",\"role\":\"web\",\"duration\":60,"
			     "\"reason\":\"x\",\"host\":\"web2.example\"}"), 400);
	assert_string_equal(jstr(&env, "error.field"), "host");
	assert_int_equal(api(&env, host, "POST", "/v1/requests",
			     "{\"user\":\"alice\",\"role\":\"web\",\"duration\":60}"), 400);
	assert_string_equal(jstr(&env, "error.field"), "reason");
}

/* A user may scope a request to one enrolled host. */
static void test_user_request_scoped(void **state)
{
	int64_t id;

	(void)state;
	assert_int_equal(api(&env, alice, "POST", "/v1/requests",
			     "{\"role\":\"web\",\"duration\":600,\"reason\":\"x\","
			     "\"host\":\"nohost.example\"}"), 404);
	assert_string_equal(jstr(&env, "error.resource"), "host");
	assert_int_equal(api(&env, alice, "POST", "/v1/requests",
			     "{\"role\":\"web\",\"duration\":600,\"reason\":\"x\",\"user\":\"carol\"}"),
			 400);
	assert_string_equal(jstr(&env, "error.field"), "user");
	assert_int_equal(api(&env, alice, "POST", "/v1/requests",
			     "{\"role\":\"web\",\"duration\":600,\"reason\":\"deploy\","
			     "\"host\":\"web2.example\"}"), 201);
	id = jint(&env, "id");
	assert_string_equal(jstr(&env, "host"), "web2.example");
	assert_string_equal(jstr(&env, "created_by"), "user:alice");
	assert_string_equal(grant_at(host2, "alice", "web", NULL), "ok");
	/* on db1 the newest grant that counts is the one revoked above */
	assert_string_equal(grant_at(host, "alice", "web", NULL), "revoked");
	assert_int_equal(act(alice, id, "revoke", "done"), 200);
	/* a role group allowed on db1 admits the holder of a web2 grant on web2 only */
	assert_int_equal(api(&env, bob, "POST", "/v1/requests",
			     "{\"role\":\"oncall\",\"duration\":600,\"reason\":\"x\","
			     "\"host\":\"web2.example\"}"), 201);
	id = jint(&env, "id");
	assert_int_equal(api(&env, host, "POST", "/v1/decide/account", "{\"user\":\"bob\"}"), 200);
	assert_string_equal(jstr(&env, "reason"), "host_not_allowed");
	assert_string_equal(grant_at(host2, "bob", "oncall", NULL), "ok");
	assert_int_equal(act(bob, id, "revoke", "done"), 200);
	/* a fleet-wide grant has a null host and counts everywhere */
	request(alice, "web", 600, 201);
	id = jint(&env, "id");
	assert_true(jnull("", "host"));
	assert_string_equal(grant_at(host, "alice", "web", NULL), "ok");
	assert_string_equal(grant_at(host2, "alice", "web", NULL), "ok");
	assert_int_equal(act(alice, id, "revoke", "done"), 200);
}

/* A host's request for an MFA role carries the user's code, checked and
 * used up like the user's own. */
static void test_host_request_mfa(void **state)
{
	char *secret, code[7];
	int64_t id;

	(void)state;
	make_user(&env, "nina", "ninapw");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/developers/members",
			     "{\"user\":\"nina\"}"), 200);
	assert_int_equal(host_request(host, "nina", "vault", 600, NULL), 403);
	assert_string_equal(ecode(&env), "mfa_not_enrolled");
	secret = enroll_totp(&env, "nina");
	assert_int_equal(host_request(host, "nina", "vault", 600, NULL), 401);
	assert_string_equal(ecode(&env), "mfa_required");
	totp_code(&env, secret, 0, code);
	assert_int_equal(host_request(host, "nina", "vault", 600, strcmp(code, "000000") ? "000000"
										 : "111111"), 401);
	assert_string_equal(ecode(&env), "auth_failed");
	assert_int_equal(host_request(host, "nina", "vault", 600, code), 201);
	id = jint(&env, "id");
	assert_int_equal(jbool(&env, "mfa"), 1);
	assert_string_equal(jstr(&env, "host"), "db1.example");
	assert_string_equal(grant_at(host, "nina", "vault", NULL), "ok");
	assert_int_equal(act(env.admin, id, "revoke", "test"), 200);
	/* the same code cannot serve twice */
	assert_int_equal(host_request(host, "nina", "vault", 600, code), 401);
	assert_string_equal(ecode(&env), "auth_failed");
	totp_code(&env, secret, 1, code);
	assert_int_equal(host_request(host, "nina", "vault", 600, code), 201);
	assert_int_equal(act(env.admin, jint(&env, "id"), "revoke", "test"), 200);
	free(secret);
}

/* approve, deny, revoke, cancel and extend all need 1-512 printable bytes. */
static void test_reasons_required(void **state)
{
	static const char *const bad[] = {
		NULL, "{}", "{\"reason\":\"\"}", "{\"reason\":\"bell\\u0007\"}", "{\"reason\":5}",
	};
	static const char *const actions[] = { "approve", "deny", "cancel" };
	char path[96], big[600];
	int64_t id, gid;
	size_t i, j;

	(void)state;
	id = request(alice, "ops2", 600, 201);
	for (j = 0; j < sizeof(actions) / sizeof(actions[0]); j++) {
		const char *who = strcmp(actions[j], "cancel") == 0 ? alice : bob;

		snprintf(path, sizeof(path), "/v1/requests/%lld/%s", (long long)id, actions[j]);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(api(&env, who, "POST", path, bad[i]), 400);
			assert_string_equal(jstr(&env, "error.field"), "reason");
		}
	}
	memset(big, 'x', 513);
	big[513] = '\0';
	assert_int_equal(act(bob, id, "approve", big), 400);
	big[512] = '\0';
	assert_int_equal(act(bob, id, "approve", big), 200);
	assert_string_equal(jstr(&env, "decision_reason"), big);
	gid = id;
	snprintf(path, sizeof(path), "/v1/requests/%lld/revoke", (long long)gid);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(api(&env, bob, "POST", path, bad[i]), 400);
		assert_string_equal(jstr(&env, "error.field"), "reason");
	}
	assert_int_equal(extend(alice, gid, 600, NULL), 400);
	assert_string_equal(jstr(&env, "error.field"), "reason");
	assert_int_equal(extend(alice, gid, 600, ""), 400);
	assert_string_equal(jstr(&env, "error.field"), "reason");
	assert_string_equal(state_of(gid), "active");
	assert_int_equal(act(bob, gid, "revoke", "INC-7 closed"), 200);
	assert_string_equal(jstr(&env, "end_reason"), "INC-7 closed");
}

/* No approval: the grant's end moves at once, capped at max_duration from now. */
static void test_extend_without_approval(void **state)
{
	struct json_object *data;
	char type[64];
	int64_t id, x, end, until = 0;

	(void)state;
	id = request(alice, "web", 1200, 201);
	end = jint(&env, "not_after");
	assert_int_equal(extend(alice, id, 600, "still deploying"), 201);
	x = jint(&env, "id");
	assert_true(x > id);
	assert_int_equal(jint(&env, "extends"), id);
	assert_string_equal(jstr(&env, "state"), "approved");
	assert_string_equal(jstr(&env, "requester"), "alice");
	assert_string_equal(jstr(&env, "reason"), "still deploying");
	assert_int_equal(jint(&env, "duration"), 600);
	assert_int_equal(jint(&env, "not_before"), end);
	assert_int_equal(jint(&env, "not_after"), end + 600);
	assert_int_equal(not_after_of(id), end + 600);
	data = last_record(type);
	assert_string_equal(type, "elevation.extend");
	assert_int_equal(dint(data, "extends"), id);
	assert_int_equal(dint(data, "request"), x);
	assert_int_equal(dint(data, "not_after"), end + 600);
	assert_string_equal(dstr(data, "reason"), "still deploying");
	json_object_put(data);
	/* the grant is still the original row, with its new end */
	assert_string_equal(grant("alice", "web", NULL), "ok");
	assert_int_equal(jint(&env, "grant.id"), id);
	assert_int_equal(jint(&env, "grant.not_after"), end + 600);
	assert_int_equal(members_in_snapshot_of(host, "web", &until), 1);
	assert_int_equal(until, end + 600);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/groups/web", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "jit_members")), 1);
	/* inside the added segment the extension row is active, yet only the
	 * grant is a membership and a grant */
	shift(1201);
	assert_string_equal(state_of(x), "active");
	assert_string_equal(grant("alice", "web", NULL), "ok");
	assert_int_equal(jint(&env, "grant.id"), id);
	assert_int_equal(members_in_snapshot_of(host, "web", &until), 1);
	assert_int_equal(until, end + 600);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/groups/web", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "jit_members")), 1);
	/* capped: never more than max_duration (3600) from now */
	assert_int_equal(extend(alice, id, 3600, "long night"), 201);
	assert_int_equal(jint(&env, "not_after") - jint(&env, "created_at"), 3600);
	assert_int_equal(jint(&env, "not_before"), end + 600);
	assert_int_equal(not_after_of(id), jint(&env, "not_after"));
	assert_int_equal(extend(alice, id, 3601, "too long"), 400);
	assert_string_equal(jstr(&env, "error.field"), "duration");
	/* only the holder extends; an extension is not extended itself */
	assert_int_equal(extend(carol, id, 60, "helping"), 403);
	assert_string_equal(ecode(&env), "forbidden");
	assert_int_equal(extend(env.admin, id, 60, "admin"), 403);
	assert_int_equal(extend(alice, x, 60, "again"), 409);
	assert_string_equal(ecode(&env), "invalid_state");
	assert_int_equal(extend(alice, 999999, 60, "none"), 404);
	assert_int_equal(act(alice, id, "revoke", "done"), 200);
	assert_string_equal(state_of(x), "revoked");
}

/* With approval: the extension waits; self-approval is refused; once a
 * manager approves, the grant's end moves and the extension row records
 * the segment it added. */
static void test_extend_with_approval(void **state)
{
	int64_t id, x, x2, x3, end, until = 0;

	(void)state;
	id = request(alice, "ops2", 1800, 201);
	assert_int_equal(act(carol, id, "approve", "ok"), 200);
	end = jint(&env, "not_after");
	assert_int_equal(extend(alice, id, 1200, "INC-8 needs more"), 201);
	x = jint(&env, "id");
	assert_string_equal(jstr(&env, "state"), "pending");
	assert_int_equal(jint(&env, "extends"), id);
	assert_true(jint(&env, "expires_at") > testenv_now(&env));
	assert_true(jnull("", "not_after"));
	assert_int_equal(not_after_of(id), end);
	assert_string_equal(grant("alice", "ops2", NULL), "ok");
	assert_int_equal(jint(&env, "grant.id"), id);
	assert_int_equal(jint(&env, "grant.not_after"), end);
	/* a pending extension blocks nothing: not another one, and the grant stays */
	assert_int_equal(extend(alice, id, 60, "a little more"), 201);
	x2 = jint(&env, "id");
	request(alice, "ops2", 600, 409);
	assert_int_equal(act(bob, x2, "cancel", "not mine"), 403);
	assert_string_equal(ecode(&env), "forbidden");
	assert_int_equal(act(alice, x2, "cancel", "one is enough"), 200);
	assert_string_equal(jstr(&env, "state"), "canceled");
	/* approval rules as for requests */
	assert_int_equal(act(alice, x, "approve", "me"), 403);
	assert_string_equal(ecode(&env), "self_approval");
	assert_int_equal(act(bob, x, "approve", "fine"), 200);
	assert_string_equal(jstr(&env, "state"), "approved");
	assert_string_equal(jstr(&env, "decided_by"), "bob");
	assert_int_equal(jint(&env, "not_before"), end);
	assert_int_equal(jint(&env, "not_after"), end + 1200);
	assert_int_equal(not_after_of(id), end + 1200);
	assert_string_equal(grant("alice", "ops2", NULL), "ok");
	assert_int_equal(jint(&env, "grant.id"), id);
	assert_int_equal(jint(&env, "grant.not_after"), end + 1200);
	assert_int_equal(members_in_snapshot_of(host, "ops2", &until), 1);
	assert_int_equal(until, end + 1200);
	/* an applied extension is ended with its grant, not on its own */
	assert_int_equal(act(bob, x, "revoke", "no"), 409);
	assert_string_equal(ecode(&env), "invalid_state");
	/* revoking a pending extension withdraws it */
	assert_int_equal(extend(alice, id, 300, "wrap up"), 201);
	x3 = jint(&env, "id");
	assert_int_equal(act(bob, x3, "revoke", "no more"), 200);
	assert_string_equal(jstr(&env, "state"), "canceled");
	assert_string_equal(jstr(&env, "ended_by"), "bob");
	assert_int_equal(not_after_of(id), end + 1200);
	/* revoking the grant ends its extensions: applied revoked, pending canceled */
	assert_int_equal(extend(alice, id, 300, "wrap up"), 201);
	x3 = jint(&env, "id");
	assert_int_equal(act(bob, id, "revoke", "INC-8 closed"), 200);
	assert_string_equal(state_of(id), "revoked");
	assert_string_equal(state_of(x), "revoked");
	assert_string_equal(state_of(x3), "canceled");
	assert_string_equal(state_of(x2), "canceled");
	assert_string_equal(grant("alice", "ops2", NULL), "revoked");
	assert_int_equal(members_in_snapshot_of(host, "ops2", NULL), 0);
	assert_int_equal(extend(alice, id, 60, "more"), 409);
	assert_string_equal(jstr(&env, "error.state"), "revoked");
}

/* An extension approved after its grant ended does not revive it. */
static void test_extend_after_grant_ended(void **state)
{
	int64_t id, x;

	(void)state;
	id = request(alice, "ops2", 600, 201);
	assert_int_equal(act(bob, id, "approve", "ok"), 200);
	assert_int_equal(extend(alice, id, 600, "more"), 201);
	x = jint(&env, "id");
	shift(601);
	assert_string_equal(grant("alice", "ops2", NULL), "expired");
	assert_int_equal(act(bob, x, "approve", "late"), 409);
	assert_string_equal(ecode(&env), "invalid_state");
	assert_non_null(strstr(jstr(&env, "error.message"), "request a new one"));
	assert_string_equal(state_of(x), "pending");
	assert_string_equal(state_of(id), "expired");
	assert_int_equal(extend(alice, id, 600, "more"), 409);
	assert_string_equal(jstr(&env, "error.state"), "expired");
	assert_int_equal(act(alice, x, "cancel", "too late"), 200);
}

static void check_document(struct json_object *doc, int64_t id, const char *on)
{
	static const char *const keys[] = {
		"kind", "v", "id", "user", "role", "group", "host", "not_before", "not_after",
		"mfa", "window", "days", "tz", "networks", "issued_at",
	};
	size_t i = 0;

	json_object_object_foreach(doc, key, value) {
		(void)value;
		assert_true(i < sizeof(keys) / sizeof(keys[0]));
		assert_string_equal(key, keys[i]);
		i++;
	}
	assert_int_equal(i, sizeof(keys) / sizeof(keys[0]));
	assert_string_equal(dstr(doc, "kind"), "iam-grant");
	assert_int_equal(dint(doc, "v"), 1);
	assert_int_equal(dint(doc, "id"), id);
	assert_string_equal(dstr(doc, "user"), "alice");
	assert_string_equal(dstr(doc, "host"), on);
	assert_true(llabs(dint(doc, "issued_at") - testenv_now(&env)) < 60);
}

/* A role usable all day on yesterday, today and tomorrow (UTC), so that
 * its days are a real condition that holds now in Berlin too. */
static void berlin_role(void)
{
	static const char *const names[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	time_t now = (time_t)testenv_now(&env);
	struct tm tm;

	gmtime_r(&now, &tm);
	assert_int_equal(apif(&env, env.admin, "POST", "/v1/roles",
			      "{\"name\":\"berlin\",\"max_duration\":3600,\"window\":\"00:00-24:00\","
			      "\"days\":\"%s-%s\",\"tz\":\"Europe/Berlin\","
			      "\"networks\":[\"10.8.0.0/16\",\"2001:db8::/32\"]}",
			      names[(tm.tm_wday + 6) % 7], names[(tm.tm_wday + 1) % 7]), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/berlin/eligible",
			     "{\"user\":\"alice\"}"), 200);
}

/* An allow carries a document signed with the snapshot key, valid on the
 * asking host only. */
static void test_signed_grant(void **state)
{
	EVP_PKEY *pub = signing_pubkey();
	struct json_object *doc, *nets;
	char *document, *tampered, type[64], window[32], days[64];
	int64_t id;

	(void)state;
	id = request(alice, "web", 900, 201);
	assert_string_equal(grant("alice", "web", NULL), "ok");
	document = strdup(jstr(&env, "grant.document"));
	assert_int_equal(iam_verify(pub, document, strlen(document), jstr(&env, "grant.signature"),
				    NULL), 0);
	tampered = strdup(document);
	tampered[strlen(tampered) / 2] ^= 1;
	assert_int_equal(iam_verify(pub, tampered, strlen(tampered), jstr(&env, "grant.signature"),
				    NULL), -EBADMSG);
	free(tampered);
	doc = json_tokener_parse(document);
	assert_non_null(doc);
	check_document(doc, id, "db1.example");
	assert_string_equal(dstr(doc, "role"), "web");
	assert_string_equal(dstr(doc, "group"), "web");
	assert_int_equal(dint(doc, "not_before"), jint(&env, "grant.not_before"));
	assert_int_equal(dint(doc, "not_after"), jint(&env, "grant.not_after"));
	assert_false(json_object_get_boolean(json_object_object_get(doc, "mfa")));
	assert_null(json_object_object_get(doc, "window"));
	assert_null(json_object_object_get(doc, "days"));
	assert_string_equal(dstr(doc, "tz"), "UTC");
	assert_int_equal(json_object_array_length(json_object_object_get(doc, "networks")), 0);
	json_object_put(doc);
	free(document);
	/* the decision is audited with the grant, the host and the origin */
	doc = last_record(type);
	assert_string_equal(type, "decide.grant");
	assert_string_equal(dstr(doc, "decision"), "allow");
	assert_string_equal(dstr(doc, "reason"), "ok");
	assert_string_equal(dstr(doc, "user"), "alice");
	assert_string_equal(dstr(doc, "role"), "web");
	assert_string_equal(dstr(doc, "host"), "db1.example");
	assert_int_equal(dint(doc, "grant"), id);
	json_object_put(doc);
	/* another host gets its own document for the fleet-wide grant */
	assert_string_equal(grant_at(host2, "alice", "web", NULL), "ok");
	document = strdup(jstr(&env, "grant.document"));
	assert_int_equal(iam_verify(pub, document, strlen(document), jstr(&env, "grant.signature"),
				    NULL), 0);
	doc = json_tokener_parse(document);
	check_document(doc, id, "web2.example");
	json_object_put(doc);
	free(document);
	assert_int_equal(act(alice, id, "revoke", "done"), 200);
	/* a deny has no grant, so nothing to sign */
	assert_string_equal(grant("alice", "web", NULL), "revoked");
	assert_true(jnull("", "grant"));
	/* a role with a window, days around today, a zone and networks */
	berlin_role();
	assert_int_equal(api(&env, alice, "GET", "/v1/roles/berlin", NULL), 200);
	snprintf(window, sizeof(window), "%s", jstr(&env, "window"));
	snprintf(days, sizeof(days), "%s", jstr(&env, "days"));
	assert_true(window[0] && days[0] && strcmp(days, "*") != 0);
	id = request(alice, "berlin", 600, 201);
	assert_string_equal(grant("alice", "berlin", "10.8.3.4"), "ok");
	document = strdup(jstr(&env, "grant.document"));
	assert_int_equal(iam_verify(pub, document, strlen(document), jstr(&env, "grant.signature"),
				    NULL), 0);
	doc = json_tokener_parse(document);
	check_document(doc, id, "db1.example");
	assert_string_equal(dstr(doc, "window"), window);
	assert_string_equal(dstr(doc, "days"), days);
	assert_string_equal(dstr(doc, "tz"), "Europe/Berlin");
	nets = json_object_object_get(doc, "networks");
	assert_int_equal(json_object_array_length(nets), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(nets, 0)), "10.8.0.0/16");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(nets, 1)), "2001:db8::/32");
	json_object_put(doc);
	free(document);
	assert_int_equal(act(alice, id, "revoke", "done"), 200);
	EVP_PKEY_free(pub);
}

/* The requests table as schema version 1 had it (before host scopes,
 * extensions and created_by), rebuilt from the current rows, and without
 * what the later migrations added (the vault's tables, roles' secrets). */
static const char downgrade_to_1[] =
	"PRAGMA foreign_keys=OFF; BEGIN;"
	"DROP TABLE vault_checkouts; DROP TABLE vault_secrets;"
	"ALTER TABLE roles DROP COLUMN secrets;"
	"CREATE TABLE v1 (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" role_id INTEGER NOT NULL REFERENCES roles(id),"
	" user_id INTEGER NOT NULL REFERENCES users(id), reason TEXT NOT NULL,"
	" ticket TEXT NOT NULL DEFAULT '', duration INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('pending','approved','denied','canceled','revoked')),"
	" mfa INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
	" decided_by TEXT NOT NULL DEFAULT '', decided_at INTEGER NOT NULL DEFAULT 0,"
	" decision_reason TEXT NOT NULL DEFAULT '', not_before INTEGER NOT NULL DEFAULT 0,"
	" not_after INTEGER NOT NULL DEFAULT 0, ended_by TEXT NOT NULL DEFAULT '',"
	" ended_at INTEGER NOT NULL DEFAULT 0, end_reason TEXT NOT NULL DEFAULT '');"
	"INSERT INTO v1 SELECT id, role_id, user_id, reason, ticket, duration, state, mfa,"
	" created_at, expires_at, decided_by, decided_at, decision_reason, not_before, not_after,"
	" ended_by, ended_at, end_reason FROM requests;"
	"DROP TABLE requests; ALTER TABLE v1 RENAME TO requests;"
	"CREATE INDEX requests_user_role ON requests(user_id, role_id, id);"
	"CREATE INDEX requests_state ON requests(state, not_after);"
	"PRAGMA user_version=1; COMMIT;";

/* A database of schema version 1 is migrated when the endpoint starts: its
 * requests become fleet-wide grants created by their requesters. Runs its
 * own endpoint, so that the shared one keeps its state. */
static void test_schema_1_migrates(void **state)
{
	struct testenv m;
	struct json_object *v = NULL;
	char path[300], *zed, *h1;
	sqlite3 *db = NULL;
	int64_t id;

	(void)state;
	memset(&m, 0, sizeof(m));
	testenv_start(&m, 0, NULL);
	make_user(&m, "zed", "zedpw");
	assert_int_equal(api(&m, m.admin, "POST", "/v1/roles", "{\"name\":\"r0\",\"max_duration\":600}"), 201);
	assert_int_equal(api(&m, m.admin, "POST", "/v1/roles/r0/eligible", "{\"user\":\"zed\"}"), 200);
	zed = login(&m, "zed", "zedpw");
	assert_int_equal(api(&m, zed, "POST", "/v1/requests",
			     "{\"role\":\"r0\",\"duration\":600,\"reason\":\"before\"}"), 201);
	id = jint(&m, "id");
	free(zed);
	testenv_kill(&m);
	snprintf(path, sizeof(path), "%s/iam.db", m.state);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, downgrade_to_1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	testenv_restart(&m, 0);
	snprintf(path, sizeof(path), "/v1/requests/%lld", (long long)id);
	assert_int_equal(api(&m, m.admin, "GET", path, NULL), 200);
	assert_string_equal(jstr(&m, "created_by"), "user:zed");
	assert_string_equal(jstr(&m, "state"), "active");
	assert_true(json_object_object_get_ex(m.body, "host", &v) && v == NULL);
	assert_true(json_object_object_get_ex(m.body, "extends", &v) && v == NULL);
	h1 = enroll_host(&m, "h1.example");
	assert_int_equal(api(&m, h1, "POST", "/v1/decide/grant", "{\"user\":\"zed\",\"role\":\"r0\"}"), 200);
	assert_string_equal(jstr(&m, "reason"), "ok");
	assert_int_equal(jint(&m, "grant.id"), id);
	free(h1);
	assert_int_equal(testenv_stop(&m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_validation),
		cmocka_unit_test(test_request_approve_revoke),
		cmocka_unit_test(test_approver_rules),
		cmocka_unit_test(test_pending_expires_and_cancel),
		cmocka_unit_test(test_grant_ends_on_time),
		cmocka_unit_test(test_time_window),
		cmocka_unit_test(test_mfa_at_activation),
		cmocka_unit_test(test_account_decisions),
		cmocka_unit_test(test_snapshot_signed),
		cmocka_unit_test(test_snapshot_long_poll),
		cmocka_unit_test(test_snapshot_jit_membership),
		cmocka_unit_test(test_audit_ingest),
		cmocka_unit_test(test_decisions_audited),
		cmocka_unit_test(test_deprovision_revokes_grants),
		cmocka_unit_test(test_typed_client),
		cmocka_unit_test(test_allow_needs_audit_record),
		cmocka_unit_test(test_host_request_scoped),
		cmocka_unit_test(test_user_request_scoped),
		cmocka_unit_test(test_host_request_mfa),
		cmocka_unit_test(test_reasons_required),
		cmocka_unit_test(test_extend_without_approval),
		cmocka_unit_test(test_extend_with_approval),
		cmocka_unit_test(test_extend_after_grant_ended),
		cmocka_unit_test(test_signed_grant),
		cmocka_unit_test(test_audit_chain_verifies),
		cmocka_unit_test(test_audit_append_only),
		cmocka_unit_test(test_schema_1_migrates),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

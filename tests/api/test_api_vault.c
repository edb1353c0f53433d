/*
 * API tests of the vault's host side against a real iam-policyd: a host
 * escrows a sealed password (pending), confirms it (current, the previous
 * one superseded) or abandons it; retries get the same answer; a text
 * sealed to another vault key, for another host or record, or altered is
 * refused before anything is stored; admins read the history and never a
 * sealed text; the plaintext is nowhere in the database files. Users
 * check passwords out through a grant; hosts ask whether a break-glass
 * login's password is a checked-out one.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "seal.h"
#include "testenv.h"

static struct testenv env;
static char *web1, *web2;
static EVP_PKEY *vault_pub;
static char *ops, *boss, *other; /* sessions of ops1, boss1 and other1 */

static const char secret1[] = "first-Root-Passw0rd-4711";
static const char secret2[] = "second-Root-Passw0rd-0815";

static int setup(void **state)
{
	char path[300], b64[64] = "";
	FILE *f;

	(void)state;
	testenv_start(&env, TESTENV_FAKETIME, NULL);
	web1 = enroll_host(&env, "web1.example");
	web2 = enroll_host(&env, "web2.example");
	snprintf(path, sizeof(path), "%s/vault.pub", env.state);
	f = fopen(path, "r");
	if (!f || !fgets(b64, sizeof(b64), f))
		return -1;
	fclose(f);
	b64[strcspn(b64, "\n")] = '\0';
	return iam_seal_pubkey_from_b64(b64, &vault_pub, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(web1);
	free(web2);
	free(ops);
	free(boss);
	free(other);
	EVP_PKEY_free(vault_pub);
	return testenv_stop(&env) == 0 ? 0 : -1;
}

/* The secret sealed for host/account/escrow_id with key (the vault's
 * unless another is given). */
static char *seal_for(EVP_PKEY *key, const char *host, const char *account,
		      const char *escrow_id, const char *secret)
{
	char context[IAM_VAULT_CONTEXT_MAX], *sealed = NULL;

	iam_vault_context(host, account, escrow_id, context);
	assert_int_equal(iam_seal(key ? key : vault_pub, context, secret, strlen(secret), &sealed,
				  NULL), 0);
	return sealed;
}

static long escrow(const char *token, const char *account, const char *escrow_id,
		   const char *sealed)
{
	return apif(&env, token, "POST", "/v1/vault/escrow",
		    "{\"account\":\"%s\",\"escrow_id\":\"%s\",\"sealed\":\"%s\"}", account,
		    escrow_id, sealed);
}

static long decide(const char *token, const char *what, const char *account,
		   const char *escrow_id)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/vault/%s", what);
	return apif(&env, token, "POST", path, "{\"account\":\"%s\",\"escrow_id\":\"%s\"}",
		    account, escrow_id);
}

/* A field of the i-th version in the last history answer. */
static struct json_object *version_field(size_t i, const char *key)
{
	struct json_object *v = json_object_array_get_idx(jget(&env, "versions"), i), *f = NULL;

	return v && json_object_object_get_ex(v, key, &f) ? f : NULL;
}

static void test_rotation_lifecycle(void **state)
{
	char *s1 = seal_for(NULL, "web1.example", "root", "00112233445566778899aabbccddeeff", secret1);
	char *s2 = seal_for(NULL, "web1.example", "root", "ffeeddccbbaa99887766554433221100", secret2);
	int64_t v1, v2;

	(void)state;
	assert_int_equal(escrow(web1, "root", "00112233445566778899aabbccddeeff", s1), 201);
	assert_string_equal(jstr(&env, "state"), "pending");
	v1 = jint(&env, "version");
	/* the answer was lost: asking again finds the same version */
	assert_int_equal(escrow(web1, "root", "00112233445566778899aabbccddeeff", s1), 200);
	assert_int_equal(jint(&env, "version"), v1);
	assert_int_equal(decide(web1, "confirm", "root", "00112233445566778899aabbccddeeff"), 200);
	assert_string_equal(jstr(&env, "state"), "current");
	assert_int_equal(decide(web1, "confirm", "root", "00112233445566778899aabbccddeeff"), 200);
	assert_string_equal(jstr(&env, "state"), "current");
	/* a current version cannot be abandoned */
	assert_int_equal(decide(web1, "abandon", "root", "00112233445566778899aabbccddeeff"), 409);
	assert_string_equal(ecode(&env), "invalid_state");

	assert_int_equal(escrow(web1, "root", "ffeeddccbbaa99887766554433221100", s2), 201);
	v2 = jint(&env, "version");
	assert_true(v2 > v1);
	assert_int_equal(decide(web1, "confirm", "root", "ffeeddccbbaa99887766554433221100"), 200);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/vault/web1.example?account=root", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "versions")), 2);
	assert_int_equal(json_object_get_int64(version_field(0, "version")), v2);
	assert_string_equal(json_object_get_string(version_field(0, "state")), "current");
	assert_string_equal(json_object_get_string(version_field(1, "state")), "superseded");
	free(s1);
	free(s2);
}

static void test_abandon(void **state)
{
	char *a = seal_for(NULL, "web1.example", "breakglass", "0000000000000000000000000000000a", secret1);
	char *b = seal_for(NULL, "web1.example", "breakglass", "0000000000000000000000000000000b", secret2);

	(void)state;
	assert_int_equal(escrow(web1, "breakglass", "0000000000000000000000000000000a", a), 201);
	/* a newer pending one abandons the older: the host gave up on it */
	assert_int_equal(escrow(web1, "breakglass", "0000000000000000000000000000000b", b), 201);
	assert_int_equal(decide(web1, "confirm", "breakglass", "0000000000000000000000000000000a"), 409);
	assert_string_equal(ecode(&env), "invalid_state");
	assert_int_equal(decide(web1, "abandon", "breakglass", "0000000000000000000000000000000b"), 200);
	assert_string_equal(jstr(&env, "state"), "abandoned");
	assert_int_equal(decide(web1, "abandon", "breakglass", "0000000000000000000000000000000b"), 200);
	assert_int_equal(decide(web1, "confirm", "breakglass", "0000000000000000000000000000000b"), 409);
	assert_int_equal(decide(web1, "confirm", "breakglass", "000000000000000000000000000000ff"), 404);
	free(a);
	free(b);
}

static int64_t audit_seq(void)
{
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit/head", NULL), 200);
	return jint(&env, "seq");
}

/* Refused before anything is stored or audited. */
static void test_refused_texts(void **state)
{
	EVP_PKEY *other_key = NULL;
	const char *id = "1234567890abcdef1234567890abcdef";
	char *wrong_key, *wrong_host, *wrong_account, *tampered;
	int64_t seq = audit_seq();

	(void)state;
	assert_int_equal(iam_seal_keygen(&other_key, NULL), 0);
	wrong_key = seal_for(other_key, "web1.example", "root", id, secret1);
	wrong_host = seal_for(NULL, "web1.example", "root", id, secret1);
	wrong_account = seal_for(NULL, "web2.example", "admin", id, secret1);
	tampered = seal_for(NULL, "web2.example", "root", id, secret1);
	tampered[strlen(tampered) - 10] ^= 1;
	assert_int_equal(escrow(web1, "root", id, wrong_key), 400);
	assert_string_equal(jstr(&env, "error.field"), "sealed");
	assert_non_null(strstr(jstr(&env, "error.message"), "vault_pubkey"));
	/* web2 presents what was sealed for web1 */
	assert_int_equal(escrow(web2, "root", id, wrong_host), 400);
	assert_int_equal(escrow(web2, "root", id, wrong_account), 400);
	assert_int_equal(escrow(web2, "root", id, tampered), 400);
	assert_int_equal(escrow(web2, "root", id, "iam-seal-v1:AAAA"), 400);
	assert_int_equal(escrow(web2, "root", id, secret1), 400);
	assert_int_equal(escrow(web2, "ro:ot", id, wrong_host), 400);
	assert_string_equal(jstr(&env, "error.field"), "account");
	assert_int_equal(escrow(web2, "root", "short", wrong_host), 400);
	assert_string_equal(jstr(&env, "error.field"), "escrow_id");
	assert_int_equal(escrow(web2, "root", "1234567890ABCDEF1234567890ABCDEF", wrong_host), 400);
	assert_int_equal(audit_seq(), seq);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/vault/web2.example", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "versions")), 0);
	EVP_PKEY_free(other_key);
	free(wrong_key);
	free(wrong_host);
	free(wrong_account);
	free(tampered);
}

static void test_who_may_call(void **state)
{
	char *user;
	const char *id = "abcdefabcdefabcdefabcdefabcdef00";
	char *sealed = seal_for(NULL, "web2.example", "root", id, secret1);

	(void)state;
	make_user(&env, "vaultuser", "vaultuser-Secret-42");
	user = login(&env, "vaultuser", "vaultuser-Secret-42");
	assert_int_equal(escrow(user, "root", id, sealed), 403);
	assert_int_equal(escrow(env.admin, "root", id, sealed), 403);
	assert_int_equal(escrow(NULL, "root", id, sealed), 401);
	assert_int_equal(api(&env, user, "GET", "/v1/vault/web2.example", NULL), 403);
	assert_int_equal(api(&env, web2, "GET", "/v1/vault/web2.example", NULL), 403);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/vault/nosuch.example", NULL), 404);
	free(user);
	free(sealed);
}

/* The history and the audit log name versions, never a sealed text, and
 * no password is anywhere in the database's files. */
static void test_nothing_revealed(void **state)
{
	static const char *const files[] = { "iam.db", "iam.db-wal" };
	char path[300], last[65];
	size_t i;

	(void)state;
	assert_int_equal(api(&env, env.admin, "GET", "/v1/vault/web1.example", NULL), 200);
	assert_null(strstr(json_object_to_json_string(env.body), "iam-seal-v1"));
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit?limit=1000", NULL), 200);
	assert_non_null(strstr(json_object_to_json_string(env.body), "vault.escrow"));
	assert_non_null(strstr(json_object_to_json_string(env.body), "vault.rotate"));
	assert_non_null(strstr(json_object_to_json_string(env.body), "vault.abandon"));
	assert_null(strstr(json_object_to_json_string(env.body), "iam-seal-v1"));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;
		char *buf;
		long n;

		snprintf(path, sizeof(path), "%s/%s", env.state, files[i]);
		f = fopen(path, "rb");
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		buf = malloc((size_t)n + 1);
		assert_non_null(buf);
		assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		assert_null(memmem(buf, (size_t)n, secret1, strlen(secret1)));
		assert_null(memmem(buf, (size_t)n, secret2, strlen(secret2)));
		free(buf);
	}
	verify_audit_chain(&env, last);
}

/* The current version of web1's root after test_rotation_lifecycle is
 * secret2. */

static void setup_people(void)
{
	make_user(&env, "ops1", "ops1-Secret-42");
	make_user(&env, "boss1", "boss1-Secret-42");
	make_user(&env, "other1", "other1-Secret-42");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups", "{\"name\":\"vaultmgr\"}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/vaultmgr/members",
			     "{\"user\":\"boss1\"}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"rootpw\",\"max_duration\":3600,\"approval\":\"required\","
			     "\"approvers\":\"vaultmgr\",\"secrets\":[\"root\"]}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/rootpw/eligible",
			     "{\"user\":\"ops1\"}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"bgpw\",\"max_duration\":600,\"mfa\":true,"
			     "\"secrets\":[\"breakglass\"]}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/bgpw/eligible",
			     "{\"user\":\"ops1\"}"), 200);
	ops = login(&env, "ops1", "ops1-Secret-42");
	boss = login(&env, "boss1", "boss1-Secret-42");
	other = login(&env, "other1", "other1-Secret-42");
}

static long checkout(const char *token, const char *host, const char *account)
{
	return apif(&env, token, "POST", "/v1/vault/checkout",
		    "{\"host\":\"%s\",\"account\":\"%s\"}", host, account);
}

static int64_t grant_for(const char *token, const char *role, const char *host)
{
	assert_int_equal(apif(&env, token, "POST", "/v1/requests",
			      "{\"role\":\"%s\",\"duration\":600,\"reason\":\"INC-9 root needed\","
			      "\"host\":\"%s\"}", role, host), 201);
	return jint(&env, "id");
}

static long approve(int64_t id)
{
	char path[96];

	snprintf(path, sizeof(path), "/v1/requests/%lld/approve", (long long)id);
	return apif(&env, boss, "POST", path, "{\"reason\":\"ok\"}");
}

/* What GET /v1/vault/due tells web1. */
static const char *due(void)
{
	static char list[128];
	struct json_object *a;
	size_t i;

	assert_int_equal(api(&env, web1, "GET", "/v1/vault/due", NULL), 200);
	a = jget(&env, "accounts");
	list[0] = '\0';
	for (i = 0; a && i < json_object_array_length(a); i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "",
			 json_object_get_string(json_object_array_get_idx(a, i)));
	return list;
}

static void rotate_web1_root(const char *escrow_id, const char *secret)
{
	char *sealed = seal_for(NULL, "web1.example", "root", escrow_id, secret);

	assert_int_equal(escrow(web1, "root", escrow_id, sealed), 201);
	assert_int_equal(decide(web1, "confirm", "root", escrow_id), 200);
	free(sealed);
}

static void test_checkout_needs_a_grant(void **state)
{
	int64_t id;

	(void)state;
	setup_people();
	assert_int_equal(checkout(ops, "web1.example", "root"), 403);
	assert_string_equal(ecode(&env), "no_grant");
	assert_int_equal(checkout(other, "web1.example", "root"), 403);
	assert_int_equal(checkout(ops, "web1.example", "nobodyslisted"), 403);
	assert_string_equal(ecode(&env), "not_eligible");
	assert_int_equal(checkout(ops, "nosuch.example", "root"), 404);
	assert_int_equal(checkout(web1, "web1.example", "root"), 403);
	assert_int_equal(checkout(env.admin, "web1.example", "root"), 403);
	id = grant_for(ops, "rootpw", "web1.example");
	/* pending: not yet */
	assert_int_equal(checkout(ops, "web1.example", "root"), 403);
	/* nobody approves their own */
	assert_int_equal(apif(&env, ops, "POST", "/v1/requests/1/approve", "{\"reason\":\"me\"}") / 100, 4);
	assert_int_equal(approve(id), 200);
	assert_int_equal(checkout(ops, "web1.example", "root"), 200);
	assert_string_equal(jstr(&env, "password"), secret2);
	assert_int_equal(jint(&env, "grant"), id);
	assert_null(jget(&env, "pending"));
	/* the grant is for web1: web2's root stays closed */
	assert_int_equal(checkout(ops, "web2.example", "root"), 403);
	assert_string_equal(due(), "");
}

static void test_checkin_then_rotation(void **state)
{
	(void)state;
	assert_int_equal(apif(&env, ops, "POST", "/v1/vault/checkin",
			      "{\"host\":\"web1.example\",\"account\":\"root\"}"), 200);
	assert_string_equal(jstr(&env, "state"), "revoked");
	assert_int_equal(checkout(ops, "web1.example", "root"), 403);
	assert_int_equal(apif(&env, ops, "POST", "/v1/vault/checkin",
			      "{\"host\":\"web1.example\",\"account\":\"root\"}"), 404);
	assert_string_equal(due(), "root");
	assert_int_equal(api(&env, web2, "GET", "/v1/vault/due", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "accounts")), 0);
	rotate_web1_root("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01", "third-Root-Passw0rd-0001");
	assert_string_equal(due(), "");
}

static void test_expiry_then_rotation(void **state)
{
	int64_t id;

	(void)state;
	id = grant_for(ops, "rootpw", "web1.example");
	assert_int_equal(approve(id), 200);
	assert_int_equal(checkout(ops, "web1.example", "root"), 200);
	assert_string_equal(jstr(&env, "password"), "third-Root-Passw0rd-0001");
	assert_string_equal(due(), "");
	testenv_shift_clock(&env, 601);
	assert_string_equal(due(), "root");
	assert_int_equal(checkout(ops, "web1.example", "root"), 403);
	rotate_web1_root("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa02", "fourth-Root-Passw0rd-0002");
	assert_string_equal(due(), "");
}

/* In the window between the host setting a password and confirming it,
 * either may be the account's: the check-out gives both, and the
 * rotation that ends the check-out must come after both. */
static void test_checkout_during_rotation(void **state)
{
	char *sealed = seal_for(NULL, "web1.example", "root", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa03",
				"fifth-Root-Passw0rd-0003");
	int64_t id;

	(void)state;
	assert_int_equal(escrow(web1, "root", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa03", sealed), 201);
	id = grant_for(ops, "rootpw", "web1.example");
	assert_int_equal(approve(id), 200);
	assert_int_equal(checkout(ops, "web1.example", "root"), 200);
	assert_string_equal(jstr(&env, "password"), "fourth-Root-Passw0rd-0002");
	assert_string_equal(jstr(&env, "pending.password"), "fifth-Root-Passw0rd-0003");
	assert_int_equal(decide(web1, "confirm", "root", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa03"), 200);
	testenv_shift_clock(&env, 601);
	/* the confirmed version was revealed too: still due */
	assert_string_equal(due(), "root");
	rotate_web1_root("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa04", "sixth-Root-Passw0rd-0004");
	assert_string_equal(due(), "");
	free(sealed);
}

static void test_checkout_mfa_role(void **state)
{
	char *sealed = seal_for(NULL, "web1.example", "breakglass", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01",
				"bg-Passw0rd-0001");
	char *secret;
	char code[7];

	(void)state;
	assert_int_equal(escrow(web1, "breakglass", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01", sealed), 201);
	assert_int_equal(decide(web1, "confirm", "breakglass", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01"), 200);
	free(ops); /* the clock moved past the session's lifetime */
	ops = login(&env, "ops1", "ops1-Secret-42");
	secret = enroll_totp(&env, "ops1");
	totp_code(&env, secret, 0, code);
	assert_int_equal(apif(&env, ops, "POST", "/v1/requests",
			      "{\"role\":\"bgpw\",\"duration\":300,\"reason\":\"INC-10\","
			      "\"host\":\"web1.example\",\"code\":\"%s\"}", code), 201);
	/* the session was opened without a code */
	assert_int_equal(checkout(ops, "web1.example", "breakglass"), 401);
	assert_string_equal(ecode(&env), "mfa_required");
	free(secret);
	free(sealed);
}

/* A sealed text altered in the database after escrow (a backup restored
 * wrongly, an attacker with write access to the file) is never revealed
 * as a password: the check-out fails and nothing is recorded as read. */
static void test_tampered_in_database(void **state)
{
	char *sealed = seal_for(NULL, "web2.example", "root", "cccccccccccccccccccccccccccccc01",
				"web2-Root-Passw0rd-0001");
	char path[300];
	sqlite3 *db = NULL;
	int64_t id;

	(void)state;
	assert_int_equal(escrow(web2, "root", "cccccccccccccccccccccccccccccc01", sealed), 201);
	assert_int_equal(decide(web2, "confirm", "root", "cccccccccccccccccccccccccccccc01"), 200);
	snprintf(path, sizeof(path), "%s/iam.db", env.state);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	/* one character of the ciphertext changed, as a flipped bit would */
	assert_int_equal(sqlite3_exec(db, "UPDATE vault_secrets SET sealed = substr(sealed, 1, 70)"
				      " || CASE substr(sealed, 71, 1) WHEN 'A' THEN 'B' ELSE 'A' END"
				      " || substr(sealed, 72) WHERE account = 'root' AND state ="
				      " 'current' AND escrow_id = 'cccccccccccccccccccccccccccccc01'",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
	free(boss); /* the clock moved past the session's lifetime */
	boss = login(&env, "boss1", "boss1-Secret-42");
	id = grant_for(ops, "rootpw", "web2.example");
	assert_int_equal(approve(id), 200);
	assert_int_equal(checkout(ops, "web2.example", "root"), 500);
	assert_null(jget(&env, "password"));
	assert_int_equal(api(&env, env.admin, "GET", "/v1/vault/web2.example?account=root", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "checkouts")), 0);
	free(sealed);
}

/* Every check-out and refused attempt is in the audit log, without a
 * password; the history lists who checked out what. */
static void test_checkouts_audited(void **state)
{
	const char *all;

	(void)state;
	assert_int_equal(api(&env, env.admin, "GET", "/v1/vault/web1.example?account=root", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "checkouts")), 3);
	assert_null(strstr(json_object_to_json_string(env.body), "Passw0rd"));
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit?limit=1000", NULL), 200);
	all = json_object_to_json_string(env.body);
	assert_non_null(strstr(all, "vault.checkout\""));
	assert_non_null(strstr(all, "vault.checkout.deny"));
	assert_null(strstr(all, "Passw0rd"));
}

static long use(const char *token, const char *account, const char *password)
{
	return apif(&env, token, "POST", "/v1/vault/use",
		    "{\"account\":\"%s\",\"password\":\"%s\",\"service\":\"sshd\","
		    "\"origin\":\"192.0.2.7\"}", account, password);
}

/* The holders in the last POST /v1/vault/use answer, "a,b". */
static const char *holders(void)
{
	static char list[128];
	struct json_object *a = jget(&env, "holders");
	size_t i;

	list[0] = '\0';
	for (i = 0; a && i < json_object_array_length(a); i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "",
			 json_object_get_string(json_object_object_get(
				 json_object_array_get_idx(a, i), "user")));
	return list;
}

/* A break-glass login's password is accepted only while a check-out of
 * it runs, only from the account's own host. */
static void test_use_needs_a_checkout(void **state)
{
	(void)state;
	assert_int_equal(use(web1, "root", "sixth-Root-Passw0rd-0004"), 403);
	assert_string_equal(ecode(&env), "not_checked_out");
	assert_int_equal(use(web1, "root", "fifth-Root-Passw0rd-0003"), 401);
	assert_string_equal(ecode(&env), "auth_failed");
	assert_int_equal(use(web1, "root", ""), 401);
	assert_int_equal(use(web1, "nobody", "sixth-Root-Passw0rd-0004"), 409);
	assert_string_equal(ecode(&env), "no_secret");
	assert_int_equal(use(web1, "no:such", "x"), 400);
	assert_int_equal(use(web2, "breakglass", "bg-Passw0rd-0001"), 409);
	assert_int_equal(use(ops, "root", "sixth-Root-Passw0rd-0004"), 403);
	assert_int_equal(use(env.admin, "root", "sixth-Root-Passw0rd-0004"), 403);
	assert_int_equal(apif(&env, web1, "POST", "/v1/vault/use", "{\"account\":\"root\"}"), 400);
}

/* Two people hold one password at once: both see it, a login names both;
 * when one gives it back the host rotates it, and the other's copy is
 * gone with it (the other checks out again). */
static void test_concurrent_checkouts(void **state)
{
	int64_t a, b;
	char *ops2;

	(void)state;
	make_user(&env, "ops2", "ops2-Secret-42");
	ops2 = login(&env, "ops2", "ops2-Secret-42");
	free(other); /* the clock moved past the session's lifetime */
	other = login(&env, "other1", "other1-Secret-42");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/rootpw/eligible",
			     "{\"user\":\"other1\"}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/rootpw/eligible",
			     "{\"user\":\"ops2\"}"), 200);
	a = grant_for(ops2, "rootpw", "web1.example");
	b = grant_for(other, "rootpw", "web1.example");
	assert_int_equal(approve(a), 200);
	assert_int_equal(approve(b), 200);
	assert_int_equal(checkout(ops2, "web1.example", "root"), 200);
	assert_string_equal(jstr(&env, "password"), "sixth-Root-Passw0rd-0004");
	assert_int_equal(checkout(other, "web1.example", "root"), 200);
	assert_string_equal(jstr(&env, "password"), "sixth-Root-Passw0rd-0004");
	assert_int_equal(use(web1, "root", "sixth-Root-Passw0rd-0004"), 200);
	assert_string_equal(holders(), "other1,ops2");
	assert_int_equal(apif(&env, ops2, "POST", "/v1/vault/checkin",
			      "{\"host\":\"web1.example\",\"account\":\"root\"}"), 200);
	assert_string_equal(due(), "root");
	/* until the host rotates, the other holder still may */
	assert_int_equal(use(web1, "root", "sixth-Root-Passw0rd-0004"), 200);
	assert_string_equal(holders(), "other1");
	rotate_web1_root("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa05", "seventh-Root-Passw0rd-0005");
	assert_string_equal(due(), "");
	assert_int_equal(use(web1, "root", "sixth-Root-Passw0rd-0004"), 401);
	assert_int_equal(use(web1, "root", "seventh-Root-Passw0rd-0005"), 403);
	assert_int_equal(checkout(other, "web1.example", "root"), 200);
	assert_string_equal(jstr(&env, "password"), "seventh-Root-Passw0rd-0005");
	assert_int_equal(use(web1, "root", "seventh-Root-Passw0rd-0005"), 200);
	assert_string_equal(holders(), "other1");
	assert_int_equal(apif(&env, other, "POST", "/v1/vault/checkin",
			      "{\"host\":\"web1.example\",\"account\":\"root\"}"), 200);
	assert_string_equal(due(), "root");
	assert_int_equal(use(web1, "root", "seventh-Root-Passw0rd-0005"), 403);
	assert_int_equal(api(&env, env.admin, "GET", "/v1/vault/web1.example?account=root", NULL), 200);
	assert_int_equal(json_object_array_length(jget(&env, "checkouts")), 6);
	free(ops2);
}

/* The role's other conditions hold for check-outs as for sudo: the
 * caller's address (127.0.0.1 here) against its networks, the time
 * against its window. */
static void test_checkout_conditions(void **state)
{
	char *ops3, body[256];
	time_t now = (time_t)testenv_now(&env);
	struct tm tm;

	(void)state;
	gmtime_r(&now, &tm);
	make_user(&env, "ops3", "ops3-Secret-42");
	ops3 = login(&env, "ops3", "ops3-Secret-42");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles",
			     "{\"name\":\"netpw\",\"max_duration\":3600,\"networks\":"
			     "[\"10.8.0.0/16\"],\"secrets\":[\"svcnet\"]}"), 201);
	/* a window twelve hours away from the server's clock */
	snprintf(body, sizeof(body), "{\"name\":\"winpw\",\"max_duration\":3600,\"window\":"
		 "\"%02d:00-%02d:30\",\"tz\":\"UTC\",\"secrets\":[\"svcwin\"]}",
		 (tm.tm_hour + 12) % 24, (tm.tm_hour + 12) % 24);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles", body), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/netpw/eligible",
			     "{\"user\":\"ops3\"}"), 200);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/winpw/eligible",
			     "{\"user\":\"ops3\"}"), 200);
	grant_for(ops3, "netpw", "web1.example");
	grant_for(ops3, "winpw", "web1.example");
	assert_int_equal(checkout(ops3, "web1.example", "svcnet"), 403);
	assert_string_equal(ecode(&env), "no_grant");
	assert_non_null(strstr(jstr(&env, "error.message"), "127.0.0.1"));
	assert_int_equal(checkout(ops3, "web1.example", "svcwin"), 403);
	assert_string_equal(ecode(&env), "no_grant");
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit?limit=1000", NULL), 200);
	assert_non_null(strstr(json_object_to_json_string(env.body), "origin_not_allowed"));
	assert_non_null(strstr(json_object_to_json_string(env.body), "outside_window"));
	free(ops3);
}

/* A holder who is disabled, or whose grant is revoked, holds nothing:
 * the password is refused at once and due for rotation, and the refusal
 * names who kept it. */
static void test_use_ends_with_the_holder(void **state)
{
	char *ops4, path[96];
	int64_t id;

	(void)state;
	rotate_web1_root("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa06", "eighth-Root-Passw0rd-0006");
	assert_string_equal(due(), "");
	make_user(&env, "ops4", "ops4-Secret-42");
	ops4 = login(&env, "ops4", "ops4-Secret-42");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles/rootpw/eligible",
			     "{\"user\":\"ops4\"}"), 200);
	id = grant_for(ops4, "rootpw", "web1.example");
	assert_int_equal(approve(id), 200);
	assert_int_equal(checkout(ops4, "web1.example", "root"), 200);
	assert_int_equal(use(web1, "root", "eighth-Root-Passw0rd-0006"), 200);
	assert_string_equal(holders(), "ops4");
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/ops4/disable",
			     "{\"reason\":\"left\"}"), 200);
	assert_int_equal(use(web1, "root", "eighth-Root-Passw0rd-0006"), 403);
	assert_string_equal(ecode(&env), "not_checked_out");
	assert_string_equal(due(), "root");
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit?limit=1000", NULL), 200);
	/* data is a JSON text inside the JSON answer */
	assert_non_null(strstr(json_object_to_json_string(env.body),
			       "\\\"exposed_to\\\":[{\\\"user\\\":\\\"ops4\\\""));
	rotate_web1_root("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa07", "ninth-Root-Passw0rd-0007");
	assert_string_equal(due(), "");
	/* enabled again, the grant runs on (disabling does not end it); then
	 * an approver revokes it */
	assert_int_equal(api(&env, env.admin, "POST", "/v1/users/ops4/enable", "{}"), 200);
	free(ops4);
	ops4 = login(&env, "ops4", "ops4-Secret-42");
	assert_int_equal(checkout(ops4, "web1.example", "root"), 200);
	assert_string_equal(jstr(&env, "password"), "ninth-Root-Passw0rd-0007");
	assert_int_equal(use(web1, "root", "ninth-Root-Passw0rd-0007"), 200);
	snprintf(path, sizeof(path), "/v1/requests/%lld/revoke", (long long)id);
	assert_int_equal(apif(&env, boss, "POST", path, "{\"reason\":\"done\"}"), 200);
	assert_int_equal(use(web1, "root", "ninth-Root-Passw0rd-0007"), 403);
	assert_string_equal(due(), "root");
	free(ops4);
}

/* Each answer to a break-glass login is in the audit log, the holders
 * with it, never the password. */
static void test_use_audited(void **state)
{
	const char *all;

	(void)state;
	assert_int_equal(api(&env, env.admin, "GET", "/v1/audit?limit=1000", NULL), 200);
	all = json_object_to_json_string(env.body);
	assert_non_null(strstr(all, "\"type\": \"vault.use\", \"actor\": \"other1\""));
	assert_non_null(strstr(all, "not_checked_out"));
	assert_non_null(strstr(all, "wrong_password"));
	assert_non_null(strstr(all, "no_secret"));
	assert_null(strstr(all, "Passw0rd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotation_lifecycle),
		cmocka_unit_test(test_abandon),
		cmocka_unit_test(test_refused_texts),
		cmocka_unit_test(test_who_may_call),
		cmocka_unit_test(test_nothing_revealed),
		cmocka_unit_test(test_checkout_needs_a_grant),
		cmocka_unit_test(test_checkin_then_rotation),
		cmocka_unit_test(test_expiry_then_rotation),
		cmocka_unit_test(test_checkout_during_rotation),
		cmocka_unit_test(test_checkout_mfa_role),
		cmocka_unit_test(test_tampered_in_database),
		cmocka_unit_test(test_checkouts_audited),
		cmocka_unit_test(test_use_needs_a_checkout),
		cmocka_unit_test(test_concurrent_checkouts),
		cmocka_unit_test(test_checkout_conditions),
		cmocka_unit_test(test_use_ends_with_the_holder),
		cmocka_unit_test(test_use_audited),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* The endpoint's decisions as pure functions, with the clock injected, and
 * the policy for users' own new passwords. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "decide.h"
#include "tz.h"

/* 2026-03-02 (a Monday) 13:30 UTC = 14:30 in Berlin (CET). */
#define MONDAY_1330_UTC ((time_t)1772458200)

static struct request_row approved(int64_t id, time_t nb, time_t na, int mfa)
{
	struct request_row r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	snprintf(r.state, sizeof(r.state), "approved");
	r.not_before = nb;
	r.not_after = na;
	r.expires_at = nb + 86400;
	r.mfa = mfa;
	snprintf(r.ended_by, sizeof(r.ended_by), "bob");
	return r;
}

static struct role_row role(const char *window, const char *days, const char *nets, int mfa)
{
	struct role_row r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "dbadmin");
	snprintf(r.approvers, sizeof(r.approvers), "managers");
	snprintf(r.window, sizeof(r.window), "%s", window);
	snprintf(r.days, sizeof(r.days), "%s", days);
	snprintf(r.tz, sizeof(r.tz), "Europe/Berlin");
	snprintf(r.networks, sizeof(r.networks), "%s", nets);
	r.mfa = mfa;
	return r;
}

static struct user_row user(const char *state)
{
	struct user_row u;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "alice");
	snprintf(u.state, sizeof(u.state), "%s", state);
	return u;
}

static const char *check(const struct user_row *u, const struct role_row *r,
			 struct request_row *reqs, int n, const char *origin, time_t now,
			 struct decision *d)
{
	struct iam_tz *tz = NULL;
	struct grant_input in = { u, r, "dbadmin", reqs, n, NULL, origin, now, 5 };
	const struct request_row *g;

	assert_int_equal(iam_tz_load(NULL, "Europe/Berlin", &tz, NULL), 0);
	in.tz = tz;
	decide_grant(&in, d, &g);
	iam_tz_free(tz);
	assert_true(d->allow == (strcmp(d->reason, "ok") == 0));
	assert_true(d->message[0] != '\0');
	return d->reason;
}

static void test_grant_allows_inside_every_bound(void **state)
{
	struct user_row u = user("active");
	struct role_row r = role("14:00-16:00", "Mon-Fri", "10.8.0.0/16", 1);
	struct request_row q = approved(7, MONDAY_1330_UTC - 60, MONDAY_1330_UTC + 3600, 1);
	struct decision d;

	(void)state;
	assert_string_equal(check(&u, &r, &q, 1, "10.8.4.5", MONDAY_1330_UTC, &d), "ok");
	assert_int_equal(d.allow, 1);
	assert_non_null(strstr(d.message, "Grant 7"));
	/* an IPv4-mapped IPv6 origin is the same address */
	assert_string_equal(check(&u, &r, &q, 1, "::ffff:10.8.4.5", MONDAY_1330_UTC, &d), "ok");
}

/* Each bound denies on its own, everything else being fine. */
static void test_each_bound_denies_alone(void **state)
{
	struct user_row u = user("active");
	struct role_row r = role("14:00-16:00", "Mon-Fri", "10.8.0.0/16", 1);
	struct request_row q = approved(7, MONDAY_1330_UTC - 60, MONDAY_1330_UTC + 3600, 1);
	struct request_row noauth = approved(8, MONDAY_1330_UTC - 60, MONDAY_1330_UTC + 3600, 0);
	struct request_row pending = q;
	struct request_row revoked = q;
	struct decision d;

	(void)state;
	/* before not_before: the grant does not exist yet */
	assert_string_equal(check(&u, &r, &q, 1, "10.8.4.5", MONDAY_1330_UTC - 61, &d), "no_grant");
	/* at and after not_after */
	assert_string_equal(check(&u, &r, &q, 1, "10.8.4.5", MONDAY_1330_UTC + 3600, &d), "expired");
	/* outside 14:00-16:00 Berlin: 16:00 Berlin is 15:00 UTC (end exclusive) */
	q.not_after = MONDAY_1330_UTC + 7 * 86400;
	assert_string_equal(check(&u, &r, &q, 1, "10.8.4.5", MONDAY_1330_UTC + 5400, &d),
			    "outside_window");
	assert_string_equal(check(&u, &r, &q, 1, "10.8.4.5", MONDAY_1330_UTC + 5399, &d), "ok");
	/* Saturday 14:30 Berlin: right time, wrong day */
	assert_string_equal(check(&u, &r, &q, 1, "10.8.4.5", MONDAY_1330_UTC + 5 * 86400, &d),
			    "outside_window");
	/* origin */
	assert_string_equal(check(&u, &r, &q, 1, "10.9.0.1", MONDAY_1330_UTC, &d),
			    "origin_not_allowed");
	assert_string_equal(check(&u, &r, &q, 1, NULL, MONDAY_1330_UTC, &d), "origin_unknown");
	assert_string_equal(check(&u, &r, &q, 1, "", MONDAY_1330_UTC, &d), "origin_unknown");
	assert_string_equal(check(&u, &r, &q, 1, "example.com", MONDAY_1330_UTC, &d),
			    "origin_not_allowed");
	/* MFA at activation missing */
	assert_string_equal(check(&u, &r, &noauth, 1, "10.8.4.5", MONDAY_1330_UTC, &d), "mfa_missing");
	/* approval missing */
	snprintf(pending.state, sizeof(pending.state), "pending");
	pending.expires_at = MONDAY_1330_UTC + 100;
	assert_string_equal(check(&u, &r, &pending, 1, "10.8.4.5", MONDAY_1330_UTC, &d),
			    "pending_approval");
	/* revoked */
	snprintf(revoked.state, sizeof(revoked.state), "revoked");
	assert_string_equal(check(&u, &r, &revoked, 1, "10.8.4.5", MONDAY_1330_UTC, &d), "revoked");
	/* the account itself */
	u = user("disabled");
	assert_string_equal(check(&u, &r, &q, 1, "10.8.4.5", MONDAY_1330_UTC, &d), "user_inactive");
}

static void test_no_role_no_user_no_requests(void **state)
{
	struct user_row u = user("active");
	struct role_row r = role("", "", "", 0);
	struct grant_input in = { &u, NULL, "nope", NULL, 0, NULL, NULL, MONDAY_1330_UTC, 5 };
	const struct request_row *g;
	struct decision d;

	(void)state;
	decide_grant(&in, &d, &g);
	assert_string_equal(d.reason, "unknown_role");
	in.role = &r;
	in.user = NULL;
	decide_grant(&in, &d, &g);
	assert_string_equal(d.reason, "unknown_user");
	in.user = &u;
	decide_grant(&in, &d, &g);
	assert_string_equal(d.reason, "no_grant");
	assert_non_null(strstr(d.message, "iamctl elevate dbadmin --for"));
	assert_null(g);
}

/* The active grant wins over newer requests that are not active. */
static void test_active_grant_found_among_others(void **state)
{
	struct user_row u = user("active");
	struct role_row r = role("", "", "", 0);
	struct request_row reqs[2];
	struct decision d;

	(void)state;
	reqs[0] = approved(9, 0, 0, 0);
	snprintf(reqs[0].state, sizeof(reqs[0].state), "denied");
	reqs[1] = approved(3, MONDAY_1330_UTC - 10, MONDAY_1330_UTC + 10, 0);
	assert_string_equal(check(&u, &r, reqs, 2, NULL, MONDAY_1330_UTC, &d), "ok");
}

static void test_request_states(void **state)
{
	struct request_row q = approved(1, 100, 200, 0);

	(void)state;
	assert_string_equal(request_state(&q, 99), "approved");
	assert_string_equal(request_state(&q, 100), "active");
	assert_string_equal(request_state(&q, 199), "active");
	assert_string_equal(request_state(&q, 200), "expired");
	snprintf(q.state, sizeof(q.state), "pending");
	q.expires_at = 150;
	assert_string_equal(request_state(&q, 149), "pending");
	assert_string_equal(request_state(&q, 150), "expired");
	snprintf(q.state, sizeof(q.state), "denied");
	assert_string_equal(request_state(&q, 10), "denied");
}

static void test_transitions(void **state)
{
	struct request_row q = approved(1, 0, 0, 0);
	struct actor_facts requester = { 0, 1, 1 }, approver = { 0, 0, 1 }, stranger = { 0, 0, 0 };
	struct actor_facts admin = { 1, 0, 0 };

	(void)state;
	snprintf(q.state, sizeof(q.state), "pending");
	q.expires_at = 1000;
	/* a requester who is also an approver still cannot approve */
	assert_string_equal(decide_transition(RQ_APPROVE, &q, &requester, 10), "self_approval");
	assert_string_equal(decide_transition(RQ_DENY, &q, &requester, 10), "self_approval");
	assert_string_equal(decide_transition(RQ_APPROVE, &q, &stranger, 10), "not_approver");
	assert_null(decide_transition(RQ_APPROVE, &q, &approver, 10));
	assert_null(decide_transition(RQ_APPROVE, &q, &admin, 10));
	assert_string_equal(decide_transition(RQ_APPROVE, &q, &approver, 1000), "request_expired");
	assert_null(decide_transition(RQ_CANCEL, &q, &requester, 10));
	assert_string_equal(decide_transition(RQ_CANCEL, &q, &approver, 10), "forbidden");
	assert_string_equal(decide_transition(RQ_REVOKE, &q, &approver, 10), "invalid_state");
	q = approved(1, 100, 200, 0);
	assert_null(decide_transition(RQ_REVOKE, &q, &approver, 150));
	assert_null(decide_transition(RQ_REVOKE, &q, &requester, 150));
	assert_null(decide_transition(RQ_REVOKE, &q, &admin, 150));
	assert_string_equal(decide_transition(RQ_REVOKE, &q, &stranger, 150), "forbidden");
	assert_string_equal(decide_transition(RQ_REVOKE, &q, &admin, 200), "invalid_state");
	assert_string_equal(decide_transition(RQ_APPROVE, &q, &admin, 150), "invalid_state");
	assert_string_equal(decide_transition(RQ_CANCEL, &q, &requester, 150), "invalid_state");
}

/* Extensions never count as grants, and a grant scoped to another host
 * does not exist on this one (the check above runs as host 5). */
static void test_grant_rows_that_count(void **state)
{
	struct user_row u = user("active");
	struct role_row r = role("", "", "", 0);
	struct request_row reqs[3];
	struct decision d;

	(void)state;
	reqs[0] = approved(9, MONDAY_1330_UTC - 10, MONDAY_1330_UTC + 10, 0);
	reqs[0].extends = 3;
	reqs[1] = approved(4, MONDAY_1330_UTC - 10, MONDAY_1330_UTC + 10, 0);
	reqs[1].host_id = 6;
	assert_string_equal(check(&u, &r, reqs, 2, NULL, MONDAY_1330_UTC, &d), "no_grant");
	reqs[1].host_id = 5;
	assert_string_equal(check(&u, &r, reqs, 2, NULL, MONDAY_1330_UTC, &d), "ok");
	/* the newest row that counts explains a deny: not a pending extension */
	reqs[0] = approved(9, 0, 0, 0);
	snprintf(reqs[0].state, sizeof(reqs[0].state), "pending");
	reqs[0].expires_at = MONDAY_1330_UTC + 100;
	reqs[0].extends = 3;
	reqs[1] = approved(3, MONDAY_1330_UTC - 100, MONDAY_1330_UTC - 10, 0);
	assert_string_equal(check(&u, &r, reqs, 2, NULL, MONDAY_1330_UTC, &d), "expired");
	reqs[2] = reqs[1];
	reqs[1].host_id = 6;
	snprintf(reqs[2].state, sizeof(reqs[2].state), "revoked");
	assert_string_equal(check(&u, &r, reqs, 3, NULL, MONDAY_1330_UTC, &d), "revoked");
}

/* Who may ask to extend, and what an extension row allows. */
static void test_extension_transitions(void **state)
{
	struct request_row g = approved(1, 100, 200, 0), x = approved(2, 0, 0, 0);
	struct actor_facts requester = { 0, 1, 0 }, approver = { 0, 0, 1 }, admin = { 1, 0, 0 };

	(void)state;
	assert_null(decide_transition(RQ_EXTEND, &g, &requester, 150));
	assert_string_equal(decide_transition(RQ_EXTEND, &g, &approver, 150), "forbidden");
	assert_string_equal(decide_transition(RQ_EXTEND, &g, &admin, 150), "forbidden");
	assert_string_equal(decide_transition(RQ_EXTEND, &g, &requester, 200), "invalid_state");
	snprintf(g.state, sizeof(g.state), "revoked");
	assert_string_equal(decide_transition(RQ_EXTEND, &g, &requester, 150), "invalid_state");
	/* a pending extension: decided like a request, revoking withdraws it */
	x.extends = 1;
	snprintf(x.state, sizeof(x.state), "pending");
	x.expires_at = 1000;
	assert_string_equal(decide_transition(RQ_APPROVE, &x, &requester, 150), "self_approval");
	assert_null(decide_transition(RQ_APPROVE, &x, &approver, 150));
	assert_null(decide_transition(RQ_REVOKE, &x, &approver, 150));
	assert_null(decide_transition(RQ_REVOKE, &x, &requester, 150));
	assert_null(decide_transition(RQ_CANCEL, &x, &requester, 150));
	assert_string_equal(decide_transition(RQ_EXTEND, &x, &requester, 150), "invalid_state");
	/* once applied, it ends with its grant only */
	x = approved(2, 200, 300, 0);
	x.extends = 1;
	assert_string_equal(decide_transition(RQ_REVOKE, &x, &admin, 150), "invalid_state");
	assert_string_equal(decide_transition(RQ_REVOKE, &x, &admin, 250), "invalid_state");
}

static void test_extension_bounds(void **state)
{
	struct request_row g = approved(1, 1000, 2000, 0);
	int64_t end = 0;

	(void)state;
	/* from the current end */
	assert_null(decide_extension(&g, 600, 7200, 1500, &end));
	assert_int_equal(end, 2600);
	/* capped at max_duration from now */
	assert_null(decide_extension(&g, 3600, 3600, 1500, &end));
	assert_int_equal(end, 5100);
	assert_null(decide_extension(&g, 600, 600, 1500, &end));
	assert_int_equal(end, 2100);
	/* nothing left to add under the cap */
	end = 0;
	assert_string_equal(decide_extension(&g, 600, 500, 1500, &end), "max_duration");
	assert_string_equal(decide_extension(&g, 600, 500, 1500, &end), "max_duration");
	assert_int_equal(end, 0);
	/* the grant must still be active */
	assert_string_equal(decide_extension(&g, 600, 7200, 2000, &end), "grant_ended");
	snprintf(g.state, sizeof(g.state), "revoked");
	assert_string_equal(decide_extension(&g, 600, 7200, 1500, &end), "grant_ended");
}

static void test_account(void **state)
{
	struct account_facts f = { 0, "", 0 };
	struct decision d;

	(void)state;
	decide_account(&f, &d);
	assert_string_equal(d.reason, "unknown_user");
	f = (struct account_facts){ 1, "disabled", 1 };
	decide_account(&f, &d);
	assert_string_equal(d.reason, "disabled");
	assert_string_equal(d.message, "Your account is disabled; contact your administrator.");
	f = (struct account_facts){ 1, "deprovisioned", 1 };
	decide_account(&f, &d);
	assert_string_equal(d.reason, "deprovisioned");
	f = (struct account_facts){ 1, "active", 0 };
	decide_account(&f, &d);
	assert_string_equal(d.reason, "host_not_allowed");
	assert_int_equal(d.allow, 0);
	f = (struct account_facts){ 1, "active", 1 };
	decide_account(&f, &d);
	assert_int_equal(d.allow, 1);
	assert_false(decide_locked(100, 100));
	assert_true(decide_locked(101, 100));
}

/* The rule a new password breaks, or "" when it may be used. */
static const char *pw_rule(long long min_len, long long min_classes, const char *user,
			   const char *old_pw, const char *new_pw)
{
	struct password_policy p = { min_len, min_classes };
	char msg[256] = "";
	const char *rule = decide_password(&p, user, old_pw, new_pw, msg, sizeof(msg));

	/* a refusal always explains itself */
	assert_true(rule == NULL || strlen(msg) > 20);
	return rule ? rule : "";
}

static void test_password_policy(void **state)
{
	char big[1100];

	(void)state;
	assert_string_equal(pw_rule(12, 2, "alice", "old", "abcdefghij1"), "too_short");
	assert_string_equal(pw_rule(12, 2, "alice", "old", "abcdefghij12"), "");
	assert_string_equal(pw_rule(12, 2, "alice", "old", ""), "too_short");
	/* characters, not bytes: 6 x U+00E9 and 5 x U+20AC are 11 characters */
	assert_string_equal(pw_rule(12, 1, "alice", "old",
				    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"),
			    "too_short");
	assert_string_equal(pw_rule(12, 1, "alice", "old",
				    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac!"), "");
	memset(big, 'a', sizeof(big));
	big[0] = '1';
	big[1024] = '\0';
	assert_string_equal(pw_rule(12, 2, "alice", "old", big), "");
	big[1024] = 'a';
	big[1025] = '\0';
	assert_string_equal(pw_rule(12, 2, "alice", "old", big), "too_long");
	assert_string_equal(pw_rule(12, 2, "alice", "Same-password-1", "Same-password-1"),
			    "same_as_old");
	/* the name in any case, anywhere; names under 3 characters are not looked for */
	assert_string_equal(pw_rule(12, 2, "alice", "old", "my-Alice-pw-12"), "contains_user");
	assert_string_equal(pw_rule(12, 2, "alice", "old", "123456ALICE"), "too_short");
	assert_string_equal(pw_rule(12, 2, "alice", "old", "x1234567ALICE"), "contains_user");
	assert_string_equal(pw_rule(12, 2, "al", "old", "always-al-12"), "");
	assert_string_equal(pw_rule(12, 2, "bob", "old", "BobbyTables12"), "contains_user");
	/* classes: lower, upper, digit, other (space and non-ASCII count as other) */
	assert_string_equal(pw_rule(12, 2, "alice", "old", "abcdefghijkl"), "too_few_classes");
	assert_string_equal(pw_rule(12, 2, "alice", "old", "ABCDEFGHIJKL"), "too_few_classes");
	assert_string_equal(pw_rule(12, 2, "alice", "old", "123456789012"), "too_few_classes");
	assert_string_equal(pw_rule(12, 2, "alice", "old", "abcdefghijk "), "");
	assert_string_equal(pw_rule(12, 2, "alice", "old", "abcdefghijk\xc3\xa9"), "");
	assert_string_equal(pw_rule(12, 4, "alice", "old", "Abcdefghij1 "), "");
	assert_string_equal(pw_rule(12, 4, "alice", "old", "Abcdefghij12"), "too_few_classes");
	assert_string_equal(pw_rule(12, 1, "alice", "old", "abcdefghijkl"), "");
}

/* The message names the configured numbers. */
static void test_password_policy_messages(void **state)
{
	struct password_policy p = { 14, 3 };
	char msg[256];

	(void)state;
	assert_string_equal(decide_password(&p, "alice", "o", "short", msg, sizeof(msg)),
			    "too_short");
	assert_non_null(strstr(msg, "14 characters"));
	assert_string_equal(decide_password(&p, "alice", "o", "abcdefghijklmnop1", msg,
					    sizeof(msg)), "too_few_classes");
	assert_non_null(strstr(msg, "at least 3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_allows_inside_every_bound),
		cmocka_unit_test(test_each_bound_denies_alone),
		cmocka_unit_test(test_no_role_no_user_no_requests),
		cmocka_unit_test(test_active_grant_found_among_others),
		cmocka_unit_test(test_request_states),
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_grant_rows_that_count),
		cmocka_unit_test(test_extension_transitions),
		cmocka_unit_test(test_extension_bounds),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_password_policy),
		cmocka_unit_test(test_password_policy_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * pam_jit.so in process: libpam loads the module from the build tree
 * (pam_start_confdir, private service files) and asks a real iam-policyd
 * on loopback, whose clock runs under libfaketime and is moved by the test
 * (testenv_shift_clock): every bound of a grant is shown to deny on its
 * own without sleeping. Signed grants for the offline tests are made with
 * the endpoint's own signing key where a case needs one the endpoint
 * would never issue (expired, another user's, tampered).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "login_record.h"
#include "pamconv.h"
#include "proc.h"
#include "safe_file.h"
#include "sign.h"
#include "testenv.h"

#define MODULE IAM_TEST_TOP_BUILDDIR "/pam_jit/.libs/pam_jit.so"
#define DOWN "endpoint=https://127.0.0.1:1"

static struct testenv env;
static char T[160];
static int call_flags;           /* PAM_SILENT, as sudo passes to account */
static char totp_mia[64];

/* --- PAM ----------------------------------------------------------------- */

enum op { AUTH, ACCT, OPEN, CLOSE };

/* The operations in order on one handle, as sudo does; stops at the first
 * failure and returns its code. */
static int pam_seq(const char *svc, const char *user, const char *rhost, struct convo *c,
		   const enum op *ops, size_t nops)
{
	struct pam_conv conv = { conv_fn, c };
	pam_handle_t *pamh = NULL;
	char confdir[200];
	size_t i;
	int r = PAM_SUCCESS;

	snprintf(confdir, sizeof(confdir), "%s/pam.d", T);
	assert_int_equal(pam_start_confdir(svc, user, &conv, confdir, &pamh), PAM_SUCCESS);
	pam_set_item(pamh, PAM_RHOST, rhost ? rhost : "localhost");
	pam_set_item(pamh, PAM_TTY, "/dev/pts/77");
	for (i = 0; i < nops && r == PAM_SUCCESS; i++) {
		switch (ops[i]) {
		case AUTH: r = pam_authenticate(pamh, call_flags); break;
		case ACCT: r = pam_acct_mgmt(pamh, call_flags); break;
		case OPEN: r = pam_open_session(pamh, 0); break;
		case CLOSE: r = pam_close_session(pamh, 0); break;
		}
	}
	pam_end(pamh, r);
	return r;
}

static int jit_acct(const char *svc, const char *user, struct convo *c)
{
	static const enum op ops[] = { ACCT };
	struct convo quiet = { 0 };

	return pam_seq(svc, user, NULL, c ? c : &quiet, ops, 1);
}

static int has_error(const struct convo *c, const char *needle)
{
	int i;

	for (i = 0; i < c->nerrors; i++)
		if (strstr(c->errors[i], needle))
			return 1;
	return 0;
}

static int has_info(const struct convo *c, const char *needle)
{
	int i;

	for (i = 0; i < c->ninfos; i++)
		if (strstr(c->infos[i], needle))
			return 1;
	return 0;
}

/* --- The directory -------------------------------------------------------- */

static void role(const char *json)
{
	assert_int_equal(api(&env, env.admin, "POST", "/v1/roles", json), 201);
}

static void eligible(const char *role_name, const char *user)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/roles/%s/eligible", role_name);
	assert_int_equal(apif(&env, env.admin, "POST", path, "{\"user\":\"%s\"}", user), 200);
}

static void directory(void)
{
	static const char *const users[] = { "alice", "bob", "mia", "carl", "dora", "erin",
					     "fred", "gina" };
	size_t i;

	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		char pw[64];

		snprintf(pw, sizeof(pw), "%s-Secret-42", users[i]);
		make_user(&env, users[i], pw);
	}
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups", "{\"name\":\"managers\"}"), 201);
	assert_int_equal(api(&env, env.admin, "POST", "/v1/groups/managers/members",
			     "{\"user\":\"bob\"}"), 200);
	role("{\"name\":\"ops\",\"max_duration\":7200}");
	role("{\"name\":\"appr\",\"max_duration\":3600,\"approval\":\"required\","
	     "\"approvers\":\"managers\"}");
	role("{\"name\":\"win\",\"max_duration\":14400,\"window\":\"14:00-16:00\","
	     "\"tz\":\"UTC\"}");
	role("{\"name\":\"net\",\"max_duration\":3600,\"networks\":[\"10.8.0.0/16\"]}");
	role("{\"name\":\"mfa\",\"max_duration\":3600,\"mfa\":true}");
	eligible("ops", "alice");
	eligible("ops", "dora");
	eligible("ops", "gina");
	eligible("ops", "fred");
	eligible("appr", "alice");
	eligible("appr", "erin");
	eligible("win", "alice");
	eligible("net", "alice");
	eligible("mfa", "mia");
	{
		char *secret = enroll_totp(&env, "mia");

		snprintf(totp_mia, sizeof(totp_mia), "%s", secret);
		free(secret);
	}
}

/* A request by the user, through the API as iamctl makes it; returns its id. */
static int64_t request(const char *user, const char *role_name, int duration,
		       const char *code, long want)
{
	char pw[64], *token;
	int64_t id;

	snprintf(pw, sizeof(pw), "%s-Secret-42", user);
	token = login(&env, user, pw);
	assert_int_equal(apif(&env, token, "POST", "/v1/requests",
			      "{\"role\":\"%s\",\"duration\":%d,\"reason\":\"test %s\"%s%s%s}",
			      role_name, duration, role_name, code ? ",\"code\":\"" : "",
			      code ? code : "", code ? "\"" : ""), want);
	id = want == 201 ? jint(&env, "id") : 0;
	free(token);
	return id;
}

static void transition(const char *who, int64_t id, const char *action, long want,
		       const char *want_code)
{
	char pw[64], path[96], *token = NULL;

	if (strcmp(who, "admin") != 0) {
		snprintf(pw, sizeof(pw), "%s-Secret-42", who);
		token = login(&env, who, pw);
	}
	snprintf(path, sizeof(path), "/v1/requests/%lld/%s", (long long)id, action);
	assert_int_equal(api(&env, token ? token : env.admin, "POST", path,
			     "{\"reason\":\"by the test\"}"), want);
	if (want_code)
		assert_string_equal(ecode(&env), want_code);
	free(token);
}

/* --- Files ---------------------------------------------------------------- */

static void write_services(void)
{
	static const struct {
		const char *name, *args;
	} svcs[] = {
		{ "jit-ops", "role=ops" },
		{ "jit-appr", "role=appr" },
		{ "jit-win", "role=win" },
		{ "jit-net", "role=net" },
		{ "sshd", "role=net" },
		{ "jit-two", "role=appr role=ops" },
		{ "jit-act", "role=ops mode=activate" },
		{ "jit-act-appr", "role=appr mode=activate" },
		{ "jit-act-mfa", "role=mfa mode=activate" },
		{ "jit-keep", "role=ops offline=grant-until-expiry" },
		{ "jit-keep-down", "role=ops offline=grant-until-expiry " DOWN },
		{ "jit-deny-down", "role=ops offline=deny " DOWN },
		{ "jit-norole", "" },
		{ "jit-badrole", "role=Not!A.Role" },
		{ "jit-badmode", "role=ops mode=sometimes" },
		{ "jit-odd", "role=ops frobnicate=3 no_such_argument" },
		{ "jit-quiet", "role=ops quiet" },
	};
	char dir[256];
	size_t i;

	snprintf(dir, sizeof(dir), "%s/pam.d", T);
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++) {
		write_file_in(dir, svcs[i].name, 0644,
			      "auth required %s config=%s/iam.conf %s\n"
			      "account required %s config=%s/iam.conf %s\n"
			      "account required pam_permit.so\n"
			      "session required %s config=%s/iam.conf %s\n",
			      MODULE, T, svcs[i].args, MODULE, T, svcs[i].args, MODULE, T,
			      svcs[i].args);
	}
	write_file_in(dir, "other", 0644, "auth required pam_deny.so\naccount required "
		      "pam_deny.so\npassword required pam_deny.so\nsession required pam_deny.so\n");
}

static void set_origin(const char *origin)
{
	struct iam_login_record r = { 0 };
	struct iam_proc_stat st;
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/sessions", T);
	assert_int_equal(iam_proc_stat(getpid(), &st), 0);
	if (!origin) {
		assert_int_equal(iam_login_record_remove(dir, getpid(), NULL), 0);
		return;
	}
	r.pid = st.pid;
	r.start = st.start;
	snprintf(r.user, sizeof(r.user), "alice");
	snprintf(r.service, sizeof(r.service), "sshd");
	snprintf(r.origin, sizeof(r.origin), "%s", origin);
	snprintf(r.session, sizeof(r.session), "test");
	assert_int_equal(iam_login_record_write(dir, &r, NULL), 0);
}

static int setup(void **state)
{
	char *cred, cmd[512], pub[256], *key = NULL;
	size_t len = 0;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "pam_jit reads only root-owned configuration: run as root\n");
		exit(77);
	}
	snprintf(T, sizeof(T), "%s/jit-env", IAM_TEST_BUILDDIR);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -m 0755 '%s'", T, T);
	assert_int_equal(system(cmd), 0);
	testenv_start(&env, TESTENV_FAKETIME, "rate_limit_threshold = 1000");
	cred = enroll_host(&env, "jittest");
	write_file_in(T, "host.credential", 0600, "%s\n", cred);
	free(cred);
	snprintf(pub, sizeof(pub), "%s/signing.pub", env.state);
	assert_int_equal(iam_file_read(pub, 0, 4096, 0, &key, &len, NULL), 0);
	key[strcspn(key, "\n")] = '\0';
	directory();
	write_file_in(T, "iam.conf", 0644,
		      "endpoint = %s\nca_file = %s\nhost_credential_file = %s/host.credential\n"
		      "snapshot_pubkey = %s\nspool_dir = %s/spool\nsession_dir = %s/sessions\n"
		      "grant_dir = %s/grants\njit_session_dir = %s/jit\nconnect_timeout = 1s\n"
		      "timeout = 3s\ndebug = yes\n",
		      env.url, env.ca, T, key, T, T, T, T);
	free(key);
	write_services();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return testenv_stop(&env) == 0 ? 0 : -1;
}

/* --- Audit ---------------------------------------------------------------- */

/* Whether the audit log has a record of type by user whose data holds
 * needle (NULL: any). */
static int audit_has(const char *type, const char *user, const char *needle)
{
	int64_t after = 0;

	for (;;) {
		struct json_object *recs;
		size_t i, n;
		char path[96];

		snprintf(path, sizeof(path), "/v1/audit?after=%lld&limit=1000", (long long)after);
		assert_int_equal(api(&env, env.admin, "GET", path, NULL), 200);
		recs = jget(&env, "records");
		n = recs ? json_object_array_length(recs) : 0;
		for (i = 0; i < n; i++) {
			struct json_object *r = json_object_array_get_idx(recs, i), *t, *u, *d, *s;

			if (json_object_object_get_ex(r, "seq", &s))
				after = json_object_get_int64(s);
			if (json_object_object_get_ex(r, "type", &t) &&
			    json_object_object_get_ex(r, "actor", &u) &&
			    json_object_object_get_ex(r, "data", &d) &&
			    strcmp(json_object_get_string(t), type) == 0 &&
			    strcmp(json_object_get_string(u), user) == 0 &&
			    (!needle || strstr(json_object_get_string(d), needle)))
				return 1;
		}
		if (n == 0 || !jbool(&env, "more"))
			return 0;
	}
}

/* --- check ---------------------------------------------------------------- */

static void test_no_grant_is_denied_with_the_way_to_get_one(void **state)
{
	struct convo c = { 0 };

	(void)state;
	assert_int_equal(jit_acct("jit-ops", "alice", &c), PAM_PERM_DENIED);
	assert_int_equal(c.nerrors, 1);
	assert_true(has_error(&c, "No active grant for role ops on this host."));
	assert_true(has_error(&c, "iamctl elevate ops --for 1h --reason"));
	/* auth denies the same way, for stacks that check there */
	{
		static const enum op ops[] = { AUTH };
		struct convo a = { 0 };

		assert_int_equal(pam_seq("jit-ops", "alice", NULL, &a, ops, 1), PAM_AUTH_ERR);
		assert_true(has_error(&a, "No active grant for role ops"));
	}
}

static void test_denial_speaks_despite_pam_silent_unless_quiet(void **state)
{
	struct convo c = { 0 }, q = { 0 };

	(void)state;
	call_flags = PAM_SILENT;
	assert_int_equal(jit_acct("jit-ops", "alice", &c), PAM_PERM_DENIED);
	assert_true(has_error(&c, "No active grant for role ops"));
	assert_int_equal(jit_acct("jit-quiet", "alice", &q), PAM_PERM_DENIED);
	assert_int_equal(q.nerrors, 0);
	call_flags = 0;
}

static void test_grant_allows_and_revocation_takes_effect_at_once(void **state)
{
	static const enum op ops[] = { ACCT, OPEN, CLOSE };
	struct convo c = { 0 };
	char needle[64];
	int64_t id;

	(void)state;
	assert_int_equal(jit_acct("jit-ops", "gina", NULL), PAM_PERM_DENIED);
	id = request("gina", "ops", 600, NULL, 201);
	/* the denial a moment ago was not remembered */
	assert_int_equal(pam_seq("jit-ops", "gina", NULL, &c, ops, 3), PAM_SUCCESS);
	snprintf(needle, sizeof(needle), "\"grant\":%lld", (long long)id);
	assert_true(audit_has("jit.session.open", "gina", needle));
	assert_true(audit_has("jit.session.close", "gina", needle));
	transition("admin", id, "revoke", 200, NULL);
	memset(&c, 0, sizeof(c));
	assert_int_equal(jit_acct("jit-ops", "gina", &c), PAM_PERM_DENIED);
	assert_true(has_error(&c, "was revoked"));
}

static void test_session_is_recorded_for_iamd(void **state)
{
	static const enum op ops[] = { ACCT, OPEN };
	char path[300], *text = NULL;
	size_t len = 0;
	struct convo c = { 0 };
	int64_t id;

	(void)state;
	id = request("dora", "ops", 900, NULL, 201);
	assert_int_equal(pam_seq("jit-ops", "dora", NULL, &c, ops, 2), PAM_SUCCESS);
	/* the handle ended without close: the record stays for iamd */
	snprintf(path, sizeof(path), "%s/jit/%d", T, (int)getpid());
	assert_int_equal(iam_file_read(path, 0, 4096, 0, &text, &len, NULL), 0);
	assert_non_null(strstr(text, "dora"));
	free(text);
	transition("dora", id, "revoke", 200, NULL);
	unlink(path);
}

static void test_pending_approval_then_approved_then_window_ends(void **state)
{
	struct convo c = { 0 };
	int64_t id;

	(void)state;
	id = request("alice", "appr", 1800, NULL, 201);
	assert_int_equal(jit_acct("jit-appr", "alice", &c), PAM_PERM_DENIED);
	assert_true(has_error(&c, "waiting for approval by a member of managers"));
	/* the requester may not approve their own request */
	transition("alice", id, "approve", 403, "self_approval");
	assert_int_equal(jit_acct("jit-appr", "alice", NULL), PAM_PERM_DENIED);
	/* the window starts at approval: an hour later, still 30 minutes */
	testenv_shift_clock(&env, 3600);
	transition("bob", id, "approve", 200, NULL);
	assert_int_equal(jit_acct("jit-appr", "alice", NULL), PAM_SUCCESS);
	testenv_shift_clock(&env, 1790);
	assert_int_equal(jit_acct("jit-appr", "alice", NULL), PAM_SUCCESS);
	/* not_after */
	testenv_shift_clock(&env, 20);
	memset(&c, 0, sizeof(c));
	assert_int_equal(jit_acct("jit-appr", "alice", &c), PAM_PERM_DENIED);
	assert_true(has_error(&c, "ended at"));
	/* not_before: a clock before the approval sees no grant */
	testenv_shift_clock(&env, -1810 - 60);
	memset(&c, 0, sizeof(c));
	assert_int_equal(jit_acct("jit-appr", "alice", &c), PAM_PERM_DENIED);
	assert_true(has_error(&c, "No active grant for role appr"));
	testenv_shift_clock(&env, -3600 + 60);
}

/* Seconds to move the endpoint's clock so that it reads hh:mm UTC next. */
static long long shift_to(int hh, int mm)
{
	long long now = (long long)testenv_now(&env), day = now % 86400, want = hh * 3600 + mm * 60;

	return (want - day + 86400) % 86400;
}

static void test_time_of_day_window(void **state)
{
	struct convo c = { 0 };
	long long shift = shift_to(14, 30);
	int64_t id;

	(void)state;
	testenv_shift_clock(&env, shift);
	id = request("alice", "win", 14400, NULL, 201);
	assert_int_equal(jit_acct("jit-win", "alice", NULL), PAM_SUCCESS);
	/* 16:30: the grant runs until 18:30 but the role's window has closed */
	testenv_shift_clock(&env, 7200);
	assert_int_equal(jit_acct("jit-win", "alice", &c), PAM_PERM_DENIED);
	assert_true(has_error(&c, "may only be used 14:00-16:00"));
	/* 13:59 the next day would be after not_after anyway; 15:59 is inside */
	testenv_shift_clock(&env, -1860);
	assert_int_equal(jit_acct("jit-win", "alice", NULL), PAM_SUCCESS);
	transition("admin", id, "revoke", 200, NULL);
	testenv_shift_clock(&env, -shift - 7200 + 1860);
}

static void test_origin_from_root_records_only(void **state)
{
	struct convo c = { 0 };
	static const enum op ops[] = { ACCT };
	int64_t id;

	(void)state;
	id = request("alice", "net", 1800, NULL, 201);
	set_origin("10.8.1.2");
	assert_int_equal(jit_acct("jit-net", "alice", NULL), PAM_SUCCESS);
	set_origin("192.0.2.7");
	assert_int_equal(jit_acct("jit-net", "alice", &c), PAM_PERM_DENIED);
	assert_true(has_error(&c, "your session comes from 192.0.2.7"));
	/* no record: the origin is unknown, whatever the environment says */
	set_origin(NULL);
	setenv("SSH_CONNECTION", "10.8.1.2 50000 10.8.0.1 22", 1);
	setenv("SSH_CLIENT", "10.8.1.2 50000 22", 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(jit_acct("jit-net", "alice", &c), PAM_PERM_DENIED);
	assert_true(has_error(&c, "the origin of your session is not known"));
	unsetenv("SSH_CONNECTION");
	unsetenv("SSH_CLIENT");
	/* in sshd's own stack, PAM_RHOST is the origin (sshd sets it) */
	assert_int_equal(pam_seq("sshd", "alice", "10.8.1.2", &c, ops, 1), PAM_SUCCESS);
	assert_int_equal(pam_seq("sshd", "alice", "192.0.2.9", &c, ops, 1), PAM_PERM_DENIED);
	/* elsewhere PAM_RHOST is not (sudo sets it to the local host) */
	assert_int_equal(pam_seq("jit-net", "alice", "10.8.1.2", &c, ops, 1), PAM_PERM_DENIED);
	transition("admin", id, "revoke", 200, NULL);
}

static void test_several_roles_any_grant_counts(void **state)
{
	int64_t id;

	(void)state;
	assert_int_equal(jit_acct("jit-two", "alice", NULL), PAM_PERM_DENIED);
	id = request("alice", "ops", 600, NULL, 201);
	assert_int_equal(jit_acct("jit-two", "alice", NULL), PAM_SUCCESS);
	transition("admin", id, "revoke", 200, NULL);
}

static void test_host_users_are_left_to_sudoers(void **state)
{
	struct convo c = { 0 };

	(void)state;
	/* root is the host's: pam_jit ignores it and pam_permit decides */
	assert_int_equal(jit_acct("jit-ops", "root", &c), PAM_SUCCESS);
	assert_int_equal(c.nerrors, 0);
}

static void test_arguments(void **state)
{
	(void)state;
	assert_int_equal(jit_acct("jit-norole", "alice", NULL), PAM_SERVICE_ERR);
	assert_int_equal(jit_acct("jit-badrole", "alice", NULL), PAM_SERVICE_ERR);
	assert_int_equal(jit_acct("jit-badmode", "alice", NULL), PAM_SERVICE_ERR);
	/* unknown arguments are logged and ignored, as Linux-PAM modules do */
	assert_int_equal(jit_acct("jit-odd", "alice", NULL), PAM_PERM_DENIED);
}

/* --- activate ------------------------------------------------------------- */

static void test_activate_without_approval(void **state)
{
	struct convo c = { .answers = { "INC-7 restart the queue", "" } };

	(void)state;
	assert_int_equal(jit_acct("jit-act", "dora", &c), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 2);
	assert_string_equal(c.prompts[0], "Reason for using role ops: ");
	assert_string_equal(c.prompts[1], "Duration [1h, at most 2h]: ");
	/* now active: no questions the next time */
	memset(&c, 0, sizeof(c));
	assert_int_equal(jit_acct("jit-act", "dora", &c), PAM_SUCCESS);
	assert_int_equal(c.nprompts, 0);
	assert_true(audit_has("elevation.request", "host:jittest", "INC-7 restart the queue") ||
		    audit_has("elevation.request", "dora", "INC-7 restart the queue"));
}

static void test_activate_with_approval(void **state)
{
	struct convo c = { .answers = { "quarterly report", "20m" } };

	(void)state;
	assert_int_equal(jit_acct("jit-act-appr", "erin", &c), PAM_PERM_DENIED);
	assert_true(has_info(&c, "is waiting for approval by a member of managers"));
	/* a second try finds the pending request and asks nothing */
	memset(&c, 0, sizeof(c));
	assert_int_equal(jit_acct("jit-act-appr", "erin", &c), PAM_PERM_DENIED);
	assert_int_equal(c.nprompts, 0);
	assert_true(has_error(&c, "waiting for approval"));
}

static void test_activate_refusals(void **state)
{
	struct convo empty = { .answers = { "", "" } };
	struct convo toolong = { .answers = { "fix it", "9h" } };
	struct convo stranger = { .answers = { "let me in", "" } };

	(void)state;
	assert_int_equal(jit_acct("jit-act", "fred", &empty), PAM_PERM_DENIED);
	assert_true(has_error(&empty, "A reason is required"));
	assert_int_equal(jit_acct("jit-act", "fred", &toolong), PAM_PERM_DENIED);
	assert_true(has_error(&toolong, "between 1s and 2h"));
	/* carl is not eligible for ops */
	assert_int_equal(jit_acct("jit-act", "carl", &stranger), PAM_PERM_DENIED);
	assert_true(has_error(&stranger, "not eligible for role ops"));
	/* a conversation that fails asks nothing of the endpoint */
	{
		struct convo fail = { .mode = CONVO_FAIL };

		assert_int_equal(jit_acct("jit-act", "fred", &fail), PAM_CONV_ERR);
	}
}

static void test_mfa_at_activation(void **state)
{
	struct convo c = { 0 };
	char code[7], wrong[8];

	(void)state;
	totp_code(&env, totp_mia, 0, code);
	snprintf(wrong, sizeof(wrong), "%06d", (int)((strtol(code, NULL, 10) + 1) % 1000000));
	c.answers[0] = "db migration";
	c.answers[1] = "30m";
	c.answers[2] = wrong;
	assert_int_equal(jit_acct("jit-act-mfa", "mia", &c), PAM_PERM_DENIED);
	assert_int_equal(c.nprompts, 3);
	assert_string_equal(c.prompts[2], "Verification code: ");
	assert_true(has_error(&c, "Wrong verification code"));
	memset(&c, 0, sizeof(c));
	c.answers[0] = "db migration";
	c.answers[1] = "30m";
	c.answers[2] = code;
	assert_int_equal(jit_acct("jit-act-mfa", "mia", &c), PAM_SUCCESS);
}

/* --- offline -------------------------------------------------------------- */

static void test_endpoint_down_denies(void **state)
{
	struct convo c = { 0 };
	int64_t id;

	(void)state;
	id = request("gina", "ops", 600, NULL, 201);
	assert_int_equal(jit_acct("jit-ops", "gina", NULL), PAM_SUCCESS);
	assert_int_equal(jit_acct("jit-deny-down", "gina", &c), PAM_PERM_DENIED);
	assert_true(has_error(&c, "cannot be reached"));
	transition("admin", id, "revoke", 200, NULL);
}

/* A grant file as pam_jit keeps it, signed with the endpoint's key. */
static void write_signed(const char *user, const char *doc, int tamper)
{
	char key[256], path[300], sig[IAM_SIGN_SIG_B64], dir[256];
	EVP_PKEY *k = NULL;

	snprintf(key, sizeof(key), "%s/signing.key", env.state);
	assert_int_equal(iam_sign_load_private(key, &k, NULL), 0);
	assert_int_equal(iam_sign(k, doc, strlen(doc), sig, NULL), 0);
	EVP_PKEY_free(k);
	snprintf(dir, sizeof(dir), "%s/grants", T);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s.ops", user);
	write_file_in(dir, path, 0600, "iam-grant 1\n%s\n%s", sig, doc);
	if (tamper) {
		char full[600];
		FILE *f;

		snprintf(full, sizeof(full), "%s/%s", dir, path);
		f = fopen(full, "a");
		assert_non_null(f);
		fputs(" ", f);
		fclose(f);
	}
}

static void doc_for(char *out, size_t outsz, const char *user, long long nb, long long na)
{
	snprintf(out, outsz, "{\"kind\":\"iam-grant\",\"v\":1,\"id\":999,\"user\":\"%s\","
		 "\"role\":\"ops\",\"group\":\"ops\",\"host\":\"jittest\",\"not_before\":%lld,"
		 "\"not_after\":%lld,\"mfa\":false,\"window\":null,\"days\":null,\"tz\":\"UTC\","
		 "\"networks\":[],\"issued_at\":%lld}", user, nb, na, nb);
}

static void test_offline_grant_until_expiry(void **state)
{
	struct convo c = { 0 };
	char doc[600];
	long long now = (long long)time(NULL);
	int64_t id;

	(void)state;
	id = request("alice", "ops", 1200, NULL, 201);
	/* online with the opt-in: allowed, and the signed grant is kept */
	assert_int_equal(jit_acct("jit-keep", "alice", NULL), PAM_SUCCESS);
	/* endpoint gone: honoured under grant-until-expiry, never under deny */
	assert_int_equal(jit_acct("jit-keep-down", "alice", NULL), PAM_SUCCESS);
	assert_int_equal(jit_acct("jit-deny-down", "alice", &c), PAM_PERM_DENIED);
	/* a user without a kept grant */
	assert_int_equal(jit_acct("jit-keep-down", "gina", NULL), PAM_PERM_DENIED);
	/* never after not_after */
	doc_for(doc, sizeof(doc), "gina", now - 600, now - 1);
	write_signed("gina", doc, 0);
	assert_int_equal(jit_acct("jit-keep-down", "gina", NULL), PAM_PERM_DENIED);
	/* nor before not_before */
	doc_for(doc, sizeof(doc), "gina", now + 600, now + 1200);
	write_signed("gina", doc, 0);
	assert_int_equal(jit_acct("jit-keep-down", "gina", NULL), PAM_PERM_DENIED);
	/* inside its window it counts... */
	doc_for(doc, sizeof(doc), "gina", now - 60, now + 600);
	write_signed("gina", doc, 0);
	assert_int_equal(jit_acct("jit-keep-down", "gina", NULL), PAM_SUCCESS);
	/* ...unless a byte changed, or it names someone else */
	write_signed("gina", doc, 1);
	assert_int_equal(jit_acct("jit-keep-down", "gina", NULL), PAM_PERM_DENIED);
	doc_for(doc, sizeof(doc), "alice", now - 60, now + 600);
	write_signed("gina", doc, 0);
	assert_int_equal(jit_acct("jit-keep-down", "gina", NULL), PAM_PERM_DENIED);
	transition("admin", id, "revoke", 200, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_grant_is_denied_with_the_way_to_get_one),
		cmocka_unit_test(test_denial_speaks_despite_pam_silent_unless_quiet),
		cmocka_unit_test(test_grant_allows_and_revocation_takes_effect_at_once),
		cmocka_unit_test(test_session_is_recorded_for_iamd),
		cmocka_unit_test(test_offline_grant_until_expiry),
		cmocka_unit_test(test_endpoint_down_denies),
		cmocka_unit_test(test_pending_approval_then_approved_then_window_ends),
		cmocka_unit_test(test_time_of_day_window),
		cmocka_unit_test(test_origin_from_root_records_only),
		cmocka_unit_test(test_several_roles_any_grant_counts),
		cmocka_unit_test(test_host_users_are_left_to_sudoers),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_activate_without_approval),
		cmocka_unit_test(test_activate_with_approval),
		cmocka_unit_test(test_activate_refusals),
		cmocka_unit_test(test_mfa_at_activation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * The typed calls of the API client (common/api_client.c) on hostile
 * answers, without a network: this target defines the HTTP client's
 * functions itself (a fake transport that answers every request with the
 * fuzzer's status and body), so the library's http.o is never linked and
 * the real iam_api_* functions run unchanged: interpret(), the error
 * object mapping, and the decision + grant (document, signature), login,
 * password change, request and role (eligible arrays) mappings. iamd's
 * answers go through the same client: its fetch.c (whoami, and the
 * snapshot envelope whose payload snapshot.c then verifies, see
 * fuzz_snapshot) is included and driven here too.
 *
 * Input: byte 0 picks the call (mod 9), byte 1 the HTTP status, the
 * rest is the body. Whatever the answer, a call succeeds only on a 2xx
 * with what its contract promises, fails with nothing left allocated
 * (LeakSanitizer), and refuses with an error object only on a non-2xx.
 */
#include "../iamd/fetch.c"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api_client.h"
#include "fuzz.h"
#include "http.h"

/* --- The fake transport ---------------------------------------------- */

struct iam_http {
	int unused;
};

static struct iam_http the_http;
static const uint8_t *answer;
static size_t answer_len;
static long answer_status;
static char last_method[16], last_path[256];

int iam_http_global_init(struct iam_err *err)
{
	(void)err;
	return 0;
}

struct iam_http *iam_http_new(const struct iam_http_config *cfg, struct iam_err *err)
{
	(void)cfg;
	(void)err;
	return &the_http;
}

void iam_http_free(struct iam_http *h)
{
	(void)h;
}

void iam_http_response_init(struct iam_http_response *resp)
{
	resp->status = 0;
	iam_buf_init(&resp->body, 0);
}

void iam_http_response_free(struct iam_http_response *resp)
{
	resp->status = 0;
	iam_buf_free(&resp->body);
	iam_buf_init(&resp->body, 0);
}

int iam_http_request(struct iam_http *h, const char *method, const char *path,
		     const char *bearer, const char *body, size_t body_len,
		     struct iam_http_response *resp, struct iam_err *err)
{
	FUZZ_CHECK(h == &the_http && method && path && path[0] == '/');
	FUZZ_CHECK(!body || strlen(body) == body_len);
	(void)bearer;
	(void)err;
	snprintf(last_method, sizeof(last_method), "%s", method);
	snprintf(last_path, sizeof(last_path), "%s", path);
	iam_http_response_free(resp);
	/* the real client hands over a NUL-terminated body */
	if (iam_buf_append(&resp->body, answer, answer_len) < 0 ||
	    iam_buf_append(&resp->body, "", 1) < 0) {
		iam_http_response_free(resp);
		return -ENOMEM;
	}
	resp->body.len--;
	resp->status = answer_status;
	return 0;
}

/* fetch.c's only other need: the credential is never reloaded here. */
int agent_reload_credential(struct agent *a, struct iam_err *err)
{
	(void)a;
	(void)err;
	return 0;
}

/* --- The calls --------------------------------------------------------- */

static const long statuses[] = { 200, 201, 204, 299, 400, 401, 403, 404, 409, 423,
				 429, 500, 502, 503, 302, 100, 0, 999 };

static int ok_status(void)
{
	return answer_status >= 200 && answer_status <= 299;
}

/* The common contract of every call on the result r. */
static void check_result(int r, const struct iam_api_error *aerr)
{
	if (r == 0) {
		FUZZ_CHECK(ok_status());
	} else if (r == IAM_API_REFUSED) {
		FUZZ_CHECK(!ok_status() && aerr->status == answer_status);
		FUZZ_CHECK(strlen(aerr->code) < sizeof(aerr->code));
	} else {
		/* -EBADMSG from iam_api_call, or what iam_json_map returned
		 * for an object without the promised fields (-EINVAL) */
		FUZZ_CHECK(r == -EBADMSG || r == -EINVAL || r == -ENOMEM);
	}
}

static void call_login(struct iam_api *api, int mfa)
{
	struct iam_login_result out;
	struct iam_api_error aerr;
	struct iam_err err = { "" };
	int r;

	if (mfa)
		r = iam_api_mfa(api, "challenge", "123456", &out, &aerr, &err);
	else
		r = iam_api_login(api, "alice", "secret", "sshd", "10.0.0.1", "pts/0", &out,
				  &aerr, &err);
	check_result(r, &aerr);
	if (r == 0) {
		FUZZ_CHECK(out.result != NULL);
		FUZZ_CHECK(strcmp(out.result, "ok") == 0 ||
			   (strcmp(out.result, "mfa_required") == 0 && out.challenge));
	} else {
		FUZZ_CHECK(!out.result && !out.user && !out.challenge && !out.token &&
			   !out.password_stamp);
	}
	iam_login_result_free(&out);
}

static void call_password(struct iam_api *api)
{
	struct iam_api_error aerr;
	struct iam_err err = { "" };
	int r = iam_api_change_password(api, "alice", "old", "new", NULL, "passwd", NULL, NULL,
					&aerr, &err);

	check_result(r, &aerr);
}

static void call_decide(struct iam_api *api, int grant)
{
	static const struct iam_decision zero;
	struct iam_decision out;
	struct iam_api_error aerr;
	struct iam_err err = { "" };
	int r;

	if (grant)
		r = iam_api_decide_grant(api, "alice", "dbadmin", "10.0.0.1", &out, &aerr, &err);
	else
		r = iam_api_decide_account(api, "alice", "sshd", "10.0.0.1", "pts/0", &out, &aerr,
					   &err);
	check_result(r, &aerr);
	if (r == 0) {
		FUZZ_CHECK(out.reason && out.message);
		FUZZ_CHECK(out.allow == 0 || out.allow == 1);
		FUZZ_CHECK(!out.document || strlen(out.document) <= 8192);
		FUZZ_CHECK(!out.signature || strlen(out.signature) <= 128);
	} else {
		FUZZ_CHECK(memcmp(&out, &zero, sizeof(out)) == 0);
	}
	iam_decision_free(&out);
}

static void call_request(struct iam_api *api)
{
	const struct iam_request_new rq = { "alice", "dbadmin", 3600, "fuzz", NULL };
	struct iam_request_result out;
	struct iam_api_error aerr;
	struct iam_err err = { "" };
	int r = iam_api_request_create(api, &rq, &out, &aerr, &err);

	check_result(r, &aerr);
	if (r == 0)
		FUZZ_CHECK(out.state && strlen(out.state) <= 64);
	else
		FUZZ_CHECK(!out.state);
	iam_request_result_free(&out);
}

static void check_names(char **v)
{
	size_t i;

	FUZZ_CHECK(v != NULL);
	for (i = 0; v[i]; i++)
		FUZZ_CHECK(strlen(v[i]) < 1u << 20);
}

static void call_role(struct iam_api *api)
{
	struct iam_role_info out;
	struct iam_api_error aerr;
	struct iam_err err = { "" };
	int r = iam_api_role_get(api, "db admin/x", &out, &aerr, &err);

	FUZZ_CHECK(strcmp(last_method, "GET") == 0 &&
		   strcmp(last_path, "/v1/roles/db%20admin%2Fx") == 0);
	check_result(r, &aerr);
	if (r == 0) {
		FUZZ_CHECK(out.approval != NULL);
		check_names(out.eligible_users);
		check_names(out.eligible_groups);
	} else {
		FUZZ_CHECK(!out.approval && !out.approvers && !out.eligible_users &&
			   !out.eligible_groups);
	}
	iam_role_info_free(&out);
}

static void call_fetch(struct iam_api *api, int snapshot)
{
	struct agent a;
	struct envelope env;
	struct iam_err err = { "" };
	const char *reason = NULL;
	int r;

	memset(&a, 0, sizeof(a));
	a.api = a.poll = api;
	a.cfg.host_credential_file = "/etc/iam/host.token";
	if (snapshot) {
		r = fetch_snapshot(&a, 5, 25, &env, &reason, &err);
		FUZZ_CHECK(strcmp(last_path, "/v1/snapshot?since=5&wait=25") == 0);
		if (r == 0) {
			FUZZ_CHECK(ok_status());
			FUZZ_CHECK(env.changed == 0 || (env.payload && env.signature));
		}
		envelope_free(&env);
	} else {
		r = fetch_host_name(&a, &reason, &err);
		if (r == 0)
			FUZZ_CHECK(ok_status() && a.host != NULL);
		free(a.host);
	}
	if (r < 0)
		FUZZ_CHECK(reason != NULL && err.msg[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iam_api *api;
	const struct iam_http_config cfg = { 0 };
	struct iam_err err = { "" };

	if (!api) {
		api = iam_api_new(&cfg, "iamh_1.token", &err);
		FUZZ_CHECK(api != NULL);
	}
	if (size < 2)
		return 0;
	answer_status = statuses[data[1] % (sizeof(statuses) / sizeof(statuses[0]))];
	answer = data + 2;
	answer_len = size - 2;
	switch (data[0] % 9) {
	case 0: call_login(api, 0); break;
	case 1: call_login(api, 1); break;
	case 2: call_password(api); break;
	case 3: call_decide(api, 0); break;
	case 4: call_decide(api, 1); break;
	case 5: call_request(api); break;
	case 6: call_role(api); break;
	case 7: call_fetch(api, 0); break;
	default: call_fetch(api, 1); break;
	}
	return 0;
}

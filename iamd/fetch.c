#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fetch.h"
#include "json.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
/* max_response cannot exceed 1 GiB, so neither can a payload. */
#define PAYLOAD_MAX (1u << 30)

#define EF(name, kind, member, flags, maxlen, min, max) \
	{ name, kind, offsetof(struct envelope, member), flags, maxlen, min, max }

static const struct iam_json_field envelope_fields[] = {
	EF("changed", IAM_J_BOOL, changed, IAM_JF_REQUIRED, 0, 0, 0),
	EF("serial", IAM_J_INT64, serial, IAM_JF_REQUIRED, 0, 0, INT64_MAX - 1),
	EF("payload", IAM_J_STRING, payload, 0, PAYLOAD_MAX, 0, 0),
	EF("signature", IAM_J_STRING, signature, 0, 128, 0, 0),
	EF("key_id", IAM_J_STRING, key_id, 0, 64, 0, 0),
};

struct whoami {
	char *kind, *name;
};

static const struct iam_json_field whoami_fields[] = {
	{ "kind", IAM_J_STRING, offsetof(struct whoami, kind), IAM_JF_REQUIRED, 16, 0, 0 },
	{ "name", IAM_J_STRING, offsetof(struct whoami, name), IAM_JF_REQUIRED, 253, 0, 0 },
};

const char *fetch_reason(int r, long status)
{
	switch (r) {
	case -ECONNREFUSED: case -EHOSTUNREACH: return "unreachable";
	case -ETIMEDOUT: return "timeout";
	case -EPROTO: return "tls";
	case -E2BIG: return "too_large";
	case -EBADMSG: return "bad_answer";
	case IAM_API_REFUSED: return status == 401 ? "unauthenticated" : "refused";
	default: return "error";
	}
}

/* A GET. When the endpoint no longer knows the credential, it is read
 * again for the next attempt: an administrator may have rotated it. */
static int call(struct agent *a, struct iam_api *api, const char *path,
		struct json_object **out, const char **reason, struct iam_err *err)
{
	struct iam_api_error aerr;
	int r = iam_api_call(api, "GET", path, NULL, out, &aerr, err);

	if (r < 0)
		*reason = fetch_reason(r, aerr.status);
	if (r == IAM_API_REFUSED && aerr.status == 401) {
		if (agent_reload_credential(a, err) < 0)
			*reason = "credential";
		else
			iam_err_append(err, " (the host credential in %s): issue a new one with "
				       "'iamctl host rotate HOST --output FILE' and install it "
				       "there; iamd reads it again before the next try",
				       a->cfg.host_credential_file);
	}
	return r;
}

/* Maps an answer; a mismatch is the endpoint's fault ("bad_answer"). */
static int map_answer(struct json_object *obj, const struct iam_json_field *fields, size_t n,
		      void *dst, const char *what, const char **reason, struct iam_err *err)
{
	if (iam_json_map(obj, fields, n, 0, dst, err) == 0)
		return 0;
	iam_err_prefix(err, "%s", what);
	*reason = "bad_answer";
	return -EBADMSG;
}

int fetch_host_name(struct agent *a, const char **reason, struct iam_err *err)
{
	struct json_object *obj = NULL;
	struct whoami w = { NULL, NULL };
	int r;

	if (a->host)
		return 0;
	r = call(a, a->api, "/v1/whoami", &obj, reason, err);
	if (r == 0)
		r = map_answer(obj, whoami_fields, NFIELDS(whoami_fields), &w, "whoami answer",
			       reason, err);
	if (r == 0 && strcmp(w.kind, "host") != 0) {
		iam_err_set(err, "%s holds a credential of kind '%s', not a host credential",
			    a->cfg.host_credential_file, w.kind);
		*reason = "credential";
		r = -EACCES;
	}
	if (r == 0) {
		a->host = w.name;
		w.name = NULL;
	}
	iam_json_map_free(whoami_fields, NFIELDS(whoami_fields), &w);
	json_object_put(obj);
	return r;
}

int fetch_snapshot(struct agent *a, long long since, unsigned wait, struct envelope *env,
		   const char **reason, struct iam_err *err)
{
	struct json_object *obj = NULL;
	char path[96] = "/v1/snapshot";
	int r;

	memset(env, 0, sizeof(*env));
	if (since >= 0)
		snprintf(path, sizeof(path), "/v1/snapshot?since=%lld&wait=%u", since, wait);
	r = call(a, wait ? a->poll : a->api, path, &obj, reason, err);
	if (r == 0)
		r = map_answer(obj, envelope_fields, NFIELDS(envelope_fields), env,
			       "snapshot answer", reason, err);
	json_object_put(obj);
	if (r == 0 && env->changed && (!env->payload || !env->signature)) {
		iam_err_set(err, "snapshot answer: changed, without payload or signature");
		*reason = "bad_answer";
		r = -EBADMSG;
	}
	return r;
}

void envelope_free(struct envelope *env)
{
	iam_json_map_free(envelope_fields, NFIELDS(envelope_fields), env);
}

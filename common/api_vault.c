/*
 * The vault call pam_iam makes at a break-glass login (POST
 * /v1/vault/use): whether the typed password is the account's, checked
 * out by somebody whose grant still runs, and who.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "api_client.h"
#include "json.h"
#include "names.h"

/* The holders as "alice,bob": each a valid name, or the answer is bad. */
static int join_holders(struct json_object *arr, char *out, size_t outsz,
			struct iam_err *err)
{
	size_t i, n = json_object_array_length(arr), len = 0, l;
	struct json_object *h, *u;
	const char *name;

	out[0] = '\0';
	if (n == 0) {
		iam_err_set(err, "the vault's answer names no holder");
		return -EBADMSG;
	}
	for (i = 0; i < n; i++) {
		h = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(h, json_type_object) ||
		    !json_object_object_get_ex(h, "user", &u) ||
		    !json_object_is_type(u, json_type_string) ||
		    !iam_name_valid(name = json_object_get_string(u))) {
			iam_err_set(err, "the vault's answer has a bad holder");
			return -EBADMSG;
		}
		l = strlen(name);
		if (len + l + 2 > outsz)
			break; /* the endpoint's audit record has them all */
		if (len)
			out[len++] = ',';
		memcpy(out + len, name, l + 1);
		len += l;
	}
	return 0;
}

struct use_fields {
	char *result;
	int64_t version;
	struct json_object *holders;
};

static const struct iam_json_field use_map[] = {
	{ "result", IAM_J_STRING, offsetof(struct use_fields, result), IAM_JF_REQUIRED, 16, 0,
	  0 },
	{ "version", IAM_J_INT64, offsetof(struct use_fields, version), IAM_JF_REQUIRED, 0, 1,
	  INT64_MAX },
	{ "holders", IAM_J_ARRAY, offsetof(struct use_fields, holders), IAM_JF_REQUIRED, 0, 0,
	  0 },
};

#define NFIELDS (sizeof(use_map) / sizeof(use_map[0]))

int iam_api_vault_use(struct iam_api *api, const struct iam_vault_login *in,
		      struct iam_vault_use *out, struct iam_api_error *aerr, struct iam_err *err)
{
	struct json_object *body = json_object_new_object(), *obj = NULL;
	struct use_fields f;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&f, 0, sizeof(f));
	if (!body)
		return -ENOMEM;
	iam_json_add_str(body, "account", in->account);
	iam_json_add_str(body, "password", in->password);
	iam_json_add_str(body, "service", in->service);
	iam_json_add_str(body, "origin", in->origin);
	iam_json_add_str(body, "tty", in->tty);
	r = iam_api_call(api, "POST", "/v1/vault/use", body, &obj, aerr, err);
	iam_json_wipe(body);
	json_object_put(body);
	if (r < 0)
		return r;
	r = iam_json_map(obj, use_map, NFIELDS, 0, &f, err);
	if (r == 0 && strcmp(f.result, "ok") != 0) {
		iam_err_set(err, "the vault's answer has an unknown result");
		r = -EBADMSG;
	}
	if (r == 0) {
		out->version = f.version;
		r = join_holders(f.holders, out->holders, sizeof(out->holders), err);
	}
	iam_json_map_free(use_map, NFIELDS, &f);
	json_object_put(obj);
	return r < 0 ? (r == -ENOMEM ? r : -EBADMSG) : 0;
}

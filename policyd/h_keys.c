#include "config.h"

#include <stddef.h>
#include <string.h>

#include "api.h"
#include "names.h"
#include "parse.h"
#include "sshkey.h"

struct key_body {
	char *key;
};

static const struct iam_json_field key_fields[] = {
	{ "key", IAM_J_STRING, offsetof(struct key_body, key), IAM_JF_REQUIRED, 16384, 0, 0 },
};

void h_user_key_add(struct req *r, struct reply *out)
{
	struct key_body b = { 0 };
	struct sshkey_info info;
	struct json_object *body;
	struct key_row row;
	const char *why = NULL;
	int rc;

	if (body_map(r, out, key_fields, 1, &b) < 0)
		return;
	if (sshkey_parse(b.key, &info, &why) < 0) {
		reply_invalid(out, "key", "%s", why);
	} else {
		rc = store_key_add(r->st, r->params[0], info.line, info.fingerprint, info.comment,
				   r->source, r->now, &row);
		if (rc == ST_EXISTS) {
			reply_error(out, 409, "already_exists", "%.64s already has the key %s.",
				    r->params[0], info.fingerprint);
		} else if (rc != ST_OK) {
			reply_store_error(out, rc, "user", r->params[0]);
		} else {
			body = json_object_new_object();
			iam_json_add_int(body, "id", row.id);
			iam_json_add_str(body, "key", row.key);
			iam_json_add_str(body, "fingerprint", row.fingerprint);
			iam_json_add_str(body, "comment", row.comment);
			reply_json(out, 201, body);
		}
	}
	iam_json_map_free(key_fields, 1, &b);
}

/* Hosts get nothing for a user who may not log in, so sshd's
 * AuthorizedKeysCommand cannot let a disabled user in with a key. */
void h_user_key_list(struct req *r, struct reply *out)
{
	const char *name = r->params[0];
	struct json_object *keys = NULL, *body;
	struct user_row u;
	int rc;

	if (r->who.kind == P_USER && !is_self(r, name)) {
		reply_error(out, 403, "forbidden", "You may only list your own keys.");
		return;
	}
	rc = store_user_get(r->st, name, &u);
	if (rc != ST_OK) {
		reply_store_error(out, rc, "user", name);
		return;
	}
	if (r->who.kind == P_HOST && strcmp(u.state, "active") != 0)
		keys = json_object_new_array();
	else if ((rc = store_key_list(r->st, u.id, &keys)) != ST_OK) {
		json_object_put(keys);
		reply_store_error(out, rc, "user", name);
		return;
	}
	body = json_object_new_object();
	iam_json_add_str(body, "user", u.name);
	json_object_object_add(body, "keys", keys);
	reply_json(out, 200, body);
}

void h_user_key_remove(struct req *r, struct reply *out)
{
	long long id;
	int rc;

	if (iam_parse_ll(r->params[1], 1, INT64_MAX - 1, &id) < 0) {
		reply_not_found(out, "key", r->params[1]);
		return;
	}
	rc = store_key_remove(r->st, r->params[0], id, r->source, r->now);
	if (rc == ST_OK)
		reply_ok(out);
	else
		reply_store_error(out, rc, rc == ST_NOTFOUND ? "key" : "user", r->params[1]);
}

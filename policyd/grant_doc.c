/*
 * Signed grants: what a host may keep to honour a grant while the endpoint
 * is unreachable (iam.conf offline_grants). The document is the whole
 * statement — who, which role and unix group, on which host, for which
 * time, under which conditions — so that the host needs nothing else but
 * the snapshot public key to re-check it. Its members and their order are
 * fixed by doc/api.md ("Signed grants").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"

/* "" in the store is null in the document. */
static void add_opt(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value && *value ? json_object_new_string(value) : NULL);
}

static struct json_object *document_json(const struct req *r, const struct user_row *u,
					 const struct role_row *role,
					 const struct request_row *g)
{
	struct json_object *o = json_object_new_object();
	/* every day is no day condition, as "" is */
	const char *days = role->window[0] && strcmp(role->days, "*") != 0 ? role->days : NULL;

	iam_json_add_str(o, "kind", "iam-grant");
	iam_json_add_int(o, "v", 1);
	iam_json_add_int(o, "id", g->id);
	iam_json_add_str(o, "user", u->name);
	iam_json_add_str(o, "role", role->name);
	iam_json_add_str(o, "group", role->group);
	/* the host that asked: a document is never valid anywhere else */
	iam_json_add_str(o, "host", r->who.name);
	iam_json_add_int(o, "not_before", g->not_before);
	iam_json_add_int(o, "not_after", g->not_after);
	iam_json_add_bool(o, "mfa", g->mfa);
	add_opt(o, "window", role->window);
	add_opt(o, "days", days);
	iam_json_add_str(o, "tz", role->tz);
	json_object_object_add(o, "networks", networks_json(role->networks));
	iam_json_add_int(o, "issued_at", (int64_t)r->now);
	return o;
}

int grant_document(const struct req *r, const struct user_row *u,
		   const struct role_row *role, const struct request_row *g,
		   char **document, char sig[IAM_SIGN_SIG_B64])
{
	struct json_object *o = document_json(r, u, role, g);
	int rc = -1;

	*document = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (*document && iam_sign(r->srv->signing_key, *document, strlen(*document), sig,
				  NULL) == 0)
		rc = 0;
	if (rc < 0) {
		free(*document);
		*document = NULL;
	}
	return rc;
}

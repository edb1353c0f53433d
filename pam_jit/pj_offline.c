/*
 * offline=grant-until-expiry: an administrator's opt-in to honour, while
 * the endpoint is unreachable, a grant the endpoint allowed and signed
 * earlier (DESIGN.md rule 3). Each online allow keeps the signed grant in
 * <grant_dir>/<user>.<role> (root-only); offline, the copy counts only if
 * its Ed25519 signature verifies with snapshot_pubkey and it names this
 * user and role, now is inside [not_before, not_after), inside the role's
 * time-of-day window and the origin inside its networks. A revocation
 * made while the host is cut off cannot reach it: that is the price of
 * the opt-in, and it ends at not_after at the latest.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cidr.h"
#include "json.h"
#include "pj.h"
#include "safe_file.h"
#include "sign.h"
#include "timewin.h"

#define GRANT_MAGIC "iam-grant 1\n"
#define GRANT_FILE_MAX 16384

struct signed_grant {
	char *kind;
	int64_t v;
	int64_t id;
	char *user;
	char *role;
	char *group;
	int64_t not_before;
	int64_t not_after;
	char *window;
	char *days;
	char *tz;
	struct json_object *networks;
};

#define SG(name, kind, member, flags) \
	{ name, kind, offsetof(struct signed_grant, member), flags, 256, 0, 0 }

static const struct iam_json_field grant_fields[] = {
	SG("kind", IAM_J_STRING, kind, IAM_JF_REQUIRED),
	SG("v", IAM_J_INT64, v, IAM_JF_REQUIRED),
	SG("id", IAM_J_INT64, id, IAM_JF_REQUIRED),
	SG("user", IAM_J_STRING, user, IAM_JF_REQUIRED),
	SG("role", IAM_J_STRING, role, IAM_JF_REQUIRED),
	SG("group", IAM_J_STRING, group, IAM_JF_REQUIRED),
	SG("not_before", IAM_J_INT64, not_before, IAM_JF_REQUIRED),
	SG("not_after", IAM_J_INT64, not_after, IAM_JF_REQUIRED),
	SG("window", IAM_J_STRING, window, IAM_JF_NULLABLE),
	SG("days", IAM_J_STRING, days, IAM_JF_NULLABLE),
	SG("tz", IAM_J_STRING, tz, IAM_JF_NULLABLE),
	SG("networks", IAM_J_ARRAY, networks, IAM_JF_REQUIRED),
};
#define NGRANT (sizeof(grant_fields) / sizeof(grant_fields[0]))

static int grant_path(struct pi *pi, const char *role, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s.%s", pi->cfg.grant_dir, pi->user, role);

	return n > 0 && (size_t)n < outsz ? 0 : -ENAMETOOLONG;
}

void pj_offline_keep(struct pi *pi, const char *role, const struct iam_decision *d)
{
	const struct pj_args *a = pi->args;
	struct iam_err err = { "" };
	char path[4096], *text = NULL, *old = NULL;
	size_t oldlen = 0;
	int n, r;

	if (a->offline != PJ_OFFLINE_GRANT || !d->document || !d->signature ||
	    grant_path(pi, role, path, sizeof(path)) < 0)
		return;
	n = asprintf(&text, GRANT_MAGIC "%s\n%s", d->signature, d->document);
	if (n < 0)
		return;
	/* the same grant at each sudo: write only what changed */
	r = iam_file_read(path, 0, GRANT_FILE_MAX, IAM_FILE_SECRET, &old, &oldlen, NULL);
	if (r == 0 && oldlen == (size_t)n && memcmp(old, text, oldlen) == 0)
		goto out;
	r = iam_dir_private(pi->cfg.grant_dir, "grant directory", 0, 1, &err);
	if (r == 0)
		r = iam_file_write_atomic(path, text, (size_t)n, 0600, &err);
	if (r < 0)
		pi_log(pi, LOG_ERR, "jit_grant_keep", "role", role, "error", err.msg, NULL);
out:
	free(old);
	free(text);
}

/* The signature and the document out of the file's text (borrowed). */
static int split_file(char *text, char **sig, char **doc)
{
	char *nl;

	if (strncmp(text, GRANT_MAGIC, strlen(GRANT_MAGIC)) != 0)
		return -EBADMSG;
	*sig = text + strlen(GRANT_MAGIC);
	nl = strchr(*sig, '\n');
	if (!nl)
		return -EBADMSG;
	*nl = '\0';
	*doc = nl + 1;
	return 0;
}

static int verify(struct pi *pi, const char *sig, const char *doc, struct iam_err *err)
{
	EVP_PKEY *pub = NULL;
	int r;

	if (!pi->cfg.snapshot_pubkey) {
		iam_err_set(err, "no snapshot_pubkey in the configuration to verify it with");
		return -EINVAL;
	}
	r = iam_sign_pubkey_from_b64(pi->cfg.snapshot_pubkey, &pub, err);
	if (r == 0)
		r = iam_verify(pub, doc, strlen(doc), sig, err);
	EVP_PKEY_free(pub);
	if (r == -EBADMSG)
		iam_err_set(err, "the signature does not verify");
	return r;
}

static int in_window(const struct signed_grant *g, time_t now, struct iam_err *err)
{
	struct iam_window w;
	struct iam_tz *tz = NULL;
	int r;

	if (!g->window)
		return 1;
	r = iam_window_parse(g->window, g->days, &w, err);
	if (r == 0)
		r = iam_tz_load(NULL, g->tz ? g->tz : "UTC", &tz, err);
	if (r == 0)
		r = iam_window_contains(&w, tz, now);
	iam_tz_free(tz);
	return r == 1;
}

static int origin_allowed(const struct signed_grant *g, const char *origin)
{
	size_t i, n = json_object_array_length(g->networks);
	struct iam_addr addr;

	if (n == 0)
		return 1;
	if (!origin[0] || iam_addr_parse(origin, &addr) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(g->networks, i);
		struct iam_cidr c;

		if (json_object_is_type(e, json_type_string) &&
		    iam_cidr_parse(json_object_get_string(e), &c, NULL) == 0 &&
		    iam_cidr_match(&c, &addr) == 1)
			return 1;
	}
	return 0;
}

/* Why the signed grant does not let the call through now, or NULL. */
static const char *judge(struct pi *pi, const char *role, const struct signed_grant *g,
			 const char *origin, time_t now, struct iam_err *err)
{
	if (strcmp(g->kind, "iam-grant") != 0 || g->v != 1)
		return "not a grant of this version";
	if (strcmp(g->user, pi->user) != 0 || strcmp(g->role, role) != 0)
		return "for another user or role";
	if (now < g->not_before)
		return "not yet valid";
	if (now >= g->not_after)
		return "expired";
	if (!in_window(g, now, err))
		return "outside the role's time window";
	if (!origin_allowed(g, origin))
		return "origin not in the role's networks";
	return NULL;
}

static int load(struct pi *pi, const char *role, struct signed_grant *g, struct iam_err *err)
{
	char path[4096], *text = NULL, *sig, *doc;
	struct json_object *obj = NULL;
	size_t len = 0;
	int r = grant_path(pi, role, path, sizeof(path));

	if (r == 0)
		r = iam_file_read(path, 0, GRANT_FILE_MAX, IAM_FILE_SECRET, &text, &len, err);
	if (r == 0 && (strlen(text) != len || split_file(text, &sig, &doc) < 0)) {
		iam_err_set(err, "%s: not a signed grant file", path);
		r = -EBADMSG;
	}
	if (r == 0)
		r = verify(pi, sig, doc, err);
	if (r == 0)
		r = iam_json_parse(doc, strlen(doc), &obj, err);
	if (r == 0)
		r = iam_json_map(obj, grant_fields, NGRANT, 0, g, err);
	/* networks is borrowed from obj: keep a reference for the caller */
	if (r == 0)
		json_object_get(g->networks);
	json_object_put(obj);
	free(text);
	return r;
}

int pj_offline_grant(struct pi *pi, const char *role, const char *origin, time_t now,
		     struct pj_grant *out)
{
	struct signed_grant g;
	struct iam_err err = { "" };
	const char *why = NULL;
	int r;

	memset(&g, 0, sizeof(g));
	r = load(pi, role, &g, &err);
	if (r == 0)
		why = judge(pi, role, &g, origin, now, &err);
	if (r < 0 || why) {
		pi_log(pi, LOG_NOTICE, "jit_offline", "role", role, "decision", "deny", "why",
		       r < 0 ? err.msg : why, NULL);
	} else {
		memset(out, 0, sizeof(*out));
		snprintf(out->role, sizeof(out->role), "%s", role);
		snprintf(out->group, sizeof(out->group), "%s", g.group);
		snprintf(out->origin, sizeof(out->origin), "%s", origin);
		out->id = g.id;
		out->not_after = g.not_after;
		out->offline = 1;
	}
	json_object_put(g.networks);
	iam_json_map_free(grant_fields, NGRANT, &g);
	return r == 0 && !why;
}

void pj_grant_group(const struct iam_decision *d, const char *role, char *out, size_t outsz)
{
	struct json_object *obj = NULL, *v = NULL;

	snprintf(out, outsz, "%s", role); /* a role's group is named after it by default */
	if (d->document && iam_json_parse(d->document, strlen(d->document), &obj, NULL) == 0 &&
	    json_object_object_get_ex(obj, "group", &v) && json_object_is_type(v, json_type_string) &&
	    iam_name_valid(json_object_get_string(v)))
		snprintf(out, outsz, "%s", json_object_get_string(v));
	json_object_put(obj);
}

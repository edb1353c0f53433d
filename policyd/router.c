#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "api.h"
#include "encode.h"
#include "log.h"
#include "secmem.h"
#include <microhttpd.h>
#include "token.h"

/* Who may call a route. Finer rules (self, approver) live in handlers. */
#define A_ANON  0x1u  /* no token needed (one may still be given) */
#define A_ADMIN 0x2u
#define A_HOST  0x4u
#define A_USER  0x8u
#define A_ANY   (A_ADMIN | A_HOST | A_USER)

struct route {
	const char *method;
	const char *pattern;  /* '*' matches one path segment */
	handler_fn fn;
	unsigned allow;
};

static const struct route routes[] = {
	{ "GET", "/v1/health", h_health, A_ANON | A_ANY },
	{ "GET", "/v1/whoami", h_whoami, A_ANY },
	{ "POST", "/v1/auth/login", h_login, A_ANON | A_HOST },
	{ "POST", "/v1/auth/mfa", h_login_mfa, A_ANON | A_HOST },
	{ "POST", "/v1/auth/logout", h_logout, A_USER },
	{ "POST", "/v1/auth/password", h_password_change, A_ANON | A_HOST },

	{ "POST", "/v1/users", h_user_create, A_ADMIN },
	{ "GET", "/v1/users", h_user_list, A_ADMIN },
	{ "GET", "/v1/users/*", h_user_get, A_ADMIN | A_USER },
	{ "POST", "/v1/users/*/password", h_user_password, A_ADMIN },
	{ "POST", "/v1/users/*/disable", h_user_disable, A_ADMIN },
	{ "POST", "/v1/users/*/enable", h_user_enable, A_ADMIN },
	{ "POST", "/v1/users/*/deprovision", h_user_deprovision, A_ADMIN },
	{ "POST", "/v1/users/*/unlock", h_user_unlock, A_ADMIN },
	{ "POST", "/v1/users/*/mfa", h_user_mfa_enroll, A_ADMIN },
	{ "DELETE", "/v1/users/*/mfa", h_user_mfa_remove, A_ADMIN },
	{ "POST", "/v1/users/*/keys", h_user_key_add, A_ADMIN },
	{ "GET", "/v1/users/*/keys", h_user_key_list, A_ANY },
	{ "DELETE", "/v1/users/*/keys/*", h_user_key_remove, A_ADMIN },

	{ "POST", "/v1/groups", h_group_create, A_ADMIN },
	{ "GET", "/v1/groups", h_group_list, A_ADMIN },
	{ "GET", "/v1/groups/*", h_group_get, A_ADMIN },
	{ "POST", "/v1/groups/*/members", h_group_member_add, A_ADMIN },
	{ "DELETE", "/v1/groups/*/members/*", h_group_member_remove, A_ADMIN },

	{ "POST", "/v1/hosts", h_host_enroll, A_ADMIN },
	{ "GET", "/v1/hosts", h_host_list, A_ADMIN },
	{ "GET", "/v1/hosts/*", h_host_get, A_ADMIN },
	{ "POST", "/v1/hosts/*/credential", h_host_rotate, A_ADMIN },
	{ "POST", "/v1/hosts/*/access", h_host_allow, A_ADMIN },
	{ "DELETE", "/v1/hosts/*/access/*", h_host_disallow, A_ADMIN },

	{ "POST", "/v1/roles", h_role_create, A_ADMIN },
	{ "GET", "/v1/roles", h_role_list, A_ADMIN | A_USER },
	{ "GET", "/v1/roles/*", h_role_get, A_ADMIN | A_USER | A_HOST },
	{ "POST", "/v1/roles/*/eligible", h_role_eligible_add, A_ADMIN },
	{ "DELETE", "/v1/roles/*/eligible/*/*", h_role_eligible_remove, A_ADMIN },

	{ "POST", "/v1/requests", h_request_create, A_USER | A_HOST },
	{ "GET", "/v1/requests", h_request_list, A_ADMIN | A_USER },
	{ "GET", "/v1/requests/*", h_request_get, A_ADMIN | A_USER },
	{ "POST", "/v1/requests/*/approve", h_request_approve, A_ADMIN | A_USER },
	{ "POST", "/v1/requests/*/deny", h_request_deny, A_ADMIN | A_USER },
	{ "POST", "/v1/requests/*/revoke", h_request_revoke, A_ADMIN | A_USER },
	{ "POST", "/v1/requests/*/cancel", h_request_cancel, A_USER },
	{ "POST", "/v1/requests/*/extend", h_request_extend, A_USER },

	{ "POST", "/v1/decide/account", h_decide_account, A_HOST },
	{ "POST", "/v1/decide/grant", h_decide_grant, A_HOST },
	{ "GET", "/v1/snapshot", h_snapshot, A_HOST },

	{ "POST", "/v1/vault/escrow", h_vault_escrow, A_HOST },
	{ "POST", "/v1/vault/confirm", h_vault_confirm, A_HOST },
	{ "POST", "/v1/vault/abandon", h_vault_abandon, A_HOST },
	{ "POST", "/v1/vault/checkout", h_vault_checkout, A_USER },
	{ "POST", "/v1/vault/checkin", h_vault_checkin, A_USER },
	{ "GET", "/v1/vault/due", h_vault_due, A_HOST },
	{ "POST", "/v1/vault/use", h_vault_use, A_HOST },
	{ "GET", "/v1/vault/*", h_vault_history, A_ADMIN },

	{ "POST", "/v1/audit/events", h_audit_ingest, A_HOST },
	{ "GET", "/v1/audit", h_audit_list, A_ADMIN },
	{ "GET", "/v1/audit/head", h_audit_head, A_ADMIN },
};

/* Matches path against pattern, copying '*' segments into r->param_buf.
 * Empty segments never match. */
static int match(const char *pattern, const char *path, struct req *r)
{
	size_t used = 0;
	int n = 0;

	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t len = strcspn(path, "/");

			if (len == 0 || n == MAX_PARAMS || used + len + 1 > sizeof(r->param_buf))
				return 0;
			memcpy(r->param_buf + used, path, len);
			r->param_buf[used + len] = '\0';
			r->params[n++] = r->param_buf + used;
			used += len + 1;
			path += len;
			pattern++;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return *pattern == '\0' && *path == '\0';
}

static unsigned kind_bit(const struct principal *who)
{
	switch (who->kind) {
	case P_ADMIN: return A_ADMIN;
	case P_HOST: return A_HOST;
	case P_USER: return A_USER;
	default: return A_ANON;
	}
}

/* 0 with r->who set (P_NONE without a token), or -1 with a 401 reply. */
static int authenticate(struct req *r, const char *header, struct reply *out)
{
	char hash[IAM_SHA256_HEX_LEN + 1];
	struct iam_token t;
	int rc;

	memset(&r->who, 0, sizeof(r->who));
	snprintf(r->source, sizeof(r->source), "anonymous");
	if (!header)
		return 0;
	if (strncmp(header, "Bearer ", 7) != 0 || iam_token_parse(header + 7, &t) < 0 ||
	    t.kind == IAM_TOKEN_CHALLENGE) {
		reply_error(out, 401, "unauthenticated", "The Authorization header does not hold "
			    "a valid token.");
		return -1;
	}
	iam_token_hash(&t, hash);
	rc = store_authenticate(r->st, (char)t.kind, t.id, hash, r->now, &r->who);
	iam_wipe(&t, sizeof(t));
	if (rc == ST_NOTFOUND) {
		reply_error(out, 401, "unauthenticated", "The token is unknown, expired or revoked.");
		return -1;
	}
	if (rc != ST_OK) {
		reply_store_error(out, rc, "token", "-");
		return -1;
	}
	if (r->who.kind == P_HOST)
		store_host_seen(r->st, r->who.id, r->who.last_seen, r->now);
	store_source(&r->who, r->source, sizeof(r->source));
	return 0;
}

static void dispatch(struct req *r, const struct route *rt, struct reply *out)
{
	unsigned bit = kind_bit(&r->who);

	if (!(rt->allow & bit)) {
		if (bit == A_ANON)
			reply_error(out, 401, "unauthenticated", "This request needs a token.");
		else
			reply_error(out, 403, "forbidden", "A %s token may not do this.",
				    r->who.kind == P_ADMIN ? "admin" :
				    r->who.kind == P_HOST ? "host" : "user");
		return;
	}
	rt->fn(r, out);
}

void route_request(struct req *r, struct reply *out)
{
	const char *auth;
	int path_known = 0;
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].pattern, r->path, r))
			continue;
		path_known = 1;
		if (strcmp(routes[i].method, r->method) != 0)
			continue;
		auth = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
		if (authenticate(r, auth, out) == 0)
			dispatch(r, &routes[i], out);
		return;
	}
	if (path_known)
		reply_error(out, 405, "method_not_allowed", "%s is not allowed on %.128s.",
			    r->method, r->path);
	else
		reply_error(out, 404, "not_found", "No such endpoint: %.128s.", r->path);
}

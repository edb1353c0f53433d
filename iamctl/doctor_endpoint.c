/*
 * The doctor's look at the endpoint from this host, with the host's own
 * TLS settings: reachable, the certificate and pin accepted, the clock in
 * step, the host credential accepted, a snapshot whose signature verifies
 * with snapshot_pubkey, and a cache that is not behind it.
 */
#include "config.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "api_client.h"
#include "doctor.h"
#include "json.h"
#include "parse.h"
#include "sign.h"

/* Within this, the clock is fine; beyond CLOCK_BAD TOTP codes (30 s
 * steps, one step of slack) and grant windows go wrong. */
#define CLOCK_GOOD 5
#define CLOCK_BAD 60

struct health {
	char *status, *version;
	int64_t serial, time;
};

struct whoami {
	char *kind, *name;
};

struct envelope {
	int64_t serial;
	char *payload, *signature;
};

#define F(type, name, kind, member, max)                                              \
	{ name, kind, offsetof(struct type, member), IAM_JF_REQUIRED, max, 0, 0 }

static const struct iam_json_field health_fields[] = {
	F(health, "status", IAM_J_STRING, status, 64),
	F(health, "version", IAM_J_STRING, version, 64),
	F(health, "serial", IAM_J_INT64, serial, 0),
	F(health, "time", IAM_J_INT64, time, 0),
};
static const struct iam_json_field whoami_fields[] = {
	F(whoami, "kind", IAM_J_STRING, kind, 16),
	F(whoami, "name", IAM_J_STRING, name, 256),
};
static const struct iam_json_field envelope_fields[] = {
	F(envelope, "serial", IAM_J_INT64, serial, 0),
	F(envelope, "payload", IAM_J_STRING, payload, 256u << 20),
	F(envelope, "signature", IAM_J_STRING, signature, 256),
};

/* What to do about a request that failed before any answer. */
static const char *transport_fix(int r, const char *msg)
{
	if (strstr(msg, "pinned"))
		return "pinned_pubkey must be the hash of the endpoint's public key (iam.conf(5))";
	if (strstr(msg, "TLS") || strstr(msg, "certificate"))
		return "ca_file must hold the CA of the endpoint's certificate; check this clock too";
	if (r == -ETIMEDOUT)
		return "check the network path and firewalls to the endpoint";
	if (r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ENETUNREACH)
		return "check that iam-policyd runs there and that endpoint = names it";
	return "check endpoint = and the endpoint's log";
}

/* GET path into fields; a finding and -1 when it failed. */
static int get(struct doctor *d, struct iam_api *api, const char *check, const char *path,
	       const struct iam_json_field *fields, size_t n, void *dst)
{
	struct iam_api_error aerr = { 0 };
	struct iam_err err = { "" };
	struct json_object *obj = NULL;
	int r = iam_api_call(api, "GET", path, NULL, &obj, &aerr, &err);

	if (r == IAM_API_REFUSED && (aerr.status == 401 || aerr.status == 403)) {
		dr_fail(d, check, "re-enroll the host (iamctl host enroll NAME --output FILE, as an "
			"admin), install the file, restart iamd", "the endpoint refuses the host "
			"credential: %s", err.msg);
		return -1;
	}
	if (r == 0)
		r = iam_json_map(obj, fields, n, 0, dst, &err);
	json_object_put(obj);
	if (r < 0) {
		dr_fail(d, check, r == -EINVAL || r == -EBADMSG ? "is endpoint = an iam-policyd?"
			: transport_fix(r, err.msg), "%s", err.msg);
		return -1;
	}
	return 0;
}

static void check_clock(struct doctor *d, long long skew)
{
	char t[32];
	long long a = skew < 0 ? -skew : skew;

	iam_format_duration(a, t, sizeof(t));
	if (a <= CLOCK_GOOD)
		dr_ok(d, "clock", "within %ds of the endpoint's", CLOCK_GOOD);
	else if (a <= CLOCK_BAD)
		dr_warn(d, "clock", "keep both in step with NTP (timedatectl set-ntp true)",
			"the endpoint is %s %s this host", t, skew > 0 ? "ahead of" : "behind");
	else
		dr_fail(d, "clock", "set this host's clock and run NTP (timedatectl set-ntp true)",
			"the endpoint is %s %s this host: TOTP codes, grant windows and expiries "
			"go wrong", t, skew > 0 ? "ahead of" : "behind");
}

static int check_health(struct doctor *d, struct iam_api *api)
{
	struct health h = { 0 };
	time_t before = time(NULL);

	if (get(d, api, "endpoint", "/v1/health", health_fields, 4, &h) < 0)
		return -1;
	dr_ok(d, "endpoint", "%s answers: %s, version %s, TLS as configured", d->cfg.endpoint,
	      h.status, h.version);
	d->endpoint_serial = h.serial;
	check_clock(d, (long long)h.time - ((long long)before + (long long)time(NULL)) / 2);
	iam_json_map_free(health_fields, 4, &h);
	return 0;
}

static int check_whoami(struct doctor *d, struct iam_api *api)
{
	struct whoami w = { 0 };
	int r = 0;

	if (get(d, api, "enrolment", "/v1/whoami", whoami_fields, 2, &w) < 0)
		return -1;
	/* required fields: mapped strings are never NULL after success */
	if (!w.kind || !w.name || strcmp(w.kind, "host") != 0) {
		dr_fail(d, "enrolment", "host_credential_file must hold a host credential",
			"the credential is a %s token, not a host's", w.kind ? w.kind : "?");
		r = -1;
	} else {
		dr_ok(d, "enrolment", "the endpoint knows this host as %s", w.name);
	}
	iam_json_map_free(whoami_fields, 2, &w);
	return r;
}

static void check_snapshot(struct doctor *d, struct iam_api *api)
{
	struct envelope e = { 0 };
	struct iam_err err = { "" };
	EVP_PKEY *pub = NULL;
	int r;

	if (get(d, api, "snapshot", "/v1/snapshot?since=0&wait=0", envelope_fields, 3, &e) < 0)
		return;
	r = e.payload && e.signature ? iam_sign_pubkey_from_b64(d->cfg.snapshot_pubkey, &pub, &err)
				     : -EINVAL;
	if (r == 0)
		r = iam_verify(pub, e.payload, strlen(e.payload), e.signature, &err);
	EVP_PKEY_free(pub);
	if (r < 0)
		dr_fail(d, "snapshot", "snapshot_pubkey must be the endpoint's signing.pub (was the "
			"signing key rotated?)", "serial %lld does not verify: %s",
			(long long)e.serial, err.msg);
	else
		dr_ok(d, "snapshot", "serial %lld, signature verifies with snapshot_pubkey",
		      (long long)e.serial);
	if (r == 0 && d->cache_serial >= 0 && d->cache_serial < e.serial)
		dr_warn(d, "cache", "check that iamd runs (systemctl status iamd) and its log",
			"the cache (serial %lld) is behind the endpoint (serial %lld)",
			(long long)d->cache_serial, (long long)e.serial);
	iam_json_map_free(envelope_fields, 3, &e);
}

void doctor_endpoint(struct doctor *d)
{
	struct iam_http_config hc;
	struct iam_err err = { "" };
	struct iam_api *api;

	if (!d->cfg_ok)
		return;
	iam_host_http_config(&d->cfg, &hc);
	api = iam_api_new(&hc, NULL, &err);
	if (!api) {
		dr_fail(d, "endpoint", "check endpoint, ca_file and pinned_pubkey", "%s", err.msg);
		return;
	}
	if (check_health(d, api) == 0 && d->token && iam_api_set_token(api, d->token) == 0 &&
	    check_whoami(d, api) == 0 && d->cfg.snapshot_pubkey)
		check_snapshot(d, api);
	iam_api_free(api);
}

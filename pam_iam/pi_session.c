/*
 * Sessions are audit events: session.open and session.close with the user,
 * service, tty, origin and a session id that ties the two (and pam_jit's
 * elevations) together. Every session is reported, the host's own users'
 * too: who had root and when is the question auditors ask. An event is
 * spooled (fsync'd) before it is sent, so a dead endpoint costs at most one
 * `timeout` and loses nothing; iamd delivers what is left. A failure to
 * record never fails the session (that would lock root out when /var is
 * full): it is logged at LOG_CRIT instead.
 */
#include "config.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <unistd.h>

#include "audit_event.h"
#include "json.h"
#include "login_record.h"
#include "pi_auth.h"
#include "proc.h"
#include "secmem.h"

#define SESSION_ENV "IAM_SESSION_ID"

#define SESSION_DATA "pam_iam_session"

static int new_session_id(struct pi *pi, char out[33])
{
	unsigned char raw[16];
	size_t i;

	if (iam_random_bytes(raw, sizeof(raw)) < 0)
		return -1;
	for (i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	(void)pi;
	return 0;
}

/* The id open_session chose, as PAM data or, when another process runs the
 * close (some callers do), from the PAM environment. */
static const char *session_id(struct pi *pi)
{
	const char *v = pi_data_get(pi, SESSION_DATA);

	return v ? v : pam_getenv(pi->pamh, SESSION_ENV);
}

static void report(struct pi *pi, const char *type, const char *sid)
{
	struct json_object *data = json_object_new_object(), *ev = NULL;
	struct iam_err err = { "" };
	int delivered = 0;

	if (data) {
		iam_json_add_str(data, "service", pi->service);
		iam_json_add_str(data, "origin", pi->rhost);
		iam_json_add_str(data, "tty", pi->tty);
		iam_json_add_str(data, "session_id", sid);
		/* a break-glass login with a checked-out password: whose */
		iam_json_add_str(data, "vault_holders", pi_vault_holders(pi));
	}
	if (iam_event_new(type, pi->user, time(NULL), data, &ev, &err) < 0 ||
	    iam_event_report(pi_api(pi), pi->cfg.spool_dir, pi->cfg.spool_max, ev, &delivered,
			     &err) < 0)
		pi_log(pi, LOG_CRIT, "audit_lost", "type", type, "session_id", sid, "error",
		       err.msg, NULL);
	else
		pi_log(pi, LOG_INFO, type, "session_id", sid, "audit",
		       delivered ? "delivered" : "spooled", NULL);
	json_object_put(ev);
}

/* Services that change the user inside a session rather than start one. */
static int elevation_service(const char *service)
{
	static const char *const names[] = { "sudo", "sudo-i", "su", "su-l", "runuser",
					      "runuser-l", NULL };
	size_t i;

	for (i = 0; service && names[i]; i++)
		if (strcmp(service, names[i]) == 0)
			return 1;
	return 0;
}

/*
 * The origin of a login session for pam_jit (login_record.h), recorded
 * only where a login starts: not for sudo or su (the PAM_RHOST sudo sets
 * is the local host, not where the user came from), and not below another
 * recorded session, which keeps its own origin.
 */
static void record_origin(struct pi *pi, const char *sid)
{
	struct iam_login_record r = { 0 };
	struct iam_proc_stat st;
	struct iam_err err = { "" };

	if (elevation_service(pi->service) || iam_proc_stat(getpid(), &st) < 0)
		return;
	if (iam_login_record_find(pi->cfg.session_dir, st.ppid, &r, &err) == 0)
		return;
	memset(&r, 0, sizeof(r));
	r.pid = st.pid;
	r.start = st.start;
	snprintf(r.user, sizeof(r.user), "%s", pi->user);
	snprintf(r.service, sizeof(r.service), "%s", pi->service ? pi->service : "-");
	snprintf(r.origin, sizeof(r.origin), "%s", pi->rhost ? pi->rhost : "");
	snprintf(r.session, sizeof(r.session), "%s", sid);
	if (iam_login_record_write(pi->cfg.session_dir, &r, &err) < 0)
		pi_log(pi, LOG_ERR, "session_record", "error", err.msg, NULL);
}

static void forget_origin(struct pi *pi)
{
	struct iam_login_record r;
	struct iam_proc_stat st;
	struct iam_err err = { "" };

	if (iam_proc_stat(getpid(), &st) < 0 ||
	    iam_login_record_read(pi->cfg.session_dir, st.pid, &r, &err) < 0 ||
	    r.start != st.start)
		return;
	if (iam_login_record_remove(pi->cfg.session_dir, st.pid, &err) < 0)
		pi_log(pi, LOG_ERR, "session_record", "error", err.msg, NULL);
}

static int open_session(struct pi *pi)
{
	char sid[33], env[64];

	if (new_session_id(pi, sid) < 0)
		return PAM_SESSION_ERR;
	if (pi_data_set(pi, SESSION_DATA, sid) != PAM_SUCCESS)
		return PAM_BUF_ERR;
	snprintf(env, sizeof(env), SESSION_ENV "=%s", sid);
	if (pam_putenv(pi->pamh, env) != PAM_SUCCESS)
		pi_log(pi, LOG_WARNING, "session", "error", "cannot set " SESSION_ENV, NULL);
	report(pi, "session.open", sid);
	record_origin(pi, sid);
	return PAM_SUCCESS;
}

int pi_session(struct pi *pi, int open)
{
	const char *sid;

	if (open)
		return open_session(pi);
	sid = session_id(pi);
	report(pi, "session.close", sid ? sid : "unknown");
	forget_origin(pi);
	return PAM_SUCCESS;
}

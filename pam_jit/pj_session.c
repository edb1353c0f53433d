/*
 * A session opened under a grant: the audit log learns which grant each
 * sudo session used (jit.session.open / jit.session.close, spooled before
 * they are sent), and jit_session_dir gets the record iamd needs to end the
 * session when the grant ends (jit_end_sessions, iamd(8)). The grant comes
 * from the account phase of the same PAM handle; its holder is the user
 * who ran sudo (sudo sets PAM_USER to the target user, root, before it
 * opens the session). A session is never refused here: the decision was
 * made before.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit_event.h"
#include "jit_session.h"
#include "json.h"
#include "pj.h"
#include "proc.h"

static void report(struct pi *pi, const char *type, const struct pj_grant *g)
{
	struct json_object *data = json_object_new_object(), *ev = NULL;
	struct iam_err err = { "" };
	char id[24];
	int delivered = 0;

	snprintf(id, sizeof(id), "%lld", (long long)g->id);
	if (data) {
		iam_json_add_str(data, "role", g->role);
		iam_json_add_int(data, "grant", g->id);
		iam_json_add_int(data, "not_after", g->not_after);
		iam_json_add_bool(data, "offline", g->offline);
		iam_json_add_str(data, "runas", pi->user);
		iam_json_add_str(data, "service", pi->service);
		iam_json_add_str(data, "tty", pi->tty);
		iam_json_add_str(data, "origin", g->origin[0] ? g->origin : NULL);
		iam_json_add_int(data, "pid", (int64_t)getpid());
	}
	if (iam_event_new(type, g->user, time(NULL), data, &ev, &err) < 0 ||
	    iam_event_report(pi_api(pi), pi->cfg.spool_dir, pi->cfg.spool_max, ev, &delivered,
			     &err) < 0)
		pi_log(pi, LOG_CRIT, "audit_lost", "type", type, "grant", id, "error", err.msg,
		       NULL);
	else
		pi_log(pi, LOG_INFO, type, "role", g->role, "grant", id, "audit",
		       delivered ? "delivered" : "spooled", NULL);
	json_object_put(ev);
}

static void record(struct pi *pi, const struct pj_grant *g)
{
	struct iam_jit_session s;
	struct iam_proc_stat st;
	struct iam_err err = { "" };

	if (iam_proc_stat(getpid(), &st) < 0)
		return;
	memset(&s, 0, sizeof(s));
	s.pid = st.pid;
	s.start = st.start;
	snprintf(s.user, sizeof(s.user), "%s", g->user);
	snprintf(s.role, sizeof(s.role), "%s", g->role);
	snprintf(s.group, sizeof(s.group), "%s", g->group[0] ? g->group : g->role);
	s.grant = g->id;
	s.not_after = g->not_after;
	if (iam_jit_session_record(pi->cfg.jit_session_dir, &s, &err) < 0)
		pi_log(pi, LOG_ERR, "jit_session_record", "error", err.msg, NULL);
}

int pj_session(struct pi *pi, int open)
{
	const void *v = NULL;
	const struct pj_grant *g;
	struct iam_err err = { "" };

	if (pam_get_item(pi->pamh, PAM_USER, &v) == PAM_SUCCESS && v)
		pi->user = v; /* for the log: the target user */
	v = NULL;
	if (pam_get_data(pi->pamh, PJ_GRANT_DATA, &v) != PAM_SUCCESS || !v) {
		pi_log(pi, LOG_DEBUG, "jit_session", "grant", "none in this handle", NULL);
		return PAM_IGNORE;
	}
	g = v;
	report(pi, open ? "jit.session.open" : "jit.session.close", g);
	if (open)
		record(pi, g);
	else if (iam_jit_session_forget(pi->cfg.jit_session_dir, getpid(), &err) < 0)
		pi_log(pi, LOG_ERR, "jit_session_record", "error", err.msg, NULL);
	return PAM_SUCCESS;
}

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "decide.h"
#include "timewin.h"

const char *request_state(const struct request_row *r, time_t now)
{
	if (strcmp(r->state, "pending") == 0)
		return now >= r->expires_at ? "expired" : "pending";
	if (strcmp(r->state, "approved") == 0) {
		if (now >= r->not_after)
			return "expired";
		return now >= r->not_before ? "active" : "approved";
	}
	return r->state;
}

static const char *check_decider(const struct request_row *r,
				 const struct actor_facts *a, time_t now)
{
	const char *state = request_state(r, now);

	if (!a->is_admin) {
		if (a->is_requester)
			return "self_approval";
		if (!a->is_approver)
			return "not_approver";
	}
	if (strcmp(state, "expired") == 0 && strcmp(r->state, "pending") == 0)
		return "request_expired";
	if (strcmp(state, "pending") != 0)
		return "invalid_state";
	return NULL;
}

const char *decide_transition(enum request_action action, const struct request_row *r,
			      const struct actor_facts *a, time_t now)
{
	const char *state = request_state(r, now);

	switch (action) {
	case RQ_APPROVE:
	case RQ_DENY:
		return check_decider(r, a, now);
	case RQ_REVOKE:
		if (!a->is_admin && !a->is_approver && !a->is_requester)
			return "forbidden";
		return strcmp(state, r->extends ? "pending" : "active") == 0 ? NULL
									     : "invalid_state";
	case RQ_CANCEL:
		if (!a->is_requester)
			return "forbidden";
		return strcmp(state, "pending") == 0 ? NULL : "invalid_state";
	case RQ_EXTEND:
		if (!a->is_requester)
			return "forbidden";
		return !r->extends && strcmp(state, "active") == 0 ? NULL : "invalid_state";
	}
	return "invalid_state";
}

const char *decide_extension(const struct request_row *g, int64_t duration,
			     int64_t max_duration, time_t now, int64_t *not_after)
{
	int64_t from = g->not_after > (int64_t)now ? g->not_after : (int64_t)now;
	int64_t end = from + duration, cap = (int64_t)now + max_duration;

	if (strcmp(request_state(g, now), "active") != 0)
		return "grant_ended";
	if (end > cap)
		end = cap;
	if (end <= g->not_after)
		return "max_duration";
	*not_after = end;
	return NULL;
}

static void set(struct decision *d, int allow, const char *reason)
{
	d->allow = allow;
	d->reason = reason;
	d->message[0] = '\0';
}

void decide_account(const struct account_facts *f, struct decision *d)
{
	if (!f->found) {
		set(d, 0, "unknown_user");
		snprintf(d->message, sizeof(d->message), "Unknown user.");
	} else if (strcmp(f->state, "disabled") == 0) {
		set(d, 0, "disabled");
		snprintf(d->message, sizeof(d->message),
			 "Your account is disabled; contact your administrator.");
	} else if (strcmp(f->state, "active") != 0) {
		set(d, 0, "deprovisioned");
		snprintf(d->message, sizeof(d->message),
			 "Your account has been removed; contact your administrator.");
	} else if (!f->allowed_on_host) {
		set(d, 0, "host_not_allowed");
		snprintf(d->message, sizeof(d->message),
			 "You are not allowed to log in to this host; ask your "
			 "administrator for access.");
	} else {
		set(d, 1, "ok");
	}
}

static void utc_text(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, outsz, "%Y-%m-%d %H:%M UTC", &tm);
}

/* Whether a row is a grant (or a request for one) valid on the asking
 * host: an extension only moves its grant's end, and a grant scoped to
 * another host does not exist here. */
static int counts_here(const struct grant_input *in, const struct request_row *q)
{
	return !q->extends && (!q->host_id || q->host_id == in->host_id);
}

static const struct request_row *latest_here(const struct grant_input *in)
{
	int i;

	for (i = 0; i < in->nreqs; i++)
		if (counts_here(in, &in->reqs[i]))
			return &in->reqs[i];
	return NULL;
}

/* The most telling reason when no grant is active now. */
static void explain_no_grant(const struct grant_input *in, struct decision *d)
{
	const struct request_row *last = latest_here(in);
	const char *state = last ? request_state(last, in->now) : "none";
	const char *role = in->role->name;
	char when[40];

	if (strcmp(state, "pending") == 0) {
		set(d, 0, "pending_approval");
		snprintf(d->message, sizeof(d->message),
			 "Your request %lld for role %s is waiting for approval by a "
			 "member of %s.", (long long)last->id, role, in->role->approvers);
	} else if (strcmp(state, "revoked") == 0) {
		set(d, 0, "revoked");
		snprintf(d->message, sizeof(d->message),
			 "Your grant %lld for role %s was revoked by %.64s (%.128s). Request a new "
			 "one: iamctl elevate %s --for 1h --reason '...'", (long long)last->id,
			 role, last->ended_by, last->end_reason, role);
	} else if (strcmp(state, "expired") == 0 && strcmp(last->state, "approved") == 0) {
		utc_text(last->not_after, when, sizeof(when));
		set(d, 0, "expired");
		snprintf(d->message, sizeof(d->message),
			 "Your grant %lld for role %s ended at %s. Request a new one: "
			 "iamctl elevate %s --for 1h --reason '...'", (long long)last->id,
			 role, when, role);
	} else {
		set(d, 0, "no_grant");
		snprintf(d->message, sizeof(d->message),
			 "No active grant for role %s on this host. Request one: "
			 "iamctl elevate %s --for 1h --reason '...'", role, role);
	}
}

static int check_window(const struct grant_input *in, struct decision *d)
{
	const struct role_row *role = in->role;
	struct iam_window w;

	if (!role->window[0])
		return 1;
	if (!in->tz || iam_window_parse(role->window, role->days, &w, NULL) < 0 ||
	    iam_window_contains(&w, in->tz, in->now) != 1) {
		set(d, 0, "outside_window");
		snprintf(d->message, sizeof(d->message),
			 "Role %s may only be used %s on %s (%s time).", role->name,
			 role->window, role->days[0] && strcmp(role->days, "*") != 0 ? role->days
										   : "every day",
			 role->tz);
		return 0;
	}
	return 1;
}

static int check_origin(const struct grant_input *in, struct decision *d)
{
	const struct role_row *role = in->role;
	struct iam_cidr *nets = NULL;
	size_t n = 0;
	int match;

	if (!role->networks[0])
		return 1;
	if (!in->origin || !in->origin[0]) {
		set(d, 0, "origin_unknown");
		snprintf(d->message, sizeof(d->message),
			 "Role %s may only be used from %.200s, and the origin of your "
			 "session is not known.", role->name, role->networks);
		return 0;
	}
	match = iam_cidr_list_parse(role->networks, &nets, &n, NULL) == 0 &&
		iam_cidr_list_match(nets, n, in->origin) == 1;
	free(nets);
	if (!match) {
		set(d, 0, "origin_not_allowed");
		snprintf(d->message, sizeof(d->message),
			 "Role %s may only be used from %.200s; your session comes from %.64s.",
			 role->name, role->networks, in->origin);
	}
	return match;
}

static const struct request_row *active_grant(const struct grant_input *in)
{
	int i;

	for (i = 0; i < in->nreqs; i++)
		if (counts_here(in, &in->reqs[i]) &&
		    strcmp(request_state(&in->reqs[i], in->now), "active") == 0)
			return &in->reqs[i];
	return NULL;
}

void decide_grant(const struct grant_input *in, struct decision *d,
		  const struct request_row **grant)
{
	const struct request_row *g;
	char when[40];

	*grant = NULL;
	if (!in->role) {
		set(d, 0, "unknown_role");
		snprintf(d->message, sizeof(d->message), "There is no role %.64s.",
			 in->role_name);
		return;
	}
	if (!in->user) {
		set(d, 0, "unknown_user");
		snprintf(d->message, sizeof(d->message), "Unknown user.");
		return;
	}
	if (strcmp(in->user->state, "active") != 0) {
		set(d, 0, "user_inactive");
		snprintf(d->message, sizeof(d->message),
			 "Your account is %s; contact your administrator.", in->user->state);
		return;
	}
	g = active_grant(in);
	if (!g) {
		explain_no_grant(in, d);
		return;
	}
	*grant = g;
	if (!check_window(in, d) || !check_origin(in, d))
		return;
	if (in->role->mfa && !g->mfa) {
		set(d, 0, "mfa_missing");
		snprintf(d->message, sizeof(d->message),
			 "Role %s needs MFA at activation and grant %lld was activated "
			 "without it. Request a new one: iamctl elevate %s --for 1h "
			 "--reason '...'", in->role->name, (long long)g->id, in->role->name);
		return;
	}
	utc_text(g->not_after, when, sizeof(when));
	set(d, 1, "ok");
	snprintf(d->message, sizeof(d->message), "Grant %lld for role %s is active until %s.",
		 (long long)g->id, in->role->name, when);
}

int decide_locked(int64_t until, time_t now)
{
	return until > (int64_t)now;
}

/* Characters, not bytes: "\xc3\xa9" is one character, as the user sees it.
 * Only UTF-8 continuation bytes (10xxxxxx) do not start one. */
static size_t utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

enum { CLASS_LOWER = 1, CLASS_UPPER = 2, CLASS_DIGIT = 4, CLASS_OTHER = 8 };

/* How many of lower, upper, digit and other (anything else, spaces and
 * non-ASCII letters included) the password uses. */
static int class_count(const char *s)
{
	unsigned seen = 0;
	int n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 'a' && c <= 'z')
			seen |= CLASS_LOWER;
		else if (c >= 'A' && c <= 'Z')
			seen |= CLASS_UPPER;
		else if (c >= '0' && c <= '9')
			seen |= CLASS_DIGIT;
		else
			seen |= CLASS_OTHER;
	}
	for (; seen; seen >>= 1)
		n += (int)(seen & 1u);
	return n;
}

/* The user's name anywhere in the password, in any case (the server runs
 * in the C locale: ASCII case). Names shorter than 3 characters are not
 * looked for: a user "al" could otherwise never use "always". */
static int contains_name(const char *password, const char *user)
{
	return strlen(user) >= 3 && strcasestr(password, user) != NULL;
}

const char *decide_password(const struct password_policy *p, const char *user,
			    const char *old_password, const char *new_password,
			    char *msg, size_t msgsz)
{
	size_t chars = utf8_length(new_password);

	if (chars < (size_t)p->min_length) {
		snprintf(msg, msgsz, "The new password is too short: it needs at least %lld "
			 "characters.", p->min_length);
		return "too_short";
	}
	if (strlen(new_password) > PASSWORD_MAX_BYTES) {
		snprintf(msg, msgsz, "The new password is too long: at most %d bytes.",
			 PASSWORD_MAX_BYTES);
		return "too_long";
	}
	if (strcmp(new_password, old_password) == 0) {
		snprintf(msg, msgsz, "The new password must differ from the current one.");
		return "same_as_old";
	}
	if (contains_name(new_password, user)) {
		snprintf(msg, msgsz, "The new password must not contain the user name.");
		return "contains_user";
	}
	if (class_count(new_password) < p->min_classes) {
		snprintf(msg, msgsz, "The new password must mix at least %lld of: lower-case "
			 "letters, upper-case letters, digits, other characters.", p->min_classes);
		return "too_few_classes";
	}
	return NULL;
}

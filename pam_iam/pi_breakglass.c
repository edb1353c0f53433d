/*
 * Break-glass: named emergency accounts in a liboath usersfile (one line
 * "HOTP/T30/6 NAME PIN SECRET_HEX" per account), admitted this way only
 * when the endpoint is unreachable or refuses this host (pi_vault.c),
 * with the PIN at the password prompt and a TOTP code after it. liboath records the last code used in the file, so a code
 * works once. Every use is a loud event: syslog LOG_ALERT and an audit
 * event the endpoint gets as soon as it is back.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <liboath/oath.h>

#include "audit_event.h"
#include "json.h"
#include "pi_offline.h"
#include "safe_file.h"
#include "secmem.h"

#define USERSFILE_MAX (1u << 20)
#define BREAKGLASS_WINDOW 1 /* one 30 s step either side, for clock drift */

static int line_names(const char *line, size_t len, const char *user)
{
	size_t ulen = strlen(user), i = 0, start;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len && line[i] == '#')
		return 0;
	while (i < len && line[i] != ' ' && line[i] != '\t') /* the type */
		i++;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	start = i;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	return i - start == ulen && memcmp(line + start, user, ulen) == 0;
}

int pi_breakglass_listed(struct pi *pi)
{
	struct iam_err err = { "" };
	char *text = NULL, *p, *nl;
	size_t len = 0;
	int found = 0;

	if (!pi->cfg.breakglass_file)
		return 0;
	if (iam_file_read(pi->cfg.breakglass_file, 0, USERSFILE_MAX, IAM_FILE_SECRET, &text,
			  &len, &err) < 0) {
		pi_log(pi, LOG_ERR, "breakglass", "error", err.msg, NULL);
		return 0;
	}
	for (p = text; !found && p < text + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			nl = text + len;
		found = line_names(p, (size_t)(nl - p), pi->user);
	}
	iam_free_secret(text);
	return found;
}

static void report_use(struct pi *pi)
{
	struct json_object *data = json_object_new_object(), *ev = NULL;
	struct iam_err err = { "" };

	if (data) {
		iam_json_add_str(data, "service", pi->service);
		iam_json_add_str(data, "origin", pi->rhost);
		iam_json_add_str(data, "tty", pi->tty);
	}
	/* spool only: the endpoint is unreachable, or refused this host */
	if (iam_event_new("breakglass.use", pi->user, time(NULL), data, &ev, &err) < 0 ||
	    iam_event_report(NULL, pi->cfg.spool_dir, pi->cfg.spool_max, ev, NULL, &err) < 0)
		pi_log(pi, LOG_ALERT, "audit_lost", "type", "breakglass.use", "error", err.msg,
		       NULL);
	json_object_put(ev);
}

static const char *oath_reason(int rc)
{
	switch (rc) {
	case OATH_REPLAYED_OTP:
		return "code already used";
	case OATH_BAD_PASSWORD:
		return "wrong PIN";
	case OATH_INVALID_OTP:
		return "wrong code";
	case OATH_UNKNOWN_USER:
		return "not in the usersfile";
	default:
		return oath_strerror(rc);
	}
}

int pi_breakglass_authenticate(struct pi *pi, const char *pin)
{
	static const char emergency[] = "emergency login with PIN and code (the endpoint "
					 "is unreachable or refuses this host)";
	char *code = NULL;
	time_t last = 0;
	int r, rc;

	r = pi_prompt(pi, 0, "Verification code: ", &code);
	if (r != PAM_SUCCESS)
		return r;
	rc = oath_init();
	if (rc == OATH_OK) {
		rc = oath_authenticate_usersfile(pi->cfg.breakglass_file, pi->user, code,
						 BREAKGLASS_WINDOW, pin, &last);
		oath_done();
	}
	iam_free_secret(code);
	if (rc < 0) {
		pi_log(pi, LOG_ALERT, "breakglass", "result", "failed", "reason",
		       oath_reason(rc), NULL);
		return PAM_AUTH_ERR;
	}
	pi_log(pi, LOG_ALERT, "breakglass", "result", "ok", "reason", emergency, NULL);
	report_use(pi);
	return PAM_SUCCESS;
}

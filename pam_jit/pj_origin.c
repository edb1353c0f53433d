/*
 * The origin of the session a call comes from, as root recorded it
 * (DESIGN.md rule 6), never from the environment the user controls:
 * - in sshd's own stack, PAM_RHOST: sshd sets it from the connection;
 * - elsewhere (sudo, su), the record pam_iam wrote when the login session
 *   began, found by walking up from this process to its nearest recorded
 *   ancestor (login_record.h);
 * - failing that, the utmp entry of PAM_TTY, when its host is an address.
 * sudo's own PAM_RHOST is the local host's name, so it is never used.
 * Nothing found: "" (unknown), which a role limited to networks denies.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <utmpx.h>

#include "cidr.h"
#include "login_record.h"
#include "pj.h"

static int is_address(const char *s)
{
	struct iam_addr a;

	return s && iam_addr_parse(s, &a) == 0;
}

/* utmp's host for the line of tty ("/dev/pts/3" or "pts/3"). */
static void from_utmp(const char *tty, char *out, size_t outsz)
{
	struct utmpx key, *u;
	char host[sizeof(key.ut_host) + 1];

	if (!tty)
		return;
	if (strncmp(tty, "/dev/", 5) == 0)
		tty += 5;
	memset(&key, 0, sizeof(key));
	snprintf(key.ut_line, sizeof(key.ut_line), "%s", tty);
	setutxent();
	u = getutxline(&key);
	if (u && u->ut_type == USER_PROCESS) {
		memcpy(host, u->ut_host, sizeof(u->ut_host));
		host[sizeof(u->ut_host)] = '\0';
		if (is_address(host))
			snprintf(out, outsz, "%s", host);
	}
	endutxent();
}

void pj_origin(struct pi *pi, char *out, size_t outsz)
{
	struct iam_login_record r;
	struct iam_err err = { "" };
	const char *how = "none";

	out[0] = '\0';
	if (pi->service && strcmp(pi->service, "sshd") == 0) {
		if (is_address(pi->rhost))
			snprintf(out, outsz, "%s", pi->rhost);
		how = "sshd";
	} else if (iam_login_record_find(pi->cfg.session_dir, getpid(), &r, &err) == 0) {
		if (is_address(r.origin))
			snprintf(out, outsz, "%s", r.origin);
		how = "login_record";
	} else {
		from_utmp(pi->tty, out, outsz);
		how = out[0] ? "utmp" : "none";
	}
	pi_log(pi, LOG_DEBUG, "jit_origin", "origin", out[0] ? out : "unknown", "from", how,
	       NULL);
}

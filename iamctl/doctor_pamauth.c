/*
 * The doctor's look at Debian's pam-auth-update, when the iam profile is
 * installed: is it enabled, and can pam-auth-update still manage the
 * common-* files? A common-auth edited by hand is the trap: pam-auth-update
 * then refuses to change it (or, forced, drops the edit), and an admin who
 * "enabled iam" finds pam_iam missing, or there twice.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"

/* pam-auth-update's own fixed paths (it takes no prefix). */
#define PAM_AUTH_UPDATE "/usr/sbin/pam-auth-update"
#define PROFILE "/usr/share/pam-configs/iam"
#define SAVED_AUTH "/var/lib/pam/auth"
#define COMMON_AUTH IAM_SYSCONFDIR "/pam.d/common-auth"
#define MANAGED_MARK "# here are the per-package modules (the \"Primary\" block)"

enum { NOT_FOUND, FOUND, UNREADABLE };

/* Whether a line of PATH starts with TEXT or, anywhere set, holds it
 * outside a comment line. */
static int file_line(const char *path, const char *text, int anywhere)
{
	char line[1024];
	int r = NOT_FOUND;
	FILE *f = fopen(path, "r");

	if (!f)
		return UNREADABLE;
	while (r == NOT_FOUND && fgets(line, sizeof(line), f)) {
		if (anywhere)
			r = line[0] != '#' && strstr(line, text) ? FOUND : NOT_FOUND;
		else
			r = strncmp(line, text, strlen(text)) == 0 ? FOUND : NOT_FOUND;
	}
	fclose(f);
	return r;
}

void doctor_pam_auth_update(struct doctor *d)
{
	int recorded, present;

	if (access(PAM_AUTH_UPDATE, X_OK) != 0 || access(PROFILE, R_OK) != 0)
		return; /* not Debian's way here, or the profile is not installed */
	if (file_line(COMMON_AUTH, MANAGED_MARK, 0) != FOUND) {
		dr_warn(d, "pam-auth-update",
			"merge the profile's lines by hand, or move the file aside and run "
			"pam-auth-update --force",
			COMMON_AUTH " has no pam-auth-update markers: pam-auth-update cannot change it");
		return;
	}
	recorded = file_line(SAVED_AUTH, "Module: iam", 0) == FOUND;
	present = file_line(COMMON_AUTH, "pam_iam.so", 1) == FOUND;
	if (recorded && present)
		dr_ok(d, "pam-auth-update", "profile iam enabled (common-auth, -account, -password, -session)");
	else if (recorded)
		dr_warn(d, "pam-auth-update", "pam-auth-update --force (it rewrites the common files)",
			"profile iam is enabled, but common-auth has no pam_iam.so: edited by hand");
	else if (present)
		dr_warn(d, "pam-auth-update",
			"pam-auth-update --enable iam, then remove the hand-written line",
			"pam_iam.so is in common-auth by hand, not through the profile: "
			"the next pam-auth-update run may drop it");
	else
		dr_ok(d, "pam-auth-update",
		      "profile iam installed, not enabled (pam-auth-update --enable iam uses it for every service)");
}

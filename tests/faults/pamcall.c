/*
 * One PAM call on a fresh handle, for tests/faults/faults.sh:
 *
 *   pamcall CONFDIR SERVICE USER auth|account [ANSWER...]
 *
 * libpam reads SERVICE from CONFDIR (pam_start_confdir); the prompts are
 * answered with the ANSWERs in order (none left: no answer). Prints the
 * return code's name and the milliseconds the call took, "PAM_SUCCESS 12";
 * exits 0 when it could make the call, 2 on a usage error. With
 * PAMCALL_IDENT set, what the modules send to syslog carries that tag (the
 * test tells the parts of a case apart by it).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_appl.h>

struct answers {
	char **v;
	int n, next;
};

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct answers *a = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (!r)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		int style = msg[i]->msg_style;

		if ((style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON) && a->next < a->n)
			r[i].resp = strdup(a->v[a->next++]);
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const char *code_name(int r)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ PAM_SUCCESS, "PAM_SUCCESS" },
		{ PAM_OPEN_ERR, "PAM_OPEN_ERR" },
		{ PAM_SYMBOL_ERR, "PAM_SYMBOL_ERR" },
		{ PAM_SERVICE_ERR, "PAM_SERVICE_ERR" },
		{ PAM_SYSTEM_ERR, "PAM_SYSTEM_ERR" },
		{ PAM_BUF_ERR, "PAM_BUF_ERR" },
		{ PAM_PERM_DENIED, "PAM_PERM_DENIED" },
		{ PAM_AUTH_ERR, "PAM_AUTH_ERR" },
		{ PAM_CRED_INSUFFICIENT, "PAM_CRED_INSUFFICIENT" },
		{ PAM_AUTHINFO_UNAVAIL, "PAM_AUTHINFO_UNAVAIL" },
		{ PAM_USER_UNKNOWN, "PAM_USER_UNKNOWN" },
		{ PAM_MAXTRIES, "PAM_MAXTRIES" },
		{ PAM_NEW_AUTHTOK_REQD, "PAM_NEW_AUTHTOK_REQD" },
		{ PAM_ACCT_EXPIRED, "PAM_ACCT_EXPIRED" },
		{ PAM_SESSION_ERR, "PAM_SESSION_ERR" },
		{ PAM_CONV_ERR, "PAM_CONV_ERR" },
		{ PAM_AUTHTOK_ERR, "PAM_AUTHTOK_ERR" },
		{ PAM_AUTHTOK_RECOVERY_ERR, "PAM_AUTHTOK_RECOVERY_ERR" },
		{ PAM_TRY_AGAIN, "PAM_TRY_AGAIN" },
		{ PAM_IGNORE, "PAM_IGNORE" },
		{ PAM_ABORT, "PAM_ABORT" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == r)
			return names[i].name;
	return "PAM_OTHER";
}

int main(int argc, char **argv)
{
	struct answers a = { argv + 5, argc - 5, 0 };
	struct pam_conv c = { conv, &a };
	pam_handle_t *pamh = NULL;
	struct timespec t0, t1;
	long ms;
	int r;

	if (argc < 5 || (strcmp(argv[4], "auth") != 0 && strcmp(argv[4], "account") != 0)) {
		fprintf(stderr, "usage: pamcall CONFDIR SERVICE USER auth|account [ANSWER...]\n");
		return 2;
	}
	if (getenv("PAMCALL_IDENT"))
		openlog(getenv("PAMCALL_IDENT"), LOG_PID, LOG_AUTHPRIV);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = pam_start_confdir(argv[2], argv[3], &c, argv[1], &pamh);
	if (r != PAM_SUCCESS) {
		printf("%s 0\n", code_name(r));
		return 1;
	}
	pam_set_item(pamh, PAM_RHOST, "10.8.1.2");
	pam_set_item(pamh, PAM_TTY, "ssh");
	r = strcmp(argv[4], "auth") == 0 ? pam_authenticate(pamh, 0) : pam_acct_mgmt(pamh, 0);
	pam_end(pamh, r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("%s %ld\n", code_name(r), ms);
	return 0;
}

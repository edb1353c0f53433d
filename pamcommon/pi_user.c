/* Which users are pam_iam's: the directory's, never the host's own. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "names.h"
#include "pi.h"
#include "safe_file.h"

#define PASSWD_MAX (64u << 20)

/* Whether a line of the passwd-format text starts with "name:". */
static int text_has_name(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *line = text;

	while (line && *line) {
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			return 1;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

static int in_local_files(struct pi *pi, const char *name)
{
	struct iam_err err = { "" };
	char *text = NULL;
	size_t len = 0;
	int r = iam_file_read(PI_LOCAL_PASSWD, 0, PASSWD_MAX, 0, &text, &len, &err);

	if (r < 0) {
		pi_log(pi, LOG_ERR, "local_files", "error", err.msg, NULL);
		return r;
	}
	r = text_has_name(text, name);
	free(text);
	return r;
}

/* A name another NSS source gives a uid outside the directory's range
 * (LDAP, sssd...) is that source's user, not ours. */
static int resolves_outside_range(struct pi *pi, const char *name)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return 0;
	return (long long)res->pw_uid < pi->cfg.id_min || (long long)res->pw_uid > pi->cfg.id_max;
}

int pi_local_user(struct pi *pi, const char *name)
{
	return in_local_files(pi, name);
}

int pi_managed(struct pi *pi, const char *name)
{
	int r;

	if (!iam_name_valid(name))
		return 0; /* the directory cannot have it: another source's */
	r = in_local_files(pi, name);

	if (r != 0)
		return r < 0 ? r : 0;
	return !resolves_outside_range(pi, name);
}

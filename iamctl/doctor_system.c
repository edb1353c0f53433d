/*
 * The doctor's look at what routes logins through the modules:
 * nsswitch.conf, the PAM stacks of sshd, login and sudo (followed through
 * @include, include and substack), and sshd's effective configuration
 * (sshd -T). The order matters as much as the presence: files before iam,
 * pam_iam before pam_unix with pam_unix kept, so that local accounts, root
 * on the console first, never depend on the endpoint.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor.h"

#define PAM_DIR IAM_SYSCONFDIR "/pam.d"
#define NSSWITCH IAM_SYSCONFDIR "/nsswitch.conf"
#define SSHD "/usr/sbin/sshd"
#define SSHD_EXAMPLE IAM_EXAMPLEDIR "/pam.d/sshd"

/* --- nsswitch.conf ------------------------------------------------------ */

/* The position of each source in a database's line, -1 when absent. */
static int nss_sources(const char *db, int *files, int *iam)
{
	char line[1024], *save = NULL, *tok;
	size_t n = strlen(db);
	FILE *f = fopen(NSSWITCH, "r");
	int pos = 0, found = 0;

	*files = *iam = -1;
	while (f && !found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#\n")] = '\0';
		if (strncmp(line, db, n) != 0 || line[n] != ':')
			continue;
		found = 1;
		for (tok = strtok_r(line + n + 1, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			if (tok[0] == '[')
				continue; /* an action, [NOTFOUND=return] */
			if (strcmp(tok, "files") == 0 && *files < 0)
				*files = pos;
			if (strcmp(tok, "iam") == 0 && *iam < 0)
				*iam = pos;
			pos++;
		}
	}
	if (f)
		fclose(f);
	return f ? 0 : -1;
}

static void check_nsswitch(struct doctor *d, const char *db)
{
	char fix[64];
	int files, iam;

	snprintf(fix, sizeof(fix), "make the line '%s: files iam'", db);
	if (nss_sources(db, &files, &iam) < 0)
		dr_fail(d, "nsswitch", "restore " NSSWITCH, "cannot read " NSSWITCH);
	else if (iam < 0)
		dr_fail(d, "nsswitch", fix, "%s: no iam: directory %s do not resolve", db,
			strcmp(db, "passwd") == 0 ? "users" : "groups");
	else if (files < 0 || files > iam)
		dr_fail(d, "nsswitch", fix, "%s: iam before files: local names must win", db);
	else
		dr_ok(d, "nsswitch", "%s: files, then iam", db);
}

/* --- PAM stacks ---------------------------------------------------------- */

#define STACK_MAX 64

struct stack {
	char mod[STACK_MAX][64]; /* module file names, in order */
	int n;
};

static void stack_add(struct stack *s, const char *path)
{
	const char *base = strrchr(path, '/');

	if (s->n < STACK_MAX)
		snprintf(s->mod[s->n++], sizeof(s->mod[0]), "%s", base ? base + 1 : path);
}

/* The modules of one type ("auth") of a service, includes followed. */
static int stack_read(const char *service, const char *type, struct stack *s, int depth)
{
	char path[512], line[1024], *save, *t, *ctl, *mod;
	FILE *f;

	if (depth > 4 || strchr(service, '/'))
		return -1;
	snprintf(path, sizeof(path), PAM_DIR "/%s", service);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#\n")] = '\0';
		save = NULL;
		t = strtok_r(line, " \t", &save);
		if (!t)
			continue;
		if (strcmp(t, "@include") == 0) {
			if ((t = strtok_r(NULL, " \t", &save)))
				stack_read(t, type, s, depth + 1);
			continue;
		}
		if (strcmp(t[0] == '-' ? t + 1 : t, type) != 0)
			continue;
		ctl = strtok_r(NULL, " \t", &save);
		if (ctl && ctl[0] == '[')
			while (ctl && !strchr(ctl, ']'))
				ctl = strtok_r(NULL, " \t", &save);
		mod = ctl ? strtok_r(NULL, " \t", &save) : NULL;
		if (!mod)
			continue;
		if (strcmp(ctl, "include") == 0 || strcmp(ctl, "substack") == 0)
			stack_read(mod, type, s, depth + 1);
		else
			stack_add(s, mod);
	}
	fclose(f);
	return 0;
}

static int stack_find(const struct stack *s, const char *mod)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->mod[i], mod) == 0)
			return i;
	return -1;
}

/* auth and account of a login service: pam_iam before pam_unix, pam_unix
 * kept. Without pam_iam, sshd is a finding; login (the console) is not:
 * keeping it to local accounts is a sound choice. */
static void check_login_stack(struct doctor *d, const char *service, const char *type)
{
	struct stack s = { .n = 0 };
	int iam, unx;

	if (stack_read(service, type, &s, 0) < 0)
		return; /* no such service here */
	iam = stack_find(&s, "pam_iam.so");
	unx = stack_find(&s, "pam_unix.so");
	if (iam < 0 && strcmp(service, "sshd") != 0)
		dr_ok(d, "pam", "%s %s: no pam_iam.so (local accounts only)", service, type);
	else if (iam < 0)
		dr_warn(d, "pam", "use the lines of " SSHD_EXAMPLE " (pam_iam(8))",
			"%s %s: no pam_iam.so: directory users are not %s here", service, type,
			strcmp(type, "auth") == 0 ? "authenticated" : "checked for this host");
	else if (unx < 0)
		dr_fail(d, "pam", "keep pam_unix.so after pam_iam.so", "%s %s: pam_iam.so without "
			"pam_unix.so: local accounts, root included, depend on the endpoint", service,
			type);
	else if (unx < iam)
		dr_fail(d, "pam", "move pam_iam.so above pam_unix.so (" SSHD_EXAMPLE ")",
			"%s %s: pam_unix.so comes before pam_iam.so", service, type);
	else
		dr_ok(d, "pam", "%s %s: pam_iam.so, then pam_unix.so", service, type);
}

static void check_pam(struct doctor *d)
{
	static const char *const services[] = { "sshd", "login" };
	struct stack s = { .n = 0 };
	size_t i;

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		check_login_stack(d, services[i], "auth");
		check_login_stack(d, services[i], "account");
	}
	if (stack_read("sshd", "session", &s, 0) == 0 && stack_find(&s, "pam_iam.so") < 0)
		dr_warn(d, "pam", "add 'session required pam_iam.so' (" SSHD_EXAMPLE ")",
			"sshd session: no pam_iam.so: SSH sessions are not audited");
	s.n = 0;
	if (stack_read("sudo", "account", &s, 0) == 0)
		dr_ok(d, "pam", "sudo account: %s", stack_find(&s, "pam_jit.so") >= 0
		      ? "pam_jit.so (elevation needs a grant)" : "no pam_jit.so (sudoers alone decides)");
}

/* --- sshd ---------------------------------------------------------------- */

struct sshd_settings {
	char keys_command[512];
	int usepam, kbdint;
};

/* Copies as much of src as fits. */
static void copy_cut(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* sshd -T: the effective configuration, one lower-case "key value" per
 * line; on failure, first_line holds what sshd said first. */
static int sshd_effective(struct sshd_settings *ss, char *first_line, size_t linesz)
{
	char line[1024];
	FILE *p = popen(SSHD " -T 2>&1", "r");
	int status;

	first_line[0] = '\0';
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (!first_line[0])
			copy_cut(first_line, linesz, line);
		if (strncmp(line, "authorizedkeyscommand ", 22) == 0)
			copy_cut(ss->keys_command, sizeof(ss->keys_command), line + 22);
		else if (strncmp(line, "usepam ", 7) == 0)
			ss->usepam = strcmp(line + 7, "yes") == 0;
		else if (strncmp(line, "kbdinteractiveauthentication ", 29) == 0)
			ss->kbdint = strcmp(line + 29, "yes") == 0;
	}
	status = pclose(p);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void check_sshd(struct doctor *d)
{
	struct sshd_settings ss = { "", 0, 0 };
	char error[256];

	if (access(SSHD, X_OK) != 0) {
		dr_ok(d, "sshd", "not installed");
		return;
	}
	if (sshd_effective(&ss, error, sizeof(error)) < 0) {
		dr_warn(d, "sshd", "run sshd -t to see what is wrong", "sshd -T failed%s%s",
			error[0] ? ": " : "", error);
		return;
	}
	if (!ss.usepam)
		dr_fail(d, "sshd", "set UsePAM yes in sshd_config",
			"UsePAM no: sshd never asks pam_iam");
	if (!ss.kbdint)
		dr_warn(d, "sshd", "set KbdInteractiveAuthentication yes",
			"keyboard-interactive is off: no password and TOTP prompts over SSH");
	if (!strstr(ss.keys_command, "iamd authorized-keys"))
		dr_warn(d, "sshd", "AuthorizedKeysCommand /usr/sbin/iamd authorized-keys %u and "
			"AuthorizedKeysCommandUser root (iamd(8))", "AuthorizedKeysCommand is %s: "
			"directory users' SSH keys are not used", ss.keys_command[0] ? ss.keys_command
			: "none");
	else if (ss.usepam && ss.kbdint)
		dr_ok(d, "sshd", "UsePAM, keyboard-interactive, AuthorizedKeysCommand %s",
		      ss.keys_command);
}

void doctor_system(struct doctor *d)
{
	check_nsswitch(d, "passwd");
	check_nsswitch(d, "group");
	check_pam(d);
	doctor_pam_auth_update(d);
	check_sshd(d);
}

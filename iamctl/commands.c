#include "config.h"

#include <string.h>

#include "commands.h"

static const struct cli_command_table *const all_tables[] = {
	&cli_session_commands, &cli_passwd_commands, &cli_user_commands, &cli_key_commands,
	&cli_mfa_commands, &cli_group_commands, &cli_host_commands, &cli_role_commands,
	&cli_request_commands, &cli_secret_commands, &cli_audit_commands, &cli_doctor_commands,
};

/* How many of the name's words argv starts with, if it starts with all of
 * them and argc allows; 0 otherwise. With `prefix`, a name longer than
 * argc still counts as matching the words argc has. */
static int leading_words(const char *name, int argc, char *const *argv, int prefix)
{
	const char *p = name;
	int i;

	for (i = 0; *p; i++) {
		size_t len = strcspn(p, " ");

		if (i == argc)
			return prefix ? i : 0;
		if (strlen(argv[i]) != len || strncmp(argv[i], p, len) != 0)
			return 0;
		p += len;
		p += *p == ' ';
	}
	return i;
}

const struct cli_command *cli_find_command(int argc, char *const *argv, int *words)
{
	const struct cli_command *best = NULL;
	size_t t, i;
	int n;

	*words = 0;
	for (t = 0; t < CLI_NELEM(all_tables); t++) {
		for (i = 0; i < all_tables[t]->n; i++) {
			n = leading_words(all_tables[t]->cmds[i].name, argc, argv, 0);
			if (n > *words) {
				*words = n;
				best = &all_tables[t]->cmds[i];
			}
		}
	}
	return best;
}

/* Calls fn for every command whose name starts with the words. */
static size_t each_in_group(int nwords, char *const *words,
			    void (*fn)(FILE *, const struct cli_command *), FILE *f)
{
	size_t t, i, count = 0;

	for (t = 0; t < CLI_NELEM(all_tables); t++) {
		for (i = 0; i < all_tables[t]->n; i++) {
			const struct cli_command *cmd = &all_tables[t]->cmds[i];

			if (nwords > 0 && leading_words(cmd->name, nwords, words, 1) != nwords)
				continue;
			count++;
			if (fn)
				fn(f, cmd);
		}
	}
	return count;
}

size_t cli_count_group(int nwords, char *const *words)
{
	return each_in_group(nwords, words, NULL, NULL);
}

static void list_entry(FILE *f, const struct cli_command *cmd)
{
	fprintf(f, "  %s%s%s\n      %s\n", cmd->name, *cmd->synopsis ? " " : "", cmd->synopsis,
		cmd->summary);
}

void help_group(FILE *f, int nwords, char *const *words)
{
	fprintf(f, "Commands:\n");
	each_in_group(nwords, words, list_entry, f);
}

void help_overview(FILE *f)
{
	fprintf(f, "Usage: iamctl [OPTIONS] COMMAND [ARGUMENTS]\n\n"
		"Manage users, groups, hosts and roles on the iam-policyd endpoint, request\n"
		"and approve elevation, and read and verify the audit log.\n\n");
	help_group(f, 0, NULL);
	fprintf(f, "\nOptions (before the command):\n"
		"      --endpoint URL           the endpoint, https://HOST:PORT\n"
		"      --ca-file PATH           trust only the CAs in this PEM file\n"
		"      --pin sha256//BASE64     also require this server public key\n"
		"      --admin-token-file PATH  the admin token for administrative commands\n"
		"      --user NAME              act as this directory user\n"
		"      --config PATH            read this file instead of the usual ones\n"
		"      --timeout DUR            whole-request timeout, e.g. 30s\n"
		"      --json                   print the endpoint's JSON answer\n"
		"  -q, --quiet                  print no confirmations\n"
		"      --password-stdin         read the login password from standard input\n"
		"      --code CODE              verification code for the login or elevation\n"
		"      --code-stdin             read verification codes from standard input\n"
		"  -h, --help                   show this help\n"
		"  -V, --version                show the version\n\n"
		"'iamctl help COMMAND' or 'iamctl COMMAND --help' explains a command.\n"
		"See iamctl(1) for configuration files, environment and exit statuses.\n");
}

static const char *acting_text(enum cli_acting acting)
{
	switch (acting) {
	case CLI_ACT_ADMIN:
		return "Acts as the administrator (the admin token).";
	case CLI_ACT_USER:
		return "Acts as a directory user (--user, IAM_USER, or your unix name).";
	case CLI_ACT_EITHER:
		return "Acts as the user named by --user or IAM_USER, else as the administrator\n"
		       "when an admin token file is configured, else as your unix user.";
	case CLI_ACT_SELF:
		return "Sends no token: the user's current password (and a verification code\n"
		       "when the endpoint asks for one) proves who is asking.";
	default:
		return "Needs no credentials.";
	}
}

void help_command(FILE *f, const struct cli_command *cmd)
{
	fprintf(f, "Usage: iamctl %s%s%s\n\n%s\n", cmd->name, *cmd->synopsis ? " " : "",
		cmd->synopsis, cmd->summary);
	fprintf(f, "\nOptions:\n%s      --help  show this help\n", cmd->help ? cmd->help : "");
	fprintf(f, "\n%s\n", acting_text(cmd->acting));
}

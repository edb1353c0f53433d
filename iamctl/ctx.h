/*
 * The state of one iamctl run: the resolved configuration, who the command
 * acts as, the API client, and the one error message main() prints.
 */
#ifndef IAMCTL_CTX_H
#define IAMCTL_CTX_H

#include <sys/types.h>

#include "api_client.h"
#include "iamctl.h"
#include "names.h"

#define IAMCTL_SYSTEM_CONFIG IAM_SYSCONFDIR "/iam/iamctl.conf"

/* Keys of iamctl.conf; every one can also come from the environment or an
 * option (see cli_config_resolve). */
struct cli_config {
	char *endpoint;
	char *ca_file;
	char *pinned_pubkey;
	char *admin_token_file;
	char *user;
	char *signing_pubkey;
	char *token_dir;
	long long connect_timeout_ms;
	long long timeout_ms;
};

/* Global options, as given on the command line (strings borrowed from argv,
 * except code, which is a copy wiped at the end). */
struct cli_options {
	const char *endpoint;
	const char *ca_file;
	const char *pinned_pubkey;
	const char *admin_token_file;
	const char *user;
	const char *config;
	const char *timeout;
	int json;
	int quiet;
	int password_stdin;
	int code_stdin;
	char *code;
};

struct cli_ctx {
	struct cli_config cfg;
	int json;             /* print the endpoint's JSON instead of prose */
	int quiet;            /* no confirmations or notes */
	int password_stdin;   /* the login password is the first stdin line */
	int code_stdin;       /* verification codes are the next stdin lines */
	char *code;           /* --code, a secret; consumed once */
	uid_t uid;

	enum cli_acting acting;          /* resolved: NONE, ADMIN, USER or SELF */
	char user[IAM_NAME_MAX + 1];     /* CLI_ACT_USER: whom we act as */
	struct iam_api *api;             /* created on first use */
	int authenticated;               /* the api carries the right token */
	int session_reused;              /* ... read from a session file */
	long long session_expires;

	struct iam_api_error aerr;       /* the endpoint's last refusal */
	char msg[1024];                  /* the error main() prints */
	int usage_hint;                  /* point at the command's help */
	char help_topic[64];             /* ... or at this group's */
};

void cli_ctx_init(struct cli_ctx *c);
void cli_ctx_free(struct cli_ctx *c);

/* Records the error main() prints as "iamctl: MESSAGE" and returns code. */
int cli_fail(struct cli_ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A usage error: also points at the command's help. */
int cli_usage(struct cli_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Defaults, then the system file, the user file (or --config/IAMCTL_CONFIG
 * instead of both), the environment, the options. Takes ownership of
 * o->code. */
int cli_config_resolve(struct cli_ctx *c, struct cli_options *o);

/* Decides whom the command acts as; no I/O beyond getpwuid. */
int cli_identity_resolve(struct cli_ctx *c, enum cli_acting wanted);

/* c->user: --user, IAM_USER or the user key, else the invoking unix user. */
int cli_resolve_user(struct cli_ctx *c);

/* $HOME, or the password database's home directory. */
int cli_home_dir(char *out, size_t outsz);

/* The API client without any token, created on first use. */
int cli_api(struct cli_ctx *c);

#endif

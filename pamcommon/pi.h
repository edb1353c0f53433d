/*
 * A PAM call's state, shared by pam_iam and pam_jit: the configuration
 * (iam.conf, then the module arguments through the same setter), the PAM
 * items the call is about, and a lazily made API client. Every entry point
 * opens one, does its job and closes it; nothing survives between calls but
 * PAM data.
 */
#ifndef PAMCOMMON_PI_H
#define PAMCOMMON_PI_H

#include <security/pam_modules.h>

#include "api_client.h"
#include "host_config.h"
#include "iam_buf.h"

struct pi;

/* What tells the modules apart: their own arguments, beyond config=PATH
 * and the iam.conf keys every module takes. */
struct pi_module {
	const char *name;                /* "pam_iam": the HTTP user agent */
	const struct iam_cfg_key *args;  /* fields of the module's args struct */
	size_t nargs;
	/* An argument the schema cannot express (a repeated role=NAME): 1
	 * taken, 0 not the hook's, negative (logged) when unusable. May be NULL. */
	int (*arg)(struct pi *pi, const char *arg);
};

struct pi {
	pam_handle_t *pamh;
	int flags;                 /* PAM_SILENT ... */
	const char *phase;         /* "auth", "account", ... for the log */
	const struct pi_module *mod;
	void *args;                /* the module's args struct (caller's memory) */
	char *config;              /* config=PATH */
	struct iam_host_config cfg;
	const char *user;          /* PAM_USER, validated (owned by PAM) */
	const char *service;       /* PAM_SERVICE or "-" */
	const char *rhost;         /* PAM_RHOST or NULL */
	const char *tty;           /* PAM_TTY or NULL */
	struct iam_api *api;       /* NULL until pi_api() */
};

/*
 * Reads the configuration and the items. Returns PAM_SUCCESS, or the code
 * to return from the entry point (already logged): PAM_SERVICE_ERR for an
 * unusable configuration (PAM_IGNORE instead when the user is one of the
 * host's own, who must never be locked out by it), PAM_BUF_ERR...
 */
int pi_open(struct pi *pi, const struct pi_module *mod, void *args, pam_handle_t *pamh,
	    int flags, int argc, const char **argv, const char *phase);
void pi_close(struct pi *pi);

/*
 * PAM_USER, asked for if needed, then validated. PAM_SUCCESS; PAM_IGNORE
 * for a user the directory does not manage (see pi_managed; pi->user is
 * set then, for callers with a use for local users); PAM_USER_UNKNOWN
 * for a name no account can have (control characters, ':', too long);
 * or the PAM error of pam_get_user.
 */
int pi_get_user(struct pi *pi);

/* The API client with the host credential; NULL (logged) when the
 * credential or the endpoint cannot be used, which callers treat like an
 * unreachable endpoint. */
struct iam_api *pi_api(struct pi *pi);

/* One log line to syslog (LOG_AUTHPRIV) through pam_syslog: event=EVENT,
 * the standard fields (user, service, rhost, tty), then the caller's
 * key, value pairs (strings; NULL values print as "-"), ended by NULL.
 * Every value is escaped, so none can forge a field or a line. LOG_DEBUG
 * lines appear only with debug. */
void pi_log_kv(struct pi *pi, int prio, const char *event, const char *const *kv);
/* pi_log(pi, prio, event, "key", value, ..., NULL): the pairs become an
 * array, so no NULL travels through a variadic call. */
#define pi_log(pi, prio, event, ...) \
	pi_log_kv((pi), (prio), (event), (const char *const[]){ __VA_ARGS__ })

/* What an admin does about a refusal that is a set-up fault (the host's
 * credential, a malformed request), for the log line's fix= field. */
const char *pi_refusal_fix(const struct iam_api_error *aerr);
/* Whether err says the endpoint could not be reached (transport failure,
 * timeout, TLS, or a 5xx answer), which is when fallbacks apply. */
int pi_unreachable(int r, const struct iam_api_error *aerr);

/* The conversation (pi_conv.c). */
/* One prompt, echo off (or on); *answer is wiped and freed by the caller
 * with iam_free_secret. PAM_CONV_ERR when the application gave no answer. */
int pi_prompt(struct pi *pi, int echo, const char *prompt, char **answer);
/* Text for the user (PAM_ERROR_MSG or PAM_TEXT_INFO); nothing with
 * PAM_SILENT. */
void pi_tell(struct pi *pi, int error, const char *text);

/* Users (pi_user.c): whether the directory manages this name: it is a
 * valid directory name, not in the local passwd file, and NSS does not resolve it to a uid outside
 * [id_min, id_max]. 1 managed, 0 not, negative when the local file cannot be
 * read (logged; pi_get_user then ignores the user in auth, so root's console
 * login stays with pam_unix, and decides it in the other phases). */
int pi_managed(struct pi *pi, const char *name);
/* 1 when NAME is in the host's own passwd file, 0 not, -errno unreadable. */
int pi_local_user(struct pi *pi, const char *name);

#define PI_LOCAL_PASSWD "/etc/passwd"

/* A string kept with the PAM handle for a later phase of the same
 * transaction, under NAME and the user (su and sudo change PAM_USER);
 * pam_end frees the copy. pi_data_set: PAM_SUCCESS or PAM_BUF_ERR;
 * pi_data_get: NULL when there is none. */
int pi_data_set(struct pi *pi, const char *name, const char *value);
const char *pi_data_get(struct pi *pi, const char *name);

#endif /* PAMCOMMON_PI_H */

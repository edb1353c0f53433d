/*
 * User session tokens kept between runs: TOKEN_DIR/NAME.token, mode 0600
 * in a directory of mode 0700 owned by the user, written atomically. The
 * file holds three lines: the endpoint URL, the token, and the expiry time
 * (seconds since the epoch). A token is only reused for the same endpoint.
 */
#ifndef IAMCTL_SESSION_H
#define IAMCTL_SESSION_H

#include <sys/types.h>

#include "ctx.h"
#include "iam_error.h"

struct cli_session {
	char *token;           /* a secret: session_clear() wipes it */
	long long expires_at;
};

/* 0 with a token that is still valid for a while; -ENOENT when there is no
 * usable one (none, expired, another endpoint, unreadable format); other
 * negatives when the directory or file is unsafe. */
int session_load(const struct cli_config *cfg, uid_t uid, const char *user,
		 struct cli_session *s, struct iam_err *err);
int session_store(const struct cli_config *cfg, uid_t uid, const char *user,
		  const struct cli_session *s, struct iam_err *err);
/* 0 also when there was nothing to remove. */
int session_remove(const struct cli_config *cfg, uid_t uid, const char *user,
		   struct iam_err *err);
void session_clear(struct cli_session *s);

#endif

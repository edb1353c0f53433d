/* iam-policyd --init DIR: a complete state directory for a new endpoint. */
#ifndef IAM_POLICYD_INIT_H
#define IAM_POLICYD_INIT_H

#include "iam_error.h"

struct init_options {
	const char *dir;
	const char *listen;          /* written into policyd.conf */
	const char *const *names;    /* extra names for the certificate, NULL-terminated */
	int kdf_log2_n;              /* 0: default */
};

/* Creates DIR (mode 0700; an existing DIR must be empty) with tls.crt,
 * tls.key, signing.key, signing.pub, admin.token, iam.db and policyd.conf,
 * and prints what hosts and admins need to know. */
int policyd_init(const struct init_options *opt, struct iam_err *err);

#endif

/*
 * iamctl doctor: checks one host's set-up and prints one line per finding,
 * each failure and warning with what to do about it. The checks are split
 * by what they read: the files under iam.conf (doctor_files.c), the
 * endpoint as this host sees it (doctor_endpoint.c), and the system's own
 * configuration that routes logins through the modules (doctor_system.c).
 */
#ifndef IAMCTL_DOCTOR_H
#define IAMCTL_DOCTOR_H

#include <stdint.h>

#include "host_config.h"

struct doctor {
	const char *config_path;
	struct iam_host_config cfg;
	int cfg_ok;          /* the configuration loaded and passed its checks */
	char *token;         /* the host credential, when it could be read */
	int64_t cache_serial; /* of a valid cache, else -1 */
	int64_t endpoint_serial; /* from the health answer, else -1 */
	int fails, warns;
};

/* One finding: "ok", "WARN" or "FAIL", the check's name, what was found,
 * and for WARN and FAIL what to do (fix, may be NULL). */
void dr_ok(struct doctor *d, const char *check, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dr_warn(struct doctor *d, const char *check, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void dr_fail(struct doctor *d, const char *check, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void doctor_files(struct doctor *d);
void doctor_endpoint(struct doctor *d);
void doctor_system(struct doctor *d);
void doctor_pam_auth_update(struct doctor *d);

#endif

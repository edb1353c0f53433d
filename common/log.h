/* Logging. Every event is one line of key=value fields, e.g.
 *   event=login result=deny reason=disabled user=alice host=web1
 * Daemons and the CLI log through iam_log(); PAM modules format with the
 * iam_kv_* helpers and hand the line to pam_syslog(). */
#ifndef IAM_LOG_H
#define IAM_LOG_H

#include <stdarg.h>
#include "iam_buf.h"

/* Appends " key=value" (no leading space for the first field). Values with
 * spaces, quotes, '=' or control characters are double-quoted and escaped so
 * that one event stays one parseable line; NULL is written as "-". */
int iam_kv_add(struct iam_buf *b, const char *key, const char *value);
int iam_kv_addf(struct iam_buf *b, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int iam_kv_addll(struct iam_buf *b, const char *key, long long value);

enum iam_log_target {
	IAM_LOG_SYSLOG, /* LOG_AUTHPRIV */
	IAM_LOG_STDERR,
};

void iam_log_init(const char *ident, enum iam_log_target target, int debug);
int iam_log_debug_enabled(void);
/* prio is a syslog priority; LOG_DEBUG lines appear only with debug on. */
void iam_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void iam_vlog(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif

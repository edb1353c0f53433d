/* Errors in common/: functions return 0 or a negative errno value, and fill
 * an optional struct iam_err with a sentence a boundary (PAM module, daemon,
 * CLI) logs once, with enough context to act on. */
#ifndef IAM_ERROR_H
#define IAM_ERROR_H

#include <stddef.h>

struct iam_err {
	char msg[512];
};

/* Each of these accepts err == NULL and then does nothing. */
void iam_err_set(struct iam_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void iam_err_prefix(struct iam_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Adds to the end of the sentence (cut to fit): the next step to take. */
void iam_err_append(struct iam_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void iam_err_clear(struct iam_err *err);

#endif

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "iam_error.h"

void iam_err_set(struct iam_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void iam_err_append(struct iam_err *err, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	if (!err)
		return;
	len = strnlen(err->msg, sizeof(err->msg) - 1);
	va_start(ap, fmt);
	vsnprintf(err->msg + len, sizeof(err->msg) - len, fmt, ap);
	va_end(ap);
}

void iam_err_prefix(struct iam_err *err, const char *fmt, ...)
{
	char prefix[256];
	size_t plen, olen;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	olen = strnlen(err->msg, sizeof(err->msg) - 1);
	if (plen + 2 + olen >= sizeof(err->msg))
		olen = sizeof(err->msg) - 1 - plen - 2;
	memmove(err->msg + plen + 2, err->msg, olen);
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	err->msg[plen + 2 + olen] = '\0';
}

void iam_err_clear(struct iam_err *err)
{
	if (err)
		err->msg[0] = '\0';
}

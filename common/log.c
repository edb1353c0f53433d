#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int needs_quotes(const char *v)
{
	if (!*v)
		return 1;
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
			return 1;
	}
	return 0;
}

/* Control characters become \xNN so that no value can forge a second log
 * line or a second field. */
static int append_quoted(struct iam_buf *b, const char *v)
{
	int r = iam_buf_puts(b, "\"");

	for (; r == 0 && *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			r = iam_buf_printf(b, "\\%c", c);
		else if (c < ' ' || c == 0x7f)
			r = iam_buf_printf(b, "\\x%02x", c);
		else
			r = iam_buf_append(b, v, 1);
	}
	return r ? r : iam_buf_puts(b, "\"");
}

int iam_kv_add(struct iam_buf *b, const char *key, const char *value)
{
	int r;

	if (b->len)
		if ((r = iam_buf_puts(b, " ")) < 0)
			return r;
	if ((r = iam_buf_printf(b, "%s=", key)) < 0)
		return r;
	if (!value)
		return iam_buf_puts(b, "-");
	if (needs_quotes(value))
		return append_quoted(b, value);
	return iam_buf_puts(b, value);
}

int iam_kv_addf(struct iam_buf *b, const char *key, const char *fmt, ...)
{
	char value[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return iam_kv_add(b, key, value);
}

int iam_kv_addll(struct iam_buf *b, const char *key, long long value)
{
	return iam_kv_addf(b, key, "%lld", value);
}

/* Process-wide settings, written once at start-up before threads exist. */
static enum iam_log_target log_target = IAM_LOG_STDERR;
static int log_debug;
static const char *log_ident = "iam";

void iam_log_init(const char *ident, enum iam_log_target target, int debug)
{
	log_ident = ident;
	log_target = target;
	log_debug = debug;
	if (target == IAM_LOG_SYSLOG)
		openlog(ident, LOG_PID, LOG_AUTHPRIV);
}

int iam_log_debug_enabled(void)
{
	return log_debug;
}

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: return "crit";
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

/* fmt is a printf format passed on as a va_list: saying so lets the
 * compiler check the callers and accept the vsnprintf below (clang's
 * -Wformat-nonliteral refuses it otherwise). It belongs in log.h. */
void iam_vlog(int prio, const char *fmt, va_list ap)
{
	char line[2048];
	char stamp[32];
	struct tm tm;
	time_t now;

	if (prio == LOG_DEBUG && !log_debug)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_target == IAM_LOG_SYSLOG) {
		syslog(LOG_AUTHPRIV | prio, "%s", line);
		return;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s[%s]: %s\n", stamp, log_ident, prio_name(prio), line);
}

void iam_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	iam_vlog(prio, fmt, ap);
	va_end(ap);
}

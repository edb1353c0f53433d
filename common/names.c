#include "config.h"

#include <stdint.h>
#include <string.h>

#include "names.h"

#define HOSTNAME_MAX 253
#define HOST_LABEL_MAX 63
#define FIELD_MAX 255

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

int iam_name_valid(const char *s)
{
	size_t i;

	if (!s || !(is_lower(s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; s[i]; i++) {
		if (i >= IAM_NAME_MAX)
			return 0;
		if (!(is_lower(s[i]) || is_digit(s[i]) || s[i] == '_' || s[i] == '-'))
			return 0;
	}
	return 1;
}

/* One label of len bytes at s: letters, digits and inner hyphens. */
static int host_label_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > HOST_LABEL_MAX)
		return 0;
	if (s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!(is_alpha(s[i]) || is_digit(s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

int iam_hostname_valid(const char *s)
{
	const char *label, *dot;
	size_t len;

	if (!s)
		return 0;
	len = strnlen(s, HOSTNAME_MAX + 1);
	if (len == 0 || len > HOSTNAME_MAX)
		return 0;
	for (label = s;; label = dot + 1) {
		dot = strchr(label, '.');
		if (!host_label_valid(label, dot ? (size_t)(dot - label) : strlen(label)))
			return 0;
		if (!dot)
			return 1;
	}
}

/*
 * Decodes one UTF-8 sequence at s (NUL terminated). Returns its length and
 * stores the code point, or returns 0 for anything that is not the shortest
 * encoding of a Unicode scalar value: stray continuation bytes, truncated
 * sequences, overlong forms (which could smuggle '/' or ':' past a byte
 * check), UTF-16 surrogates and values above U+10FFFF.
 */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	static const uint32_t min_for_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		v = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		v = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		v = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		/* Also stops at the terminating NUL, which is not 10xxxxxx. */
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min_for_len[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* C0, DEL and C1: the C1 range includes a one-character CSI (U+009B) that
 * some terminals honour, so it is as dangerous in a log line as ESC. */
static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Valid UTF-8 without control characters in at most max bytes; forbidden
 * is an extra ASCII character to refuse, or 0. */
static int utf8_text_valid(const char *s, size_t max, char forbidden)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t off = 0;
	uint32_t cp;

	if (!s)
		return 0;
	while (p[off]) {
		size_t len = utf8_decode(p + off, &cp);

		if (len == 0 || is_control(cp))
			return 0;
		if (forbidden && cp == (unsigned char)forbidden)
			return 0;
		off += len;
		if (off > max)
			return 0;
	}
	return 1;
}

int iam_gecos_valid(const char *s)
{
	return utf8_text_valid(s, FIELD_MAX, ':');
}

/* A path component of len bytes that is "." or "..". */
static int is_dot_component(const char *s, size_t len)
{
	return (len == 1 && s[0] == '.') ||
	       (len == 2 && s[0] == '.' && s[1] == '.');
}

int iam_path_field_valid(const char *s)
{
	const char *comp, *slash;
	size_t i;

	if (!s || s[0] != '/')
		return 0;
	for (i = 0; s[i]; i++) {
		if (i >= FIELD_MAX)
			return 0;
		/* Printable ASCII without space: shells and homes with white
		 * space or non-ASCII bytes break too many tools. */
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == ':')
			return 0;
	}
	for (comp = s + 1;; comp = slash + 1) {
		slash = strchr(comp, '/');
		if (is_dot_component(comp, slash ? (size_t)(slash - comp) : strlen(comp)))
			return 0;
		if (!slash)
			return 1;
	}
}

int iam_text_valid(const char *s, size_t max)
{
	return utf8_text_valid(s, max, 0);
}

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "encode.h"
#include "names.h"
#include "sshkey.h"

#define MAX_BLOB 12288

static const char *const key_types[] = {
	"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com", NULL,
};

static int known_type(const char *type, size_t len)
{
	int i;

	for (i = 0; key_types[i]; i++)
		if (strlen(key_types[i]) == len && memcmp(key_types[i], type, len) == 0)
			return 1;
	return 0;
}

/* The blob starts with the key type as an SSH string; it must agree with
 * the type written in front of it. */
static int blob_names_type(const unsigned char *blob, size_t n, const char *type, size_t tlen)
{
	size_t len;

	if (n < 4)
		return 0;
	len = ((size_t)blob[0] << 24) | ((size_t)blob[1] << 16) | ((size_t)blob[2] << 8) | blob[3];
	return len == tlen && n >= 4 + len && memcmp(blob + 4, type, tlen) == 0;
}

static void fingerprint(const unsigned char *blob, size_t n, char out[64])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char b64[48];
	size_t len;

	SHA256(blob, n, md);
	iam_b64_encode(md, sizeof(md), b64, sizeof(b64));
	len = strlen(b64);
	while (len > 0 && b64[len - 1] == '=')
		b64[--len] = '\0';
	snprintf(out, 64, "SHA256:%s", b64);
}

/* Splits "type base64 comment" into its parts; b64 is allocated. */
static int split(const char *line, char *type, char **b64, char *comment, const char **why)
{
	const char *p = line + strspn(line, " \t"), *end;
	size_t len;

	end = p + strcspn(p, " \t");
	len = (size_t)(end - p);
	if (len == 0 || len >= 64 || !known_type(p, len)) {
		*why = "The key must start with a known key type such as ssh-ed25519 "
		       "(options before the type are not accepted).";
		return -EINVAL;
	}
	memcpy(type, p, len);
	type[len] = '\0';
	p = end + strspn(end, " \t");
	end = p + strcspn(p, " \t");
	len = (size_t)(end - p);
	if (len == 0 || len > MAX_BLOB * 4 / 3 + 4 || !(*b64 = strndup(p, len))) {
		*why = "The key has no (or an oversized) base64 part after its type.";
		return -EINVAL;
	}
	p = end + strspn(end, " \t");
	snprintf(comment, 256, "%s", p);
	len = strlen(comment);
	while (len > 0 && (comment[len - 1] == ' ' || comment[len - 1] == '\t'))
		comment[--len] = '\0';
	if (strlen(p) > 255 || (comment[0] && !iam_text_valid(comment, 255))) {
		*why = "The key's comment must be printable text of at most 255 bytes.";
		return -EINVAL;
	}
	return 0;
}

/* One line: a single trailing newline is forgiven, any other line break or
 * control character (bar tabs) is not. */
static char *one_line(const char *text, const char **why)
{
	size_t len = strlen(text), i;
	char *line;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < ' ' && c != '\t') || c == 0x7f) {
			*why = c == '\n' ? "Give exactly one key." :
					   "The key contains control characters.";
			return NULL;
		}
	}
	line = strndup(text, len);
	if (!line)
		*why = "Out of memory.";
	return line;
}

int sshkey_parse(const char *text, struct sshkey_info *out, const char **why)
{
	char type[64], *b64 = NULL, *line;
	unsigned char *blob = NULL;
	size_t n = 0;
	int r = -EINVAL;

	memset(out, 0, sizeof(*out));
	line = one_line(text, why);
	if (!line)
		return -EINVAL;
	if (split(line, type, &b64, out->comment, why) < 0)
		goto done;
	blob = malloc(strlen(b64) / 4 * 3 + 3);
	if (!blob || iam_b64_decode(b64, blob, strlen(b64) / 4 * 3 + 3, &n) < 0 ||
	    !blob_names_type(blob, n, type, strlen(type))) {
		*why = "The key's base64 part is not a valid key of the type it names.";
		goto done;
	}
	fingerprint(blob, n, out->fingerprint);
	snprintf(out->line, sizeof(out->line), "%s %s%s%s", type, b64,
		 out->comment[0] ? " " : "", out->comment);
	r = 0;
done:
	free(blob);
	free(b64);
	free(line);
	return r;
}
